import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AttributedShare,
  CombineFailed,
  interpolateSignature,
  InvalidEncoding,
  PublicKeySet,
  SecretKeySet,
  SecretKeyShare,
  SignatureShare,
  supermajority,
  threshold,
} from '../../src/crypto/index.ts'

const message = new TextEncoder().encode('Decision { generation: 12 }')

function subsets<T>(items: ReadonlyArray<T>, size: number): T[][] {
  if (size === 0) return [[]]
  if (items.length < size) return []
  const [first, ...rest] = items
  return [...subsets(rest, size - 1).map((s) => [first!, ...s]), ...subsets(rest, size)]
}

describe('section parameters', () => {
  it('threshold is ⌊2n/3⌋ and a supermajority is one more: 5 of 7', () => {
    expect(threshold(7)).toBe(4)
    expect(supermajority(7)).toBe(5)
    expect(supermajority(4)).toBe(3)
    expect(supermajority(1)).toBe(1)
  })
})

describe('threshold BLS, 7 elders (t = 4)', () => {
  const keys = SecretKeySet.random(threshold(7))
  const publicKeys = keys.publicKeys()
  const shares: AttributedShare[] = Array.from({ length: 7 }, (_, index) => ({
    index,
    share: keys.secretKeyShare(index).sign(message),
    signer: `elder-${index}`,
  }))
  const expected = keys.secretKey().sign(message)

  it('every one of the 21 five-share subsets interpolates to the section signature', () => {
    for (const subset of subsets(shares, 5)) {
      expect(interpolateSignature(subset).equals(expected)).toBe(true)
    }
    expect(publicKeys.publicKey().verify(message, expected)).toBe(true)
  })

  it('four shares interpolate to something that does not verify, and combine refuses them', () => {
    const four = shares.slice(0, 4)
    expect(publicKeys.publicKey().verify(message, interpolateSignature(four))).toBe(false)
    expect(() => publicKeys.combine(message, four)).toThrow(CombineFailed)
    // Duplicates of one index do not count twice.
    expect(() => publicKeys.combine(message, [...four, shares[0]!])).toThrow(/distinct/)
  })

  it('each share verifies against its own public key share, not another', () => {
    expect(publicKeys.verifyShare(2, shares[2]!.share, message)).toBe(true)
    expect(publicKeys.verifyShare(3, shares[2]!.share, message)).toBe(false)
    expect(keys.secretKeyShare(5).publicKeyShare().equals(publicKeys.publicKeyShare(5))).toBe(true)
  })

  it('names a corrupted share and still combines from the honest ones', () => {
    const forged = { ...shares[1]!, share: shares[4]!.share }
    const { signature, badSigners } = publicKeys.combine(message, [shares[0]!, forged, ...shares.slice(2)])
    expect(badSigners).toEqual(['elder-1'])
    expect(signature.equals(expected)).toBe(true)
  })

  it('fails with the bad signer named when too few honest shares remain', () => {
    const otherMessage = new TextEncoder().encode('another decision')
    const wrong = { ...shares[3]!, share: keys.secretKeyShare(3).sign(otherMessage) }
    try {
      publicKeys.combine(message, [shares[0]!, shares[1]!, shares[2]!, wrong, shares[4]!])
      expect.unreachable('combination with a bad share among exactly t+1 must fail')
    } catch (error) {
      expect(error).toBeInstanceOf(CombineFailed)
      expect((error as CombineFailed).badSigners).toEqual(['elder-3'])
      expect((error as CombineFailed).validShares).toBe(4)
    }
  })

  it('round-trips the key set, shares and signature shares through bytes', () => {
    const decoded = PublicKeySet.fromBytes(publicKeys.toBytes())
    expect(decoded.equals(publicKeys)).toBe(true)
    expect(decoded.threshold).toBe(4)
    const share = keys.secretKeyShare(6)
    expect(SecretKeyShare.fromBytes(6, share.toBytes()).publicKeyShare().equals(share.publicKeyShare())).toBe(true)
    expect(SignatureShare.fromBytes(shares[6]!.share.toBytes()).point.equals(shares[6]!.share.point)).toBe(true)
    expect(SecretKeySet.fromBytes(keys.toBytes()).publicKeys().equals(publicKeys)).toBe(true)
  })

  it('refuses malformed key sets with typed errors', () => {
    const bytes = publicKeys.toBytes()
    expect(() => PublicKeySet.fromBytes(bytes.subarray(0, 47))).toThrow(InvalidEncoding)
    expect(() => PublicKeySet.fromBytes(new Uint8Array())).toThrow(InvalidEncoding)
    const corrupted = Uint8Array.from(bytes)
    corrupted[48 * 2 + 5]! ^= 0xff
    expect(() => PublicKeySet.fromBytes(corrupted)).toThrow(InvalidEncoding)
  })
})

describe('threshold BLS over random section sizes', () => {
  it('any t+1 of n shares give the one signature valid under the set key; t do not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.infiniteStream(fc.nat()), (n, picks) => {
        const t = threshold(n)
        const keys = SecretKeySet.random(t)
        const publicKeys = keys.publicKeys()
        const indexes = Array.from({ length: n }, (_, i) => i)
        // A random subset of size t+1, drawn from the stream.
        const iterator = picks[Symbol.iterator]()
        for (let i = indexes.length - 1; i > 0; i--) {
          const j = iterator.next().value! % (i + 1)
          ;[indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!]
        }
        const chosen = indexes.slice(0, t + 1).map((index) => ({
          index, share: keys.secretKeyShare(index).sign(message), signer: String(index),
        }))
        const { signature } = publicKeys.combine(message, chosen)
        expect(publicKeys.publicKey().verify(message, signature)).toBe(true)
        expect(signature.equals(keys.secretKey().sign(message))).toBe(true)
        if (t > 0) expect(publicKeys.publicKey().verify(message, interpolateSignature(chosen.slice(0, t)))).toBe(false)
      }),
      { numRuns: 6 },
    )
  })
})
