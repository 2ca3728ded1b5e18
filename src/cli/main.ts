#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `safenet` command (DESIGN.md §15). Commands land here as the issues that build them do.
 * Every command answers `--help`; errors print one clear line and exit non-zero (2 for usage).
 */
import { enableCompileCache } from 'node:module'
import { parseArgs } from 'node:util'
import { tuneHeap } from '../node/process-flags.ts'

// Compiled code is cached on disk (NODE_COMPILE_CACHE, or the OS temp directory) and reused by the
// next start: a node process's own CPU to its first status falls by about a sixth, which 30
// processes starting at once on 2 cores feel.
enableCompileCache()
tuneHeap()
// Commands load their modules when run: a node process should not carry the verifier or the
// diagram renderer (each process of a --processes testnet pays for what main.ts imports).

const VERSION = '0.1.0'

interface Command {
  readonly summary: string
  readonly usage: () => Promise<string>
  readonly run: (argv: string[]) => number | Promise<number>
}

class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Runs a command, turning its own usage error into the CLI's. */
async function usageErrors(run: () => Promise<number> | number, usage: new (...args: never[]) => Error): Promise<number> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof usage || (error instanceof Error && error.name === 'DashboardUsageError')) throw new UsageError(error.message)
    // A typed start failure (NodeStartFailed) carries a message meant for the user.
    if (error instanceof Error && '_tag' in error && (error._tag === 'NodeStartFailed' || error._tag === 'ContactsFileInvalid')) throw new Error(error.message)
    throw error
  }
}

function numberOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return parsed
}

function integerOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return parsed
}

const DEMO_USAGE = `safenet demo [--nodes N] [--elders E] [--min-section-size S] [--json]

  --nodes N             nodes to create (default 64)
  --elders E            elders in the DKG (default 7: threshold 4, 5 shares sign)
  --min-section-size S  split a prefix while both halves keep S members (default 14)
  --json                print the report as one JSON object`

