/**
 * A node's own life in the network (DESIGN.md §6): joining, adult, elder, relocating, left.
 *
 *   idle ──JOIN──▶ joining ──APPROVED──▶ adult ⇄ elder (PROMOTED / DEMOTED)
 *   idle ──GENESIS──▶ elder
 *   adult ──RELOCATE──▶ relocating ──APPROVED──▶ adult      (age + 1, in the destination)
 *   relocating ──LEFT_RECENTLY──▶ joining                    (admitted there, voted off since)
 *   adult | elder ──VOTED_OFF──▶ joining                     (a node that is alive joins again)
 *   any ──STOP──▶ left
 *
 * Joining is the protocol's order, step by step (the role supplies the data behind the guards and
 * does what the emitted events ask):
 *
 *   asking ──▶ requesting      a JoinRequest goes out (`sendJoin`); again after `joinRetryMs`,
 *                              the first `backoffAfterRounds` rounds; then each round waits twice
 *                              as long, up to `joinRetryMaxMs` (a joiner nobody answers — a
 *                              partition, its section gone — costs a few requests a minute)
 *          ──▶ resuming        a restarted elder unanswered `resumeAfterAttempts` times, that may
 *                              resume from its store (`canResume`): it does (`resume`), RESUMED
 *   requesting ──RESEND──▶ asking             an AE bounce brought a newer view: at once
 *              ──JOIN_ELSEWHERE──▶ asking     `rekey` (a name in the emptier half), at once
 *              ──LEFT_RECENTLY──▶ asking      voted off while away: `rekey` anywhere, at once
 *              ──TRY_LATER──▶ waiting ──tryJoinLaterMs──▶ asking
 *              ──APPROVED──▶ adult
 *
 * Relocating runs the same loop with the relocation proof on each request (`sendJoin`): a
 * JoinElsewhere re-keys inside the destination and the proof is signed again; no resuming. A
 * LEFT_RECENTLY there means the destination admitted us under the new name (its approval lost)
 * and voted us off since: the relocation is spent, and we join as a new node (`rekey` anywhere).
 * Any answer (a verdict, a refusal) ends the hope of resuming: somebody alive heard us.
 * Sans-IO: the runtime sends the request when it hears `sendJoin`.
 */
import { and, assign, emit, setup } from 'xstate'

export type MemberEvent =
  | { type: 'GENESIS' }
  | { type: 'JOIN'; restored?: boolean }
  | { type: 'RESEND' }
  | { type: 'JOIN_ELSEWHERE' }
  | { type: 'LEFT_RECENTLY' }
  | { type: 'TRY_LATER' }
  | { type: 'REFUSED' }
  | { type: 'APPROVED' }
  | { type: 'RESUMED' }
  | { type: 'PROMOTED' }
  | { type: 'DEMOTED' }
  | { type: 'RELOCATE' }
  | { type: 'VOTED_OFF' }
  | { type: 'STOP' }

export type MemberEmitted =
  | { type: 'sendJoin'; attempt: number }
  | { type: 'rekey'; within: 'elsewhere' | 'anywhere' }
  | { type: 'resume' }
  | { type: 'joined'; relocated: boolean }

export interface MemberTiming {
  readonly joinRetryMs: number
  /** Rounds of a join asked at `joinRetryMs` before the wait doubles each round. */
  readonly backoffAfterRounds: number
  /** The longest wait between rounds of one join. */
  readonly joinRetryMaxMs: number
  readonly tryJoinLaterMs: number
  readonly resumeAfterAttempts: number
}

export interface MemberContext extends MemberTiming {
  /** Join requests sent in the current attempt to join (reset when it succeeds). */
  readonly attempts: number
  /** Restarted with a stored section and no answer heard since: we may resume from it. */
  readonly stored: boolean
  /** Rounds of this join whose retry timer ran out (saturating: {@link maxRounds}). */
  readonly rounds: number
  /** Requests sent unanswered while we could resume. */
  readonly unanswered: number
  /** Times this node joined (the first join included) and was relocated. */
  readonly joins: number
  readonly relocations: number
}

export type MemberRole = 'idle' | 'joining' | 'adult' | 'elder' | 'relocating' | 'left'

const ask = { target: '.asking', reenter: true } as const

/** Past this many rounds the wait is `joinRetryMaxMs` anyway: the count stops there. */
export const maxRounds = (t: MemberTiming): number => t.backoffAfterRounds + Math.ceil(Math.log2(t.joinRetryMaxMs / t.joinRetryMs))

