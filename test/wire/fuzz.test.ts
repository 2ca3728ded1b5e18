/**
 * Fuzzing the frame decoder: 100,000+ inputs of random bytes, truncations and bit flips of valid
 * frames must each give a typed DecodeError or a message that satisfies its schemas — never a
 * throw, never an untyped failure.
 */
import { Result, Schema } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decode, encodeEnvelope, encodePayload, Envelope, Payloads, PROTOCOL_VERSION } from '../../src/wire/index.ts'
import { message } from '../support/wire-arbitraries.ts'

const TYPED_ERRORS = new Set(['FrameTooLarge', 'MalformedFrame', 'UnsupportedVersion', 'UnknownKind', 'SchemaViolation'])
const INPUTS = 100_000

/** xorshift32: fast, seeded, so a failing input can be regenerated from its number. */
function rng(seed: number) {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
}

describe('wire decoder under fuzzing', () => {
  it(`returns only typed errors or valid messages for ${INPUTS.toLocaleString('en')} hostile inputs`, () => {
    const valid = fc.sample(message, { numRuns: 200, seed: 2026 }).map((m) => {
      const payload = Result.getOrThrow(encodePayload(m.kind, m.payload))
      return Result.getOrThrow(encodeEnvelope({ version: PROTOCOL_VERSION, msgId: m.msgId, kind: m.kind, dst: m.dst, auth: m.auth, payload }))
    })
    const random = rng(0x5afe)
    const counts = { random: 0, truncated: 0, flipped: 0, decoded: 0, errors: new Map<string, number>() }
    const isEnvelope = Schema.is(Envelope)

    for (let i = 0; i < INPUTS; i++) {
      const base = valid[Math.floor(random() * valid.length)]!
      let input: Uint8Array
      const mode = i % 3
      if (mode === 0) {
        counts.random++
        input = new Uint8Array(Math.floor(random() * 400))
        for (let j = 0; j < input.length; j++) input[j] = Math.floor(random() * 256)
        // Half of the random inputs start like a map so they get past the first byte.
        if (input.length > 0 && random() < 0.5) input[0] = 0x80 | Math.floor(random() * 16)
      } else if (mode === 1) {
        counts.truncated++
        input = base.subarray(0, Math.floor(random() * base.length))
      } else {
        counts.flipped++
        input = Uint8Array.from(base)
        const flips = 1 + Math.floor(random() * 3)
        for (let f = 0; f < flips; f++) input[Math.floor(random() * input.length)]! ^= 1 << Math.floor(random() * 8)
      }

      let result: ReturnType<typeof decode>
      try {
        result = decode(input)
      } catch (error) {
        throw new Error(`input #${i} (${Buffer.from(input).toString('hex').slice(0, 200)}) threw: ${String(error)}`)
      }
      if (Result.isSuccess(result)) {
        counts.decoded++
        const { kind, payload, envelope } = result.success
        expect(isEnvelope(envelope)).toBe(true)
        expect(Schema.is(Payloads[kind] as Schema.Top)(payload)).toBe(true)
      } else {
        const tag = result.failure._tag
        if (!TYPED_ERRORS.has(tag)) throw new Error(`input #${i} gave an untyped failure ${tag}`)
        expect(result.failure.message.length).toBeGreaterThan(0)
        counts.errors.set(tag, (counts.errors.get(tag) ?? 0) + 1)
      }
    }

    const errors = [...counts.errors.values()].reduce((a, b) => a + b, 0)
    expect(counts.random + counts.truncated + counts.flipped).toBe(INPUTS)
    expect(counts.decoded + errors).toBe(INPUTS)
    // Bit flips inside byte strings leave valid messages; everything else must be caught.
    expect(counts.decoded).toBeGreaterThan(0)
    for (const tag of ['MalformedFrame', 'UnsupportedVersion', 'SchemaViolation']) expect(counts.errors.get(tag) ?? 0).toBeGreaterThan(0)
    console.log(`fuzz: ${INPUTS} inputs, ${counts.decoded} decoded, errors ${JSON.stringify(Object.fromEntries(counts.errors))}`)
  })
})
