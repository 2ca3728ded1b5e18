/**
 * `safenet testnet` (DESIGN.md §15; `npm start`): a local network of real nodes on 127.0.0.1, and
 * `safenet testnet status` for one that runs.
 */
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from '../log/index.ts'
import { DEFAULT_PARAMETERS } from '../consensus/index.ts'
import { assess, readStatus, Testnet, type TestnetOptions, testnetRoots } from '../node/testnet.ts'
import { isAlive } from '../store/index.ts'
import { ActorTap } from '../inspect/tap.ts'
import { isChildReport, TAP_ENV } from '../inspect/ipc.ts'
import type { DashboardServer } from '../inspect/server.ts'
import { DASHBOARD_FLAGS_USAGE, DASHBOARD_OPTIONS, dashboardChoice, serveDashboard } from './dashboard.ts'

export const TESTNET_USAGE = `usage: safenet testnet [--nodes N] [--dir D] [--processes] [--check] [--timeout SECONDS] [--dashboard PORT | --no-dashboard] [--inspect]
       safenet testnet status --dir D [--json]

Starts N real nodes (default 30, enough to split) on 127.0.0.1: the first starts the network, the
others join from its contacts. Everything lives under D (default .safenet/testnet, cleared at
start): D/contacts.json for clients, D/node-NN/ for each node. Ctrl-C stops every node, without
leaving: a testnet in a --dir of your own resumes where it was when started again on that --dir
(its elders take their sections up from their stores; --nodes more than it had adds new nodes).

  --processes        one OS process per node (default: all in this process)
${DASHBOARD_FLAGS_USAGE}
  --check            wait until the network is healthy (every node joined, prefixes cover the
                     space, every section has 7 elders serving and no split or election
                     still due), print one JSON summary
                     { nodes, sections, elders, prefixes, settledMs, rssMbPerNodeMedian }, stop,
                     exit 0 if healthy, 1 if not after --timeout (default 240 s)
  status             summary of the testnet running in D; exit 1 if it is not healthy`

export class TestnetUsageError extends Error {}

const DEFAULT_DIR = join('.safenet', 'testnet')

export async function runTestnet(argv: string[]): Promise<number> {
  if (argv[0] === 'status') return testnetStatus(argv.slice(1))
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      dir: { type: 'string' },
      processes: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      ...DASHBOARD_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(TESTNET_USAGE)
    return 0
  }
  const timeoutS = Number(values.timeout ?? 240)
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new TestnetUsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`)
  const dir = values.dir ?? DEFAULT_DIR
  if (values.dir === undefined) rmSync(dir, { recursive: true, force: true })
  // A testnet stopped earlier in an explicit --dir resumes: every node restarts from its store.
  const earlier = existsSync(join(dir, 'testnet.json')) ? testnetRoots(dir) : undefined
  if (earlier !== undefined) {
    const running = earlier.file.nodes.find((n) => isAlive(n.pid))
    if (running !== undefined) throw new TestnetUsageError(`${dir} is in use by a running testnet (pid ${running.pid}): stop it first`)
  }
  const nodes = Number(values.nodes ?? earlier?.roots.length ?? 30)
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 200) throw new TestnetUsageError(`--nodes must be an integer from 1 to 200, got ${JSON.stringify(values.nodes)}`)
  if (earlier !== undefined && nodes < earlier.roots.length) {
    throw new TestnetUsageError(`${dir} holds a testnet of ${earlier.roots.length} nodes: it resumes with all of them (--nodes ${earlier.roots.length} or more adds new ones)`)
  }
  if (earlier !== undefined) console.log(`resuming the testnet in ${dir}: ${earlier.roots.length} nodes restart from their stores${nodes > earlier.roots.length ? `, ${nodes - earlier.roots.length} new ones join` : ''}`)
  // Node logs: warnings and errors on stderr in process (each --processes node logs to its node.log).
  const logger = createLogger({ level: process.env.SAFENET_LOG === undefined ? 'warn' : undefined, destination: process.stderr })
  const started = performance.now()
  // The dashboard is up before the nodes start, so a viewer sees the network grow; --check runs without one.
  const choice = dashboardChoice(values, !values.check)
  const tap = choice.serve ? new ActorTap({ now: Date.now }) : undefined
  let net: Testnet | undefined
  const server = choice.serve ? await serveDashboard(choice, {
    live: { title: `testnet of ${nodes} nodes in ${dir}`, tap: tap!, nodes: () => net?.views() ?? [], health: () => ({ ...net?.health() }) },
  }) : undefined
  try {
    net = await Testnet.start({ nodes, dir, processes: values.processes, logger, ...(tap === undefined ? {} : watchActors(tap, server!, values.processes, choice.inspect)) })
  } catch (error) {
    await server?.stop()
    throw error
  }
  const running = net
  let interrupted = false
  const interrupt = new Promise<void>((resolve) => {
    const stop = () => {
      interrupted = true
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  try {
    if (values.check) {
      const settledMs = await Promise.race([running.settle(timeoutS * 1000, started), interrupt.then(() => undefined)])
      const health = running.health()
      console.log(JSON.stringify({
        nodes: health.nodes, sections: health.sections, elders: health.elders, prefixes: health.prefixes,
        settledMs: settledMs ?? null, rssMbPerNodeMedian: running.rssMbPerNodeMedian(),
        ...(health.healthy ? {} : { healthy: false, why: health.why }),
      }))
      return settledMs !== undefined && health.healthy ? 0 : 1
    }
    console.log(`safenet testnet: ${nodes} nodes on 127.0.0.1 ${values.processes ? '(one process each)' : '(in this process)'}`)
    console.log(`  contacts  ${running.contactsPath}`)
    console.log(`  nodes     ${join(dir, 'node-NN')} (store, status.json${values.processes ? ', node.log' : ''})`)
    console.log(`  status    npm run -s safenet -- testnet status --dir ${dir}`)
    const contactsFlag = dir === DEFAULT_DIR ? '' : ` --contacts ${running.contactsPath}`
    console.log(`  store     npx safenet files put ./some-file${contactsFlag}     (prints its safe:// address)`)
    console.log(`  fetch     npx safenet files get safe://ADDRESS ./copy${contactsFlag}`)
    console.log(`  name      npx safenet nrs register mysite safe://ADDRESS${contactsFlag}`)
    console.log(`  browse    npx safenet gateway${contactsFlag}, then open http://mysite.safe.localhost:8080/`)
    console.log(`  pay       npx safenet wallet faucet 100${dir === DEFAULT_DIR ? '' : ` --faucet ${join(dir, 'node-00', 'faucet')}`}${contactsFlag}, then wallet send 1.5 --to ADDRESS`)
    console.log('Ctrl-C stops every node.')
    void running.settle(timeoutS * 1000, started).then((settledMs) => {
      if (interrupted) return
      const health = running.health()
      if (settledMs !== undefined) console.log(`settled in ${(settledMs / 1000).toFixed(1)} s: ${health.sections} sections (${health.prefixes.map((p) => `"${p}"`).join(' ')}), ${health.elders} elders, ${health.joined} members`)
      else console.log(`not healthy after ${timeoutS} s: ${health.why}`)
    })
    await interrupt
    console.log('stopping…')
    return 0
  } finally {
    // The dashboard first: nothing reads a node while it stops.
    await server?.stop()
    await running.stop()
  }
}

