import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KEYFRAME_MS, TraceRecorder } from '../../src/inspect/recorder.ts'
import { runNetworkScenario, type SimProgress } from '../../src/sim/scenarios/network.ts'
import { expectGrown60 } from '../support/network.ts'

/**
 * The whole section lifecycle in the simulator, small enough for every `npm test`: a network
 * grows from genesis through joins, DKG handovers and splits; the checkers must find nothing.
 * (The 1,000-node run of issue 4 is `safenet sim --nodes 1000 --seed 7 --json`.)
 */
describe('a network grown from genesis', () => {
  // Seed 2 is test/soak/network-grow-60.test.ts (`npm run test:soak`), out of npm test for its budget.
  it('seed 1: 60 nodes split into sections with 7 oldest elders each, knowledge converges, no violation', () => expectGrown60(1), 240_000)

  it('the same seed gives the same network, watched by --why, a progress line and a recorder or not', () => {
    const a = runNetworkScenario(3, { nodes: 30, joinWindowMs: 60_000, settleMs: 120_000, clients: 3 })
    const why: string[] = []
    const progress: SimProgress[] = []
    const dir = mkdtempSync(join(tmpdir(), 'safenet-record-'))
    const recorder = new TraceRecorder(join(dir, 'run.jsonl'), { title: 'test', seed: 3, nodes: 30 })
    const b = runNetworkScenario(3, { nodes: 30, joinWindowMs: 60_000, settleMs: 120_000, clients: 3, why: (line) => why.push(line), progress: (p) => progress.push(p), recorder })
    recorder.close()
    const { wallMs: _a, ...restA } = a
    const { wallMs: _b, ...restB } = b
    expect(restA).toEqual(restB)
    // The trace (`sim --record`): meta, a keyframe at least every KEYFRAME_MS while anything changes, changes in time order, each decision once.
    const lines = readFileSync(recorder.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; t?: number; nodes?: unknown[]; actors?: Array<{ machine: string }> })
    rmSync(dir, { recursive: true, force: true })
    expect(lines[0]).toMatchObject({ type: 'meta', seed: 3, nodes: 30, version: 1 })
    const keyframes = lines.filter((l) => l.type === 'status')
    expect(keyframes.length).toBeGreaterThanOrEqual(Math.floor(60_000 / KEYFRAME_MS))
    expect(keyframes.at(-1)!.nodes).toHaveLength(30)
    expect([...new Set(keyframes.at(-1)!.actors!.map((x) => x.machine))]).toEqual(expect.arrayContaining(['member', 'section', 'antiEntropy', 'vault', 'elder', 'agreement']))
    const times = lines.slice(1).map((l) => l.t!)
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true)
    expect(lines.filter((l) => l.type === 'decision').length).toBeGreaterThanOrEqual(b.decisions / 2)
    expect(recorder.counts.truncated).toBe(0)
    // A whole network: --why has nothing to explain.
    expect(why).toEqual([`${b.sections} of ${b.sections} sections whole (7 oldest elders serving, every member's knowledge current)`, '0 live nodes not admitted'])
    // The progress line: every 10 virtual seconds, faults on through the join window, all admitted at the end.
    expect(progress.map((p) => p.virtualMs)).toEqual(progress.map((_, i) => (i + 1) * 10_000))
    expect(progress.filter((p) => p.faults).map((p) => p.virtualMs).at(-1)).toBe(50_000)
    expect(progress.every((p) => p.admitted <= p.live)).toBe(true)
    expect(progress.at(-1)).toMatchObject({ admitted: b.nodes, live: b.nodes, sections: b.sections, faults: false })
  }, 240_000)
})

describe('safenet sim --nodes', () => {
  const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
  it('prints the report with every field issue 4 names', () => {
    const result = spawnSync(process.execPath, [cli, 'sim', '--nodes', '20', '--seed', '5', '--json'], { encoding: 'utf8', timeout: 240_000 })
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as Record<string, unknown>
    expect(Object.keys(report).slice(0, 15)).toEqual([
      'nodes', 'sections', 'prefixesCoverSpace', 'sectionsWithFullElders', 'knowledgeConverged', 'splits', 'merges', 'relocations',
      'decisions', 'agreementViolations', 'chainViolations', 'clientAeHopsMax', 'messagesPerJoin', 'virtualTimeMs', 'wallMs',
    ])
    expect(report).toMatchObject({ nodes: 20, sections: 1, prefixesCoverSpace: true, sectionsWithFullElders: 1, knowledgeConverged: true, agreementViolations: 0 })
    expect(report.traceHash).toMatch(/^[0-9a-f]{64}$/)
  }, 240_000)
})
