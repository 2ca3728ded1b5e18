/**
 * {@link NodeStore} over any ordered byte key-value engine. Layout, encoding, validation, blob
 * namespaces and counters live here once, so the LMDB and in-memory stores differ only in where
 * the bytes go and cannot drift apart in behaviour.
 *
 * One keyspace, ordered by key bytes (readable in `mdb_dump -p`):
 *
 *   record/identity              msgpack(NodeIdentity)
 *   record/knowledge             msgpack(Knowledge)
 *   share/<48-byte section key>  msgpack(StoredShare)
 *   blob/<ns>\0<key>             the value itself
 *
 * A NUL ends the namespace, so `blob/chunks\0…` never ranges over `blob/chunks-old\0…`, and the
 * keys of one namespace sort as their own bytes. Records go through the wire codec's
 * `encodeValue`/`decodeValue`: one msgpack dialect in the code base, plain maps and arrays with
 * no shared structures, so a value depends on nothing stored elsewhere.
 */
import { Result, Schema } from 'effect'
import { concatBytes, toHex } from '../crypto/index.ts'
import { decodeValue, encodeValue } from '../wire/index.ts'
import {
  BLOB_NAMESPACE,
  InvalidRecord,
  Knowledge,
  MAX_BLOB_KEY_BYTES,
  NodeIdentity,
  type NodeStore,
  type RecordName,
  StoreClosed,
  StoreCorrupt,
  type StoreStats,
  StoredShare,
} from './store.ts'

/** One change of a write: a put, or a delete when `value` is undefined. */
export interface Change {
  readonly key: Uint8Array
  readonly value: Uint8Array | undefined
}

/** The keys from `start` (inclusive) to `end` (exclusive) in byte order. */
export interface KeyRange {
  readonly start: Uint8Array
  readonly end: Uint8Array
}

/** Where a {@link KeyValueStore} keeps its bytes. */
export interface KeyValueEngine {
  /** Where the bytes live, for messages: a directory, or `memory`. */
  readonly location: string
  /** What a user should do when a record there does not read back. */
  readonly recovery: string
  /** The value under `key`, as a fresh plain Uint8Array the caller may keep and mutate. */
  get(key: Uint8Array): Uint8Array | undefined
  /** The length of the value under `key`, without reading it (LMDB: from the page header). */
  size(key: Uint8Array): number | undefined
  /** Keys in `range` in byte order, each a fresh plain Uint8Array. */
  keys(range: KeyRange): Iterable<Uint8Array>
  count(range: KeyRange): number
  /** Applies `changes` atomically; durable when it returns. Copies what it keeps. */
  write(changes: ReadonlyArray<Change>): void
  /**
   * Queues `changes` as one atomic write and calls `done` once they are durable (with the error
   * if they could not be written). An engine may commit many queued writes together (LMDB: one
   * fsync for all the chunks that arrived meanwhile); queued writes apply in the order queued.
   * Reads may see them before `done` (memory: applied at once, `done` called before returning)
   * or only after (LMDB). `value` must not change until `done`.
   */
  queue(changes: ReadonlyArray<Change>, done: (error: Error | undefined) => void): void
  close(): Promise<void>
}

const textEncoder = new TextEncoder()
const utf8 = (text: string) => textEncoder.encode(text)

/** The engine keys of every record, exported for tests that damage a record in place. */
export const storeKeys = {
  identity: utf8('record/identity'),
  knowledge: utf8('record/knowledge'),
  sharePrefix: utf8('share/'),
  share: (sectionKey: Uint8Array) => concatBytes(storeKeys.sharePrefix, sectionKey),
  blobPrefix: (ns: string) => utf8(`blob/${ns}\0`),
  blob: (ns: string, key: Uint8Array) => concatBytes(storeKeys.blobPrefix(ns), key),
}

/** Every key that starts with `prefix`. Our prefixes end in `/` or NUL, never 0xff. */
function prefixRange(prefix: Uint8Array): KeyRange {
  const end = prefix.slice()
  end[end.length - 1]! += 1
  return { start: prefix, end }
}

