/**
 * Issue 20's double-spend checks in the simulator: a bank mints coins from the genesis DBC, and
 * each coin is spent twice at once by two clients racing to pay different recipients (a cheat that,
 * told DoubleSpend by the spentbook, asks the mint for shares anyway), while 2 of 7 elders per
 * section sign every reissue. Exactly one racer ends with valid DBCs each time, the other is told
 * DoubleSpend, and nothing is left undecided — on a settled section, and while the network grows
 * through handovers and a split (the first coin still verifies under its old key). The checker
 * is shown to fail when honest elders skip the signing-time check and 3 are Byzantine.
 * The 100-round run is in test/soak/mint.test.ts (`npm run test:soak`).
 */
import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'

describe('double spends through the mint in the simulator', () => {
  it('seed 1: 20 coins each spent twice at once, 2 Byzantine elders signing anything: one payment each, the other DoubleSpend', () => {
    const report = runNetworkScenario(1, { nodes: 8, clients: 0, mint: { rounds: 20, byzantine: 2 } })
    expect(report.sectionsWithFullElders).toBe(1)
    expect(report.mint).toMatchObject({ runs: 1, reissues: 60, doubleSpendsAttempted: 20, doubleSpendsAccepted: 0, undecided: 0, doubleSpendErrors: 20, byzantineElders: 2, firstCoinValid: true })
  })

  it('seed 1: reissues through the growth of 30 nodes, their handovers and a split complete; the first coin still verifies after 3+ new keys', () => {
    const report = runNetworkScenario(1, { nodes: 30, clients: 0, mint: { rounds: 16, byzantine: 2, startMs: 60_000, spacingMs: 30_000 } })
    expect(report.splits).toBeGreaterThanOrEqual(1)
    expect(report.mint).toMatchObject({ doubleSpendsAttempted: 16, doubleSpendsAccepted: 0, undecided: 0, doubleSpendErrors: 16, firstCoinValid: true })
    expect(report.mint!.keysSinceFirstMint).toBeGreaterThanOrEqual(3)
  })

  it('the checker catches accepted double spends when honest elders skip the signing-time check and 3 are Byzantine', () => {
    const report = runNetworkScenario(2, { nodes: 8, clients: 0, mint: { rounds: 3, byzantine: 3, skipCheck: true, pastF: true } })
    expect(report.mint!.byzantineElders).toBe(3)
    expect(report.mint!.doubleSpendsAccepted).toBeGreaterThan(0)
  })
})
