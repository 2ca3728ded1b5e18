/**
 * `safenet verify [--json] [--machine FILE]` — the exhaustive checks of `src/verify` for every
 * statechart in `machines/`: per machine `{ machine, states, reachableStates, transitions,
 * deadlocks, unreachable, trapStates, invariantViolations }`; exit 1 on any finding, or while a
 * machine has no model to check it with.
 *
 * `--machine FILE` checks the machines a module exports instead (a variant of one of ours, or a
 * deliberately broken copy), each against the spec of the machine with the same id.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AnyStateMachine } from 'xstate'
import { MACHINES } from '../diagrams/machines.ts'
import { specs } from '../verify/specs.ts'
import { runTreeMutants, treeMutants } from '../verify/tree-mutants.ts'
import { findings, type MachineSpec, type VerifyReport, verifyMachine } from '../verify/verify.ts'

export const VERIFY_USAGE = `safenet verify [--json] [--machine FILE | --mutants]

  Traverses every reachable state of each statechart in machines/ (bounded events, bounded
  context) and checks: every state reachable, no deadlock, a stable state reachable from every
  state, the machine's invariants. Exit 1 on any finding.
  --json            one JSON object per machine, one per line
  --machine FILE    check the machines FILE exports instead, each against the spec of the
                    machine with the same id (e.g. your variant of machines/dkg.machine.ts)
  --mutants         take each transition out of the real machine files one at a time (an after
                    timer emptied, a guarded branch deleted), in a copy of the tree, and run the
                    fast checks (verify and the roles' spec tests) on each; exit 1 if one survives`

export class VerifyUsageError extends Error {
  override readonly name = 'VerifyUsageError'
}

function print(report: VerifyReport, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(report))
    return
  }
  console.log(`${report.machine}: ${report.reachableStates}/${report.states} states reached (${report.visited} with context), ${report.transitions} transitions, ` +
    `${report.deadlocks.length} deadlocks, ${report.unreachable.length} unreachable, ${report.trapStates.length} traps, ${report.invariantViolations.length} invariant violations, ${report.stalls.length} stalls${report.truncated === true ? ', TRUNCATED' : ''}`)
  for (const line of [...report.unreachable, ...report.deadlocks, ...report.trapStates, ...report.invariantViolations, ...report.stalls.map((s) => `stalls: ${s}`)].slice(0, 10)) console.log(`  ${line}`)
}

function isMachine(value: unknown): value is AnyStateMachine {
  return typeof value === 'object' && value !== null && 'root' in value && 'config' in value && typeof (value as { transition?: unknown }).transition === 'function'
}

/** The specs to check `file`'s exported machines with: ours, with the machine swapped. */
async function specsFor(file: string): Promise<MachineSpec[]> {
  const exported = Object.values(await import(pathToFileURL(resolve(file)).href) as Record<string, unknown>).filter(isMachine)
  if (exported.length === 0) throw new VerifyUsageError(`${file} exports no state machine`)
  return exported.map((machine) => {
    const spec = specs().find((s) => s.machine.id === machine.id)
    if (spec === undefined) throw new VerifyUsageError(`no spec for a machine with id "${machine.id}" (known: ${specs().map((s) => s.machine.id).join(', ')})`)
    return { ...spec, machine }
  })
}

export async function runVerify(options: { json: boolean; machine?: string }): Promise<number> {
  const checked = options.machine === undefined ? specs() : await specsFor(options.machine)
  let total = 0
  for (const spec of checked) {
    const report = verifyMachine(spec)
    total += findings(report)
    print(report, options.json)
  }
  if (options.machine !== undefined) return total === 0 ? 0 : 1
  const missing = MACHINES.filter((m) => !specs().some((s) => s.name === m.name)).map((m) => m.name)
  for (const name of missing) {
    if (options.json) console.log(JSON.stringify({ machine: name, modelled: false }))
    else console.log(`${name}: not modelled (no spec in src/verify/specs.ts)`)
  }
  return total === 0 && missing.length === 0 ? 0 : 1
}

/** `--mutants`: every single-transition mutant of machines/, and whether the fast checks catch it. */
export function runMutants(options: { json: boolean }): number {
  const root = resolve(new URL('../..', import.meta.url).pathname)
  const mutants = treeMutants(root)
  const results = runTreeMutants(root, mutants, options.json ? undefined : (line) => console.log(line))
  const survived = results.filter((r) => !r.caught)
  if (options.json) console.log(JSON.stringify({ mutants: results.length, caught: results.length - survived.length, survived: survived.map((r) => `${r.mutant.file} ${r.mutant.what}`) }))
  else console.log(`${results.length - survived.length} of ${results.length} mutants caught`)
  return survived.length === 0 ? 0 : 1
}
