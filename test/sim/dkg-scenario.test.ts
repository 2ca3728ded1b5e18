/**
 * The DKG scenario as `npm test` runs it: fewer seeds than the CLI's 200, same checks.
 */
import { describe, expect, it } from 'vitest'
import { DKG_STRATEGIES, dkgScenario, runDkg } from '../../src/sim/scenarios/dkg.ts'

const seeds = (count: number, first = 1) => Array.from({ length: count }, (_, i) => first + i)

describe('DKG in the simulator', () => {
  it('is deterministic: the same seed gives the same run', () => {
    const a = runDkg(9, { elders: 7, byzantine: 2, drop: 0.1 })
    const b = runDkg(9, { elders: 7, byzantine: 2, drop: 0.1 })
    expect(a.traceHash).toBe(b.traceHash)
    expect(a).toEqual(b)
  })

  it('7 elders, 2 Byzantine, 10% loss: every run completes one key, no mismatch', () => {
    const summary = dkgScenario(seeds(50), { elders: 7, byzantine: 2, drop: 0.1 })
    expect(summary.failedSeeds).toEqual([])
    expect(summary).toMatchObject({ runs: 50, completed: 50, undecided: 0, keyMismatches: 0 })
  })

  it('each Byzantine strategy alone is survived; disruptive candidates are excluded, not honest ones', () => {
    for (const strategy of DKG_STRATEGIES) {
      const runs = seeds(3, 200).map((seed) => runDkg(seed, { elders: 7, byzantine: 2, drop: 0.05, strategies: [strategy] }))
      for (const run of runs) {
        expect({ strategy, completed: run.completed, keyMismatches: run.keyMismatches }).toEqual({ strategy, completed: true, keyMismatches: 0 })
        for (const excluded of run.excluded) expect(run.byzantine).toContain(excluded)
        if (strategy === 'false-complaints') expect(run.attempts).toBe(1)
        else expect([...run.excluded].sort()).toEqual([...run.byzantine].sort())
      }
    }
  })

  it('the checker can fail: when shares are taken unchecked, a bad dealer shows as key mismatches', () => {
    const summary = dkgScenario(seeds(4), { elders: 7, byzantine: 1, drop: 0, strategies: ['bad-shares'], checkShares: false })
    expect(summary.keyMismatches).toBeGreaterThan(0)
  })

  it('3 Byzantine of 7 still runs and reports honestly', () => {
    const summary = dkgScenario(seeds(6), { elders: 7, byzantine: 3, drop: 0.05, strategies: ['silent'] })
    expect(summary.runs).toBe(6)
    expect(summary.completed + summary.undecided).toBe(6)
    // Four honest elders cannot reach the supermajority of 5 needed to agree on a restart.
    expect(summary.undecided).toBeGreaterThan(0)
    expect(summary.keyMismatches).toBe(0)
  })
})
