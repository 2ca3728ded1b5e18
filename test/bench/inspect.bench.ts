/**
 * What watching the protocol costs (`npm run bench -- test/bench/inspect.bench.ts`), issue 18:
 *
 * 1. The simulator's events per wall second growing a 40-node network, without any inspection
 *    (baseline), with the dashboard's tap on every actor (what `--record` and the dashboard add),
 *    and with the tap feeding `@statelyai/inspect`'s stream too (`--inspect`; its messages thrown
 *    away here). Runs alternate so a busy moment of the machine hits every variant alike.
 * 2. A 12-node testnet in this process with the tap and the dashboard server: the process's CPU
 *    per second with no viewer (dashboard closed), then with one viewer on /live (open), then with
 *    a viewer on /live and one on /inspect (each viewer a process of its own); the baseline is the
 *    same testnet's CPU with nobody watching, before and after (the lower of the two).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { DashboardServer } from '../../src/inspect/server.ts'
import { StatelyStream } from '../../src/inspect/stately.ts'
import { ActorTap } from '../../src/inspect/tap.ts'
import { createLogger } from '../../src/log/index.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'
import { figure } from './report.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-inspect-bench-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const SIM = { nodes: 40, joinWindowMs: 240_000, clients: 5 } as const
const ROUNDS = 3
const WINDOW_MS = 15_000

type Variant = 'none' | 'tap' | 'tap+inspect'

function simEventsPerSecond(variant: Variant): { perSecond: number; traceHash: string } {
  const tap = variant === 'none' ? undefined : new ActorTap({ now: () => 0 })
  if (variant === 'tap+inspect') tap!.stately = new StatelyStream(() => undefined)
  const recorder = tap === undefined ? undefined : { observe: (addr: string) => tap.observe(addr), watch: () => undefined, tick: () => undefined }
  const report = runNetworkScenario(7, { ...SIM, ...(recorder === undefined ? {} : { recorder: recorder as never }) })
  return { perSecond: report.schedulerEvents / (report.wallMs / 1000), traceHash: report.traceHash }
}

/** This process's CPU milliseconds per wall second over `ms`. */
async function cpuPerSecond(ms: number): Promise<number> {
  const before = process.cpuUsage()
  const started = performance.now()
  await new Promise((r) => setTimeout(r, ms))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000 / ((performance.now() - started) / 1000)
}

/** A WebSocket viewer in a process of its own (its CPU is not the testnet's); `close` gives the bytes it received. */
async function viewer(url: string): Promise<{ close(): Promise<number> }> {
  const script = `const ws = new WebSocket(${JSON.stringify(url)}); let bytes = 0
ws.onmessage = (e) => (bytes += String(e.data).length)
ws.onopen = () => console.log('open')
process.stdin.on('end', () => { console.log(bytes); process.exit(0) }); process.stdin.resume()`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  await new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('open') && resolve()))
  return {
    close: async () => {
      child.stdin.end()
      await once(child, 'exit')
      return Number(out.trim().split('\n').at(-1))
    },
  }
}

describe('inspection overhead', () => {
  test('simulator events per second, with and without the inspection tap', () => {
    const results: Record<Variant, number[]> = { none: [], tap: [], 'tap+inspect': [] }
    const hashes = new Set<string>()
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of ['none', 'tap', 'tap+inspect'] as const) {
        const run = simEventsPerSecond(variant)
        results[variant].push(run.perSecond)
        hashes.add(run.traceHash)
      }
    }
    // Watching changes nothing in the run.
    expect(hashes.size).toBe(1)
    const best = (v: Variant) => Math.max(...results[v])
    figure('sim events/s, no inspection (baseline)', best('none'), 'events/s')
    figure('sim events/s, dashboard tap', best('tap'), 'events/s', { name: 'none', value: best('none'), higherIsBetter: true })
    figure('sim events/s, tap + @statelyai/inspect stream', best('tap+inspect'), 'events/s', { name: 'none', value: best('none'), higherIsBetter: true })
  }, 900_000)

  test('testnet CPU with the dashboard closed and open', async () => {
    const tap = new ActorTap({ now: Date.now })
    let net: Testnet | undefined
    const server = await DashboardServer.start({ port: 0, inspect: true, live: { title: 'bench', tap, nodes: () => net?.views() ?? [], health: () => ({ ...net?.health() }) } })
    try {
      net = await Testnet.start({ nodes: 12, dir: join(dir, 'net'), logger: createLogger({ level: 'silent' }), staggerMs: 200, inspect: (addr) => tap.observe(addr) })
      expect(await net.settle(120_000)).toBeDefined()
      await new Promise((r) => setTimeout(r, 5_000))
      const closed = await cpuPerSecond(WINDOW_MS)
      const live = await viewer(`ws://127.0.0.1:${server.port}/live`)
      const open = await cpuPerSecond(WINDOW_MS)
      const inspect = await viewer(`ws://127.0.0.1:${server.port}/inspect`)
      const both = await cpuPerSecond(WINDOW_MS)
      const liveBytes = await live.close()
      const inspectBytes = await inspect.close()
      const closedAgain = await cpuPerSecond(WINDOW_MS)
      const base = Math.min(closed, closedAgain)
      figure('testnet (12 nodes) CPU, dashboard closed', base, 'ms/s')
      figure('testnet CPU, dashboard open (/live)', open, 'ms/s', { name: 'closed (CPU ratio)', value: base, higherIsBetter: true })
      figure('testnet CPU, dashboard + inspector viewer', both, 'ms/s', { name: 'closed (CPU ratio)', value: base, higherIsBetter: true })
      figure('dashboard feed', liveBytes / 1024 / (WINDOW_MS * 2 / 1000), 'KiB/s')
      figure('inspector feed', inspectBytes / 1024 / (WINDOW_MS / 1000), 'KiB/s')
    } finally {
      await net?.stop()
      await server.stop()
    }
  }, 600_000)
})
