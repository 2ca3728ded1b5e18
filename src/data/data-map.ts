/**
 * The data map and its byte encoding (format version 1): the root chunk's content, and the
 * plaintext of every data-map level too large for a root. Big-endian integers throughout.
 *
 *   [u8 version = 1][u8 kind] then by kind:
 *   0 inline     [u32be length][length bytes]                      a file under 3 bytes; 6 + length
 *   1 file map   [u64be sizeBytes][u32be count][count × entry]     the file's chunks;    14 + 72·count
 *   2 map chunks [u8 depth][u64be sizeBytes][u32be count][entries] chunks whose plaintexts, in index
 *                order, concatenate to the encoding of the map of depth − 1 (kind 1 when depth − 1
 *                is 0);                                                                15 + 72·count
 *   entry        [u32be index][32 dstHash][32 srcHash][u32be srcSize]                 72 bytes
 *
 * `sizeBytes` is the file's size at every depth, so the root alone tells a reader how large the file
 * is and each level is checked against the one above. A decoder refuses, with {@link DataMapInvalid}:
 * another version or kind; a length that is not exactly the one the header implies; an inline
 * length ≥ 3; a depth outside 1..maxDataMapDepth; sizeBytes < 3 or over MAX_FILE_BYTES; a count
 * outside 3..maxDataMapEntries; indexes other than 0..n−1 in order; a srcSize of 0 or over
 * maxChunkBytesLimit; at depth 0, srcSizes that do not add up to sizeBytes.
 */
import { toHex } from '../crypto/hash.ts'
import { DataMapInvalid } from './errors.ts'
import { MAX_FILE_BYTES, SELF_ENCRYPTION } from './parameters.ts'

/** One chunk of a data map: where it is, what it decrypts to, and how long that is. */
export interface ChunkInfo {
  readonly index: number
  /** SHA3-256 of the stored content: the chunk's address. */
  readonly dstHash: Uint8Array
  /** SHA3-256 of the plaintext: with its neighbours', the chunk's key. */
  readonly srcHash: Uint8Array
  readonly srcSize: number
}

/** A file under `minEncryptableBytes`, kept whole in its root chunk. */
export interface InlineDataMap {
  readonly kind: 'inline'
  readonly bytes: Uint8Array
}

/** Chunks and their keys: the file's own (`depth` 0) or those of the data map one level down. */
export interface ChunkDataMap {
  readonly kind: 'chunks'
  readonly depth: number
  /** The file's size (at every depth). */
  readonly sizeBytes: number
  readonly chunks: ReadonlyArray<ChunkInfo>
}

export type DataMap = InlineDataMap | ChunkDataMap

const KIND = { inline: 0, fileChunks: 1, mapChunks: 2 } as const
const INLINE_HEADER_BYTES = 6
const FILE_MAP_HEADER_BYTES = 14
const LEVEL_MAP_HEADER_BYTES = 15
const HASH_BYTES = 32

/** Largest encoding of a data map: a level's chunks together decrypt to at most this. */
export const MAX_ENCODED_DATA_MAP_BYTES = LEVEL_MAP_HEADER_BYTES + SELF_ENCRYPTION.entryBytes * SELF_ENCRYPTION.maxDataMapEntries

/** Size of a data map's encoding, without encoding it. */
export function encodedDataMapBytes(map: DataMap): number {
  if (map.kind === 'inline') return INLINE_HEADER_BYTES + map.bytes.length
  return (map.depth === 0 ? FILE_MAP_HEADER_BYTES : LEVEL_MAP_HEADER_BYTES) + SELF_ENCRYPTION.entryBytes * map.chunks.length
}

export function encodeDataMap(map: DataMap): Uint8Array {
  const bytes = new Uint8Array(encodedDataMapBytes(map))
  const view = new DataView(bytes.buffer)
  bytes[0] = SELF_ENCRYPTION.formatVersion
  if (map.kind === 'inline') {
    bytes[1] = KIND.inline
    view.setUint32(2, map.bytes.length)
    bytes.set(map.bytes, INLINE_HEADER_BYTES)
    return bytes
  }
  let at: number
  if (map.depth === 0) {
    bytes[1] = KIND.fileChunks
    at = 2
  } else {
    bytes[1] = KIND.mapChunks
    bytes[2] = map.depth
    at = 3
  }
  view.setBigUint64(at, BigInt(map.sizeBytes))
  view.setUint32(at + 8, map.chunks.length)
  at += 12
  for (const chunk of map.chunks) {
    view.setUint32(at, chunk.index)
    bytes.set(chunk.dstHash, at + 4)
    bytes.set(chunk.srcHash, at + 4 + HASH_BYTES)
    view.setUint32(at + 4 + 2 * HASH_BYTES, chunk.srcSize)
    at += SELF_ENCRYPTION.entryBytes
  }
  return bytes
}

