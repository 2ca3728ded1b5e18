/**
 * Logging: pino, JSON lines, one child logger per actor carrying its `systemId` (DESIGN.md §14).
 * The level comes from `SAFENET_LOG` (trace, debug, info, warn, error, fatal, silent);
 * default `info`. An unknown level is a typed error naming the valid ones, not a silent default.
 */
import { Context, Layer, Schema } from 'effect'
import { pino, type DestinationStream, type Logger } from 'pino'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type { Logger }

export class InvalidLogLevel extends Schema.TaggedError<InvalidLogLevel>()('InvalidLogLevel', {
  message: Schema.String,
  level: Schema.String,
}) {}

/** Reads the level from `SAFENET_LOG` (or the given environment); unset or empty means `info`. */
export function logLevelFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LogLevel {
  const raw = env.SAFENET_LOG?.trim().toLowerCase()
  if (raw === undefined || raw === '') return 'info'
  if ((LOG_LEVELS as ReadonlyArray<string>).includes(raw)) return raw as LogLevel
  throw new InvalidLogLevel({
    message: `SAFENET_LOG=${JSON.stringify(env.SAFENET_LOG)} is not a log level; use one of ${LOG_LEVELS.join(', ')}`,
    level: env.SAFENET_LOG ?? '',
  })
}

export interface LoggerOptions {
  readonly level?: LogLevel
  /** Where lines go; stdout by default. Tests pass a stream to read lines back. */
  readonly destination?: DestinationStream
  /** Fields on every line, e.g. `{ node: 'a1b2c3' }` for a node process. */
  readonly base?: Record<string, unknown>
}

/** The root logger of a process (a node, a testnet, the simulator, the CLI). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? logLevelFromEnv()
  return pino(
    {
      level,
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  )
}

/** The logger of one actor: every line carries `systemId`, e.g. `a1b2c3/elder/7`. */
export function actorLogger(parent: Logger, systemId: string): Logger {
  return parent.child({ systemId })
}

/** The logger as an Effect service, for code at the edges that runs in Effect. */
export class Log extends Context.Service<Log, Logger>()('safenet/log/Log') {
  static readonly layer = (options?: LoggerOptions) => Layer.sync(Log, () => createLogger(options))
}
