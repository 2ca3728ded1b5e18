import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/hash.ts'
import {
  chunkAddress, chunkCount, decodeDataMap, decryptBytes, encryptBytes, type EncryptOptions, encryptStream, InvalidArgument, readDataMap, SELF_ENCRYPTION,
  SizeMismatch,
} from '../../src/data/index.ts'
import { drain, memoryStore, randomInput, rejection, textInput } from './support.ts'

const KiB = 1024
const MiB = 1024 * KiB
const small = { maxChunkBytes: KiB }

async function roundTrip(bytes: Uint8Array, options: EncryptOptions = small) {
  const encrypted = await encryptBytes(bytes, options)
  const store = memoryStore(encrypted.chunks)
  return { encrypted, store, decrypted: await decryptBytes(encrypted.address, store.fetch) }
}

describe('self-encryption round trips', () => {
  const c = KiB
  for (const size of new Set([0, 1, 2, 3, 4, 1000, 3 * KiB, 3 * c - 1, 3 * c, 3 * c + 1, 7 * c + 1])) {
    it(`gives back ${size} bytes (1 KiB chunks)`, async () => {
      const bytes = randomInput(size)
      const { encrypted, decrypted } = await roundTrip(bytes)
      expect(decrypted).toEqual(bytes)
      expect(encrypted.chunkCount).toBe(chunkCount(size, c))
      expect(encrypted.chunks.length).toBe(encrypted.chunkCount + 1) // the data chunks and the root
      expect(encrypted.address).toEqual(chunkAddress(encrypted.root.content))
    })
  }

  it('gives back 10 MiB at the default 1 MiB chunks, through 10 chunks', async () => {
    const bytes = randomInput(10 * MiB)
    const { encrypted, decrypted } = await roundTrip(bytes, {})
    expect(Buffer.from(decrypted).equals(bytes)).toBe(true)
    expect(encrypted.chunkCount).toBe(10)
    expect(SELF_ENCRYPTION.maxChunkBytes).toBe(MiB)
  })

  it('stores a file under 3 bytes inline in its root, in no chunk', async () => {
    const { encrypted } = await roundTrip(Uint8Array.of(0x42, 0x43))
    expect(encrypted.chunks).toEqual([encrypted.root])
    expect(decodeDataMap(encrypted.root.content)).toEqual({ kind: 'inline', bytes: Uint8Array.of(0x42, 0x43) })
  })

  it('makes compressible data into shorter chunks, and gives it back', async () => {
    const bytes = textInput(64 * KiB)
    const { encrypted, decrypted } = await roundTrip(bytes, { maxChunkBytes: 16 * KiB })
    expect(decrypted).toEqual(bytes)
    const dataBytes = encrypted.chunks.slice(0, encrypted.chunkCount).reduce((sum, chunk) => sum + chunk.content.length, 0)
    expect(dataBytes).toBeLessThan(bytes.length / 4)
  })
})

describe('convergence', () => {
  it('gives the same bytes the same chunks and address', async () => {
    const bytes = randomInput(10 * KiB + 17)
    const [first, second] = [await encryptBytes(bytes, small), await encryptBytes(bytes, small)]
    expect(second.address).toEqual(first.address)
    expect(second.chunks).toEqual(first.chunks)
  })

  it('gives a file with one byte flipped another address, and every chunk keyed by it another content', async () => {
    const bytes = randomInput(10 * KiB)
    const flipped = bytes.slice()
    flipped[5000]! ^= 1 // in chunk 4 of 10: chunks 4, 5 and 6 change (5 and 6 are keyed by 4)
    const [first, second] = [await encryptBytes(bytes, small), await encryptBytes(flipped, small)]
    expect(second.address).not.toEqual(first.address)
    const firstMap = await readDataMap(first.address, memoryStore(first.chunks).fetch)
    const secondMap = await readDataMap(second.address, memoryStore(second.chunks).fetch)
    if (firstMap.kind !== 'chunks' || secondMap.kind !== 'chunks') throw new Error('expected chunk maps')
    const changed = firstMap.chunks.flatMap((chunk, index) => (toHex(chunk.dstHash) === toHex(secondMap.chunks[index]!.dstHash) ? [] : [index]))
    expect(changed).toEqual([4, 5, 6])
  })
})

