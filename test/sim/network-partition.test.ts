import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { JOIN_MESSAGES_BOUND } from '../../src/sim/scenarios/join-cost.ts'
import { expectWhole } from '../support/network.ts'
import { GOLDEN_TRACES } from './golden-traces.ts'

/**
 * A network cut in two, and one shrinking: after the faults stop it must come out whole (beside
 * network-faults.test.ts, in a file of its own so the two run on both cores).
 */
describe('a network cut in two, or shrinking', () => {
  // Issue 16: the network cut in two during growth (random halves by address, from 30% to 55%
  // of the join window), with crashes, 10% loss and 2 Byzantine elders per section: once the
  // faults stop every node is admitted and every section whole. Regression: when it healed, both
  // sides' proposals to vote off whom they had not heard were decided together, 4 of 7 elders of
  // Prefix(0) among them, and the SAP could never sign its successor (61 nodes never admitted);
  // a decision now keeps threshold + 1 of the SAP's elders (mayLeave).
  it('seed 3: 120 nodes cut in two for a while, with crashes, 10% loss and 2 Byzantine elders per section, heal', () => {
    const report = runNetworkScenario(3, { nodes: 120, partition: true, churn: 0.2, drop: 0.1, byzantine: 2, joinWindowMs: 300_000, settleMs: 300_000, clients: 10 })
    expectWhole(report)
    expect(report.joinMessages.count).toBeGreaterThan(100)
    expect(report.joinMessages.worst).toBeLessThanOrEqual(JOIN_MESSAGES_BOUND)
    expect(report.traceHash).toBe(GOLDEN_TRACES.partition120seed3)
  }, 600_000)

  // Merges (DESIGN.md §8). Regressions (found at seed 1 before elders watched each other in a
  // ring, and then at seed 3 until links became FIFO; each change of the network's dynamics
  // changes every run): the sibling's elders told the merged members with the wrong decision (an
  // old join of theirs from before the split, signed by the parent key), so they never took up the
  // merged view; and when the merged key waited for the old section's elders to sign it, the
  // shrink took them first and the merged key was never proven. (With FIFO links seed 3's region,
  // section 0, no longer splits before the shrink — its halves are 14/11 — and its sibling 1 did:
  // no merge is due. At seed 4 the shrink empties 01, which merges into 00.)
  it('seed 4: a quarter of 60 nodes leave from one region; the sections there merge and the network heals', () => {
    const report = runNetworkScenario(4, { nodes: 60, shrink: 0.25, joinWindowMs: 300_000, settleMs: 300_000, clients: 10 })
    expectWhole(report)
    expect(report.merges).toBeGreaterThanOrEqual(1)
    expect(report.crashed).toBe(15)
    expect(report.messagesByKind.MergeShare ?? 0).toBeGreaterThan(0)
    expect(Object.keys(report.refused).filter((r) => r.startsWith('absorb-') || r.startsWith('merge-'))).toEqual([])
    expect(report.traceHash).toBe(GOLDEN_TRACES.shrink60seed4)
  }, 600_000)
})
