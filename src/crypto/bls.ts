/**
 * BLS signatures on BLS12-381, as MaidSafe's blsttc uses them: public keys in G1
 * (48-byte compressed), signatures in G2 (96-byte compressed), secret keys are scalars of
 * Fr (32 bytes big-endian). A signature is σ = sk·H(m) with H the RFC 9380 hash-to-G2
 * (suite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_); it verifies iff e(pk, H(m)) = e(G1, σ).
 *
 * Costs in pure JS (noble-curves, measured here): hash-to-G2 ≈ 9 ms, sign ≈ 8 ms after the
 * hash, verify ≈ 17 ms. So: H(m) is cached (bounded LRU) because a node hashes the same
 * message for its own share and for verification; combined signatures are verified once.
 *
 * Decoding is strict: wrong length, off-curve or outside the prime-order subgroup, the point
 * at infinity, and non-canonical encodings (a coordinate ≥ p that would be reduced, stray
 * flag bits) are all refused with {@link InvalidEncoding}.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js'
import { InvalidEncoding } from './errors.ts'
import { bytesEqual, sha3_256, toHex } from './hash.ts'
import { evictOldest } from './caches.ts'

export const BLS_SECRET_KEY_BYTES = 32
export const BLS_PUBLIC_KEY_BYTES = 48
export const BLS_SIGNATURE_BYTES = 96

const G1 = bls12_381.G1.Point
const G2 = bls12_381.G2.Point
const long = bls12_381.longSignatures
/** The scalar field Fr of order r: secret keys, shares, polynomial coefficients. */
export const Fr = bls12_381.fields.Fr
const Fp = bls12_381.fields.Fp
/** r, the order of G1, G2 and Fr. */
export const SCALAR_ORDER: bigint = Fr.ORDER

export type G1Point = InstanceType<typeof G1>
export type G2Point = InstanceType<typeof G2>

export const G1_BASE: G1Point = G1.BASE
export const G1_ZERO: G1Point = G1.ZERO
export const G2_ZERO: G2Point = G2.ZERO

/**
 * Σ scalarsᵢ·pointsᵢ in G2 by Strauss–Shamir (one doubling chain for all): 13 ms for 5 points
 * against 38 ms for five separate multiplications, measured here. Variable time: public inputs only
 * (signature shares and Lagrange coefficients).
 */
export function g2SumOfProducts(points: ReadonlyArray<G2Point>, scalars: ReadonlyArray<bigint>): G2Point {
  return mulAddUnsafe(G2, [...points], [...scalars])
}

// ---------------------------------------------------------------------------------------------
// Signing bases: one H(m) signed again in this process.

/**
 * Points kept with a fixed-window table (W = 4: ~780 G2 points, ~0.4 MB each), so few. Measured
 * here: building one costs ~27 ms, a constant-time multiplication with it ~1.8 ms, without ~10 ms.
 */
const SIGNING_TABLE_WINDOW = 4
const signingBases = new Map<string, { point: G2Point; uses: number }>()

/**
 * H(m) to sign with. A message signed a second time in this process (the elders of a simulated
 * section sign one decision; a real node signs each message once) gets a precomputed table, so
 * each further signature is additions only: 7 shares of one message cost 51 ms instead of 66
 * (`npm run bench`). The table lives on a copy of the point held here; evicting the entry frees it.
 */
function signingBase(message: Uint8Array): G2Point {
  const key = toHex(sha3_256(message))
  const entry = signingBases.get(key)
  if (entry === undefined) {
    const point = hashToG2Keyed(key, message)
    signingBases.set(key, { point, uses: 1 })
    evictOldest(signingBases, 'bls-signing-tables')
    return point
  }
  signingBases.delete(key)
  signingBases.set(key, entry)
  if (++entry.uses === 2) entry.point = G2.fromAffine(entry.point.toAffine()).precompute(SIGNING_TABLE_WINDOW, false)
  return entry.point
}

// ---------------------------------------------------------------------------------------------
// Hash to G2, cached.

/** Bounded so a flood of distinct messages cannot grow memory; 1,024 × ~600 B. */
const hashCache = new Map<string, G2Point>()

/** H(m) in G2. Cached by SHA3-256 of the message (LRU, bounded: `CACHE_LIMITS['bls-hash-to-curve']` in caches.ts). */
export function hashToG2(message: Uint8Array): G2Point {
  return hashToG2Keyed(toHex(sha3_256(message)), message)
}