/**
 * How the testnet's actors reach the dashboard: in process, every node's actors report to `tap`;
 * with `--processes`, each node process runs a tap of its own and sends its changes (and its
 * inspector messages) over the IPC channel.
 */
function watchActors(tap: ActorTap, server: DashboardServer, processes: boolean, inspect: boolean): Partial<TestnetOptions> {
  if (!processes) return { inspect: (addr: string) => tap.observe(addr) }
  return {
    childEnv: { [TAP_ENV]: inspect ? 'ipc+inspect' : 'ipc' },
    onChildMessage: (_i, message) => {
      if (!isChildReport(message)) return
      if (message.type === 'tap') for (const m of message.messages) tap.ingest(m)
      else for (const m of message.messages) server.relay(m)
    },
  }
}

function testnetStatus(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  })
  if (values.help) {
    console.log(TESTNET_USAGE)
    return 0
  }
  const dir = values.dir ?? DEFAULT_DIR
  const { file, roots } = testnetRoots(dir)
  const statuses = roots.flatMap((root) => {
    const status = readStatus(root)
    return status === undefined ? [] : [status]
  })
  const health = assess(statuses, roots.length, DEFAULT_PARAMETERS.elderCount)
  const running = isAlive(file.pid)
  const nodes = statuses.map((s) => ({ name: s.name.slice(0, 16), addr: s.addr, role: s.role, prefix: s.prefix, running: s.running && isAlive(s.pid), rssMb: s.rssMb }))
  if (values.json) console.log(JSON.stringify({ running, ...health, nodeList: nodes }))
  else {
    console.log(`testnet in ${dir}: ${running ? 'running' : 'not running'} (pid ${file.pid}), ${health.healthy ? 'healthy' : `not healthy: ${health.why}`}`)
    console.log(`${health.joined} of ${roots.length} nodes joined; ${health.sections} sections ${health.prefixes.map((p) => `"${p}"`).join(' ')}; ${health.elders} elders`)
    for (const n of nodes) console.log(`  ${n.running ? '●' : '○'} ${n.name} ${n.role.padEnd(8)} "${n.prefix ?? ''}" ${n.addr}`)
  }
  return running && health.healthy ? 0 : 1
}
