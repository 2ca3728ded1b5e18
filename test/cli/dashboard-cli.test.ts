/**
 * The dashboard's command-line surface: `safenet node --dashboard 0 --inspect` prints what to
 * open, serves the page and the relay, and exits on Ctrl-C with a viewer connected; the flags'
 * mistakes and `safenet dashboard`'s are usage errors (exit 2) that say what is wrong.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI_MAIN } from '../../src/node/process-flags.ts'
import { isAlive } from '../../src/store/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-dashboard-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const run = (...args: string[]) => spawnSync(process.execPath, [CLI_MAIN, ...args], { encoding: 'utf8', timeout: 60_000 })

describe('dashboard flags', () => {
  it('a node with --dashboard 0 --inspect serves the page and the relay, and Ctrl-C stops it with a viewer connected', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'node', '--root', join(dir, 'node'), '--first', '--dashboard', '0', '--inspect'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dashboard line in 30 s: ${err}`)), 30_000)
      child.stderr.on('data', () => {
        const found = /dashboard (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err)?.[1]
        if (found !== undefined && err.includes('/stately')) {
          clearTimeout(timer)
          resolve(found)
        }
      })
    })
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script type="module" src="/app.js">')
    expect((await fetch(`${url}viz/member.svg`)).headers.get('content-type')).toBe('image/svg+xml')
    expect((await fetch(`${url}viz/..%2Fpackage.json`)).status).toBe(404)
    const state = await (await fetch(`${url}api/state`)).json() as { nodes: Array<{ role: string }>; actors: Array<{ machine: string }> }
    expect(state.nodes).toHaveLength(1)
    expect(state.actors.map((a) => a.machine)).toContain('member')
    const messages: string[] = []
    const viewer = new WebSocket(`${url.replace('http', 'ws')}inspect`)
    viewer.onmessage = (e) => messages.push(String(e.data))
    await new Promise((resolve, reject) => {
      viewer.onopen = resolve
      viewer.onerror = reject
    })
    // A late viewer is told every live actor first.
    await new Promise((r) => setTimeout(r, 500))
    expect(messages.filter((m) => m.includes('"@xstate.actor"')).length).toBeGreaterThanOrEqual(4)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))])).toBe(0)
    expect(isAlive(child.pid!)).toBe(false)
  }, 60_000)

  it('refuses a bad port, two contrary flags, and a dashboard without a trace', () => {
    const port = run('testnet', '--dashboard', 'x', '--nodes', '1', '--dir', join(dir, 'a'))
    expect(port.status).toBe(2)
    expect(port.stderr).toMatch(/--dashboard must be a port/)
    const both = run('testnet', '--dashboard', '0', '--no-dashboard', '--nodes', '1', '--dir', join(dir, 'b'))
    expect(both.status).toBe(2)
    expect(both.stderr).toMatch(/not both/)
    const none = run('dashboard')
    expect(none.status).toBe(2)
    expect(none.stderr).toMatch(/give one trace FILE/)
    const missing = run('dashboard', join(dir, 'nope.jsonl'))
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/no such file/)
    writeFileSync(join(dir, 'x'), '')
    const record = run('sim', '--scenario', 'agreement', '--record', join(dir, 'x'))
    expect(record.status).toBe(2)
    expect(record.stderr).toMatch(/--record FILE records a whole network run/)
  })
})
