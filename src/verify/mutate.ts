/**
 * Copies of a machine with one part of its config changed: how the mutation tests and the broken
 * fixtures under test/fixtures/machines are made (a transition removed or redirected), with the
 * machine's own implementations (actions, guards, delays) kept.
 */
import { type AnyStateMachine, createMachine } from 'xstate'

export type StateConfig = Record<string, unknown>

/** A copy of `machine` with `patch` applied to the state at `path` (other states shared). */
export function mutated(machine: AnyStateMachine, path: ReadonlyArray<string>, patch: (state: StateConfig) => StateConfig): AnyStateMachine {
  const edit = (node: StateConfig, rest: ReadonlyArray<string>): StateConfig => {
    if (rest.length === 0) return patch(node)
    const states = node.states as Record<string, StateConfig> | undefined
    const child = states?.[rest[0]!]
    if (child === undefined) throw new Error(`${machine.id} has no state ${path.join('.')}`)
    return { ...node, states: { ...states, [rest[0]!]: edit(child, rest.slice(1)) } }
  }
  return createMachine(edit(machine.config as StateConfig, path) as never, machine.implementations as never)
}
