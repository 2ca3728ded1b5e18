/**
 * An elder's duties besides voting (DESIGN.md §6, §7): keeping watch over the members it looks
 * after, and driving an elder change — DKG start, then the handover or split proposal. (Votes
 * run in the `agreement` actor; one DKG session in a `dkg` actor per candidate set.)
 *
 *   serving (parallel)
 *     ├─ change: steady ──CHANGE_DUE(target)──▶ electing ──SAPS_READY──▶ proposing
 *     │          electing asks `announceDkg` on entry and every `dkgStartResendMs` (candidates
 *     │          that missed the start hear it again); a different target restarts it; the
 *     │          empty target (nothing due) goes back to steady
 *     └─ watch:  every `watchIntervalMs` asks `checkSilence` (members silent too long are
 *                proposed `Left`)
 *   serving ──RETIRE──▶ retired        (handed over, voted off, or the node stopped)
 *
 * Sans-IO: everything the elder sends is `emit`ted for the runtime.
 */
import { assign, emit, setup } from 'xstate'

export type ElderEvent =
  /** What the section needs now: the candidate set(s) of the change, or '' for none. */
  | { type: 'CHANGE_DUE'; target: string }
  /** The new SAP(s) are signed by their new keys: the change can be proposed. */
  | { type: 'SAPS_READY' }
  | { type: 'RETIRE' }

export type ElderEmitted =
  | { type: 'announceDkg'; target: string; round: number }
  | { type: 'proposeChange'; target: string }
  | { type: 'checkSilence' }

export interface ElderContext {
  readonly dkgStartResendMs: number
  readonly watchIntervalMs: number
  readonly target: string
  /** DkgStart announcements for the current target. */
  readonly round: number
}

export const elderMachine = setup({
  types: {
    context: {} as ElderContext,
    input: {} as { dkgStartResendMs: number; watchIntervalMs: number },
    events: {} as ElderEvent,
    emitted: {} as ElderEmitted,
  },
  actions: {
    setTarget: assign({ target: ({ context, event }) => (event.type === 'CHANGE_DUE' ? event.target : context.target), round: 0 }),
    announce: emit(({ context }) => ({ type: 'announceDkg' as const, target: context.target, round: context.round })),
    nextRound: assign({ round: ({ context }) => context.round + 1 }),
    propose: emit(({ context }) => ({ type: 'proposeChange' as const, target: context.target })),
    checkSilence: emit({ type: 'checkSilence' as const }),
  },
  guards: {
    newTarget: ({ context, event }) => event.type === 'CHANGE_DUE' && event.target !== '' && event.target !== context.target,
    nothingDue: ({ event }) => event.type === 'CHANGE_DUE' && event.target === '',
  },
  delays: {
    dkgStartResend: ({ context }) => context.dkgStartResendMs,
    watchInterval: ({ context }) => context.watchIntervalMs,
  },
}).createMachine({
  id: 'elder',
  context: ({ input }) => ({ ...input, target: '', round: 0 }),
  initial: 'serving',
  states: {
    serving: {
      type: 'parallel',
      on: { RETIRE: 'retired' },
      states: {
        change: {
          initial: 'steady',
          on: {
            CHANGE_DUE: [
              { guard: 'newTarget', target: '.electing', reenter: true, actions: 'setTarget' },
              { guard: 'nothingDue', target: '.steady', actions: 'setTarget' },
            ],
          },
          states: {
            steady: {},
            electing: {
              entry: ['announce', 'nextRound'],
              on: { SAPS_READY: 'proposing' },
              after: { dkgStartResend: { target: 'electing', reenter: true } },
            },
            proposing: {
              entry: 'propose',
            },
          },
        },
        watch: {
          initial: 'waiting',
          states: {
            waiting: { after: { watchInterval: { target: 'waiting', reenter: true, actions: 'checkSilence' } } },
          },
        },
      },
    },
    retired: { type: 'final' },
  },
})
