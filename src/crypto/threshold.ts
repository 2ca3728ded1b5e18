/**
 * Threshold BLS (as blsttc's SecretKeySet / PublicKeySet), the section key of DESIGN.md §3–§7.
 *
 * - A SecretKeySet is a random polynomial f of degree t over Fr; the section secret key is
 *   f(0). Participant i (0-based) holds the share f(i+1) — x = i+1 because f(0) is the secret.
 * - The PublicKeySet is the Feldman commitment to f: Cₖ = aₖ·G1 for each coefficient aₖ.
 *   The section public key is C₀; participant i's public key share is Σₖ Cₖ·(i+1)ᵏ = f(i+1)·G1.
 * - A signature share is σᵢ = f(i+1)·H(m) in G2. Any t+1 shares determine f(0)·H(m) by
 *   Lagrange interpolation at 0: σ = Σᵢ λᵢ·σᵢ, λᵢ = Πⱼ≠ᵢ xⱼ/(xⱼ − xᵢ). With t shares the
 *   result is a different point and does not verify.
 *
 * With n elders, t = threshold(n) = ⌊2n/3⌋, so t+1 = ⌊2n/3⌋+1 is the supermajority (5 of 7).
 * Combination verifies the result once; only when that fails are shares checked one by one to
 * name the bad signer (each check costs a pairing, ≈ 17 ms).
 */
import { CombineFailed, InvalidEncoding, InvalidParameters } from './errors.ts'
import { sha3_256, toHex } from './hash.ts'
import {
  BLS_PUBLIC_KEY_BYTES,
  BLS_SIGNATURE_BYTES,
  BlsPublicKey,
  BlsSecretKey,
  BlsSignature,
  decodeG1,
  decodeG2,
  decodeScalar,
  encodeScalar,
  Fr,
  g2SumOfProducts,
  G1_BASE,
  encodeG1,
  G1_ZERO,
  type G1Point,
  G2_ZERO,
  hashToG2,
  randomScalar,
  verifyHashed,
} from './bls.ts'
import { evictOldest } from './caches.ts'

/** BLS polynomial degree for a section of `n` elders: ⌊2n/3⌋ (DESIGN.md §3). */
export function threshold(elderCount: number): number {
  return Math.floor((2 * elderCount) / 3)
}

/** Votes needed for any decision among `n` elders: ⌊2n/3⌋+1 (DESIGN.md §3). */
export function supermajority(elderCount: number): number {
  return threshold(elderCount) + 1
}

/** Most coefficients a PublicKeySet may carry on the wire; generous for any elder count we run. */
export const MAX_COMMITMENTS = 64

/** Evaluates Σ coefficients[k]·xᵏ in Fr (Horner). */
export function evaluatePolynomial(coefficients: ReadonlyArray<bigint>, x: bigint): bigint {
  let acc = 0n
  for (let k = coefficients.length - 1; k >= 0; k--) acc = Fr.add(Fr.mul(acc, x), coefficients[k]!)
  return acc
}

/** Evaluates the committed polynomial in the exponent: Σ Cₖ·xᵏ (public, so variable-time is fine). */
export function evaluateCommitments(commitments: ReadonlyArray<G1Point>, x: bigint): G1Point {
  let acc = G1_ZERO
  for (let k = commitments.length - 1; k >= 0; k--) {
    acc = acc.multiplyUnsafe(x).add(commitments[k]!)
  }
  return acc
}

/** Lagrange coefficients at 0 for the distinct points `xs`: λᵢ = Πⱼ≠ᵢ xⱼ/(xⱼ − xᵢ). */
export function lagrangeAtZero(xs: ReadonlyArray<bigint>): bigint[] {
  return xs.map((xi, i) => {
    let numerator = 1n
    let denominator = 1n
    xs.forEach((xj, j) => {
      if (j === i) return
      numerator = Fr.mul(numerator, xj)
      denominator = Fr.mul(denominator, Fr.sub(xj, xi))
    })
    return Fr.div(numerator, denominator)
  })
}

/** Interpolates at 0 from (index, share) pairs with x = index+1. Exactly the given shares are used. */
export function interpolateSignature(shares: ReadonlyArray<{ readonly index: number; readonly share: SignatureShare }>): BlsSignature {
  const lambdas = lagrangeAtZero(shares.map((s) => BigInt(s.index + 1)))
  return new BlsSignature(shares.length === 0 ? G2_ZERO : g2SumOfProducts(shares.map((s) => s.share.point), lambdas))
}

function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 0xffff) {
    throw new InvalidParameters({ message: `a share index is an integer in [0, 65535), got ${index}` })
  }
}

// ---------------------------------------------------------------------------------------------

/** A participant's share of the section secret key: f(index+1). */
export class SecretKeyShare {
  readonly index: number
  readonly #key: BlsSecretKey

  constructor(index: number, key: BlsSecretKey) {
    assertIndex(index)
    this.index = index
    this.#key = key
  }

  static fromBytes(index: number, bytes: Uint8Array): SecretKeyShare {
    return new SecretKeyShare(index, BlsSecretKey.fromBytes(bytes))
  }

