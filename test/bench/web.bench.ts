/**
 * Names and the gateway over a real loopback network (`npm run bench -- test/bench/web.bench.ts`):
 * 25 node processes (`safenet testnet --nodes 25 --processes`), the client and the gateway in this
 * process. Figures (issue 19):
 *
 *  - NRS resolve latency, p50 and p95: a name's record (every elder asked, 5 shares combined and
 *    checked) then its register read. Cold: the first resolve of each of 20 names; warm: 100
 *    resolves of names resolved before (the combined signature is remembered: what a client that
 *    resolves a name again pays). Baseline in the same run: one chunk read from its holder, the
 *    least any network read costs.
 *  - Gateway time to first byte of a site's index page: uncached (a name the gateway has not seen:
 *    resolve, the directory's manifest, the file) and cached (the same page again: name and
 *    manifest cached, the file read from the network). Baseline: the same bytes from a node:http
 *    server on 127.0.0.1 with nothing behind it.
 */
import { createServer } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { Client, decodeContactsFile, encodeManifest } from '../../src/client/index.ts'
import { NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { Gateway } from '../../src/gateway/gateway.ts'
import { createLogger } from '../../src/log/index.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { figure, load, percentile, timed } from './report.ts'

const NODE_COUNT = 25
const SETTLE_TIMEOUT_MS = 150_000
const NAMES = 20
const WARM_RESOLVES = 100
const PAGES = 20

const dir = mkdtempSync(join(tmpdir(), 'safenet-web-bench-'))
let net: Testnet | undefined
let client: Client | undefined
let gateway: Gateway | undefined

afterAll(async () => {
  await gateway?.close()
  await client?.close()
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
}, 60_000)

/** Time to the first byte of a GET of `url` (headers and the first body piece). */
async function ttfb(url: string, host?: string): Promise<number> {
  const started = performance.now()
  const response = await fetch(url, host === undefined ? {} : { headers: { Host: host } })
  const reader = response.body!.getReader()
  await reader.read()
  const elapsed = performance.now() - started
  await reader.cancel()
  expect(response.status).toBe(200)
  return elapsed
}

describe('names and the gateway over a 25-process loopback testnet', () => {
  test('NRS resolve p50/p95 and gateway time to first byte, against a chunk read and a bare HTTP server', async () => {
    const startedMs = performance.now()
    net = await Testnet.start({ nodes: NODE_COUNT, dir, processes: true, logger: createLogger({ level: 'silent' }) })
    const settledMs = await net.settle(SETTLE_TIMEOUT_MS, startedMs)
    expect(net.health(), `not healthy after ${SETTLE_TIMEOUT_MS} ms`).toMatchObject({ healthy: true, why: '' })
    console.log(`${NODE_COUNT} node processes healthy in ${settledMs} ms (${net.health().sections} sections); ${load()}`)
    client = await Client.connect(decodeContactsFile(readFileSync(net.contactsPath, 'utf8'), net.contactsPath))

    // A small site per name: an index page in a directory manifest.
    const owner = NodeKeypair.generate()
    const page = new TextEncoder().encode(`<!doctype html><title>bench</title><h1>${'x'.repeat(2_000)}</h1>`)
    const names: string[] = []
    for (let i = 0; i < NAMES; i++) {
      const index = await client.put(Uint8Array.from([...page, i]))
      const manifest = await client.put(encodeManifest({ entries: [{ path: 'index.html', kind: 'file', address: toHex(index.address), sizeBytes: page.length + 1 }] }))
      const name = `bench-${i}`
      await client.registerName(owner, name, `safe://${toHex(manifest.address)}`)
      names.push(name)
    }

    // Baseline: one chunk read (a small file is one chunk: read from a holder, checked).
    const chunk = await client.put(page)
    const chunkReads: number[] = []
    for (let i = 0; i < 50; i++) chunkReads.push(await timed(() => client!.getChunk(chunk.address)))
    const chunkP50 = percentile(chunkReads, 50)
    figure('chunk read p50 (baseline)', chunkP50, 'ms')

    // Cold: the first resolve of each name from a client that has not resolved it.
    const fresh = await Client.connect(decodeContactsFile(readFileSync(net.contactsPath, 'utf8'), net.contactsPath))
    const cold: number[] = []
    try {
      for (const name of names) cold.push(await timed(() => fresh.resolveName(`safe://${name}`)))
    } finally {
      await fresh.close()
    }
    figure('NRS resolve cold p50', percentile(cold, 50), 'ms', { name: 'chunk read', value: chunkP50, higherIsBetter: false })
    figure('NRS resolve cold p95', percentile(cold, 95), 'ms')
    const warm: number[] = []
    for (let i = 0; i < WARM_RESOLVES; i++) warm.push(await timed(() => client!.resolveName(`safe://${names[i % names.length]!}`)))
    figure('NRS resolve warm p50', percentile(warm, 50), 'ms', { name: 'chunk read', value: chunkP50, higherIsBetter: false })
    figure('NRS resolve warm p95', percentile(warm, 95), 'ms')

    // Baseline: the same page from a bare HTTP server.
    const bare = createServer((_req, res) => res.end(page))
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve))
    const barePort = (bare.address() as { port: number }).port
    const bareTimes: number[] = []
    for (let i = 0; i < 50; i++) bareTimes.push(await ttfb(`http://127.0.0.1:${barePort}/`))
    await new Promise<void>((resolve) => bare.close(() => resolve()))
    const bareP50 = percentile(bareTimes, 50)
    figure('bare HTTP TTFB p50 (baseline)', bareP50, 'ms')

    gateway = await Gateway.start({ client, port: 0 })
    const uncached: number[] = []
    const cached: number[] = []
    for (let i = 0; i < PAGES; i++) {
      const name = names[i % names.length]!
      uncached.push(await ttfb(`http://127.0.0.1:${gateway.port}/safe/${name}/`))
      cached.push(await ttfb(`http://127.0.0.1:${gateway.port}/safe/${name}/`))
    }
    figure('gateway TTFB uncached p50', percentile(uncached, 50), 'ms', { name: 'bare HTTP', value: bareP50, higherIsBetter: false })
    figure('gateway TTFB uncached p95', percentile(uncached, 95), 'ms')
    figure('gateway TTFB cached p50', percentile(cached, 50), 'ms', { name: 'bare HTTP', value: bareP50, higherIsBetter: false })
    figure('gateway TTFB cached p95', percentile(cached, 95), 'ms')
    console.log(load())
  }, 600_000)
})
