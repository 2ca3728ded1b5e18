import { expect } from 'vitest'
import type { NetworkReport } from '../../src/sim/scenarios/network.ts'

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