  get scalar(): bigint {
    return this.#key.scalar
  }

  sign(message: Uint8Array): SignatureShare {
    return new SignatureShare(this.#key.sign(message).point)
  }

  publicKeyShare(): BlsPublicKey {
    return this.#key.publicKey()
  }

  toBytes(): Uint8Array {
    return this.#key.toBytes()
  }
}

/**
 * A participant's signature share: f(index+1)·H(m), one G2 point like a signature. The index
 * travels beside it. A subclass only to name what it is: it verifies under a public key share,
 * not under the section key.
 */
export class SignatureShare extends BlsSignature {
  static override fromBytes(bytes: Uint8Array): SignatureShare {
    return new SignatureShare(decodeG2(bytes, 'SignatureShare'))
  }
}


/** Verified section signatures by (key, message) and by (key, message, shares used). */
const combinedCache = new Map<string, BlsSignature>()

/** Benchmarks only: forget combined signatures, so the next combine interpolates. */
export function forgetCombined(): void {
  combinedCache.clear()
}

/** A signature share with where it came from: its index and who sent it (for blame). */
export interface AttributedShare {
  readonly index: number
  readonly share: SignatureShare
  /** Who sent it, e.g. an elder's name in hex; reported in {@link CombineFailed}. */
  readonly signer: string
}

/** The public side of a key set: commitments C₀…C_t to the secret polynomial. */
export class PublicKeySet {
  readonly commitments: ReadonlyArray<G1Point>
  readonly #shareCache = new Map<number, BlsPublicKey>()
  readonly #verifiedShares = new Set<string>()
  #publicKey: BlsPublicKey | undefined
  #bytes: Uint8Array | undefined

  constructor(commitments: ReadonlyArray<G1Point>) {
    if (commitments.length === 0 || commitments.length > MAX_COMMITMENTS) {
      throw new InvalidParameters({ message: `a PublicKeySet has 1 to ${MAX_COMMITMENTS} commitments, got ${commitments.length}` })
    }
    this.commitments = commitments
  }

  /** Degree of the polynomial: t+1 shares are needed to sign. */
  get threshold(): number {
    return this.commitments.length - 1
  }

