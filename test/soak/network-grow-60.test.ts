import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { expectWhole } from '../support/network.ts'
import { GOLDEN_TRACES } from '../sim/golden-traces.ts'

/** Growth to 60 nodes, seed 2 (`npm run test:soak`; seed 1 runs in `npm test`). */
describe('a network grown from genesis, seed 2', () => {
  it.each([2])('seed %i: 60 nodes split into sections with 7 oldest elders each, knowledge converges, no violation', (seed) => {
    const report = runNetworkScenario(seed, { nodes: 60, joinWindowMs: 150_000, settleMs: 300_000, clients: 10 })
    expectWhole(report)
    expect(report.nodes).toBe(60)
    expect(report.sections).toBeGreaterThanOrEqual(2)
    expect(report.splits).toBe(report.sections - 1)
    // Every client, knowing only the genesis key, reached the responsible section by AE alone.
    expect(report.clientsAnswered).toBe(10)
    expect(report.refused['bad-decision-signature'] ?? 0).toBe(0)
    expect(report.traceHash).toBe(seed === 1 ? GOLDEN_TRACES.grow60seed1 : GOLDEN_TRACES.grow60seed2)
  }, 240_000)
})
