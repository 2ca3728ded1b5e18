import { bls12_381 } from '@noble/curves/bls12-381.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  aggregatePublicKeys,
  aggregateSignatures,
  BlsPublicKey,
  BlsSecretKey,
  BlsSignature,
  derivationScalar,
  InvalidEncoding,
  SCALAR_ORDER,
  toHex,
  verifyAggregate,
} from '../../src/crypto/index.ts'
import { encodeG1, encodeG2 } from '../../src/crypto/bls.ts'

const message = (text: string) => new TextEncoder().encode(text)

/** The compressed G1 generator (ZCash serialisation, as blsttc and the IETF draft use). */
const G1_GENERATOR = '97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb'

describe('BLS12-381 keys and signatures', () => {
  it('a key made from secret 1 is the G1 generator', () => {
    const one = new Uint8Array(32)
    one[31] = 1
    expect(BlsSecretKey.fromBytes(one).publicKey().toHex()).toBe(G1_GENERATOR)
  })

  it('signs and verifies; another message or key does not verify', () => {
    const sk = BlsSecretKey.random()
    const other = BlsSecretKey.random()
    const signature = sk.sign(message('section key link'))
    expect(sk.publicKey().verify(message('section key link'), signature)).toBe(true)
    expect(sk.publicKey().verify(message('section key link!'), signature)).toBe(false)
    expect(other.publicKey().verify(message('section key link'), signature)).toBe(false)
  })

  it('a message signed again (with the precomputed table) gets the same signatures as noble computes', () => {
    const m = message(`signed by many ${Math.random()}`)
    const keys = Array.from({ length: 4 }, () => BlsSecretKey.random())
    const hashed = bls12_381.G2.hashToCurve(m)
    for (const sk of [...keys, keys[0]!]) {
      expect(sk.sign(m).toHex()).toBe(new BlsSignature(hashed.multiply(sk.scalar)).toHex())
      expect(sk.publicKey().verify(m, sk.sign(m))).toBe(true)
    }
  })

  it('round-trips keys and signatures through bytes', () => {
    const sk = BlsSecretKey.random()
    const signature = sk.sign(message('m'))
    expect(BlsSecretKey.fromBytes(sk.toBytes()).publicKey().equals(sk.publicKey())).toBe(true)
    expect(BlsPublicKey.fromBytes(sk.publicKey().toBytes()).equals(sk.publicKey())).toBe(true)
    expect(BlsSignature.fromBytes(signature.toBytes()).equals(signature)).toBe(true)
    expect(sk.publicKey().toBytes()).toHaveLength(48)
    expect(signature.toBytes()).toHaveLength(96)
  })

  it('aggregates signatures over one message and over distinct messages', () => {
    const keys = [BlsSecretKey.random(), BlsSecretKey.random(), BlsSecretKey.random()]
    const same = message('same')
    const multi = aggregateSignatures(keys.map((k) => k.sign(same)))
    expect(aggregatePublicKeys(keys.map((k) => k.publicKey())).verify(same, multi)).toBe(true)

    const items = keys.map((k, i) => ({ message: message(`m${i}`), publicKey: k.publicKey() }))
    const batch = aggregateSignatures(keys.map((k, i) => k.sign(items[i]!.message)))
    expect(verifyAggregate(batch, items)).toBe(true)
    expect(verifyAggregate(batch, items.slice(1))).toBe(false)
    expect(verifyAggregate(batch, [items[0]!, items[0]!, items[2]!])).toBe(false)
  })
})