  /** The section public key C₀. */
  publicKey(): BlsPublicKey {
    return (this.#publicKey ??= new BlsPublicKey(this.commitments[0]!))
  }

  /** Participant `index`'s public key share, f(index+1)·G1 (cached: t+1 multiplications each). */
  publicKeyShare(index: number): BlsPublicKey {
    assertIndex(index)
    let key = this.#shareCache.get(index)
    if (key === undefined) {
      key = new BlsPublicKey(evaluateCommitments(this.commitments, BigInt(index + 1)))
      this.#shareCache.set(index, key)
    }
    return key
  }

  /** Checks one share (a pairing, ~15 ms); valid ones are remembered, as a combine retries. */
  verifyShare(index: number, share: SignatureShare, message: Uint8Array): boolean {
    const key = `${index}/${toHex(sha3_256(message))}/${share.toHex()}`
    if (this.#verifiedShares.has(key)) return true
    const valid = verifyHashed(this.publicKeyShare(index).point, hashToG2(message), share.point)
    if (valid) {
      this.#verifiedShares.add(key)
      evictOldest(this.#verifiedShares, 'bls-verified-shares')
    }
    return valid
  }

  /**
   * Combines t+1 shares into the section signature and verifies it once.
   * When that fails, checks the shares one by one, drops the bad ones (named in the error),
   * and combines again from valid ones if enough remain. Duplicated indexes count once.
   * Returns the signature, the signers whose shares made it, and those whose shares were invalid.
   */
  combine(message: Uint8Array, shares: ReadonlyArray<AttributedShare>): { signature: BlsSignature; badSigners: string[]; signers: string[] } {
    const needed = this.threshold + 1
    const byIndex = new Map<number, AttributedShare>()
    for (const share of shares) if (!byIndex.has(share.index)) byIndex.set(share.index, share)
    const distinct = [...byIndex.values()].sort((a, b) => a.index - b.index)
    if (distinct.length < needed) {
      throw new CombineFailed({
        message: `need ${needed} shares from distinct participants, got ${distinct.length}`,
        badSigners: [], validShares: distinct.length, needed,
      })
    }
    // Results depend only on the inputs, never on what was cached (the simulator's runs must be
    // reproducible): a combination of exactly these shares that verified before is reused; and
    // since a message has one signature under a key, an interpolation equal to a signature that
    // verified before needs no pairing check.
    const chosen = distinct.slice(0, needed)
    const messageKey = `${this.publicKey().toHex()}/${toHex(sha3_256(message))}`
    const chosenKey = `${messageKey}/${chosen.map((s) => `${s.index}:${s.share.toHex()}`).join(',')}`
    const cached = combinedCache.get(chosenKey)
    if (cached !== undefined) return { signature: cached, badSigners: [], signers: chosen.map((s) => s.signer) }
    const remember = (key: string, signature: BlsSignature) => {
      combinedCache.set(key, signature)
      combinedCache.set(messageKey, signature)
      evictOldest(combinedCache, 'bls-combined')
    }
    const first = interpolateSignature(chosen)
    const known = combinedCache.get(messageKey)
    if ((known !== undefined && known.equals(first)) || this.publicKey().verify(message, first)) {
      remember(chosenKey, first)
      return { signature: first, badSigners: [], signers: chosen.map((s) => s.signer) }
    }

    // Slow path: find the culprits.
    const valid: AttributedShare[] = []
    const badSigners: string[] = []
    for (const share of distinct) {
      if (this.verifyShare(share.index, share.share, message)) valid.push(share)
      else badSigners.push(share.signer)
      if (valid.length === needed) break
    }
    if (valid.length < needed) {
      throw new CombineFailed({
        message: `only ${valid.length} of the ${distinct.length} shares are valid; ${needed} are needed (bad: ${badSigners.join(', ')})`,
        badSigners, validShares: valid.length, needed,
      })
    }
    const signature = interpolateSignature(valid)
    remember(`${messageKey}/${valid.map((s) => `${s.index}:${s.share.toHex()}`).join(',')}`, signature)
    return { signature, badSigners, signers: valid.map((s) => s.signer) }
  }

  /** t+1 commitments of 48 bytes each, concatenated. */
  toBytes(): Uint8Array {
    if (this.#bytes === undefined) {
      const out = new Uint8Array(this.commitments.length * BLS_PUBLIC_KEY_BYTES)
      this.commitments.forEach((point, k) => out.set(encodeG1(point), k * BLS_PUBLIC_KEY_BYTES))
      this.#bytes = out
    }
    return this.#bytes
  }

  static fromBytes(bytes: Uint8Array): PublicKeySet {
    if (bytes.length === 0 || bytes.length % BLS_PUBLIC_KEY_BYTES !== 0 || bytes.length > MAX_COMMITMENTS * BLS_PUBLIC_KEY_BYTES) {
      throw new InvalidEncoding({
        what: 'PublicKeySet',
        message: `expected 1 to ${MAX_COMMITMENTS} commitments of ${BLS_PUBLIC_KEY_BYTES} bytes, got ${bytes.length} bytes`,
      })
    }
    const commitments: G1Point[] = []
    for (let offset = 0; offset < bytes.length; offset += BLS_PUBLIC_KEY_BYTES) {
      commitments.push(decodeG1(bytes.subarray(offset, offset + BLS_PUBLIC_KEY_BYTES), 'PublicKeySet'))
    }
    const set = new PublicKeySet(commitments)
    set.#bytes = Uint8Array.from(bytes)
    return set
  }

  equals(other: PublicKeySet): boolean {
    return toHex(this.toBytes()) === toHex(other.toBytes())
  }
}

/** The secret polynomial. Only genesis and tests hold one whole; sections get theirs by DKG. */
export class SecretKeySet {
  readonly #coefficients: ReadonlyArray<bigint>

  constructor(coefficients: ReadonlyArray<bigint>) {
    if (coefficients.length === 0 || coefficients.length > MAX_COMMITMENTS) {
      throw new InvalidParameters({ message: `a SecretKeySet has 1 to ${MAX_COMMITMENTS} coefficients, got ${coefficients.length}` })
    }
    if (coefficients[0] === 0n) throw new InvalidParameters({ message: 'the secret (constant coefficient) must not be zero' })
    this.#coefficients = coefficients.map((c) => Fr.create(c))
  }

  /** A random polynomial of degree `threshold`. */
  static random(threshold: number, randomBytes?: (length: number) => Uint8Array): SecretKeySet {
    if (!Number.isSafeInteger(threshold) || threshold < 0 || threshold >= MAX_COMMITMENTS) {
      throw new InvalidParameters({ message: `threshold must be an integer in [0, ${MAX_COMMITMENTS}), got ${threshold}` })
    }
    return new SecretKeySet(Array.from({ length: threshold + 1 }, () => randomScalar(randomBytes)))
  }

  get threshold(): number {
    return this.#coefficients.length - 1
  }

  secretKey(): BlsSecretKey {
    return BlsSecretKey.fromScalar(this.#coefficients[0]!)
  }

  secretKeyShare(index: number): SecretKeyShare {
    assertIndex(index)
    return new SecretKeyShare(index, BlsSecretKey.fromScalar(evaluatePolynomial(this.#coefficients, BigInt(index + 1))))
  }

  publicKeys(): PublicKeySet {
    return new PublicKeySet(this.#coefficients.map((c) => G1_BASE.multiply(c)))
  }

  /** The coefficients as 32-byte scalars, for a genesis record kept by its creator. */
  toBytes(): Uint8Array[] {
    return this.#coefficients.map((c) => encodeScalar(c))
  }

  static fromBytes(coefficients: ReadonlyArray<Uint8Array>): SecretKeySet {
    return new SecretKeySet(coefficients.map((bytes) => decodeScalar(bytes, 'SecretKeySet')))
  }
}

/** A signature share is one compressed G2 point. */
export const SIGNATURE_SHARE_BYTES = BLS_SIGNATURE_BYTES
