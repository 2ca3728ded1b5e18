/**
 * The envelope of every message (DESIGN.md §5):
 *
 *   { version, msgId (32 random bytes), kind, dst: { name, sectionKey }, auth, payload }
 *
 * `payload` stays bytes inside the envelope: anti-entropy decides on `dst` before the payload is
 * decoded (DESIGN.md §9), signatures cover the exact payload bytes, and a node can forward a
 * message without re-encoding it.
 *
 * Authorities:
 *   - Client { publicKey, signature }        Ed25519, a client's own key
 *   - Node { name, publicKey, signature }    Ed25519, name = SHA3(publicKey)
 *   - SectionShare { publicKeySet, index, share }   one elder's BLS share, to be aggregated
 *   - Section { sectionKey, signature }      the section's combined BLS signature
 */
import { Schema } from 'effect'
import {
  BlsPublicKeyBytes,
  BlsSignatureBytes,
  BoundedString,
  Ed25519PublicKeyBytes,
  Ed25519SignatureBytes,
  MsgId,
  PublicKeySetBytes,
  ShareIndex,
  XorNameBytes,
} from './primitives.ts'

/** The only version this code speaks. A frame with another version is refused, typed. */
export const PROTOCOL_VERSION = 3
/** Largest frame accepted or sent: DESIGN.md §3 `maxMessageBytes`. Checked before decoding. */
export const MAX_FRAME_BYTES = 5 * 1024 * 1024

export const Dst = Schema.Struct({
  /** The name the message is about; the section whose prefix matches it should handle it. */
  name: XorNameBytes,
  /** The section key the sender believes is current for `name` (AE checks it, DESIGN.md §9). */
  sectionKey: BlsPublicKeyBytes,
})
export type Dst = typeof Dst.Type

export const ClientAuthority = Schema.TaggedStruct('Client', {
  publicKey: Ed25519PublicKeyBytes,
  signature: Ed25519SignatureBytes,
})
export const NodeAuthority = Schema.TaggedStruct('Node', {
  name: XorNameBytes,
  publicKey: Ed25519PublicKeyBytes,
  signature: Ed25519SignatureBytes,
})
export const SectionShareAuthority = Schema.TaggedStruct('SectionShare', {
  publicKeySet: PublicKeySetBytes,
  index: ShareIndex,
  share: BlsSignatureBytes,
})
export const SectionAuthority = Schema.TaggedStruct('Section', {
  sectionKey: BlsPublicKeyBytes,
  signature: BlsSignatureBytes,
})
export const Authority = Schema.Union([ClientAuthority, NodeAuthority, SectionShareAuthority, SectionAuthority])
export type Authority = typeof Authority.Type

/** Longest message kind name; kinds are short identifiers like `AeRetry`. */
export const MAX_KIND_LENGTH = 64

export const Envelope = Schema.Struct({
  version: Schema.Literal(PROTOCOL_VERSION),
  msgId: MsgId,
  kind: BoundedString(MAX_KIND_LENGTH),
  dst: Dst,
  auth: Authority,
  payload: Schema.Uint8Array,
})
export type Envelope = typeof Envelope.Type
