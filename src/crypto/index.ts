/**
 * Crypto for safenet: SHA3-256 and Ed25519 node identities (node:crypto), BLS12-381 keys and
 * threshold signatures (@noble/curves), Joint-Feldman DKG maths, and share encryption
 * (X25519 + ChaCha20-Poly1305, node:crypto). Every decoder refuses bad bytes with a typed
 * {@link InvalidEncoding}.
 *
 * @example
 * ```ts
 * import { SecretKeySet, supermajority } from './src/crypto/index.ts'
 * const keys = SecretKeySet.random(4)                      // 7 elders: threshold 4
 * const message = new TextEncoder().encode('a decision')
 * const shares = [0, 2, 3, 5, 6].map((index) => ({ index, share: keys.secretKeyShare(index).sign(message), signer: `elder-${index}` }))
 * const { signature } = keys.publicKeys().combine(message, shares)   // any 5 of 7
 * keys.publicKeys().publicKey().verify(message, signature)          // true
 * ```
 */
export { CACHE_LIMITS, type CacheName, cacheEvictions, evictOldest } from './caches.ts'
export { CombineFailed, DecryptionFailed, InvalidEncoding, InvalidParameters } from './errors.ts'
export { bytesEqual, concatBytes, domain, sha256, sha3_256, toHex, u64be } from './hash.ts'
export {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SECRET_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  forgetVerifiedEd25519,
  NodeKeypair,
  NodePublicKey,
} from './node-keys.ts'
export {
  aggregatePublicKeys,
  aggregateSignatures,
  BLS_PUBLIC_KEY_BYTES,
  BLS_SECRET_KEY_BYTES,
  BLS_SIGNATURE_BYTES,
  BlsPublicKey,
  BlsSecretKey,
  BlsSignature,
  derivationScalar,
  hashToG2,
  randomScalar,
  SCALAR_ORDER,
  verifyAggregate,
  forgetVerifiedBls,
} from './bls.ts'
export {
  type AttributedShare,
  interpolateSignature,
  lagrangeAtZero,
  MAX_COMMITMENTS,
  PublicKeySet,
  SecretKeySet,
  forgetCombined,
  SecretKeyShare,
  SIGNATURE_SHARE_BYTES,
  SignatureShare,
  supermajority,
  threshold,
} from './threshold.ts'
export {
  combineQualified,
  deal,
  type Dealing,
  decodeDealtShare,
  encodeDealtShare,
  encryptDealtShare,
  openDealtShare,
  type ShareCheck,
  verifyDealtShare,
} from './dkg.ts'
export { decryptShare, EncryptionKeypair, encryptShare, SHARE_CIPHERTEXT_OVERHEAD, X25519_KEY_BYTES } from './share-encryption.ts'
export { BLS_SEAL_OVERHEAD, openBlsSeal, sealToBlsKey } from './bls-seal.ts'
