import { describe, expect, it } from 'vitest'
import { type Decision, memberToWire } from '../../../src/consensus/index.ts'
import { NodeKeypair } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { asMember, dealKeys, extendChain, signedDecision, signedSap } from '../../model/node-harness.ts'
import { joiningNode } from '../support.ts'

/**
 * Decisions that arrive ahead of a member's next generation wait, and are applied in order once
 * the missing one comes (DESIGN.md §9). Stated on the wire: when one of them is the handover that
 * makes the member an elder, the ones after it are its own agreement's to decide — the section's
 * view never runs ahead of that agreement (seed 3 of the 300-node faulty run: an elder whose view
 * was three generations past its agreement voted alone for the rest of the run, and its section
 * could decide nothing).
 */
describe('decisions ahead, on the wire', () => {
  it('a member made an elder by a decision it caught up on hands the rest to its agreement: view and agreement stay in step', () => {
    const { s, elder, keys, sap, random, dst } = joiningNode(31)
    const self = { keypair: s.keypair(), addr: 's' }
    const members = [asMember(elder, 9), asMember(self, 7)]
    const joined = signedDecision(keys, 0, [{ kind: 'Joined', member: members[1]! }])
    s.deliver(elder, 'JoinApproved', { decision: joined, sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(), members: members.map(memberToWire), nextGeneration: 1 }, dst)
    // Our section hands over to a key the node holds a share of (its DKG ran; the test plays it).
    const next = dealKeys(0, random)
    const handed = signedSap(next, [self], 1)
    s.node.restore({ tree: [] }, [{ share: next.share!(0), keySet: next.keySet }])
    const joiner = (seed: number) => asMember({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: `j${seed}` }, 5)
    const decisions: Decision[] = [
      signedDecision(keys, 1, [{ kind: 'Handover', sap: handed }]),
      signedDecision(next, 2, [{ kind: 'Joined', member: joiner(2) }]),
      signedDecision(next, 3, [{ kind: 'Joined', member: joiner(3) }]),
    ]
    s.deliver(elder, 'AeUpdate', { sap: handed.toWire(), proofChain: extendChain(new ProofChain(sap.sap.sectionKey()), keys, handed).toWire() })
    // Generations 2 and 3 come first (1 was lost), then 1.
    s.deliver(elder, 'SectionDecisions', { decisions: decisions.slice(1) })
    s.deliver(elder, 'SectionDecisions', { decisions: decisions.slice(0, 1) })
    expect(s.node.isElder).toBe(true)
    const view = s.node.section!
    const agreement = s.node.actorStates().agreement as { generation: number }
    expect(view.sap.sap.sectionKey().equals(next.keySet.publicKey())).toBe(true)
    expect(agreement.generation).toBe(view.nextGeneration)
  })
})