/**
 * Decodes a root chunk or a data-map level, refusing anything but an exact, in-bounds encoding with
 * {@link DataMapInvalid}. The hashes of the result are views into `bytes`.
 */
export function decodeDataMap(bytes: Uint8Array): DataMap {
  const invalid = (reason: string, detail: string) => new DataMapInvalid({ reason, message: `data map refused: ${detail}` })
  if (bytes.length < 2) throw invalid('truncated', `${bytes.length} bytes cannot hold a version and a kind`)
  if (bytes[0] !== SELF_ENCRYPTION.formatVersion) throw invalid('version', `format version ${bytes[0]}, this reader knows ${SELF_ENCRYPTION.formatVersion}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const kind = bytes[1]

  if (kind === KIND.inline) {
    if (bytes.length < INLINE_HEADER_BYTES) throw invalid('truncated', `an inline map needs ${INLINE_HEADER_BYTES} bytes of header, got ${bytes.length}`)
    const length = view.getUint32(2)
    if (length >= SELF_ENCRYPTION.minEncryptableBytes) throw invalid('inline-length', `${length} inline bytes: files of ${SELF_ENCRYPTION.minEncryptableBytes} bytes or more are chunked`)
    if (bytes.length !== INLINE_HEADER_BYTES + length) throw invalid('length', `an inline map of ${length} bytes is ${INLINE_HEADER_BYTES + length} bytes long, not ${bytes.length}`)
    return { kind: 'inline', bytes: bytes.subarray(INLINE_HEADER_BYTES) }
  }
  if (kind !== KIND.fileChunks && kind !== KIND.mapChunks) throw invalid('kind', `unknown kind ${String(kind)}`)

  const headerBytes = kind === KIND.fileChunks ? FILE_MAP_HEADER_BYTES : LEVEL_MAP_HEADER_BYTES
  if (bytes.length < headerBytes) throw invalid('truncated', `a kind-${kind} map needs ${headerBytes} bytes of header, got ${bytes.length}`)
  let at = 2
  let depth = 0
  if (kind === KIND.mapChunks) {
    depth = bytes[2]!
    if (depth < 1 || depth > SELF_ENCRYPTION.maxDataMapDepth) throw invalid('depth', `depth ${depth} is outside 1..${SELF_ENCRYPTION.maxDataMapDepth}`)
    at = 3
  }
  const size = view.getBigUint64(at)
  if (size < BigInt(SELF_ENCRYPTION.minEncryptableBytes) || size > BigInt(MAX_FILE_BYTES)) {
    throw invalid('size', `a chunked file of ${size} bytes is outside ${SELF_ENCRYPTION.minEncryptableBytes}..${MAX_FILE_BYTES}`)
  }
  const sizeBytes = Number(size)
  const count = view.getUint32(at + 8)
  if (count < 3 || count > SELF_ENCRYPTION.maxDataMapEntries) throw invalid('count', `${count} entries is outside 3..${SELF_ENCRYPTION.maxDataMapEntries}`)
  const expectedBytes = headerBytes + SELF_ENCRYPTION.entryBytes * count
  if (bytes.length !== expectedBytes) throw invalid('length', `a map of ${count} entries is ${expectedBytes} bytes long, not ${bytes.length}`)

  const chunks: ChunkInfo[] = new Array<ChunkInfo>(count)
  let totalBytes = 0
  at = headerBytes
  for (let index = 0; index < count; index++) {
    const declaredIndex = view.getUint32(at)
    if (declaredIndex !== index) throw invalid('index', `entry ${index} declares index ${declaredIndex}: entries must be 0..${count - 1} in order`)
    const dstHash = bytes.subarray(at + 4, at + 4 + HASH_BYTES)
    const srcSize = view.getUint32(at + 4 + 2 * HASH_BYTES)
    if (srcSize === 0 || srcSize > SELF_ENCRYPTION.maxChunkBytesLimit) {
      throw invalid('src-size', `entry ${index} (${toHex(dstHash)}) declares ${srcSize} bytes, outside 1..${SELF_ENCRYPTION.maxChunkBytesLimit}`)
    }
    totalBytes += srcSize
    chunks[index] = { index, dstHash, srcHash: bytes.subarray(at + 4 + HASH_BYTES, at + 4 + 2 * HASH_BYTES), srcSize }
    at += SELF_ENCRYPTION.entryBytes
  }
  if (depth === 0 && totalBytes !== sizeBytes) throw invalid('size', `the chunks hold ${totalBytes} bytes, the map declares a file of ${sizeBytes}`)
  if (depth > 0 && totalBytes > MAX_ENCODED_DATA_MAP_BYTES) {
    throw invalid('size', `the chunks hold ${totalBytes} bytes, more than the largest data map (${MAX_ENCODED_DATA_MAP_BYTES})`)
  }
  return { kind: 'chunks', depth, sizeBytes, chunks }
}
