/**
 * The client aggregator (DESIGN.md §1, §10): one request of a client to a section — a chunk stored
 * with its holders (enough = `needed` signed receipts), a chunk read (enough = 1 good copy), later
 * a reissue (enough = a supermajority of shares) — collected until enough, retried with backoff,
 * given up with a clear error.
 *
 *   locating ──LOCATED──▶ sending ──(sent)──▶ collecting
 *   locating: the host finds who to ask (the section by our tree, its members by a query);
 *             it asks again after the backoff, up to `maxAttempts`
 *   collecting ──ANSWER──▶ collecting (one more good answer) … enough ──▶ done
 *   collecting ──REPLACE──▶ sending (a target refused — full, not found, not ours, or a bad
 *             answer: the host asks the next candidate; counted as an attempt past `maxReplacements`)
 *   collecting ──STALE──▶ locating (a bounce, or a holder said our members list is out of date),
 *             at most `maxBounces` times (anti-entropy moves a request on; a loop is cut off)
 *   collecting ──backoff──▶ sending (those not answered are asked again, silent ones replaced),
 *             `maxAttempts` times (the AE client resend limit, DESIGN.md §3), then failed
 *   any ──deadline──▶ failed; ──CANCEL──▶ failed
 *
 * The backoff doubles from `backoffMs` each attempt. Sans-IO: the host sends what `send` asks for
 * and tells the machine what came back.
 */
import { assign, emit, setup } from 'xstate'

export type ClientAggregatorEvent =
  /** Who to ask is known; `needed` lowers what is enough when fewer can answer (a section of 3 holds 3 copies). */
  | { type: 'LOCATED'; needed?: number }
  | { type: 'ANSWER' }
  | { type: 'REPLACE' }
  | { type: 'STALE' }
  | { type: 'CANCEL'; reason: string }

export type ClientAggregatorEmitted =
  | { type: 'locate'; attempt: number }
  /** Ask the targets not answered yet; `retry` when it is a resend after silence (replace the silent). */
  | { type: 'send'; retry: boolean }
  | { type: 'done' }
  | { type: 'failed'; reason: string; answers: number; attempts: number }

export interface ClientAggregatorContext {
  readonly needed: number
  readonly maxAttempts: number
  readonly maxBounces: number
  readonly bounces: number
  readonly backoffMs: number
  readonly deadlineMs: number
  readonly answers: number
  readonly attempts: number
  /** Whether the next send is a resend after silence. */
  readonly retry: boolean
  readonly failure: string
}

export const clientAggregatorMachine = setup({
  types: {
    context: {} as ClientAggregatorContext,
    input: {} as Pick<ClientAggregatorContext, 'needed' | 'maxAttempts' | 'maxBounces' | 'backoffMs' | 'deadlineMs'>,
    events: {} as ClientAggregatorEvent,
    emitted: {} as ClientAggregatorEmitted,
  },
  actions: {
    locate: emit(({ context }) => ({ type: 'locate' as const, attempt: context.attempts })),
    send: emit(({ context }) => ({ type: 'send' as const, retry: context.retry })),
    countAnswer: assign({ answers: ({ context }) => context.answers + 1 }),
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    countBounce: assign({ bounces: ({ context }) => context.bounces + 1 }),
    markRetry: assign({ retry: true }),
    setNeeded: assign({ needed: ({ context, event }) => (event.type === 'LOCATED' && event.needed !== undefined ? Math.max(1, Math.min(context.needed, event.needed)) : context.needed) }),
    clearRetry: assign({ retry: false }),
    done: emit({ type: 'done' as const }),
    failed: emit(({ context }) => ({ type: 'failed' as const, reason: context.failure, answers: context.answers, attempts: context.attempts })),
    noteDeadline: assign({ failure: ({ context }) => `no answer in ${context.deadlineMs} ms` }),
    noteAttempts: assign({ failure: ({ context }) => `${context.attempts} attempts` }),
    noteBounces: assign({ failure: ({ context }) => `${context.bounces} bounces` }),
    noteCancel: assign({ failure: ({ event }) => (event.type === 'CANCEL' ? event.reason : 'cancelled') }),
  },
  guards: {
    enough: ({ context }) => context.answers + 1 >= context.needed,
    attemptsLeft: ({ context }) => context.attempts < context.maxAttempts,
    bouncesLeft: ({ context }) => context.bounces < context.maxBounces,
  },
  delays: {
    backoff: ({ context }) => context.backoffMs * 2 ** Math.max(0, context.attempts - 1),
    deadline: ({ context }) => context.deadlineMs,
  },
}).createMachine({
  id: 'clientAggregator',
  context: ({ input }) => ({ ...input, answers: 0, attempts: 0, bounces: 0, retry: false, failure: '' }),
  initial: 'active',
  states: {
    active: {
      initial: 'locating',
      after: { deadline: { target: 'failed', actions: 'noteDeadline' } },
      on: { CANCEL: { target: 'failed', actions: 'noteCancel' } },
      states: {
        locating: {
          entry: 'locate',
          on: {
            LOCATED: { target: 'sending', actions: 'setNeeded' },
            STALE: [
              { guard: 'bouncesLeft', target: 'locating', reenter: true, actions: 'countBounce' },
              { target: '#clientAggregator.failed', actions: 'noteBounces' },
            ],
          },
          after: {
            backoff: [
              { guard: 'attemptsLeft', target: 'locating', reenter: true, actions: 'countAttempt' },
              { target: '#clientAggregator.failed', actions: 'noteAttempts' },
            ],
          },
        },
        sending: {
          entry: ['send', 'clearRetry'],
          always: 'collecting',
        },
        collecting: {
          on: {
            ANSWER: [
              { guard: 'enough', target: '#clientAggregator.done', actions: 'countAnswer' },
              { actions: 'countAnswer' },
            ],
            REPLACE: 'sending',
            STALE: [
              { guard: 'bouncesLeft', target: 'locating', actions: 'countBounce' },
              { target: '#clientAggregator.failed', actions: 'noteBounces' },
            ],
          },
          after: {
            backoff: [
              { guard: 'attemptsLeft', target: 'sending', actions: ['countAttempt', 'markRetry'] },
              { target: '#clientAggregator.failed', actions: 'noteAttempts' },
            ],
          },
        },
      },
    },
    done: { type: 'final', entry: 'done' },
    failed: { type: 'final', entry: 'failed' },
  },
})
