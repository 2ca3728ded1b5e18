/**
 * Self-encryption of a stream whose size is known up front (format version 1, README.md).
 *
 * The stream is cut by the chunking rule as it arrives. Chunk i ≥ 2 is keyed by the srcHashes of
 * i − 1 and i − 2, both known once its own bytes have arrived, so it is sealed and yielded at once;
 * chunks 0 and 1 are keyed by the last two chunks, so their plaintexts are held until the end.
 * Order out: data chunks 2, 3, …, n−1, 0, 1; then each data-map level's chunks in the same order,
 * lowest level first; then the root chunk. The generator is pulled, so the consumer's pace (a
 * store, the network) is the backpressure, and memory stays at chunks 0 and 1, the chunk being
 * cut, the one being sealed, and 72 bytes of data map per chunk.
 *
 * The file's data map is encoded; while the encoding is longer than `maxChunkBytes` it is itself
 * self-encrypted as a file, one level up. The encoding that fits is the root chunk, and its
 * address is the file's.
 */
import { sha3_256 } from '../crypto/hash.ts'
import { type Chunk, chunkAddress } from './chunk.ts'
import { deriveChunkSecrets, encryptChunk, neighbourIndexes } from './chunk-cipher.ts'
import { chunkCount, chunkSize, cutIntoChunks, readInline } from './chunking.ts'
import { type ChunkDataMap, type ChunkInfo, type DataMap, encodeDataMap } from './data-map.ts'
import { InvalidArgument } from './errors.ts'
import { SELF_ENCRYPTION } from './parameters.ts'

export interface EncryptOptions {
  /**
   * Largest chunk, `minChunkBytesOption`..`maxChunkBytesLimit` (default `SELF_ENCRYPTION.maxChunkBytes`).
   * The address depends on it: only the default converges with other clients.
   */
  readonly maxChunkBytes?: number
}

/** What the encryptor returns once the root chunk has been yielded. */
export interface FileAddress {
  /** SHA3-256 of the root chunk's content: all a reader needs (with the chunks stored). */
  readonly address: Uint8Array
  readonly root: Chunk
  readonly sizeBytes: number
  /** The file's data chunks (0 for a file stored inline in its root). */
  readonly chunkCount: number
  /** Data-map levels between the root and the file's chunks (0: the root lists them). */
  readonly depth: number
}

/**
 * Self-encrypts `source`, which must deliver exactly `sizeBytes` bytes (else `SizeMismatch`).
 * Yields every chunk to store, the root last, and returns the file's address.
 *
 * @example
 * ```ts
 * const file = await open('photo.jpg')
 * const encryption = encryptStream(file.createReadStream(), (await file.stat()).size)
 * let step = await encryption.next()
 * while (!step.done) { await store.put(step.value.address, step.value.content); step = await encryption.next() }
 * const { address } = step.value   // give this to a reader
 * ```
 */
export async function* encryptStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sizeBytes: number,
  options: EncryptOptions = {},
): AsyncGenerator<Chunk, FileAddress, undefined> {
  const maxChunkBytes = options.maxChunkBytes ?? SELF_ENCRYPTION.maxChunkBytes
  if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes < SELF_ENCRYPTION.minChunkBytesOption || maxChunkBytes > SELF_ENCRYPTION.maxChunkBytesLimit) {
    throw new InvalidArgument({
      argument: 'maxChunkBytes',
      message: `maxChunkBytes ${maxChunkBytes} is outside ${SELF_ENCRYPTION.minChunkBytesOption}..${SELF_ENCRYPTION.maxChunkBytesLimit}`,
    })
  }
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    throw new InvalidArgument({ argument: 'sizeBytes', message: `sizeBytes must be a non-negative integer, got ${sizeBytes}` })
  }
  const count = chunkCount(sizeBytes, maxChunkBytes)
  if (count > SELF_ENCRYPTION.maxDataMapEntries) {
    throw new InvalidArgument({
      argument: 'sizeBytes',
      message: `${sizeBytes} bytes make ${count} chunks of ${maxChunkBytes}, more than a data map lists (${SELF_ENCRYPTION.maxDataMapEntries})`,
    })
  }

  let map: DataMap
  if (count === 0) {
    map = { kind: 'inline', bytes: await readInline(source, sizeBytes) }
  } else {
    const chunks = yield* encryptChunks(cutIntoChunks(source, sizeBytes, maxChunkBytes), count)
    map = { kind: 'chunks', depth: 0, sizeBytes, chunks }
  }
  let encoded = encodeDataMap(map)
  while (encoded.length > maxChunkBytes) {
    const level: ChunkDataMap = map as ChunkDataMap // an inline map is at most 8 bytes
    const chunks = yield* encryptChunks(cutInMemory(encoded, maxChunkBytes), chunkCount(encoded.length, maxChunkBytes))
    map = { kind: 'chunks', depth: level.depth + 1, sizeBytes, chunks }
    encoded = encodeDataMap(map)
  }
  const root: Chunk = { address: chunkAddress(encoded), content: encoded }
  yield root
  return { address: root.address, root, sizeBytes, chunkCount: count, depth: map.kind === 'inline' ? 0 : map.depth }
}

/** All chunks of `bytes`, the root last: {@link encryptStream} for data already in memory. */
export async function encryptBytes(bytes: Uint8Array, options: EncryptOptions = {}): Promise<FileAddress & { readonly chunks: ReadonlyArray<Chunk> }> {
  const chunks: Chunk[] = []
  const encryption = encryptStream([bytes], bytes.length, options)
  let step = await encryption.next()
  while (step.done !== true) {
    chunks.push(step.value)
    step = await encryption.next()
  }
  return { ...step.value, chunks }
}

/**
 * Seals `count` plaintext chunks in the order 2..n−1, 0, 1 (see above) and returns their data-map
 * entries in index order.
 */
async function* encryptChunks(plaintexts: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, count: number): AsyncGenerator<Chunk, ChunkInfo[], undefined> {
  const srcHashes = new Array<Uint8Array>(count)
  const entries = new Array<ChunkInfo>(count)
  const held: Uint8Array[] = []
  const seal = (index: number, plaintext: Uint8Array): Chunk => {
    const { previous, beforePrevious } = neighbourIndexes(index, count)
    const content = encryptChunk(plaintext, deriveChunkSecrets(srcHashes[previous]!, srcHashes[beforePrevious]!, srcHashes[index]!))
    const address = chunkAddress(content)
    entries[index] = { index, dstHash: address, srcHash: srcHashes[index]!, srcSize: plaintext.length }
    return { address, content }
  }
  let index = 0
  for await (const plaintext of plaintexts) {
    srcHashes[index] = sha3_256(plaintext)
    if (index < 2) held.push(plaintext)
    else yield seal(index, plaintext)
    index += 1
  }
  yield seal(0, held[0]!)
  yield seal(1, held[1]!)
  return entries
}

/** A data-map encoding cut by the chunking rule, as views (it is already in memory). */
function* cutInMemory(bytes: Uint8Array, maxChunkBytes: number): Generator<Uint8Array> {
  const count = chunkCount(bytes.length, maxChunkBytes)
  for (let index = 0, offset = 0; index < count; index++) {
    const size = chunkSize(index, bytes.length, maxChunkBytes)
    yield bytes.subarray(offset, offset + size)
    offset += size
  }
}
