/**
 * A node's own life in the network (DESIGN.md §6): joining, adult, elder, relocating, left.
 *
 *   idle ──JOIN──▶ joining ──APPROVED──▶ adult ⇄ elder (PROMOTED / DEMOTED)
 *   idle ──GENESIS──▶ elder
 *   adult ──RELOCATE──▶ relocating ──APPROVED──▶ adult      (age + 1, in the destination)
 *   adult | elder ──VOTED_OFF──▶ joining                     (a node that is alive joins again)
 *   any ──STOP──▶ left
 *
 * While joining or relocating the machine owns the request timers: `requesting` asks for a
 * `sendJoin` on entry and again every `joinRetryMs`; `RESEND` (an AE bounce, a new name) asks
 * at once; `TRY_LATER` (the section's half is full) waits `tryJoinLaterMs` first. Sans-IO: the
 * runtime sends the request when it hears `sendJoin`.
 */
import { assign, emit, setup } from 'xstate'

export type MemberEvent =
  | { type: 'GENESIS' }
  | { type: 'JOIN' }
  | { type: 'RESEND' }
  | { type: 'TRY_LATER' }
  | { type: 'APPROVED' }
  | { type: 'PROMOTED' }
  | { type: 'DEMOTED' }
  | { type: 'RELOCATE' }
  | { type: 'VOTED_OFF' }
  | { type: 'STOP' }

export type MemberEmitted =
  | { type: 'sendJoin'; attempt: number }
  | { type: 'joined'; relocated: boolean }

export interface MemberContext {
  readonly joinRetryMs: number
  readonly tryJoinLaterMs: number
  /** Join requests sent in the current attempt to join (reset when it succeeds). */
  readonly attempts: number
  /** Times this node joined (the first join included) and was relocated. */
  readonly joins: number
  readonly relocations: number
}

export type MemberRole = 'idle' | 'joining' | 'adult' | 'elder' | 'relocating' | 'left'

/** The request loop joining and relocating share. */
const requestLoop = {
  initial: 'requesting',
  states: {
    requesting: {
      entry: ['countAttempt', 'sendJoin'],
      after: { joinRetry: { target: 'requesting', reenter: true } },
    },
    waiting: {
      after: { tryJoinLater: { target: 'requesting' } },
    },
  },
} as const
const requestLoopEvents = {
  RESEND: { target: '.requesting', reenter: true },
  TRY_LATER: { target: '.waiting' },
} as const

export const memberMachine = setup({
  types: {
    context: {} as MemberContext,
    input: {} as { joinRetryMs: number; tryJoinLaterMs: number },
    events: {} as MemberEvent,
    emitted: {} as MemberEmitted,
  },
  actions: {
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    sendJoin: emit(({ context }) => ({ type: 'sendJoin' as const, attempt: context.attempts })),
    joined: assign({ attempts: 0, joins: ({ context }) => context.joins + 1 }),
    relocated: assign({ attempts: 0, relocations: ({ context }) => context.relocations + 1 }),
    reportJoined: emit({ type: 'joined' as const, relocated: false }),
    reportRelocated: emit({ type: 'joined' as const, relocated: true }),
  },
  delays: {
    joinRetry: ({ context }) => context.joinRetryMs,
    tryJoinLater: ({ context }) => context.tryJoinLaterMs,
  },
}).createMachine({
  id: 'member',
  context: ({ input }) => ({ ...input, attempts: 0, joins: 0, relocations: 0 }),
  initial: 'idle',
  on: { STOP: '.left' },
  states: {
    idle: {
      on: { JOIN: 'joining', GENESIS: 'elder' },
    },
    joining: {
      on: {
        ...requestLoopEvents,
        APPROVED: { target: 'adult', actions: ['joined', 'reportJoined'] },
      },
      ...requestLoop,
    },
    relocating: {
      on: {
        ...requestLoopEvents,
        APPROVED: { target: 'adult', actions: ['relocated', 'reportRelocated'] },
      },
      ...requestLoop,
    },
    adult: {
      on: { PROMOTED: 'elder', RELOCATE: 'relocating', VOTED_OFF: 'joining' },
    },
    elder: {
      on: { DEMOTED: 'adult', VOTED_OFF: 'joining' },
    },
    left: { type: 'final' },
  },
})
