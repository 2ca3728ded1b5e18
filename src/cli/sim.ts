/**
 * `safenet sim --scenario NAME …` — runs simulator scenarios over many seeds, spread over
 * worker threads, and prints one JSON report (or a readable one). A failing seed is printed with
 * the command that replays it alone, with `--verbose` to see what happened.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { AGREEMENT_STRATEGIES, type AgreementRunResult, type AgreementScenarioOptions, type AgreementStrategy, summarizeAgreement } from '../sim/scenarios/agreement.ts'
import { DKG_STRATEGIES, type DkgRunResult, type DkgStrategy, summarizeDkg } from '../sim/scenarios/dkg.ts'
import { runScenarioSeed, type ScenarioRequest, type ScenarioRunResult } from '../sim/scenarios/index.ts'
import { type MintRunResult, summarizeMint } from '../sim/scenarios/mint-runs.ts'

export class SimUsageError extends Error {
  override readonly name = 'SimUsageError'
}

export interface SimArguments {
  readonly scenario: string
  readonly elders: number
  readonly byzantine: number
  readonly drop: number
  readonly seed: number
  readonly seeds: number
  readonly jobs: number
  readonly quorum?: number
  readonly strategies?: string[]
  readonly proposals?: string
  readonly generations?: number
  readonly noShareCheck?: boolean
  /** mint: nodes the network grows to, and coins minted and raced over. */
  readonly nodes?: number
  readonly rounds?: number
  readonly skipCheck?: boolean
  readonly verbose: boolean
}

export const SIM_USAGE = `safenet sim --scenario agreement|dkg|mint [options]

  --elders N        elders taking part (default 7)
  --byzantine K     how many of them are Byzantine (default 0); 3 of 7 is beyond the n ≥ 3f+1 bound
                    and is reported honestly
  --drop P          probability a message is lost while faults last (default 0)
  --seeds N         how many runs (default 1), seeds S … S+N−1
  --seed S          first seed (default 1)
  --jobs J          worker threads (default: cores, at most the number of runs)
  --quorum Q        override the supermajority (and the key threshold with it) — to show what a
                    weakened quorum lets an equivocator do
  --strategy LIST   Byzantine strategies to draw from, comma separated
                    (agreement: ${AGREEMENT_STRATEGIES.join(', ')};
                     dkg: ${DKG_STRATEGIES.join(', ')})
  --no-share-check  dkg: take dealt shares without the Feldman check — to show the key-mismatch
                    checker catches a bad dealer
  --proposals MODE  agreement: random (default) or two-camps
  --generations G   agreement: generations per run (default 2)
  --nodes N         mint: nodes the network grows to (default 8; 30 or more also splits)
  --rounds R        mint: coins minted, each spent twice at once by racing clients (default 5)
  --skip-check      mint: honest elders skip the double-spend check when they sign — to show the
                    checker catches the double spends that lets through
  --verbose         print what happens in each run (use with one seed)
  --json            print the report as one JSON object`

function agreementOptions(args: SimArguments): Omit<AgreementScenarioOptions, 'log'> {
  const strategies = args.strategies?.map((s) => {
    if (!(AGREEMENT_STRATEGIES as ReadonlyArray<string>).includes(s)) {
      throw new SimUsageError(`unknown agreement strategy ${JSON.stringify(s)}; use ${AGREEMENT_STRATEGIES.join(', ')}`)
    }
    return s as AgreementStrategy
  })
  if (args.proposals !== undefined && args.proposals !== 'random' && args.proposals !== 'two-camps') {
    throw new SimUsageError(`--proposals must be random or two-camps, got ${JSON.stringify(args.proposals)}`)
  }
  if (args.quorum !== undefined && (args.quorum < 1 || args.quorum > args.elders)) {
    throw new SimUsageError(`--quorum must be between 1 and --elders (${args.elders})`)
  }
  return {
    elders: args.elders,
    byzantine: args.byzantine,
    drop: args.drop,
    ...(args.quorum === undefined ? {} : { quorum: args.quorum }),
    ...(strategies === undefined ? {} : { strategies }),
    ...(args.proposals === undefined ? {} : { proposals: args.proposals }),
    ...(args.generations === undefined ? {} : { generations: args.generations }),
  }
}

function request(args: SimArguments): ScenarioRequest {
  if (args.byzantine < 0 || args.byzantine >= args.elders) throw new SimUsageError(`--byzantine must be between 0 and ${args.elders - 1}`)
  if (args.scenario === 'agreement') return { name: 'agreement', options: agreementOptions(args) }
  if (args.scenario === 'dkg') {
    const strategies = args.strategies?.map((s) => {
      if (!(DKG_STRATEGIES as ReadonlyArray<string>).includes(s)) throw new SimUsageError(`unknown dkg strategy ${JSON.stringify(s)}; use ${DKG_STRATEGIES.join(', ')}`)
      return s as DkgStrategy
    })
    return {
      name: 'dkg',
      options: {
        elders: args.elders, byzantine: args.byzantine, drop: args.drop,
        ...(strategies === undefined ? {} : { strategies }),
        ...(args.noShareCheck === true ? { checkShares: false } : {}),
      },
    }
  }
  if (args.scenario === 'mint') {
    return {
      name: 'mint',
      options: { nodes: args.nodes ?? 8, rounds: args.rounds ?? 5, byzantine: args.byzantine, ...(args.skipCheck === true ? { skipCheck: true } : {}) },
    }
  }
  throw new SimUsageError(`unknown scenario ${JSON.stringify(args.scenario)}; use agreement, dkg or mint`)
}

