/**
 * An elder's mint (issue 20; DESIGN.md §11; seed 004): it writes spentbook entries for the spend
 * keys its section is responsible for, and signs reissues with its share of the section key.
 *
 *   idle ──SERVE──▶ serving (an elder term started)
 *   serving
 *     syncing  (the section's spentbook is not all here yet: a new elder, a merge) ──SYNCED──▶ minting
 *              WRITE and REISSUE are answered `pending`: an elder that may not know a spent key
 *              neither votes for a spend nor signs a reissue.
 *     minting ──UNSYNCED──▶ syncing
 *       WRITE   (a client writes the entry of one input): refused when the key is not ours or the
 *               request is not valid (the DBC, the transaction, the owner's signature); `recorded`
 *               when this transaction's entry was decided, `doubleSpend` when another's was;
 *               otherwise `propose` (the role puts the spend forward; the decision answers).
 *       REISSUE (a client asks for our share over a transaction): refused as above; `doubleSpend`
 *               when an input of ours was decided spent in another transaction, or we signed
 *               another transaction for one of its keys; `notSpent` when an entry is not decided
 *               yet; else `sign` — the role records what it signs (kept across restarts) first.
 *   serving ──RETIRE──▶ idle (the term ended)
 *   any ──STOP──▶ stopped
 *
 * The facts each request comes with are the role's (`src/roles/mint-node`); the rule of what is
 * signed is this chart's guards. The simulator's Byzantine elders `provide` guards that sign anything.
 */
import { enqueueActions, setup } from 'xstate'

/** What the role found of a request before the chart decides it. */
export interface MintFacts {
  /** The request's spend key(s) fall in our section (for a reissue: at least one input). */
  readonly ours: boolean
  /** The DBCs are valid, the transaction balances and is well formed, the owner signed. */
  readonly valid: boolean
  /** The decided entries of our inputs' keys: all for this transaction, one for another, or one not decided yet (`other` wins over `none`). */
  readonly decided: 'this' | 'other' | 'none'
  /** We signed another transaction for one of our inputs' keys before (our signed log). */
  readonly signedOther: boolean
}

export type MintVerdict = 'refuse' | 'pending' | 'propose' | 'recorded' | 'doubleSpend' | 'notSpent' | 'sign'

export type MintNodeEvent =
  | { type: 'SERVE' }
  | { type: 'RETIRE' }
  | { type: 'SYNCED' }
  | { type: 'UNSYNCED' }
  | { type: 'WRITE'; facts: MintFacts }
  | { type: 'REISSUE'; facts: MintFacts }
  | { type: 'STOP' }

export type MintNodeEmitted = { type: 'answer'; verdict: MintVerdict }

/** The last request decided and the verdict given (what `safenet verify`'s invariants check the rule on). */
export interface MintNodeContext {
  readonly last: { readonly request: 'WRITE' | 'REISSUE'; readonly facts: MintFacts; readonly verdict: MintVerdict } | undefined
}

type FactsEvent = Extract<MintNodeEvent, { facts: MintFacts }>
const facts = (event: MintNodeEvent): MintFacts => (event as FactsEvent).facts

/** The transition's action: answer the request with `verdict`. */
const answer = (verdict: MintVerdict) => ({ type: 'answer' as const, params: { verdict } })

export const mintNodeMachine = setup({
  types: {
    context: {} as MintNodeContext,
    events: {} as MintNodeEvent,
    emitted: {} as MintNodeEmitted,
  },
  guards: {
    notOurs: ({ event }) => !facts(event).ours,
    invalid: ({ event }) => !facts(event).valid,
    decidedThis: ({ event }) => facts(event).decided === 'this',
    decidedOther: ({ event }) => facts(event).decided === 'other',
    // The signing-time checks (a reissue's): named apart, so that the simulator can show what skipping them lets through.
    inputSpentElsewhere: ({ event }) => facts(event).decided === 'other',
    signedOther: ({ event }) => facts(event).signedOther,
    inputUnspent: ({ event }) => facts(event).decided === 'none',
  },
  actions: {
    // Keeps what was decided, and emits the verdict for the role to carry out.
    answer: enqueueActions(({ enqueue, event }, params: { verdict: MintVerdict }) => {
      enqueue.assign({ last: { request: (event as FactsEvent).type, facts: facts(event), verdict: params.verdict } })
      enqueue.emit({ type: 'answer', verdict: params.verdict })
    }),
  },
}).createMachine({
  id: 'mintNode',
  context: { last: undefined },
  initial: 'idle',
  on: { STOP: '.stopped' },
  states: {
    idle: {
      on: { SERVE: 'serving', WRITE: { actions: answer('refuse') }, REISSUE: { actions: answer('refuse') } },
    },
    serving: {
      initial: 'syncing',
      on: { RETIRE: 'idle' },
      states: {
        syncing: {
          on: {
            SYNCED: 'minting',
            WRITE: { actions: answer('pending') },
            REISSUE: { actions: answer('pending') },
          },
        },
        minting: {
          on: {
            UNSYNCED: 'syncing',
            WRITE: [
              { guard: 'notOurs', actions: answer('refuse') },
              { guard: 'invalid', actions: answer('refuse') },
              { guard: 'decidedThis', actions: answer('recorded') },
              { guard: 'decidedOther', actions: answer('doubleSpend') },
              { actions: answer('propose') },
            ],
            REISSUE: [
              { guard: 'notOurs', actions: answer('refuse') },
              { guard: 'invalid', actions: answer('refuse') },
              { guard: 'inputSpentElsewhere', actions: answer('doubleSpend') },
              // The double-spend check at signing time too: never a second transaction for one key.
              { guard: 'signedOther', actions: answer('doubleSpend') },
              { guard: 'inputUnspent', actions: answer('notSpent') },
              { actions: answer('sign') },
            ],
          },
        },
      },
    },
    stopped: { type: 'final' },
  },
})
