/**
 * The chunks a vault holds, in the node store's `chunks` blob namespace (LMDB in a real node, so a
 * chunk is durable before its receipt is sent), with the vault's storage limit: a put that would
 * take usage past `capacityBytes` is refused, typed, and the client places the chunk on the next
 * closest member. Usage is the sum of the contents held (keys and the engine's overhead aside).
 */
import { bytesEqual, sha3_256 } from '../../crypto/index.ts'
import type { NodeStore } from '../../store/index.ts'

const CHUNKS = 'chunks'

export type PutOutcome = 'stored' | 'held' | 'full'

export class ChunkStore {
  readonly #store: NodeStore
  readonly capacityBytes: number
  #usedBytes = 0
  #count = 0

  constructor(store: NodeStore, capacityBytes: number) {
    this.#store = store
    this.capacityBytes = capacityBytes
    for (const key of store.blobKeys(CHUNKS)) {
      this.#usedBytes += store.getBlob(CHUNKS, key)?.length ?? 0
      this.#count++
    }
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  get count(): number {
    return this.#count
  }

  /** Whether `sizeBytes` more would still fit. */
  fits(sizeBytes: number): boolean {
    return this.#usedBytes + sizeBytes <= this.capacityBytes
  }

  has(address: Uint8Array): boolean {
    return this.#store.getBlob(CHUNKS, address) !== undefined
  }

  /** The stored bytes, unchecked (see {@link read}). */
  raw(address: Uint8Array): Uint8Array | undefined {
    return this.#store.getBlob(CHUNKS, address)
  }

  /**
   * The chunk, its address recomputed first: `corrupt` when the stored bytes no longer hash to it
   * (the copy is then deleted, for the caller to fetch a good one).
   */
  read(address: Uint8Array): { content: Uint8Array } | 'missing' | 'corrupt' {
    const content = this.#store.getBlob(CHUNKS, address)
    if (content === undefined) return 'missing'
    if (bytesEqual(sha3_256(content), address)) return { content }
    this.delete(address)
    return 'corrupt'
  }

  /** Stores a chunk whose address the caller checked; durable when it returns. */
  put(address: Uint8Array, content: Uint8Array): PutOutcome {
    if (this.has(address)) return 'held'
    if (!this.fits(content.length)) return 'full'
    this.#store.putBlob(CHUNKS, address, content)
    this.#usedBytes += content.length
    this.#count++
    return 'stored'
  }

  delete(address: Uint8Array): void {
    const content = this.#store.getBlob(CHUNKS, address)
    if (content === undefined) return
    this.#store.deleteBlob(CHUNKS, address)
    this.#usedBytes -= content.length
    this.#count--
  }

  /** Addresses held, in order of their bytes, read lazily. */
  addresses(): Iterable<Uint8Array> {
    return this.#store.blobKeys(CHUNKS)
  }

  /** At most `limit` addresses, in byte order, from the first one after `after` (from the start when undefined). */
  slice(after: Uint8Array | undefined, limit: number): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const key of this.#store.blobKeys(CHUNKS, after)) {
      out.push(key)
      if (out.length >= limit) break
    }
    return out
  }
}