const SHARE_RANGE = prefixRange(storeKeys.sharePrefix)

/** The longest schema message we keep: a bad 100 KB record should not make a 100 KB error. */
const MAX_ERROR_TEXT = 400

function clip(text: string): string {
  return text.length <= MAX_ERROR_TEXT ? text : `${text.slice(0, MAX_ERROR_TEXT)}… (${text.length} chars)`
}

interface RecordSchema<S extends Schema.Top & { readonly DecodingServices: never }> {
  readonly name: RecordName
  readonly schema: S
}

const IDENTITY = { name: 'identity', schema: NodeIdentity } as const
const KNOWLEDGE = { name: 'knowledge', schema: Knowledge } as const
const SHARE = { name: 'share', schema: StoredShare } as const

// Namespaces and keys come from our own data layers, so a bad one is a bug: an assertion, not a typed error.
function checkNamespace(ns: string): void {
  if (!BLOB_NAMESPACE.test(ns)) throw new RangeError(`blob namespace ${JSON.stringify(ns)} does not match ${BLOB_NAMESPACE}`)
}

function checkBlobAddress(ns: string, key: Uint8Array): void {
  checkNamespace(ns)
  if (key.length === 0 || key.length > MAX_BLOB_KEY_BYTES) {
    throw new RangeError(`a blob key is 1 to ${MAX_BLOB_KEY_BYTES} bytes, got ${key.length}`)
  }
}

/** Blob puts and deletes in namespace `ns` as engine changes, every key checked first. */
function blobChanges(ns: string, changes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array | undefined }>): Change[] {
  for (const { key } of changes) checkBlobAddress(ns, key)
  return changes.map(({ key, value }) => ({ key: storeKeys.blob(ns, key), value }))
}

/** The whole of {@link NodeStore} on a {@link KeyValueEngine}; subclasses only open the engine. */
export class KeyValueStore implements NodeStore {
  readonly #engine: KeyValueEngine
  #open = true
  #writes = 0
  #bytesWritten = 0
  #reads = 0

  protected constructor(engine: KeyValueEngine) {
    this.#engine = engine
  }

  get stats(): StoreStats {
    return { writes: this.#writes, bytesWritten: this.#bytesWritten, reads: this.#reads }
  }

  identity(): NodeIdentity | undefined {
    return this.#readRecord(IDENTITY, storeKeys.identity)
  }

  saveIdentity(identity: NodeIdentity): void {
    this.#write([{ key: storeKeys.identity, value: encodeRecord(IDENTITY, identity) }])
  }

  knowledge(): Knowledge | undefined {
    return this.#readRecord(KNOWLEDGE, storeKeys.knowledge)
  }

  saveKnowledge(knowledge: Knowledge): void {
    this.#write([{ key: storeKeys.knowledge, value: encodeRecord(KNOWLEDGE, knowledge) }])
  }

  shares(): StoredShare[] {
    const shares: StoredShare[] = []
    for (const key of this.#shareKeys()) {
      const share = this.#readRecord(SHARE, key)
      if (share !== undefined) shares.push(share)
    }
    return shares
  }

  saveShare(share: StoredShare): void {
    const value = encodeRecord(SHARE, share)
    this.#write([{ key: storeKeys.share(share.sectionKey), value }])
  }

  dropShares(keep: (sectionKeyHex: string) => boolean): void {
    const doomed = this.#shareKeys().filter((key) => !keep(toHex(key.subarray(storeKeys.sharePrefix.length))))
    if (doomed.length > 0) this.#write(doomed.map((key) => ({ key, value: undefined })))
  }

  putBlob(ns: string, key: Uint8Array, value: Uint8Array): void {
    checkBlobAddress(ns, key)
    this.#write([{ key: storeKeys.blob(ns, key), value }])
  }

  getBlob(ns: string, key: Uint8Array): Uint8Array | undefined {
    checkBlobAddress(ns, key)
    this.#reads++
    return this.#live().get(storeKeys.blob(ns, key))
  }

  blobSize(ns: string, key: Uint8Array): number | undefined {
    checkBlobAddress(ns, key)
    return this.#live().size(storeKeys.blob(ns, key))
  }

  deleteBlob(ns: string, key: Uint8Array): void {
    checkBlobAddress(ns, key)
    this.#write([{ key: storeKeys.blob(ns, key), value: undefined }])
  }

  writeBlobs(ns: string, changes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array | undefined }>): void {
    const engineChanges = blobChanges(ns, changes)
    if (engineChanges.length > 0) this.#write(engineChanges)
  }

