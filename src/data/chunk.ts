/**
 * A chunk as the network stores it: immutable content at the address SHA3-256(content). A holder
 * (or a reader) recomputes the address from the bytes, so a chunk cannot be swapped for another.
 */
import { bytesEqual, sha3_256 } from '../crypto/hash.ts'

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

/**
 * Content its reader has already hashed to its address (a client checks every answer so it can
 * ask another holder): the decryptor takes it without hashing 1 MiB a second time. Made only by
 * {@link CheckedChunk.check}, so holding one means the check ran.
 */
export class CheckedChunk implements Chunk {
  readonly address: Uint8Array
  readonly content: Uint8Array

  private constructor(address: Uint8Array, content: Uint8Array) {
    this.address = address
    this.content = content
  }

  /** The chunk if `content` hashes to `address`, otherwise undefined. */
  static check(address: Uint8Array, content: Uint8Array): CheckedChunk | undefined {
    return bytesEqual(chunkAddress(content), address) ? new CheckedChunk(address, content) : undefined
  }

  /** The bytes, whether checked or not. */
  static contentOf(fetched: Uint8Array | CheckedChunk): Uint8Array {
    return fetched instanceof CheckedChunk ? fetched.content : fetched
  }

  /** Whether `content` hashes to `address`: from the check already made, or computed now. */
  static matches(address: Uint8Array, content: Uint8Array | CheckedChunk): boolean {
    return content instanceof CheckedChunk ? bytesEqual(content.address, address) : bytesEqual(chunkAddress(content), address)
  }
}