/** {@link hashToG2} for a caller that has the message's SHA3 hex already. */
function hashToG2Keyed(key: string, message: Uint8Array): G2Point {
  const hit = hashCache.get(key)
  if (hit !== undefined) {
    hashCache.delete(key)
    hashCache.set(key, hit)
    return hit
  }
  const point = long.hash(message)
  hashCache.set(key, point)
  evictOldest(hashCache, 'bls-hash-to-curve')
  return point
}

/** Signatures that verified, by (key, message hash, signature); a hit saves a 15 ms pairing check. */
const verifiedCache = new Set<string>()

/** Benchmarks only: forget which signatures verified, so the next check is a real pairing. */
export function forgetVerifiedBls(): void {
  verifiedCache.clear()
}

// ---------------------------------------------------------------------------------------------
// Scalars and points ↔ bytes.

/**
 * Decodes a 32-byte big-endian scalar in [1, r) — or [0, r) with `allowZero`, for DKG shares,
 * which are polynomial values and may (with probability 2^-255) be zero. A zero secret key is
 * refused: it signs everything as ∞.
 */
export function decodeScalar(bytes: Uint8Array, what: string, allowZero = false): bigint {
  if (bytes.length !== BLS_SECRET_KEY_BYTES) {
    throw new InvalidEncoding({ what, message: `expected ${BLS_SECRET_KEY_BYTES} bytes, got ${bytes.length}` })
  }
  const value = BigInt('0x' + (toHex(bytes) || '0'))
  if (value === 0n && !allowZero) throw new InvalidEncoding({ what, message: 'the zero scalar is not a key' })
  if (value >= Fr.ORDER) throw new InvalidEncoding({ what, message: 'scalar is not reduced modulo the group order r' })
  return value
}

export function encodeScalar(value: bigint): Uint8Array {
  return Fr.toBytes(value)
}

/**
 * Points that decoded, by encoding: the subgroup check costs ~1 ms in G2, and gossip brings the
 * same shares and keys again and again. Bounded; only valid points are remembered.
 */
const decodedG1 = new Map<string, G1Point>()
const decodedG2 = new Map<string, G2Point>()

function remembered<P>(cache: Map<string, P>, bytes: Uint8Array, decodePoint: () => P): P {
  const key = toHex(bytes)
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const point = decodePoint()
  cache.set(key, point)
  evictOldest(cache, 'bls-decoded-points')
  return point
}

export function decodeG1(bytes: Uint8Array, what: string): G1Point {
  return remembered(decodedG1, bytes, () => decodeG1Uncached(bytes, what))
}

export function decodeG2(bytes: Uint8Array, what: string): G2Point {
  return remembered(decodedG2, bytes, () => decodeG2Uncached(bytes, what))
}

function decodeG1Uncached(bytes: Uint8Array, what: string): G1Point {
  if (bytes.length !== BLS_PUBLIC_KEY_BYTES) {
    throw new InvalidEncoding({ what, message: `expected ${BLS_PUBLIC_KEY_BYTES} bytes (compressed G1), got ${bytes.length}` })
  }
  let point: G1Point
  try {
    point = G1.fromBytes(bytes)
    point.assertValidity()
  } catch (cause) {
    throw new InvalidEncoding({ what, message: `not a point of the G1 subgroup: ${errorText(cause)}` })
  }
  if (point.is0()) throw new InvalidEncoding({ what, message: 'the point at infinity is not allowed' })
  if (!bytesEqual(encodeG1(point), bytes)) throw new InvalidEncoding({ what, message: 'non-canonical encoding' })
  return point
}

function decodeG2Uncached(bytes: Uint8Array, what: string): G2Point {
  if (bytes.length !== BLS_SIGNATURE_BYTES) {
    throw new InvalidEncoding({ what, message: `expected ${BLS_SIGNATURE_BYTES} bytes (compressed G2), got ${bytes.length}` })
  }
  let point: G2Point
  try {
    point = G2.fromBytes(bytes)
    point.assertValidity()
  } catch (cause) {
    throw new InvalidEncoding({ what, message: `not a point of the G2 subgroup: ${errorText(cause)}` })
  }
  if (point.is0()) throw new InvalidEncoding({ what, message: 'the point at infinity is not allowed' })
  if (!bytesEqual(point.toBytes(true), bytes)) throw new InvalidEncoding({ what, message: 'non-canonical encoding' })
  return point
}

