import { createDecipheriv } from 'node:crypto'
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha3_256 } from '../../src/crypto/hash.ts'
import {
  applyPad, ChunkCorrupt, chunkAddress, decryptChunk, deriveChunkSecrets, encryptChunk, type ExpectedChunk, neighbourIndexes, SELF_ENCRYPTION,
} from '../../src/data/index.ts'
import { randomInput, textInput } from './support.ts'

const text = (tag: string) => new TextEncoder().encode(tag)
const hashOf = (label: string) => sha3_256(text(label))
const [previous, beforePrevious] = [hashOf('chunk i-1'), hashOf('chunk i-2')]

/** Seals `plaintext` as chunk 5 between fixed neighbours; returns what a reader expects of it. */
function sealed(plaintext: Uint8Array) {
  const srcHash = sha3_256(plaintext)
  const secrets = deriveChunkSecrets(previous, beforePrevious, srcHash)
  const content = encryptChunk(plaintext, secrets)
  const expected: ExpectedChunk = { role: 'data', index: 5, dstHash: chunkAddress(content), srcHash, srcSize: plaintext.length, secrets }
  return { content, expected, secrets }
}

/** Opens content by the README's recipe alone, with node:crypto: pad off, AES-256-GCM, flag. */
function openByHand(content: Uint8Array, secrets: { key: Uint8Array; nonce: Uint8Array; pad: Uint8Array }) {
  const sealedBytes = content.map((byte, j) => byte ^ secrets.pad[j % 96]!)
  const decipher = createDecipheriv('aes-256-gcm', secrets.key, secrets.nonce, { authTagLength: 16 })
  decipher.setAuthTag(sealedBytes.subarray(sealedBytes.length - 16))
  const framed = Buffer.concat([decipher.update(sealedBytes.subarray(0, sealedBytes.length - 16)), decipher.final()])
  return { flag: framed[0], body: framed.subarray(1) }
}

describe('chunk keys', () => {
  it('are SHA3-256 of a domain tag and srcHash(i−1) ‖ srcHash(i−2) ‖ srcHash(i), as the README says', () => {
    const own = hashOf('chunk i')
    const secrets = deriveChunkSecrets(previous, beforePrevious, own)
    const hashes = [previous, beforePrevious, own]
    expect(secrets.key).toEqual(sha3_256(text('safenet/self-encryption/v1/key'), ...hashes))
    expect(secrets.nonce).toEqual(sha3_256(text('safenet/self-encryption/v1/nonce'), ...hashes).subarray(0, 12))
    const pad = [0, 1, 2].map((part) => sha3_256(text('safenet/self-encryption/v1/pad'), Uint8Array.of(part), ...hashes))
    expect(secrets.pad).toEqual(new Uint8Array(Buffer.concat(pad)))
    expect(secrets.pad.length).toBe(96)
  })

  it('take their neighbours cyclically: chunk 0 of n is keyed by n−1 and n−2, chunk 1 by 0 and n−1', () => {
    expect(neighbourIndexes(0, 5)).toEqual({ previous: 4, beforePrevious: 3 })
    expect(neighbourIndexes(1, 5)).toEqual({ previous: 0, beforePrevious: 4 })
    expect(neighbourIndexes(4, 5)).toEqual({ previous: 3, beforePrevious: 2 })
    expect(neighbourIndexes(2, 3)).toEqual({ previous: 1, beforePrevious: 0 })
  })
})

