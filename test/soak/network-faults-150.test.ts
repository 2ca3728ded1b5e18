import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { expectWhole } from '../support/network.ts'
import { GOLDEN_TRACES } from '../sim/golden-traces.ts'

/**
 * The heaviest faulty run (`npm run test:soak`, in `npm run test:regressions`; out of `npm test`,
 * whose budget it took 131–154 s of on 2 cores): crashes, restarts, message loss and Byzantine
 * elders at 150 nodes.
 */
describe('a network under faults, 150 nodes', () => {
  // Regression, seed 2 (and seed 1 with loss only): a candidate that had not completed its DKG
  // when the handover was decided lost the session and never became the elder the SAP names.
  it('seed 2: 150 nodes with crashes, restarts, 5% message loss and 2 Byzantine elders per section heal', () => {
    const report = runNetworkScenario(2, { nodes: 150, churn: 0.2, drop: 0.05, byzantine: 2, joinWindowMs: 300_000, settleMs: 300_000, clients: 10 })
    expectWhole(report)
    expect(report.byzantineNodes).toBeGreaterThan(0)
    expect(report.crashed).toBe(30)
    expect(report.messagesByKind.DkgFailure ?? 0).toBeGreaterThan(0)
    expect(report.traceHash).toBe(GOLDEN_TRACES.faults150seed2)
  }, 600_000)
})
