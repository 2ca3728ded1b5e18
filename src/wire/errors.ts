/**
 * Everything that can be wrong with a frame, as tagged errors. `decode` returns one of these
 * instead of throwing; the transport logs it once with the peer and counts it (DESIGN.md §5).
 */
import { Schema } from 'effect'

export class FrameTooLarge extends Schema.TaggedError<FrameTooLarge>()('FrameTooLarge', {
  message: Schema.String,
  sizeBytes: Schema.Number,
  limitBytes: Schema.Number,
}) {}

/** Not msgpack, truncated, trailing bytes, or not a map where one is required. */
export class MalformedFrame extends Schema.TaggedError<MalformedFrame>()('MalformedFrame', {
  message: Schema.String,
}) {}

export class UnsupportedVersion extends Schema.TaggedError<UnsupportedVersion>()('UnsupportedVersion', {
  message: Schema.String,
  version: Schema.String,
}) {}

export class UnknownKind extends Schema.TaggedError<UnknownKind>()('UnknownKind', {
  message: Schema.String,
  kind: Schema.String,
}) {}

/** The frame decoded but a field has the wrong shape: `where` is `envelope` or the kind. */
export class SchemaViolation extends Schema.TaggedError<SchemaViolation>()('SchemaViolation', {
  message: Schema.String,
  where: Schema.String,
}) {}

/** Our own outbound message does not satisfy its schema: a bug on the sending side. */
export class InvalidOutbound extends Schema.TaggedError<InvalidOutbound>()('InvalidOutbound', {
  message: Schema.String,
  kind: Schema.String,
}) {}

/** An authority whose signature or key does not check out. */
export class BadAuthority extends Schema.TaggedError<BadAuthority>()('BadAuthority', {
  message: Schema.String,
  authority: Schema.String,
}) {}

export type DecodeError = FrameTooLarge | MalformedFrame | UnsupportedVersion | UnknownKind | SchemaViolation
export type EncodeError = FrameTooLarge | InvalidOutbound
