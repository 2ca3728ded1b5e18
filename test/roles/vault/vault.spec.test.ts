import { describe, expect, it } from 'vitest'
import { memberToWire } from '../../../src/consensus/index.ts'
import { NodeKeypair, sha3_256, toHex } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { VAULT } from '../../../src/roles/constants.ts'
import { verifyReceipt } from '../../../src/data/receipt.ts'
import { XorName } from '../../../src/xor/index.ts'
import { asMember, type Peer, signedDecision } from '../../model/node-harness.ts'
import { joiningNode } from '../support.ts'

/**
 * The vault role (DESIGN.md §10) stated on the wire: a member `s` of a section of 12 whose other
 * members the test plays. Holders are the `dataCopyCount` (4) members closest to a chunk.
 */
function vaultMember(seed: number, others = 10) {
  const { s, elder, keys, sap, random, dst } = joiningNode(seed)
  const self: Peer = { keypair: s.keypair(), addr: 's' }
  const peers: Peer[] = Array.from({ length: others }, (_, i) => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: `m${i}` }))
  const members = [asMember(elder, 9), asMember(self, 7), ...peers.map((p) => asMember(p, 6))]
  s.deliver(elder, 'JoinApproved', { decision: signedDecision(keys, 0, [{ kind: 'Joined', member: members[1]! }]), sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(), members: members.map(memberToWire), nextGeneration: 1 }, dst)
  expect(s.node.role).toBe('adult')
  const everyone: Peer[] = [elder, self, ...peers]
  /** Members by closeness to `address`. */
  const ranked = (address: Uint8Array): Peer[] => {
    const name = XorName.fromBytes(address)
    return [...everyone].sort((a, b) => name.compareDistance(a.keypair.name, b.keypair.name))
  }
  /** Random contents until one has `s` at `rank` (0 = closest). */
  const chunkAt = (rank: number | ((r: number) => boolean)): { address: Uint8Array; content: Uint8Array } => {
    const accept = typeof rank === 'number' ? (r: number) => r === rank : rank
    for (;;) {
      const content = random.bytes(64)
      const address = sha3_256(content)
      if (accept(ranked(address).indexOf(self))) return { address, content }
    }
  }
  const sectionDst = (address: Uint8Array) => ({ name: address, sectionKey: sap.sap.sectionKey().toBytes() })
  const client: Peer = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'client' }
  return { s, elder, peers, self, ranked, chunkAt, sectionDst, client }
}