/**
 * Compressed encodings (ZCash format, as noble's `toBytes(true)`) without noble's validity check:
 * for points we computed from valid ones that check is a wasted ~1 ms subgroup test in G2.
 * Decoding (untrusted bytes) still checks everything.
 */
const HALF_P = (Fp.ORDER - 1n) / 2n

function fieldBytes(value: bigint, into: Uint8Array, offset: number): void {
  for (let i = 47; i >= 0; i--) {
    into[offset + i] = Number(value & 0xffn)
    value >>= 8n
  }
}

export function encodeG1(point: G1Point): Uint8Array {
  const out = new Uint8Array(BLS_PUBLIC_KEY_BYTES)
  if (point.is0()) {
    out[0] = 0xc0
    return out
  }
  const { x, y } = point.toAffine()
  fieldBytes(x, out, 0)
  out[0]! |= 0x80 | (y > HALF_P ? 0x20 : 0)
  return out
}

export function encodeG2(point: G2Point): Uint8Array {
  const out = new Uint8Array(BLS_SIGNATURE_BYTES)
  if (point.is0()) {
    out[0] = 0xc0
    return out
  }
  const { x, y } = point.toAffine()
  fieldBytes(x.c1, out, 0)
  fieldBytes(x.c0, out, 48)
  const larger = y.c1 !== 0n ? y.c1 > HALF_P : y.c0 > HALF_P
  out[0]! |= 0x80 | (larger ? 0x20 : 0)
  return out
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures.

export class BlsSignature {
  readonly point: G2Point
  #bytes: Uint8Array | undefined

  constructor(point: G2Point) {
    this.point = point
  }

  static fromBytes(bytes: Uint8Array): BlsSignature {
    const signature = new BlsSignature(decodeG2(bytes, 'BlsSignature'))
    signature.#bytes = Uint8Array.from(bytes)
    return signature
  }

  toBytes(): Uint8Array {
    return (this.#bytes ??= encodeG2(this.point))
  }

  equals(other: BlsSignature): boolean {
    return this.point.equals(other.point)
  }

  toHex(): string {
    return toHex(this.toBytes())
  }
}

export class BlsPublicKey {
  readonly point: G1Point
  #bytes: Uint8Array | undefined
  #hex: string | undefined

  constructor(point: G1Point) {
    this.point = point
  }

  static fromBytes(bytes: Uint8Array): BlsPublicKey {
    const key = new BlsPublicKey(decodeG1(bytes, 'BlsPublicKey'))
    key.#bytes = Uint8Array.from(bytes)
    return key
  }

  /**
   * True iff `signature` is a valid signature of `message` under this key (two pairings).
   * Successes are remembered (bounded LRU): gossip delivers the same signed decision many times.
   */
  verify(message: Uint8Array, signature: BlsSignature): boolean {
    const key = `${this.toHex()}/${toHex(sha3_256(message))}/${signature.toHex()}`
    if (verifiedCache.has(key)) {
      verifiedCache.delete(key)
      verifiedCache.add(key)
      return true
    }
    const valid = verifyHashed(this.point, hashToG2(message), signature.point)
    if (valid) {
      verifiedCache.add(key)
      evictOldest(verifiedCache, 'bls-verified')
    }
    return valid
  }

  toBytes(): Uint8Array {
    return (this.#bytes ??= encodeG1(this.point))
  }

  /**
   * The child key for `index` (any bytes): this key times {@link derivationScalar}. Whoever knows
   * only this public key can derive the child's public key; only the holder of the secret can
   * derive its secret ({@link BlsSecretKey.derive}). A wallet pays to a fresh child of its
   * recipient's main key each time, so no owner key is ever used twice.
   */
  derive(index: Uint8Array): BlsPublicKey {
    return new BlsPublicKey(this.point.multiply(derivationScalar(index)))
  }

  equals(other: BlsPublicKey): boolean {
    return bytesEqual(this.toBytes(), other.toBytes())
  }

  /** Full hex of the compressed key: the key's identity in the SectionsDAG and in logs. */
  toHex(): string {
    return (this.#hex ??= toHex(this.toBytes()))
  }

  toString(): string {
    return `BlsPublicKey(${this.toHex().slice(0, 8)})`
  }
}

export class BlsSecretKey {
  readonly #scalar: bigint

  private constructor(scalar: bigint) {
    this.#scalar = scalar
  }

  /** A uniformly random non-zero scalar from `randomBytes` (64 bytes reduced mod r: bias < 2^-250). */
  static random(randomBytes: (length: number) => Uint8Array = defaultRandomBytes): BlsSecretKey {
    return new BlsSecretKey(randomScalar(randomBytes))
  }

  static fromBytes(bytes: Uint8Array): BlsSecretKey {
    return new BlsSecretKey(decodeScalar(bytes, 'BlsSecretKey'))
  }

  /** @internal — used by threshold and DKG code that produces scalars directly. */
  static fromScalar(scalar: bigint): BlsSecretKey {
    return new BlsSecretKey(Fr.create(scalar))
  }

  get scalar(): bigint {
    return this.#scalar
  }

  publicKey(): BlsPublicKey {
    return new BlsPublicKey(G1_BASE.multiply(this.#scalar))
  }

  sign(message: Uint8Array): BlsSignature {
    return new BlsSignature(signingBase(message).multiply(this.#scalar))
  }

  toBytes(): Uint8Array {
    return encodeScalar(this.#scalar)
  }

  /** The secret of the child key for `index`: its public key is `publicKey().derive(index)`. */
  derive(index: Uint8Array): BlsSecretKey {
    return new BlsSecretKey(Fr.mul(this.#scalar, derivationScalar(index)))
  }
}

const DERIVATION_DOMAIN = new TextEncoder().encode('safenet/bls-derive/v1')

/** The non-zero scalar a child key of `index` multiplies by: SHA3 of the domain and `index`, 64 bytes reduced mod r. */
export function derivationScalar(index: Uint8Array): bigint {
  for (let counter = 0; ; counter++) {
    const wide = toHex(sha3_256(DERIVATION_DOMAIN, Uint8Array.of(counter), index)) + toHex(sha3_256(DERIVATION_DOMAIN, Uint8Array.of(counter, 1), index))
    const value = BigInt('0x' + wide) % Fr.ORDER
    if (value !== 0n) return value
  }
}

/** e(pk, H) = e(G1, σ), as one pairing product with a shared final exponentiation. */
export function verifyHashed(publicKey: G1Point, hashed: G2Point, signature: G2Point): boolean {
  if (publicKey.is0() || signature.is0()) return false
  return long.verify(signature, hashed, publicKey)
}

/**
 * Aggregates signatures (of the same or different messages) into one: σ = Σ σᵢ.
 * Verify with {@link verifyAggregate}. Same-message aggregation is only safe with keys whose
 * possession was proven (rogue-key attack); section keys come from DKG, so they are.
 */
export function aggregateSignatures(signatures: ReadonlyArray<BlsSignature>): BlsSignature {
  if (signatures.length === 0) throw new InvalidEncoding({ what: 'BlsSignature', message: 'nothing to aggregate' })
  return new BlsSignature(signatures.reduce((sum, s) => sum.add(s.point), G2_ZERO))
}

export function aggregatePublicKeys(keys: ReadonlyArray<BlsPublicKey>): BlsPublicKey {
  if (keys.length === 0) throw new InvalidEncoding({ what: 'BlsPublicKey', message: 'nothing to aggregate' })
  return new BlsPublicKey(keys.reduce((sum, k) => sum.add(k.point), G1_ZERO))
}

/** Verifies an aggregate of signatures over distinct messages: Π e(pkᵢ, H(mᵢ)) = e(G1, σ). */
export function verifyAggregate(
  signature: BlsSignature,
  items: ReadonlyArray<{ readonly message: Uint8Array; readonly publicKey: BlsPublicKey }>,
): boolean {
  if (items.length === 0) return false
  const distinct = new Set(items.map((item) => toHex(sha3_256(item.message))))
  if (distinct.size !== items.length) return false
  return long.verifyBatch(signature.point, items.map((item) => ({ message: hashToG2(item.message), publicKey: item.publicKey.point })))
}

// ---------------------------------------------------------------------------------------------
// Randomness.

function defaultRandomBytes(length: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(length))
}

/** A uniformly random scalar in [1, r): 64 random bytes reduced mod r (bias < 2^-250). */
export function randomScalar(randomBytes: (length: number) => Uint8Array = defaultRandomBytes): bigint {
  for (;;) {
    const value = BigInt('0x' + toHex(randomBytes(64))) % Fr.ORDER
    if (value !== 0n) return value
  }
}
