/**
 * The node store on disk: one LMDB environment in the node's store directory, one unnamed
 * database of byte keys to byte values (layout in key-value-store.ts), behind `DIR/LOCK`.
 *
 * Durability: every write is one synchronous transaction, and `overlappingSync` is off, so the
 * commit has been fsynced when the call returns: the write survives SIGKILL and power loss alike.
 * Queued writes (chunks) commit on lmdb-js's write thread, many to one fsync, and report done
 * after it.
 * (lmdb-js's default, overlapping sync, flushes after returning; a process crash keeps such a
 * commit, a machine crash may not, and a node must not ack a chunk it could lose.)
 *
 * LMDB trusts its file: lmdb-js 3.5.6 segfaults opening a data.mdb whose meta pages are damaged
 * (zeroed, truncated, overwritten: measured) and aborts reading a damaged B-tree page. No
 * checksum can save the second case; the first is checked before opening (see
 * {@link checkDataFile}) and becomes a {@link StoreOpenFailed} saying what to move aside.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { open, type RootDatabase } from 'lmdb'
import { DirectoryLock, openFailed } from './directory-lock.ts'
import { type Change, type KeyRange, type KeyValueEngine, KeyValueStore } from './key-value-store.ts'
import { StoreOpenFailed } from './store.ts'

/** LMDB's `MDB_MAGIC`, at the start of each meta page's `MDB_meta`. */
const MDB_MAGIC = 0xbeefc0de
/** Where `MDB_meta` starts in a meta page in lmdb-js 3's LMDB (its page header is 24 bytes). */
const META_OFFSET = 24
/** The page size sits in the free-list database's `md_pad`, 24 bytes into `MDB_meta`. */
const PAGE_SIZE_OFFSET = META_OFFSET + 24

function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  return bytes.subarray(0, readSync(fd, bytes, 0, length, position))
}

/**
 * Why `data.mdb` in `dir` is not an LMDB file we can open safely, or undefined if it is absent,
 * empty (LMDB initialises it) or has both meta pages intact.
 */
export function checkDataFile(dir: string): string | undefined {
  const path = join(dir, 'data.mdb')
  let size: number
  try {
    size = statSync(path).size
  } catch {
    return undefined
  }
  if (size === 0) return undefined
  const fd = openSync(path, 'r')
  try {
    const first = readAt(fd, 0, PAGE_SIZE_OFFSET + 4)
    if (first.length < PAGE_SIZE_OFFSET + 4) return `data.mdb is ${size} bytes, too short for an LMDB file`
    const pageSize = first.readUInt32LE(PAGE_SIZE_OFFSET)
    const plausible = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0
    if (first.readUInt32LE(META_OFFSET) !== MDB_MAGIC || !plausible) return 'data.mdb does not start with an LMDB meta page'
    if (size < 2 * pageSize) return `data.mdb is ${size} bytes, shorter than its two ${pageSize}-byte meta pages`
    const second = readAt(fd, pageSize + META_OFFSET, 4)
    if (second.length < 4 || second.readUInt32LE(0) !== MDB_MAGIC) return 'the second meta page of data.mdb is damaged'
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** What a user does about a damaged store: its records cannot be repaired one by one. */
function moveAside(path: string): string {
  return `Stop the node and move ${path} aside (restore it from a backup, or start afresh: the node then rejoins as a new node).`
}

/** A value from LMDB's reusable read buffer, copied out: its `length` is the value's. */
function copyOut(bytes: Buffer): Uint8Array {
  const out = new Uint8Array(bytes.length)
  out.set(bytes.subarray(0, bytes.length))
  return out
}

class LmdbEngine implements KeyValueEngine {
  readonly location: string
  readonly recovery: string
  readonly #db: RootDatabase<Uint8Array, Uint8Array>
  readonly #lock: DirectoryLock

  constructor(location: string, db: RootDatabase<Uint8Array, Uint8Array>, lock: DirectoryLock) {
    this.location = location
    this.recovery = moveAside(location)
    this.#db = db
    this.#lock = lock
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const bytes = this.#db.getBinaryFast(key)
    return bytes === undefined ? undefined : copyOut(bytes)
  }

  size(key: Uint8Array): number | undefined {
    // A large value comes back as a view of the memory map: its pages are not read.
    return this.#db.getBinaryFast(key)?.length
  }

  keys(range: KeyRange): Iterable<Uint8Array> {
    return this.#db.getKeys({ start: range.start, end: range.end }).map((key) => new Uint8Array(key))
  }

  count(range: KeyRange): number {
    return this.#db.getKeysCount({ start: range.start, end: range.end })
  }

  write(changes: ReadonlyArray<Change>): void {
    this.#db.transactionSync(() => {
      for (const { key, value } of changes) {
        if (value === undefined) this.#db.removeSync(key)
        else this.#db.putSync(key, value)
      }
    })
  }

  queue(changes: ReadonlyArray<Change>, done: (error: Error | undefined) => void): void {
    // Async puts and removes called in one turn of the event loop commit together on lmdb-js's
    // write thread; with overlappingSync off the commit is fsynced before it settles, and
    // `flushed` says so in as many words.
    this.#db.batch(() => {
      for (const { key, value } of changes) {
        if (value === undefined) void this.#db.remove(key)
        else void this.#db.put(key, value)
      }
    }).then(() => this.#db.flushed).then(() => done(undefined), (error: unknown) => done(error instanceof Error ? error : new Error(String(error))))
  }

  async close(): Promise<void> {
    try {
      await this.#db.close()
    } finally {
      this.#lock.release()
    }
  }
}

export class LmdbStore extends KeyValueStore {
  /**
   * Opens (creating if need be, mode 0700: it holds the node's secret seed and key shares) the
   * store in `dir`.
   * @throws {StoreLocked} if another live process, or another open in this one, holds `dir`.
   * @throws {StoreOpenFailed} if `dir` cannot be created, locked or opened as LMDB.
   */
  static open(dir: string): LmdbStore {
    const path = resolve(dir)
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 })
    } catch (cause) {
      throw openFailed(path, cause, 'Check the path and that this user may create it.')
    }
    const lock = DirectoryLock.acquire(path)
    try {
      const damage = checkDataFile(path)
      if (damage !== undefined) throw openFailed(path, new Error(damage), moveAside(path))
      // noSubdir: lmdb-js would otherwise take a directory named like `node.1` for a file name.
      const db = open<Uint8Array, Uint8Array>({ path, noSubdir: false, keyEncoding: 'binary', encoding: 'binary', overlappingSync: false })
      return new LmdbStore(new LmdbEngine(path, db, lock))
    } catch (cause) {
      lock.release()
      if (cause instanceof StoreOpenFailed) throw cause
      throw openFailed(path, cause, moveAside(path))
    }
  }
}
