/**
 * Reading a self-encrypted file back from its address (format version 1, README.md).
 *
 * The root chunk is fetched and checked against the address; while it is a data map of depth
 * d > 0, its chunks are fetched, decrypted and concatenated into the encoding of the map of depth
 * d − 1, which must say so (and the same file size). The file's own map (depth 0) gives every
 * chunk's offset as the sum of the srcSizes before it, so a range [start, end) needs only the
 * chunks that cover it: their keys come from their neighbours' srcHashes, which the map holds.
 * Chunks are fetched up to `parallelism` ahead and yielded in order; memory stays at that many
 * chunks and the map.
 */
import { toHex } from '../crypto/hash.ts'
import { CHUNK_ADDRESS_BYTES, CheckedChunk } from './chunk.ts'
import { decryptChunk, deriveChunkSecrets, neighbourIndexes } from './chunk-cipher.ts'
import { type ChunkDataMap, type DataMap, decodeDataMap } from './data-map.ts'
import { ChunkCorrupt, ChunkMissing, type ChunkRole, DataMapInvalid, InvalidArgument } from './errors.ts'
import { SELF_ENCRYPTION } from './parameters.ts'

/**
 * Gets a chunk's content by its address (from a store, or from the network); a fetcher that
 * checked the address already may say so with a {@link CheckedChunk}. Either way every chunk is
 * checked before it is used.
 */
export type FetchChunk = (address: Uint8Array) => Promise<Uint8Array | CheckedChunk>

export interface ReadOptions {
  /** Chunks fetched ahead, 1..maxParallelism (default `SELF_ENCRYPTION.defaultParallelism`). */
  readonly parallelism?: number
}

export interface DecryptOptions extends ReadOptions {
  /** First byte to read (default 0). */
  readonly start?: number
  /** Byte after the last to read, ≤ the file's size (default: the file's size). */
  readonly end?: number
}

/**
 * Fetches the root chunk at `rootAddress` and walks the data-map levels down to the file's own
 * map (depth 0), or the inline bytes of a file under 3 bytes.
 */
export async function readDataMap(rootAddress: Uint8Array, fetch: FetchChunk, options: ReadOptions = {}): Promise<DataMap> {
  if (!(rootAddress instanceof Uint8Array) || rootAddress.length !== CHUNK_ADDRESS_BYTES) {
    throw new InvalidArgument({ argument: 'rootAddress', message: `a file address is ${CHUNK_ADDRESS_BYTES} bytes` })
  }
  const parallelism = checkedParallelism(options)
  const fetched = await fetchChunk(fetch, rootAddress, 'root', 0)
  const content = CheckedChunk.contentOf(fetched)
  const corrupt = (reason: string, detail: string) => new ChunkCorrupt({
    address: toHex(rootAddress), role: 'root', index: 0, reason, message: `root chunk (${toHex(rootAddress)}) is corrupt: ${detail}`,
  })
  // The root is at most maxChunkBytes long, and no encoder accepts more than the limit.
  if (content.length > SELF_ENCRYPTION.maxChunkBytesLimit) throw corrupt('size', `${content.length} bytes, more than any root (${SELF_ENCRYPTION.maxChunkBytesLimit})`)
  if (!CheckedChunk.matches(rootAddress, fetched)) throw corrupt('address', 'its content does not hash to the file address')

  let map = decodeDataMap(content)
  while (map.kind === 'chunks' && map.depth > 0) {
    const encoded = new Uint8Array(map.chunks.reduce((sum, chunk) => sum + chunk.srcSize, 0))
    let offset = 0
    for await (const plaintext of decryptChunks(map, 0, map.chunks.length - 1, fetch, parallelism, 'data-map')) {
      encoded.set(plaintext, offset)
      offset += plaintext.length
    }
    const below = decodeDataMap(encoded)
    if (below.kind !== 'chunks' || below.depth !== map.depth - 1 || below.sizeBytes !== map.sizeBytes) {
      throw new DataMapInvalid({
        reason: 'level',
        message: `data map refused: the level below depth ${map.depth} (file of ${map.sizeBytes} bytes) decodes to ${below.kind === 'chunks' ? `depth ${below.depth}, a file of ${below.sizeBytes} bytes` : 'inline bytes'}`,
      })
    }
    map = below
  }
  return map
}

/**
 * Streams the file at `rootAddress` (or the range [start, end) of it) in order, fetching only the
 * chunks that cover the range, up to `parallelism` ahead.
 *
 * @example
 * ```ts
 * const fetch = async (address: Uint8Array) => await store.get(address)
 * for await (const bytes of decryptStream(address, fetch, { start: 1_000_000, end: 2_000_000 })) out.write(bytes)
 * ```
 */
export async function* decryptStream(rootAddress: Uint8Array, fetch: FetchChunk, options: DecryptOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  checkedParallelism(options) // before any fetch
  yield* decryptWithDataMap(await readDataMap(rootAddress, fetch, options), fetch, options)
}

