/**
 * Shared by the model-based tests: generate a machine's paths from its `safenet verify` spec, run
 * them on fresh systems under test, and print how many were generated and run.
 */
import { expect } from 'vitest'
import { modelPaths, runPaths, type SystemUnderTest } from '../../src/verify/model-test.ts'
import { mutated, type StateConfig } from '../../src/verify/mutate.ts'
import { specs } from '../../src/verify/specs.ts'
import type { MachineSpec } from '../../src/verify/verify.ts'

export function spec(name: string): MachineSpec {
  const found = specs().find((s) => s.name === name)
  if (found === undefined) throw new Error(`no spec named ${name}`)
  return found
}

/** Generates and runs every path of `name`'s machine on `create()`d systems; returns the counts. */
export function runModel(name: string, create: () => SystemUnderTest, options: { maxSimple?: number; maxTransitions?: number; maxDepth?: number; spec?: MachineSpec } = {}): { shortest: number; simple: number; transitions: number; steps: number; cut: number } {
  const s = options.spec ?? spec(name)
  const paths = modelPaths(s, {
    maxSimple: options.maxSimple ?? 40,
    ...(options.maxTransitions === undefined ? {} : { maxTransitions: options.maxTransitions }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  })
  const { steps, cut } = runPaths(s, [...paths.shortest, ...paths.simple, ...paths.transitions], create)
  const cutNote = cut === 0 ? '' : ` (${cut} cut short where the test cannot bring the next event about)`
  console.log(`model ${name}: ${paths.shortest.length} shortest + ${paths.simple.length} simple + ${paths.transitions.length} transition-covering paths generated and run${cutNote}, ${steps} steps checked`)
  // Every declared state is the last state of some path (shortest paths cover all reachable ones).
  expect(paths.shortest.length).toBeGreaterThan(0)
  expect(paths.simple.length).toBeGreaterThan(0)
  return { shortest: paths.shortest.length, simple: paths.simple.length, transitions: paths.transitions.length, steps, cut }
}

/** `base` with its machine broken: the state at `path` patched (see src/verify/mutate.ts). */
export function broken(base: MachineSpec, path: ReadonlyArray<string>, patch: (state: StateConfig) => StateConfig): MachineSpec {
  return { ...base, machine: mutated(base.machine, path, patch) }
}

/** Runs a broken spec's shortest and transition-covering paths on fresh systems (for `expect(…).toThrow`). */
export function runBroken(spec: MachineSpec, create: () => SystemUnderTest): () => unknown {
  return () => {
    const paths = modelPaths(spec, { maxSimple: 0 })
    return runPaths(spec, [...paths.shortest, ...paths.transitions], create)
  }
}
