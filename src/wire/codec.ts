/**
 * The frame codec: msgpack (msgpackr, native extension when available) with schema validation.
 *
 *   frame = msgpack(Envelope), Envelope.payload = msgpack(Payloads[kind])
 *
 * Decoding runs cheapest check first: frame size → msgpack → version → envelope schema →
 * kind → payload msgpack → payload schema. Each step's failure is a typed {@link DecodeError};
 * `decode` never throws. Encoding validates our own messages too, so a bug shows at the sender.
 */
import { randomBytes } from 'node:crypto'
import { Result, Schema } from 'effect'
import { Packr, Unpackr } from 'msgpackr'
import { Envelope, type Dst, type Authority, MAX_FRAME_BYTES, PROTOCOL_VERSION } from './envelope.ts'
import {
  type DecodeError,
  type EncodeError,
  FrameTooLarge,
  InvalidOutbound,
  MalformedFrame,
  SchemaViolation,
  UnknownKind,
  UnsupportedVersion,
} from './errors.ts'
import { isKind, type Kind, type PayloadOf, Payloads } from './payloads.ts'

/**
 * Plain maps and arrays only: no msgpackr records (they would carry state between frames),
 * no structured clone, no bundled strings. 64-bit integers become numbers (schemas require
 * safe integers anyway).
 *
 * Byte strings are views into the frame, not copies: copying halves decode speed (measured:
 * 7.2 → 3.5 µs per 1 KiB frame). The domain constructors that keep bytes beyond a handler
 * (XorName.fromBytes, BlsPublicKey.fromBytes, …) copy, so a small field does not pin a frame.
 */
const MSGPACK_OPTIONS = {
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  mapsAsObjects: true,
  int64AsType: 'number',
  copyBuffers: false,
} as const

const packr = new Packr(MSGPACK_OPTIONS)
const unpackr = new Unpackr(MSGPACK_OPTIONS)

/**
 * Where every value is packed before it is copied out at its exact size. Left to itself, msgpackr
 * packs a 1 MiB chunk into a fresh buffer four times its size, whose pages the kernel must fault
 * in as they are written, and the payload was then copied into a zeroed array; through this
 * buffer, which stays mapped, sealing a 1 MiB ChunkPut is 1.9× faster (test/bench/wire.bench.ts;
 * 7.4 against 0.56 ms in a fresh process). A value larger than it packs into a buffer msgpackr
 * grows, as before.
 */
const scratch = Buffer.allocUnsafeSlow(MAX_FRAME_BYTES + 64 * 1024)

/** msgpack of `value` in a buffer of its own, exactly its size. */
function pack(value: unknown): Uint8Array {
  packr.useBuffer(scratch)
  const packed = packr.pack(value)
  // Every byte is overwritten: no need to zero it first.
  const out = Buffer.allocUnsafe(packed.length)
  packed.copy(out)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** A decoded message: its envelope (payload still as bytes, as signed) and the typed payload. */
export type Message = { [K in Kind]: { readonly kind: K; readonly payload: PayloadOf<K>; readonly envelope: Envelope } }[Kind]

/** The longest error text we keep: schema messages can quote input, and input is untrusted. */
const MAX_ERROR_TEXT = 400

function clip(text: string): string {
  return text.length <= MAX_ERROR_TEXT ? text : `${text.slice(0, MAX_ERROR_TEXT)}… (${text.length} chars)`
}

function describe(cause: unknown): string {
  return clip(cause instanceof Error ? cause.message : String(cause))
}

// Decoders are built once: building walks the schema AST.
const envelopeDecoder = Schema.decodeUnknownResult(Envelope)
const envelopeIs = Schema.is(Envelope)
const payloadDecoders = Object.fromEntries(
  Object.entries(Payloads).map(([kind, schema]) => [kind, Schema.decodeUnknownResult(schema as Schema.Top & { readonly DecodingServices: never })]),
) as Record<Kind, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>
const payloadIs = Object.fromEntries(
  Object.entries(Payloads).map(([kind, schema]) => [kind, Schema.is(schema as Schema.Top)]),
) as unknown as Record<Kind, (input: unknown) => boolean>

function unpackBytes(bytes: Uint8Array, what: string): Result.Result<unknown, MalformedFrame> {
  try {
    return Result.succeed(unpackr.unpack(bytes))
  } catch (cause) {
    return Result.fail(new MalformedFrame({ message: `${what} is not a single valid msgpack value: ${describe(cause)}` }))
  }
}

/** A fresh random message id (32 bytes), or one from the given source (the simulator's seeded one). */
export function newMsgId(source: (length: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))): Uint8Array {
  return source(32)
}