const commands: Record<string, Command> = {
  testnet: {
    summary: 'a local network of real nodes on 127.0.0.1 (npm start); --check waits until it is healthy',
    usage: async () => (await import('./testnet.ts')).TESTNET_USAGE,
    async run(argv) {
      const { runTestnet, TestnetUsageError } = await import('./testnet.ts')
      return usageErrors(() => runTestnet(argv), TestnetUsageError)
    },
  },
  node: {
    summary: 'a long-running node over libp2p, with its store in --root; `node status` reads one',
    usage: async () => (await import('./node.ts')).NODE_USAGE,
    async run(argv) {
      const { NodeUsageError, runNode } = await import('./node.ts')
      return usageErrors(() => runNode(argv), NodeUsageError)
    },
  },
  sim: {
    summary: 'deterministic simulation of protocol scenarios over many seeds, with Byzantine elders and faults',
    usage: async () => (await import('./sim.ts')).SIM_USAGE,
    async run(argv) {
      const { defaultJobs, runSim, SIM_USAGE, SimUsageError } = await import('./sim.ts')
      const { NETWORK_SIM_USAGE, runNetworkSim } = await import('./sim-network.ts')
      const { values } = parseArgs({
        args: argv,
        options: {
          scenario: { type: 'string' },
          nodes: { type: 'string' },
          churn: { type: 'string' },
          elders: { type: 'string' },
          byzantine: { type: 'string' },
          drop: { type: 'string' },
          shrink: { type: 'string' },
          seed: { type: 'string' },
          seeds: { type: 'string' },
          jobs: { type: 'string' },
          quorum: { type: 'string' },
          strategy: { type: 'string' },
          proposals: { type: 'string' },
          generations: { type: 'string' },
          'no-share-check': { type: 'boolean', default: false },
          rounds: { type: 'string' },
          'skip-check': { type: 'boolean', default: false },
          verbose: { type: 'boolean', default: false },
          why: { type: 'boolean', default: false },
          partition: { type: 'boolean', default: false },
          data: { type: 'string' },
          record: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      })
      if (values.help) {
        console.log(`${NETWORK_SIM_USAGE}\n\n${SIM_USAGE}`)
        return 0
      }
      if (values.scenario !== 'mint' && (values.nodes !== undefined || values.scenario === 'network')) {
        return runNetworkSim({
          nodes: integerOption(values.nodes, 'nodes', 100, 2, 100_000),
          seed: integerOption(values.seed, 'seed', 1, 0, 2 ** 32 - 1),
          byzantine: integerOption(values.byzantine, 'byzantine', 0, 0, 2),
          churn: numberOption(values.churn, 'churn', 0, 0, 0.9),
          drop: numberOption(values.drop, 'drop', 0, 0, 0.9),
          shrink: numberOption(values.shrink, 'shrink', 0, 0, 0.9),
          partition: values.partition,
          data: integerOption(values.data, 'data', 0, 0, 100_000),
          verbose: values.verbose,
          why: values.why,
          ...(values.record === undefined ? {} : { record: values.record }),
        }, { json: values.json, progress: process.stderr.isTTY && !values.verbose })
      }
      if (values.scenario === undefined) throw new UsageError('--scenario (agreement, dkg) or --nodes is required')
      if (values.why) throw new UsageError('--why explains a whole network run: use it with --nodes')
      if (values.partition) throw new UsageError('--partition cuts a whole network in two: use it with --nodes')
      if (values.data !== undefined) throw new UsageError('--data stores files in a whole network: use it with --nodes')
      if (values.record !== undefined) throw new UsageError('--record FILE records a whole network run: use it with --nodes')
      const elders = integerOption(values.elders, 'elders', 7, 1, 64)
      try {
        return await runSim({
          scenario: values.scenario,
          elders,
          byzantine: integerOption(values.byzantine, 'byzantine', 0, 0, 63),
          drop: numberOption(values.drop, 'drop', 0, 0, 0.9),
          seed: integerOption(values.seed, 'seed', 1, 0, 2 ** 32 - 1),
          seeds: integerOption(values.seeds, 'seeds', 1, 1, 1_000_000),
          jobs: integerOption(values.jobs, 'jobs', defaultJobs(), 1, 256),
          ...(values.quorum === undefined ? {} : { quorum: integerOption(values.quorum, 'quorum', 0, 1, 64) }),
          ...(values.strategy === undefined ? {} : { strategies: values.strategy.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
          ...(values.proposals === undefined ? {} : { proposals: values.proposals }),
          ...(values.generations === undefined ? {} : { generations: integerOption(values.generations, 'generations', 2, 1, 100) }),
          noShareCheck: values['no-share-check'],
          ...(values.scenario === 'mint' ? { nodes: integerOption(values.nodes, 'nodes', 8, 1, 200), rounds: integerOption(values.rounds, 'rounds', 5, 1, 1_000), skipCheck: values['skip-check'] } : {}),
          verbose: values.verbose,
        }, { json: values.json, progress: process.stderr.isTTY && !values.verbose })
      } catch (error) {
        if (error instanceof SimUsageError) throw new UsageError(error.message)
        throw error
      }
    },
  },
  verify: {
    summary: 'exhaustive checks of every statechart: reachability, deadlocks, traps, invariants',
    usage: async () => (await import('./verify.ts')).VERIFY_USAGE,
    async run(argv) {
      const { runVerify, VERIFY_USAGE, VerifyUsageError } = await import('./verify.ts')
      const { values } = parseArgs({
        args: argv,
        options: { json: { type: 'boolean', default: false }, machine: { type: 'string' }, mutants: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
        strict: true,
      })
      if (values.help) {
        console.log(VERIFY_USAGE)
        return 0
      }
      try {
        if (values.mutants) return (await import('./verify.ts')).runMutants({ json: values.json })
        return await runVerify({ json: values.json, ...(values.machine === undefined ? {} : { machine: values.machine }) })
      } catch (error) {
        if (error instanceof VerifyUsageError) throw new UsageError(error.message)
        throw error
      }
    },
  },
  register: {
    summary: 'mutable data: create a register, write to it, read it and its history',
    usage: async () => (await import('./register.ts')).REGISTER_USAGE,
    async run(argv) {
      const { RegisterUsageError, runRegister } = await import('./register.ts')
      return usageErrors(() => runRegister(argv), RegisterUsageError)
    },
  },
  nrs: {
    summary: 'names for content: register safe://NAME, update it (versions kept), resolve it',
    usage: async () => (await import('./nrs.ts')).NRS_USAGE,
    async run(argv) {
      const { NrsUsageError, runNrs } = await import('./nrs.ts')
      return usageErrors(() => runNrs(argv), NrsUsageError)
    },
  },
  wallet: {
    summary: 'digital bearer certificates: your address, balance, send, receive, and a testnet faucet',
    usage: async () => (await import('./wallet.ts')).WALLET_USAGE,
    async run(argv) {
      const { WalletUsageError, runWallet } = await import('./wallet.ts')
      return usageErrors(() => runWallet(argv), WalletUsageError)
    },
  },
  gateway: {
    summary: 'serve the network to a browser on 127.0.0.1: http://NAME.safe.localhost:PORT/',
    usage: async () => (await import('./gateway.ts')).GATEWAY_USAGE,
    async run(argv) {
      const { GatewayUsageError, runGateway } = await import('./gateway.ts')
      return usageErrors(() => runGateway(argv), GatewayUsageError)
    },
  },
  dashboard: {
    summary: 'replay a simulation recorded with `sim … --record FILE` in the dashboard, on a timeline',
    usage: async () => (await import('./dashboard.ts')).DASHBOARD_USAGE,
    async run(argv) {
      const { DashboardUsageError, runDashboard } = await import('./dashboard.ts')
      return usageErrors(() => runDashboard(argv), DashboardUsageError)
    },
  },
  files: {
    summary: 'store a file or directory on the network and fetch it back (safe:// addresses)',
    usage: async () => (await import('./files.ts')).FILES_USAGE,
    async run(argv) {
      const { FilesUsageError, runFiles } = await import('./files.ts')
      return usageErrors(() => runFiles(argv), FilesUsageError)
    },
  },
  diagrams: {
    summary: 'Mermaid and SVG diagrams of every statechart in machines/, rendered offline',
    usage: async () => (await import('./diagrams.ts')).DIAGRAMS_USAGE,
    async run(argv) {
      const { DIAGRAMS_USAGE, runDiagrams } = await import('./diagrams.ts')
      const { values } = parseArgs({
        args: argv,
        options: {
          out: { type: 'string' },
          check: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      })
      if (values.help) {
        console.log(DIAGRAMS_USAGE)
        return 0
      }
      return runDiagrams({ out: values.out ?? 'visualizations', check: values.check })
    },
  },
  demo: {
    summary: 'identities, XOR-space sections, a DKG section key, threshold signing and the wire codec, end to end',
    usage: () => Promise.resolve(DEMO_USAGE),
    async run(argv) {
      const { formatDemo, runDemo } = await import('./demo.ts')
      const { values } = parseArgs({
        args: argv,
        options: {
          nodes: { type: 'string' },
          elders: { type: 'string' },
          'min-section-size': { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      })
      if (values.help) {
        console.log(DEMO_USAGE)
        return 0
      }
      const nodes = integerOption(values.nodes, 'nodes', 64, 2, 10_000)
      const elders = integerOption(values.elders, 'elders', 7, 1, 64)
      const minSectionSize = integerOption(values['min-section-size'], 'min-section-size', 14, 1, 10_000)
      if (elders > nodes) throw new UsageError(`--elders (${elders}) cannot exceed --nodes (${nodes})`)
      if (minSectionSize < elders) throw new UsageError(`--min-section-size (${minSectionSize}) must be at least --elders (${elders}) so every section can hold its elders`)
      const report = runDemo({ nodes, elders, minSectionSize })
      console.log(values.json ? JSON.stringify(report) : formatDemo(report))
      return 0
    },
  },
}

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  return [
    `safenet ${VERSION} — an autonomous data network (sections in XOR space, BLS section keys, anti-entropy)`,
    '',
    'usage: safenet <command> [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `safenet <command> --help` for a command\'s options. Log level: SAFENET_LOG=trace|debug|info|warn|error|silent.',
  ].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help())
    return 0
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION)
    return 0
  }
  const command = commands[name]
  if (command === undefined) {
    console.error(`safenet: unknown command ${JSON.stringify(name)}. Commands: ${Object.keys(commands).join(', ')}. See \`safenet --help\`.`)
    return 2
  }
  try {
    return await command.run(rest)
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`safenet ${name}: ${error.message}\n\n${await command.usage()}`)
      return 2
    }
    console.error(`safenet ${name}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2))
}
