import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha3_256, toHex } from '../../src/crypto/hash.ts'
import {
  type Chunk, chunkAddress, chunkCount, chunkSize, decryptBytes, decryptStream, decryptWithDataMap, encodeDataMap, encryptBytes, readDataMap,
} from '../../src/data/index.ts'
import { memoryStore, randomInput, rejection } from './support.ts'

const KiB = 1024
const small = { maxChunkBytes: KiB }

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = []
  for await (const piece of stream) pieces.push(piece)
  return new Uint8Array(Buffer.concat(pieces))
}

/** The stored chunks with one replaced (or removed, for `undefined`). */
function tampered(chunks: ReadonlyArray<Chunk>, address: Uint8Array, content: Uint8Array | undefined) {
  const store = memoryStore(chunks)
  if (content === undefined) store.contents.delete(toHex(address))
  else store.contents.set(toHex(address), content)
  return store
}

describe('range reads', () => {
  it('give slice(start, end) and fetch exactly the root, the map levels and the chunks covering the range', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 40 * KiB }).chain((size) => fc.tuple(fc.constant(size), fc.nat(size), fc.nat(size), fc.integer({ min: 1, max: 8 }))),
      async ([size, a, b, parallelism]) => {
        const [start, end] = a <= b ? [a, b] : [b, a]
        const bytes = randomInput(size)
        const encrypted = await encryptBytes(bytes, small)
        const store = memoryStore(encrypted.chunks)
        const read = await collect(decryptStream(encrypted.address, store.fetch, { start, end, parallelism }))
        expect(read).toEqual(bytes.subarray(start, end))

        // Data chunks come out first, in the order 2..n−1, 0, 1; map levels follow; the root is last.
        const count = chunkCount(size, KiB)
        const dataAddress = (index: number) => toHex(encrypted.chunks[index < 2 ? count - 2 + index : index - 2]!.address)
        const levels = encrypted.chunks.slice(count, -1).map((chunk) => toHex(chunk.address))
        const covering: string[] = []
        for (let index = 0, offset = 0; index < count; index++) {
          const length = chunkSize(index, size, KiB)
          if (start < end && offset < end && offset + length > start) covering.push(dataAddress(index))
          offset += length
        }
        expect([...store.fetched].sort()).toEqual([toHex(encrypted.address), ...levels, ...covering].sort())
      },
    ), { numRuns: 150 })
  })

  it('of a 10-chunk file from byte 2,500 to 4,100 fetch chunks 2, 3 and 4 only', async () => {
    const bytes = randomInput(10 * KiB)
    const encrypted = await encryptBytes(bytes, small)
    const store = memoryStore(encrypted.chunks)
    const map = await readDataMap(encrypted.address, store.fetch)
    if (map.kind !== 'chunks') throw new Error('expected a chunk map')
    store.fetched.length = 0
    const read = await collect(decryptWithDataMap(map, store.fetch, { start: 2500, end: 4100 }))
    expect(read).toEqual(bytes.subarray(2500, 4100))
    expect(store.fetched).toEqual([2, 3, 4].map((index) => toHex(map.chunks[index]!.dstHash)))
  })

  it('refuse ranges outside the file, and parallelism outside 1..32', async () => {
    const encrypted = await encryptBytes(randomInput(5000), small)
    const { fetch } = memoryStore(encrypted.chunks)
    for (const range of [{ start: -1 }, { end: 5001 }, { start: 10, end: 9 }, { start: 0.5 }]) {
      expect(await rejection(collect(decryptStream(encrypted.address, fetch, range)))).toMatchObject({ _tag: 'InvalidArgument', argument: 'range' })
    }
    for (const parallelism of [0, 33, 1.5]) {
      expect(await rejection(collect(decryptStream(encrypted.address, fetch, { parallelism })))).toMatchObject({ _tag: 'InvalidArgument', argument: 'parallelism' })
    }
    expect(await rejection(readDataMap(new Uint8Array(31), fetch))).toMatchObject({ _tag: 'InvalidArgument', argument: 'rootAddress' })
  })
})

describe('fetching ahead', () => {
  it('keeps up to `parallelism` fetches in flight, no more, and yields in order', async () => {
    const bytes = randomInput(30 * KiB)
    const encrypted = await encryptBytes(bytes, small)
    const store = memoryStore(encrypted.chunks)
    let inFlight = 0
    let most = 0
    const slowFetch = async (address: Uint8Array) => {
      inFlight += 1
      most = Math.max(most, inFlight)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
      inFlight -= 1
      return await store.fetch(address)
    }
    const map = await readDataMap(encrypted.address, store.fetch)
    expect(await collect(decryptWithDataMap(map, slowFetch, { parallelism: 5 }))).toEqual(bytes)
    expect(most).toBe(5)
  })
})