/** The wait before the next round of a join, after `rounds` timed-out rounds. */
export const joinRetryDelay = (c: Pick<MemberContext, keyof MemberTiming | 'rounds'>): number =>
  Math.min(c.joinRetryMs * 2 ** Math.max(0, c.rounds - c.backoffAfterRounds + 1), c.joinRetryMaxMs)

export const memberMachine = setup({
  types: {
    context: {} as MemberContext,
    input: {} as MemberTiming,
    events: {} as MemberEvent,
    emitted: {} as MemberEmitted,
  },
  guards: {
    /** The role checks its data too (it holds our key's share, we are an elder of the tree's newest SAP). */
    canResume: ({ context }) => context.stored,
    unansweredLong: ({ context }) => context.unanswered >= context.resumeAfterAttempts,
  },
  actions: {
    remember: assign({ stored: ({ event }) => event.type === 'JOIN' && event.restored === true, unanswered: 0 }),
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    countRound: assign({ rounds: ({ context }) => Math.min(context.rounds + 1, maxRounds(context)) }),
    countUnanswered: assign({ unanswered: ({ context }) => context.unanswered + 1 }),
    answered: assign({ stored: false }),
    sendJoin: emit(({ context }) => ({ type: 'sendJoin' as const, attempt: context.attempts })),
    rekeyElsewhere: emit({ type: 'rekey' as const, within: 'elsewhere' as const }),
    rekeyAnywhere: emit({ type: 'rekey' as const, within: 'anywhere' as const }),
    resume: emit({ type: 'resume' as const }),
    joined: assign({ attempts: 0, rounds: 0, stored: false, joins: ({ context }) => context.joins + 1 }),
    relocated: assign({ attempts: 0, rounds: 0, relocations: ({ context }) => context.relocations + 1 }),
    reportJoined: emit({ type: 'joined' as const, relocated: false }),
    reportRelocated: emit({ type: 'joined' as const, relocated: true }),
  },
  delays: {
    joinRetry: ({ context }) => joinRetryDelay(context),
    tryJoinLater: ({ context }) => context.tryJoinLaterMs,
  },
}).createMachine({
  id: 'member',
  context: ({ input }) => ({ ...input, attempts: 0, rounds: 0, stored: false, unanswered: 0, joins: 0, relocations: 0 }),
  initial: 'idle',
  on: { STOP: '.left' },
  states: {
    idle: {
      on: { JOIN: { target: 'joining', actions: 'remember' }, GENESIS: 'elder' },
    },
    joining: {
      initial: 'asking',
      on: {
        RESEND: ask,
        JOIN_ELSEWHERE: { ...ask, actions: ['answered', 'rekeyElsewhere'] },
        LEFT_RECENTLY: { ...ask, actions: ['answered', 'rekeyAnywhere'] },
        TRY_LATER: { target: '.waiting', actions: 'answered' },
        REFUSED: { actions: 'answered' },
        APPROVED: { target: 'adult', actions: ['joined', 'reportJoined'] },
      },
      states: {
        asking: {
          always: [
            { guard: and(['canResume', 'unansweredLong']), target: 'resuming' },
            { guard: 'canResume', target: 'requesting', actions: 'countUnanswered' },
            { target: 'requesting' },
          ],
        },
        requesting: {
          entry: ['countAttempt', 'sendJoin'],
          after: { joinRetry: { target: 'asking', actions: 'countRound' } },
        },
        waiting: {
          after: { tryJoinLater: { target: 'asking' } },
        },
        resuming: {
          entry: 'resume',
          on: { RESUMED: { target: '#member.adult', actions: ['joined', 'reportJoined'] } },
        },
      },
    },
    relocating: {
      initial: 'requesting',
      on: {
        RESEND: { target: '.requesting', reenter: true },
        JOIN_ELSEWHERE: { target: '.requesting', reenter: true, actions: 'rekeyElsewhere' },
        TRY_LATER: { target: '.waiting' },
        LEFT_RECENTLY: { target: 'joining', actions: 'rekeyAnywhere' },
        APPROVED: { target: 'adult', actions: ['relocated', 'reportRelocated'] },
      },
      states: {
        requesting: {
          entry: ['countAttempt', 'sendJoin'],
          after: { joinRetry: { target: 'requesting', reenter: true, actions: 'countRound' } },
        },
        waiting: {
          after: { tryJoinLater: { target: 'requesting' } },
        },
      },
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
