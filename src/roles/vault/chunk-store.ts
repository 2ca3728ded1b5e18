/**
 * The chunks a vault holds, in the node store's `chunks` blob namespace (LMDB in a real node, so a
 * chunk is durable before its receipt is sent), with the vault's storage limit: a put that would
 * take usage past `capacityBytes` is refused, typed, and the client places the chunk on the next
 * closest member. Usage is the sum of the contents held (keys and the engine's overhead aside).
 */
import { bytesEqual, sha3_256, toHex } from '../../crypto/index.ts'
import type { NodeStore } from '../../store/index.ts'

const CHUNKS = 'chunks'

export type PutOutcome = 'stored' | 'held' | 'full'

export class ChunkStore {
  readonly #store: NodeStore
  readonly capacityBytes: number
  /**
   * Each held chunk's size, by address (hex): whether we hold a chunk is asked for every offer,
   * and reading 1 MiB from the store to answer it was 7% of a node's time while files went in.
   * Made at start from the store (each chunk read once).
   */
  readonly #sizes = new Map<string, number>()
  #usedBytes = 0

  constructor(store: NodeStore, capacityBytes: number) {
    this.#store = store
    this.capacityBytes = capacityBytes
    for (const key of store.blobKeys(CHUNKS)) {
      const size = store.getBlob(CHUNKS, key)?.length ?? 0
      this.#sizes.set(toHex(key), size)
      this.#usedBytes += size
    }
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  get count(): number {
    return this.#sizes.size
  }

  /** Whether `sizeBytes` more would still fit. */
  fits(sizeBytes: number): boolean {
    return this.#usedBytes + sizeBytes <= this.capacityBytes
  }

  has(address: Uint8Array): boolean {
    return this.#sizes.has(toHex(address))
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
    this.#sizes.set(toHex(address), content.length)
    this.#usedBytes += content.length
    return 'stored'
  }

  delete(address: Uint8Array): void {
    const hex = toHex(address)
    const size = this.#sizes.get(hex)
    if (size === undefined) return
    this.#store.deleteBlob(CHUNKS, address)
    this.#sizes.delete(hex)
    this.#usedBytes -= size
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
