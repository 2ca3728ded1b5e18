/**
 * The cipher of one chunk (format version 1). Chunk i of n, with srcHash_i = SHA3-256(plaintext i)
 * and its two predecessors taken cyclically, p1 = (i − 1 + n) mod n and p2 = (i − 2 + n) mod n:
 *
 *   hashes  = srcHash_p1 ‖ srcHash_p2 ‖ srcHash_i
 *   key_i   = SHA3-256("safenet/self-encryption/v1/key" ‖ hashes)                  32 bytes
 *   nonce_i = SHA3-256("safenet/self-encryption/v1/nonce" ‖ hashes)[0..12]         12 bytes
 *   pad_i   = SHA3-256("safenet/self-encryption/v1/pad" ‖ 0x00 ‖ hashes)
 *           ‖ SHA3-256("safenet/self-encryption/v1/pad" ‖ 0x01 ‖ hashes)
 *           ‖ SHA3-256("safenet/self-encryption/v1/pad" ‖ 0x02 ‖ hashes)           96 bytes
 *
 *   body    = brotli(plaintext) if strictly shorter, else plaintext
 *   framed  = flag (0 stored, 1 brotli) ‖ body
 *   sealed  = AES-256-GCM(key_i, nonce_i).encrypt(framed) ‖ tag (16 bytes)
 *   content = sealed XOR pad_i, byte j with pad byte j mod 96
 *   dstHash_i = SHA3-256(content), the chunk's address
 *
 * The key depends on the neighbours' hashes, so no chunk decrypts without the data map; it also
 * depends on the chunk's own srcHash, so one (key, nonce) pair never seals two different
 * plaintexts even when the neighbours repeat. Identical plaintexts in identical places converge.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto'
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib'
import { bytesEqual, sha3_256, toHex } from '../crypto/hash.ts'
import { CheckedChunk } from './chunk.ts'
import { ChunkCorrupt, type ChunkRole } from './errors.ts'
import { SELF_ENCRYPTION } from './parameters.ts'

const textEncoder = new TextEncoder()
const KEY_TAG = textEncoder.encode('safenet/self-encryption/v1/key')
const NONCE_TAG = textEncoder.encode('safenet/self-encryption/v1/nonce')
const PAD_TAG = textEncoder.encode('safenet/self-encryption/v1/pad')
const PAD_PART_TAGS = [0, 1, 2].map((part) => Uint8Array.of(part))
const PAD_WORDS = SELF_ENCRYPTION.padBytes / 8

/** The key, nonce and pad of one chunk, from its own and its two predecessors' srcHashes. */
export interface ChunkSecrets {
  readonly key: Uint8Array
  readonly nonce: Uint8Array
  /** 96 bytes at an 8-byte-aligned offset (the XOR runs over 64-bit words). */
  readonly pad: Uint8Array
}

/** Indexes of the two chunks whose srcHashes key chunk `index` of `count`: (i − 1), (i − 2) mod n. */
export function neighbourIndexes(index: number, count: number): { readonly previous: number; readonly beforePrevious: number } {
  return { previous: (index - 1 + count) % count, beforePrevious: (index - 2 + count) % count }
}

export function deriveChunkSecrets(previousSrcHash: Uint8Array, beforePreviousSrcHash: Uint8Array, ownSrcHash: Uint8Array): ChunkSecrets {
  const derive = (...tags: ReadonlyArray<Uint8Array>) => {
    const hash = createHash('sha3-256')
    for (const tag of tags) hash.update(tag)
    return new Uint8Array(hash.update(previousSrcHash).update(beforePreviousSrcHash).update(ownSrcHash).digest())
  }
  const pad = new Uint8Array(SELF_ENCRYPTION.padBytes)
  PAD_PART_TAGS.forEach((part, at) => pad.set(derive(PAD_TAG, part), at * 32))
  return { key: derive(KEY_TAG), nonce: derive(NONCE_TAG).subarray(0, SELF_ENCRYPTION.nonceBytes), pad }
}

/**
 * XORs the 96-byte pad over `bytes` in place (pad byte j mod 96 over byte j). Over 64-bit words
 * when `bytes` is 8-byte aligned: 96 is a multiple of 8, so word w meets pad word w mod 12. 64-bit
 * words ran at ~9.7 GB/s, 32-bit words ~4.9, bytes ~1.1 (README, "Measurements").
 */
export function applyPad(bytes: Uint8Array, pad: Uint8Array): void {
  let done = 0
  if (bytes.byteOffset % 8 === 0 && pad.byteOffset % 8 === 0) {
    const wordCount = bytes.length >>> 3
    const words = new BigUint64Array(bytes.buffer, bytes.byteOffset, wordCount)
    const padWords = new BigUint64Array(pad.buffer, pad.byteOffset, PAD_WORDS)
    for (let word = 0, padWord = 0; word < wordCount; word++) {
      words[word]! ^= padWords[padWord]!
      padWord = padWord === PAD_WORDS - 1 ? 0 : padWord + 1
    }
    done = wordCount * 8
  }
  for (let at = done; at < bytes.length; at++) bytes[at]! ^= pad[at % SELF_ENCRYPTION.padBytes]!
}

