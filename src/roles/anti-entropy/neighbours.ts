/**
 * Neighbouring sections (DESIGN.md §9): the ones across our prefix's last bit, whose SAPs every
 * member keeps current, and the digest of SAPs a probe compares.
 */
import { sha3_256 } from '../../crypto/index.ts'
import type { SignedSap } from '../../knowledge/index.ts'
import type { Prefix } from '../../xor/index.ts'

/** Whether `a` and `b` are neighbours: one's sibling region contains (or is inside) the other. */
export function isNeighbour(a: Prefix, b: Prefix): boolean {
  if (a.equals(b) || a.bitCount === 0 || b.bitCount === 0) return false
  return a.sibling().isCompatible(b) || b.sibling().isCompatible(a)
}

/** SHA3 of the section keys of `saps`, in key order: what a probe compares. */
export function digestOf(saps: ReadonlyArray<SignedSap>): Uint8Array {
  const keys = saps.map((s) => s.sap.sectionKey()).sort((a, b) => (a.toHex() < b.toHex() ? -1 : 1))
  return sha3_256(...keys.map((k) => k.toBytes()))
}
