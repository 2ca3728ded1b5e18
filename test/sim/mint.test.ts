/**
 * Issue 20's double-spend checks in the simulator: a bank mints coins from the genesis DBC, and
 * each coin is spent twice at once by two clients racing to pay different recipients (a cheat that,
 * told DoubleSpend by the spentbook, asks the mint for shares anyway), while 2 of 7 elders per
 * section sign every reissue. Exactly one racer ends with valid DBCs each time, the other is told
 * DoubleSpend, and nothing is left undecided, while the network grows through handovers and a
 * split (the first coin still verifies under its old key). The checker
 * is shown to fail when honest elders skip the signing-time check and 3 are Byzantine.
 * The 100 rounds on a settled section are test/soak/mint-100.test.ts (`npm run test:soak`).
 */
import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'

describe('double spends through the mint in the simulator', () => {
  it('seed 1: 16 coins each spent twice at once while 30 nodes grow, 2 Byzantine elders per section signing anything: one payment each, the other DoubleSpend, through handovers and a split; the first coin still verifies after 3+ new keys', () => {
    const report = runNetworkScenario(1, { nodes: 30, clients: 0, mint: { rounds: 16, byzantine: 2, startMs: 60_000, spacingMs: 30_000 } })
    expect(report.splits).toBeGreaterThanOrEqual(1)
    expect(report.mint).toMatchObject({ reissues: 48, doubleSpendsAttempted: 16, doubleSpendsAccepted: 0, undecided: 0, doubleSpendErrors: 16, firstCoinValid: true })
    expect(report.mint!.byzantineElders).toBeGreaterThanOrEqual(4)
    expect(report.mint!.keysSinceFirstMint).toBeGreaterThanOrEqual(3)
  })

  it('the checker catches accepted double spends when honest elders skip the signing-time check and 3 are Byzantine', () => {
    const report = runNetworkScenario(2, { nodes: 8, clients: 0, mint: { rounds: 3, byzantine: 3, skipCheck: true, pastF: true } })
    expect(report.mint!.byzantineElders).toBe(3)
    expect(report.mint!.doubleSpendsAccepted).toBeGreaterThan(0)
  })
})