describe('the vault role', () => {
  it('stores a chunk it is a holder of and answers with a receipt its node key signed', () => {
    const { s, chunkAt, sectionDst, client } = vaultMember(1)
    const { address, content } = chunkAt(2)
    s.deliver(client, 'ChunkPut', { content }, sectionDst(address))
    const [receipt] = s.sentOf('ChunkReceipt')
    expect(receipt?.to).toEqual(['client'])
    expect(receipt?.payload.holder).toEqual(s.keypair().publicKey.bytes)
    expect(verifyReceipt(receipt!.payload)).toBe(true)
    expect(verifyReceipt({ ...receipt!.payload, address: sha3_256(address) })).toBe(false)
    expect(s.node.vault.chunks.has(address)).toBe(true)
    expect(s.node.vault.status()).toMatchObject({ chunks: 1, usedBytes: content.length, stored: 1 })
  })

  it('refuses content that does not hash to the address, and a chunk it is too far from, naming the closest', () => {
    const { s, chunkAt, sectionDst, client, ranked } = vaultMember(2)
    const near = chunkAt(0)
    s.deliver(client, 'ChunkPut', { content: Uint8Array.of(1, 2, 3) }, sectionDst(near.address))
    expect(s.sentOf('ChunkRefused').map((m) => m.payload.reason)).toEqual(['BadAddress'])
    const far = chunkAt((r) => r >= VAULT.acceptRank)
    s.deliver(client, 'ChunkPut', { content: far.content }, sectionDst(far.address))
    const refused = s.sentOf('ChunkRefused')[1]!
    expect(refused.payload.reason).toBe('NotHolder')
    expect(refused.payload.holders.map((h) => toHex(h.name))).toEqual(ranked(far.address).slice(0, VAULT.acceptRank).map((p) => p.keypair.name.toHex()))
    expect(s.node.vault.chunks.count).toBe(0)
    expect(s.sentOf('ChunkReceipt')).toEqual([])
  })

  it('never serves a copy that does not hash to its address: it drops it and fetches a good one from the other holders', () => {
    const { s, chunkAt, sectionDst, client, ranked, self } = vaultMember(3)
    const { address, content } = chunkAt(1)
    s.deliver(client, 'ChunkPut', { content }, sectionDst(address))
    s.deliver(client, 'ChunkGet', { address }, sectionDst(address))
    expect(s.sentOf('ChunkContent').map((m) => m.payload.content)).toEqual([content])
    // A flipped byte in the store.
    const bad = content.slice()
    bad[5]! ^= 0xff
    s.node.vault.chunks.delete(address)
    expect(s.node.vault.chunks.put(address, bad, () => {})).toBe('stored')
    const before = s.sent.length
    s.deliver(client, 'ChunkGet', { address }, sectionDst(address))
    expect(s.sentOf('ChunkContent', before)).toEqual([])
    expect(s.sentOf('ChunkRefused', before).map((m) => m.payload.reason)).toEqual(['NotFound'])
    expect(s.node.vault.counts.corruptFound).toBe(1)
    // The repair asks another holder; its answer is checked and stored.
    const fetch = s.sentOf('ChunkGet', before)
    const others = ranked(address).slice(0, VAULT.acceptRank).filter((p) => p !== self).map((p) => p.addr)
    expect(fetch.map((m) => m.to)).toEqual([[others[0]]])
    const peer = (addr: string) => ranked(address).find((p) => p.addr === addr)!
    // A bad answer is not stored: the next holder is asked at once.
    s.deliver(peer(others[0]!), 'ChunkContent', { address, content: bad })
    expect(s.node.vault.chunks.has(address)).toBe(false)
    expect(s.sentOf('ChunkGet', before).map((m) => m.to)).toEqual([[others[0]], [others[1]]])
    // A silent one is passed over after a fetch timeout (between one and two ticks).
    s.fire('vault', VAULT.fetchTimeoutMs, 'fetch timeout')
    expect(s.sentOf('ChunkGet', before)).toHaveLength(2)
    s.fire('vault', VAULT.fetchTimeoutMs, 'fetch timeout')
    expect(s.sentOf('ChunkGet', before).map((m) => m.to).at(-1)).toEqual([others[2]])
    s.deliver(peer(others[2]!), 'ChunkContent', { address, content })
    expect(s.node.vault.chunks.read(address)).toEqual({ content })
  })

  it('fetches an offered chunk it should hold from the offerer and confirms it; one it holds is confirmed at once', () => {
    const { s, chunkAt, ranked, self } = vaultMember(4)
    const wanted = chunkAt(0)
    const offerer = ranked(wanted.address).find((p) => p !== self)!
    s.deliver(offerer, 'ChunkOffer', { addresses: [wanted.address], popular: false })
    expect(s.sentOf('ChunkGet').map((m) => [m.to, toHex(m.payload.address)])).toEqual([[[offerer.addr], toHex(wanted.address)]])
    s.deliver(offerer, 'ChunkContent', { address: wanted.address, content: wanted.content })
    expect(s.node.vault.chunks.has(wanted.address)).toBe(true)
    expect(s.sentOf('ChunkHave').map((m) => [m.to, m.payload.have.map(toHex)])).toEqual([[[offerer.addr], [toHex(wanted.address)]]])
    s.deliver(offerer, 'ChunkOffer', { addresses: [wanted.address], popular: false })
    expect(s.sentOf('ChunkHave')).toHaveLength(2)
    expect(s.sentOf('ChunkGet')).toHaveLength(1)
    // Too far from it to hold it: not fetched.
    const far = chunkAt((r) => r >= VAULT.acceptRank)
    s.deliver(offerer, 'ChunkOffer', { addresses: [far.address], popular: false })
    expect(s.sentOf('ChunkGet')).toHaveLength(1)
  })

  it('offers what it holds to the other holders on a change, and hands off a copy it no longer owes only once every holder confirmed', () => {
    const { s, chunkAt, sectionDst, client, ranked, self } = vaultMember(5)
    // A stand-in copy: s is 5th closest (a holder was full or silent when the client put it).
    const { address, content } = chunkAt(4)
    s.deliver(client, 'ChunkPut', { content }, sectionDst(address))
    expect(s.node.vault.chunks.has(address)).toBe(true)
    const before = s.sent.length
    s.fire('vault', VAULT.sweepIntervalMs, 'the sweep (which reconciles again)')
    const holders = ranked(address).filter((p) => p !== self).slice(0, 4)
    const offered = s.sentOf('ChunkOffer', before).filter((m) => m.payload.addresses.some((a) => toHex(a) === toHex(address)))
    expect(offered.map((m) => m.to[0]).sort()).toEqual(holders.map((h) => h.addr).sort())
    for (const [i, holder] of holders.entries()) {
      expect(s.node.vault.chunks.has(address)).toBe(true)
      s.deliver(holder, 'ChunkHave', { have: [address], full: [] })
      expect(s.node.vault.chunks.has(address)).toBe(i < holders.length - 1)
    }
    expect(s.node.vault.counts.handedOff).toBe(1)
  })

  it('a holder that is full passes the chunk to the next closest, and is told Full', () => {
    const { s, chunkAt, sectionDst, client, ranked, self } = vaultMember(6)
    const { address, content } = chunkAt(1)
    s.deliver(client, 'ChunkPut', { content }, sectionDst(address))
    // The closest holder says it is full: the 5th closest is owed the chunk now.
    const holders = ranked(address).filter((p) => p !== self)
    s.deliver(holders[0]!, 'ChunkHave', { have: [], full: [address] })
    const before = s.sent.length
    s.fire('vault', VAULT.sweepIntervalMs, 'the sweep')
    const offeredTo = s.sentOf('ChunkOffer', before).map((m) => m.to[0])
    expect(offeredTo).toContain(holders[3]!.addr)
    expect(offeredTo).not.toContain(holders[0]!.addr)
  })

  it('copies a chunk clients read often to the next-closest members; one read once stays with its holders', () => {
    const { s, chunkAt, sectionDst, client, ranked } = vaultMember(7)
    const hot = chunkAt(0)
    const cold = chunkAt(1)
    for (const c of [hot, cold]) s.deliver(client, 'ChunkPut', { content: c.content }, sectionDst(c.address))
    const before = s.sent.length
    s.deliver(client, 'ChunkGet', { address: cold.address }, sectionDst(cold.address))
    for (let i = 0; i < VAULT.popularReads; i++) s.deliver(client, 'ChunkGet', { address: hot.address }, sectionDst(hot.address))
    const popular = s.sentOf('ChunkOffer', before).filter((m) => m.payload.popular)
    const extra = ranked(hot.address).slice(4, 4 + VAULT.popularExtraCopies).map((p) => p.addr)
    expect(popular.map((m) => m.to[0]).sort()).toEqual(extra.sort())
    expect(popular.every((m) => m.payload.addresses.length === 1 && toHex(m.payload.addresses[0]!) === toHex(hot.address))).toBe(true)
  })

  it('keeps a popular copy while it is offered again, and drops it once it cooled down', () => {
    const { s, chunkAt, ranked } = vaultMember(8)
    const { address, content } = chunkAt((r) => r >= 4 && r < 4 + VAULT.popularExtraCopies)
    const holder = ranked(address)[0]!
    s.deliver(holder, 'ChunkOffer', { addresses: [address], popular: true })
    s.deliver(holder, 'ChunkContent', { address, content })
    expect(s.node.vault.holdsPopularCopy(address)).toBe(true)
    expect(s.node.vault.chunks.has(address)).toBe(false)
    s.advance(VAULT.popularTtlMs + 1)
    s.fire('vault', VAULT.coolIntervalMs, 'cooling')
    expect(s.node.vault.holdsPopularCopy(address)).toBe(false)
  })
})