describe('sealing one chunk', () => {
  it('opens again to the same plaintext', () => {
    const plaintext = randomInput(5000)
    const { content, expected } = sealed(plaintext)
    expect(decryptChunk(content, expected)).toEqual(plaintext)
  })

  it('does not read alone: with a wrong or swapped neighbour hash the AEAD refuses it', () => {
    const plaintext = randomInput(2000)
    const { content, expected } = sealed(plaintext)
    const keyedBy = (first: Uint8Array, second: Uint8Array) => ({ ...expected, secrets: deriveChunkSecrets(first, second, expected.srcHash) })
    for (const wrong of [keyedBy(hashOf('another chunk'), beforePrevious), keyedBy(previous, hashOf('another chunk')), keyedBy(beforePrevious, previous)]) {
      expect(() => decryptChunk(content, wrong)).toThrow(ChunkCorrupt)
      try { decryptChunk(content, wrong) } catch (error) { expect(error).toMatchObject({ reason: 'authentication', index: 5, role: 'data' }) }
    }
  })

  it('compresses what compresses: shorter content, flag 1, a brotli body', () => {
    const plaintext = textInput(64 * 1024)
    const { content, expected, secrets } = sealed(plaintext)
    expect(content.length).toBeLessThan(plaintext.length / 4)
    const { flag, body } = openByHand(content, secrets)
    expect(flag).toBe(SELF_ENCRYPTION.flag.brotli)
    expect(Buffer.from(brotliDecompressSync(body)).equals(plaintext)).toBe(true)
    expect(decryptChunk(content, expected)).toEqual(plaintext)
  })

  it('stores what does not compress: flag 0, content = 1 + size + 16 bytes', () => {
    const plaintext = randomInput(4096)
    const { content, secrets } = sealed(plaintext)
    expect(content.length).toBe(1 + 4096 + 16)
    const { flag, body } = openByHand(content, secrets)
    expect(flag).toBe(SELF_ENCRYPTION.flag.stored)
    expect(body).toEqual(Buffer.from(plaintext))
  })

  it('uses brotli exactly when its output is strictly shorter than the plaintext', () => {
    const plaintexts = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.nat(300).map((size) => textInput(size)), fc.nat(40).map((size) => new Uint8Array(size)))
    fc.assert(fc.property(plaintexts, (plaintext) => {
      const { content, secrets } = sealed(plaintext)
      const shorter = brotliCompressSync(plaintext, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: plaintext.length } })
      const compresses = shorter.length < plaintext.length
      expect(openByHand(content, secrets).flag).toBe(compresses ? SELF_ENCRYPTION.flag.brotli : SELF_ENCRYPTION.flag.stored)
      expect(content.length).toBe(17 + (compresses ? shorter.length : plaintext.length))
    }), { numRuns: 500 })
  })

  it('names the chunk and the reason when its bytes are altered', () => {
    const { content, expected } = sealed(randomInput(3000))
    const flipped = content.slice()
    flipped[1234]! ^= 0x01
    expect(() => decryptChunk(flipped, expected)).toThrow(expect.objectContaining({ _tag: 'ChunkCorrupt', reason: 'address', address: Buffer.from(expected.dstHash).toString('hex') }))
    // Altered bytes that still hash to the address the map holds: only the AEAD can catch them.
    expect(() => decryptChunk(flipped, { ...expected, dstHash: chunkAddress(flipped) })).toThrow(expect.objectContaining({ reason: 'authentication' }))
    expect(() => decryptChunk(content.subarray(0, 10), expected)).toThrow(expect.objectContaining({ reason: 'size' }))
    expect(() => decryptChunk(content, { ...expected, srcSize: 2999 })).toThrow(expect.objectContaining({ reason: 'size' }))
  })

  it('refuses a body that decompresses past its srcSize (a bomb) before inflating it all', () => {
    const plaintext = new Uint8Array(1 << 20) // 1 MiB of zeros: a few hundred bytes of brotli
    const { content, expected } = sealed(plaintext)
    expect(content.length).toBeLessThan(1000)
    // A data map that declares 1 KiB for it (its author knows the keys, so the AEAD passes).
    const liar = { ...expected, srcSize: 1024 }
    expect(() => decryptChunk(content, liar)).toThrow(expect.objectContaining({ _tag: 'ChunkCorrupt', reason: 'decompression' }))
  })
})

describe('the pad', () => {
  it('XORs pad byte j mod 96 over byte j, at any alignment and length', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), fc.integer({ min: 0, max: 7 }), (bytes, offset) => {
      const pad = Uint8Array.from({ length: 96 }, (_, j) => (j * 53 + 11) & 0xff)
      const buffer = new Uint8Array(bytes.length + offset)
      buffer.set(bytes, offset)
      const view = buffer.subarray(offset)
      applyPad(view, pad)
      expect(view).toEqual(bytes.map((byte, j) => byte ^ pad[j % 96]!))
    }))
  })
})
