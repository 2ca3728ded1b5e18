/**
 * The agreement scenario as `npm test` runs it: fewer seeds than the CLI's 500, same checks.
 */
import { describe, expect, it } from 'vitest'
import { agreementScenario, runAgreement } from '../../src/sim/scenarios/agreement.ts'

const seeds = (count: number, first = 1) => Array.from({ length: count }, (_, i) => first + i)

describe('generation agreement in the simulator', () => {
  it('is deterministic: the same seed gives the same run, event for event', () => {
    const options = { elders: 7, byzantine: 2, drop: 0.1 }
    const a = runAgreement(42, options)
    const b = runAgreement(42, options)
    const c = runAgreement(43, options)
    expect(a.traceHash).toBe(b.traceHash)
    expect(a).toEqual(b)
    expect(c.traceHash).not.toBe(a.traceHash)
  })

  it('7 elders, 2 Byzantine, 10% loss: every run decides, no agreement or validity violation', () => {
    const summary = agreementScenario(seeds(50), { elders: 7, byzantine: 2, drop: 0.1 })
    expect(summary.failedSeeds).toEqual([])
    expect(summary).toMatchObject({ runs: 50, decided: 50, undecided: 0, agreementViolations: 0, validityViolations: 0 })
  })

  it('each Byzantine strategy alone is survived, with elders split into two camps', () => {
    for (const strategy of ['equivocate', 'silent', 'invalid-signatures', 'invalid-proposals', 'forge'] as const) {
      const summary = agreementScenario(seeds(6, 100), { elders: 7, byzantine: 2, drop: 0.05, strategies: [strategy], proposals: 'two-camps' })
      expect({ strategy, ...summary, wallMs: 0 }).toMatchObject({ strategy, decided: 6, agreementViolations: 0, validityViolations: 0 })
    }
  })

  it('the checker can fail: a weakened quorum of 4 of 7 lets equivocators split the decision', () => {
    const summary = agreementScenario(seeds(12), {
      elders: 7, byzantine: 2, drop: 0, quorum: 4, strategies: ['equivocate'], proposals: 'two-camps',
    })
    expect(summary.agreementViolations).toBeGreaterThan(0)
  })

  it('3 Byzantine of 7 (beyond n ≥ 3f+1) still runs and reports what happened', () => {
    const summary = agreementScenario(seeds(12), { elders: 7, byzantine: 3, drop: 0.05, strategies: ['equivocate'], proposals: 'two-camps' })
    expect(summary.runs).toBe(12)
    expect(summary.decided + summary.undecided).toBe(12)
    // Beyond the bound the equivocators do break agreement in some runs, and the report says so.
    expect(summary.agreementViolations).toBeGreaterThan(0)
  })
})
