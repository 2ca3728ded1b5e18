/**
 * Issue 17, short form of the data-churn check (`scripts/data-churn.ts` runs 5 minutes with 25
 * nodes): 10 node processes; files put and got for 30 s while a node is SIGKILLed every 10 s, restarted
 * and then replaced; then every file reads back and every chunk is on exactly its 4 closest members,
 * and every register entry acknowledged during the churn reads back.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_PARAMETERS } from '../../src/consensus/index.ts'
import { CHURN_REGISTERS, runDataChurn } from '../support/data-churn.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-data-churn-'))

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('data through churn on real nodes', () => {
  it('loses nothing: every file reads back and every chunk ends on exactly its 4 closest members', async () => {
    // The wait for placement is generous: in `npm test` this file shares 2 cores with the restart
    // test's 30 processes (scripts/integration.ts); there every chunk was placed 128 s after the
    // churn, alone 46 s (the vault sweeps every minute).
    const report = await runDataChurn({ nodes: 10, dir, churnMs: 30_000, killEveryMs: 10_000, maxFileBytes: 2 * 1024 * 1024, settleMs: 420_000, log: (line) => console.log(line) })
    console.log(JSON.stringify(report))
    expect(report).toMatchObject({ kills: 2, restarts: 1, replacements: 1 })
    expect(report.filesPut).toBeGreaterThan(5)
    expect(report).toMatchObject({ putFailures: 0, readBackFailures: 0, misplaced: 0 })
    expect(report.placedMs).toBeDefined()
    // Registers through the same churn: nothing acknowledged is lost; each on its holders (a holder
    // replaced mid-run may leave an extra copy behind: at least, not exactly).
    expect(report.registerWrites).toBeGreaterThan(5)
    expect(report).toMatchObject({ registerWriteFailures: 0, registerOpsLost: 0 })
    expect(report.registerCopies).toBeGreaterThanOrEqual(CHURN_REGISTERS * DEFAULT_PARAMETERS.dataCopyCount)
  }, 900_000)
})
