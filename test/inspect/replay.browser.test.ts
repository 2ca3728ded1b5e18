/// <reference lib="dom" />
/**
 * Issue 18: a recorded 60-node simulation opens in the replay page (`safenet dashboard FILE`'s
 * server) and, played, reaches the run's final state: the sections the simulator reported, every
 * node a member. (That recording changes no run: test/inspect/recorder.test.ts.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { TraceRecorder } from '../../src/inspect/recorder.ts'
import { DashboardServer } from '../../src/inspect/server.ts'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrSkip } from '../support/browser.ts'

const SHOTS = join('test-results', 'replay')
const dir = mkdtempSync(join(tmpdir(), 'safenet-replay-'))
const hasChromium = chromiumOrSkip('the replay browser test')
const RUN = { nodes: 60, joinWindowMs: 180_000 } as const

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!hasChromium)('a recorded simulation in the replay page', () => {
  it('plays a 60-node run to its final state', async () => {
    mkdirSync(SHOTS, { recursive: true })
    const path = join(dir, 'run.jsonl.gz')
    const recorder = new TraceRecorder(path, { title: 'sim --nodes 60 --seed 5', seed: 5, nodes: 60 })
    const report = runNetworkScenario(5, { ...RUN, recorder })
    recorder.close()
    expect(report.unjoined).toBe(0)
    const lines = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string })
    expect(lines[0]).toMatchObject({ type: 'meta', seed: 5 })
    expect(lines.filter((l) => l.type === 'status').length).toBeGreaterThan(10)
    expect(lines.filter((l) => l.type === 'decision').length).toBeGreaterThan(60)

    const server = await DashboardServer.start({ port: 0, trace: path })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(server.url)
      await page.waitForSelector('#replay:not([hidden])')
      // At the start: the genesis node alone, if even that.
      await page.waitForFunction(() => document.body.dataset.members !== undefined && Number(document.body.dataset.members) <= 1)
      await page.screenshot({ path: join(SHOTS, '1-start.png') })
      await page.selectOption('#speed', '300')
      await page.click('#play')
      await page.waitForFunction(() => document.body.dataset.played === 'end', undefined, { timeout: 60_000 })
      const end = await page.evaluate(() => ({ ...document.body.dataset }))
      await page.screenshot({ path: join(SHOTS, '2-end.png') })
      expect(Number(end.sections)).toBe(report.sections)
      expect(end.members).toBe(String(report.nodes))
      expect(end.elders!.split(',').every((e) => e === '7')).toBe(true)
      // Scrubbing back to the growth's start shows the network smaller again.
      await page.evaluate(() => {
        const timeline = document.getElementById('timeline') as HTMLInputElement
        timeline.value = String(Number(timeline.min) + 20_000)
        timeline.dispatchEvent(new Event('input'))
      })
      await page.waitForFunction((nodes) => Number(document.body.dataset.members) < nodes, report.nodes, { timeout: 10_000 })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
      await server.stop()
    }
  }, 300_000)
})
