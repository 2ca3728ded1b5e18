/**
 * How a file of `sizeBytes` is cut into chunks (format version 1, after MaidSafe's
 * self_encryption), given `maxChunkBytes` = c:
 *
 *   sizeBytes < 3 (minEncryptableBytes)  no chunks: the bytes go inline in the root chunk
 *   sizeBytes < 3c                       3 chunks of ⌊size/3⌋, ⌊size/3⌋, size − 2⌊size/3⌋
 *   otherwise                            ⌊size/c⌋ chunks of c, then one of size mod c if not 0
 *
 * Three chunks at least, because each chunk's key comes from its two predecessors' hashes
 * (cyclically): with fewer, a chunk would be keyed by its own content alone. The sizes depend only
 * on `sizeBytes`, so a stream whose size is known up front (a file, from stat) is cut as it arrives.
 */
import { InvalidArgument, SizeMismatch } from './errors.ts'
import { SELF_ENCRYPTION } from './parameters.ts'

/** Data chunks of a file of `sizeBytes` (0: stored inline in the root chunk). */
export function chunkCount(sizeBytes: number, maxChunkBytes: number): number {
  if (sizeBytes < SELF_ENCRYPTION.minEncryptableBytes) return 0
  if (sizeBytes < 3 * maxChunkBytes) return 3
  return Math.ceil(sizeBytes / maxChunkBytes)
}

/** Size of chunk `index` of a file of `sizeBytes`. */
export function chunkSize(index: number, sizeBytes: number, maxChunkBytes: number): number {
  const count = chunkCount(sizeBytes, maxChunkBytes)
  if (count === 3 && sizeBytes < 3 * maxChunkBytes) {
    const third = Math.floor(sizeBytes / 3)
    return index < 2 ? third : sizeBytes - 2 * third
  }
  return index < count - 1 ? maxChunkBytes : sizeBytes - (count - 1) * maxChunkBytes
}

/**
 * Cuts `source` into the chunks of a file of `sizeBytes`, yielding each as soon as its last byte
 * has arrived (one copy per byte into a fresh buffer the caller may keep). Refuses with
 * {@link SizeMismatch} a stream that runs over (as soon as it does) or ends short.
 */
export async function* cutIntoChunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, sizeBytes: number, maxChunkBytes: number): AsyncGenerator<Uint8Array, void, undefined> {
  const count = chunkCount(sizeBytes, maxChunkBytes)
  if (count === 0) throw new InvalidArgument({ argument: 'sizeBytes', message: `${sizeBytes} bytes are stored inline, not cut into chunks (readInline)` })
  let index = 0
  // allocUnsafeSlow: not zero-filled (every byte is written before the chunk is yielded), and not
  // from Node's shared pool, so a kept chunk does not pin other allocations.
  let chunk: Uint8Array = Buffer.allocUnsafeSlow(chunkSize(0, sizeBytes, maxChunkBytes))
  let filled = 0
  let receivedBytes = 0
  for await (const piece of source) {
    if (!(piece instanceof Uint8Array)) {
      throw new InvalidArgument({ argument: 'source', message: `the source yielded a ${typeof piece}, not a Uint8Array` })
    }
    receivedBytes += piece.length
    if (receivedBytes > sizeBytes) {
      throw new SizeMismatch({
        expectedBytes: sizeBytes, actualBytes: receivedBytes,
        message: `the source delivered more than the ${sizeBytes} bytes it was announced with (${receivedBytes} so far)`,
      })
    }
    let offset = 0
    while (offset < piece.length) {
      const taken = Math.min(chunk.length - filled, piece.length - offset)
      chunk.set(piece.subarray(offset, offset + taken), filled)
      filled += taken
      offset += taken
      if (filled === chunk.length) {
        yield chunk
        index += 1
        if (index < count) {
          chunk = Buffer.allocUnsafeSlow(chunkSize(index, sizeBytes, maxChunkBytes))
          filled = 0
        }
      }
    }
  }
  if (receivedBytes !== sizeBytes) {
    throw new SizeMismatch({
      expectedBytes: sizeBytes, actualBytes: receivedBytes,
      message: `the source ended after ${receivedBytes} of the ${sizeBytes} bytes it was announced with`,
    })
  }
}

/** Reads a whole (short) source: the inline bytes of a file under `minEncryptableBytes`. */
export async function readInline(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, sizeBytes: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(sizeBytes)
  let receivedBytes = 0
  for await (const piece of source) {
    if (!(piece instanceof Uint8Array)) {
      throw new InvalidArgument({ argument: 'source', message: `the source yielded a ${typeof piece}, not a Uint8Array` })
    }
    if (receivedBytes + piece.length > sizeBytes) {
      throw new SizeMismatch({
        expectedBytes: sizeBytes, actualBytes: receivedBytes + piece.length,
        message: `the source delivered more than the ${sizeBytes} bytes it was announced with`,
      })
    }
    bytes.set(piece, receivedBytes)
    receivedBytes += piece.length
  }
  if (receivedBytes !== sizeBytes) {
    throw new SizeMismatch({
      expectedBytes: sizeBytes, actualBytes: receivedBytes,
      message: `the source ended after ${receivedBytes} of the ${sizeBytes} bytes it was announced with`,
    })
  }
  return bytes
}
