/**
 * Joint-Feldman DKG maths over BLS12-381 (DESIGN.md §7); the protocol around it (sessions,
 * acks, complaints, deadlines) is `machines/dkg.machine.ts`.
 *
 * Each of n candidates j deals a random polynomial fⱼ of degree t:
 *   - commitments Cⱼ,ₖ = aⱼ,ₖ·G1 (k = 0…t) to everyone — exactly a {@link PublicKeySet};
 *   - to each candidate i the share fⱼ(i+1), encrypted to i (see share-encryption.ts).
 * Candidate i checks fⱼ(i+1)·G1 = Σₖ Cⱼ,ₖ·(i+1)ᵏ for every dealer (Feldman), acks or complains.
 * Over the qualified dealers Q: i's key share is Σ_{j∈Q} fⱼ(i+1); the section's PublicKeySet is
 * the coefficient-wise sum Σ_{j∈Q} Cⱼ, so the section key is Σ_{j∈Q} Cⱼ,₀ and nobody ever
 * knows the secret Σ fⱼ(0). Every honest candidate that uses the same Q gets the same key.
 */
import {
  decodeScalar,
  encodeScalar,
  Fr,
  G1_BASE,
  G1_ZERO,
  type G1Point,
  BlsSecretKey,
  randomScalar,
} from './bls.ts'
import { DecryptionFailed, InvalidEncoding, InvalidParameters } from './errors.ts'
import { decryptShare, type EncryptionKeypair, encryptShare } from './share-encryption.ts'
import { evaluateCommitments, evaluatePolynomial, PublicKeySet, SecretKeyShare } from './threshold.ts'

/** One dealer's contribution: public commitments and a plaintext share per participant. */
export interface Dealing {
  readonly commitments: PublicKeySet
  /** shares[i] = f(i+1), to be encrypted to participant i. */
  readonly shares: ReadonlyArray<bigint>
}

/** Deals a random polynomial of degree `threshold` to `participantCount` participants. */
export function deal(threshold: number, participantCount: number, randomBytes?: (length: number) => Uint8Array): Dealing {
  if (!Number.isSafeInteger(participantCount) || participantCount < 1 || participantCount > 0xffff) {
    throw new InvalidParameters({ message: `participant count must be in [1, 65535], got ${participantCount}` })
  }
  if (!Number.isSafeInteger(threshold) || threshold < 0 || threshold >= participantCount) {
    throw new InvalidParameters({ message: `threshold must be in [0, ${participantCount - 1}] for ${participantCount} participants, got ${threshold}` })
  }
  const coefficients = Array.from({ length: threshold + 1 }, () => randomScalar(randomBytes))
  return {
    commitments: new PublicKeySet(coefficients.map((c) => G1_BASE.multiply(c))),
    shares: Array.from({ length: participantCount }, (_, i) => evaluatePolynomial(coefficients, BigInt(i + 1))),
  }
}

/** Feldman check: is `share` the dealer's polynomial at index+1, as committed? */
export function verifyDealtShare(commitments: PublicKeySet, index: number, share: bigint): boolean {
  if (share < 0n || share >= Fr.ORDER) return false
  const expected = evaluateCommitments(commitments.commitments, BigInt(index + 1))
  const actual = share === 0n ? G1_ZERO : G1_BASE.multiply(share)
  return expected.equals(actual)
}

/** Share plaintext: the 32-byte big-endian scalar. */
export function encodeDealtShare(share: bigint): Uint8Array {
  return encodeScalar(share)
}

export function decodeDealtShare(bytes: Uint8Array): bigint {
  return decodeScalar(bytes, 'DkgShare', true)
}

/** Encrypts participant `index`'s share to its session key, bound to `context`. */
export function encryptDealtShare(
  dealing: Dealing,
  index: number,
  recipientPublicKey: Uint8Array,
  context: Uint8Array,
  randomBytes?: (length: number) => Uint8Array,
): Uint8Array {
  const share = dealing.shares[index]
  if (share === undefined) throw new InvalidParameters({ message: `no share for participant ${index}` })
  return encryptShare(recipientPublicKey, encodeDealtShare(share), context, randomBytes)
}

/** What a participant concludes about one dealer's share for it. */
export type ShareCheck =
  | { readonly ok: true; readonly share: bigint }
  | { readonly ok: false; readonly reason: 'undecryptable' | 'malformed' | 'not-committed' }

/** Decrypts and Feldman-checks a dealt share. Never throws for bad dealer input. */
export function openDealtShare(
  recipient: EncryptionKeypair,
  index: number,
  commitments: PublicKeySet,
  ciphertext: Uint8Array,
  context: Uint8Array,
): ShareCheck {
  let plaintext: Uint8Array
  try {
    plaintext = decryptShare(recipient, ciphertext, context)
  } catch (error) {
    if (error instanceof DecryptionFailed) return { ok: false, reason: 'undecryptable' }
    throw error
  }
  let share: bigint
  try {
    share = decodeDealtShare(plaintext)
  } catch (error) {
    if (error instanceof InvalidEncoding) return { ok: false, reason: 'malformed' }
    throw error
  }
  return verifyDealtShare(commitments, index, share) ? { ok: true, share } : { ok: false, reason: 'not-committed' }
}

/**
 * Completes the DKG for participant `index` from the qualified dealers' commitments and the
 * (already checked) shares they dealt it, in the same order. All qualified dealings must share
 * one threshold.
 */
export function combineQualified(
  index: number,
  qualified: ReadonlyArray<{ readonly commitments: PublicKeySet; readonly share: bigint }>,
): { publicKeySet: PublicKeySet; secretKeyShare: SecretKeyShare } {
  if (qualified.length === 0) throw new InvalidParameters({ message: 'no qualified dealers' })
  const degree = qualified[0]!.commitments.threshold
  if (qualified.some((q) => q.commitments.threshold !== degree)) {
    throw new InvalidParameters({ message: 'qualified dealings have different thresholds' })
  }
  const commitments = Array.from({ length: degree + 1 }, (_, k) =>
    qualified.reduce<G1Point>((sum, q) => sum.add(q.commitments.commitments[k]!), G1_ZERO))
  const share = qualified.reduce((sum, q) => Fr.add(sum, q.share), 0n)
  return {
    publicKeySet: new PublicKeySet(commitments),
    secretKeyShare: new SecretKeyShare(index, BlsSecretKey.fromScalar(share)),
  }
}
