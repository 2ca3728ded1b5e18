import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha3_256 } from '../../src/crypto/hash.ts'
import { type ChunkInfo, DataMapInvalid, decodeDataMap, encodeDataMap, MAX_FILE_BYTES, SELF_ENCRYPTION } from '../../src/data/index.ts'

const entry = (index: number, srcSize: number): ChunkInfo => ({
  index, srcSize, dstHash: sha3_256(Uint8Array.of(1, index)), srcHash: sha3_256(Uint8Array.of(2, index)),
})
const fileMap = (sizes: number[]) => ({ kind: 'chunks' as const, depth: 0, sizeBytes: sizes.reduce((a, b) => a + b, 0), chunks: sizes.map((size, index) => entry(index, size)) })

/** The reason a decode is refused with, or `undefined` when it decodes. */
function refusal(bytes: Uint8Array): string | undefined {
  try {
    decodeDataMap(bytes)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(DataMapInvalid)
    return (error as DataMapInvalid).reason
  }
}

describe('data map encoding', () => {
  it('lays out an inline file as [1][0][u32be length][bytes]', () => {
    expect(Buffer.from(encodeDataMap({ kind: 'inline', bytes: Uint8Array.of(0xaa, 0xbb) })).toString('hex')).toBe('0100' + '00000002' + 'aabb')
    expect(decodeDataMap(Uint8Array.of(1, 0, 0, 0, 0, 0))).toEqual({ kind: 'inline', bytes: new Uint8Array() })
  })

  it('lays out a file map as [1][1][u64be size][u32be count] then 72-byte entries', () => {
    const map = fileMap([1, 1, 2])
    const bytes = encodeDataMap(map)
    expect(bytes.length).toBe(14 + 3 * 72)
    const hex = Buffer.from(bytes).toString('hex')
    expect(hex.slice(0, 28)).toBe('0101' + '0000000000000004' + '00000003')
    const second = hex.slice(2 * (14 + 72), 2 * (14 + 144))
    expect(second).toBe('00000001' + Buffer.from(map.chunks[1]!.dstHash).toString('hex') + Buffer.from(map.chunks[1]!.srcHash).toString('hex') + '00000001')
    expect(decodeDataMap(bytes)).toEqual(map)
  })

  it('lays out a level of map chunks as [1][2][u8 depth][u64be size][u32be count] then entries', () => {
    const map = { kind: 'chunks' as const, depth: 2, sizeBytes: 123_456_789, chunks: [entry(0, 700), entry(1, 700), entry(2, 701)] }
    const bytes = encodeDataMap(map)
    expect(Buffer.from(bytes.subarray(0, 15)).toString('hex')).toBe('0102' + '02' + '00000000075bcd15' + '00000003')
    expect(decodeDataMap(bytes)).toEqual(map)
  })
})

describe('data map decoding refuses', () => {
  const valid = encodeDataMap(fileMap([10, 10, 11]))
  const patched = (at: number, ...bytes: number[]) => {
    const copy = valid.slice()
    copy.set(bytes, at)
    return copy
  }
  const entryAt = (index: number) => 14 + 72 * index

  it('another version or kind, or too few bytes', () => {
    expect(refusal(patched(0, 2))).toBe('version')
    expect(refusal(patched(1, 3))).toBe('kind')
    expect(refusal(Uint8Array.of(1))).toBe('truncated')
    expect(refusal(valid.subarray(0, 13))).toBe('truncated')
  })

  it('lengths that do not add up: trailing bytes, a missing byte, an inline length of 3', () => {
    expect(refusal(Buffer.concat([valid, Uint8Array.of(0)]))).toBe('length')
    expect(refusal(valid.subarray(0, valid.length - 1))).toBe('length')
    expect(refusal(Uint8Array.of(1, 0, 0, 0, 0, 2, 7))).toBe('length')
    expect(refusal(Uint8Array.of(1, 0, 0, 0, 0, 3, 7, 7, 7))).toBe('inline-length')
  })

  it('counts under 3 or over the bound, and sizes out of bounds', () => {
    expect(refusal(patched(10, 0, 0, 0, 2))).toBe('count')
    expect(refusal(patched(10, 0x00, 0x10, 0x00, 0x01))).toBe('count') // 2^20 + 1
    expect(refusal(patched(2, 0, 0, 0, 0, 0, 0, 0, 2))).toBe('size')
    expect(refusal(patched(2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe('size')
    expect(refusal(patched(2, 0, 0, 0, 0, 0, 0, 0, 32))).toBe('size') // the chunks hold 31
    expect(MAX_FILE_BYTES).toBe(2 ** 42)
  })

  it('indexes other than 0..n−1 in order', () => {
    expect(refusal(patched(entryAt(1), 0, 0, 0, 2))).toBe('index')
    expect(refusal(patched(entryAt(0), 0, 0, 0, 1))).toBe('index')
  })

  it('a srcSize of 0 or over the 4 MiB limit', () => {
    expect(refusal(patched(entryAt(2) + 68, 0, 0, 0, 0))).toBe('src-size')
    expect(refusal(patched(entryAt(2) + 68, 0, 0x40, 0, 1))).toBe('src-size')
    expect(SELF_ENCRYPTION.maxChunkBytesLimit).toBe(0x40_0000)
  })

  it('a level depth of 0 or over the bound', () => {
    const level = encodeDataMap({ kind: 'chunks', depth: 1, sizeBytes: 5, chunks: [entry(0, 100), entry(1, 100), entry(2, 100)] })
    expect(refusal(level)).toBeUndefined()
    for (const depth of [0, SELF_ENCRYPTION.maxDataMapDepth + 1, 255]) {
      const copy = level.slice()
      copy[2] = depth
      expect(refusal(copy)).toBe('depth')
    }
  })

  it('random bytes, truncations and byte flips with nothing but DataMapInvalid', () => {
    const levels = [valid, encodeDataMap({ kind: 'chunks', depth: 3, sizeBytes: 1 << 30, chunks: [entry(0, 5), entry(1, 5), entry(2, 6)] }), Uint8Array.of(1, 0, 0, 0, 0, 1, 9)]
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 64 })).map(([kind, tail]) => Buffer.concat([Uint8Array.of(1, kind), tail])),
      fc.tuple(fc.constantFrom(...levels), fc.nat()).map(([bytes, cut]) => bytes.subarray(0, cut % (bytes.length + 1))),
      fc.tuple(fc.constantFrom(...levels), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([bytes, at, mask]) => {
        const copy = bytes.slice()
        copy[at % copy.length]! ^= mask
        return copy
      }),
    )
    fc.assert(fc.property(hostile, (bytes) => {
      const reason = refusal(bytes) // fails the property on any other throw
      if (reason === undefined) expect(encodeDataMap(decodeDataMap(bytes))).toEqual(new Uint8Array(bytes))
    }), { numRuns: 20_000 })
  })
})
