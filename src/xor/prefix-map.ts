/**
 * PrefixMap: values keyed by prefix, with longest-prefix lookup of a name.
 *
 * A node's SectionTree is a PrefixMap of signed SAPs; "which section is responsible for this
 * name" is `longestMatch(name)` (DESIGN.md §2). Lookup walks from the longest stored bit count
 * down, so it costs O(longest prefix length) map probes, independent of the number of entries.
 */
import type { Prefix } from './prefix.ts'
import type { XorName } from './xor-name.ts'

export class PrefixMap<V> {
  readonly #entries = new Map<string, { readonly prefix: Prefix; readonly value: V }>()
  /** How many stored prefixes have each bit count: keeps `#maxBitCount` exact on delete. */
  readonly #bitCounts = new Map<number, number>()
  #maxBitCount = -1

  get size(): number {
    return this.#entries.size
  }

  get(prefix: Prefix): V | undefined {
    return this.#entries.get(prefix.toBits())?.value
  }

  has(prefix: Prefix): boolean {
    return this.#entries.has(prefix.toBits())
  }

  set(prefix: Prefix, value: V): this {
    const key = prefix.toBits()
    if (!this.#entries.has(key)) {
      this.#bitCounts.set(prefix.bitCount, (this.#bitCounts.get(prefix.bitCount) ?? 0) + 1)
      this.#maxBitCount = Math.max(this.#maxBitCount, prefix.bitCount)
    }
    this.#entries.set(key, { prefix, value })
    return this
  }

  delete(prefix: Prefix): boolean {
    const key = prefix.toBits()
    if (!this.#entries.delete(key)) return false
    const remaining = (this.#bitCounts.get(prefix.bitCount) ?? 1) - 1
    if (remaining === 0) {
      this.#bitCounts.delete(prefix.bitCount)
      if (prefix.bitCount === this.#maxBitCount) this.#maxBitCount = Math.max(-1, ...this.#bitCounts.keys())
    } else {
      this.#bitCounts.set(prefix.bitCount, remaining)
    }
    return true
  }

  /** The entry whose prefix is the longest one matching `name`, if any prefix matches. */
  longestMatch(name: XorName): { prefix: Prefix; value: V } | undefined {
    if (this.#maxBitCount < 0) return undefined
    let bits = ''
    for (let i = 0; i < this.#maxBitCount; i++) bits += name.bit(i)
    for (let count = this.#maxBitCount; count >= 0; count--) {
      if (!this.#bitCounts.has(count)) continue
      const entry = this.#entries.get(bits.slice(0, count))
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** Stored prefixes compatible with `prefix` (ancestors, descendants, itself). */
  *compatibleWith(prefix: Prefix): Generator<{ prefix: Prefix; value: V }> {
    for (const entry of this.#entries.values()) if (entry.prefix.isCompatible(prefix)) yield entry
  }

  *entries(): Generator<{ prefix: Prefix; value: V }> {
    yield* this.#entries.values()
  }

  *prefixes(): Generator<Prefix> {
    for (const entry of this.#entries.values()) yield entry.prefix
  }

  *values(): Generator<V> {
    for (const entry of this.#entries.values()) yield entry.value
  }
}

/**
 * True when `prefixes` are pairwise disjoint and together cover the whole space: the
 * network-wide invariant of section prefixes.
 *
 * Disjoint: sorted by bit string, an ancestor is always immediately followed by one of its
 * descendants, so checking neighbours suffices. Cover: disjoint prefixes cover the space
 * exactly when their sizes, 2^(256 − bitCount) names each, add up to 2^256.
 */
export function prefixesCoverSpace(prefixes: Iterable<Prefix>): boolean {
  const keys = [...prefixes].map((prefix) => prefix.toBits()).sort()
  let covered = 0n
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const next = keys[i + 1]
    if (next !== undefined && next.startsWith(key)) return false
    covered += 1n << BigInt(256 - key.length)
  }
  return covered === 1n << 256n
}
