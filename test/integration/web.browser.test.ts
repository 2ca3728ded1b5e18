/// <reference lib="dom" />
/**
 * Issue 19 as a user sees it, on a 12-node testnet (in this process): a site with HTML, CSS, an
 * image, a script that fetches a second `safe://` name, and a 20 MiB video is put with
 * `safenet files put`, named with `safenet nrs register`, and opened through `safenet gateway` in
 * Debian's chromium (playwright-core). The page renders (screenshot in test-results/web/), the
 * script's fetch succeeds, a range request on the video is answered 206 with exactly those bytes;
 * an updated site is seen while `?v=1` still serves the old one; unknown names and missing paths
 * are clear error pages. Racing registrants of one name: exactly one owns it, the others are told
 * who does. Without chromium the gateway is still checked over HTTP; the page's part is skipped.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, decodeContactsFile, NameFailed, verifyNameRecord } from '../../src/client/index.ts'
import { NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { CLI_MAIN, CLI_NODE_FLAGS } from '../../src/node/process-flags.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrSkip } from '../support/browser.ts'

const SHOTS = join('test-results', 'web')
const dir = mkdtempSync(join(tmpdir(), 'safenet-web-'))
const hasChromium = chromiumOrSkip("the web test's page checks (the gateway's HTTP checks still run)")
const VIDEO_BYTES = 20 * 1024 * 1024
const video = randomBytes(VIDEO_BYTES)
// A 1×1 PNG (red).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

let net: Testnet
let gateway: ChildProcess | undefined
let gatewayOut = ''
let port = 0
let browser: Browser | undefined

/** The CLI, its own process (the nodes run in this one: waited for without blocking them). */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const key = args[0] === 'nrs' && !args.includes('--key') ? ['--key', join(dir, 'user.key')] : []
    execFile(process.execPath, [...CLI_NODE_FLAGS, CLI_MAIN, ...args, '--contacts', net.contactsPath, ...key], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr })
    })
  })
}

async function put(path: string): Promise<string> {
  const out = await cli('files', 'put', path, '--json')
  expect(out.status, out.stderr).toBe(0)
  return (JSON.parse(out.stdout) as { address: string }).address
}

/** A site; the second version leaves the video out (the first keeps serving it, by `?v=1`). */
function writeSite(root: string, heading: string, video?: Uint8Array): void {
  rmSync(root, { recursive: true, force: true })
  mkdirSync(join(root, 'media'), { recursive: true })
  writeFileSync(join(root, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>${heading}</title><link rel="stylesheet" href="style.css"></head>
<body><h1 id="heading">${heading}</h1><img id="logo" src="media/logo.png" width="32" height="32"><p id="fetched">…</p><video id="video" src="media/video.mp4" preload="none"></video><script src="app.js"></script></body></html>`)
  writeFileSync(join(root, 'style.css'), 'h1 { color: rgb(0, 128, 0); }\n')
  writeFileSync(join(root, 'app.js'), `fetch('http://data.safe.localhost:' + location.port + '/').then((r) => r.json()).then((d) => { document.getElementById('fetched').textContent = d.message })
  .catch((e) => { document.getElementById('fetched').textContent = 'failed: ' + e })\n`)
  writeFileSync(join(root, 'media', 'logo.png'), PNG)
  if (video !== undefined) writeFileSync(join(root, 'media', 'video.mp4'), video)
}

beforeAll(async () => {
  net = await Testnet.start({ nodes: 12, dir: join(dir, 'net'), logger: createLogger({ level: 'silent' }) })
  expect(await net.settle(120_000)).toBeDefined()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  gateway?.kill('SIGINT')
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('names: racing registrants', () => {
  it('of 3 clients claiming one name at once, exactly one owns it; the others are told who', async () => {
    const connect = () => Client.connect(decodeContactsFile(readFileSync(net.contactsPath, 'utf8'), net.contactsPath))
    const clients = await Promise.all([connect(), connect(), connect()])
    try {
      const target = `safe://${toHex(randomBytes(32))}`
      const keys = clients.map(() => NodeKeypair.generate())
      const outcomes = await Promise.all(clients.map((c, i) => c.registerName(keys[i]!, 'contested', target).then((r) => r.record, (error: unknown) => error)))
      const owners = outcomes.filter((o) => !(o instanceof Error))
      expect(owners).toHaveLength(1)
      const winner = outcomes.indexOf(owners[0])
      for (const [i, outcome] of outcomes.entries()) {
        if (i === winner) continue
        expect(outcome).toBeInstanceOf(NameFailed)
        expect((outcome as NameFailed).reason).toBe('NameTaken')
      }
      // Every client sees the same owner, in a record the section's key signed.
      for (const client of clients) {
        const record = await client.lookupName('contested')
        expect(record !== undefined && verifyNameRecord(record)).toBe(true)
        expect(toHex(record!.owner)).toBe(toHex(keys[winner]!.publicKey.bytes))
      }
      expect(await clients[0].lookupName('nobody-has-this')).toBeUndefined()
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
  }, 120_000)
})

