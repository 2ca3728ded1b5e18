/**
 * The section's registry of names and spent keys (issues 19 and 20). A member that joined after
 * names were decided takes in
 * proofs from elders and checks each itself. A proof not signed by a key of its chain, or signed
 * wrongly, is refused; a claim of a name outside its section or not signed by its registrant is
 * skipped; of two proofs for one name the earlier generation wins, in whatever order they come.
 * Spentbook entries the same way: a spend not signed by the key it spends is skipped, and of two
 * decided transactions for one key the earlier generation's is the key's only one.
 */
import { describe, expect, it } from 'vitest'
import { NodeKeypair, toHex } from '../../../src/crypto/index.ts'
import { SectionTree } from '../../../src/knowledge/index.ts'
import { BlsSecretKey } from '../../../src/crypto/index.ts'
import { signSpend } from '../../../src/dbc/index.ts'
import { nameXor, signClaim } from '../../../src/register/names.ts'
import { Registry } from '../../../src/roles/section/registry.ts'
import { SeededRandom } from '../../../src/sim/random.ts'
import { MemoryStore } from '../../../src/store/index.ts'
import { Prefix } from '../../../src/xor/index.ts'
import { dealKeys, type Peer, signedDecision, signedSap } from '../../model/node-harness.ts'

const random = new SeededRandom(19)
const elders: Peer[] = Array.from({ length: 4 }, (_, i) => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: `e${i}` }))
const keys = dealKeys(2, random)
const genesis = signedSap(keys, elders, 0)
const tree = SectionTree.fromGenesis(genesis)
const alice = NodeKeypair.fromSeed(random.bytes(32))
const bob = NodeKeypair.fromSeed(random.bytes(32))

function proof(generation: number, claims: ReadonlyArray<ReturnType<typeof signClaim>>, signer = keys) {
  const decision = signedDecision(signer, generation, claims.map((c) => ({ kind: 'NameClaim' as const, ...c })))
  return { sectionKey: keys.keySet.publicKey().toBytes(), generation, proposals: decision.proposals, signature: decision.signature }
}

describe('the name table', () => {
  it('takes in a checked proof, and of two for one name keeps the earlier generation, in either order', () => {
    for (const order of [[5, 9], [9, 5]]) {
      const table = new Registry(MemoryStore.open())
      const proofs = new Map([[5, proof(5, [signClaim(alice, 'site')])], [9, proof(9, [signClaim(bob, 'site')])]])
      for (const g of order) expect('recorded' in table.learn(proofs.get(g)!, tree, Prefix.EMPTY)).toBe(true)
      expect(toHex(table.owner('site')!)).toBe(toHex(alice.publicKey.bytes))
      expect(table.count).toBe(1)
    }
  })

  it('refuses a proof of a key it does not know, or not signed by its key', () => {
    const table = new Registry(MemoryStore.open())
    const stranger = dealKeys(2, random)
    const foreign = { ...proof(3, [signClaim(alice, 'a')], stranger), sectionKey: stranger.keySet.publicKey().toBytes() }
    expect(table.learn(foreign, tree, Prefix.EMPTY)).toEqual({ refused: 'unknown-key' })
    const forged = proof(3, [signClaim(alice, 'a')], stranger)
    expect(table.learn(forged, tree, Prefix.EMPTY)).toEqual({ refused: 'bad-signature' })
    const tampered = { ...proof(3, [signClaim(alice, 'a')]), generation: 4 }
    expect(table.learn(tampered, tree, Prefix.EMPTY)).toEqual({ refused: 'bad-signature' })
    expect(table.owner('a')).toBeUndefined()
  })

  it('skips a claim of a name outside its section, or one its registrant did not sign', () => {
    const table = new Registry(MemoryStore.open())
    const outside = Prefix.of(nameXor('x'), 1).sibling()
    expect(table.learn(proof(2, [signClaim(alice, 'x')]), tree, outside)).toEqual({ recorded: [] })
    const unsigned = { ...signClaim(alice, 'y'), signature: signClaim(bob, 'y').signature }
    expect(table.learn(proof(2, [unsigned]), tree, Prefix.EMPTY)).toEqual({ recorded: [] })
    expect(table.count).toBe(0)
  })

  it('pages its proofs in XorName order, every name once', () => {
    const table = new Registry(MemoryStore.open())
    const names = Array.from({ length: 70 }, (_, i) => `n${i}`)
    for (const [i, name] of names.entries()) table.learn(proof(i + 1, [signClaim(alice, name)]), tree, Prefix.EMPTY)
    const other = new Registry(MemoryStore.open())
    let after: Uint8Array | undefined
    let pages = 0
    for (;;) {
      const page = table.page(after)
      pages++
      for (const p of page.proofs) other.learn(p, tree, Prefix.EMPTY)
      if (!page.more) break
      after = page.last
    }
    expect(pages).toBeGreaterThan(2)
    expect(other.count).toBe(70)
    for (const name of names) expect(toHex(other.owner(name)!)).toBe(toHex(alice.publicKey.bytes))
  })

  it('is complete from the start; once new, it is not until f + 1 sources are done — whatever count it was told — and it remembers', () => {
    const store = MemoryStore.open()
    const table = new Registry(store)
    expect(table.complete).toBe(true)
    // Told of no names at all (an approver may leave the count out): still incomplete until f + 1 sources are done.
    table.expect(0)
    expect(table.complete).toBe(false)
    table.learn(proof(1, [signClaim(alice, 'p')]), tree, Prefix.EMPTY)
    expect(table.sourcesDone(1, 3)).toBe(false)
    expect(table.sourcesDone(2, 3)).toBe(false)
    expect(new Registry(store).complete).toBe(false)
    expect(table.sourcesDone(3, 3)).toBe(true)
    expect(new Registry(store).complete).toBe(true)
  })

  it('records the first decided spend of a key, skips one its owner did not sign, and keeps the earlier generation\'s', () => {
    const owner = BlsSecretKey.random(random.byteSource())
    const [first, second] = [random.bytes(32), random.bytes(32)].map((txHash) => signSpend(owner, txHash))
    const spend = (generation: number, entries: ReadonlyArray<typeof first>) => {
      const decision = signedDecision(keys, generation, entries.map((e) => ({ kind: 'Spend' as const, ...e! })))
      return { sectionKey: keys.keySet.publicKey().toBytes(), generation, proposals: decision.proposals, signature: decision.signature }
    }
    for (const order of [[4, 8], [8, 4]]) {
      const table = new Registry(MemoryStore.open())
      const proofs = new Map([[4, spend(4, [first])], [8, spend(8, [second])]])
      for (const g of order) table.learn(proofs.get(g)!, tree, Prefix.EMPTY)
      expect(toHex(table.spent(first!.spendKey)!.txHash)).toBe(toHex(first!.txHash))
      expect(table.spent(first!.spendKey)!.proof.generation).toBe(4)
    }
    const table = new Registry(MemoryStore.open())
    const forged = { ...second!, signature: signSpend(BlsSecretKey.random(random.byteSource()), second!.txHash).signature }
    expect(table.learn(spend(3, [forged]), tree, Prefix.EMPTY)).toEqual({ recorded: [] })
    expect(table.spent(second!.spendKey)).toBeUndefined()
  })
})
