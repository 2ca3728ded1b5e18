/**
 * A member's vault (DESIGN.md §10): the chunks it holds as one of the `dataCopyCount` members
 * closest to each, kept whole through churn, checked by sweeps, and copied further while popular.
 *
 *   idle ──SERVE──▶ serving (we are a member: adult or elder)
 *   serving (parallel)
 *     ├─ replication: settled ──CHANGED──▶ reconciling
 *     │     reconciling: emits `reconcile` (one slice of the stored chunks: who should hold each
 *     │     now, offers to those not known to hold it, drops a copy we no longer owe once its
 *     │     holders confirmed theirs) ──MORE──▶ yielding ──0──▶ reconciling (the next slice, after
 *     │     other work had its turn) … ──RECONCILED──▶ settled. A CHANGED while reconciling starts
 *     │     over from the first slice (the holders moved again).
 *     ├─ fetching:    idle ──QUEUED──▶ fetching: chunks we should hold and lack, `fetchParallelism`
 *     │     at a time from those that offered them; every `fetchTimeoutMs` the requests gone
 *     │     unanswered move on to the next source (`fetchTimeouts`) ──DRAINED──▶ idle
 *     ├─ sweep:       waiting ──sweepInterval──▶ waiting, emitting `sweep` (re-hash a batch of
 *     │     stored chunks; a bad copy is dropped and fetched again) and CHANGED (offers lost on
 *     │     the way are made again)
 *     └─ cache:       waiting ──coolInterval──▶ waiting, emitting `cool` (popular copies not
 *           refreshed for a while go; read counts decay)
 *   serving ──RETIRE──▶ idle (we left or are relocating: what we hold stays in the store)
 *   any ──STOP──▶ stopped
 *
 * Sans-IO: the role does what is emitted; delays run on the clock the runtime gives the actor.
 */
import { assign, emit, raise, setup } from 'xstate'

export type VaultEvent =
  | { type: 'SERVE' }
  | { type: 'RETIRE' }
  | { type: 'CHANGED' }
  | { type: 'MORE' }
  | { type: 'RECONCILED' }
  | { type: 'QUEUED' }
  | { type: 'DRAINED' }
  | { type: 'STOP' }

export type VaultEmitted =
  | { type: 'reconcile'; fresh: boolean }
  | { type: 'fetchTimeouts' }
  | { type: 'sweep' }
  | { type: 'cool' }

export interface VaultContext {
  readonly sweepIntervalMs: number
  readonly coolIntervalMs: number
  readonly fetchTimeoutMs: number
  /** Slices reconciled since the last CHANGED (0: the next slice starts from the first chunk). */
  readonly slices: number
}

export const vaultMachine = setup({
  types: {
    context: {} as VaultContext,
    input: {} as Omit<VaultContext, 'slices'>,
    events: {} as VaultEvent,
    emitted: {} as VaultEmitted,
  },
  actions: {
    reconcile: emit(({ context }) => ({ type: 'reconcile' as const, fresh: context.slices === 0 })),
    countSlice: assign({ slices: ({ context }) => context.slices + 1 }),
    startOver: assign({ slices: 0 }),
    fetchTimeouts: emit({ type: 'fetchTimeouts' as const }),
    sweep: emit({ type: 'sweep' as const }),
    cool: emit({ type: 'cool' as const }),
    recheck: raise({ type: 'CHANGED' as const }),
  },
  delays: {
    sweepInterval: ({ context }) => context.sweepIntervalMs,
    coolInterval: ({ context }) => context.coolIntervalMs,
    fetchTimeout: ({ context }) => context.fetchTimeoutMs,
  },
}).createMachine({
  id: 'vault',
  context: ({ input }) => ({ ...input, slices: 0 }),
  initial: 'idle',
  on: { STOP: '.stopped' },
  states: {
    idle: {
      on: { SERVE: 'serving' },
    },
    serving: {
      type: 'parallel',
      // A vault serving again (after a relocation) reconciles from its first chunk.
      entry: 'startOver',
      on: { RETIRE: 'idle' },
      states: {
        replication: {
          // Serving starts with a reconcile: what the store holds is checked against the view.
          initial: 'reconciling',
          states: {
            settled: {
              on: { CHANGED: { target: 'reconciling', actions: 'startOver' } },
            },
            reconciling: {
              entry: ['reconcile', 'countSlice'],
              on: {
                MORE: 'yielding',
                RECONCILED: { target: 'settled', actions: 'startOver' },
                CHANGED: { target: 'reconciling', reenter: true, actions: 'startOver' },
              },
            },
            yielding: {
              after: { 0: 'reconciling' },
              on: { CHANGED: { target: 'reconciling', actions: 'startOver' } },
            },
          },
        },
        fetching: {
          initial: 'idle',
          states: {
            idle: {
              on: { QUEUED: 'fetching' },
            },
            fetching: {
              on: { DRAINED: 'idle' },
              after: { fetchTimeout: { target: 'fetching', reenter: true, actions: 'fetchTimeouts' } },
            },
          },
        },
        sweep: {
          initial: 'waiting',
          states: {
            waiting: {
              after: { sweepInterval: { target: 'waiting', reenter: true, actions: ['sweep', 'recheck'] } },
            },
          },
        },
        cache: {
          initial: 'waiting',
          states: {
            waiting: {
              after: { coolInterval: { target: 'waiting', reenter: true, actions: 'cool' } },
            },
          },
        },
      },
    },
    stopped: { type: 'final' },
  },
})
