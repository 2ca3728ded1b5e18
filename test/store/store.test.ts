import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { open } from 'lmdb'
import { pack } from 'msgpackr'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/index.ts'
import { storeKeys } from '../../src/store/key-value-store.ts'
import {
  InvalidRecord,
  type Knowledge,
  LmdbStore,
  MemoryBacking,
  MemoryStore,
  type NodeIdentity,
  type NodeStore,
  StoreClosed,
  StoreCorrupt,
  type StoredShare,
  StoreLocked,
  StoreOpenFailed,
} from '../../src/store/index.ts'
import { blobFor, numberKey } from './fixtures/crash-writer.ts'

/** One place a store lives: opened, reopened after close, damaged from underneath. */
interface Place {
  open(): NodeStore
  /** Writes `value` under the engine key `key` behind the store's back (the store is closed). */
  damage(key: Uint8Array, value: Uint8Array): Promise<void>
  dispose(): void
}

interface Backend {
  readonly name: string
  place(): Place
  /** Property-test runs: each LMDB write is an fsync. */
  readonly runs: number
}

const tempDirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'safenet-store-'))
  tempDirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Writes raw bytes into an LMDB store directory with lmdb itself, as a damaged disk would. */
async function writeRaw(dir: string, key: Uint8Array, value: Uint8Array): Promise<void> {
  const db = open<Uint8Array, Uint8Array>({ path: dir, keyEncoding: 'binary', encoding: 'binary' })
  db.putSync(key, value)
  await db.close()
}

const lmdb: Backend = {
  name: 'LmdbStore',
  runs: 100,
  place() {
    const dir = join(tempDir(), 'store')
    return { open: () => LmdbStore.open(dir), damage: (key, value) => writeRaw(dir, key, value), dispose: () => {} }
  },
}

const memory: Backend = {
  name: 'MemoryStore',
  runs: 150,
  place() {
    const backing = new MemoryBacking()
    return {
      open: () => MemoryStore.open(backing),
      damage: (key, value) => {
        backing.entries.set(toHex(key), value)
        return Promise.resolve()
      },
      dispose: () => {},
    }
  },
}

const filled = (length: number, fill: number) => new Uint8Array(length).fill(fill)

const identity: NodeIdentity = { seed: filled(32, 1), networkId: 'testnet-1', genesis: filled(300, 2), listen: ['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4001'] }
const knowledge: Knowledge = {
  tree: [{ sap: filled(500, 3), chain: filled(200, 4) }, { sap: filled(400, 5), chain: filled(0, 0) }],
  section: { sap: filled(500, 3), members: [filled(40, 6), filled(40, 7)], nextGeneration: 7, decisions: [filled(90, 8)] },
}
const share = (fill: number, index = 2): StoredShare => ({ sectionKey: filled(48, fill), index, share: filled(32, 9), keySet: filled(48 * 3, 10) })

function thrown(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  throw new Error('expected the call to throw')
}

/** Every byte field of what the store returns is a plain Uint8Array, not a Buffer or a view. */
function expectPlainBytes(value: unknown): void {
  if (value instanceof Uint8Array) expect(value.constructor).toBe(Uint8Array)
  else if (Array.isArray(value)) value.forEach(expectPlainBytes)
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach(expectPlainBytes)
}

const hexKeys = (keys: Iterable<Uint8Array>) => [...keys].map(toHex)

