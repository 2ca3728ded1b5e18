/**
 * A chunk as the network stores it: immutable content at the address SHA3-256(content). A holder
 * (or a reader) recomputes the address from the bytes, so a chunk cannot be swapped for another.
 */
import { sha3_256 } from '../crypto/hash.ts'

/** Bytes of a chunk address: one SHA3-256 output. */
export const CHUNK_ADDRESS_BYTES = 32

export interface Chunk {
  /** SHA3-256 of `content` (32 bytes). */
  readonly address: Uint8Array
  readonly content: Uint8Array
}

/** The network address of chunk content: SHA3-256 of it. */
export function chunkAddress(content: Uint8Array): Uint8Array {
  return sha3_256(content)
}
