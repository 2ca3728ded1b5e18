/**
 * The node store in memory, for the simulator and tests: the same {@link KeyValueStore} as on
 * disk over a sorted map, so it encodes, validates and copies exactly as LMDB does. Callers get
 * fresh copies out and cannot reach stored bytes through what they passed in.
 *
 * The bytes live in a {@link MemoryBacking} apart from the store, so a simulated node can crash
 * (drop its store without closing) and restart on the same backing, as a real one does on its
 * directory.
 */
import { toHex } from '../crypto/index.ts'
import { KeyValueStore, type Change, type KeyRange, type KeyValueEngine } from './key-value-store.ts'
import { StoreLocked } from './store.ts'

const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))

/** What a MemoryStore keeps: outlives any one store opened on it. */
export class MemoryBacking {
  /**
   * Engine keys as lowercase hex (whose string order is the keys' byte order) to values. Tests
   * write here directly to play a damaged record.
   */
  readonly entries = new Map<string, Uint8Array>()
  /**
   * Whether a store has this backing open, as `DIR/LOCK` says for a directory. A simulated crash
   * (the store dropped unclosed) clears it, as the OS forgets a dead process.
   */
  held = false
}

class MemoryEngine implements KeyValueEngine {
  readonly location = 'memory'
  readonly recovery = 'Only tests damage a store in memory: check what wrote to its backing.'
  readonly #backing: MemoryBacking

  constructor(backing: MemoryBacking) {
    this.#backing = backing
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const value = this.#backing.entries.get(toHex(key))
    return value === undefined ? undefined : new Uint8Array(value)
  }

  size(key: Uint8Array): number | undefined {
    return this.#backing.entries.get(toHex(key))?.length
  }

  keys(range: KeyRange): Iterable<Uint8Array> {
    return this.#inRange(range).sort().map(fromHex)
  }

  count(range: KeyRange): number {
    return this.#inRange(range).length
  }

  write(changes: ReadonlyArray<Change>): void {
    for (const { key, value } of changes) {
      if (value === undefined) this.#backing.entries.delete(toHex(key))
      // A plain copy: what comes in may be a Buffer, whose slice() would be a view, not a copy.
      else this.#backing.entries.set(toHex(key), new Uint8Array(value))
    }
  }

  queue(changes: ReadonlyArray<Change>, done: (error: Error | undefined) => void): void {
    this.write(changes)
    done(undefined)
  }

  close(): Promise<void> {
    this.#backing.held = false
    return Promise.resolve()
  }

  #inRange(range: KeyRange): string[] {
    const start = toHex(range.start)
    const end = toHex(range.end)
    return [...this.#backing.entries.keys()].filter((key) => key >= start && key < end)
  }
}

export class MemoryStore extends KeyValueStore {
  /**
   * Opens a store on `backing` (a new, empty one by default).
   * @throws {StoreLocked} if a store already has `backing` open.
   */
  static open(backing: MemoryBacking = new MemoryBacking()): MemoryStore {
    if (backing.held) {
      throw new StoreLocked({ path: 'memory', pid: process.pid, message: 'this in-memory store is already open: close it before opening its backing again' })
    }
    backing.held = true
    return new MemoryStore(new MemoryEngine(backing))
  }
}
