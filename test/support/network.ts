import { expect } from 'vitest'
import { type NetworkReport, runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { GOLDEN_TRACES } from '../sim/golden-traces.ts'

/**
 * A network that came out whole: everyone joined, the prefixes cover the space, every section has
 * 7 oldest elders, knowledge converged, no checker found anything, and clients that know only the
 * genesis key reached the responsible section within prefix bits + 2 AE hops.
 */
export function expectWhole(report: NetworkReport): void {
  expect(report.unjoined).toBe(0)
  expect(report.prefixesCoverSpace).toBe(true)
  expect(report.sectionsWithFullElders).toBe(report.sections)
  expect(report.knowledgeConverged).toBe(true)
  expect(report.agreementViolations).toBe(0)
  expect(report.chainViolations).toBe(0)
  expect(report.clientsAnswered).toBe(report.clients)
  expect(report.settledAfterFaultsMs).not.toBeNull()
  expect(report.clientAeHopsMax).toBeLessThanOrEqual(report.maxPrefixBits + 2)
}

/**
 * A network grown from genesis to 60 nodes (`seed` 1 in npm test, 2 in the soak suite): split into
 * sections with 7 oldest elders each, knowledge converged, no violation, its trace as pinned.
 */
export function expectGrown60(seed: 1 | 2): void {
  const report = runNetworkScenario(seed, { nodes: 60, joinWindowMs: 150_000, settleMs: 300_000, clients: 10 })
  expectWhole(report)
  expect(report.nodes).toBe(60)
  expect(report.sections).toBeGreaterThanOrEqual(2)
  expect(report.splits).toBe(report.sections - 1)
  // Every client, knowing only the genesis key, reached the responsible section by AE alone.
  expect(report.clientsAnswered).toBe(10)
  expect(report.refused['bad-decision-signature'] ?? 0).toBe(0)
  expect(report.traceHash).toBe(seed === 1 ? GOLDEN_TRACES.grow60seed1 : GOLDEN_TRACES.grow60seed2)
}