/**
 * Encodes any value of a wire schema (not a whole message), e.g. a membership change carried as
 * a proposal. Same construction, same bytes: msgpack keeps the order keys were written in.
 */
export function encodeValue<S extends Schema.Top>(schema: S, value: S['Type']): Result.Result<Uint8Array, InvalidOutbound> {
  if (!Schema.is(schema)(value)) return Result.fail(new InvalidOutbound({ message: 'value does not match its schema', kind: 'value' }))
  return Result.succeed(pack(value))
}

/** {@link encodeValue} for values we made ourselves: a schema failure is a bug, thrown. */
export function encodeOwn<S extends Schema.Top>(schema: S, value: S['Type']): Uint8Array {
  const bytes = encodeValue(schema, value)
  if (Result.isFailure(bytes)) throw new Error(`our own ${bytes.failure.kind} does not encode: ${bytes.failure.message}`)
  return bytes.success
}

/** Decodes bytes made by {@link encodeValue}; never throws. */
export function decodeValue<S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, bytes: Uint8Array): Result.Result<S['Type'], DecodeError> {
  return guarded(() => {
    const raw = unpackBytes(bytes, 'value')
    if (Result.isFailure(raw)) return Result.fail(raw.failure)
    const value = Schema.decodeUnknownResult(schema)(raw.success)
    if (Result.isFailure(value)) return Result.fail(new SchemaViolation({ message: describe(value.failure), where: 'value' }))
    return Result.succeed(value.success)
  })
}

/** Encodes a payload of `kind` after checking it against its schema. */
export function encodePayload<K extends Kind>(kind: K, payload: PayloadOf<K>): Result.Result<Uint8Array, InvalidOutbound> {
  if (!isKind(kind)) return Result.fail(new InvalidOutbound({ message: `unknown message kind ${JSON.stringify(kind)}`, kind: String(kind as unknown) }))
  if (!payloadIs[kind](payload)) {
    const detail = Schema.decodeUnknownResult(Payloads[kind])(payload)
    const why = Result.isFailure(detail) ? describe(detail.failure) : 'schema mismatch'
    return Result.fail(new InvalidOutbound({ message: `outbound ${kind} payload does not match its schema: ${why}`, kind }))
  }
  return Result.succeed(pack(payload))
}

/** Encodes an envelope into a frame; refuses frames over {@link MAX_FRAME_BYTES}. */
export function encodeEnvelope(envelope: Envelope): Result.Result<Uint8Array, EncodeError> {
  if (!envelopeIs(envelope)) {
    const detail = envelopeDecoder(envelope)
    const why = Result.isFailure(detail) ? describe(detail.failure) : 'schema mismatch'
    return Result.fail(new InvalidOutbound({ message: `outbound envelope does not match its schema: ${why}`, kind: String((envelope as { kind?: unknown }).kind) }))
  }
  const frame = pack(envelope)
  if (frame.length > MAX_FRAME_BYTES) {
    return Result.fail(new FrameTooLarge({
      message: `a ${envelope.kind} frame of ${frame.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`,
      sizeBytes: frame.length, limitBytes: MAX_FRAME_BYTES,
    }))
  }
  return Result.succeed(frame)
}

/** What a sender provides; {@link seal} adds version and authority. */
export interface Unsealed<K extends Kind = Kind> {
  readonly msgId: Uint8Array
  readonly kind: K
  readonly dst: Dst
  readonly payload: PayloadOf<K>
}

/**
 * Builds the envelope for `message`: encodes the payload, asks `authorize` for an authority
 * over the exact payload bytes (see authority.ts), and returns the envelope and its frame.
 */