describe('BLS decoding refuses bad bytes with typed errors', () => {
  const key = BlsSecretKey.random().publicKey().toBytes()
  const signature = BlsSecretKey.random().sign(message('x')).toBytes()
  const decodeKey = (bytes: Uint8Array) => () => BlsPublicKey.fromBytes(bytes)
  const decodeSig = (bytes: Uint8Array) => () => BlsSignature.fromBytes(bytes)

  it('wrong lengths and uncompressed forms', () => {
    expect(decodeKey(key.subarray(0, 47))).toThrow(InvalidEncoding)
    expect(decodeKey(bls12_381.G1.Point.BASE.toBytes(false))).toThrow(InvalidEncoding)
    expect(decodeSig(signature.subarray(1))).toThrow(InvalidEncoding)
  })

  it('the point at infinity', () => {
    const infinityG1 = new Uint8Array(48)
    infinityG1[0] = 0xc0
    const infinityG2 = new Uint8Array(96)
    infinityG2[0] = 0xc0
    expect(decodeKey(infinityG1)).toThrow(/infinity/)
    expect(decodeSig(infinityG2)).toThrow(/infinity/)
  })

  it('a missing compression flag and the forbidden sort-with-infinity flags', () => {
    const noFlag = Uint8Array.from(key)
    noFlag[0]! &= 0x7f
    expect(decodeKey(noFlag)).toThrow(InvalidEncoding)
    const bad = Uint8Array.from(key)
    bad[0] = 0xe0
    expect(decodeKey(bad)).toThrow(InvalidEncoding)
  })

  it('a coordinate that is not reduced modulo p (non-canonical)', () => {
    // x + p names the same point if a decoder reduces mod p; ours must refuse that encoding.
    // Find a subgroup point k·G whose x is small enough that x + p still fits in 381 bits.
    const p = bls12_381.fields.Fp.ORDER
    let point = bls12_381.G1.Point.BASE
    while (point.toAffine().x + p >= 1n << 381n) point = point.add(bls12_381.G1.Point.BASE)
    const canonical = point.toBytes(true)
    const bytes = Buffer.from((point.toAffine().x + p).toString(16).padStart(96, '0'), 'hex')
    bytes[0]! |= canonical[0]! & 0xe0
    expect(BlsPublicKey.fromBytes(canonical).point.equals(point)).toBe(true)
    expect(decodeKey(new Uint8Array(bytes))).toThrow(/outside of range|non-canonical/)
  })

  it('an x that is not on the curve, and a G2 point outside the prime-order subgroup', () => {
    // Find x with no square root of x³+4 (off-curve), then x on E2 but not in the subgroup.
    const Fp = bls12_381.fields.Fp
    let x = 1n
    while (Fp.sqrt === undefined || isSquare(Fp, Fp.add(Fp.pow(x, 3n), 4n))) x++
    const off = Buffer.from(x.toString(16).padStart(96, '0'), 'hex')
    off[0]! |= 0x80
    expect(decodeKey(new Uint8Array(off))).toThrow(/not a point of the G1 subgroup/)

    const Fp2 = bls12_381.fields.Fp2
    const b2 = Fp2.mul(Fp2.fromBigTuple([4n, 4n]), Fp2.ONE)
    for (let c0 = 1n; ; c0++) {
      const x2 = Fp2.fromBigTuple([c0, 0n])
      const rhs = Fp2.add(Fp2.pow(x2, 3n), b2)
      let y: unknown
      try { y = Fp2.sqrt(rhs) } catch { continue }
      if (y === undefined) continue
      // Compressed G2: c1 first, then c0; flag 0x80.
      const enc = new Uint8Array(96)
      enc.set(Buffer.from((0n).toString(16).padStart(96, '0'), 'hex'), 0)
      enc.set(Buffer.from(c0.toString(16).padStart(96, '0'), 'hex'), 48)
      enc[0]! |= 0x80
      expect(decodeSig(enc)).toThrow(/not in prime-order subgroup/)
      break
    }
  })

  it('secret keys: zero, and scalars ≥ r', () => {
    expect(() => BlsSecretKey.fromBytes(new Uint8Array(32))).toThrow(/zero/)
    const r = bls12_381.fields.Fr.ORDER
    expect(() => BlsSecretKey.fromBytes(Buffer.from(r.toString(16).padStart(64, '0'), 'hex'))).toThrow(/reduced/)
  })
})

function isSquare(Fp: typeof bls12_381.fields.Fp, value: bigint): boolean {
  try {
    return Fp.sqrt(value) !== undefined
  } catch {
    return false
  }
}

describe('compressed point encoding', () => {
  it('encodeG1 / encodeG2 give the bytes noble gives (sort bit, flags, infinity)', () => {
    const G1 = bls12_381.G1.Point
    const G2 = bls12_381.G2.Point
    for (let i = 1n; i <= 24n; i++) {
      const scalar = i * 0x9e3779b97f4a7c15n + i * i
      const g1 = G1.BASE.multiply(scalar)
      const g2 = G2.BASE.multiply(scalar)
      expect(encodeG1(g1)).toEqual(g1.toBytes(true))
      expect(encodeG1(g1.negate())).toEqual(g1.negate().toBytes(true))
      expect(encodeG2(g2)).toEqual(g2.toBytes(true))
      expect(encodeG2(g2.negate())).toEqual(g2.negate().toBytes(true))
    }
    expect(encodeG1(G1.ZERO)).toEqual(G1.ZERO.toBytes(true))
    expect(encodeG2(G2.ZERO)).toEqual(G2.ZERO.toBytes(true))
  })
})

describe('child keys (one-time owner keys of DBCs, issue 20)', () => {
  it("a child's secret signs what its public key, derived from the parent's public key alone, verifies", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 0, maxLength: 64 }), (seed, index) => {
      const parent = BlsSecretKey.fromScalar(BigInt('0x' + toHex(seed)) % SCALAR_ORDER || 1n)
      const child = parent.derive(index)
      const childPublic = parent.publicKey().derive(index)
      expect(child.publicKey().equals(childPublic)).toBe(true)
      const message = Uint8Array.of(...index, 7)
      expect(childPublic.verify(message, child.sign(message))).toBe(true)
      // Not the parent, and not the parent's signature.
      expect(childPublic.equals(parent.publicKey())).toBe(false)
      expect(parent.publicKey().verify(message, child.sign(message))).toBe(false)
    }), { numRuns: 8 })
  })

  it('different indexes give unrelated children; the same index the same child', () => {
    const parent = BlsSecretKey.fromScalar(123_456_789n)
    const a = parent.publicKey().derive(Uint8Array.of(1))
    const b = parent.publicKey().derive(Uint8Array.of(2))
    expect(a.equals(b)).toBe(false)
    expect(a.equals(parent.publicKey().derive(Uint8Array.of(1)))).toBe(true)
    expect(derivationScalar(Uint8Array.of(1))).not.toBe(derivationScalar(Uint8Array.of(2)))
  })
})
