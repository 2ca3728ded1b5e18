/**
 * `sim --record`: the trace holds the run (meta, keyframes, changes, decisions) and recording it
 * changes nothing: the same seed gives the same trace hash with and without the recorder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { KEYFRAME_MS, TraceRecorder } from '../../src/inspect/recorder.ts'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-record-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const RUN = { nodes: 12, joinWindowMs: 60_000, clients: 2 } as const

describe('TraceRecorder', () => {
  it('records a run without changing it', () => {
    const path = join(dir, 'run.jsonl')
    const recorder = new TraceRecorder(path, { title: 'test', seed: 2, nodes: 12 })
    const recorded = runNetworkScenario(2, { ...RUN, recorder })
    recorder.close()
    const plain = runNetworkScenario(2, RUN)
    expect(recorded.traceHash).toBe(plain.traceHash)
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; t?: number; nodes?: unknown[]; actors?: Array<{ machine: string }> })
    expect(lines[0]).toMatchObject({ type: 'meta', seed: 2, nodes: 12, version: 1 })
    const keyframes = lines.filter((l) => l.type === 'status')
    // A keyframe at least every KEYFRAME_MS of virtual time while anything changes, and a last one.
    expect(keyframes.length).toBeGreaterThanOrEqual(Math.floor(60_000 / KEYFRAME_MS))
    const last = keyframes.at(-1)!
    expect(last.nodes).toHaveLength(12)
    expect([...new Set(last.actors!.map((a) => a.machine))]).toEqual(expect.arrayContaining(['member', 'section', 'antiEntropy', 'vault', 'elder', 'agreement']))
    const times = lines.slice(1).map((l) => l.t!)
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true)
    expect(lines.filter((l) => l.type === 'decision').length).toBeGreaterThanOrEqual(11)
    expect(recorder.counts.truncated).toBe(0)
  }, 60_000)
})
