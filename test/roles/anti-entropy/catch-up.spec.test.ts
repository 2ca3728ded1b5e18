import { describe, expect, it } from 'vitest'
import { memberToWire } from '../../../src/consensus/index.ts'
import { NodeKeypair } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { AE_MAX_REQUESTS, SECTION_TIMING } from '../../../src/roles/constants.ts'
import { asMember, dealKeys, extendChain, signedDecision, signedSap } from '../../model/node-harness.ts'
import { joiningNode } from '../support.ts'

/**
 * Catching up on decisions (DESIGN.md §9), stated on the wire apart from the anti-entropy chart
 * that times it: a member that hears a decision ahead of its next generation asks an elder for
 * the ones between, asks again every catchUpRetryMs while still behind (a lost request or a crashed
 * elder must not leave it behind for good), and stops after AE_MAX_REQUESTS.
 */
describe('catching up on decisions, on the wire', () => {
  function behindMember() {
    const { s, elder, keys, sap, random, dst } = joiningNode(21)
    const self = { keypair: s.keypair(), addr: 's' }
    const members = [asMember(elder, 9), asMember(self, 7)]
    const joined = signedDecision(keys, 0, [{ kind: 'Joined', member: members[1]! }])
    s.deliver(elder, 'JoinApproved', { decision: joined, sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(), members: members.map(memberToWire), nextGeneration: 1 }, dst)
    expect(s.node.asMember()).toBeDefined()
    // Generation 3 arrives; 1 and 2 were lost.
    const stranger = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'x' }
    s.deliver(elder, 'SectionDecisions', { decisions: [signedDecision(keys, 3, [{ kind: 'Joined', member: asMember(stranger, 5) }])] })
    return { s, elder, keys, sap, random }
  }

  it('a member that hears a decision ahead asks at once for the ones it missed', () => {
    const { s } = behindMember()
    const asked = s.sentOf('SectionDecisionsRequest')
    expect(asked).toHaveLength(1)
    expect(asked[0]!.payload.from).toBe(1)
  })

  it('still behind, it asks again every catchUpRetryMs, at most AE_MAX_REQUESTS times in all', () => {
    const { s } = behindMember()
    const mark = s.sent.length
    for (let i = 2; i <= AE_MAX_REQUESTS; i++) {
      s.fire('antiEntropy', SECTION_TIMING.catchUpRetryMs, 'catch-up retry')
      expect(s.sentOf('SectionDecisionsRequest')).toHaveLength(i)
    }
    s.fire('antiEntropy', SECTION_TIMING.catchUpRetryMs, 'catch-up retry')
    expect(s.sentOf('SectionDecisionsRequest')).toHaveLength(AE_MAX_REQUESTS)
    expect(s.timers('antiEntropy').armed).not.toContain(SECTION_TIMING.catchUpRetryMs)
    // It knows of no newer SAP for its name: it stays a member and waits for the next news.
    expect(s.node.role).toBe('adult')
    expect(s.sentOf('JoinRequest', mark)).toHaveLength(0)
  })

  it('giving up while it holds a newer SAP for its name, it asks to join again under its name', () => {
    // 300 nodes, seed 2, `--partition`: two adults cut off through two splits kept a view of a
    // section that was gone, and nobody held the decisions they missed.
    const { s, elder, keys, sap, random } = behindMember()
    const name = s.node.name
    const next = dealKeys(0, random)
    const newer = signedSap(next, [elder], 5)
    s.deliver(elder, 'AeUpdate', { sap: newer.toWire(), proofChain: extendChain(new ProofChain(sap.sap.sectionKey()), keys, newer).toWire() })
    const mark = s.sent.length
    for (let i = 0; i < AE_MAX_REQUESTS; i++) s.fire('antiEntropy', SECTION_TIMING.catchUpRetryMs, 'catch-up retry')
    expect(s.refused).toContain('stranded-rejoin')
    expect(s.node.role).toBe('joining')
    expect(s.node.name.equals(name)).toBe(true)
    const asks = s.sentOf('JoinRequest', mark)
    expect(asks.length).toBeGreaterThan(0)
    // Under the newer key, to its elder.
    expect(asks.at(-1)!.to).toEqual(['g'])
    expect(Buffer.from(asks.at(-1)!.dst!.sectionKey).equals(Buffer.from(newer.sap.sectionKey().toBytes()))).toBe(true)
  })

  it('a member whose tree learnt a newer SAP of its section by another way starts catching up at its next probe, and joins again when nobody answers', () => {
    // 700 nodes, seed 1, heavy faults: n144, voted off, held generation 99's SAP in its view and
    // generation 126's in its tree (no AeUpdate had brought it), asked nothing, and stayed an
    // "adult" that no section listed for the last 15 minutes.
    const { s, elder, keys, sap, random, dst } = joiningNode(23)
    const self = { keypair: s.keypair(), addr: 's' }
    const members = [asMember(elder, 9), asMember(self, 7)]
    s.deliver(elder, 'JoinApproved', { decision: signedDecision(keys, 0, [{ kind: 'Joined', member: members[1]! }]), sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(), members: members.map(memberToWire), nextGeneration: 1 }, dst)
    expect(s.node.role).toBe('adult')
    const newer = signedSap(dealKeys(0, random), [elder], 5)
    expect(s.node.tree.update(newer, extendChain(new ProofChain(sap.sap.sectionKey()), keys, newer)).status).not.toBe('rejected')
    expect(s.sentOf('SectionDecisionsRequest')).toHaveLength(0)
    s.fire('antiEntropy', (ms) => ms !== SECTION_TIMING.catchUpRetryMs, 'probe tick')
    expect(s.sentOf('SectionDecisionsRequest')).toHaveLength(1)
    for (let i = 1; i < AE_MAX_REQUESTS; i++) s.fire('antiEntropy', SECTION_TIMING.catchUpRetryMs, 'catch-up retry')
    expect(s.sentOf('SectionDecisionsRequest')).toHaveLength(AE_MAX_REQUESTS)
    expect(s.node.role).toBe('adult')
    s.fire('antiEntropy', SECTION_TIMING.catchUpRetryMs, 'the last request unanswered')
    expect(s.refused).toContain('stranded-rejoin')
    expect(s.node.role).toBe('joining')
  })
})
