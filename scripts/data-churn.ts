/**
 * The 5-minute data-churn check (issue 17; the short form runs in `npm test`):
 *   node scripts/data-churn.ts [--nodes 25] [--minutes 5] [--kill-every 20]
 * 25 node processes on 127.0.0.1; a client puts and gets files while every 20 s one node is
 * SIGKILLed and restarted or replaced; then every file reads back and every chunk is on exactly
 * its 4 closest members. Prints one JSON report; exit 0 when nothing was lost.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runDataChurn } from '../test/support/data-churn.ts'

const { values } = parseArgs({ options: { nodes: { type: 'string' }, minutes: { type: 'string' }, 'kill-every': { type: 'string' } } })
const dir = mkdtempSync(join(tmpdir(), 'safenet-data-churn-'))
try {
  const report = await runDataChurn({
    nodes: Number(values.nodes ?? 25),
    dir,
    churnMs: Number(values.minutes ?? 5) * 60_000,
    killEveryMs: Number(values['kill-every'] ?? 20) * 1000,
    maxFileBytes: 3 * 1024 * 1024,
    settleMs: 300_000,
    log: (line) => console.error(line),
  })
  console.log(JSON.stringify(report))
  process.exitCode = report.readBackFailures === 0 && report.misplaced === 0 && report.putFailures === 0 ? 0 : 1
} finally {
  rmSync(dir, { recursive: true, force: true })
}