describe('missing and corrupt chunks', () => {
  // 20 chunks: the data map (1,454 bytes) is over 1 KiB, so it takes one level.
  const encryption = encryptBytes(randomInput(20 * KiB + 1), small)

  it('a flipped byte in a data chunk: ChunkCorrupt naming its address and index', async () => {
    const encrypted = await encryption
    const map = await readDataMap(encrypted.address, memoryStore(encrypted.chunks).fetch)
    if (map.kind !== 'chunks') throw new Error('expected a chunk map')
    const victim = map.chunks[6]!
    const content = encrypted.chunks.find((chunk) => toHex(chunk.address) === toHex(victim.dstHash))!.content.slice()
    content[17]! ^= 0x80
    const error = await rejection(decryptBytes(encrypted.address, tampered(encrypted.chunks, victim.dstHash, content).fetch))
    expect(error).toMatchObject({ _tag: 'ChunkCorrupt', address: toHex(victim.dstHash), role: 'data', index: 6, reason: 'address' })
    expect((error as Error).message).toContain(toHex(victim.dstHash))
  })

  it('another valid chunk in its place: ChunkCorrupt', async () => {
    const encrypted = await encryption
    const [first, second] = encrypted.chunks
    const error = await rejection(decryptBytes(encrypted.address, tampered(encrypted.chunks, first!.address, second!.content).fetch))
    expect(error).toMatchObject({ _tag: 'ChunkCorrupt', address: toHex(first!.address), reason: 'address' })
  })

  it('a chunk the store does not have, or a fetch that answers nothing: ChunkMissing naming it', async () => {
    const encrypted = await encryption
    const gone = encrypted.chunks[3]!.address
    const error = await rejection(decryptBytes(encrypted.address, tampered(encrypted.chunks, gone, undefined).fetch))
    expect(error).toMatchObject({ _tag: 'ChunkMissing', address: toHex(gone), role: 'data' })
    expect((error as Error).message).toContain(toHex(gone))
    const nothing = await rejection(decryptBytes(encrypted.address, () => Promise.resolve(undefined as unknown as Uint8Array)))
    expect(nothing).toMatchObject({ _tag: 'ChunkMissing', address: toHex(encrypted.address), role: 'root' })
  })

  it('a root that does not hash to the address, and a corrupt data-map level', async () => {
    const encrypted = await encryption
    expect(encrypted.depth).toBe(1)
    const root = encrypted.root.content.slice()
    root[root.length - 1]! ^= 1
    expect(await rejection(readDataMap(encrypted.address, tampered(encrypted.chunks, encrypted.address, root).fetch)))
      .toMatchObject({ _tag: 'ChunkCorrupt', role: 'root', reason: 'address' })
    const level = encrypted.chunks.at(-2)!
    const content = level.content.slice()
    content[0]! ^= 1
    expect(await rejection(readDataMap(encrypted.address, tampered(encrypted.chunks, level.address, content).fetch)))
      .toMatchObject({ _tag: 'ChunkCorrupt', role: 'data-map', address: toHex(level.address) })
  })

  it('a root that claims one level more than there is: DataMapInvalid', async () => {
    const encrypted = await encryption
    const lying = encrypted.root.content.slice()
    lying[2] = 2 // depth 1 → 2: the level below then decodes to depth 0, not 1
    const store = memoryStore([...encrypted.chunks, { address: chunkAddress(lying), content: lying }])
    expect(await rejection(readDataMap(chunkAddress(lying), store.fetch))).toMatchObject({ _tag: 'DataMapInvalid', reason: 'level' })
  })

  it('hostile roots: random or mangled bytes give only typed errors', async () => {
    const encrypted = await encryption
    const typed = new Set(['DataMapInvalid', 'ChunkMissing', 'ChunkCorrupt'])
    const candidates = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
        const copy = encrypted.root.content.slice()
        copy[at % copy.length]! ^= mask
        return copy
      }),
      fc.nat(encodeDataMap({ kind: 'inline', bytes: new Uint8Array() }).length + 300).map((cut) => encrypted.root.content.subarray(0, cut)),
    )
    await fc.assert(fc.asyncProperty(candidates, async (content) => {
      const address = sha3_256(content)
      const store = memoryStore([...encrypted.chunks, { address, content }])
      try {
        await decryptBytes(address, store.fetch)
      } catch (error) {
        expect(typed.has((error as { _tag?: string })._tag ?? '')).toBe(true)
      }
    }), { numRuns: 1000 })
  })
})
