/**
 * `safenet verify [--json]` — the exhaustive checks of `src/verify` for every statechart in
 * `machines/`: per machine `{ machine, states, reachableStates, transitions, deadlocks,
 * unreachable, trapStates, invariantViolations }`; exit 1 on any finding, or while a machine has
 * no model to check it with yet.
 */
import { MACHINES } from '../diagrams/machines.ts'
import { specs } from '../verify/specs.ts'
import { findings, verifyMachine } from '../verify/verify.ts'

export const VERIFY_USAGE = `safenet verify [--json]

  Traverses every reachable state of each statechart in machines/ (bounded events, bounded
  context) and checks: every state reachable, no deadlock, a stable state reachable from every
  state, the machine's invariants. Exit 1 on any finding.
  --json   one JSON object per machine, one per line`

export function runVerify(options: { json: boolean }): number {
  let total = 0
  for (const spec of specs()) {
    const report = verifyMachine(spec)
    total += findings(report)
    if (options.json) console.log(JSON.stringify(report))
    else {
      console.log(`${report.machine}: ${report.reachableStates}/${report.states} states reached, ${report.transitions} transitions, ` +
        `${report.deadlocks.length} deadlocks, ${report.unreachable.length} unreachable, ${report.trapStates.length} traps, ${report.invariantViolations.length} invariant violations${report.truncated === true ? ', TRUNCATED' : ''}`)
      for (const line of [...report.unreachable, ...report.deadlocks, ...report.trapStates, ...report.invariantViolations].slice(0, 10)) console.log(`  ${line}`)
    }
  }
  const missing = MACHINES.filter((m) => !specs().some((s) => s.name === m.name)).map((m) => m.name)
  for (const name of missing) {
    if (options.json) console.log(JSON.stringify({ machine: name, modelled: false }))
    else console.log(`${name}: not modelled yet (its context holds a protocol object; needs a pure stand-in)`)
  }
  return total === 0 && missing.length === 0 ? 0 : 1
}
