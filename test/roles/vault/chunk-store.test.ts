import { describe, expect, it } from 'vitest'
import { sha3_256 } from '../../../src/crypto/index.ts'
import { ChunkStore } from '../../../src/roles/vault/chunk-store.ts'
import { MemoryStore, type NodeStore } from '../../../src/store/index.ts'

/**
 * A memory store whose queued writes wait until the test lets them land (as LMDB's wait for their
 * commit), or fail as a refused disk write would.
 */
function slowDisk() {
  const inner = MemoryStore.open()
  const waiting: Array<(error: Error | undefined) => void> = []
  const store = new Proxy(inner, {
    get(target, key) {
      if (key !== 'queueBlobs') {
        // Through the store itself: its private fields do not answer a proxy.
        const value = Reflect.get(target, key, target) as unknown
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      }
      return (ns: string, changes: ReadonlyArray<{ key: Uint8Array; value: Uint8Array | undefined }>, done: (error: Error | undefined) => void) => {
        waiting.push((error) => {
          if (error === undefined) inner.writeBlobs(ns, changes)
          done(error)
        })
      }
    },
  }) as NodeStore
  /** Lands (or fails) every queued write, in order. */
  const land = (error?: Error) => waiting.splice(0).forEach((write) => write(error))
  return { store, land, queued: () => waiting.length }
}

const chunk = (fill: number) => {
  const content = new Uint8Array(100).fill(fill)
  return { address: sha3_256(content), content }
}

describe('ChunkStore: queued writes', () => {
  it('holds and serves a chunk from the put on, and answers every put of it only once it is on disk', () => {
    const { store, land } = slowDisk()
    const chunks = new ChunkStore(store, 1000)
    const { address, content } = chunk(1)
    const answers: boolean[] = []
    expect(chunks.put(address, content, (ok) => answers.push(ok))).toBe('stored')
    expect(chunks.put(address, content, (ok) => answers.push(ok))).toBe('held')
    expect(answers).toEqual([])
    expect(chunks.has(address)).toBe(true)
    expect(chunks.read(address)).toEqual({ content })
    expect(chunks).toMatchObject({ usedBytes: 100, count: 1, writesPending: 1 })
    expect(store.getBlob('chunks', address)).toBeUndefined()
    land()
    expect(answers).toEqual([true, true])
    expect(store.getBlob('chunks', address)).toEqual(content)
    expect(chunks.writesPending).toBe(0)
    // Held and on disk: answered at once.
    expect(chunks.put(address, content, (ok) => answers.push(ok))).toBe('held')
    expect(answers).toEqual([true, true, true])
  })

  it('counts queued chunks against the capacity', () => {
    const { store } = slowDisk()
    const chunks = new ChunkStore(store, 150)
    expect(chunks.put(chunk(1).address, chunk(1).content, () => {})).toBe('stored')
    expect(chunks.put(chunk(2).address, chunk(2).content, () => expect.unreachable())).toBe('full')
  })

  it('forgets a chunk whose write failed, tells its waiters, and counts the failure', () => {
    const { store, land } = slowDisk()
    const chunks = new ChunkStore(store, 1000)
    const { address, content } = chunk(1)
    const answers: boolean[] = []
    chunks.put(address, content, (ok) => answers.push(ok))
    land(new Error('disk full'))
    expect(answers).toEqual([false])
    expect(chunks).toMatchObject({ usedBytes: 0, count: 0, writeFailures: 1 })
    expect(chunks.read(address)).toBe('missing')
  })

  it('lets a delete queued behind a pending write decide: the chunk ends gone and nobody is told it is stored', () => {
    const { store, land, queued } = slowDisk()
    const chunks = new ChunkStore(store, 1000)
    const { address, content } = chunk(1)
    const answers: boolean[] = []
    chunks.put(address, content, (ok) => answers.push(ok))
    chunks.delete(address)
    expect(queued()).toBe(2)
    expect(chunks.has(address)).toBe(false)
    land()
    expect(answers).toEqual([])
    expect(store.getBlob('chunks', address)).toBeUndefined()
    expect(chunks).toMatchObject({ usedBytes: 0, count: 0 })
  })
})
