/**
 * Issue 6: nodes in two network namespaces, joined by a veth pair on a private subnet the test
 * makes itself (10.231.N.0/24), reach each other over TCP: one namespace starts the network, the
 * other's nodes join it through the first node's address. Needs root (CAP_NET_ADMIN) and `ip`;
 * anywhere else the test is skipped with the reason printed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { readStatus } from '../../src/node/testnet.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const tag = `${process.pid % 100_000}`
const ns = { a: `snt${tag}a`, b: `snt${tag}b` }
const subnet = `10.231.${process.pid % 250}`
const addr = { a: `${subnet}.1`, b: `${subnet}.2` }

function canMakeNamespaces(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (process.getuid?.() !== 0) return 'not running as root (network namespaces need CAP_NET_ADMIN)'
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    return 'the `ip` command (iproute2) is not installed'
  }
  // Root in a container may still lack CAP_NET_ADMIN or a writable /run/netns: try it.
  const probe = `snt${process.pid % 100_000}p`
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' })
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' })
  } catch (error) {
    return `cannot create a network namespace here (${String((error as { stderr?: Buffer }).stderr ?? error).trim().slice(0, 120)})`
  }
  return undefined
}

const skip = canMakeNamespaces()
if (skip !== undefined) console.log(`network-namespace test skipped: ${skip}`)

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe' })
}
const dir = mkdtempSync(join(tmpdir(), 'safenet-netns-'))
const children: ChildProcess[] = []

afterAll(async () => {
  await Promise.all(children.map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }))
  if (skip === undefined) for (const name of Object.values(ns)) try { ip('netns', 'del', name) } catch { /* not made */ }
  rmSync(dir, { recursive: true, force: true })
})

function startNode(namespace: string, root: string, args: string[]): ChildProcess {
  const log = openSync(join(dir, `${root}.log`), 'a')
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, MAIN, 'node', '--root', join(dir, root), ...args], { stdio: ['ignore', log, log] })
  closeSync(log)
  children.push(child)
  return child
}

async function until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('nodes in two network namespaces', () => {
  it.skipIf(skip !== undefined)('join one network across a veth pair', async () => {
    ip('netns', 'add', ns.a)
    ip('netns', 'add', ns.b)
    ip('link', 'add', `${ns.a}v`, 'type', 'veth', 'peer', 'name', `${ns.b}v`)
    ip('link', 'set', `${ns.a}v`, 'netns', ns.a)
    ip('link', 'set', `${ns.b}v`, 'netns', ns.b)
    ip('-n', ns.a, 'addr', 'add', `${addr.a}/24`, 'dev', `${ns.a}v`)
    ip('-n', ns.b, 'addr', 'add', `${addr.b}/24`, 'dev', `${ns.b}v`)
    for (const [name, dev] of [[ns.a, `${ns.a}v`], [ns.b, `${ns.b}v`]] as const) {
      ip('-n', name, 'link', 'set', dev, 'up')
      ip('-n', name, 'link', 'set', 'lo', 'up')
    }

    startNode(ns.a, 'a0', ['--first', '--listen', `/ip4/${addr.a}/tcp/0`])
    await until(() => readStatus(join(dir, 'a0'))?.role === 'elder', 'the first node', 30_000)
    const first = readStatus(join(dir, 'a0'))!
    expect(first.addr.startsWith(`/ip4/${addr.a}/tcp/`)).toBe(true)
    const joiners = [[ns.b, 'b0', addr.b], [ns.b, 'b1', addr.b], [ns.a, 'a1', addr.a]] as const
    for (const [name, root, host] of joiners) startNode(name, root, ['--bootstrap', first.addr, '--listen', `/ip4/${host}/tcp/0`])
    const roots = ['a0', ...joiners.map(([, root]) => root)].map((r) => join(dir, r))
    await until(() => roots.every((r) => existsSync(join(r, 'status.json')) && ['adult', 'elder'].includes(readStatus(r)?.role ?? '')), 'all 4 nodes to join', 90_000)
    // Each join changes the elders, so the section key changes as the last joiners are taken in:
    // wait until all four see one key (status.json is rewritten every second).
    const keys = (): Set<string> => new Set(roots.map((r) => readStatus(r)?.sectionKey ?? ''))
    await until(() => keys().size === 1, 'all 4 nodes to see one section key', 60_000)
    const statuses = roots.map((r) => readStatus(r)!)
    // One section, one key, seen alike from both namespaces; the namespace-b nodes reached it over the veth.
    expect(new Set(statuses.map((s) => s.sectionKey)).size).toBe(1)
    expect(statuses.filter((s) => s.addr.startsWith(`/ip4/${addr.b}/`)).length).toBe(2)
    for (const s of statuses.filter((x) => x.addr.startsWith(`/ip4/${addr.b}/`))) expect(s.transport.framesReceived).toBeGreaterThan(0)
  }, 180_000)
})
