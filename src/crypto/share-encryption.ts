/**
 * Encrypting a DKG share to one participant (DESIGN.md §7 step 2): ECIES over X25519 with
 * ChaCha20-Poly1305, all native in node:crypto.
 *
 *   ephemeral e ← random;  s = X25519(e, recipientPublicKey)
 *   key = HKDF-SHA256(ikm = s, salt = E ‖ recipientPublicKey, info = "safenet/share-encryption/v1", 32)
 *   ciphertext = E ‖ ChaCha20-Poly1305(key, nonce = 0¹², aad = context, plaintext) ‖ tag
 *
 * A fresh ephemeral key per message makes every key single-use, so the fixed nonce is safe.
 * `context` (e.g. session id ‖ dealer ‖ recipient) is authenticated, so a ciphertext cannot be
 * replayed into another session or to another recipient. Per-session recipient keys let a
 * complaint reveal its secret key as proof without exposing anything long-lived.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes as nodeRandomBytes,
} from 'node:crypto'
import { DecryptionFailed, InvalidEncoding } from './errors.ts'
import { concatBytes } from './hash.ts'

export const X25519_KEY_BYTES = 32
export const TAG_BYTES = 16
const NONCE = Buffer.alloc(12)
const INFO = Buffer.from('safenet/share-encryption/v1')
/** Overhead of a ciphertext over its plaintext: ephemeral key + Poly1305 tag. */
export const SHARE_CIPHERTEXT_OVERHEAD = X25519_KEY_BYTES + TAG_BYTES

const SPKI_HEADER = Buffer.from('302a300506032b656e032100', 'hex')
const PKCS8_HEADER = Buffer.from('302e020100300506032b656e04220420', 'hex')

function publicKeyObject(bytes: Uint8Array): KeyObject {
  if (bytes.length !== X25519_KEY_BYTES) {
    throw new InvalidEncoding({ what: 'X25519PublicKey', message: `expected ${X25519_KEY_BYTES} bytes, got ${bytes.length}` })
  }
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_HEADER, bytes]), format: 'der', type: 'spki' })
  } catch (cause) {
    throw new InvalidEncoding({ what: 'X25519PublicKey', message: `not an X25519 public key: ${String(cause)}` })
  }
}

/** An X25519 key pair for receiving encrypted shares (one per DKG session). */
export class EncryptionKeypair {
  readonly publicKey: Uint8Array
  readonly #secret: KeyObject
  readonly #secretBytes: Uint8Array

  private constructor(secretBytes: Uint8Array) {
    if (secretBytes.length !== X25519_KEY_BYTES) {
      throw new InvalidEncoding({ what: 'X25519SecretKey', message: `expected ${X25519_KEY_BYTES} bytes, got ${secretBytes.length}` })
    }
    this.#secretBytes = Uint8Array.from(secretBytes)
    this.#secret = createPrivateKey({ key: Buffer.concat([PKCS8_HEADER, secretBytes]), format: 'der', type: 'pkcs8' })
    const spki = createPublicKey(this.#secret).export({ format: 'der', type: 'spki' })
    this.publicKey = new Uint8Array(spki.subarray(SPKI_HEADER.length))
  }

  static generate(randomBytes: (length: number) => Uint8Array = (n) => new Uint8Array(nodeRandomBytes(n))): EncryptionKeypair {
    return new EncryptionKeypair(randomBytes(X25519_KEY_BYTES))
  }

  static fromSecretBytes(bytes: Uint8Array): EncryptionKeypair {
    return new EncryptionKeypair(bytes)
  }

  /** The secret key; revealed only to prove a complaint about a session that is over. */
  secretBytes(): Uint8Array {
    return Uint8Array.from(this.#secretBytes)
  }

  /** @internal */
  sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
    return new Uint8Array(diffieHellman({ privateKey: this.#secret, publicKey: publicKeyObject(peerPublicKey) }))
  }
}

/** Encrypts `plaintext` so only the holder of `recipientPublicKey`'s secret can read it. */
export function encryptShare(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
  randomBytes?: (length: number) => Uint8Array,
): Uint8Array {
  const ephemeral = EncryptionKeypair.generate(randomBytes)
  let shared: Uint8Array
  try {
    shared = ephemeral.sharedSecret(recipientPublicKey)
  } catch (cause) {
    if (cause instanceof InvalidEncoding) throw cause
    // OpenSSL refuses low-order points (all-zero shared secret).
    throw new InvalidEncoding({ what: 'X25519PublicKey', message: `unusable recipient key: ${String(cause)}` })
  }
  return concatBytes(ephemeral.publicKey, aeadSeal(deriveKey(shared, ephemeral.publicKey, recipientPublicKey, INFO), context, plaintext))
}

/**
 * ChaCha20-Poly1305 under a single-use `key` (nonce 0¹²): `ciphertext ‖ tag`, `context` authenticated.
 * @internal — the ECIES schemes here (X25519 shares, BLS-key seals) share it.
 */
export function aeadSeal(key: Uint8Array, context: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, NONCE, { authTagLength: TAG_BYTES })
  cipher.setAAD(context, { plaintextLength: plaintext.length })
  return concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
}

/** Opens {@link aeadSeal}'s output; throws (node:crypto's error) on any tampering. @internal */
export function aeadOpen(key: Uint8Array, context: Uint8Array, sealed: Uint8Array): Uint8Array {
  const body = sealed.subarray(0, sealed.length - TAG_BYTES)
  const decipher = createDecipheriv('chacha20-poly1305', key, NONCE, { authTagLength: TAG_BYTES })
  decipher.setAAD(context, { plaintextLength: body.length })
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
}

/** The key of one ECIES message: HKDF-SHA256 over the shared secret, salted with both public keys. @internal */
export function deriveKey(shared: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array, info: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, concatBytes(ephemeralPublicKey, recipientPublicKey), info, 32))
}

/** Decrypts a ciphertext from {@link encryptShare}; any tampering gives {@link DecryptionFailed}. */
export function decryptShare(recipient: EncryptionKeypair, ciphertext: Uint8Array, context: Uint8Array): Uint8Array {
  if (ciphertext.length < SHARE_CIPHERTEXT_OVERHEAD) {
    throw new DecryptionFailed({ message: `ciphertext of ${ciphertext.length} bytes is shorter than the ${SHARE_CIPHERTEXT_OVERHEAD}-byte overhead` })
  }
  const ephemeralPublicKey = ciphertext.subarray(0, X25519_KEY_BYTES)
  try {
    const key = deriveKey(recipient.sharedSecret(ephemeralPublicKey), ephemeralPublicKey, recipient.publicKey, INFO)
    return aeadOpen(key, context, ciphertext.subarray(X25519_KEY_BYTES))
  } catch (cause) {
    throw new DecryptionFailed({ message: `share does not decrypt for this recipient and context: ${cause instanceof Error ? cause.message : String(cause)}` })
  }
}
