/**
 * The stream for Stately's inspector (`--inspect`): `@statelyai/inspect`'s inspector, given our own
 * adapter (the relay is in this process: no client socket that re-dials forever), fed by the
 * {@link ActorTap} with contexts and events already sanitised (`sanitize.ts`) and filtered so a
 * 30-node testnet does not flood it.
 *
 * Filter: a connection's per-frame events (`SEND`, `RECEIVED`) are not sent; a snapshot whose
 * state did not change is sent at most once a second per actor; past {@link MAX_INSPECT_RATE}
 * messages in a second the rest are counted and dropped (a state change is never dropped: a viewer
 * that missed one would show a wrong state).
 */
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect'
import type { StateValue } from 'xstate'
import { describeContext, summarise } from './sanitize.ts'
import type { ActorEntry, StatelySink } from './tap.ts'

/** Messages a second the inspector stream carries at most (state changes always pass). */
export const MAX_INSPECT_RATE = 2_000
/** A snapshot without a state change is sent at most this often per actor. */
export const SNAPSHOT_EVERY_MS = 1_000
/** A connection's events sent once per frame: the inspector does not get them. */
const PER_FRAME_EVENTS = new Set(['SEND', 'RECEIVED'])

export interface InspectCounts {
  sent: number
  /** Per-frame connection events and unchanged snapshots left out by the filter. */
  filtered: number
  /** Messages dropped past {@link MAX_INSPECT_RATE}. */
  dropped: number
}

export class StatelyStream implements StatelySink {
  readonly counts: InspectCounts = { sent: 0, filtered: 0, dropped: 0 }
  readonly #inspector
  readonly #lastSnapshot = new Map<string, number>()
  readonly #now: () => number
  #window = { start: 0, count: 0 }

  /** `publish` gets each message as the inspector's wire JSON object. */
  constructor(publish: (message: StatelyInspectionEvent) => void, now: () => number = Date.now) {
    this.#now = now
    this.#inspector = createInspector({ send: (message) => publish(message) }, {
      // Our session ids are the actors' system ids: unique across nodes and processes.
      serialize: (message) => ({ ...message, rootId: message.sessionId, ...(message.type === '@xstate.actor' ? { name: message.sessionId } : {}) }),
    })
  }

  actor(entry: ActorEntry, definition: unknown, context: unknown): void {
    this.#count(true)
    const ref = { sessionId: entry.id, logic: { config: definition }, _parent: undefined }
    this.#inspector.actor(ref as never, { value: entry.value, context: describeContext(context), status: 'active' } as never)
  }

  snapshot(entry: ActorEntry, value: StateValue, context: unknown, event: unknown, changed: boolean): void {
    const now = this.#now()
    if (!changed && now - (this.#lastSnapshot.get(entry.id) ?? -Infinity) < SNAPSHOT_EVERY_MS) {
      this.counts.filtered++
      return
    }
    if (!this.#count(changed)) return
    this.#lastSnapshot.set(entry.id, now)
    this.#inspector.snapshot(entry.id, { value, context: describeContext(context) }, { event: summarise(event) as never })
  }

  event(entry: ActorEntry, event: unknown, source: string | undefined): void {
    if (entry.machine === 'connection' && PER_FRAME_EVENTS.has((event as { type: string }).type)) {
      this.counts.filtered++
      return
    }
    if (!this.#count(false)) return
    this.#inspector.event(entry.id, summarise(event) as never, source === undefined ? undefined : { source })
  }

  /** An actor stopped: forget when its last snapshot went. */
  forget(id: string): void {
    this.#lastSnapshot.delete(id)
  }

  /** Counts one message in this second's window; false if it must be dropped. */
  #count(mustPass: boolean): boolean {
    const now = this.#now()
    if (now - this.#window.start >= 1_000) this.#window = { start: now, count: 0 }
    if (!mustPass && this.#window.count >= MAX_INSPECT_RATE) {
      this.counts.dropped++
      return false
    }
    this.#window.count++
    this.counts.sent++
    return true
  }
}
