/**
 * Issue 17 on real nodes: a 12-node testnet on 127.0.0.1 (in this process, LMDB stores). Files of
 * every size and a directory go in and come back byte for byte; a chunk whose stored copy is
 * damaged is repaired by the sweep and never served; a chunk read often gets more copies.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, decodeContactsFile, getDirectory, putDirectory, readManifest, RegisterFailed, registerName, writeOp } from '../../src/client/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { CLI_MAIN } from '../../src/node/process-flags.ts'
import { VAULT } from '../../src/roles/constants.ts'
import { LmdbStore } from '../../src/store/index.ts'
import { NodeKeypair } from '../../src/crypto/index.ts'

const SWEEP_MS = 5_000
const dir = mkdtempSync(join(tmpdir(), 'safenet-files-'))
let net: Testnet
let client: Client

beforeAll(async () => {
  // Sweeps every 5 s (60 s in a node): the damaged copy below is found within the test's patience.
  net = await Testnet.start({ nodes: 12, dir: join(dir, 'net'), logger: createLogger({ level: 'silent' }), vault: { sweepIntervalMs: SWEEP_MS } })
  expect(await net.settle(120_000)).toBeDefined()
  client = await Client.connect(decodeContactsFile(readFileSync(net.contactsPath, 'utf8'), net.contactsPath))
}, 180_000)

afterAll(async () => {
  await client?.close()
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('registers on a 12-node testnet', () => {
  it('creates a register, writes as owner and writer, reads back the history; a stranger is refused', async () => {
    const owner = NodeKeypair.generate()
    const writer = NodeKeypair.generate()
    const address = await client.createRegister(owner, 'site', [writer.publicKey.bytes])
    await client.writeRegister(owner, address, new TextEncoder().encode('v1'))
    const second = await client.writeRegister(writer, address, new TextEncoder().encode('v2'))
    const register = await client.readRegister(address)
    expect(register.read().map((n) => new TextDecoder().decode(n.entry.value))).toEqual(['v2'])
    expect(register.log().map((n) => new TextDecoder().decode(n.entry.value))).toEqual(['v1', 'v2'])
    expect(second.heads).toEqual([second.hash])
    const refused = await client.writeRegister(NodeKeypair.generate(), address, new TextEncoder().encode('mine')).then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(RegisterFailed)
    expect((refused as RegisterFailed).message).toMatch(/NotWriter/)
    // Sent anyway, past the client's own check: the holders refuse it.
    const intruder = writeOp(NodeKeypair.generate(), address, new TextEncoder().encode('mine'), register.heads())
    const outcome = await new Promise<{ ok: boolean; failure?: { reason: string } }>((resolve) => client.session.putRegister(registerName(address), [intruder], resolve))
    expect(outcome.ok).toBe(false)
    expect(outcome.failure?.reason).toMatch(/^NotWriter: /)
    expect((await client.readRegister(address)).size).toBe(2)
    // Every one of its 4 holders has it: a read from any gives the same heads.
    const statuses = net.statuses().filter((s) => s.vault.registers > 0)
    expect(statuses.length).toBeGreaterThanOrEqual(4)
  }, 120_000)
})

describe('safenet register on a 12-node testnet', () => {
  it('creates, writes, reads and lists a register; a missing one is a clear error', async () => {
    // The nodes run in this process: the CLI is waited for without blocking them.
    const cli = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI_MAIN, 'register', ...args, '--contacts', net.contactsPath, '--key', join(dir, 'user.key')], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr })
      })
    })
    const created = await cli('create', 'notes', '--json')
    expect(created.status, created.stderr).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'notes', register: expect.any(String) as unknown })
    expect((await cli('write', 'notes', 'first')).status).toBe(0)
    expect((await cli('write', 'notes', 'second')).status).toBe(0)
    const read = await cli('read', 'notes')
    expect(read.stdout.trim()).toBe('second')
    const log = JSON.parse((await cli('log', 'notes', '--json')).stdout) as { size: number; entries: Array<{ value: string; parents: string[] }> }
    expect(log.size).toBe(2)
    expect(log.entries.map((e) => e.value)).toEqual(['first', 'second'])
    expect(log.entries[1]!.parents).toHaveLength(1)
    const missing = await cli('read', 'nothing-here')
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/could not be read: not found/)
    // The key file is the user's alone.
    expect(statSync(join(dir, 'user.key')).mode & 0o777).toBe(0o600)
  }, 120_000)
})

describe('files on a 12-node testnet', () => {
  it('puts and gets files of 0 B, 1 B, 3 KiB and 10 MiB: the same bytes back', async () => {
    for (const size of [0, 1, 3 * 1024, 10 * 1024 * 1024]) {
      const bytes = new Uint8Array(randomBytes(size))
      const { address } = await client.put(bytes)
      const back = await client.getBytes(address)
      expect(sha256(back), `${size} bytes`).toBe(sha256(bytes))
      expect((await client.stat(address)).sizeBytes).toBe(size)
    }
  }, 300_000)

  it('reads a range by fetching only the chunks that cover it', async () => {
    const bytes = new Uint8Array(randomBytes(5 * 1024 * 1024 + 17))
    const { address } = await client.put(bytes)
    const range = await client.getRange(address, 2 * 1024 * 1024 - 5, 2 * 1024 * 1024 + 5)
    expect(sha256(range)).toBe(sha256(bytes.subarray(2 * 1024 * 1024 - 5, 2 * 1024 * 1024 + 5)))
  }, 120_000)

  it('puts and gets a directory: nested folders, an empty file, an empty folder and non-ASCII names', async () => {
    const tree = join(dir, 'tree')
    mkdirSync(join(tree, 'a', 'b', 'c'), { recursive: true })
    mkdirSync(join(tree, 'empty folder'))
    writeFileSync(join(tree, 'top.txt'), 'top')
    writeFileSync(join(tree, 'a', 'empty'), '')
    writeFileSync(join(tree, 'a', 'b', 'c', 'ünïcødé — 文件.bin'), randomBytes(300_000))
    const stored = await putDirectory(client, tree)
    expect(stored.files).toBe(3)
    const manifest = await readManifest(client, stored.address)
    expect(manifest?.entries.map((e) => e.path)).toEqual(['a', 'a/b', 'a/b/c', 'a/b/c/ünïcødé — 文件.bin', 'a/empty', 'empty folder', 'top.txt'])
    const out = join(dir, 'tree-back')
    await getDirectory(client, manifest!, out)
    for (const file of ['top.txt', 'a/empty', 'a/b/c/ünïcødé — 文件.bin']) expect(sha256(readFileSync(join(out, file)))).toBe(sha256(readFileSync(join(tree, file))))
    await expect(readManifest(client, (await client.put(new Uint8Array(100))).address)).resolves.toBeUndefined()
  }, 120_000)

  it('an address nobody holds is a clear error', async () => {
    await expect(client.getBytes(new Uint8Array(randomBytes(32)))).rejects.toThrow(/not found: \d+ of its holders answered that they do not have it/)
  }, 120_000)

  it('a chunk read 1,000 times ends with more than 4 copies; one read once stays at 4', async () => {
    const hot = new Uint8Array(randomBytes(2000))
    const cold = new Uint8Array(randomBytes(2000))
    const hotAddress = (await client.put(hot)).address
    const coldAddress = (await client.put(cold)).address
    // The root chunk of a small file is the one every read fetches first.
    for (let i = 0; i < 1000; i++) await client.getChunk(hotAddress)
    await client.getChunk(coldAddress)
    // Popular copies are fetched by the next-closest members a moment later.
    let copies = 0
    for (let wait = 0; wait < 40 && copies <= 4; wait++) {
      await new Promise((r) => setTimeout(r, 250))
      copies = (await client.probeChunk(hotAddress)).holding.size
    }
    console.log(`a chunk read 1,000 times: ${copies} copies`)
    expect(copies).toBeGreaterThan(4)
    expect(copies).toBeLessThanOrEqual(4 + VAULT.popularExtraCopies)
    expect((await client.probeChunk(coldAddress)).holding.size).toBe(4)
  }, 180_000)

  it('a damaged copy in a holder\'s store is found by the sweep, never served, and replaced from another holder', async () => {
    const bytes = new Uint8Array(randomBytes(40_000))
    const chunks: Uint8Array[] = []
    const { address } = await client.put(bytes, { journal: { has: () => false, add: (a) => chunks.push(a) } })
    const target = chunks[0]!
    const { members, holding } = await client.probeChunk(target)
    // A holder other than the first node (the one the contacts name first).
    const statuses = net.statuses()
    const holder = members.slice(0, 4).find((m) => holding.has(m.addr) && statuses.findIndex((s) => s.addr === m.addr) > 0)!
    expect(holder).toBeDefined()
    const index = statuses.findIndex((s) => s.addr === holder.addr)
    // Stop it, flip bytes of its copy in its LMDB store, start it again.
    await net.kill(index)
    const store = LmdbStore.open(net.roots[index]!)
    const good = store.getBlob('chunks', target)!
    const bad = good.slice()
    for (let i = 100; i < 110; i++) bad[i]! ^= 0xa5
    store.putBlob('chunks', target, bad)
    await store.close()
    await net.startNode(index)
    expect(await net.settle(120_000)).toBeDefined()
    // Nobody reads it: the sweep finds the bad copy, drops it and fetches a good one.
    const deadline = performance.now() + SWEEP_MS * 2 + 30_000
    while (net.statuses()[index]!.vault.corruptFound === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1_000))
    expect(net.statuses()[index]!.vault.corruptFound).toBe(1)
    let repaired = false
    while (!repaired && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000))
      repaired = (await client.probeChunk(target)).holding.has(holder.addr)
    }
    // Every read gets good bytes (a holder recomputes the address before answering).
    for (let i = 0; i < 20; i++) expect(sha256(await client.getBytes(address))).toBe(sha256(bytes))
    expect(repaired).toBe(true)
  }, 400_000)
})