export function seal<K extends Kind>(
  message: Unsealed<K>,
  authorize: (unsigned: { readonly msgId: Uint8Array; readonly kind: K; readonly dst: Dst; readonly payload: Uint8Array }) => Authority,
): Result.Result<{ envelope: Envelope; frame: Uint8Array }, EncodeError> {
  const payload = encodePayload(message.kind, message.payload)
  if (Result.isFailure(payload)) return Result.fail(payload.failure)
  const unsigned = { msgId: message.msgId, kind: message.kind, dst: message.dst, payload: payload.success }
  const envelope: Envelope = { version: PROTOCOL_VERSION, ...unsigned, auth: authorize(unsigned) }
  const frame = encodeEnvelope(envelope)
  if (Result.isFailure(frame)) return Result.fail(frame.failure)
  return Result.succeed({ envelope, frame: frame.success })
}

/**
 * Decodes a frame's envelope, leaving the payload as bytes: enough for anti-entropy to look at
 * `dst` and for signatures to be checked before the payload is decoded.
 */
export function decodeEnvelope(frame: Uint8Array): Result.Result<Envelope, DecodeError> {
  return guarded(() => decodeEnvelopeUnguarded(frame))
}

function decodeEnvelopeUnguarded(frame: Uint8Array): Result.Result<Envelope, DecodeError> {
  if (frame.length > MAX_FRAME_BYTES) {
    return Result.fail(new FrameTooLarge({
      message: `a frame of ${frame.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`,
      sizeBytes: frame.length, limitBytes: MAX_FRAME_BYTES,
    }))
  }
  const raw = unpackBytes(frame, 'frame')
  if (Result.isFailure(raw)) return Result.fail(raw.failure)
  const value = raw.success
  if (!isPlainMap(value)) {
    return Result.fail(new MalformedFrame({ message: `a frame is a msgpack map, got ${describeValue(value)}` }))
  }
  const version: unknown = value.version
  if (version !== PROTOCOL_VERSION) {
    const shown = describeValue(version)
    return Result.fail(new UnsupportedVersion({ message: `protocol version ${shown} is not supported (this node speaks ${PROTOCOL_VERSION})`, version: shown }))
  }
  const envelope = envelopeDecoder(value)
  if (Result.isFailure(envelope)) {
    return Result.fail(new SchemaViolation({ message: `envelope: ${describe(envelope.failure)}`, where: 'envelope' }))
  }
  return Result.succeed(envelope.success)
}

/** Decodes an envelope's payload by its kind. */
export function decodePayload(envelope: Envelope): Result.Result<Message, DecodeError> {
  return guarded(() => decodePayloadUnguarded(envelope))
}

function decodePayloadUnguarded(envelope: Envelope): Result.Result<Message, DecodeError> {
  const kind = envelope.kind
  if (!isKind(kind)) {
    return Result.fail(new UnknownKind({ message: `unknown message kind ${clip(JSON.stringify(kind))}`, kind: clip(kind) }))
  }
  const raw = unpackBytes(envelope.payload, `${kind} payload`)
  if (Result.isFailure(raw)) return Result.fail(raw.failure)
  const payload = payloadDecoders[kind](raw.success)
  if (Result.isFailure(payload)) {
    return Result.fail(new SchemaViolation({ message: `${kind} payload: ${describe(payload.failure)}`, where: kind }))
  }
  return Result.succeed({ kind, payload: payload.success, envelope } as Message)
}

/** Decodes a whole frame: a typed message, or a typed error. Never throws. */
export function decode(frame: Uint8Array): Result.Result<Message, DecodeError> {
  return guarded(() => {
    const envelope = decodeEnvelopeUnguarded(frame)
    if (Result.isFailure(envelope)) return Result.fail(envelope.failure)
    return decodePayloadUnguarded(envelope.success)
  })
}

/** Defence in depth: a library throwing on input we did not foresee is still bad input, typed. */
function guarded<A>(decodeStep: () => Result.Result<A, DecodeError>): Result.Result<A, DecodeError> {
  try {
    return decodeStep()
  } catch (cause) {
    return Result.fail(new MalformedFrame({ message: `undecodable frame: ${describe(cause)}` }))
  }
}

/** A msgpack map decodes to a plain object; msgpackr's extension types (0xc1, Set, Error…) do not. */
function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describeValue(value: unknown): string {
  if (value === null) return 'nil'
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object') return isPlainMap(value) ? 'a map' : `an extension value (${Object.prototype.toString.call(value)})`
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40))
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  return typeof value
}
