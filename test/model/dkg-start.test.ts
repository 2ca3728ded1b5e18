/**
 * A candidate checks a `DkgStart` against the SAP it was made under (its `chainLength`), by the
 * key of the elder it names (node-harness.ts plays the section). A start out of step with the
 * candidate's SAP — made under an earlier one (a connection queued it while the candidate was
 * down), under a later one, or by elders the candidate does not know yet — cannot be checked and
 * is dropped; it is not counted as a bad start, which stays the name for a start of our own elders,
 * under our SAP, that does not verify. (Regression: `network-faults` seed 1, a DkgStart made under
 * SAP 40 delivered to a restarted node at SAP 63, refused as bad.)
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMETERS, dkgSessionId, type MembershipChange, memberToWire, type NetworkParameters, signDkgStart } from '../../src/consensus/index.ts'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { ProofChain } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import type { DkgStartWire } from '../../src/wire/index.ts'
import { Prefix } from '../../src/xor/index.ts'
import { asMember, dealKeys, extendChain, type HeldKeys, type Peer, signedDecision, signedSap, Subject } from './node-harness.ts'

/** One elder per section, so one start is a quorum and a one-candidate DKG completes at once. */
const PARAMS: NetworkParameters = { ...DEFAULT_PARAMETERS, elderCount: 1, recommendedSectionSize: 100, maxSectionSize: 200 }

/**
 * The node `s`, an adult of a section that was founded with elder `g` (SAP generation 0) and
 * handed over to elder `e` (SAP generation 1).
 */
function adultAfterHandover(): { s: Subject; g: Peer; e: Peer } {
  const random = new SeededRandom(11)
  const peer = (addr: string): Peer => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr })
  const g = peer('g')
  const e = peer('e')
  const self = peer('s')
  const keys0 = dealKeys(0, random)
  const sap0 = signedSap(keys0, [g], 0)
  const s = new Subject({ addr: 's', keypair: self.keypair, params: PARAMS, genesis: sap0, random: random.fork('subject') })
  s.node.startJoining()
  const members = [asMember(g, 6), asMember(self, 7)]
  const joined = signedDecision(keys0, 0, [{ kind: 'Joined', member: members[1]! }])
  s.deliver(g, 'JoinApproved', { decision: joined, sap: sap0.toWire(), proofChain: new ProofChain(sap0.sap.sectionKey()).toWire(), members: members.map(memberToWire), nextGeneration: 1 }, s.dstFor(sap0.sap.sectionKey().toBytes()))
  const decide = (keys: HeldKeys, generation: number, changes: MembershipChange[]) => s.deliver(g, 'SectionDecisions', { decisions: [signedDecision(keys, generation, changes)] })
  decide(keys0, 1, [{ kind: 'Joined', member: asMember(e, 8) }])
  const keys1 = dealKeys(0, random)
  const sap1 = signedSap(keys1, [e], 1)
  decide(keys0, 2, [{ kind: 'Handover', sap: sap1 }])
  s.deliver(g, 'AeUpdate', { sap: sap1.toWire(), proofChain: extendChain(new ProofChain(sap0.sap.sectionKey()), keys0, sap1).toWire() })
  expect(s.node.role).toBe('adult')
  expect(s.node.section?.sap.sap.generation).toBe(1)
  expect(s.node.section?.sap.sap.elders.map((x) => x.addr)).toEqual(['e'])
  return { s, g, e }
}

/** A start for the node alone as the next elder, signed by `signer`, made under SAP `chainLength`. */
function startFor(s: Subject, signer: NodeKeypair, chainLength: number): DkgStartWire {
  const names = [s.node.name.bytes]
  const generation = s.node.section!.members.generation
  return signDkgStart(signer, {
    sessionId: dkgSessionId(Prefix.EMPTY, names, generation, chainLength),
    prefix: { bitCount: 0, name: Prefix.EMPTY.name.bytes }, candidates: names, keys: [s.keypair().publicKey.bytes], addrs: ['s'],
    generation, chainLength, elder: 0,
  })
}

describe('a candidate and the DkgStarts it is sent', () => {
  it('drops a start made under an earlier SAP, by the elder of that SAP: stale, not bad', () => {
    const { s, g } = adultAfterHandover()
    s.deliver(g, 'DkgStart', { start: startFor(s, g.keypair, 0) })
    expect(s.refused).toEqual([])
    expect(s.sentOf('SapShare')).toEqual([])
  })

  it('drops a start made under a SAP it does not hold yet, by an elder it does not know yet', () => {
    const { s } = adultAfterHandover()
    const next = { keypair: NodeKeypair.fromSeed(new Uint8Array(32).fill(5)), addr: 'n' }
    s.deliver(next, 'DkgStart', { start: startFor(s, next.keypair, 2) })
    expect(s.refused).toEqual([])
    expect(s.sentOf('SapShare')).toEqual([])
  })

  it('refuses a start its own elder sends under its SAP that does not verify', () => {
    const { s, g, e } = adultAfterHandover()
    // Sent by e, but signed by g (the elder e is at index 0 of the SAP, not g).
    s.deliver(e, 'DkgStart', { start: startFor(s, g.keypair, 1) })
    expect(s.refused).toEqual(['bad-dkg-start'])
    expect(s.sentOf('SapShare')).toEqual([])
  })

  it('runs the DKG its own elder asks for under its SAP', () => {
    const { s, e } = adultAfterHandover()
    s.deliver(e, 'DkgStart', { start: startFor(s, e.keypair, 1) })
    expect(s.refused).toEqual([])
    expect(s.sentOf('SapShare')).toHaveLength(1)
  })
})
