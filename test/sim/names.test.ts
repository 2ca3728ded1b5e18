/**
 * Issue 19's NRS check in the simulator: racing registrants of one name, 50 rounds of 2–5 racers
 * at random moments, with 2 Byzantine elders signing a record for every claimant: every round,
 * exactly one owner ends with a valid record, every racer is answered, and every honest member
 * records that owner, those that joined after the races too (a mutation that skips their asking
 * for the names leaves the last joiner without them: 20 of 20 rounds flagged).
 * The checker is shown to fail past the fault model: with 5 such elders, names get several owners.
 */
import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'

describe('racing registrants of a name in the simulator', () => {
  it('seed 1: 50 rounds of 2–5 racers while the network grows, 2 Byzantine elders signing anything: exactly one owner each time, known to every member', () => {
    // From 420 s of the 600 s join window (7 elders by then): later joiners learn the names from the elders.
    const report = runNetworkScenario(1, { nodes: 12, clients: 0, names: { rounds: 50, maxRacers: 5, byzantine: 2, startMs: 420_000 } })
    expect(report.sectionsWithFullElders).toBe(1)
    expect(report.nodes).toBe(12)
    expect(report.names).toMatchObject({ rounds: 50, oneOwner: 50, contested: 0, unanswered: 0, tableDisagreements: 0, byzantineElders: 2 })
    expect(report.names!.racers).toBeGreaterThanOrEqual(100)
  })

  it('the checker catches two owners when 5 of 7 elders sign anything (beyond f = 2)', () => {
    const report = runNetworkScenario(2, { nodes: 8, clients: 0, names: { rounds: 3, maxRacers: 3, byzantine: 5 } })
    expect(report.names!.contested).toBeGreaterThan(0)
    expect(report.names!.oneOwner).toBeLessThan(3)
  })
})
