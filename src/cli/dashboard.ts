/**
 * The dashboard from the command line: the flags `safenet testnet` and `safenet node` share
 * (`--dashboard PORT`, `--no-dashboard`, `--inspect`), and `safenet dashboard FILE`, which replays
 * a trace recorded by `safenet sim --record FILE` in the same page.
 */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DashboardServer, type LiveSource } from '../inspect/server.ts'

/** Where `npm start`'s dashboard listens unless told otherwise (a free port if this one is taken). */
export const DEFAULT_DASHBOARD_PORT = 7070

export const DASHBOARD_USAGE = `usage: safenet dashboard FILE [--port P]

Serves the dashboard on 127.0.0.1 in replay mode: the trace FILE that \`safenet sim … --record FILE\`
wrote (JSON lines, gzipped if it ends in .gz) plays on a timeline you can scrub. Ctrl-C stops it.

  --port P   where to listen (default ${DEFAULT_DASHBOARD_PORT}, or any free port if that one is taken)`

export const DASHBOARD_FLAGS_USAGE = `  --dashboard PORT   serve the dashboard on 127.0.0.1:PORT (default ${DEFAULT_DASHBOARD_PORT}, or a free port)
  --no-dashboard     do not serve it
  --inspect          also relay every actor's inspection stream (@statelyai/inspect) on
                     ws://127.0.0.1:PORT/inspect; /stately shows it in Stately's inspector`

export class DashboardUsageError extends Error {
  override readonly name = 'DashboardUsageError'
}

/** The options the dashboard flags add to a command's `parseArgs`. */
export const DASHBOARD_OPTIONS = {
  dashboard: { type: 'string' },
  'no-dashboard': { type: 'boolean', default: false },
  inspect: { type: 'boolean', default: false },
} as const

export interface DashboardChoice {
  /** Serve at all (the dashboard, or only the inspector relay). */
  readonly serve: boolean
  readonly port: number
  /** The port was given: taken means an error, not another port. */
  readonly explicit: boolean
  readonly page: boolean
  readonly inspect: boolean
}

/** What the flags ask for; `byDefault`: served unless `--no-dashboard` (`safenet testnet`). */
export function dashboardChoice(values: { dashboard?: string | undefined; 'no-dashboard'?: boolean; inspect?: boolean }, byDefault: boolean): DashboardChoice {
  const port = values.dashboard === undefined ? DEFAULT_DASHBOARD_PORT : Number(values.dashboard)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new DashboardUsageError(`--dashboard must be a port from 0 to 65535, got ${JSON.stringify(values.dashboard)}`)
  if (values.dashboard !== undefined && values['no-dashboard'] === true) throw new DashboardUsageError('give --dashboard PORT or --no-dashboard, not both')
  const page = values['no-dashboard'] !== true && (byDefault || values.dashboard !== undefined)
  const inspect = values.inspect === true
  return { serve: page || inspect, port, explicit: values.dashboard !== undefined, page, inspect }
}

/** Starts the server for `choice` (on a free port when the default one is taken) and prints what to open. */
export async function serveDashboard(choice: DashboardChoice, source: { live?: LiveSource; trace?: string }, print: (line: string) => void = console.log): Promise<DashboardServer> {
  const options = { ...source, inspect: choice.inspect }
  let server: DashboardServer
  try {
    server = await DashboardServer.start({ ...options, port: choice.port })
  } catch (error) {
    if (choice.explicit || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new DashboardUsageError(`the dashboard cannot listen on 127.0.0.1:${choice.port}: ${(error as Error).message}`)
    server = await DashboardServer.start({ ...options, port: 0 })
  }
  if (choice.page) print(`  dashboard ${server.url}   (served by this process on 127.0.0.1; needs no internet)`)
  if (choice.inspect) {
    print(`  inspector ws://127.0.0.1:${server.port}/inspect   (@statelyai/inspect messages, every actor of every role)`)
    print(`            in Stately's inspector: open ${server.url}stately   (it loads stately.ai: needs internet)`)
  }
  return server
}

export async function runDashboard(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(DASHBOARD_USAGE)
    return 0
  }
  const file = positionals[0]
  if (file === undefined || positionals.length > 1) throw new DashboardUsageError('give one trace FILE (written by `safenet sim … --record FILE`)')
  if (!existsSync(file)) throw new DashboardUsageError(`${file}: no such file`)
  const choice = dashboardChoice({ ...(values.port === undefined ? {} : { dashboard: values.port }) }, true)
  console.log(`safenet dashboard: replaying ${file}`)
  const server = await serveDashboard(choice, { trace: file })
  console.log('Ctrl-C stops it.')
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  await server.stop()
  return 0
}
