/**
 * An elder's duties besides voting (DESIGN.md §6–§8), one actor per term: keeping watch over the
 * members it looks after, and carrying an elder change through its steps. (Votes run in the
 * `agreement` actor; each DKG session in a `dkg` actor at each candidate.)
 *
 *   serving (parallel)
 *     ├─ change: steady ──CHANGE_DUE(target, elect | split)──▶ electing ──(every session signed)──▶ proposing
 *     │          steady ──CHANGE_DUE(target, merge)──▶ merging
 *     │    electing (parallel)
 *     │      ├─ announcing: `announceDkg` on entry and every `dkgStartResendMs` (candidates that
 *     │      │              missed the start hear it again)
 *     │      └─ sessions (parallel, one region per DKG session: a split runs two, a handover one;
 *     │         the second region of a handover is `unused` at once)
 *     │              dkgRunning ──SAP_SHARE──▶ collectingSapShares ──SAP_SIGNED──▶ signed (final)
 *     │              dkgRunning | collectingSapShares ──DKG_ABANDONED──▶ failureReports
 *     │              failureReports ──DKG_FAILED──▶ excluding   (a candidate named by threshold + 1
 *     │                  others is proposed Left; the next target goes without it)
 *     │              any ──SAP_SIGNED──▶ signed   (a late candidate can still complete the session)
 *     │    merging: `announceDkg` on entry and every `dkgStartResendMs` sends our merge shares to
 *     │        the sibling, until the merge is decided
 *     │    a different target restarts electing or merging; the empty target (nothing due) goes
 *     │    back to steady; proposing: `proposeChange` (Handover or Split) on entry
 *     ├─ watch: every `watchIntervalMs` asks `checkSilence` (members silent too long: Left)
 *     └─ due: notes each CHANGE_DUE (what the section says is due), which `change` must follow
 *   serving ──DECIDED──▶ handingOver   (the handover or split is decided: `signLink`, our share
 *       of each new key's chain link, goes to the collectors, again every `dkgStartResendMs`
 *       until the link is ours: a collector that has it answers a late share with it)
 *     handingOver: collectingLinkShares ──LINKED──▶ linked (final: the new elders serve from the
 *       next generation; this term's duties are over)
 *   serving ──RETIRE──▶ retired        (voted off, or the node stopped)
 *
 * Sans-IO: everything the elder sends is `emit`ted for the runtime.
 */
import { assign, emit, setup } from 'xstate'

/** What is due: a new set of elders for the section (`elect`), two (`split`), or taking us into the sibling (`merge`). */
export type ChangeMode = 'elect' | 'split' | 'merge'
/** A DKG session of the change: the only one (`elect`), or the 0 and 1 halves of a split. */
export type Session = 0 | 1

export type ElderEvent =
  /** What the section needs now: the candidate set(s) of the change, or '' for none. */
  | { type: 'CHANGE_DUE'; target: string; mode: ChangeMode }
  /** A candidate's share of a session's new SAP arrived: its DKG completed. */
  | { type: 'SAP_SHARE'; session: Session }
  /** The session's new SAP is signed by its new key. */
  | { type: 'SAP_SIGNED'; session: Session }
  /** A candidate reported that the session was abandoned, naming who did not take part. */
  | { type: 'DKG_ABANDONED'; session: Session }
  /** Enough candidates named one candidate: its exclusion (Left) is proposed. */
  | { type: 'DKG_FAILED'; session: Session }
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
  readonly mode: ChangeMode
  /** The last CHANGE_DUE's target: what the section says is due. */
  readonly due: string
  /** DkgStart announcements (or merge-share sends) for the current target. */
  readonly round: number
}

/** Announcing a change: on entry and again on a timer, until the change moves on. */
const announcing = {
  initial: 'announced',
  states: {
    announced: {
      entry: ['announce', 'nextRound'],
      after: { dkgStartResend: { target: 'announced', reenter: true } },
    },
  },
} as const

