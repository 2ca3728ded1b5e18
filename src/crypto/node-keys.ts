/**
 * Node identities: Ed25519 key pairs on node:crypto (native, ~20× faster than pure JS).
 * A node's name is SHA3-256 of its 32-byte public key (DESIGN.md §2), so a name cannot be
 * chosen without grinding keys, and anyone holding the public key can check the name.
 *
 * node:crypto takes keys as DER; an Ed25519 key is a fixed 12-byte (SPKI) or 16-byte (PKCS#8)
 * header followed by the 32 raw bytes, so raw ↔ DER is a concatenation.
 *
 * Every node can also receive encrypted DKG shares without announcing anything: its X25519 key
 * is its Ed25519 key mapped to the birationally equivalent Montgomery curve (RFC 7748 §4.1;
 * u = (1 + y)/(1 − y)), and the X25519 secret is the clamped SHA-512 half of the Ed25519 seed,
 * so sender and receiver derive matching keys from what they already know.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { XorName } from '../xor/index.ts'
import { InvalidEncoding } from './errors.ts'
import { bytesEqual, sha3_256, toHex } from './hash.ts'
import { EncryptionKeypair } from './share-encryption.ts'
import { evictOldest } from './caches.ts'

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SECRET_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64

const SPKI_HEADER = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Bounded caches (oldest out first): decoded keys, and signatures that verified. */
const decodedKeys = new Map<string, NodePublicKey>()
const verifiedSignatures = new Set<string>()

/** Benchmarks only: forget which signatures verified, so the next check is a real one. */
export function forgetVerifiedEd25519(): void {
  verifiedSignatures.clear()
}

/** An Ed25519 public key with the node name it implies. */
/** Messages up to this size have their verification remembered (see {@link NodePublicKey.verify}). */
const MAX_CACHED_MESSAGE_BYTES = 64 * 1024

export class NodePublicKey {
  readonly bytes: Uint8Array
  readonly name: XorName
  readonly #key: KeyObject
  #encryptionKey: Uint8Array | undefined

  private constructor(bytes: Uint8Array, key: KeyObject) {
    this.bytes = bytes
    this.#key = key
    this.name = XorName.fromBytes(sha3_256(bytes))
  }

  /**
   * Decodes 32 raw bytes; rejects wrong lengths and bytes OpenSSL will not load as a key.
   * Keys decoded recently are reused (loading a key into OpenSSL costs more than a verify).
   */
  static fromBytes(bytes: Uint8Array): NodePublicKey {
    if (bytes.length !== ED25519_PUBLIC_KEY_BYTES) {
      throw new InvalidEncoding({ what: 'Ed25519PublicKey', message: `expected ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${bytes.length}` })
    }
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    const cached = decodedKeys.get(id)
    if (cached !== undefined) return cached
    let key: KeyObject
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_HEADER, bytes]), format: 'der', type: 'spki' })
    } catch (cause) {
      throw new InvalidEncoding({ what: 'Ed25519PublicKey', message: `not a valid Ed25519 public key: ${String(cause)}` })
    }
    const decoded = new NodePublicKey(Uint8Array.from(bytes), key)
    decodedKeys.set(id, decoded)
    evictOldest(decodedKeys, 'ed25519-decoded-keys')
    return decoded
  }

  /**
   * True iff `signature` is this key's Ed25519 signature of `message`. Never throws on bad input.
   * A (key, message, signature) that verified recently is not checked again: a frame sent to
   * several peers of one process, or delivered twice, costs one verification.
   */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== ED25519_SIGNATURE_BYTES) return false
    // A large message (a chunk) is verified afresh: hashing it for the cache key costs as much as
    // the verification, and such a message is not sent to several peers of one process.
    const cached = message.length <= MAX_CACHED_MESSAGE_BYTES
    const id = cached ? createHash('sha3-256').update(this.bytes).update(message).update(signature).digest('base64') : ''
    if (cached && verifiedSignatures.has(id)) return true
    let ok: boolean
    try {
      ok = verify(null, message, this.#key, signature)
    } catch {
      return false
    }
    if (ok && cached) {
      verifiedSignatures.add(id)
      evictOldest(verifiedSignatures, 'ed25519-verified')
    }
    return ok
  }

  /** This node's X25519 public key (see the file comment), for encrypting shares to it. */
  encryptionKey(): Uint8Array {
    return (this.#encryptionKey ??= ed25519.utils.toMontgomery(this.bytes))
  }

  equals(other: NodePublicKey): boolean {
    return bytesEqual(this.bytes, other.bytes)
  }

  toHex(): string {
    return toHex(this.bytes)
  }
}

/** A node's Ed25519 key pair. The 32-byte seed is the secret; keep it in the node store. */
export class NodeKeypair {
  readonly publicKey: NodePublicKey
  readonly #secret: KeyObject
  readonly #seed: Uint8Array
  #encryption: EncryptionKeypair | undefined

  private constructor(seed: Uint8Array, secret: KeyObject) {
    this.#seed = seed
    this.#secret = secret
    const spki = createPublicKey(secret).export({ format: 'der', type: 'spki' })
    this.publicKey = NodePublicKey.fromBytes(new Uint8Array(spki.subarray(SPKI_HEADER.length)))
  }

  static generate(): NodeKeypair {
    const { privateKey } = generateKeyPairSync('ed25519')
    const der = privateKey.export({ format: 'der', type: 'pkcs8' })
    return new NodeKeypair(new Uint8Array(der.subarray(PKCS8_HEADER.length)), privateKey)
  }

  /** Rebuilds a key pair from its 32-byte seed (RFC 8032 secret key). */
  static fromSeed(seed: Uint8Array): NodeKeypair {
    if (seed.length !== ED25519_SECRET_KEY_BYTES) {
      throw new InvalidEncoding({ what: 'Ed25519SecretKey', message: `expected ${ED25519_SECRET_KEY_BYTES} bytes, got ${seed.length}` })
    }
    const secret = createPrivateKey({ key: Buffer.concat([PKCS8_HEADER, seed]), format: 'der', type: 'pkcs8' })
    return new NodeKeypair(Uint8Array.from(seed), secret)
  }

  /**
   * Generates keys until the name falls inside `matches` — how a joiner answers JoinElsewhere
   * and how a relocated node lands in its destination prefix (about 2^bits tries).
   */
  static generateWhere(matches: (name: XorName) => boolean, maxTries = 1 << 24): NodeKeypair {
    for (let i = 0; i < maxTries; i++) {
      const keypair = NodeKeypair.generate()
      if (matches(keypair.name)) return keypair
    }
    throw new InvalidEncoding({ what: 'NodeKeypair', message: `no key with a matching name in ${maxTries} tries` })
  }

  get name(): XorName {
    return this.publicKey.name
  }

  /** The X25519 key pair matching {@link NodePublicKey.encryptionKey}. */
  encryptionKeypair(): EncryptionKeypair {
    return (this.#encryption ??= EncryptionKeypair.fromSecretBytes(ed25519.utils.toMontgomerySecret(this.#seed)))
  }

  /** The seed, for persisting in the node store. */
  seed(): Uint8Array {
    return Uint8Array.from(this.#seed)
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.#secret))
  }
}
