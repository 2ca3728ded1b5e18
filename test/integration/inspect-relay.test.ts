/**
 * Issue 18: the inspector relay of a small testnet (8 nodes in this process, so a DKG, a handover
 * and every role run). A WebSocket client on /inspect receives `@statelyai/inspect`'s actor,
 * snapshot and event messages for every role's actors, and none of them carries a secret: no
 * node's key seed, no BLS key share, no raw byte object.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/index.ts'
import { DashboardServer } from '../../src/inspect/server.ts'
import { ActorTap } from '../../src/inspect/tap.ts'
import { createLogger } from '../../src/log/index.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { LmdbStore } from '../../src/store/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-inspect-'))
const ROLES = ['member', 'section', 'antiEntropy', 'vault', 'elder', 'agreement', 'dkg', 'connection']

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the inspector relay', () => {
  it('streams actor, snapshot and event messages for every role, with no secret in any', async () => {
    const tap = new ActorTap({ now: Date.now })
    let net: Testnet | undefined
    const server = await DashboardServer.start({ port: 0, inspect: true, live: { title: 'relay test', tap, nodes: () => net?.views() ?? [], health: () => ({}) } })
    const texts: string[] = []
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/inspect`)
    ws.onmessage = (e) => texts.push(String(e.data))
    await new Promise((resolve, reject) => {
      ws.onopen = resolve
      ws.onerror = reject
    })
    try {
      net = await Testnet.start({ nodes: 8, dir: join(dir, 'net'), logger: createLogger({ level: 'silent' }), staggerMs: 200, inspect: (addr) => tap.observe(addr) })
      expect(await net.settle(120_000)).toBeDefined()
      await new Promise((r) => setTimeout(r, 1_500))
    } finally {
      ws.close()
      await net?.stop()
      await server.stop()
    }
    const messages = texts.map((t) => JSON.parse(t) as { type: string; name?: string; sessionId: string; definition?: string; _version?: string })
    const machineOf = new Map(messages.filter((m) => m.type === '@xstate.actor').map((m) => [m.sessionId, (JSON.parse(m.definition!) as { id: string }).id]))
    const byMachine = (type: string) => new Set(messages.filter((m) => m.type === type).map((m) => machineOf.get(m.sessionId)))
    for (const type of ['@xstate.actor', '@xstate.snapshot', '@xstate.event']) {
      expect([...byMachine(type)].sort(), type).toEqual(expect.arrayContaining(ROLES))
    }
    expect(messages.every((m) => typeof m._version === 'string')).toBe(true)
    // An actor's name is its system id: node address and role, unique across nodes.
    expect(messages.find((m) => m.type === '@xstate.actor' && m.name!.endsWith('/member'))?.name).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+\.[0-9a-f]{8}\/member$/)
    // The secrets, read back from every node's store.
    const secrets: string[] = []
    for (const root of net.roots) {
      const store = LmdbStore.open(root)
      try {
        const identity = store.identity()!
        secrets.push(toHex(identity.seed), ...(identity.nodeSeed === undefined ? [] : [toHex(identity.nodeSeed)]))
        for (const share of store.shares()) secrets.push(toHex(share.share))
      } finally {
        await store.close()
      }
    }
    expect(secrets.length).toBeGreaterThan(8)
    const all = texts.join('\n')
    for (const secret of secrets) expect(all.includes(secret), 'a secret in the stream').toBe(false)
    expect(all).not.toMatch(/\{"0":\d+,"1":\d+/)
    expect(all).not.toMatch(/\[(\d{1,3},){31,}\d{1,3}\]/)
    console.log(`inspector relay: ${texts.length} messages, ${(all.length / 1024).toFixed(0)} KiB; stream counts ${JSON.stringify(server.stately?.counts)}`)
  }, 200_000)
})