/** One DKG session as the elder sees it, from the candidates' SAP shares and failure reports. */
function session(n: Session) {
  const mine = { type: 'ofSession', params: { session: n } } as const
  // Signed from any step: a late candidate can still complete a session reported abandoned.
  const signed = { guard: mine, target: 'signed' } as const
  return {
    states: {
      dkgRunning: { on: { SAP_SHARE: { guard: mine, target: 'collectingSapShares' }, DKG_ABANDONED: { guard: mine, target: 'failureReports' }, SAP_SIGNED: signed } },
      collectingSapShares: { on: { DKG_ABANDONED: { guard: mine, target: 'failureReports' }, SAP_SIGNED: signed } },
      failureReports: { on: { DKG_FAILED: { guard: mine, target: 'excluding' }, SAP_SIGNED: signed } },
      excluding: { on: { SAP_SIGNED: signed } },
      signed: { type: 'final' },
    },
  } as const
}
const zero = session(0)
const one = session(1)

export const elderMachine = setup({
  types: {
    context: {} as ElderContext,
    input: {} as { dkgStartResendMs: number; watchIntervalMs: number },
    events: {} as ElderEvent,
    emitted: {} as ElderEmitted,
  },
  actions: {
    setTarget: assign({
      target: ({ context, event }) => (event.type === 'CHANGE_DUE' ? event.target : context.target),
      mode: ({ context, event }) => (event.type === 'CHANGE_DUE' ? event.mode : context.mode),
      round: 0,
    }),
    noteDue: assign({ due: ({ context, event }) => (event.type === 'CHANGE_DUE' ? event.target : context.due) }),
    announce: emit(({ context }) => ({ type: 'announceDkg' as const, target: context.target, round: context.round })),
    nextRound: assign({ round: ({ context }) => context.round + 1 }),
    propose: emit(({ context }) => ({ type: 'proposeChange' as const, target: context.target })),
    signLink: emit({ type: 'signLink' as const }),
    checkSilence: emit({ type: 'checkSilence' as const }),
  },
  guards: {
    newElection: ({ context, event }) => event.type === 'CHANGE_DUE' && event.target !== '' && event.mode !== 'merge' && event.target !== context.target,
    newMerge: ({ context, event }) => event.type === 'CHANGE_DUE' && event.target !== '' && event.mode === 'merge' && event.target !== context.target,
    nothingDue: ({ event }) => event.type === 'CHANGE_DUE' && event.target === '',
    splitting: ({ context }) => context.mode === 'split',
    ofSession: ({ event }, params: { session: Session }) => 'session' in event && event.session === params.session,
  },
  delays: {
    dkgStartResend: ({ context }) => context.dkgStartResendMs,
    watchInterval: ({ context }) => context.watchIntervalMs,
  },
}).createMachine({
  id: 'elder',
  context: ({ input }) => ({ ...input, target: '', mode: 'elect', due: '', round: 0 }),
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
              { guard: 'newElection', target: '.electing', reenter: true, actions: 'setTarget' },
              { guard: 'newMerge', target: '.merging', reenter: true, actions: 'setTarget' },
              { guard: 'nothingDue', target: '.steady', actions: 'setTarget' },
            ],
          },
          states: {
            steady: {},
            electing: {
              type: 'parallel',
              states: {
                announcing,
                sessions: {
                  type: 'parallel',
                  onDone: { target: '#elder.serving.change.proposing' },
                  states: {
                    zero: { ...zero, initial: 'dkgRunning' },
                    // A handover has one session: the second region is done at once.
                    one: {
                      ...one,
                      initial: 'deciding',
                      states: {
                        ...one.states,
                        deciding: { always: [{ guard: 'splitting', target: 'dkgRunning' }, { target: 'unused' }] },
                        unused: { type: 'final' },
                      },
                    },
                  },
                },
              },
            },
            merging: announcing,
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
        due: {
          on: { CHANGE_DUE: { actions: 'noteDue' } },
        },
      },
    },
    handingOver: {
      on: { RETIRE: 'retired' },
      initial: 'collectingLinkShares',
      states: {
        // Our share goes out again every `dkgStartResendMs` until we hold the link: a share lost
        // on the way leaves the new key without a chain nobody else can make up for.
        collectingLinkShares: {
          entry: 'signLink',
          on: { LINKED: '#elder.linked' },
          after: { dkgStartResend: { target: 'collectingLinkShares', reenter: true } },
        },
      },
    },
    /** The new key's link is applied: the new elders serve; this term's duties are over. */
    linked: { type: 'final' },
    retired: { type: 'final' },
  },
})
