/**
 * Convergent self-encryption (after MaidSafe's self_encryption; format in ./README.md): a file is
 * cut into chunks, each sealed with AES-256-GCM under a key derived from its own and its two
 * predecessors' plaintext hashes, and stored at the SHA3-256 of its content. The data map (every
 * chunk's two hashes and size) goes in a root chunk, over as many levels as it needs; the root's
 * address is the file's. Equal files give equal chunks; no chunk reads without the data map.
 *
 * @example
 * ```ts
 * import { decryptBytes, encryptBytes } from './src/data/index.ts'
 * const store = new Map<string, Uint8Array>()
 * const { address, chunks } = await encryptBytes(new TextEncoder().encode('hello, network'))
 * for (const chunk of chunks) store.set(Buffer.from(chunk.address).toString('hex'), chunk.content)
 * const fetch = async (at: Uint8Array) => store.get(Buffer.from(at).toString('hex'))!
 * new TextDecoder().decode(await decryptBytes(address, fetch))   // 'hello, network'
 * ```
 */
export { type Chunk, CHUNK_ADDRESS_BYTES, CheckedChunk, chunkAddress } from './chunk.ts'
export { applyPad, type ChunkSecrets, decryptChunk, deriveChunkSecrets, encryptChunk, type ExpectedChunk, neighbourIndexes } from './chunk-cipher.ts'
export { chunkCount, chunkSize, cutIntoChunks } from './chunking.ts'
export {
  type ChunkDataMap, type ChunkInfo, type DataMap, decodeDataMap, encodeDataMap, encodedDataMapBytes, type InlineDataMap, MAX_ENCODED_DATA_MAP_BYTES,
} from './data-map.ts'
export { decryptBytes, type DecryptOptions, decryptStream, decryptWithDataMap, type FetchChunk, readDataMap, type ReadOptions } from './decryptor.ts'
export { encryptBytes, type EncryptOptions, encryptStream, type FileAddress } from './encryptor.ts'
export { ChunkCorrupt, ChunkMissing, ChunkRole, DataMapInvalid, InvalidArgument, SizeMismatch } from './errors.ts'
export { MAX_FILE_BYTES, SELF_ENCRYPTION } from './parameters.ts'
export { type ChunkReceipt, receiptBytes, signReceipt, verifyReceipt } from './receipt.ts'
