/**
 * `safenet node` (DESIGN.md §15): a long-running node, and `safenet node status` for one that
 * runs. The node logs JSON lines (pino) to stdout; SIGINT/SIGTERM stop it cleanly (it tells its
 * elders it leaves); it restarts from --root as itself.
 */
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createLogger } from '../log/index.ts'
import { decodeContactsFile, RealNode } from '../node/runtime.ts'
import { readStatus } from '../node/testnet.ts'
import { isAlive } from '../store/index.ts'
import { ActorTap } from '../inspect/tap.ts'
import { reportingAsked, reportToParent } from '../inspect/ipc.ts'
import type { DashboardServer } from '../inspect/server.ts'
import { DASHBOARD_OPTIONS, DEFAULT_DASHBOARD_PORT, dashboardChoice, serveDashboard } from './dashboard.ts'

export const NODE_USAGE = `usage: safenet node --root DIR [--listen MULTIADDR] [--capacity SIZE] [--first | --bootstrap MULTIADDR | --contacts FILE] [--dashboard PORT] [--inspect]
       safenet node status --root DIR [--json]

Runs a node whose store, status and contacts live in DIR. A new node starts a network (--first)
or joins one through a node's address (--bootstrap /ip4/…/tcp/…/p2p/…, repeatable) or a contacts
file (--contacts, e.g. the one \`safenet testnet\` writes). A DIR that holds a node restarts it:
same name, same port, what it knew. Logs are JSON lines on stdout (SAFENET_LOG sets the level).
SIGINT/SIGTERM leave the section and stop.

  --listen MULTIADDR    where to listen (default /ip4/127.0.0.1/tcp/0, or the port used before)
  --capacity SIZE       the vault's storage limit, e.g. 500MiB or 20GiB (default 10GiB); a full
                        vault refuses new chunks (they go to the next closest member)
  --dashboard PORT      serve this node's dashboard on 127.0.0.1:PORT (off unless given)
  --inspect             relay every actor's inspection stream (@statelyai/inspect) on
                        ws://127.0.0.1:PORT/inspect (PORT: --dashboard's, else ${DEFAULT_DASHBOARD_PORT} or a free
                        one); /stately shows it in Stately's inspector
  status                prints the running node's status (from DIR/status.json); exit 1 if not running`

export class NodeUsageError extends Error {}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 }

/** `500MiB`, `20GiB`, `1000000` (bytes) → bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim())
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x']
  if (match === null || unit === undefined) throw new NodeUsageError(`--capacity must be a size such as 500MiB or 20GiB, got ${JSON.stringify(text)}`)
  const bytes = Math.floor(Number(match[1]) * unit)
  if (bytes < 1024 * 1024) throw new NodeUsageError(`--capacity must be at least 1MiB (one chunk), got ${JSON.stringify(text)}`)
  return bytes
}

export async function runNode(argv: string[]): Promise<number> {
  if (argv[0] === 'status') return nodeStatus(argv.slice(1))
  const { values } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string' },
      listen: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      contacts: { type: 'string' },
      first: { type: 'boolean', default: false },
      capacity: { type: 'string' },
      ...DASHBOARD_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(NODE_USAGE)
    return 0
  }
  if (values.root === undefined) throw new NodeUsageError('--root DIR is required')
  const ways = [values.first, values.bootstrap !== undefined, values.contacts !== undefined].filter(Boolean).length
  if (ways > 1) throw new NodeUsageError('give one of --first, --bootstrap and --contacts')
  let contacts
  if (values.contacts !== undefined) {
    if (!existsSync(values.contacts)) throw new NodeUsageError(`--contacts ${values.contacts}: no such file`)
    contacts = decodeContactsFile(readFileSync(values.contacts, 'utf8'), values.contacts)
  }
  const capacityBytes = values.capacity === undefined ? undefined : parseSize(values.capacity)
  const logger = createLogger()
  const choice = dashboardChoice(values, false)
  // Started by `safenet testnet --processes` with a dashboard: report the actors to it.
  const report = process.send === undefined ? { tap: false, inspect: false } : reportingAsked()
  const tap = choice.serve || report.tap ? new ActorTap({ now: Date.now }) : undefined
  const stopReporting = report.tap && tap !== undefined ? reportToParent(tap, report.inspect) : undefined
  const node = await RealNode.start({
    root: values.root, listen: values.listen, bootstrap: values.bootstrap, contacts, first: values.first, logger,
    ...(capacityBytes === undefined ? {} : { vault: { capacityBytes } }),
    ...(tap === undefined ? {} : { inspect: (addr: string) => tap.observe(addr) }),
  })
  let server: DashboardServer | undefined
  try {
    // What to open goes to stderr: stdout carries the node's JSON log lines.
    if (choice.serve && tap !== undefined) server = await serveDashboard(choice, { live: { title: `node ${node.addr}`, tap, nodes: () => [node.view()], health: () => ({}) } }, (line) => console.error(line))
  } catch (error) {
    await node.stop()
    throw error
  }
  await new Promise<void>((resolve) => {
    const stop = (why: string) => () => {
      logger.info({ why }, 'stopping')
      node.stop({ leave: why !== 'parent gone' }).then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'stop failed')
        resolve()
      })
    }
    process.once('SIGINT', stop('SIGINT'))
    process.once('SIGTERM', stop('SIGTERM'))
    // Started by `safenet testnet --processes`: when the testnet goes, so do we.
    if (process.send !== undefined) process.once('disconnect', stop('parent gone'))
  })
  stopReporting?.()
  await server?.stop()
  logger.flush()
  return 0
}

function nodeStatus(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { root: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  })
  if (values.help) {
    console.log(NODE_USAGE)
    return 0
  }
  if (values.root === undefined) throw new NodeUsageError('--root DIR is required')
  const status = readStatus(values.root)
  if (status === undefined) throw new Error(`${values.root} has no status.json: no node has run there`)
  const running = status.running && isAlive(status.pid)
  const shown = { ...status, running }
  if (values.json) console.log(JSON.stringify(shown))
  else {
    console.log(`${running ? 'running' : 'not running'} (pid ${status.pid}, updated ${status.updatedAt})`)
    console.log(`name ${status.name}\naddr ${status.addr}\nnetwork ${status.networkId}`)
    console.log(`${status.role} of section "${status.prefix ?? '?'}" gen ${status.generation ?? '?'}, ${status.members ?? '?'} members, ${status.elders.length} elders${status.isElder ? ' (one of them)' : ''}`)
    console.log(`connections ${status.connections}, messages sent ${status.messages.sent} received ${status.messages.received}, rss ${status.rssMb} MB`)
  }
  return running ? 0 : 1
}
