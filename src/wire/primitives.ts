/**
 * Wire-level building blocks as Effect Schemas: fixed-length byte strings for names, keys and
 * signatures, bounded integers, prefixes.
 *
 * These check shape (lengths, ranges, bounds on every array and string), which is cheap and
 * happens before any machine sees a message. Whether 48 bytes are a point of G1 is checked when
 * the key is used (src/crypto decoders, with typed errors) — curve arithmetic does not belong
 * in the frame decoder's hot path.
 */
import { Schema } from 'effect'

/** Exactly `length` bytes. */
export function FixedBytes(length: number, what: string) {
  return Schema.Uint8Array.check(
    Schema.makeFilter((bytes: Uint8Array) => bytes.length === length || `${what} is ${length} bytes, got ${bytes.length}`),
  )
}

/** Between `min` and `max` bytes. */
export function BoundedBytes(min: number, max: number, what: string) {
  return Schema.Uint8Array.check(
    Schema.makeFilter((bytes: Uint8Array) => (bytes.length >= min && bytes.length <= max) || `${what} is ${min} to ${max} bytes, got ${bytes.length}`),
  )
}

/** An array of at most `max` items (every array on the wire is bounded). */
export function BoundedArray<S extends Schema.Top>(item: S, max: number) {
  return Schema.Array(item).check(Schema.isMaxLength(max))
}

/** A non-negative safe integer. */
export const Uint = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** An integer in [min, max]. */
export function IntBetween(minimum: number, maximum: number) {
  return Schema.Int.check(Schema.isBetween({ minimum, maximum }))
}

/** A string of at most `max` UTF-16 units. */
export function BoundedString(max: number) {
  return Schema.String.check(Schema.isMaxLength(max))
}

export const XorNameBytes = FixedBytes(32, 'an XorName')
export const MsgId = FixedBytes(32, 'a message id')
export const Sha3Hash = FixedBytes(32, 'a SHA3-256 hash')
export const BlsPublicKeyBytes = FixedBytes(48, 'a BLS public key (compressed G1)')
export const BlsSignatureBytes = FixedBytes(96, 'a BLS signature (compressed G2)')
export const Ed25519PublicKeyBytes = FixedBytes(32, 'an Ed25519 public key')
export const Ed25519SignatureBytes = FixedBytes(64, 'an Ed25519 signature')

/** Most elders a section may list; the default is 7 (DESIGN.md §3). */
export const MAX_ELDERS = 64
/** Most members a SAP may list: 2 × maxSectionSize (28 per half) with room for churn. */
export const MAX_MEMBERS = 256
/** Longest proof chain a message may carry. */
export const MAX_CHAIN_LINKS = 4096

/** 1 to 64 concatenated 48-byte commitments (see PublicKeySet in src/crypto/threshold.ts). */
export const PublicKeySetBytes = Schema.Uint8Array.check(
  Schema.makeFilter((bytes: Uint8Array) =>
    (bytes.length >= 48 && bytes.length <= 48 * MAX_ELDERS && bytes.length % 48 === 0)
    || `a PublicKeySet is 1 to ${MAX_ELDERS} commitments of 48 bytes, got ${bytes.length} bytes`),
)

/** Index of a key share among the elders. */
export const ShareIndex = IntBetween(0, MAX_ELDERS - 1)

/** A network address: a multiaddr in text form (`/ip4/127.0.0.1/tcp/4001/p2p/…`). */
export const Address = BoundedString(512)

/**
 * A prefix: `bitCount` leading bits of `name`; the remaining bits must be zero so that one
 * prefix has one encoding.
 */
export const PrefixWire = Schema.Struct({
  bitCount: IntBetween(0, 256),
  name: XorNameBytes,
}).check(Schema.makeFilter((prefix: { readonly bitCount: number; readonly name: Uint8Array }) => {
  const { bitCount, name } = prefix
  for (let bit = bitCount; bit < 256; bit++) {
    if ((name[bit >> 3]! >> (7 - (bit & 7))) & 1) return `bits beyond the prefix's ${bitCount} must be zero`
  }
  return true
}))
export type PrefixWire = typeof PrefixWire.Type
