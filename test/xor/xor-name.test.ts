import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { closest, InvalidXorName, sortByDistance, XorName } from '../../src/xor/index.ts'
import { xorName } from '../support/arbitraries.ts'

/** Distance as a bigint, the textbook definition the byte-wise code must agree with. */
const d = (a: XorName, b: XorName) => BigInt('0x' + a.distance(b).toHex())

describe('XorName', () => {
  it('is SHA3-256 of content (FIPS 202 vector for "abc")', () => {
    expect(XorName.fromContent(Buffer.from('abc')).toHex())
      .toBe('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532')
  })

  it('xor distance is a metric: identity, symmetry, triangle inequality', () => {
    fc.assert(fc.property(xorName, xorName, xorName, (a, b, c) => {
      expect(d(a, a)).toBe(0n)
      expect(d(a, b) === 0n).toBe(a.equals(b))
      expect(d(a, b)).toBe(d(b, a))
      expect(d(a, c) <= d(a, b) + d(b, c)).toBe(true)
      // XOR is even ultrametric-like: d(a,c) ≤ d(a,b) XOR-combined with d(b,c).
      expect(d(a, c)).toBe(d(a, b) ^ d(b, c))
    }))
  })

  it('compareDistance agrees with numeric distance', () => {
    fc.assert(fc.property(xorName, xorName, xorName, (target, a, b) => {
      const da = d(target, a)
      const db = d(target, b)
      const expected = da < db ? -1 : da > db ? 1 : 0
      expect(Math.sign(target.compareDistance(a, b))).toBe(expected)
    }))
  })

  it('sorts by distance, closest first, and picks the closest', () => {
    fc.assert(fc.property(xorName, fc.array(xorName, { minLength: 1, maxLength: 20 }), (target, names) => {
      const sorted = sortByDistance(target, names)
      for (let i = 1; i < sorted.length; i++) expect(d(target, sorted[i - 1]!) <= d(target, sorted[i]!)).toBe(true)
      expect(closest(target, names, 3)).toEqual(sorted.slice(0, 3))
    }))
  })

  it('reads bits most-significant first and common prefix length is exact', () => {
    const name = XorName.fromHex('80' + '00'.repeat(30) + '01')
    expect(name.bit(0)).toBe(1)
    expect(name.bit(1)).toBe(0)
    expect(name.bit(255)).toBe(1)
    expect(name.trailingZeros()).toBe(0)
    expect(XorName.ZERO.trailingZeros()).toBe(256)
    fc.assert(fc.property(xorName, fc.integer({ min: 0, max: 255 }), (a, bit) => {
      const b = a.withFlippedBit(bit)
      expect(a.commonPrefixLength(b)).toBe(bit)
      expect(b.withFlippedBit(bit).equals(a)).toBe(true)
    }))
  })

  it('refuses names of the wrong size with a typed error', () => {
    expect(() => XorName.fromBytes(new Uint8Array(31))).toThrow(InvalidXorName)
    expect(() => XorName.fromHex('xyz')).toThrow(InvalidXorName)
    expect(() => XorName.ZERO.bit(256)).toThrow(InvalidXorName)
  })

  it('does not alias the caller\'s bytes', () => {
    const raw = new Uint8Array(32)
    const name = XorName.fromBytes(raw)
    raw[0] = 0xff
    expect(name.bytes[0]).toBe(0)
  })
})
