/**
 * The section as one member holds it (DESIGN.md §6–§8): the agreed state per generation, what
 * is due about its elders, and whom the churn relocates.
 *
 *   outside ──START(view)──▶ member ──LEAVE──▶ outside
 *   member: steady | electing | splitting | shrunk | merging — re-evaluated after every decision
 *     shrunk: below elderCount members, a merge with the sibling is due (DESIGN.md §8);
 *     merging: the merge is decided, the sibling has yet to take us in
 *
 * `APPLY` moves the view on by exactly one generation with the pure
 * {@link applyDecisionToView}; a decision for any other generation is ignored (the runtime keeps
 * the ones that came early). The last applied decision, with what it did (the changes, the
 * leavers, the churn's relocations), stays in context as `last`; `electing` and `splitting` tell
 * the elders a DKG is due. Sans-IO, no timers.
 */
import { assign, setup } from 'xstate'
import {
  type AppliedDecision,
  applyDecisionToView,
  type Decision,
  elderChangeDue,
  type NetworkParameters,
  type SectionView,
} from '../src/consensus/index.ts'
import type { XorName } from '../src/xor/index.ts'

export type SectionEvent =
  | { type: 'START'; view: SectionView }
  /** `self` is the node's name now: it decides which child of a split the node stays in. */
  | { type: 'APPLY'; decision: Decision; self: XorName }
  | { type: 'LEAVE' }


export interface SectionContext {
  readonly params: NetworkParameters
  readonly view: SectionView | undefined
  /** The last decision applied and what it did. */
  readonly last: AppliedDecision | undefined
}

export const sectionMachine = setup({
  types: {
    context: {} as SectionContext,
    input: {} as { params: NetworkParameters },
    events: {} as SectionEvent,
  },
  actions: {
    start: assign({ view: ({ event }) => (event.type === 'START' ? event.view : undefined), last: undefined }),
    apply: assign(({ context, event }) => {
      if (event.type !== 'APPLY' || context.view === undefined) return {}
      const applied = applyDecisionToView(context.view, event.decision, event.self, context.params)
      return applied === undefined ? {} : { view: applied.view, last: applied }
    }),
    forget: assign({ view: undefined, last: undefined }),
  },
  guards: {
    nextGeneration: ({ context, event }) => event.type === 'APPLY' && context.view !== undefined && event.decision.generation === context.view.nextGeneration,
    splitDue: ({ context }) => elderChangeDue(context.view!, context.params) === 'split',
    electionDue: ({ context }) => elderChangeDue(context.view!, context.params) === 'elect',
    mergeDue: ({ context }) => elderChangeDue(context.view!, context.params) === 'merge',
    merging: ({ context }) => elderChangeDue(context.view!, context.params) === 'merging',
  },
}).createMachine({
  id: 'section',
  context: ({ input }) => ({ params: input.params, view: undefined, last: undefined }),
  initial: 'outside',
  states: {
    outside: {
      on: { START: { target: 'member', actions: 'start' } },
    },
    member: {
      initial: 'evaluating',
      on: {
        APPLY: { guard: 'nextGeneration', target: '.evaluating', actions: 'apply' },
        START: { target: '.evaluating', actions: 'start' },
        LEAVE: { target: 'outside', actions: 'forget' },
      },
      states: {
        evaluating: {
          always: [
            { guard: 'splitDue', target: 'splitting' },
            { guard: 'electionDue', target: 'electing' },
            { guard: 'mergeDue', target: 'shrunk' },
            { guard: 'merging', target: 'merging' },
            { target: 'steady' },
          ],
        },
        steady: {},
        electing: {},
        splitting: {},
        shrunk: {},
        merging: {},
      },
    },
  },
})
