import { describe, expect, it } from 'vitest'
import { type AnyStateMachine, createMachine } from 'xstate'
import { findings, type MachineSpec, verifyMachine } from '../../src/verify/verify.ts'
import { specs } from '../../src/verify/specs.ts'

/** A copy of `machine` whose config has `patch` applied at the state at `path` (other parts shared). */
function mutated(machine: AnyStateMachine, path: ReadonlyArray<string>, patch: (state: Record<string, unknown>) => Record<string, unknown>): AnyStateMachine {
  const edit = (node: Record<string, unknown>, rest: ReadonlyArray<string>): Record<string, unknown> => {
    if (rest.length === 0) return patch(node)
    const states = node.states as Record<string, Record<string, unknown>>
    return { ...node, states: { ...states, [rest[0]!]: edit(states[rest[0]!]!, rest.slice(1)) } }
  }
  return createMachine(edit(machine.config as Record<string, unknown>, path) as never, machine.implementations as never)
}

const spec = (name: string): MachineSpec => specs().find((s) => s.name === name)!

describe('safenet verify: exhaustive checks of the statecharts', () => {
  it('finds nothing wrong with the machines it models', () => {
    for (const s of specs()) {
      const report = verifyMachine(s)
      expect(report, s.name).toMatchObject({ deadlocks: [], unreachable: [], trapStates: [], invariantViolations: [] })
      expect(report.reachableStates, s.name).toBe(report.states)
      expect(report.transitions, s.name).toBeGreaterThan(report.states)
    }
  })

  // Mutants: one transition of a real machine removed or redirected; verify must catch each.
  it('catches a connection whose DIALED no longer connects (connected unreachable)', () => {
    const s = spec('connection')
    const machine = mutated(s.machine, ['dialing'], (state) => ({ ...state, on: { ...(state.on as object), DIALED: { target: 'idle' } } }))
    const report = verifyMachine({ ...s, machine })
    expect(report.unreachable).toContain('connection.connected')
    expect(findings(report)).toBeGreaterThan(0)
  })

  it('catches an anti-entropy catch-up whose retry lost its bound (the state space has no end)', () => {
    const s = spec('anti-entropy')
    const machine = mutated(s.machine, ['active', 'catchUp', 'requesting'], (state) => ({ ...state, after: { retry: { target: 'requesting', reenter: true } } }))
    const report = verifyMachine({ ...s, machine, limit: 200 })
    expect(report.truncated).toBe(true)
    expect(findings(report)).toBeGreaterThan(0)
  })

  it('catches an elder whose SAPS_READY goes back to electing (proposing unreachable)', () => {
    const s = spec('elder')
    const machine = mutated(s.machine, ['serving', 'change', 'electing'], (state) => ({ ...state, on: { SAPS_READY: 'electing' } }))
    const report = verifyMachine({ ...s, machine })
    expect(report.unreachable).toContain('elder.serving.change.proposing')
  })

  it('catches a member approved without resetting its join attempts (invariant violated)', () => {
    const s = spec('member')
    const machine = mutated(s.machine, ['joining'], (state) => ({ ...state, on: { ...(state.on as object), APPROVED: { target: 'adult' } } }))
    const report = verifyMachine({ ...s, machine })
    expect(report.invariantViolations.some((v) => v.startsWith('a member has no join attempt pending'))).toBe(true)
  })

  it('catches a section machine that never splits (splitting unreachable)', () => {
    const s = spec('section')
    const machine = mutated(s.machine, ['member', 'evaluating'], (state) => ({
      ...state, always: (state.always as Array<{ guard?: string }>).filter((t) => t.guard !== 'splitDue'),
    }))
    const report = verifyMachine({ ...s, machine })
    expect(report.unreachable).toContain('section.member.splitting')
  })

  it('finds a trap: a state from which no stable state can be reached', () => {
    const machine = createMachine({
      id: 'trap',
      initial: 'a',
      states: { a: { on: { GO: 'b', STAY: 'a' } }, b: { on: { SPIN: 'c' } }, c: { on: { SPIN: 'b' } } },
    })
    const report = verifyMachine({ name: 'trap', machine, events: [{ type: 'GO' }, { type: 'STAY' }, { type: 'SPIN' }], key: () => null, stable: ['trap.a'], invariants: [] })
    expect(report.trapStates).toHaveLength(2)
    expect(report.deadlocks).toEqual([])
    expect(findings(report)).toBe(2)
  })

})
