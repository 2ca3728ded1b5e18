import { describe, expect, it } from 'vitest'
import { memberToWire } from '../../../src/consensus/index.ts'
import { NodeKeypair, SecretKeySet } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { Prefix, XorName } from '../../../src/xor/index.ts'
import { asMember, dealKeys, extendChain, signedDecision, signedSap } from '../../model/node-harness.ts'
import { genesisElder, joiningNode } from '../support.ts'

/**
 * The anti-entropy gate (DESIGN.md §9) stated on the wire, apart from the chart that now decides
 * what follows each verdict: a message from outside for our prefix under our key goes on to its
 * role; one under another key is bounced with a Retry; a node that is not a member takes none
 * (counted); a bounce of our own join bringing the key we used (the bounce guard) is not resent.
 */
describe('the anti-entropy gate, on the wire', () => {
  it('takes a client query for our prefix under our key: the client is answered', () => {
    const { s, sap, client } = genesisElder(3)
    s.deliver(client, 'ClientQuery', {}, { name: client.keypair.name.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
    expect(s.sentOf('ClientAnswer').map((m) => m.to)).toEqual([['client']])
  })

  it('bounces a query under a key we moved past or never saw with a Retry: our SAP and the chain to it', () => {
    const { s, sap, client } = genesisElder(3)
    const stranger = SecretKeySet.random(0).publicKeys().publicKey()
    s.deliver(client, 'ClientQuery', {}, { name: client.keypair.name.bytes, sectionKey: stranger.toBytes() })
    expect(s.sentOf('ClientAnswer')).toEqual([])
    const retries = s.sentOf('AeRetry')
    expect(retries.map((m) => m.to)).toEqual([['client']])
    expect(retries[0]!.payload.sap).toEqual(sap.toWire())
  })

  it('a node that is not a member takes nothing from outside', () => {
    const { s, elder, sap } = joiningNode(4)
    const before = s.sent.length
    s.deliver(elder, 'ClientQuery', {}, { name: elder.keypair.name.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
    expect(s.sent.slice(before)).toEqual([])
    expect(s.refused).toContain('not-a-member')
  })

  it('a bounce of our join that brings the key we used is not resent (the bounce guard); the retry timer sends later', () => {
    const { s, elder, sap } = joiningNode(5)
    const requests = s.sentOf('JoinRequest').length
    s.deliver(elder, 'AeRetry', { sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(), bounced: new Uint8Array(64) }, s.dstFor(sap.sap.sectionKey().toBytes()))
    expect(s.sentOf('JoinRequest')).toHaveLength(requests)
  })

  it('a bounce bringing a newer key of the section resends the join at once, under that key', () => {
    const { s, elder, keys, random, dst } = joiningNode(6)
    const newer = dealKeys(0, random)
    const sap = signedSap(newer, [elder], 1)
    const chain = extendChain(new ProofChain(keys.keySet.publicKey()), keys, sap)
    const requests = s.sentOf('JoinRequest').length
    s.deliver(elder, 'AeRetry', { sap: sap.toWire(), proofChain: chain.toWire(), bounced: new Uint8Array(64) }, dst)
    const sent = s.sentOf('JoinRequest')
    expect(sent).toHaveLength(requests + 1)
    expect(sent.at(-1)!.dst?.sectionKey).toEqual(sap.sap.sectionKey().toBytes())
  })

  it('past the resend limit a bounce is not resent, but what it brings is still learnt', () => {
    const { s, elder, keys, random, dst } = joiningNode(8)
    let parent = keys
    let chain = new ProofChain(keys.keySet.publicKey())
    const limit = s.node.params.aeResendLimit
    let last = undefined as ReturnType<typeof signedSap> | undefined
    for (let i = 1; i <= limit + 1; i++) {
      const next = dealKeys(0, random)
      const sap = signedSap(next, [elder], i)
      last = sap
      chain = extendChain(chain, parent, sap)
      parent = next
      const requests = s.sentOf('JoinRequest').length
      s.deliver(elder, 'AeRetry', { sap: sap.toWire(), proofChain: chain.toWire(), bounced: new Uint8Array(64) }, dst)
      expect(s.sentOf('JoinRequest'), `bounce ${i}`).toHaveLength(i <= limit ? requests + 1 : requests)
    }
    expect(s.node.tree.get(last!.sap.prefix)?.sap.sectionKey().equals(last!.sap.sectionKey())).toBe(true)
  })

  it("an elder redirects a message for a name outside its prefix: the closest SAP it knows (the sibling's) and the chain to it", () => {
    const { s, elder, keys, random, dst } = joiningNode(11)
    // The node is approved into the 0 or 1 half of a split (its name's), as that half's elder,
    // and hears of the sibling half.
    const half = Prefix.EMPTY.pushed(s.node.name.bit(0))
    const [ours, theirs] = [dealKeys(0, random), dealKeys(0, random)]
    const self = { keypair: s.keypair(), addr: 's' }
    const other = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'o' }
    const ourSap = signedSap(ours, [self], 1, half)
    const siblingSap = signedSap(theirs, [other], 1, half.sibling())
    s.node.restore({ tree: [] }, [{ share: ours.share!(0), keySet: ours.keySet }])
    const me = asMember(self, 7)
    const joined = signedDecision(ours, 0, [{ kind: 'Joined', member: me }])
    const genesis = new ProofChain(keys.keySet.publicKey())
    s.deliver(elder, 'JoinApproved', { decision: joined, sap: ourSap.toWire(), proofChain: extendChain(genesis, keys, ourSap).toWire(), members: [memberToWire(me)], nextGeneration: 1 }, dst)
    s.deliver(other, 'AeUpdate', { sap: siblingSap.toWire(), proofChain: extendChain(genesis, keys, siblingSap).toWire() })
    expect(s.node.isElder).toBe(true)
    const client = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'client' }
    let name = XorName.fromBytes(random.bytes(32))
    while (half.matches(name)) name = XorName.fromBytes(random.bytes(32))
    const before = s.sent.length
    s.deliver(client, 'ClientQuery', {}, { name: name.bytes, sectionKey: keys.keySet.publicKey().toBytes() })
    const answers = s.sent.slice(before)
    expect(answers.map((m) => [m.kind, m.to])).toEqual([['AeRedirect', ['client']]])
    expect(answers[0]!.payload).toMatchObject({ sap: siblingSap.toWire() })
  })
})
