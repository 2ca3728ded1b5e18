/**
 * Generation agreement for one elder (DESIGN.md §6), as a statechart around the pure
 * {@link Agreement} of src/consensus.
 *
 *   voting ── (nothing left to propose) ──▶ idle
 *     ├─ round: running ⟲ on the round timer, and whenever the round number moves
 *     └─ gossip: waiting ⟲ on the gossip timer (lost ballots are sent again)
 *
 * Sans-IO: the machine never sends. Every outbound ballot, decision and request is `emit`ted as
 * a `transmit` event for the runtime (simulator or node) to encode and send; timers are `after`
 * delays read from the agreement, run on whatever clock the actor was created with.
 */
import { assign, emit, enqueueActions, setup } from 'xstate'
import type { Agreement, Decision, Effects, SuperMajority, Vote } from '../src/consensus/index.ts'

export type AgreementEvent =
  | { type: 'VOTES'; from: number; votes: ReadonlyArray<Vote>; supermajorities: ReadonlyArray<SuperMajority> }
  | { type: 'DECISION_ANNOUNCE'; from: number; decision: Decision }
  | { type: 'DECISION_REQUEST'; from: number; generation: number }
  /** The runtime has proposals for the current generation now. */
  | { type: 'PROPOSALS_READY' }

export type AgreementEmitted = { type: 'transmit'; effects: Effects }

export interface AgreementContext {
  readonly agreement: Agreement
  /** Generation and round the round timer was started for; a change restarts it. */
  readonly timerGeneration: number
  readonly timerRound: number
}

export const agreementMachine = setup({
  types: {
    context: {} as AgreementContext,
    input: {} as { agreement: Agreement },
    events: {} as AgreementEvent,
    emitted: {} as AgreementEmitted,
  },
  actions: {
    start: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'transmit', effects: context.agreement.start() })
    }),
    handle: enqueueActions(({ context, event, enqueue }) => {
      const agreement = context.agreement
      if (event.type === 'PROPOSALS_READY') return
      const effects = event.type === 'VOTES'
        ? agreement.onVotes(event.from, event.votes, event.supermajorities)
        : event.type === 'DECISION_ANNOUNCE'
          ? agreement.onDecision(event.decision)
          : agreement.onDecisionRequest(event.from, event.generation)
      enqueue.emit({ type: 'transmit', effects })
    }),
    offer: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'transmit', effects: context.agreement.offer() })
    }),
    roundTimeout: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'transmit', effects: context.agreement.roundTimeout() })
    }),
    gossip: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'transmit', effects: context.agreement.gossip() })
    }),
    markRound: assign({
      timerGeneration: ({ context }) => context.agreement.generation,
      timerRound: ({ context }) => context.agreement.round,
    }),
    announceToLaggard: emit(({ context, event }) => ({
      type: 'transmit' as const,
      effects: event.type === 'DECISION_REQUEST'
        ? context.agreement.onDecisionRequest(event.from, event.generation)
        : event.type === 'VOTES'
          ? context.agreement.onVotes(event.from, event.votes, event.supermajorities)
          : { broadcast: [], announce: [], request: [], decided: [] },
    })),
  },
  guards: {
    finished: ({ context }) => context.agreement.finished,
    roundMoved: ({ context }) =>
      context.agreement.generation !== context.timerGeneration || context.agreement.round !== context.timerRound,
  },
  delays: {
    roundTimeout: ({ context }) => context.agreement.roundTimeoutMs(),
    gossipInterval: ({ context }) => context.agreement.gossipIntervalMs,
  },
}).createMachine({
  id: 'agreement',
  context: ({ input }) => ({ agreement: input.agreement, timerGeneration: -1, timerRound: -1 }),
  initial: 'voting',
  states: {
    voting: {
      entry: 'start',
      type: 'parallel',
      always: { guard: 'finished', target: 'idle' },
      on: {
        VOTES: { actions: 'handle' },
        DECISION_ANNOUNCE: { actions: 'handle' },
        DECISION_REQUEST: { actions: 'handle' },
        PROPOSALS_READY: { actions: 'offer' },
      },
      states: {
        round: {
          initial: 'running',
          states: {
            running: {
              entry: 'markRound',
              always: { guard: 'roundMoved', target: 'running', reenter: true },
              after: { roundTimeout: { target: 'running', reenter: true, actions: 'roundTimeout' } },
            },
          },
        },
        gossip: {
          initial: 'waiting',
          states: {
            waiting: {
              after: { gossipInterval: { target: 'waiting', reenter: true, actions: 'gossip' } },
            },
          },
        },
      },
    },
    /** Nothing left to propose: answer elders that are behind, and wait. */
    idle: {
      on: {
        VOTES: { actions: 'announceToLaggard' },
        DECISION_REQUEST: { actions: 'announceToLaggard' },
      },
    },
  },
})
