/**
 * Issue 6: 30 real node processes on 127.0.0.1 settle into a healthy network; 3 non-genesis nodes
 * are killed with SIGKILL and restarted from their roots: they come back under the same names,
 * rejoin, and the network is healthy again. Then the whole network stops (without leaving) and
 * starts again on the same directory: it resumes with the same names, sections and keys.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/index.ts'
import { Testnet } from '../../src/node/testnet.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-restart-'))
let net: Testnet | undefined

afterAll(async () => {
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('a 30-node network of processes', () => {
  it('heals after 3 nodes are SIGKILLed and restarted from their stores, under the same names', async () => {
    net = await Testnet.start({ nodes: 30, dir, processes: true, logger: createLogger({ level: 'silent' }) })
    const settledMs = await net.settle(300_000)
    expect(net.health()).toMatchObject({ healthy: true, why: '' })
    expect(net.health().sections).toBeGreaterThanOrEqual(2)
    console.log(`settled in ${settledMs} ms: ${JSON.stringify(net.health())}`)

    const victims = [7, 15, 23]
    await Promise.all(victims.map((i) => net!.kill(i)))
    // The names each had when it died: a node relocated (or voted off) a moment before takes a new
    // name, and writes its status as it saves the key, so status.json names the key in its store.
    const before = net.statuses()
    const names = victims.map((i) => before[i]!.name)
    const roles = victims.map((i) => before[i]!.role)
    const down = net.health()
    expect(down.healthy).toBe(false)
    expect(down.nodes).toBe(27)

    const restarted = performance.now()
    for (const i of victims) await net.startNode(i)
    const after = net.statuses()
    expect(victims.map((i) => after[i]!.name)).toEqual(names)
    const healedMs = await net.settle(240_000, restarted)
    console.log(`victims were ${roles.join(', ')}; healthy again ${healedMs} ms after the restarts: ${JSON.stringify(net.health())}`)
    expect(net.health()).toMatchObject({ healthy: true, nodes: 30, joined: 30 })
    const healed = net.statuses()
    for (const i of victims) {
      expect(healed[i]!.name).toBe(names[i === 7 ? 0 : i === 15 ? 1 : 2])
      expect(['adult', 'elder']).toContain(healed[i]!.role)
    }
  }, 900_000)

  // Goes on from the network the test above left healthy.
  it('resumes after the whole network stops: every node restarts from its store, the sections and keys are the ones it had', async () => {
    expect(net?.health().healthy).toBe(true)
    await net!.stop()
    const stopped = net!.statuses()
    expect(stopped.every((s) => !s.running)).toBe(true)

    // The names in the stores (a node writes its status as it takes a new name and saves the key).
    const names = stopped.map((s) => s.name)
    const restarted = performance.now()
    net = await Testnet.start({ nodes: 30, dir, processes: true, logger: createLogger({ level: 'silent' }) })
    expect(net.statuses().map((s) => s.name)).toEqual(names)
    const resumedMs = await net.settle(240_000, restarted)
    console.log(`resumed and healthy ${resumedMs} ms after the restart: ${JSON.stringify(net.health())}`)
    expect(net.health()).toMatchObject({ healthy: true, nodes: 30, joined: 30 })
    const after = net.statuses()
    // None was voted off while the others came back (SECTION_TIMING.resumeGraceMs) and took a new name.
    expect(after.map((s) => s.name)).toEqual(names)
    const keys = (statuses: typeof stopped) => [...new Set(statuses.map((s) => `${s.prefix}:${s.sectionKey}`))].sort()
    expect(keys(after)).toEqual(keys(stopped))
  }, 600_000)
})
