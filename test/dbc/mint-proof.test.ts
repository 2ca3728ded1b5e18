/**
 * What makes a DBC valid (issue 20; src/dbc/mint-proof.ts): the genesis DBC, signed by the genesis
 * key, is the whole supply; a reissue's output is valid when the section responsible for each input
 * signed the transaction, its key chained to genesis — also when that key was handed over since;
 * anything else is refused with why (not an output, a broken chain, a forged signature, an input
 * no section it belongs to signed).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlsSecretKey, SCALAR_ORDER } from '../../src/crypto/index.ts'
import { checkTransaction, contentHash, inputOf, outputsFor, spendName, summarise, type Transaction, transactionHash } from '../../src/dbc/dbc.ts'
import { DbcUnreadable, decodeDbc, encodeDbc } from '../../src/dbc/codec.ts'
import { type Dbc, dbcFault, genesisDbc, mintBytes } from '../../src/dbc/mint-proof.ts'
import { ProofChain } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { Prefix } from '../../src/xor/index.ts'
import { dealKeys, extendChain, type Peer, signedSap } from '../model/node-harness.ts'

const random = new SeededRandom(20)
const elders: Peer[] = Array.from({ length: 4 }, (_, i) => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: `e${i}` }))
const k0 = dealKeys(2, random)
const genesis = signedSap(k0, elders, 0)
const wallet = BlsSecretKey.fromScalar(987_654_321n % SCALAR_ORDER)
const nonce = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n + i) & 0xff)
const g = genesisDbc(genesis, k0.secret, wallet.publicKey().derive(nonce(0)), nonce(1))
const trust = { genesisKey: genesis.sap.sectionKey(), genesisTransaction: transactionHash(g.transaction) }
const genesisKey = trust.genesisKey

/** The genesis DBC spent into two outputs, signed by `keys` under `sap` with `chain`. */
function reissue(sap = genesis, chain = new ProofChain(genesisKey), keys = k0): { tx: Transaction; outputs: Dbc[] } {
  const inputs = [inputOf(g.content)]
  const tx = { inputs, outputs: outputsFor(inputs, [{ owner: wallet.publicKey().derive(nonce(2)), amount: g.content.amount - 5n, nonce: nonce(3) }, { owner: wallet.publicKey().derive(nonce(4)), amount: 5n, nonce: nonce(5) }]) }
  checkTransaction(tx)
  const proof = { sap, chain, signature: keys.secret.sign(mintBytes(transactionHash(tx))) }
  return { tx, outputs: tx.outputs.map((content) => ({ content, transaction: summarise(tx), proofs: [proof] })) }
}

describe('DBC validity', () => {
  it('the genesis DBC is valid for its network only', () => {
    expect(dbcFault(g, trust)).toBeUndefined()
    expect(dbcFault(g, { ...trust, genesisKey: dealKeys(2, random).keySet.publicKey() })).toBe('BadChain')
    expect(dbcFault({ ...g, content: { ...g.content, amount: 5n } }, trust)).toBe('NotAnOutput')
    // A second transaction without inputs, even signed by the genesis key, is not the genesis DBC.
    const content = { ...g.content, nonce: nonce(7) }
    const transaction = { inputs: [], outputHashes: [contentHash(content)] }
    const minted = { content, transaction, proofs: [{ ...g.proofs[0]!, signature: k0.secret.sign(mintBytes(transactionHash(transaction))) }] }
    expect(dbcFault(minted, trust)).toBe('BadGenesis')
  })

  it("a reissue's outputs are valid, signed by the input's section; a forged signature or a foreign output is not", () => {
    const { outputs } = reissue()
    for (const dbc of outputs) expect(dbcFault(dbc, trust)).toBeUndefined()
    const stranger = dealKeys(2, random)
    const forged = { ...outputs[0]!, proofs: [{ ...outputs[0]!.proofs[0]!, signature: stranger.secret.sign(mintBytes(transactionHash(outputs[0]!.transaction))) }] }
    expect(dbcFault(forged, trust)).toBe('BadSignature')
    expect(dbcFault({ ...outputs[0]!, content: { ...outputs[0]!.content, nonce: nonce(9) } }, trust)).toBe('NotAnOutput')
    expect(dbcFault({ ...outputs[0]!, proofs: [] }, trust)).toBe('InputNotSigned')
  })

  it('minted under a key three handovers old, it stays valid: its own chain proves the key', () => {
    // Genesis → k1 → k2 → k3: the mint signed under k1; the network has moved on to k3 since.
    const k1 = dealKeys(2, random)
    const sap1 = signedSap(k1, elders, 1)
    const chain1 = extendChain(new ProofChain(genesisKey), k0, sap1)
    const { outputs } = reissue(sap1, chain1, k1)
    expect(dbcFault(outputs[0]!, trust)).toBeUndefined()
    // A chain with a broken link, or ending elsewhere than the SAP's key, is refused.
    const other = dealKeys(2, random)
    const broken = extendChain(new ProofChain(genesisKey), other, sap1)
    expect(dbcFault({ ...outputs[0]!, proofs: [{ ...outputs[0]!.proofs[0]!, chain: broken }] }, trust)).toBe('BadChain')
    expect(dbcFault({ ...outputs[0]!, proofs: [{ ...outputs[0]!.proofs[0]!, chain: new ProofChain(genesisKey) }] }, trust)).toBe('BadChain')
  })

  it('a section signs only for the inputs in its prefix: an input elsewhere is not covered', () => {
    const name = spendName(g.content.owner.toBytes())
    const elsewhere = Prefix.of(name, 1).sibling()
    const k1 = dealKeys(2, random)
    const sap1 = signedSap(k1, elders, 1, elsewhere)
    const { outputs } = reissue(sap1, extendChain(new ProofChain(genesisKey), k0, sap1), k1)
    expect(dbcFault(outputs[0]!, trust)).toBe('InputNotSigned')
  })
})

describe('DBC bytes', () => {
  it('a DBC comes back from its bytes as valid as it went; anything else is DbcUnreadable, never a crash', () => {
    const { outputs } = reissue()
    for (const dbc of [g, ...outputs]) {
      const back = decodeDbc(encodeDbc(dbc))
      expect(dbcFault(back, trust)).toBeUndefined()
      expect(back.content.amount).toBe(dbc.content.amount)
      expect(Buffer.from(encodeDbc(back)).equals(Buffer.from(encodeDbc(dbc)))).toBe(true)
    }
    const bytes = encodeDbc(outputs[0]!)
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const damaged = Uint8Array.from(bytes)
      damaged[at]! ^= flip
      try {
        const dbc = decodeDbc(damaged)
        // Decoded after all: then it must not pass as the DBC it was (or be it, byte for byte).
        expect(dbcFault(dbc, trust) !== undefined || Buffer.from(encodeDbc(dbc)).equals(Buffer.from(bytes))).toBe(true)
      } catch (error) {
        expect(error).toBeInstanceOf(DbcUnreadable)
      }
    }), { numRuns: 60 })
    expect(() => decodeDbc(Uint8Array.of(1, 2, 3))).toThrow(DbcUnreadable)
  })
})
