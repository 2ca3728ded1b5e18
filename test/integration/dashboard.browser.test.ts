/// <reference lib="dom" />
/**
 * Issue 18, as a user sees it: `safenet testnet --nodes 30 --dashboard 0 --inspect` (this CLI, its
 * own process), the dashboard opened in Debian's chromium (playwright-core, no downloaded
 * browser). Nodes join while the page watches; it shows 2 sections of 7 elders; a click on a node
 * shows its actors' states on their statecharts; a stored file moves the chunk counts; Ctrl-C with
 * the page and an inspector viewer connected leaves no process behind. Screenshots go to
 * test-results/dashboard/.
 *
 * The same run checks the inspector relay: a WebSocket viewer on /inspect from before the first
 * node starts receives `@statelyai/inspect`'s actor, snapshot and event messages for every role's
 * actors, and none of them carries a secret (each node's key seeds and BLS key shares, read back
 * from its store once the testnet stopped; no raw byte object). Without chromium that part still
 * runs; the page's part is skipped and says so.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readdirSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/index.ts'
import { CLI_MAIN, CLI_NODE_FLAGS } from '../../src/node/process-flags.ts'
import { isAlive, LmdbStore } from '../../src/store/index.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrSkip } from '../support/browser.ts'

const SHOTS = join('test-results', 'dashboard')
const dir = mkdtempSync(join(tmpdir(), 'safenet-dashboard-'))
const hasChromium = chromiumOrSkip("the dashboard browser test's page checks (the inspector relay's still run)")
const ROLES = ['member', 'section', 'antiEntropy', 'vault', 'elder', 'agreement', 'dkg', 'connection']

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

/** Connects an inspector viewer that keeps every message. */
async function inspectorViewer(url: string): Promise<{ ws: WebSocket; texts: string[] }> {
  const texts: string[] = []
  const ws = new WebSocket(`${url.replace('http', 'ws')}inspect`)
  ws.onmessage = (e) => texts.push(String(e.data))
  await new Promise((resolve, reject) => {
    ws.onopen = resolve
    ws.onerror = reject
  })
  return { ws, texts }
}

async function dataset(page: Page): Promise<Record<string, string | undefined>> {
  return page.evaluate(() => ({ ...document.body.dataset }))
}

/** Waits, without a page, until /api/state shows 2 sections of 7 elders and 30 members. */
async function healthyByApi(url: string): Promise<void> {
  const deadline = Date.now() + 240_000
  while (Date.now() < deadline) {
    const state = await (await fetch(`${url}api/state`)).json() as { health: { healthy?: boolean; sections?: number; joined?: number } }
    if (state.health.healthy === true && state.health.sections === 2 && state.health.joined === 30) return
    await new Promise((r) => setTimeout(r, 1_000))
  }
  throw new Error('not healthy with 2 sections in 240 s')
}

/** The page's part: sections and elders, a node's actors on their charts, live changes, chunk counts. */
async function watchInBrowser(url: string): Promise<Page> {
  mkdirSync(SHOTS, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const started = performance.now()
  await page.goto(url)
  await page.waitForSelector('.link.up')
  await page.waitForFunction(() => document.body.dataset.members !== undefined)
  const first = Number((await dataset(page)).members)

  // Nodes join while we watch, until 2 sections have 7 elders each and all 30 are members.
  await page.waitForFunction(() => document.body.dataset.sections === '2' && document.body.dataset.elders === '7,7' && document.body.dataset.members === '30', undefined, { timeout: 240_000, polling: 500 })
  const settled = await dataset(page)
  console.log(`dashboard: ${first} members when the page opened, 2 sections of 7 elders and 30 members ${((performance.now() - started) / 1000).toFixed(0)} s later; ${settled.transitions} state changes arrived live`)
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
  storeFile()
  await page.waitForFunction((n) => Number(document.body.dataset.chunks) >= n + 4 * 3, chunks, { timeout: 30_000 })
  await page.screenshot({ path: join(SHOTS, '3-chunks.png') })
  expect(errors).toEqual([])
  return page
}

function storeFile(): void {
  const file = join(dir, 'file.bin')
  writeFileSync(file, randomBytes(3 * 1024 * 1024))
  const put = spawnSync(process.execPath, [CLI_MAIN, 'files', 'put', file, '--contacts', join(dir, 'net', 'contacts.json')], { encoding: 'utf8', timeout: 120_000 })
  expect(put.status, put.stderr).toBe(0)
}

/** The relay's part: every role's actors in every kind of message, and no secret anywhere. */
async function checkInspectorStream(texts: ReadonlyArray<string>): Promise<void> {
  const messages = texts.map((t) => JSON.parse(t) as { type: string; name?: string; sessionId: string; definition?: string; _version?: string })
  const machineOf = new Map(messages.filter((m) => m.type === '@xstate.actor').map((m) => [m.sessionId, (JSON.parse(m.definition!) as { id: string }).id]))
  for (const type of ['@xstate.actor', '@xstate.snapshot', '@xstate.event']) {
    const machines = new Set(messages.filter((m) => m.type === type).map((m) => machineOf.get(m.sessionId)))
    expect([...machines].sort(), type).toEqual(expect.arrayContaining(ROLES))
  }
  expect(messages.every((m) => typeof m._version === 'string')).toBe(true)
  // An actor's name is its system id: node address and role, unique across nodes.
  expect(messages.find((m) => m.type === '@xstate.actor' && m.name!.endsWith('/member'))?.name).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+\.[0-9a-f]{8}\/member$/)
  const secrets: string[] = []
  for (const entry of readdirSync(join(dir, 'net')).filter((e) => e.startsWith('node-'))) {
    const store = LmdbStore.open(join(dir, 'net', entry))
    try {
      const identity = store.identity()!
      secrets.push(toHex(identity.seed), ...(identity.nodeSeed === undefined ? [] : [toHex(identity.nodeSeed)]))
      for (const share of store.shares()) secrets.push(toHex(share.share))
    } finally {
      await store.close()
    }
  }
  expect(secrets.length).toBeGreaterThan(30)
  const all = texts.join('\n')
  for (const secret of secrets) expect(all.includes(secret), 'a secret in the stream').toBe(false)
  expect(all).not.toMatch(/\{"0":\d+,"1":\d+/)
  expect(all).not.toMatch(/\[(\d{1,3},){31,}\d{1,3}\]/)
  console.log(`inspector relay: ${texts.length} messages, ${(all.length / 1_048_576).toFixed(1)} MiB, every role, none of ${secrets.length} secrets`)
}

describe('the dashboard of a 30-node testnet', () => {
  it('shows the network live in a browser, relays every role to the inspector with no secret, and Ctrl-C leaves nothing running', async () => {
    const { child, url, output } = await startTestnet()
    testnet = child
    const viewer = await inspectorViewer(url)
    const page = hasChromium ? await watchInBrowser(url) : undefined
    if (page === undefined) {
      await healthyByApi(url)
      storeFile()
    }
    // Ctrl-C with the page and the inspector viewer connected: the process exits, nothing is left.
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))])
    expect(code, output()).toBe(0)
    expect(isAlive(child.pid!)).toBe(false)
    if (page !== undefined) {
      await page.waitForSelector('.link.down')
      await page.screenshot({ path: join(SHOTS, '4-server-gone.png') })
    }
    viewer.ws.close()
    await checkInspectorStream(viewer.texts)
  }, 400_000)
})