/** {@link decryptStream} with a data map already read: repeated range reads skip the levels above. */
export async function* decryptWithDataMap(map: DataMap, fetch: FetchChunk, options: DecryptOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const parallelism = checkedParallelism(options)
  const sizeBytes = map.kind === 'inline' ? map.bytes.length : map.sizeBytes
  const start = options.start ?? 0
  const end = options.end ?? sizeBytes
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > sizeBytes) {
    throw new InvalidArgument({ argument: 'range', message: `range [${start}, ${end}) is not within the file's ${sizeBytes} bytes` })
  }
  if (start === end) return
  if (map.kind === 'inline') {
    yield map.bytes.slice(start, end)
    return
  }
  if (map.depth !== 0) throw new InvalidArgument({ argument: 'map', message: `a data map of depth ${map.depth} lists map chunks, not the file's (readDataMap)` })

  // offsets[i] is where chunk i starts; offsets[n] is the file's size.
  const offsets = new Float64Array(map.chunks.length + 1)
  map.chunks.forEach((chunk, index) => { offsets[index + 1] = offsets[index]! + chunk.srcSize })
  const first = chunkHolding(offsets, start)
  const last = chunkHolding(offsets, end - 1)
  let index = first
  for await (const plaintext of decryptChunks(map, first, last, fetch, parallelism, 'data')) {
    const chunkStart = offsets[index]!
    yield plaintext.subarray(Math.max(0, start - chunkStart), Math.min(plaintext.length, end - chunkStart))
    index += 1
  }
}

/** The whole file at `rootAddress` in one buffer: {@link decryptStream} for data that fits in memory. */
export async function decryptBytes(rootAddress: Uint8Array, fetch: FetchChunk, options: ReadOptions = {}): Promise<Uint8Array> {
  const map = await readDataMap(rootAddress, fetch, options)
  const bytes = new Uint8Array(map.kind === 'inline' ? map.bytes.length : map.sizeBytes)
  let offset = 0
  for await (const piece of decryptWithDataMap(map, fetch, { parallelism: options.parallelism })) {
    bytes.set(piece, offset)
    offset += piece.length
  }
  return bytes
}

/** Index of the chunk holding byte `position`: the last i with offsets[i] ≤ position. */
function chunkHolding(offsets: Float64Array, position: number): number {
  let low = 0
  let high = offsets.length - 2
  while (low < high) {
    const middle = (low + high + 1) >>> 1
    if (offsets[middle]! <= position) low = middle
    else high = middle - 1
  }
  return low
}

/**
 * Decrypts chunks first..last (inclusive) of `map`, yielding plaintexts in order with up to
 * `parallelism` fetches (each decrypted as it lands) in flight.
 */
async function* decryptChunks(map: ChunkDataMap, first: number, last: number, fetch: FetchChunk, parallelism: number, role: ChunkRole): AsyncGenerator<Uint8Array, void, undefined> {
  const count = map.chunks.length
  const open = async (index: number): Promise<Uint8Array> => {
    const entry = map.chunks[index]!
    const { previous, beforePrevious } = neighbourIndexes(index, count)
    const secrets = deriveChunkSecrets(map.chunks[previous]!.srcHash, map.chunks[beforePrevious]!.srcHash, entry.srcHash)
    const content = await fetchChunk(fetch, entry.dstHash, role, index)
    return decryptChunk(content, { role, index, dstHash: entry.dstHash, srcHash: entry.srcHash, srcSize: entry.srcSize, secrets })
  }
  const inFlight: Array<Promise<Uint8Array>> = []
  let next = first
  const fill = () => {
    while (next <= last && inFlight.length < parallelism) {
      const opening = open(next)
      // Awaited in turn below; until then a failure must not count as unhandled.
      void opening.catch(() => undefined)
      inFlight.push(opening)
      next += 1
    }
  }
  fill()
  while (inFlight.length > 0) {
    const plaintext = await inFlight.shift()!
    fill() // fetch on while the consumer works on this one
    yield plaintext
  }
}

/** The content of one chunk, or {@link ChunkMissing} naming it when the fetch fails or gives nothing. */
async function fetchChunk(fetch: FetchChunk, address: Uint8Array, role: ChunkRole, index: number): Promise<Uint8Array | CheckedChunk> {
  let content: unknown
  try {
    content = await fetch(address)
  } catch (cause) {
    throw new ChunkMissing({
      address: toHex(address), role, index,
      message: `${role} chunk ${index} (${toHex(address)}) could not be fetched: ${cause instanceof Error ? cause.message : String(cause)}`,
    })
  }
  if (!(content instanceof Uint8Array) && !(content instanceof CheckedChunk)) {
    throw new ChunkMissing({ address: toHex(address), role, index, message: `${role} chunk ${index} (${toHex(address)}) was not found` })
  }
  return content
}

function checkedParallelism(options: ReadOptions): number {
  const parallelism = options.parallelism ?? SELF_ENCRYPTION.defaultParallelism
  if (!Number.isSafeInteger(parallelism) || parallelism < 1 || parallelism > SELF_ENCRYPTION.maxParallelism) {
    throw new InvalidArgument({ argument: 'parallelism', message: `parallelism ${parallelism} is outside 1..${SELF_ENCRYPTION.maxParallelism}` })
  }
  return parallelism
}
