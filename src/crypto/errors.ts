/**
 * Typed errors of the crypto layer. Each says what was wrong with which input so a log line
 * (or a peer's offence record) can name it; none carries secret material.
 */
import { Schema } from 'effect'

/** Bytes that do not decode to a key, share, point or signature of the expected kind. */
export class InvalidEncoding extends Schema.TaggedError<InvalidEncoding>()('InvalidEncoding', {
  /** What was being decoded, e.g. `BlsPublicKey`, `Ed25519PublicKey`, `PublicKeySet`. */
  what: Schema.String,
  message: Schema.String,
}) {}

/** Combining signature shares failed: too few shares, or too few valid ones. */
export class CombineFailed extends Schema.TaggedError<CombineFailed>()('CombineFailed', {
  message: Schema.String,
  /** Signers (as given by the caller, e.g. elder names) whose shares failed verification. */
  badSigners: Schema.Array(Schema.String),
  validShares: Schema.Number,
  needed: Schema.Number,
}) {}

/** A share ciphertext that does not decrypt under the recipient's key and context. */
export class DecryptionFailed extends Schema.TaggedError<DecryptionFailed>()('DecryptionFailed', {
  message: Schema.String,
}) {}

/** Parameters outside what the scheme allows (threshold ≥ participants, bad index, …). */
export class InvalidParameters extends Schema.TaggedError<InvalidParameters>()('InvalidParameters', {
  message: Schema.String,
}) {}
