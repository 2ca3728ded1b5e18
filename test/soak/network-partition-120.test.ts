import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { JOIN_MESSAGES_BOUND } from '../../src/sim/scenarios/join-cost.ts'
import { expectWhole } from '../support/network.ts'
import { GOLDEN_TRACES } from '../sim/golden-traces.ts'

/**
 * A network cut in two (`npm run test:soak`, in `npm run test:regressions`; out of `npm test`,
 * whose budget it took 115–163 s of on 2 cores): after the faults stop it must come out whole.
 */
describe('a network cut in two', () => {
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
})
