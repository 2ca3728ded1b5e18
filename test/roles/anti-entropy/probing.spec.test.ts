import { describe, expect, it } from 'vitest'
import { memberToWire } from '../../../src/consensus/index.ts'
import { NodeKeypair } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { SECTION_TIMING } from '../../../src/roles/constants.ts'
import { SeededRandom } from '../../../src/sim/random.ts'
import { asMember, dealKeys, signedDecision, signedSap, Subject } from '../../model/node-harness.ts'
import { PARAMS } from '../support.ts'

/**
 * Probing (DESIGN.md §9), stated on the wire: a member probes the elder that looks after it every
 * probe interval; when no elder of its SAP has been heard for a silence period, it probes another
 * elder of the SAP too, a different one each tick, until one is heard. (300 nodes, seed 2,
 * `--partition`: an adult whose elder had crashed probed it alone for 20 minutes and never learnt
 * that its section had split twice.)
 */
describe('probing, on the wire', () => {
  it('probes its own elder; after a silence period, also another elder each tick until one is heard', () => {
    const random = new SeededRandom(31)
    const elders = ['g', 'h', 'i'].map((addr) => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr }))
    const keys = dealKeys(1, random)
    const sap = signedSap(keys, elders, 0)
    const s = new Subject({ addr: 's', keypair: NodeKeypair.fromSeed(random.bytes(32)), params: PARAMS, genesis: sap, random: random.fork('subject') })
    s.node.startJoining()
    const self = asMember({ keypair: s.keypair(), addr: 's' }, 7)
    const members = [...elders.map((e) => asMember(e, 9)), self]
    s.deliver(elders[0]!, 'JoinApproved', {
      decision: signedDecision(keys, 0, [{ kind: 'Joined', member: self }]), sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(),
      members: members.map(memberToWire), nextGeneration: 1,
    }, s.dstFor(sap.sap.sectionKey().toBytes()))
    expect(s.node.role).toBe('adult')
    const tick = () => {
      const mark = s.sent.length
      s.fire('antiEntropy', (ms) => ms !== SECTION_TIMING.catchUpRetryMs, 'probe')
      return s.sentOf('AeProbe', mark).map((p) => p.to[0])
    }
    const first = tick()
    expect(first).toHaveLength(1)
    const own = first[0]!
    // A silence period with nothing from any elder: its own elder, and another.
    s.advance(SECTION_TIMING.silenceMs)
    const second = tick()
    expect(second).toHaveLength(2)
    expect(second[0]).toBe(own)
    expect(second[1]).not.toBe(own)
    s.advance(SECTION_TIMING.probeIntervalMs)
    const third = tick()
    expect(third).toHaveLength(2)
    expect(third[1]).not.toBe(second[1])
    expect(new Set([own, second[1], third[1]])).toEqual(new Set(['g', 'h', 'i']))
    // An elder is heard: back to its own elder alone.
    s.deliver(elders[1]!, 'SectionDecisions', { decisions: [signedDecision(keys, 1, [])] })
    s.advance(SECTION_TIMING.probeIntervalMs)
    expect(tick()).toEqual([own])
  })
})
