/**
 * `safenet sim --scenario mint` (issue 20): per seed, a network grows from genesis while a bank
 * mints coins and two clients race to spend each one (`mint.ts`), with `byzantine` elders per
 * section signing anything. The rounds start early in the growth, so they straddle the handovers
 * that bring the section to 7 elders (and, with `--nodes 30` or more, a split).
 */
import { type MintLoadReport } from './mint.ts'
import { runNetworkScenario } from './network.ts'

export interface MintScenarioOptions {
  readonly nodes: number
  readonly rounds: number
  readonly byzantine: number
  /** Honest elders skip the signing-time check (to show the checker catches what that lets through). */
  readonly skipCheck?: boolean
}

export interface MintRunResult extends MintLoadReport {
  readonly seed: number
  readonly sections: number
  readonly splits: number
}

export interface MintSummary {
  readonly scenario: 'mint'
  readonly runs: number
  readonly reissues: number
  readonly doubleSpendsAttempted: number
  readonly doubleSpendsAccepted: number
  readonly undecided: number
  readonly doubleSpendErrors: number
  /** Keys a run's first coin outlived (handovers, splits), the fewest and the most. */
  readonly keysSinceFirstMint: { readonly min: number; readonly max: number }
  readonly splits: number
  readonly failedSeeds: number[]
  readonly wallMs: number
}

/** The growth window of a mint run: the rounds start a tenth of the way in, one every few seconds. */
const JOIN_WINDOW_MS = 300_000

export function runMintSeed(seed: number, options: MintScenarioOptions, log?: (line: string) => void): MintRunResult {
  const spacingMs = Math.floor((JOIN_WINDOW_MS * 0.8) / Math.max(1, options.rounds))
  const report = runNetworkScenario(seed, {
    nodes: options.nodes, clients: 0, joinWindowMs: JOIN_WINDOW_MS, settleMs: 300_000,
    mint: {
      rounds: options.rounds, byzantine: options.byzantine, startMs: JOIN_WINDOW_MS / 10, spacingMs,
      ...(options.skipCheck === true ? { skipCheck: true } : {}),
      // Asked for more than f: as many, reported honestly (as the agreement scenario does).
      ...(options.byzantine > 2 ? { pastF: true } : {}),
    },
    ...(log === undefined ? {} : { log, why: log }),
  })
  return { seed, sections: report.sections, splits: report.splits, ...report.mint! }
}

export function summarizeMint(results: ReadonlyArray<MintRunResult>, wallMs: number): MintSummary {
  const sum = (f: (r: MintRunResult) => number) => results.reduce((total, r) => total + f(r), 0)
  const keys = results.map((r) => r.keysSinceFirstMint)
  return {
    scenario: 'mint',
    runs: results.length,
    reissues: sum((r) => r.reissues),
    doubleSpendsAttempted: sum((r) => r.doubleSpendsAttempted),
    doubleSpendsAccepted: sum((r) => r.doubleSpendsAccepted),
    undecided: sum((r) => r.undecided),
    doubleSpendErrors: sum((r) => r.doubleSpendErrors),
    keysSinceFirstMint: { min: Math.min(...keys), max: Math.max(...keys) },
    splits: sum((r) => r.splits),
    failedSeeds: results.filter((r) => r.doubleSpendsAccepted > 0 || r.undecided > 0 || !r.firstCoinValid).map((r) => r.seed),
    wallMs: Math.round(wallMs),
  }
}
