/**
 * Typed errors of self-encryption. A reader faced with missing or hostile chunks gets one of these,
 * naming the chunk by its address (hex) and its place, never an untyped throw: the caller can ask
 * another holder for a missing chunk, and report a corrupt one's holder.
 */
import { Schema } from 'effect'

/**
 * What a chunk holds: `root` (the file's address; its data map), `data` (the file's bytes) or
 * `data-map` (a level of data map too large for the root).
 */
export const ChunkRole = Schema.Literals(['root', 'data', 'data-map'])
export type ChunkRole = typeof ChunkRole.Type

/** The fetch function rejected or returned no bytes for a chunk. */
export class ChunkMissing extends Schema.TaggedError<ChunkMissing>()('ChunkMissing', {
  /** The chunk's address, hex. */
  address: Schema.String,
  role: ChunkRole,
  /** Its index in its data map (0 for the root). */
  index: Schema.Number,
  message: Schema.String,
}) {}

/**
 * A chunk's bytes are not what its data map promised: they do not hash to its address, do not
 * authenticate under its key, do not decompress within its size, or do not hash to its srcHash.
 */
export class ChunkCorrupt extends Schema.TaggedError<ChunkCorrupt>()('ChunkCorrupt', {
  address: Schema.String,
  role: ChunkRole,
  index: Schema.Number,
  /** `address`, `size`, `authentication`, `flag`, `decompression` or `plaintext`. */
  reason: Schema.String,
  message: Schema.String,
}) {}

/** A root chunk or data-map level that does not decode: version, kind, lengths, counts, bounds. */
export class DataMapInvalid extends Schema.TaggedError<DataMapInvalid>()('DataMapInvalid', {
  reason: Schema.String,
  message: Schema.String,
}) {}

/** The stream given to the encryptor did not deliver the `sizeBytes` it was announced with. */
export class SizeMismatch extends Schema.TaggedError<SizeMismatch>()('SizeMismatch', {
  expectedBytes: Schema.Number,
  /** Bytes delivered; when the stream ran over, the count at the piece that overran it. */
  actualBytes: Schema.Number,
  message: Schema.String,
}) {}

/** An argument or option outside its bounds (SELF_ENCRYPTION): chunk size, range, parallelism. */
export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()('InvalidArgument', {
  argument: Schema.String,
  message: Schema.String,
}) {}