describe('the order chunks come out in', () => {
  it('is data chunks 2..n−1, then 0 and 1, then the data-map levels, then the root', async () => {
    const bytes = randomInput(20 * KiB) // 20 chunks: a data map of 1,454 bytes needs one level
    const { chunks, result } = await drain(encryptStream([bytes], bytes.length, small))
    expect(result.depth).toBe(1)
    expect(chunks.at(-1)).toEqual(result.root)
    const map = await readDataMap(result.address, memoryStore(chunks).fetch)
    if (map.kind !== 'chunks') throw new Error('expected a chunk map')
    const order = [...Array.from({ length: 18 }, (_, k) => k + 2), 0, 1]
    expect(chunks.slice(0, 20).map((chunk) => toHex(chunk.address))).toEqual(order.map((index) => toHex(map.chunks[index]!.dstHash)))
    expect(chunks.length).toBe(20 + 3 + 1) // the level's map of 1,454 bytes is 3 chunks
  })

  it('is pulled: the first chunk comes out once its 3 KiB have been read, no sooner and no later', async () => {
    let piecesRead = 0
    function* pieces() {
      for (let piece = 0; piece < 40; piece++) {
        piecesRead += 1
        yield new Uint8Array(256).fill(piece)
      }
    }
    const encryption = encryptStream(pieces(), 40 * 256, small)
    await encryption.next()
    expect(piecesRead).toBe(12) // chunks 0, 1 and 2 of 1 KiB, in pieces of 256 bytes
    await encryption.return(undefined as never)
  })
})

describe('data maps over several levels', () => {
  for (const [size, depth] of [[300 * KiB, 2], [3 * MiB, 3]] as const) {
    it(`round-trip a file of ${size / KiB} KiB in 1 KiB chunks through ${depth} levels of data map`, async () => {
      const bytes = randomInput(size)
      const { encrypted, decrypted, store } = await roundTrip(bytes)
      expect(encrypted.depth).toBe(depth)
      expect(encrypted.root.content.length).toBeLessThanOrEqual(KiB)
      expect(Buffer.from(decrypted).equals(bytes)).toBe(true)
      expect(new Set(store.fetched).size).toBe(encrypted.chunks.length) // every chunk read, each once
      expect(store.fetched.length).toBe(encrypted.chunks.length)
    })
  }
})

describe('the encryptor refuses', () => {
  it('a stream shorter or longer than announced, with SizeMismatch', async () => {
    const short = await rejection(drain(encryptStream([new Uint8Array(5000)], 5001, small)))
    expect(short).toBeInstanceOf(SizeMismatch)
    expect(short).toMatchObject({ expectedBytes: 5001, actualBytes: 5000 })
    const long = await rejection(drain(encryptStream([new Uint8Array(3000), new Uint8Array(3000)], 5000, small)))
    expect(long).toMatchObject({ _tag: 'SizeMismatch', expectedBytes: 5000, actualBytes: 6000 })
    expect(await rejection(drain(encryptStream([new Uint8Array(3)], 2)))).toBeInstanceOf(SizeMismatch)
    expect(await rejection(drain(encryptStream([], 1)))).toBeInstanceOf(SizeMismatch)
  })

  it('chunk sizes outside 1 KiB..4 MiB, and sizes that are not byte counts', async () => {
    for (const maxChunkBytes of [1023, 4 * MiB + 1, 1024.5]) {
      expect(await rejection(drain(encryptStream([], 0, { maxChunkBytes })))).toMatchObject({ _tag: 'InvalidArgument', argument: 'maxChunkBytes' })
    }
    for (const sizeBytes of [-1, 0.5, Number.NaN]) {
      expect(await rejection(drain(encryptStream([], sizeBytes)))).toBeInstanceOf(InvalidArgument)
    }
  })

  it('a file of more chunks than a data map lists (2^20), before reading it', async () => {
    const error = await rejection(drain(encryptStream([], (1 << 20) * KiB + 1, small)))
    expect(error).toMatchObject({ _tag: 'InvalidArgument', argument: 'sizeBytes' })
  })
})

describe('memory', () => {
  it('holds a few chunks, not the file: 256 MiB streamed through grow the RSS by under 64 MiB', async () => {
    const pool = randomInput(MiB + 64 * KiB)
    /** Streams `totalBytes` through the encryptor, returning the peak RSS seen and the chunk count. */
    async function encryptThrough(totalBytes: number) {
      function* pieces() {
        // 64 KiB views of one random pool at shifting, non-overlapping offsets: every chunk
        // differs and none compresses, and the source itself holds nothing.
        for (let offset = 0, piece = 0; offset < totalBytes; offset += 64 * KiB, piece++) {
          const at = (piece * 65_537) % MiB
          yield pool.subarray(at, at + 64 * KiB)
        }
      }
      let peakBytes = process.memoryUsage.rss()
      let chunks = 0
      const encryption = encryptStream(pieces(), totalBytes)
      let step = await encryption.next()
      while (step.done !== true) {
        chunks += 1
        peakBytes = Math.max(peakBytes, process.memoryUsage.rss())
        step = await encryption.next()
      }
      return { peakBytes, chunks }
    }
    // A first pass warms the JIT and lets the collector settle on its heap: V8 frees dropped
    // chunks only once some tens of MiB of them have piled up, whatever the file's size.
    await encryptThrough(64 * MiB)
    const before = process.memoryUsage.rss()
    const { peakBytes, chunks } = await encryptThrough(256 * MiB)
    expect(chunks).toBe(256 + 1)
    expect((peakBytes - before) / MiB).toBeLessThan(64)
  })
})