/** The contract every NodeStore passes. */
function storeSuite(backend: Backend) {
  describe(`${backend.name} (the NodeStore contract)`, () => {
    let place: Place
    let store: NodeStore
    const fresh = () => {
      place = backend.place()
      store = place.open()
      return store
    }
    const reopen = async () => {
      await store.close()
      store = place.open()
      return store
    }
    afterEach(async () => {
      await store.close()
      place.dispose()
    })

    it('starts empty', () => {
      fresh()
      expect(store.identity()).toBeUndefined()
      expect(store.knowledge()).toBeUndefined()
      expect(store.shares()).toEqual([])
      expect(store.blobCount('chunks')).toBe(0)
      expect([...store.blobKeys('chunks')]).toEqual([])
      expect(store.getBlob('chunks', filled(32, 1))).toBeUndefined()
    })

    it('returns every record as saved, with plain Uint8Arrays', () => {
      fresh()
      store.saveIdentity(identity)
      store.saveKnowledge(knowledge)
      store.saveShare(share(11))
      expect(store.identity()).toEqual(identity)
      expect(store.knowledge()).toEqual(knowledge)
      expect(store.shares()).toEqual([share(11)])
      for (const value of [store.identity(), store.knowledge(), store.shares()]) expectPlainBytes(value)
    })

    it('keeps knowledge without a section, and a section with an empty tree', () => {
      fresh()
      store.saveKnowledge({ tree: [] })
      expect(store.knowledge()).toEqual({ tree: [] })
      store.saveKnowledge({ tree: [], section: knowledge.section })
      expect(store.knowledge()).toEqual({ tree: [], section: knowledge.section })
    })

    it('replaces identity and knowledge, and a share with the same section key', () => {
      fresh()
      store.saveIdentity(identity)
      store.saveIdentity({ ...identity, listen: [] })
      expect(store.identity()?.listen).toEqual([])
      store.saveKnowledge(knowledge)
      store.saveKnowledge({ tree: [] })
      expect(store.knowledge()).toEqual({ tree: [] })
      store.saveShare(share(11, 1))
      store.saveShare(share(11, 5))
      expect(store.shares()).toEqual([share(11, 5)])
    })

    it('lists shares in order of section key bytes', () => {
      fresh()
      for (const fill of [200, 3, 77]) store.saveShare(share(fill))
      expect(store.shares().map((s) => s.sectionKey[0])).toEqual([3, 77, 200])
    })

    it('drops exactly the shares keep rejects, in one write, and writes nothing when all are kept', () => {
      fresh()
      for (const fill of [1, 2, 3, 4]) store.saveShare(share(fill))
      const asked: string[] = []
      const before = store.stats.writes
      store.dropShares((hex) => {
        asked.push(hex)
        return hex === toHex(filled(48, 2)) || hex === toHex(filled(48, 4))
      })
      expect(store.stats.writes).toBe(before + 1)
      expect(asked).toEqual([1, 2, 3, 4].map((fill) => toHex(filled(48, fill))))
      expect(store.shares()).toEqual([share(2), share(4)])
      store.dropShares(() => true)
      expect(store.stats.writes).toBe(before + 1)
      store.dropShares(() => false)
      expect(store.shares()).toEqual([])
    })

    it('keeps blob namespaces apart, even one that extends another\'s name', () => {
      fresh()
      store.putBlob('chunks', filled(2, 1), filled(3, 1))
      store.putBlob('chunks-old', filled(2, 1), filled(3, 2))
      store.putBlob('registers', filled(2, 1), filled(3, 3))
      expect(store.getBlob('chunks', filled(2, 1))).toEqual(filled(3, 1))
      expect(store.getBlob('chunks-old', filled(2, 1))).toEqual(filled(3, 2))
      expect(store.blobCount('chunks')).toBe(1)
      store.deleteBlob('chunks', filled(2, 1))
      expect(store.getBlob('chunks', filled(2, 1))).toBeUndefined()
      expect(store.getBlob('chunks-old', filled(2, 1))).toEqual(filled(3, 2))
      expect([store.blobCount('chunks'), store.blobCount('chunks-old'), store.blobCount('registers')]).toEqual([0, 1, 1])
      store.deleteBlob('chunks', filled(2, 1))
    })

    it('lists blob keys in byte order, a key before its extensions', () => {
      fresh()
      const keys = [[2], [1, 0], [255], [1], [0, 255, 255], [1, 255]].map((k) => Uint8Array.from(k))
      for (const key of keys) store.putBlob('chunks', key, key)
      const listed = [...store.blobKeys('chunks')]
      expect(listed.map((k) => [...k])).toEqual([[0, 255, 255], [1], [1, 0], [1, 255], [2], [255]])
      expect([...store.blobKeys('chunks')]).toEqual(listed)
      expect(store.blobCount('chunks')).toBe(6)
      expectPlainBytes(store.getBlob('chunks', Uint8Array.from([1])))
      // From a key on (exclusive), as a vault walks its chunks slice by slice.
      expect([...store.blobKeys('chunks', Uint8Array.from([1]))].map((k) => [...k])).toEqual([[1, 0], [1, 255], [2], [255]])
      expect([...store.blobKeys('chunks', Uint8Array.from([1, 128]))].map((k) => [...k])).toEqual([[1, 255], [2], [255]])
      expect([...store.blobKeys('chunks', Uint8Array.from([255]))]).toEqual([])
    })

    it('lists blob keys as they were when an iteration began, while it deletes and puts', () => {
      fresh()
      for (let i = 0; i < 20; i++) store.putBlob('chunks', Uint8Array.of(i), Uint8Array.of(i))
      const keys = store.blobKeys('chunks')
      const seen: number[] = []
      for (const key of keys) {
        seen.push(key[0]!)
        if (key[0]! % 2 === 0) store.deleteBlob('chunks', key)
        if (key[0] === 5) store.putBlob('chunks', Uint8Array.of(100), Uint8Array.of(1))
      }
      expect(seen).toEqual([...Array(20).keys()])
      expect([...keys].map((key) => key[0])).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 100])
    })

    it('keeps its own copies: mutating what went in or came out changes nothing', () => {
      fresh()
      const mine = { ...identity, seed: identity.seed.slice() }
      store.saveIdentity(mine)
      mine.seed.fill(0)
      const value = filled(4, 7)
      store.putBlob('chunks', filled(1, 1), value)
      value.fill(0)
      store.identity()!.seed.fill(0)
      store.getBlob('chunks', filled(1, 1))!.fill(0)
      expect(store.identity()).toEqual(identity)
      expect(store.getBlob('chunks', filled(1, 1))).toEqual(filled(4, 7))
    })

    it('keeps everything across close and reopen', async () => {
      fresh()
      store.saveIdentity(identity)
      store.saveKnowledge(knowledge)
      store.saveShare(share(11))
      store.putBlob('chunks', filled(32, 5), filled(1000, 6))
      await reopen()
      expect(store.identity()).toEqual(identity)
      expect(store.knowledge()).toEqual(knowledge)
      expect(store.shares()).toEqual([share(11)])
      expect(hexKeys(store.blobKeys('chunks'))).toEqual([toHex(filled(32, 5))])
      expect(store.getBlob('chunks', filled(32, 5))).toEqual(filled(1000, 6))
    })

    it('refuses every call after close with StoreClosed, and closes twice without complaint', async () => {
      fresh()
      const keys = store.blobKeys('chunks')
      await store.close()
      await store.close()
      const calls: Array<() => unknown> = [
        () => store.identity(), () => store.saveIdentity(identity), () => store.knowledge(), () => store.saveKnowledge(knowledge),
        () => store.shares(), () => store.saveShare(share(1)), () => store.dropShares(() => true),
        () => store.putBlob('chunks', filled(1, 1), filled(1, 1)), () => store.getBlob('chunks', filled(1, 1)),
        () => store.deleteBlob('chunks', filled(1, 1)), () => store.blobKeys('chunks'), () => store.blobCount('chunks'), () => [...keys],
      ]
      for (const call of calls) expect(call).toThrow(StoreClosed)
      expect(store.stats.writes).toBe(0)
    })

    it('refuses a second open while the first is open, and allows it after close', async () => {
      fresh()
      const error = thrown(() => place.open())
      expect(error).toBeInstanceOf(StoreLocked)
      expect((error as StoreLocked).pid).toBe(process.pid)
      await reopen()
      expect(store.identity()).toBeUndefined()
    })

    it('reads a record that is not msgpack, or not of its schema, as StoreCorrupt naming it', async () => {
      fresh()
      store.saveIdentity(identity)
      store.saveShare(share(1))
      await store.close()
      await place.damage(storeKeys.knowledge, Uint8Array.from([0x92, 0x01]))
      // Valid msgpack of the wrong shape: an identity with a 31-byte seed; a share that is a string.
      await place.damage(storeKeys.identity, pack({ ...identity, seed: filled(31, 1) }))
      await place.damage(storeKeys.share(filled(48, 2)), pack('nope'))
      store = place.open()
      for (const [read, record] of [[() => store.knowledge(), 'knowledge'], [() => store.identity(), 'identity'], [() => store.shares(), 'share']] as const) {
        const error = thrown(read)
        expect(error).toBeInstanceOf(StoreCorrupt)
        expect((error as StoreCorrupt).record).toBe(record)
        expect((error as StoreCorrupt).message).toMatch(new RegExp(`^the ${record} record in `))
      }
      expect((thrown(() => store.knowledge()) as StoreCorrupt).message).toMatch(/does not read back \(MalformedFrame: .*msgpack/)
      expect((thrown(() => store.identity()) as StoreCorrupt).message).toMatch(/32 bytes, got 31/)
    })

    it('refuses to save a record that would not read back', () => {
      fresh()
      const bad: Array<[() => void, string]> = [
        [() => store.saveIdentity({ ...identity, seed: filled(31, 1) }), 'identity'],
        [() => store.saveKnowledge({ tree: [{ sap: filled(1, 1) }] } as unknown as Knowledge), 'knowledge'],
        [() => store.saveShare({ ...share(1), sectionKey: filled(47, 1) }), 'share'],
        [() => store.saveShare({ ...share(1), index: -1 }), 'share'],
      ]
      for (const [save, record] of bad) {
        const error = thrown(save)
        expect(error).toBeInstanceOf(InvalidRecord)
        expect((error as InvalidRecord).record).toBe(record)
      }
      expect(store.stats.writes).toBe(0)
      expect(store.identity()).toBeUndefined()
    })

    it('puts and deletes a batch of blobs in one write, refusing the whole batch if any key is bad', () => {
      fresh()
      store.putBlob('ballots', filled(4, 1), filled(8, 1))
      const { writes } = store.stats
      store.writeBlobs('ballots', [{ key: filled(4, 2), value: filled(8, 2) }, { key: filled(4, 3), value: filled(8, 3) }, { key: filled(4, 1), value: undefined }])
      expect(store.stats.writes - writes).toBe(1)
      expect([...store.blobKeys('ballots')]).toEqual([filled(4, 2), filled(4, 3)])
      expect(store.getBlob('ballots', filled(4, 3))).toEqual(filled(8, 3))
      expect(() => store.writeBlobs('ballots', [{ key: filled(4, 4), value: filled(1, 1) }, { key: new Uint8Array(0), value: filled(1, 1) }])).toThrow(RangeError)
      expect(store.getBlob('ballots', filled(4, 4))).toBeUndefined()
      store.writeBlobs('ballots', [])
      expect(store.stats.writes - writes).toBe(1)
    })

    it('applies queued blob writes in order and reports each durable once, kept across reopen', async () => {
      fresh()
      const done: string[] = []
      const queued = (label: string, changes: Array<{ key: Uint8Array; value: Uint8Array | undefined }>) =>
        new Promise<void>((resolve) => store.queueBlobs('chunks', changes, (error) => {
          done.push(error === undefined ? label : `${label}: ${error.message}`)
          resolve()
        }))
      await Promise.all([
        queued('a', [{ key: filled(4, 1), value: filled(8, 1) }, { key: filled(4, 2), value: filled(8, 2) }]),
        queued('b', [{ key: filled(4, 1), value: undefined }]),
        queued('c', [{ key: filled(4, 2), value: filled(8, 3) }]),
      ])
      expect(done).toEqual(['a', 'b', 'c'])
      expect(hexKeys(store.blobKeys('chunks'))).toEqual([toHex(filled(4, 2))])
      expect(store.getBlob('chunks', filled(4, 2))).toEqual(filled(8, 3))
      await reopen()
      expect(store.getBlob('chunks', filled(4, 2))).toEqual(filled(8, 3))
      expect(() => store.queueBlobs('chunks', [{ key: new Uint8Array(0), value: filled(1, 1) }], () => {})).toThrow(RangeError)
    })

    it('tells a blob\'s size without reading it, a chunk-sized one too', () => {
      fresh()
      store.putBlob('chunks', filled(4, 1), filled(8, 1))
      store.putBlob('chunks', filled(4, 2), filled(1024 * 1024, 2))
      expect(store.blobSize('chunks', filled(4, 1))).toBe(8)
      expect(store.blobSize('chunks', filled(4, 2))).toBe(1024 * 1024)
      expect(store.blobSize('chunks', filled(4, 3))).toBeUndefined()
      expect(store.blobSize('other', filled(4, 1))).toBeUndefined()
    })

    it('asserts blob namespaces and key lengths', () => {
      fresh()
      expect(() => store.putBlob('Chunks', filled(1, 1), filled(1, 1))).toThrow(RangeError)
      expect(() => store.putBlob('a\0b', filled(1, 1), filled(1, 1))).toThrow(RangeError)
      expect(() => store.getBlob('chunks', new Uint8Array(0))).toThrow(RangeError)
      expect(() => store.putBlob('chunks', filled(1025, 1), filled(1, 1))).toThrow(RangeError)
      store.putBlob('chunks', filled(1024, 1), filled(1, 1))
      expect(() => store.blobCount('')).toThrow(RangeError)
    })

    it('counts writes, bytes written and reads', () => {
      fresh()
      store.putBlob('chunks', filled(32, 1), filled(1000, 1))
      store.deleteBlob('chunks', filled(32, 1))
      store.getBlob('chunks', filled(32, 1))
      store.identity()
      const keyBytes = storeKeys.blob('chunks', filled(32, 1)).length
      expect(store.stats).toEqual({ writes: 2, bytesWritten: 2 * keyBytes + 1000, reads: 2 })
    })

    it('reads as a model map does after any sequence of saves, drops, puts, deletes and reopens', async () => {
      const sectionKeys = [1, 2, 3, 4].map((fill) => filled(48, fill))
      const bytes = fc.uint8Array({ maxLength: 6 })
      const op = fc.oneof(
        fc.record({ kind: fc.constant('identity' as const), seed: fc.uint8Array({ minLength: 32, maxLength: 32 }), networkId: fc.string(), listen: fc.array(fc.string(), { maxLength: 3 }) }),
        fc.record({ kind: fc.constant('knowledge' as const), tree: fc.array(fc.record({ sap: bytes, chain: bytes }), { maxLength: 3 }), generation: fc.option(fc.nat(), { nil: undefined }) }),
        fc.record({ kind: fc.constant('share' as const), key: fc.nat(3), index: fc.nat(63), share: bytes }),
        fc.record({ kind: fc.constant('drop' as const), keep: fc.uniqueArray(fc.nat(3)) }),
        fc.record({ kind: fc.constant('put' as const), ns: fc.constantFrom('chunks', 'chunks-old', 'spentbook'), key: fc.uint8Array({ minLength: 1, maxLength: 3, max: 2 }), value: bytes }),
        fc.record({ kind: fc.constant('delete' as const), ns: fc.constantFrom('chunks', 'chunks-old', 'spentbook'), key: fc.uint8Array({ minLength: 1, maxLength: 3, max: 2 }) }),
        fc.constant({ kind: 'reopen' as const }),
      )
      await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        fresh()
        const model = { identity: undefined as NodeIdentity | undefined, knowledge: undefined as Knowledge | undefined, shares: new Map<string, StoredShare>(), blobs: new Map<string, Uint8Array>() }
        const blobKey = (ns: string, key: Uint8Array) => `${ns}/${toHex(key)}`
        try {
          for (const step of ops) {
            switch (step.kind) {
              case 'identity':
                model.identity = { seed: step.seed, networkId: step.networkId, genesis: filled(3, 3), listen: step.listen }
                store.saveIdentity(model.identity)
                break
              case 'knowledge':
                model.knowledge = step.generation === undefined
                  ? { tree: step.tree }
                  : { tree: step.tree, section: { sap: filled(2, 2), members: [], nextGeneration: step.generation, decisions: [] } }
                store.saveKnowledge(model.knowledge)
                break
              case 'share': {
                const stored = { sectionKey: sectionKeys[step.key]!, index: step.index, share: step.share, keySet: filled(48, 0) }
                model.shares.set(toHex(stored.sectionKey), stored)
                store.saveShare(stored)
                break
              }
              case 'drop': {
                const kept = new Set(step.keep.map((i) => toHex(sectionKeys[i]!)))
                for (const hex of model.shares.keys()) if (!kept.has(hex)) model.shares.delete(hex)
                store.dropShares((hex) => kept.has(hex))
                break
              }
              case 'put':
                model.blobs.set(blobKey(step.ns, step.key), step.value)
                store.putBlob(step.ns, step.key, step.value)
                break
              case 'delete':
                model.blobs.delete(blobKey(step.ns, step.key))
                store.deleteBlob(step.ns, step.key)
                break
              case 'reopen':
                await reopen()
                break
            }
            expect(store.identity()).toEqual(model.identity)
            expect(store.knowledge()).toEqual(model.knowledge)
            expect(store.shares()).toEqual([...model.shares.keys()].sort().map((hex) => model.shares.get(hex)))
            for (const ns of ['chunks', 'chunks-old', 'spentbook']) {
              const keys = [...model.blobs.keys()].filter((key) => key.startsWith(`${ns}/`)).map((key) => key.slice(ns.length + 1)).sort()
              expect(hexKeys(store.blobKeys(ns))).toEqual(keys)
              expect(store.blobCount(ns)).toBe(keys.length)
              for (const key of keys) expect(store.getBlob(ns, Uint8Array.from(Buffer.from(key, 'hex')))).toEqual(model.blobs.get(`${ns}/${key}`))
            }
          }
        } finally {
          await store.close()
          place.dispose()
        }
      }), { numRuns: backend.runs })
    })
  })
}

