/**
 * A node's anti-entropy (DESIGN.md §9): what it does with each message from outside its section,
 * what it does when a message of its own bounces, periodic probes, and catching up on decisions
 * it missed.
 *
 *   active (parallel)
 *     ├─ gate:     open, taking each INCOMING message (a join, a client query) by its verdict
 *     │            (the pure `checkIncoming` of src/knowledge, with our current key): `accept` →
 *     │            on to its role; `retry` → answer AeRetry (our SAP, the chain from their key);
 *     │            `redirect` → answer AeRedirect (the closest SAP we know); `drop` → counted
 *     ├─ sender:   ready, taking each BOUNCED answer to a message of ours (the pure `onBounce`):
 *     │            a new key → `resend`; the same key we used (the bounce guard), an update that
 *     │            does not verify, or past the resend limit → dropped (past the limit we still
 *     │            `learn` the SAP); the member's retry timer sends again later
 *     ├─ probing:  waiting ──probeInterval──▶ waiting, emitting `probe` (every `neighbourEvery`th
 *     │            tick with `neighbours: true`: elders then probe the sibling sections too)
 *     └─ catchUp:  inSync ──BEHIND──▶ requesting ──CAUGHT_UP──▶ inSync
 *                  requesting re-asks every `retryMs` (a lost request or a crashed elder must not
 *                  leave a member behind for good), giving up after `maxRequests` (`gaveUp`: a
 *                  member whose section moved on past what anyone can send it joins again)
 *   active ──STOP──▶ stopped
 *
 * The first probe comes after `firstProbeMs` (jittered by the runtime so that members do not
 * probe in step). Sans-IO: the runtime sends what is emitted.
 */
import { assign, emit, setup } from 'xstate'

/** The gate's verdict on a message from outside the section. */
export type GateVerdict = 'accept' | 'retry' | 'redirect' | 'drop'
/** What the sender's side makes of a bounce (see `onBounce`). */
export type BounceVerdict = 'resend' | 'no-progress' | 'update-rejected' | 'resend-limit' | 'no-elder'

export type AntiEntropyEvent =
  | { type: 'INCOMING'; verdict: GateVerdict }
  | { type: 'BOUNCED'; verdict: BounceVerdict }
  | { type: 'BEHIND' }
  | { type: 'CAUGHT_UP' }
  | { type: 'STOP' }

export type AntiEntropyEmitted =
  | { type: 'accept' }
  | { type: 'answer'; kind: 'retry' | 'redirect' }
  | { type: 'drop' }
  | { type: 'resend' }
  | { type: 'learn' }
  | { type: 'probe'; neighbours: boolean }
  | { type: 'requestDecisions'; attempt: number }
  | { type: 'gaveUp' }

export interface AntiEntropyContext {
  readonly firstProbeMs: number
  readonly probeIntervalMs: number
  readonly neighbourEvery: number
  readonly retryMs: number
  readonly maxRequests: number
  readonly ticks: number
  readonly requests: number
}

export const antiEntropyMachine = setup({
  types: {
    context: {} as AntiEntropyContext,
    input: {} as Omit<AntiEntropyContext, 'ticks' | 'requests'>,
    events: {} as AntiEntropyEvent,
    emitted: {} as AntiEntropyEmitted,
  },
  actions: {
    tick: assign({ ticks: ({ context }) => context.ticks + 1 }),
    probe: emit(({ context }) => ({ type: 'probe' as const, neighbours: context.ticks % context.neighbourEvery === 0 })),
    countRequest: assign({ requests: ({ context }) => context.requests + 1 }),
    resetRequests: assign({ requests: 0 }),
    request: emit(({ context }) => ({ type: 'requestDecisions' as const, attempt: context.requests })),
    accept: emit({ type: 'accept' as const }),
    answerRetry: emit({ type: 'answer' as const, kind: 'retry' as const }),
    answerRedirect: emit({ type: 'answer' as const, kind: 'redirect' as const }),
    drop: emit({ type: 'drop' as const }),
    resend: emit({ type: 'resend' as const }),
    learn: emit({ type: 'learn' as const }),
    gaveUp: emit({ type: 'gaveUp' as const }),
  },
  guards: {
    mayRetry: ({ context }) => context.requests < context.maxRequests,
    forUs: ({ event }) => event.type === 'INCOMING' && event.verdict === 'accept',
    staleKey: ({ event }) => event.type === 'INCOMING' && event.verdict === 'retry',
    elsewhere: ({ event }) => event.type === 'INCOMING' && event.verdict === 'redirect',
    newKey: ({ event }) => event.type === 'BOUNCED' && event.verdict === 'resend',
    pastLimit: ({ event }) => event.type === 'BOUNCED' && event.verdict === 'resend-limit',
  },
  delays: {
    firstProbe: ({ context }) => context.firstProbeMs,
    probeInterval: ({ context }) => context.probeIntervalMs,
    retry: ({ context }) => context.retryMs,
  },
}).createMachine({
  id: 'antiEntropy',
  context: ({ input }) => ({ ...input, ticks: 0, requests: 0 }),
  initial: 'active',
  states: {
    active: {
      type: 'parallel',
      on: { STOP: 'stopped' },
      states: {
        gate: {
          initial: 'open',
          states: {
            open: {
              on: {
                INCOMING: [
                  { guard: 'forUs', actions: 'accept' },
                  { guard: 'staleKey', actions: 'answerRetry' },
                  { guard: 'elsewhere', actions: 'answerRedirect' },
                  { actions: 'drop' },
                ],
              },
            },
          },
        },
        sender: {
          initial: 'ready',
          states: {
            ready: {
              on: {
                BOUNCED: [
                  { guard: 'newKey', actions: 'resend' },
                  // The bounce guard and the limit: not sent again now (the retry timer will).
                  { guard: 'pastLimit', actions: 'learn' },
                  { actions: 'drop' },
                ],
              },
            },
          },
        },
        probing: {
          initial: 'starting',
          states: {
            starting: { after: { firstProbe: { target: 'waiting', actions: ['tick', 'probe'] } } },
            waiting: { after: { probeInterval: { target: 'waiting', reenter: true, actions: ['tick', 'probe'] } } },
          },
        },
        catchUp: {
          initial: 'inSync',
          states: {
            inSync: {
              on: { BEHIND: { target: 'requesting', actions: 'resetRequests' } },
            },
            requesting: {
              entry: ['countRequest', 'request'],
              on: { CAUGHT_UP: 'inSync' },
              after: {
                retry: [
                  { guard: 'mayRetry', target: 'requesting', reenter: true },
                  { target: 'inSync', actions: 'gaveUp' },
                ],
              },
            },
          },
        },
      },
    },
    stopped: { type: 'final' },
  },
})
