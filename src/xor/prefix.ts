/**
 * Prefix: a section's slice of XOR space — the names whose first `bitCount` bits equal
 * those of `name` (bits beyond `bitCount` are kept zero, so equal prefixes have equal bytes).
 *
 * The empty prefix (bitCount 0) is the whole space. A split turns prefix P into P0 and P1,
 * which are each other's siblings; a merge pops them back to P. Two prefixes are compatible
 * when one is an ancestor of (or equal to) the other, i.e. their ranges overlap.
 */
import { InvalidXorName, XOR_NAME_BITS, XorName } from './xor-name.ts'

export class Prefix {
  readonly bitCount: number
  /** The prefix's bits followed by zeros. */
  readonly name: XorName
  #key: string | undefined

  private constructor(bitCount: number, name: XorName) {
    this.bitCount = bitCount
    this.name = name
  }

  /** The first `bitCount` bits of `name`. */
  static of(name: XorName, bitCount: number): Prefix {
    if (!Number.isInteger(bitCount) || bitCount < 0 || bitCount > XOR_NAME_BITS) {
      throw new InvalidXorName({ message: `a prefix has 0 to ${XOR_NAME_BITS} bits, got ${bitCount}` })
    }
    return new Prefix(bitCount, name.withTrailingBits(bitCount, 0))
  }

  /** The whole space: the genesis section's prefix. */
  static readonly EMPTY = new Prefix(0, XorName.ZERO)

  /** Parses the bit-string form used in logs and the CLI: `""`, `"0"`, `"0110"`. */
  static parse(bits: string): Prefix {
    if (!/^[01]*$/.test(bits) || bits.length > XOR_NAME_BITS) {
      throw new InvalidXorName({ message: `a prefix is written as up to ${XOR_NAME_BITS} characters 0/1, got ${JSON.stringify(bits.slice(0, 80))}` })
    }
    let prefix = Prefix.EMPTY
    for (const ch of bits) prefix = prefix.pushed(ch === '1' ? 1 : 0)
    return prefix
  }

  matches(name: XorName): boolean {
    return name.commonPrefixLength(this.name) >= this.bitCount
  }

  /** The child prefix with one more bit. */
  pushed(bit: 0 | 1): Prefix {
    if (this.bitCount >= XOR_NAME_BITS) {
      throw new InvalidXorName({ message: 'a full-length prefix cannot be extended' })
    }
    return new Prefix(this.bitCount + 1, this.name.withBit(this.bitCount, bit))
  }

  /** The parent prefix (the empty prefix is its own parent, as in MaidSafe's xor_name). */
  popped(): Prefix {
    if (this.bitCount === 0) return this
    return new Prefix(this.bitCount - 1, this.name.withBit(this.bitCount - 1, 0))
  }

  /** The other child of this prefix's parent (the empty prefix is its own sibling). */
  sibling(): Prefix {
    if (this.bitCount === 0) return this
    return new Prefix(this.bitCount, this.name.withFlippedBit(this.bitCount - 1))
  }

  /** Bit `bitCount` of `name`: which child of this prefix the name falls into. */
  childBit(name: XorName): 0 | 1 {
    return name.bit(this.bitCount)
  }

  /** True when this prefix is a strict descendant of `other` (longer, and inside it). */
  isExtensionOf(other: Prefix): boolean {
    return this.bitCount > other.bitCount && other.matches(this.name)
  }

  /** True when the ranges overlap: one prefix equals or extends the other. */
  isCompatible(other: Prefix): boolean {
    const shorter = Math.min(this.bitCount, other.bitCount)
    return this.name.commonPrefixLength(other.name) >= shorter
  }

  /** Number of leading bits `name` shares with this prefix, at most `bitCount`. */
  commonPrefix(name: XorName): number {
    return Math.min(this.bitCount, this.name.commonPrefixLength(name))
  }

  /** The lowest and highest names in this prefix's range. */
  lowerBound(): XorName {
    return this.name
  }
  upperBound(): XorName {
    return this.name.withTrailingBits(this.bitCount, 1)
  }

  /**
   * Orders two prefixes by distance to `target`: negative if `this` is closer.
   * A prefix's distance is that of its closest possible name, i.e. the XOR of `target`
   * with the prefix's bits over its first `bitCount` bits. Ties (one range contains the
   * other, or both contain the target) go to the longer, more specific prefix, then to
   * the smaller name, so sorting is total and deterministic.
   */
  compareDistance(other: Prefix, target: XorName): number {
    for (let i = 0; i < 32; i++) {
      const mine = (this.name.bytes[i]! ^ target.bytes[i]!) & maskByte(this.bitCount, i)
      const theirs = (other.name.bytes[i]! ^ target.bytes[i]!) & maskByte(other.bitCount, i)
      if (mine !== theirs) return mine - theirs
    }
    if (this.bitCount !== other.bitCount) return other.bitCount - this.bitCount
    return this.name.compare(other.name)
  }

  equals(other: Prefix): boolean {
    return this.bitCount === other.bitCount && this.name.equals(other.name)
  }

  /** Ancestors from the empty prefix down to (but not including) this one. */
  *ancestors(): Generator<Prefix> {
    for (let bits = 0; bits < this.bitCount; bits++) yield Prefix.of(this.name, bits)
  }

  /** The bit string, e.g. `"0110"`; `""` for the empty prefix. Stable, usable as a map key. */
  toBits(): string {
    if (this.#key !== undefined) return this.#key
    let out = ''
    for (let i = 0; i < this.bitCount; i++) out += this.name.bit(i)
    this.#key = out
    return out
  }

  /** Log form: `Prefix(0110)`, `Prefix()` for the whole space. */
  toString(): string {
    return `Prefix(${this.toBits()})`
  }

  toJSON(): string {
    return this.toBits()
  }
}

/** The bits of byte `index` that lie inside a prefix of `bitCount` bits. */
function maskByte(bitCount: number, index: number): number {
  const bitsInByte = bitCount - index * 8
  if (bitsInByte >= 8) return 0xff
  if (bitsInByte <= 0) return 0
  return (0xff << (8 - bitsInByte)) & 0xff
}

/** Sorts prefixes by distance to `target`, closest first (returns a new array). */
export function sortPrefixesByDistance(target: XorName, prefixes: Iterable<Prefix>): Prefix[] {
  return [...prefixes].sort((a, b) => a.compareDistance(b, target))
}
