import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import type {
  Envelope} from '../../src/wire/index.ts';
import {
  decode,
  decodeEnvelope,
  encodeEnvelope,
  encodePayload,
  type Kind,
  KINDS,
  MAX_FRAME_BYTES,
  type PayloadOf,
  Payloads,
  PROTOCOL_VERSION,
} from '../../src/wire/index.ts'
import { message, payloads, plain } from '../support/wire-arbitraries.ts'

const packr = new Packr({ useRecords: false })

function frameOf(m: { msgId: Uint8Array; kind: Kind; dst: Envelope['dst']; auth: Envelope['auth']; payload: PayloadOf<Kind> }): Uint8Array {
  const payload = Result.getOrThrow(encodePayload(m.kind, m.payload))
  return Result.getOrThrow(encodeEnvelope({ version: PROTOCOL_VERSION, msgId: m.msgId, kind: m.kind, dst: m.dst, auth: m.auth, payload }))
}

function failureTag(result: Result.Result<unknown, { _tag: string }>): string | undefined {
  return Result.isFailure(result) ? result.failure._tag : undefined
}

describe('wire codec round trip', () => {
  for (const kind of KINDS) {
    it(`encode → decode is the identity for every ${kind} payload`, () => {
      fc.assert(fc.property(payloads[kind] as fc.Arbitrary<PayloadOf<Kind>>, (payload) => {
        const bytes = Result.getOrThrow(encodePayload(kind, payload))
        const decoded = Schema.decodeUnknownSync(Payloads[kind])(packr.unpack(bytes))
        expect(plain(decoded)).toEqual(plain(payload))
      }), { numRuns: 200 })
    })
  }

  it('encode → decode is the identity for whole messages with every authority', () => {
    fc.assert(fc.property(message, (m) => {
      const decoded = decode(frameOf(m))
      expect(Result.isSuccess(decoded)).toBe(true)
      const value = Result.getOrThrow(decoded)
      expect(value.kind).toBe(m.kind)
      expect(plain(value.payload)).toEqual(plain(m.payload))
      expect(plain(value.envelope.auth)).toEqual(plain(m.auth))
      expect(plain(value.envelope.dst)).toEqual(plain(m.dst))
      expect(plain(value.envelope.msgId)).toEqual(plain(m.msgId))
    }), { numRuns: 300 })
  })
})

describe('wire codec refuses bad frames with typed errors', () => {
  const sample = fc.sample(message, { numRuns: 1, seed: 42 })[0]!
  const good = frameOf(sample)
  const envelope = Result.getOrThrow(decodeEnvelope(good))

  it('a frame over 5 MiB is refused before decoding', () => {
    const result = decode(new Uint8Array(MAX_FRAME_BYTES + 1))
    expect(failureTag(result)).toBe('FrameTooLarge')
  })

  it('an outbound message over 5 MiB is refused at the sender', () => {
    const huge = new Uint8Array(MAX_FRAME_BYTES + 10)
    const result = encodeEnvelope({ ...envelope, payload: huge })
    expect(failureTag(result)).toBe('FrameTooLarge')
  })

  it('garbage, truncation and trailing bytes are malformed frames', () => {
    expect(failureTag(decode(Uint8Array.of(0xc1)))).toBe('MalformedFrame')
    expect(failureTag(decode(good.subarray(0, good.length - 3)))).toBe('MalformedFrame')
    expect(failureTag(decode(Buffer.concat([good, Uint8Array.of(0)])))).toBe('MalformedFrame')
    expect(failureTag(decode(packr.pack([1, 2, 3])))).toBe('MalformedFrame')
    expect(failureTag(decode(new Uint8Array()))).toBe('MalformedFrame')
  })

  it('another protocol version is named in the error', () => {
    // Version 1 signed decisions over the round, with a separate seed signature: a node of it
    // cannot check our decisions, nor we its. Version 2 signed whole payloads, not their digest.
    for (const version of [1, 2, 4]) {
      const result = decode(packr.pack({ ...envelope, version }))
      expect(failureTag(result)).toBe('UnsupportedVersion')
      expect(Result.isFailure(result) && result.failure.message).toMatch(new RegExp(`version ${version} is not supported \\(this node speaks ${PROTOCOL_VERSION}\\)`))
    }
  })

  it('an unknown kind is refused after the envelope checks out', () => {
    const result = decode(packr.pack({ ...envelope, kind: 'StealAllChunks' }))
    expect(failureTag(result)).toBe('UnknownKind')
  })

  it('a wrong-length name in dst, or a payload of the wrong shape, is a schema violation', () => {
    const badDst = decode(packr.pack({ ...envelope, dst: { ...envelope.dst, name: new Uint8Array(31) } }))
    expect(failureTag(badDst)).toBe('SchemaViolation')
    expect(Result.isFailure(badDst) && badDst.failure.message).toMatch(/XorName is 32 bytes, got 31/)
    const badPayload = decode(packr.pack({ ...envelope, kind: 'AeProbe', payload: packr.pack({ sectionKey: 'not bytes' }) }))
    expect(failureTag(badPayload)).toBe('SchemaViolation')
    const unboundedArray = decode(packr.pack({ ...envelope, kind: 'AeUpdate', payload: packr.pack({ sap: {}, proofChain: { root: new Uint8Array(48), links: new Array(5000).fill({ key: new Uint8Array(48), signature: new Uint8Array(96) }) } }) }))
    expect(failureTag(unboundedArray)).toBe('SchemaViolation')
  })

  it('a prefix with bits set beyond its length is refused (one prefix, one encoding)', () => {
    const [payload] = fc.sample(payloads.AeUpdate, { numRuns: 1, seed: 7 })
    const name = new Uint8Array(32)
    name[31] = 1
    const bad = { ...payload!, sap: { ...payload!.sap, sap: { ...payload!.sap.sap, prefix: { bitCount: 3, name } } } }
    expect(failureTag(encodePayload('AeUpdate', bad))).toBe('InvalidOutbound')
    const result = decode(packr.pack({ ...envelope, kind: 'AeUpdate', payload: packr.pack(bad) }))
    expect(failureTag(result)).toBe('SchemaViolation')
  })

  it('a __proto__ key cannot change what the decoder sees', () => {
    // {"__proto__": {"version": 1}} — msgpackr must not turn this into an inherited field.
    const evil = Buffer.from('81a95f5f70726f746f5f5f81a776657273696f6e01', 'hex')
    const result = decode(evil)
    expect(Result.isFailure(result)).toBe(true)
    expect(({} as Record<string, unknown>).version).toBeUndefined()
  })
})
