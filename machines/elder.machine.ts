/**
 * An elder's duties besides voting (DESIGN.md §6–§8), one actor per term: keeping watch over the
 * members it looks after, and carrying an elder change through its steps. (Votes run in the
 * `agreement` actor; each DKG session in a `dkg` actor at each candidate.)
 *
 *   serving (parallel)
 *     ├─ change: steady ──CHANGE_DUE(target)──▶ electing ──SAPS_READY──▶ proposing
 *     │    electing (parallel)
 *     │      ├─ announcing: `announceDkg` on entry and every `dkgStartResendMs` (candidates that
 *     │      │              missed the start hear it again; the merge shares, while merging)
 *     │      └─ progress:   dkgRunning ──SAP_SHARE──▶ collectingSapShares
 *     │                     dkgRunning | collectingSapShares ──DKG_ABANDONED──▶ failureReports
 *     │                     failureReports ──DKG_FAILED──▶ excluding   (a candidate named by
 *     │                     threshold + 1 others is proposed Left; the next target goes without it)
 *     │    a different target restarts electing; the empty target (nothing due) goes back to steady
 *     │    proposing: `proposeChange` (Handover or Split) on entry
 *     └─ watch: every `watchIntervalMs` asks `checkSilence` (members silent too long: Left)
 *   serving ──DECIDED──▶ handingOver   (the handover or split is decided: `signLink`, our share
 *       of each new key's chain link, goes to the collectors)
 *     handingOver: collectingLinkShares ──LINKED──▶ linked (final: the new elders serve from the
 *       next generation; this term's duties are over)
 *   serving ──RETIRE──▶ retired        (voted off, or the node stopped)
 *
 * Sans-IO: everything the elder sends is `emit`ted for the runtime.
 */
import { assign, emit, setup } from 'xstate'

export type ElderEvent =
  /** What the section needs now: the candidate set(s) of the change, or '' for none. */
  | { type: 'CHANGE_DUE'; target: string }
  /** A candidate's share of a new SAP arrived: its DKG completed. */
  | { type: 'SAP_SHARE' }
  /** The new SAP(s) are signed by their new keys: the change can be proposed. */
  | { type: 'SAPS_READY' }
  /** A candidate reported that a session of this change was abandoned, naming who did not take part. */
  | { type: 'DKG_ABANDONED' }
  /** Enough candidates named one candidate: its exclusion (Left) is proposed. */
  | { type: 'DKG_FAILED' }
  /** The handover or split was decided. */
  | { type: 'DECIDED' }
  /** The new key's chain link is applied (our tree holds the new SAP). */
  | { type: 'LINKED' }
  | { type: 'RETIRE' }

export type ElderEmitted =
  | { type: 'announceDkg'; target: string; round: number }
  | { type: 'proposeChange'; target: string }
  | { type: 'signLink' }
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
    signLink: emit({ type: 'signLink' as const }),
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
      on: { RETIRE: 'retired', DECIDED: 'handingOver' },
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
              type: 'parallel',
              on: { SAPS_READY: 'proposing' },
              states: {
                announcing: {
                  initial: 'announced',
                  states: {
                    announced: {
                      entry: ['announce', 'nextRound'],
                      after: { dkgStartResend: { target: 'announced', reenter: true } },
                    },
                  },
                },
                progress: {
                  initial: 'dkgRunning',
                  states: {
                    dkgRunning: { on: { SAP_SHARE: 'collectingSapShares', DKG_ABANDONED: 'failureReports' } },
                    collectingSapShares: { on: { DKG_ABANDONED: 'failureReports' } },
                    failureReports: { on: { DKG_FAILED: 'excluding' } },
                    excluding: {},
                  },
                },
              },
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
    handingOver: {
      entry: 'signLink',
      on: { RETIRE: 'retired' },
      initial: 'collectingLinkShares',
      states: {
        collectingLinkShares: { on: { LINKED: '#elder.linked' } },
      },
    },
    /** The new key's link is applied: the new elders serve; this term's duties are over. */
    linked: { type: 'final' },
    retired: { type: 'final' },
  },
})
