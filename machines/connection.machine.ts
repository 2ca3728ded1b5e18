/**
 * One connection to one peer (DESIGN.md §1, §12): the same chart over the simulated transport and
 * over libp2p.
 *
 *   idle ──(SEND)──▶ dialing ──(DIALED)──▶ connected ──(no traffic for idleMs)──▶ idle
 *                      │ (DIAL_FAILED)          │ (LOST) ──▶ idle
 *                      ▼
 *                   backoff ──(after delay)──▶ dialing        (delay doubles per failure, capped)
 *                      └──(RECEIVED)──▶ dialing            (a frame from the peer: it is back)
 *   any ──(CLOSE)──▶ closed (final)
 *
 * Frames sent while not connected wait in a bounded queue, flushed on connect. When the queue is
 * full the newest frame is refused and counted — a bound that is hit is counted, never a crash.
 * After `maxAttempts` failed dials in a row the queued frames are dropped (counted) and the
 * connection rests in `idle` until something new is sent. Sans-IO: dialing, sending and closing
 * are provided actions; timers are `after` delays on the actor's clock.
 */
import { assign, setup } from 'xstate'

export interface ConnectionSettings {
  /** Frames kept while not connected. */
  readonly maxQueuedFrames: number
  readonly initialBackoffMs: number
  readonly maxBackoffMs: number
  /** Failed dials in a row before queued frames are given up. */
  readonly maxAttempts: number
  /** A connection with no traffic for this long is closed (it is redialled on demand). */
  readonly idleMs: number
}

export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = {
  maxQueuedFrames: 1024,
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  maxAttempts: 8,
  idleMs: 120_000,
}

export type ConnectionEvent =
  | { type: 'SEND'; frame: Uint8Array }
  | { type: 'DIALED' }
  | { type: 'DIAL_FAILED'; reason: string }
  | { type: 'LOST'; reason: string }
  | { type: 'RECEIVED' }
  | { type: 'CLOSE' }

export interface ConnectionContext {
  readonly peer: string
  readonly settings: ConnectionSettings
  readonly queue: ReadonlyArray<Uint8Array>
  /** Failed dials in a row. */
  readonly attempts: number
  readonly stats: { readonly sent: number; readonly refused: number; readonly dropped: number; readonly dials: number; readonly failures: number }
}

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    input: {} as { peer: string; settings?: ConnectionSettings },
    events: {} as ConnectionEvent,
  },
  actions: {
    // Provided by the runtime.
    dial: (_, _params: { peer: string }) => {},
    transmit: (_, _params: { peer: string; frames: ReadonlyArray<Uint8Array> }) => {},
    hangUp: (_, _params: { peer: string }) => {},
    enqueue: assign(({ context, event }) => {
      if (event.type !== 'SEND') return {}
      if (context.queue.length >= context.settings.maxQueuedFrames) {
        return { stats: { ...context.stats, refused: context.stats.refused + 1 } }
      }
      return { queue: [...context.queue, event.frame] }
    }),
    countDial: assign(({ context }) => ({ stats: { ...context.stats, dials: context.stats.dials + 1 } })),
    countFailure: assign(({ context }) => ({ attempts: context.attempts + 1, stats: { ...context.stats, failures: context.stats.failures + 1 } })),
    resetAttempts: assign({ attempts: 0 }),
    countFlush: assign(({ context }) => ({ queue: [], stats: { ...context.stats, sent: context.stats.sent + context.queue.length } })),
    countSent: assign(({ context }) => ({ stats: { ...context.stats, sent: context.stats.sent + 1 } })),
    giveUp: assign(({ context }) => ({ queue: [], attempts: 0, stats: { ...context.stats, dropped: context.stats.dropped + context.queue.length } })),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    /** This failure is the last one allowed in a row. */
    lastAttempt: ({ context }) => context.attempts + 1 >= context.settings.maxAttempts,
  },
  delays: {
    backoff: ({ context }) => Math.min(context.settings.maxBackoffMs, context.settings.initialBackoffMs * 2 ** Math.max(0, context.attempts - 1)),
    idle: ({ context }) => context.settings.idleMs,
  },
}).createMachine({
  id: 'connection',
  context: ({ input }) => ({
    peer: input.peer,
    settings: input.settings ?? DEFAULT_CONNECTION_SETTINGS,
    queue: [],
    attempts: 0,
    stats: { sent: 0, refused: 0, dropped: 0, dials: 0, failures: 0 },
  }),
  initial: 'idle',
  on: { CLOSE: { target: '.closed' } },
  states: {
    idle: {
      always: { guard: 'hasQueued', target: 'dialing' },
      on: { SEND: { target: 'dialing', actions: 'enqueue' } },
    },
    dialing: {
      entry: ['countDial', { type: 'dial', params: ({ context }) => ({ peer: context.peer }) }],
      on: {
        SEND: { actions: 'enqueue' },
        DIALED: {
          target: 'connected',
          actions: [
            'resetAttempts',
            { type: 'transmit', params: ({ context }) => ({ peer: context.peer, frames: context.queue }) },
            'countFlush',
          ],
        },
        DIAL_FAILED: [
          { guard: 'lastAttempt', target: 'idle', actions: ['countFailure', 'giveUp'] },
          { target: 'backoff', actions: 'countFailure' },
        ],
      },
    },
    backoff: {
      on: {
        SEND: { actions: 'enqueue' },
        // The peer just sent us a frame, so it is up again (it restarted): dial now rather than
        // at the end of a backoff that may have grown to maxBackoffMs while it was down. Failed
        // dials still count, so a peer we cannot reach gets at most maxAttempts dials per give-up.
        RECEIVED: { target: 'dialing' },
      },
      after: { backoff: { target: 'dialing' } },
    },
    connected: {
      on: {
        SEND: {
          target: 'connected',
          reenter: true,
          actions: [{ type: 'transmit', params: ({ context, event }) => ({ peer: context.peer, frames: [event.frame] }) }, 'countSent'],
        },
        RECEIVED: { target: 'connected', reenter: true },
        // Frames never wait while connected, so a lost connection rests until the next send.
        LOST: { target: 'idle' },
      },
      after: { idle: { target: 'idle', actions: { type: 'hangUp', params: ({ context }) => ({ peer: context.peer }) } } },
    },
    closed: {
      type: 'final',
      entry: [
        assign(({ context }) => ({ queue: [], stats: { ...context.stats, dropped: context.stats.dropped + context.queue.length } })),
        { type: 'hangUp', params: ({ context }) => ({ peer: context.peer }) },
      ],
    },
  },
})