/**
 * brotli(plaintext) when it is strictly shorter, else `undefined`. The output is capped at
 * length − 1, so an incompressible chunk stops the encoder as soon as it cannot win instead of
 * assembling an output it would throw away (brotli q1 on random bytes: ~2.4 GB/s against ~1.8).
 */
function compressIfShorter(plaintext: Uint8Array): Uint8Array | undefined {
  if (plaintext.length < 2) return undefined // brotli never gives fewer than 1 byte
  try {
    return brotliCompressSync(plaintext, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: SELF_ENCRYPTION.brotliQuality,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: plaintext.length,
      },
      maxOutputLength: plaintext.length - 1,
    })
  } catch (error) {
    if (error instanceof RangeError && (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return undefined
    throw error
  }
}

/** Seals one plaintext chunk into the content the network stores (see the scheme above). */
export function encryptChunk(plaintext: Uint8Array, secrets: ChunkSecrets): Uint8Array {
  const compressed = compressIfShorter(plaintext)
  const body = compressed ?? plaintext
  const flag = compressed === undefined ? SELF_ENCRYPTION.flag.stored : SELF_ENCRYPTION.flag.brotli
  const cipher = createCipheriv(SELF_ENCRYPTION.aead, secrets.key, secrets.nonce, { authTagLength: SELF_ENCRYPTION.tagBytes })
  const sealedFlag = cipher.update(Uint8Array.of(flag))
  const sealedBody = cipher.update(body)
  cipher.final()
  // A fresh buffer at offset 0, so the pad goes on by 64-bit words.
  const content = new Uint8Array(SELF_ENCRYPTION.chunkOverheadBytes + body.length)
  content.set(sealedFlag, 0)
  content.set(sealedBody, 1)
  content.set(cipher.getAuthTag(), 1 + body.length)
  applyPad(content, secrets.pad)
  return content
}

/** What a reader knows of a chunk before fetching it: its data-map entry, its keys, its name. */
export interface ExpectedChunk {
  readonly role: ChunkRole
  readonly index: number
  readonly dstHash: Uint8Array
  readonly srcHash: Uint8Array
  readonly srcSize: number
  readonly secrets: ChunkSecrets
}

/**
 * Opens fetched content: checks its address, removes the pad, authenticates and decrypts,
 * decompresses within `srcSize`, and checks the plaintext's size and srcHash. Anything that does
 * not match is a {@link ChunkCorrupt} naming the chunk.
 */
export function decryptChunk(fetched: Uint8Array | CheckedChunk, expected: ExpectedChunk): Uint8Array {
  const content = CheckedChunk.contentOf(fetched)
  const corrupt = (reason: string, detail: string) => new ChunkCorrupt({
    address: toHex(expected.dstHash), role: expected.role, index: expected.index, reason,
    message: `${expected.role} chunk ${expected.index} (${toHex(expected.dstHash)}) is corrupt: ${detail}`,
  })
  const overhead = SELF_ENCRYPTION.chunkOverheadBytes
  if (content.length < overhead || content.length > expected.srcSize + overhead) {
    throw corrupt('size', `${content.length} bytes cannot seal ${expected.srcSize} bytes (at most ${expected.srcSize + overhead})`)
  }
  if (!CheckedChunk.matches(expected.dstHash, fetched)) throw corrupt('address', 'its content does not hash to its address')

  const sealed = new Uint8Array(content) // a copy at offset 0: the caller's bytes stay as fetched
  applyPad(sealed, expected.secrets.pad)
  const tagAt = sealed.length - SELF_ENCRYPTION.tagBytes
  let framed: Uint8Array
  try {
    const decipher = createDecipheriv(SELF_ENCRYPTION.aead, expected.secrets.key, expected.secrets.nonce, { authTagLength: SELF_ENCRYPTION.tagBytes })
    decipher.setAuthTag(sealed.subarray(tagAt))
    framed = decipher.update(sealed.subarray(0, tagAt))
    decipher.final()
  } catch {
    throw corrupt('authentication', 'it does not authenticate under the key its data map derives (wrong neighbours, or altered bytes)')
  }

  const flag = framed[0]
  const body = framed.subarray(1)
  let plaintext: Uint8Array
  if (flag === SELF_ENCRYPTION.flag.stored) {
    plaintext = body
  } else if (flag === SELF_ENCRYPTION.flag.brotli) {
    try {
      // Bounded: a body that inflates past srcSize is refused before it is all in memory.
      plaintext = brotliDecompressSync(body, { maxOutputLength: Math.max(1, expected.srcSize) })
    } catch (cause) {
      throw corrupt('decompression', `its brotli body does not decompress within ${expected.srcSize} bytes (${cause instanceof Error ? cause.message : String(cause)})`)
    }
  } else {
    throw corrupt('flag', `unknown flag byte ${String(flag)}`)
  }
  if (plaintext.length !== expected.srcSize) throw corrupt('plaintext', `it decrypts to ${plaintext.length} bytes, not ${expected.srcSize}`)
  if (!bytesEqual(sha3_256(plaintext), expected.srcHash)) throw corrupt('plaintext', 'its plaintext does not hash to its srcHash')
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length) // a plain view, not a Buffer
}