describe('a site through the gateway', () => {
  let first = ''
  it('is published with files put and nrs register; nrs resolve says where it points', async () => {
    writeSite(join(dir, 'site'), 'Version one', video)
    first = await put(join(dir, 'site'))
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ message: 'fetched from safe://data' }))
    const data = await put(join(dir, 'data.json'))
    const registered = await cli('nrs', 'register', 'mysite', first, '--json')
    expect(registered.status, registered.stderr).toBe(0)
    expect(JSON.parse(registered.stdout)).toMatchObject({ name: 'mysite', version: 1 })
    expect((await cli('nrs', 'register', 'data', data)).status).toBe(0)
    const resolved = await cli('nrs', 'resolve', 'safe://mysite', '--json')
    expect(JSON.parse(resolved.stdout)).toMatchObject({ target: first, version: 1, versions: 1 })
    const taken = await cli('nrs', 'register', 'mysite', first, '--key', join(dir, 'other.key'))
    expect(taken.status).toBe(1)
    expect(taken.stderr).toMatch(/mysite is registered to/)
    gateway = spawn(process.execPath, [...CLI_NODE_FLAGS, CLI_MAIN, 'gateway', '--port', '0', '--contacts', net.contactsPath], { stdio: ['ignore', 'pipe', 'pipe'] })
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the gateway printed no URL in 30 s: ${gatewayOut}`)), 30_000)
      const look = (d: Buffer) => {
        gatewayOut += d.toString()
        const match = /http:\/\/localhost:(\d+)\//.exec(gatewayOut)
        if (match !== null) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      }
      gateway!.stdout!.on('data', look)
      gateway!.stderr!.on('data', look)
    })
  }, 240_000)

  it('serves index files, content types, immutable caching for addresses, ranges by range reads, and clear errors over HTTP', async () => {
    const base = `http://localhost:${port}`
    const index = await fetch(`${base}/safe/mysite/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(index.headers.get('x-safe-version')).toBe('1')
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(await index.text()).toContain('Version one')
    const byAddress = await fetch(`${base}/safe/${first.slice('safe://'.length)}/style.css`)
    expect(byAddress.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(byAddress.headers.get('cache-control')).toMatch(/immutable/)
    const redirect = await fetch(`${base}/safe/mysite`, { redirect: 'manual' })
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe('/safe/mysite/')
    const range = await fetch(`${base}/safe/mysite/media/video.mp4`, { headers: { Range: 'bytes=15000000-15065535' } })
    expect(range.status).toBe(206)
    expect(range.headers.get('content-range')).toBe(`bytes 15000000-15065535/${VIDEO_BYTES}`)
    expect(range.headers.get('content-type')).toBe('video/mp4')
    expect(Buffer.from(await range.arrayBuffer()).equals(video.subarray(15_000_000, 15_065_536))).toBe(true)
    const tail = await fetch(`${base}/safe/mysite/media/video.mp4`, { headers: { Range: 'bytes=-100' } })
    expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(VIDEO_BYTES - 100))).toBe(true)
    const outside = await fetch(`${base}/safe/mysite/media/video.mp4`, { headers: { Range: `bytes=${VIDEO_BYTES}-` } })
    expect(outside.status).toBe(416)
    const unknown = await fetch(`${base}/safe/no-such-name/`)
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toMatch(/Unknown name.*no-such-name is not registered/s)
    const missing = await fetch(`${base}/safe/mysite/nothing.html`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toMatch(/has no nothing\.html/)
    const badVersion = await fetch(`${base}/safe/mysite/?v=7`)
    expect(badVersion.status).toBe(404)
    expect(await badVersion.text()).toMatch(/no version 7/)
    const etag = index.headers.get('etag')!
    expect((await fetch(`${base}/safe/mysite/`, { headers: { 'If-None-Match': etag } })).status).toBe(304)
  }, 120_000)

  it.runIf(hasChromium)('renders in chromium: styles, image, a script fetching safe://data, a video seek answered 206 with the right bytes', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await browser.newPage()
    await page.goto(`http://mysite.safe.localhost:${port}/`)
    await page.waitForFunction(() => document.getElementById('fetched')?.textContent !== '…', undefined, { timeout: 30_000 })
    expect(await page.textContent('#fetched')).toBe('fetched from safe://data')
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('heading')!).color)).toBe('rgb(0, 128, 0)')
    expect(await page.evaluate(() => (document.getElementById('logo') as HTMLImageElement).naturalWidth)).toBe(1)
    const seek = await page.evaluate(async () => {
      const response = await fetch('media/video.mp4', { headers: { Range: 'bytes=10485760-10551295' } })
      return { status: response.status, range: response.headers.get('content-range'), bytes: Array.from(new Uint8Array(await response.arrayBuffer())) }
    })
    expect(seek.status).toBe(206)
    expect(seek.range).toBe(`bytes 10485760-10551295/${VIDEO_BYTES}`)
    expect(createHash('sha256').update(Uint8Array.from(seek.bytes)).digest('hex')).toBe(createHash('sha256').update(video.subarray(10_485_760, 10_551_296)).digest('hex'))
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'site-v1.png') })
  }, 120_000)

  it('an update is a new version; ?v=1 still serves the old one', async () => {
    writeSite(join(dir, 'site-v2'), 'Version two')
    const second = await put(join(dir, 'site-v2'))
    const updated = await cli('nrs', 'update', 'mysite', second, '--json')
    expect(updated.status, updated.stderr).toBe(0)
    expect(JSON.parse(updated.stdout)).toMatchObject({ version: 2 })
    expect(JSON.parse((await cli('nrs', 'resolve', 'safe://mysite?v=1', '--json')).stdout)).toMatchObject({ target: first, version: 1, versions: 2 })
    // The gateway asks again for a name's latest version after 5 s.
    const base = `http://mysite.safe.localhost:${port}`
    const deadline = Date.now() + 20_000
    let latest = ''
    while (!latest.includes('Version two') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000))
      latest = await (await fetch(`http://localhost:${port}/safe/mysite/`)).text()
    }
    expect(latest).toContain('Version two')
    const old = await fetch(`http://localhost:${port}/safe/mysite/?v=1`)
    expect(old.headers.get('x-safe-version')).toBe('1')
    expect(old.headers.get('cache-control')).toMatch(/immutable/)
    expect(await old.text()).toContain('Version one')
    if (browser !== undefined) {
      const page = await browser.newPage()
      await page.goto(`${base}/`)
      expect(await page.textContent('#heading')).toBe('Version two')
      await page.screenshot({ path: join(SHOTS, 'site-v2.png') })
      await page.goto(`${base}/?v=1`)
      expect(await page.textContent('#heading')).toBe('Version one')
    }
  }, 240_000)

  it('lists a folder without an index; Ctrl-C stops the gateway cleanly, small files having been served from memory', async () => {
    const listing = await fetch(`http://localhost:${port}/safe/mysite/media/`)
    expect(listing.status).toBe(200)
    expect(await listing.text()).toMatch(/logo\.png/)
    expect(await (await fetch(`http://localhost:${port}/safe/mysite/media/?v=1`)).text()).toMatch(/logo\.png.*video\.mp4/s)
    const exited = new Promise<number | null>((resolve) => gateway!.once('exit', resolve))
    gateway!.kill('SIGINT')
    expect(await exited).toBe(0)
    const counts = /(\d+) served \(\d+ ranges, (\d+) from memory/.exec(gatewayOut)
    expect(counts, gatewayOut).not.toBeNull()
    expect(Number(counts![2])).toBeGreaterThan(0)
    gateway = undefined
  }, 60_000)
})
