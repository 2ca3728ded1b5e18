import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Prefix, PrefixMap, prefixesCoverSpace, sortPrefixesByDistance, XorName } from '../../src/xor/index.ts'
import { anyPrefix, prefix, xorName } from '../support/arbitraries.ts'

describe('Prefix algebra', () => {
  it('the sibling of the sibling is the prefix itself, and siblings share a parent', () => {
    fc.assert(fc.property(anyPrefix, (p) => {
      expect(p.sibling().sibling().equals(p)).toBe(true)
      expect(p.sibling().popped().equals(p.popped())).toBe(true)
      if (p.bitCount > 0) expect(p.sibling().equals(p)).toBe(false)
    }))
  })

  it('pushed then popped is the identity; popped then pushed gives back the prefix or its sibling', () => {
    fc.assert(fc.property(prefix, fc.constantFrom<0 | 1>(0, 1), (p, bit) => {
      expect(p.pushed(bit).popped().equals(p)).toBe(true)
      expect(p.pushed(bit).isExtensionOf(p)).toBe(true)
      expect(p.pushed(bit).bitCount).toBe(p.bitCount + 1)
      if (p.bitCount > 0) {
        const last = p.name.bit(p.bitCount - 1)
        expect(p.popped().pushed(last).equals(p)).toBe(true)
      }
    }))
  })

  it('compatibility is symmetric and means one is an ancestor of the other', () => {
    fc.assert(fc.property(prefix, prefix, (a, b) => {
      expect(a.isCompatible(b)).toBe(b.isCompatible(a))
      expect(a.isCompatible(b)).toBe(a.equals(b) || a.isExtensionOf(b) || b.isExtensionOf(a))
      expect(a.isCompatible(a.sibling())).toBe(a.bitCount === 0)
    }))
  })

  it('a prefix matches exactly the names between its bounds', () => {
    fc.assert(fc.property(prefix, xorName, (p, name) => {
      const inside = name.compare(p.lowerBound()) >= 0 && name.compare(p.upperBound()) <= 0
      expect(p.matches(name)).toBe(inside)
      expect(p.matches(p.lowerBound()) && p.matches(p.upperBound())).toBe(true)
      // Every name falls in exactly one child.
      if (p.matches(name) && p.bitCount < 256) {
        expect(p.pushed(p.childBit(name)).matches(name)).toBe(true)
        expect(p.pushed(p.childBit(name) === 1 ? 0 : 1).matches(name)).toBe(false)
      }
    }))
  })

  it('parses and prints its bit string', () => {
    fc.assert(fc.property(anyPrefix, (p) => {
      expect(Prefix.parse(p.toBits()).equals(p)).toBe(true)
    }))
    expect(Prefix.parse('').equals(Prefix.EMPTY)).toBe(true)
    expect(Prefix.parse('101').toString()).toBe('Prefix(101)')
    expect(() => Prefix.parse('102')).toThrow()
  })

  it('orders prefixes by the distance of their closest name to the target', () => {
    fc.assert(fc.property(xorName, fc.array(prefix, { minLength: 2, maxLength: 12 }), (target, prefixes) => {
      const sorted = sortPrefixesByDistance(target, prefixes)
      const minDistance = (p: Prefix) => {
        // the closest name in p to target: target's own bits below the prefix
        const candidate = XorName.fromBytes(target.bytes)
        let closestName = candidate
        for (let i = 0; i < p.bitCount; i++) closestName = closestName.withBit(i, p.name.bit(i))
        return BigInt('0x' + closestName.distance(target).toHex())
      }
      for (let i = 1; i < sorted.length; i++) expect(minDistance(sorted[i - 1]!) <= minDistance(sorted[i]!)).toBe(true)
    }))
  })
})

describe('PrefixMap longest-prefix lookup', () => {
  it('returns the longest stored prefix that matches, or nothing', () => {
    fc.assert(fc.property(fc.array(prefix, { maxLength: 30 }), xorName, (prefixes, name) => {
      const map = new PrefixMap<string>()
      for (const p of prefixes) map.set(p, p.toBits())
      const matching = prefixes.filter((p) => p.matches(name))
      const expected = matching.sort((a, b) => b.bitCount - a.bitCount)[0]
      const found = map.longestMatch(name)
      if (expected === undefined) expect(found).toBeUndefined()
      else expect(found?.prefix.equals(expected)).toBe(true)
    }))
  })

  it('keeps lookups right after deletes', () => {
    fc.assert(fc.property(fc.array(prefix, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), xorName, (prefixes, removals, name) => {
      const map = new PrefixMap<number>()
      prefixes.forEach((p, i) => map.set(p, i))
      const removed = new Set(removals.map((r) => prefixes[r % prefixes.length]!.toBits()))
      for (const bits of removed) expect(map.delete(Prefix.parse(bits))).toBe(true)
      const remaining = prefixes.filter((p) => !removed.has(p.toBits()) && p.matches(name))
      const longest = Math.max(-1, ...remaining.map((p) => p.bitCount))
      expect(map.longestMatch(name)?.prefix.bitCount ?? -1).toBe(longest)
    }))
  })
})

describe('prefixesCoverSpace', () => {
  it('holds for any tree of splits and fails when a prefix is missing or overlaps', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 40 }), (choices) => {
      // Grow a partition by splitting a chosen leaf each step, as sections split.
      let leaves = [Prefix.EMPTY]
      for (const choice of choices) {
        const leaf = leaves[choice % leaves.length]!
        leaves = leaves.filter((l) => !l.equals(leaf)).concat([leaf.pushed(0), leaf.pushed(1)])
      }
      expect(prefixesCoverSpace(leaves)).toBe(true)
      if (leaves.length > 1) expect(prefixesCoverSpace(leaves.slice(1))).toBe(false)
      expect(prefixesCoverSpace([...leaves, leaves[0]!.pushed(1)])).toBe(false)
    }))
  })
})