/** The command that replays one seed of this invocation. */
export function replayCommand(args: SimArguments, seed: number): string {
  const parts = ['npx safenet sim', `--scenario ${args.scenario}`, `--elders ${args.elders}`, `--byzantine ${args.byzantine}`, `--drop ${args.drop}`]
  if (args.quorum !== undefined) parts.push(`--quorum ${args.quorum}`)
  if (args.strategies !== undefined) parts.push(`--strategy ${args.strategies.join(',')}`)
  if (args.proposals !== undefined) parts.push(`--proposals ${args.proposals}`)
  if (args.generations !== undefined) parts.push(`--generations ${args.generations}`)
  if (args.noShareCheck === true) parts.push('--no-share-check')
  if (args.scenario === 'mint') parts.push(`--nodes ${args.nodes ?? 8}`, `--rounds ${args.rounds ?? 5}`, ...(args.skipCheck === true ? ['--skip-check'] : []))
  parts.push(`--seed ${seed}`, '--seeds 1', '--verbose')
  return parts.join(' ')
}

async function runAll(scenario: ScenarioRequest, seeds: number[], jobs: number, onResult: (r: ScenarioRunResult) => void, log?: (line: string) => void): Promise<void> {
  if (jobs <= 1 || seeds.length <= 1) {
    for (const seed of seeds) onResult(runScenarioSeed(scenario, seed, log))
    return
  }
  const buckets: number[][] = Array.from({ length: jobs }, () => [])
  seeds.forEach((seed, i) => buckets[i % jobs]!.push(seed))
  await Promise.all(buckets.map((bucket) => new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('../sim/worker.ts', import.meta.url), { workerData: { scenario, seeds: bucket } })
    worker.on('message', (message: ScenarioRunResult) => onResult(message))
    worker.on('error', reject)
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`simulator worker exited with code ${code}`))))
  })))
}

export async function runSim(args: SimArguments, out: { json: boolean; progress: boolean }): Promise<number> {
  const scenario = request(args)
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.seed + i)
  const jobs = Math.max(1, Math.min(args.jobs, seeds.length))
  const agreementResults: AgreementRunResult[] = []
  const dkgResults: DkgRunResult[] = []
  const mintResults: MintRunResult[] = []
  const started = performance.now()
  const log = args.verbose ? (line: string) => console.error(line) : undefined
  await runAll(scenario, seeds, args.verbose ? 1 : jobs, (run) => {
    if (run.name === 'agreement') agreementResults.push(run.result)
    else if (run.name === 'dkg') dkgResults.push(run.result)
    else mintResults.push(run.result)
    if (out.progress) process.stderr.write(`\r${scenario.name}: ${agreementResults.length + dkgResults.length + mintResults.length}/${seeds.length} runs`)
  }, log)
  if (out.progress) process.stderr.write('\n')
  const wallMs = performance.now() - started
  const bySeed = (a: { seed: number }, b: { seed: number }) => a.seed - b.seed
  const summary = scenario.name === 'agreement'
    ? summarizeAgreement(agreementResults.sort(bySeed), wallMs)
    : scenario.name === 'dkg' ? summarizeDkg(dkgResults.sort(bySeed), wallMs) : summarizeMint(mintResults.sort(bySeed), wallMs)
  for (const seed of summary.failedSeeds.slice(0, 10)) console.error(`seed ${seed} failed; replay: ${replayCommand(args, seed)}`)
  if (out.json) {
    console.log(JSON.stringify(summary))
  } else if (summary.scenario === 'agreement') {
    console.log([
      `agreement: ${summary.runs} runs, ${summary.decided} decided, ${summary.undecided} undecided`,
      `violations: agreement ${summary.agreementViolations}, validity ${summary.validityViolations}`,
      `worst virtual time ${summary.virtualTimeMs} ms, at most ${summary.maxRounds + 1} rounds, ${summary.messagesPerRun} messages per run, ${summary.wallMs} ms wall`,
    ].join('\n'))
  } else if (summary.scenario === 'mint') {
    console.log([
      `mint: ${summary.runs} runs, ${summary.reissues} reissues, ${summary.doubleSpendsAttempted} double spends attempted, ${summary.doubleSpendsAccepted} accepted, ${summary.undecided} undecided`,
      `${summary.doubleSpendErrors} told DoubleSpend; first coins outlived ${summary.keysSinceFirstMint.min}–${summary.keysSinceFirstMint.max} section keys; ${summary.splits} splits; ${summary.wallMs} ms wall`,
    ].join('\n'))
  } else {
    console.log([
      `dkg: ${summary.runs} runs, ${summary.completed} completed, ${summary.undecided} undecided, ${summary.keyMismatches} key mismatches`,
      `worst virtual time ${summary.virtualTimeMs} ms, at most ${summary.maxAttempts} sessions, ${summary.messagesPerRun} messages per run, ${summary.wallMs} ms wall`,
    ].join('\n'))
  }
  const failures = summary.scenario === 'agreement'
    ? summary.agreementViolations + summary.validityViolations + summary.undecided
    : summary.scenario === 'dkg' ? summary.keyMismatches + summary.undecided : summary.failedSeeds.length
  return failures === 0 ? 0 : 1
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism())
}
