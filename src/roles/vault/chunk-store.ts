/**
 * The chunks a vault holds, in the node store's `chunks` blob namespace (LMDB in a real node, so a
 * chunk is durable before its receipt is sent), with the vault's storage limit: a put that would
 * take usage past `capacityBytes` is refused, typed, and the client places the chunk on the next
 * closest member. Usage is the sum of the contents held (keys and the engine's overhead aside).
 *
 * Writes are queued (see NodeStore.queueBlobs): the chunks that arrive while one commit is being
 * fsynced go in the next, and the caller hears `durable` after. Until then the chunk is counted
 * held and served from memory, so an offer or a read in between sees it.
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
   * Made at start from the store (each chunk's size, its bytes not read).
   */
  readonly #sizes = new Map<string, number>()
  /** Chunks queued for the store and not yet durable, by address (hex), with who waits for them. */
  readonly #writing = new Map<string, { readonly content: Uint8Array; readonly waiting: Array<(ok: boolean) => void> }>()
  #usedBytes = 0
  /** Queued writes that failed (the disk refused them): each chunk was dropped, its sender not answered. */
  writeFailures = 0

  constructor(store: NodeStore, capacityBytes: number) {
    this.#store = store
    this.capacityBytes = capacityBytes
    for (const key of store.blobKeys(CHUNKS)) {
      const size = store.blobSize(CHUNKS, key) ?? 0
      this.#sizes.set(toHex(key), size)
      this.#usedBytes += size
    }
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  /** Chunks queued for the disk, not yet durable. */
  get writesPending(): number {
    return this.#writing.size
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
    const writing = this.#writing.get(toHex(address))
    if (writing !== undefined) return { content: writing.content }
    const content = this.#store.getBlob(CHUNKS, address)
    if (content === undefined) return 'missing'
    if (bytesEqual(sha3_256(content), address)) return { content }
    this.delete(address)
    return 'corrupt'
  }

  /**
   * Stores a chunk whose address the caller checked (and does not change `content` after):
   * 'stored' (queued, held from now on) or 'held' (already), and `durable` is called once it is
   * on disk (at once when it already was; false: the write failed and it is no longer held).
   * 'full' calls nothing.
   */
  put(address: Uint8Array, content: Uint8Array, durable: (ok: boolean) => void): PutOutcome {
    const hex = toHex(address)
    const writing = this.#writing.get(hex)
    if (writing !== undefined) {
      writing.waiting.push(durable)
      return 'held'
    }
    if (this.#sizes.has(hex)) {
      durable(true)
      return 'held'
    }
    if (!this.fits(content.length)) return 'full'
    this.#sizes.set(hex, content.length)
    this.#usedBytes += content.length
    const entry = { content, waiting: [durable] }
    this.#writing.set(hex, entry)
    this.#store.queueBlobs(CHUNKS, [{ key: address, value: content }], (error) => {
      // Deleted meanwhile: the delete, queued after, decides, and nobody is owed an answer.
      if (this.#writing.get(hex) !== entry) return
      this.#writing.delete(hex)
      if (error !== undefined) {
        this.writeFailures++
        this.#forget(hex)
      }
      for (const waiter of entry.waiting) waiter(error === undefined)
    })
    return 'stored'
  }

  delete(address: Uint8Array): void {
    const hex = toHex(address)
    if (!this.#sizes.has(hex)) return
    this.#writing.delete(hex)
    this.#forget(hex)
    // Queued behind any write of it, so the delete lands last. Should it fail, the copy stays on
    // disk unindexed until the next start re-reads the index.
    this.#store.queueBlobs(CHUNKS, [{ key: address, value: undefined }], (error) => {
      if (error !== undefined) this.writeFailures++
    })
  }

  #forget(hex: string): void {
    this.#usedBytes -= this.#sizes.get(hex) ?? 0
    this.#sizes.delete(hex)
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
