/**
 * A member's proactive anti-entropy (DESIGN.md §9): periodic probes, and catching up on
 * decisions it missed. (Checking each incoming message is the pure `checkIncoming` of
 * src/knowledge: a verdict per message needs no state.)
 *
 *   active (parallel)
 *     ├─ probing:  waiting ──probeInterval──▶ waiting, emitting `probe` (every `neighbourEvery`th
 *     │            tick with `neighbours: true`: elders then probe the sibling sections too)
 *     └─ catchUp:  inSync ──BEHIND──▶ requesting ──CAUGHT_UP──▶ inSync
 *                  requesting re-asks every `retryMs` (a lost request or a crashed elder must not
 *                  leave a member behind for good), giving up after `maxRequests`
 *   active ──STOP──▶ stopped
 *
 * The first probe comes after `firstProbeMs` (jittered by the runtime so that members do not
 * probe in step). Sans-IO: the runtime sends what is emitted.
 */
import { assign, emit, setup } from 'xstate'

export type AntiEntropyEvent =
  | { type: 'BEHIND' }
  | { type: 'CAUGHT_UP' }
  | { type: 'STOP' }

export type AntiEntropyEmitted =
  | { type: 'probe'; neighbours: boolean }
  | { type: 'requestDecisions'; attempt: number }

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
  },
  guards: {
    mayRetry: ({ context }) => context.requests < context.maxRequests,
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
                  { target: 'inSync' },
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
