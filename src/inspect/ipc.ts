/**
 * A node process started by `safenet testnet --processes` reports its actors to the testnet over
 * the IPC channel the testnet opened (`SAFENET_TAP=ipc`, or `ipc+inspect` for the inspector's
 * stream too): its tap's changes and, with `--inspect`, its `@statelyai/inspect` messages, in
 * batches every {@link BATCH_PUSH_MS}. The testnet's tap takes them in ({@link ActorTap.ingest})
 * and its relay passes the inspector's on, so the dashboard and the inspector see every process.
 */
import type { StatelyInspectionEvent } from '@statelyai/inspect'
import { BATCH_PUSH_MS, MAX_BATCH } from './server.ts'
import { StatelyStream } from './stately.ts'
import type { ActorTap, TapMessage } from './tap.ts'

/** The environment variable that asks a node process to report (set by the testnet). */
export const TAP_ENV = 'SAFENET_TAP'

export type ChildReport =
  | { readonly type: 'tap'; readonly messages: ReadonlyArray<TapMessage> }
  | { readonly type: 'inspect'; readonly messages: ReadonlyArray<StatelyInspectionEvent> }

export function isChildReport(message: unknown): message is ChildReport {
  if (message === null || typeof message !== 'object') return false
  const m = message as { type?: unknown; messages?: unknown }
  return (m.type === 'tap' || m.type === 'inspect') && Array.isArray(m.messages)
}

/** What `SAFENET_TAP` asks of this process: nothing, the tap, or the tap and the inspector's stream. */
export function reportingAsked(env: NodeJS.ProcessEnv = process.env): { tap: boolean; inspect: boolean } {
  const value = env[TAP_ENV]
  return { tap: value === 'ipc' || value === 'ipc+inspect', inspect: value === 'ipc+inspect' }
}

/** Counts of what a child could not send: batches past {@link MAX_BATCH}. */
export const IPC_COUNTS = { sent: 0, overflow: 0 }

/**
 * Sends `tap`'s changes (and the inspector's stream, if `inspect`) to the parent process until
 * the channel closes or the returned stop is called.
 */
export function reportToParent(tap: ActorTap, inspect: boolean): () => void {
  const send = process.send?.bind(process)
  if (send === undefined) return () => undefined
  let changes: TapMessage[] = []
  let inspected: StatelyInspectionEvent[] = []
  const unlisten = tap.listen((message) => {
    if (changes.length >= MAX_BATCH) IPC_COUNTS.overflow++
    else changes.push(message)
  })
  if (inspect) {
    tap.stately = new StatelyStream((message) => {
      if (inspected.length >= MAX_BATCH) IPC_COUNTS.overflow++
      else inspected.push(message)
    })
  }
  const flush = (): void => {
    if (!process.connected) return
    if (changes.length > 0) send({ type: 'tap', messages: changes } satisfies ChildReport)
    if (inspected.length > 0) send({ type: 'inspect', messages: inspected } satisfies ChildReport)
    IPC_COUNTS.sent += changes.length + inspected.length
    changes = []
    inspected = []
  }
  const timer = setInterval(flush, BATCH_PUSH_MS)
  timer.unref()
  return () => {
    clearInterval(timer)
    unlisten()
    tap.stately = undefined
  }
}
