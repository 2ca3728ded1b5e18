/**
 * SeededRandom: the simulator's one source of randomness. sfc32 (Chris Doty-Humphrey's Small
 * Fast Counter, 128-bit state, passes PractRand) seeded through splitmix32, so seed S always
 * gives the same stream on every machine. `fork(label)` derives an independent stream, so
 * adding a consumer in one place does not shift the numbers another place sees.
 */
import { createHash } from 'node:crypto'

function splitmix32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

export class SeededRandom {
  readonly seed: number
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(seed: number) {
    this.seed = seed >>> 0
    const mix = splitmix32(this.seed)
    this.#a = mix()
    this.#b = mix()
    this.#c = mix()
    this.#d = mix()
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0
    this.#c = (this.#c + t) >>> 0
    return t
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i += 4) {
      const word = this.nextUint32()
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff
    }
    return out
  }

  pick<T>(items: ReadonlyArray<T>): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list')
    return items[this.int(items.length)]!
  }

  shuffle<T>(items: ReadonlyArray<T>): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }

  /** An independent stream named `label`, derived from this stream's seed (not its position). */
  fork(label: string): SeededRandom {
    const digest = createHash('sha3-256').update(`${this.seed}/${label}`).digest()
    return new SeededRandom(digest.readUInt32BE(0))
  }

  /** `randomBytes`-shaped function for crypto code that takes a byte source. */
  byteSource(): (length: number) => Uint8Array {
    return (length) => this.bytes(length)
  }
}
