/**
 * Model-based tests of machines/section.machine.ts against the section-state functions a runtime
 * uses without the machine: a view moved on by `applyDecisionToView` for the next generation only.
 * After every step the view must be the model's (generation, prefix, members, merge), and the
 * model's state must be what the membership rules say of that view — checked with the rules
 * themselves (`splitFor`, `mergeDue`, `needsNewElders`), not with the machine's guard function.
 */
import { describe, expect, it } from 'vitest'
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import type { SectionContext, SectionEvent } from '../../machines/section.machine.ts'
import { applyDecisionToView, mergeDue, needsNewElders, type SectionView, splitFor } from '../../src/consensus/index.ts'
import type { SystemUnderTest } from '../../src/verify/model-test.ts'
import { within } from '../../src/verify/verify.ts'
import { runModel, spec } from './support.ts'

function member(): SystemUnderTest {
  const { params } = spec('section').input as { params: SectionContext['params'] }
  let view: SectionView | undefined
  let relocated = 0
  return {
    exec(e: EventObject) {
      const event = e as SectionEvent
      switch (event.type) {
        case 'START':
          view = event.view
          return
        case 'APPLY': {
          if (view === undefined || event.decision.generation !== view.nextGeneration) return
          const applied = applyDecisionToView(view, event.decision, event.self, params)
          if (applied !== undefined) {
            view = applied.view
            relocated = applied.relocations.length
          }
          return
        }
        case 'LEAVE':
          view = undefined
          return
      }
      throw new Error(`no way to carry out ${e.type}`)
    },
    check(snapshot: AnyMachineSnapshot) {
      const model = (snapshot.context as SectionContext).view
      expect(view === undefined).toBe(within(snapshot, 'section.outside'))
      if (view === undefined || model === undefined) return
      const names = (v: SectionView) => v.members.members().map((m) => m.name.toHex()).sort()
      expect({ g: view.nextGeneration, prefix: view.members.prefix.toBits(), sap: view.sap.sap.prefix.toBits(), merging: view.merging?.toHex() })
        .toEqual({ g: model.nextGeneration, prefix: model.members.prefix.toBits(), sap: model.sap.sap.prefix.toBits(), merging: model.merging?.toHex() })
      expect(names(view)).toEqual(names(model))
      const merged = !view.members.prefix.equals(view.sap.sap.prefix)
      const split = splitFor(view.members, params) !== undefined
      const elders = view.sap.sap.elders.map((e) => e.name)
      if (within(snapshot, 'section.member.merging')) expect(view.merging).toBeDefined()
      else expect(view.merging).toBeUndefined()
      if (within(snapshot, 'section.member.splitting')) expect(split).toBe(true)
      if (within(snapshot, 'section.member.shrunk')) expect([split, mergeDue(view.members, params), view.members.size < params.elderCount]).toEqual([false, true, true])
      if (within(snapshot, 'section.member.electing')) expect(merged || needsNewElders(view.members, elders, params)).toBe(true)
      if (within(snapshot, 'section.member.steady')) {
        expect([merged, split, mergeDue(view.members, params), needsNewElders(view.members, elders, params)]).toEqual([false, false, false, false])
      }
      // Nobody is relocated while a merge is under way.
      if (view.merging !== undefined) expect(relocated).toBe(0)
    },
  }
}

describe('model-based: section machine → section-state functions', () => {
  it('every generated path runs on a plain view with the state the membership rules give', () => {
    const { steps } = runModel('section', member)
    expect(steps).toBeGreaterThan(100)
  })
})
