/**
 * One DKG session for one candidate set (DESIGN.md §7), around the pure {@link DkgSession}.
 *
 *   waitingForStart ──(DkgStart from a supermajority of current elders)──▶ running
 *   running ──(all parts and verdicts in)──▶ complete
 *   running ──(deadline)──▶ abandoned ──(late messages complete it)──▶ complete
 *
 * An abandoned session names its non-participants (emitted for the elders to agree on the next
 * candidates) but keeps listening and catching up, so a candidate that was merely late still
 * finishes (MaidSafe's issue #1629: an elder that missed the last messages looped forever).
 * `complete` answers catch-up requests for others. Sans-IO: sends are `emit`ted.
 */
import { assign, emit, enqueueActions, setup } from 'xstate'
import type { Bundle, DkgResult, DkgSession, NonParticipation } from '../src/consensus/index.ts'
import type { DkgCatchUpWire, DkgMessagesWire } from '../src/wire/index.ts'

export type DkgEvent =
  | { type: 'START'; elder: number }
  | { type: 'MESSAGES'; bundle: DkgMessagesWire }
  | { type: 'CATCH_UP'; from: number; request: DkgCatchUpWire }

export type DkgEmitted =
  | { type: 'broadcast'; bundle: Bundle }
  | { type: 'reply'; to: number; bundle: Bundle }
  | { type: 'catchUp'; request: DkgCatchUpWire }
  | { type: 'completed'; result: DkgResult }
  | { type: 'abandoned'; nonParticipants: ReadonlyArray<readonly [number, NonParticipation]> }

export interface DkgContext {
  readonly session: DkgSession
  /** DkgStart messages needed from distinct current elders (their supermajority). */
  readonly startQuorum: number
  readonly starts: ReadonlyArray<number>
  readonly deadlineMs: number
  readonly gossipIntervalMs: number
}

function hasContent(bundle: Bundle): boolean {
  return bundle.parts.length + bundle.acks.length + bundle.justifications.length > 0
}

export const dkgMachine = setup({
  types: {
    context: {} as DkgContext,
    input: {} as { session: DkgSession; startQuorum: number; deadlineMs: number; gossipIntervalMs: number },
    events: {} as DkgEvent,
    emitted: {} as DkgEmitted,
  },
  actions: {
    recordStart: assign({
      starts: ({ context, event }) =>
        event.type === 'START' && !context.starts.includes(event.elder) ? [...context.starts, event.elder] : context.starts,
    }),
    deal: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'broadcast', bundle: context.session.start() })
    }),
    receive: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'MESSAGES') return
      const answer = context.session.receive(event.bundle)
      if (hasContent(answer)) enqueue.emit({ type: 'broadcast', bundle: answer })
    }),
    answerCatchUp: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CATCH_UP') return
      const answer = context.session.answerCatchUp(event.request)
      if (answer !== undefined) enqueue.emit({ type: 'reply', to: event.from, bundle: answer })
    }),
    gossip: enqueueActions(({ context, enqueue }) => {
      const own = context.session.gossip()
      if (hasContent(own)) enqueue.emit({ type: 'broadcast', bundle: own })
      enqueue.emit({ type: 'catchUp', request: context.session.catchUpRequest() })
    }),
    reportCompleted: emit(({ context }) => ({ type: 'completed' as const, result: context.session.result! })),
    reportAbandoned: emit(({ context }) => ({ type: 'abandoned' as const, nonParticipants: [...context.session.nonParticipants()] })),
  },
  guards: {
    enoughStarts: ({ context }) => context.starts.length >= context.startQuorum,
    complete: ({ context }) => context.session.result !== undefined,
  },
  delays: {
    deadline: ({ context }) => context.deadlineMs,
    gossipInterval: ({ context }) => context.gossipIntervalMs,
  },
}).createMachine({
  id: 'dkg',
  context: ({ input }) => ({ ...input, starts: [] }),
  initial: 'waitingForStart',
  on: {
    MESSAGES: { actions: 'receive' },
    CATCH_UP: { actions: 'answerCatchUp' },
  },
  states: {
    waitingForStart: {
      on: { START: { actions: 'recordStart' } },
      always: { guard: 'enoughStarts', target: 'running' },
    },
    running: {
      entry: 'deal',
      always: { guard: 'complete', target: 'complete' },
      after: { deadline: { target: 'abandoned' } },
      initial: 'exchanging',
      states: {
        exchanging: {
          after: { gossipInterval: { target: 'exchanging', reenter: true, actions: 'gossip' } },
        },
      },
    },
    abandoned: {
      entry: 'reportAbandoned',
      always: { guard: 'complete', target: 'complete' },
      initial: 'catchingUp',
      states: {
        catchingUp: {
          after: { gossipInterval: { target: 'catchingUp', reenter: true, actions: 'gossip' } },
        },
      },
    },
    complete: {
      entry: 'reportCompleted',
    },
  },
})