describe.each([memory, lmdb])('$name', (backend) => storeSuite(backend))

describe('LmdbStore on disk', () => {
  const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))

  it('keeps every write acknowledged before a SIGKILL, and refuses to open while the writer runs', async () => {
    const dir = join(tempDir(), 'store')
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let whileRunning: unknown
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        stdout += text
        const acknowledged = stdout.split('\n').length - 1
        if (acknowledged >= 1 && whileRunning === undefined) whileRunning = thrown(() => LmdbStore.open(dir))
        if (acknowledged >= 100) child.kill('SIGKILL')
      })
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
      child.on('error', reject)
      child.on('exit', () => resolve())
    })
    expect(child.signalCode, stderr).toBe('SIGKILL')
    expect(whileRunning).toBeInstanceOf(StoreLocked)
    expect((whileRunning as StoreLocked).pid).toBe(child.pid)

    const acknowledged = stdout.split('\n').slice(0, -1).map(Number)
    expect(acknowledged.length).toBeGreaterThanOrEqual(100)
    expect(acknowledged).toEqual(acknowledged.map((_, i) => i))
    const last = acknowledged.length - 1

    // The writer's LOCK names a dead process now: the reopen takes it over.
    const store = LmdbStore.open(dir)
    try {
      for (let n = 0; n <= last; n++) if (n % 10 !== 0) expect(store.getBlob('crash', numberKey(n))).toEqual(blobFor(n))
      const sap = store.knowledge()!.tree[0]!.sap
      const knowledgeAt = new DataView(sap.buffer, sap.byteOffset).getUint32(0)
      expect(knowledgeAt).toBeGreaterThanOrEqual(last - (last % 10))
    } finally {
      await store.close()
    }
  })

  it('takes over a lock left by a dead process or holding no pid, and removes its own on close', async () => {
    const dir = join(tempDir(), 'store')
    await LmdbStore.open(dir).close()
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    for (const content of [`${dead}\n`, 'garbage', '']) {
      writeFileSync(join(dir, 'LOCK'), content)
      const store = LmdbStore.open(dir)
      expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(`${process.pid}\n`)
      await store.close()
      expect(() => readFileSync(join(dir, 'LOCK'))).toThrow(/ENOENT/)
    }
  })

  it('refuses a lock held by a live process, naming it', () => {
    const dir = join(tempDir(), 'store')
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'])
    try {
      mkdirSync(dir)
      writeFileSync(join(dir, 'LOCK'), `${sleeper.pid}\n`)
      const error = thrown(() => LmdbStore.open(dir))
      expect(error).toBeInstanceOf(StoreLocked)
      expect((error as StoreLocked).message).toContain(`in use by process ${sleeper.pid}`)
      expect((error as StoreLocked).message).toContain(join(dir, 'LOCK'))
    } finally {
      sleeper.kill('SIGKILL')
    }
  })

  it('refuses a damaged data.mdb with StoreOpenFailed instead of crashing in LMDB', async () => {
    const dir = join(tempDir(), 'store')
    const store = LmdbStore.open(dir)
    store.saveIdentity(identity)
    await store.close()
    const data = readFileSync(join(dir, 'data.mdb'))
    for (const damaged of [Buffer.alloc(20_000), data.subarray(0, 100), Buffer.concat([data.subarray(0, 4096), Buffer.alloc(4096, 7), data.subarray(8192)])]) {
      writeFileSync(join(dir, 'data.mdb'), damaged)
      const error = thrown(() => LmdbStore.open(dir))
      expect(error).toBeInstanceOf(StoreOpenFailed)
      expect((error as StoreOpenFailed).message).toMatch(/move .* aside/)
      expect(() => readFileSync(join(dir, 'LOCK'))).toThrow(/ENOENT/)
    }
    writeFileSync(join(dir, 'data.mdb'), data)
    const again = LmdbStore.open(dir)
    expect(again.identity()).toEqual(identity)
    await again.close()
  })

  it('opens a directory whose name looks like a file name (lmdb-js would take `node.1` for a file)', async () => {
    const dir = join(tempDir(), 'node.1')
    const store = LmdbStore.open(dir)
    store.saveIdentity(identity)
    await store.close()
    expect(readFileSync(join(dir, 'data.mdb')).length).toBeGreaterThan(0)
  })

  it('refuses a path it cannot create with StoreOpenFailed carrying the cause', () => {
    const file = join(tempDir(), 'file')
    writeFileSync(file, 'not a directory')
    const error = thrown(() => LmdbStore.open(join(file, 'store')))
    expect(error).toBeInstanceOf(StoreOpenFailed)
    expect((error as StoreOpenFailed).cause).toMatch(/ENOTDIR|EEXIST/)
    expect((error as StoreOpenFailed).path).toBe(join(file, 'store'))
  })
})
