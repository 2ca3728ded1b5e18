/**
 * XorName: a point in the 256-bit XOR space every node, chunk and section lives in.
 *
 * Bits are read most-significant first: bit 0 is the top bit of byte 0 (DESIGN.md §2).
 * The distance between two names is their bytewise XOR read as a 256-bit big-endian number,
 * so "closer" is decided by the first bit where the two XORs differ. XOR distance is a metric:
 * d(a,a)=0, d(a,b)=d(b,a), d(a,c) ≤ d(a,b) ⊕ d(b,c) ≤ d(a,b)+d(b,c).
 */
import { createHash } from 'node:crypto'
import { Schema } from 'effect'

/** Length of every name in bytes (SHA3-256 output). */
export const XOR_NAME_BYTES = 32
/** Length of every name in bits. */
export const XOR_NAME_BITS = XOR_NAME_BYTES * 8

/** A name or bit index that cannot exist in the 256-bit space. */
export class InvalidXorName extends Schema.TaggedError<InvalidXorName>()('InvalidXorName', {
  message: Schema.String,
}) {}

export class XorName {
  /** The 32 bytes of the name. Never mutated after construction. */
  readonly bytes: Uint8Array
  #hex: string | undefined

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  /** Wraps 32 bytes (copied, so later changes to the input cannot move the name). */
  static fromBytes(bytes: Uint8Array): XorName {
    if (bytes.length !== XOR_NAME_BYTES) {
      throw new InvalidXorName({ message: `an XorName is ${XOR_NAME_BYTES} bytes, got ${bytes.length}` })
    }
    return new XorName(Uint8Array.from(bytes))
  }

  /** The name of content: SHA3-256 of its bytes. */
  static fromContent(...parts: ReadonlyArray<Uint8Array>): XorName {
    const hash = createHash('sha3-256')
    for (const part of parts) hash.update(part)
    return new XorName(new Uint8Array(hash.digest()))
  }

  static fromHex(hex: string): XorName {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new InvalidXorName({ message: `an XorName in hex is 64 hex digits, got ${JSON.stringify(hex.slice(0, 80))}` })
    }
    return new XorName(new Uint8Array(Buffer.from(hex, 'hex')))
  }

  /** A uniformly random name from the given byte source (a seeded one in the simulator). */
  static random(randomBytes: (length: number) => Uint8Array): XorName {
    return XorName.fromBytes(randomBytes(XOR_NAME_BYTES))
  }

  /** The all-zero name, origin of the space. */
  static readonly ZERO = new XorName(new Uint8Array(XOR_NAME_BYTES))

  /** Bit `index` (0 = most significant bit of byte 0). */
  bit(index: number): 0 | 1 {
    assertBitIndex(index)
    return ((this.bytes[index >> 3]! >> (7 - (index & 7))) & 1) as 0 | 1
  }

  /** A copy of this name with bit `index` set to `value`. */
  withBit(index: number, value: 0 | 1): XorName {
    assertBitIndex(index)
    const bytes = Uint8Array.from(this.bytes)
    const mask = 1 << (7 - (index & 7))
    if (value === 1) bytes[index >> 3]! |= mask
    else bytes[index >> 3]! &= ~mask
    return new XorName(bytes)
  }

  /** A copy of this name with bit `index` inverted. */
  withFlippedBit(index: number): XorName {
    return this.withBit(index, this.bit(index) === 1 ? 0 : 1)
  }

  /** A copy with every bit from `bitCount` on set to `value`: the low/high end of a prefix's range. */
  withTrailingBits(bitCount: number, value: 0 | 1): XorName {
    if (!Number.isInteger(bitCount) || bitCount < 0 || bitCount > XOR_NAME_BITS) {
      throw new InvalidXorName({ message: `bit count must be an integer in [0, ${XOR_NAME_BITS}], got ${bitCount}` })
    }
    const bytes = Uint8Array.from(this.bytes)
    const fill = value === 1 ? 0xff : 0x00
    const whole = bitCount >> 3
    const partial = bitCount & 7
    if (partial !== 0 && whole < XOR_NAME_BYTES) {
      const keep = (0xff << (8 - partial)) & 0xff
      bytes[whole] = (bytes[whole]! & keep) | (fill & ~keep & 0xff)
    }
    for (let i = whole + (partial === 0 ? 0 : 1); i < XOR_NAME_BYTES; i++) bytes[i] = fill
    return new XorName(bytes)
  }

  /** XOR distance to `other`, as a name (compare distances with {@link XorName.compare}). */
  distance(other: XorName): XorName {
    const out = new Uint8Array(XOR_NAME_BYTES)
    for (let i = 0; i < XOR_NAME_BYTES; i++) out[i] = this.bytes[i]! ^ other.bytes[i]!
    return new XorName(out)
  }

  /**
   * Which of `a` and `b` is closer to this name: negative if `a`, positive if `b`, 0 if equal.
   * Works without allocating: the first byte where a and b differ decides.
   */
  compareDistance(a: XorName, b: XorName): number {
    for (let i = 0; i < XOR_NAME_BYTES; i++) {
      const da = a.bytes[i]! ^ this.bytes[i]!
      const db = b.bytes[i]! ^ this.bytes[i]!
      if (da !== db) return da - db
    }
    return 0
  }

  /** Number of leading bits this name shares with `other` (256 when equal). */
  commonPrefixLength(other: XorName): number {
    for (let i = 0; i < XOR_NAME_BYTES; i++) {
      const diff = this.bytes[i]! ^ other.bytes[i]!
      if (diff !== 0) return i * 8 + Math.clz32(diff) - 24
    }
    return XOR_NAME_BITS
  }

  /** Number of zero bits at the end (the least significant end); 256 for ZERO. */
  trailingZeros(): number {
    for (let i = XOR_NAME_BYTES - 1; i >= 0; i--) {
      const byte = this.bytes[i]!
      if (byte !== 0) return (XOR_NAME_BYTES - 1 - i) * 8 + (31 - Math.clz32(byte & -byte))
    }
    return XOR_NAME_BITS
  }

  /** Lexicographic (= numeric, big-endian) order of the names themselves. */
  compare(other: XorName): number {
    return Buffer.compare(this.bytes, other.bytes)
  }

  equals(other: XorName): boolean {
    return this === other || Buffer.compare(this.bytes, other.bytes) === 0
  }

  /** Full lowercase hex; stable, usable as a map key. */
  toHex(): string {
    return (this.#hex ??= Buffer.from(this.bytes).toString('hex'))
  }

  /** Short form for logs: the first 6 hex digits, as MaidSafe's tools print names. */
  toString(): string {
    return this.toHex().slice(0, 6)
  }

  toJSON(): string {
    return this.toHex()
  }
}

/** Sorts `names` by distance to `target`, closest first (returns a new array). */
export function sortByDistance(target: XorName, names: Iterable<XorName>): XorName[] {
  return [...names].sort((a, b) => target.compareDistance(a, b))
}

/** The `count` names closest to `target`, closest first. */
export function closest(target: XorName, names: Iterable<XorName>, count: number): XorName[] {
  return sortByDistance(target, names).slice(0, count)
}

function assertBitIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= XOR_NAME_BITS) {
    throw new InvalidXorName({ message: `bit index must be an integer in [0, ${XOR_NAME_BITS - 1}], got ${index}` })
  }
}
