/// <reference lib="dom" />
/**
 * Issue 18, as a user sees it: `safenet testnet --nodes 30 --dashboard 0 --inspect` (this CLI, its
 * own process), the dashboard opened in Debian's chromium (playwright-core, no downloaded
 * browser). Nodes join while the page watches; it shows 2 sections of 7 elders; a click on a node
 * shows its actors' states on their statecharts; a stored file moves the chunk counts; Ctrl-C with
 * the page and an inspector viewer connected leaves no process behind. Screenshots go to
 * test-results/dashboard/.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI_MAIN, CLI_NODE_FLAGS } from '../../src/node/process-flags.ts'
import { isAlive } from '../../src/store/index.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrSkip } from '../support/browser.ts'

const SHOTS = join('test-results', 'dashboard')
const dir = mkdtempSync(join(tmpdir(), 'safenet-dashboard-'))
const hasChromium = chromiumOrSkip('the dashboard browser test')

let testnet: ChildProcess | undefined
let browser: Browser | undefined

afterAll(async () => {
  await browser?.close()
  if (testnet?.exitCode === null) testnet.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** Starts the CLI's testnet; resolves with the dashboard's URL once it prints it. */
function startTestnet(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, CLI_MAIN, 'testnet', '--nodes', '30', '--dir', join(dir, 'net'), '--dashboard', '0', '--inspect'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL printed in 30 s:\n${out}`)), 30_000)
    const look = () => {
      const url = /dashboard (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1]
      if (url === undefined) return
      clearTimeout(timer)
      child.stdout.off('data', look)
      resolve({ child, url, output: () => out })
    }
    child.stdout.on('data', look)
    child.once('exit', (code) => reject(new Error(`the testnet exited with ${code}:\n${out}`)))
  })
}

async function dataset(page: Page): Promise<Record<string, string | undefined>> {
  return page.evaluate(() => ({ ...document.body.dataset }))
}

describe.skipIf(!hasChromium)('the dashboard in a browser', () => {
  it('shows a 30-node testnet live: sections, elders, actors on their statecharts, chunks; Ctrl-C leaves nothing running', async () => {
    mkdirSync(SHOTS, { recursive: true })
    const started = performance.now()
    const { child, url, output } = await startTestnet()
    testnet = child
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(url)
    await page.waitForSelector('.link.up')
    await page.waitForFunction(() => document.body.dataset.members !== undefined)
    const first = Number((await dataset(page)).members)

    // Nodes join while we watch, until 2 sections have 7 elders each and all 30 are members.
    await page.waitForFunction(() => document.body.dataset.sections === '2' && document.body.dataset.elders === '7,7' && document.body.dataset.members === '30', undefined, { timeout: 240_000, polling: 500 })
    const settled = await dataset(page)
    console.log(`dashboard: ${first} members when the page opened, 2 sections of 7 elders and 30 members ${((performance.now() - started) / 1000).toFixed(0)} s after start; ${settled.transitions} state changes arrived live`)
    expect(first).toBeLessThan(30)
    expect(Number(settled.transitions)).toBeGreaterThan(100)
    expect(await page.locator('#space g.section').count()).toBe(2)
    expect(await page.locator('#space g.dot.elder').count()).toBe(14)
    await page.screenshot({ path: join(SHOTS, '1-sections.png') })

    // A node's actors, each on its drawing with the current state marked.
    await page.locator('#space g.dot.elder').first().click()
    await page.waitForSelector('.actor[data-machine="member"][data-state="elder"] g.node.current')
    for (const machine of ['member', 'section', 'antiEntropy', 'vault', 'elder', 'agreement']) {
      await page.waitForSelector(`.actor[data-machine="${machine}"] .chart g.node.current`, { timeout: 10_000 })
    }
    expect(await page.locator('.actor[data-machine="section"]').getAttribute('data-state')).toBe('member.steady')
    const before = Number((await dataset(page)).transitions)
    await page.waitForFunction((n) => Number(document.body.dataset.transitions) > n, before, { timeout: 30_000 })
    await page.screenshot({ path: join(SHOTS, '2-node-actors.png'), fullPage: true })

    // A stored file: the chunk counts move.
    const chunks = Number((await dataset(page)).chunks)
    const file = join(dir, 'file.bin')
    writeFileSync(file, randomBytes(3 * 1024 * 1024))
    const put = spawnSync(process.execPath, [CLI_MAIN, 'files', 'put', file, '--contacts', join(dir, 'net', 'contacts.json')], { encoding: 'utf8', timeout: 120_000 })
    expect(put.status, put.stderr).toBe(0)
    await page.waitForFunction((n) => Number(document.body.dataset.chunks) >= n + 4 * 3, chunks, { timeout: 30_000 })
    await page.screenshot({ path: join(SHOTS, '3-chunks.png') })
    expect(errors).toEqual([])

    // Ctrl-C with the page and an inspector viewer connected: the process exits, nothing is left.
    const viewer = new WebSocket(`${url.replace('http', 'ws')}inspect`)
    await new Promise((resolve, reject) => {
      viewer.onopen = resolve
      viewer.onerror = reject
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))])
    expect(code, output()).toBe(0)
    expect(isAlive(child.pid!)).toBe(false)
    await page.waitForSelector('.link.down')
    await page.screenshot({ path: join(SHOTS, '4-server-gone.png') })
  }, 400_000)
})