  queueBlobs(ns: string, changes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array | undefined }>, done: (error: Error | undefined) => void): void {
    const engineChanges = blobChanges(ns, changes)
    this.#live().queue(engineChanges, done)
    this.#count(engineChanges)
  }

  blobKeys(ns: string, after?: Uint8Array): Iterable<Uint8Array> {
    checkNamespace(ns)
    this.#live()
    const prefix = storeKeys.blobPrefix(ns)
    const all = prefixRange(prefix)
    // The first key after `after` in byte order is `after ‖ 0x00`.
    const range = after === undefined ? all : { start: concatBytes(prefix, after, new Uint8Array(1)), end: all.end }
    // Each iteration scans afresh, in both engines, so a listing never goes stale.
    const scan = () => {
      this.#reads++
      return this.#live().keys(range)
    }
    return {
      *[Symbol.iterator]() {
        for (const key of scan()) yield key.subarray(prefix.length)
      },
    }
  }

  blobCount(ns: string): number {
    checkNamespace(ns)
    this.#reads++
    return this.#live().count(prefixRange(storeKeys.blobPrefix(ns)))
  }

  async close(): Promise<void> {
    if (!this.#open) return
    this.#open = false
    await this.#engine.close()
  }

  #live(): KeyValueEngine {
    if (!this.#open) {
      throw new StoreClosed({ message: `the store in ${this.#engine.location} was used after close(): stop its users before closing it` })
    }
    return this.#engine
  }

  #shareKeys(): Uint8Array[] {
    this.#reads++
    return [...this.#live().keys(SHARE_RANGE)]
  }

  #write(changes: ReadonlyArray<Change>): void {
    this.#live().write(changes)
    this.#count(changes)
  }

  #count(changes: ReadonlyArray<Change>): void {
    this.#writes++
    for (const { key, value } of changes) this.#bytesWritten += key.length + (value?.length ?? 0)
  }

  #readRecord<S extends Schema.Top & { readonly DecodingServices: never }>(codec: RecordSchema<S>, key: Uint8Array): S['Type'] | undefined {
    const engine = this.#live()
    this.#reads++
    const bytes = engine.get(key)
    if (bytes === undefined) return undefined
    // Byte fields come back as views into `bytes`, a fresh copy nobody else holds.
    const decoded = decodeValue(codec.schema, bytes)
    if (Result.isSuccess(decoded)) return decoded.success
    throw new StoreCorrupt({
      record: codec.name,
      message: `the ${codec.name} record in ${engine.location} does not read back (${decoded.failure._tag}: ${clip(decoded.failure.message)}). ${engine.recovery}`,
    })
  }
}

function encodeRecord<S extends Schema.Top & { readonly DecodingServices: never }>(codec: RecordSchema<S>, value: S['Type']): Uint8Array {
  const encoded = encodeValue(codec.schema, value)
  if (Result.isSuccess(encoded)) return encoded.success
  const detail = Schema.decodeUnknownResult(codec.schema)(value)
  const why = Result.isFailure(detail) ? detail.failure.message : encoded.failure.message
  throw new InvalidRecord({ record: codec.name, message: `refusing to save a ${codec.name} record that would not read back: ${clip(why)}` })
}
