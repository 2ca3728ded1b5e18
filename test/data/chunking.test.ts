import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chunkCount, chunkSize, cutIntoChunks, SELF_ENCRYPTION, SizeMismatch } from '../../src/data/index.ts'
import { rejection } from './support.ts'

const KiB = 1024
const sizesOf = (sizeBytes: number, maxChunkBytes: number) =>
  Array.from({ length: chunkCount(sizeBytes, maxChunkBytes) }, (_, index) => chunkSize(index, sizeBytes, maxChunkBytes))

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const chunk of source) out.push(chunk)
  return out
}

describe('the chunk-size rule', () => {
  it('stores files under 3 bytes inline: no chunks', () => {
    expect([0, 1, 2].map((size) => chunkCount(size, KiB))).toEqual([0, 0, 0])
    expect(SELF_ENCRYPTION.minEncryptableBytes).toBe(3)
  })

  it('cuts files under 3 chunks into exactly 3: ⌊size/3⌋, ⌊size/3⌋ and the rest', () => {
    expect(sizesOf(3, KiB)).toEqual([1, 1, 1])
    expect(sizesOf(4, KiB)).toEqual([1, 1, 2])
    expect(sizesOf(1000, KiB)).toEqual([333, 333, 334])
    expect(sizesOf(3 * KiB - 1, KiB)).toEqual([1023, 1023, 1025])
  })

  it('cuts larger files into full chunks and a remainder, with no empty last chunk', () => {
    expect(sizesOf(3 * KiB, KiB)).toEqual([KiB, KiB, KiB])
    expect(sizesOf(3 * KiB + 1, KiB)).toEqual([KiB, KiB, KiB, 1])
    expect(sizesOf(10 * KiB + 5, KiB)).toEqual([...Array<number>(10).fill(KiB), 5])
  })

  it('gives chunks that add up to the file, never empty, none over twice maxChunkBytes', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 1 << 24 }), fc.integer({ min: KiB, max: 64 * KiB }), (size, maxChunkBytes) => {
      const sizes = sizesOf(size, maxChunkBytes)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(size)
      expect(sizes.every((chunk) => chunk >= 1 && chunk <= maxChunkBytes + 2)).toBe(true)
      expect(sizes.length).toBeGreaterThanOrEqual(3)
    }))
  })
})

describe('cutting a stream', () => {
  it('yields chunks of the rule whatever the pieces the stream delivers', async () => {
    const bytes = Uint8Array.from({ length: 5000 }, (_, j) => j & 0xff)
    const pieces = [bytes.subarray(0, 1), bytes.subarray(1, 2500), bytes.subarray(2500, 2500), bytes.subarray(2500)]
    const chunks = await collect(cutIntoChunks(pieces, 5000, KiB))
    expect(chunks.map((chunk) => chunk.length)).toEqual(sizesOf(5000, KiB))
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true)
  })

  it('refuses a stream that ends short of its announced size', async () => {
    const error = await rejection(collect(cutIntoChunks([new Uint8Array(100)], 101, KiB)))
    expect(error).toBeInstanceOf(SizeMismatch)
    expect(error).toMatchObject({ expectedBytes: 101, actualBytes: 100 })
  })

  it('refuses a stream that runs over, as soon as it does, without reading on', async () => {
    let piecesRead = 0
    function* endless() {
      for (;;) {
        piecesRead += 1
        yield new Uint8Array(64)
      }
    }
    const error = await rejection(collect(cutIntoChunks(endless(), 100, KiB)))
    expect(error).toBeInstanceOf(SizeMismatch)
    expect(error).toMatchObject({ expectedBytes: 100, actualBytes: 128 })
    expect(piecesRead).toBe(2)
  })
})
