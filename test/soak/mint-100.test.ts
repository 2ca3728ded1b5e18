import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'

/**
 * Issue 20's hundred double spends (`npm run test:soak`; out of `npm test` for its 70 s on 2
 * cores, which runs 20 of them): two concurrent reissues of one input, at random moments within
 * a second, 100 times, with 2 of 7 elders signing anything.
 */
describe('100 double spends through the mint', () => {
  it('seed 1: exactly one of two concurrent reissues succeeds each time, the other gets DoubleSpend', () => {
    const report = runNetworkScenario(1, { nodes: 8, clients: 0, mint: { rounds: 100, byzantine: 2 } })
    expect(report.mint).toMatchObject({ reissues: 300, doubleSpendsAttempted: 100, doubleSpendsAccepted: 0, undecided: 0, doubleSpendErrors: 100, byzantineElders: 2 })
  }, 600_000)
})
