/**
 * Sealing bytes to a BLS public key (G1, the key a wallet address is): ECIES over BLS12-381's G1
 * with ChaCha20-Poly1305, the same construction as the DKG shares' X25519 one.
 *
 *   r ← random scalar;  R = r·G;  S = r·P            (P: the recipient's public key)
 *   key = HKDF-SHA256(ikm = S, salt = R ‖ P, info = "safenet/bls-seal/v1", 32)
 *   sealed = R ‖ ChaCha20-Poly1305(key, nonce = 0¹², aad = context, plaintext) ‖ tag
 *
 * The holder of P's secret x finds S = x·R. A fresh r per message makes every key single-use.
 * A wallet's payments travel this way (its inbox): only the payee reads the DBC, so its owner
 * key and nonce are not public.
 */
import { type BlsPublicKey, type BlsSecretKey, decodeG1, encodeG1, G1_BASE, randomScalar } from './bls.ts'
import { DecryptionFailed } from './errors.ts'
import { concatBytes } from './hash.ts'
import { aeadOpen, aeadSeal, deriveKey, TAG_BYTES } from './share-encryption.ts'

const INFO = new TextEncoder().encode('safenet/bls-seal/v1')
const POINT_BYTES = 48
/** Bytes a seal adds to its plaintext: the ephemeral point and the tag. */
export const BLS_SEAL_OVERHEAD = POINT_BYTES + TAG_BYTES

/** Seals `plaintext` so only the holder of `recipient`'s secret opens it; `context` is authenticated. */
export function sealToBlsKey(recipient: BlsPublicKey, plaintext: Uint8Array, context: Uint8Array): Uint8Array {
  const r = randomScalar()
  const ephemeral = encodeG1(G1_BASE.multiply(r))
  const shared = encodeG1(recipient.point.multiply(r))
  return concatBytes(ephemeral, aeadSeal(deriveKey(shared, ephemeral, recipient.toBytes(), INFO), context, plaintext))
}

/** Opens a {@link sealToBlsKey} seal with the recipient's secret; anything else is {@link DecryptionFailed}. */
export function openBlsSeal(secret: BlsSecretKey, sealed: Uint8Array, context: Uint8Array): Uint8Array {
  if (sealed.length < BLS_SEAL_OVERHEAD) throw new DecryptionFailed({ message: `a seal of ${sealed.length} bytes is shorter than its ${BLS_SEAL_OVERHEAD}-byte overhead` })
  try {
    const ephemeral = sealed.subarray(0, POINT_BYTES)
    const shared = encodeG1(decodeG1(ephemeral, 'seal point').multiply(secret.scalar))
    return aeadOpen(deriveKey(shared, ephemeral, secret.publicKey().toBytes(), INFO), context, sealed.subarray(POINT_BYTES))
  } catch (cause) {
    throw new DecryptionFailed({ message: `the seal does not open with this key and context: ${cause instanceof Error ? cause.message : String(cause)}` })
  }
}
