/**
 * Committed test vectors of format version 1 (vectors.json): an implementation that reproduces
 * these addresses reads and writes the same chunks. Inputs come from two generators anyone can
 * rebuild:
 *   pattern(n)  byte j = (j·31 + 7) mod 256                                  (compresses well)
 *   sha3(n)     SHA3-256("safenet/self-encryption/test-vector/" ‖ u32be(k)) for k = 0, 1, …,
 *               concatenated and cut to n bytes                               (does not compress)
 * Each vector lists every chunk's address in the order the encryptor yields them (data chunks
 * 2..n−1, 0, 1, then data-map levels, then the root), the root's content and the file's address.
 *
 * After a deliberate format change, rewrite the file (and bump the format version):
 *   UPDATE_VECTORS=1 npx vitest run --config .config/vitest.config.ts test/data/vectors.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { sha3_256, toHex } from '../../src/crypto/hash.ts'
import { decryptBytes, encryptBytes, SELF_ENCRYPTION } from '../../src/data/index.ts'
import { memoryStore } from './support.ts'

interface Vector {
  readonly name: string
  readonly generator: 'pattern' | 'sha3'
  readonly sizeBytes: number
  readonly maxChunkBytes: number
  readonly depth: number
  readonly chunks: ReadonlyArray<string>
  readonly rootContent: string
  readonly address: string
}

const VECTORS_FILE = new URL('./vectors.json', import.meta.url)
const KiB = 1024
const MiB = 1024 * KiB

function generate(generator: Vector['generator'], sizeBytes: number): Uint8Array {
  if (generator === 'pattern') return Uint8Array.from({ length: sizeBytes }, (_, j) => (j * 31 + 7) & 0xff)
  const bytes = new Uint8Array(Math.ceil(sizeBytes / 32) * 32)
  const tag = new TextEncoder().encode('safenet/self-encryption/test-vector/')
  for (let block = 0; block * 32 < sizeBytes; block++) {
    const counter = new Uint8Array(4)
    new DataView(counter.buffer).setUint32(0, block)
    bytes.set(sha3_256(tag, counter), block * 32)
  }
  return bytes.subarray(0, sizeBytes)
}

const CASES: ReadonlyArray<Pick<Vector, 'name' | 'generator' | 'sizeBytes' | 'maxChunkBytes'>> = [
  { name: 'empty: inline', generator: 'pattern', sizeBytes: 0, maxChunkBytes: KiB },
  { name: '2 bytes: inline', generator: 'pattern', sizeBytes: 2, maxChunkBytes: KiB },
  { name: '3 bytes: 3 chunks of 1', generator: 'pattern', sizeBytes: 3, maxChunkBytes: KiB },
  { name: '1 KiB compressible: 3 brotli chunks', generator: 'pattern', sizeBytes: KiB, maxChunkBytes: KiB },
  { name: '1 KiB incompressible: 3 stored chunks', generator: 'sha3', sizeBytes: KiB, maxChunkBytes: KiB },
  { name: '3 chunks + 1 byte', generator: 'sha3', sizeBytes: 3 * KiB + 1, maxChunkBytes: KiB },
  { name: '20 chunks + 1 byte: one data-map level', generator: 'sha3', sizeBytes: 20 * KiB + 1, maxChunkBytes: KiB },
  { name: '3 MiB + 1 byte at the default chunk size', generator: 'sha3', sizeBytes: 3 * MiB + 1, maxChunkBytes: SELF_ENCRYPTION.maxChunkBytes },
]

async function compute(testCase: (typeof CASES)[number]): Promise<Vector> {
  const encrypted = await encryptBytes(generate(testCase.generator, testCase.sizeBytes), { maxChunkBytes: testCase.maxChunkBytes })
  return {
    ...testCase,
    depth: encrypted.depth,
    chunks: encrypted.chunks.map((chunk) => toHex(chunk.address)),
    rootContent: toHex(encrypted.root.content),
    address: toHex(encrypted.address),
  }
}

describe('test vectors (vectors.json)', () => {
  if (process.env['UPDATE_VECTORS'] === '1') {
    it('are rewritten', async () => {
      const vectors = []
      for (const testCase of CASES) vectors.push(await compute(testCase))
      writeFileSync(VECTORS_FILE, `${JSON.stringify({ formatVersion: SELF_ENCRYPTION.formatVersion, vectors }, null, 2)}\n`)
    })
    return
  }
  const committed = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as { formatVersion: number; vectors: Vector[] }

  it('are of this format version and cover every case', () => {
    expect(committed.formatVersion).toBe(SELF_ENCRYPTION.formatVersion)
    expect(committed.vectors.map((vector) => vector.name)).toEqual(CASES.map((testCase) => testCase.name))
  })

  for (const testCase of CASES) {
    it(`are reproduced: ${testCase.name}`, async () => {
      const vector = committed.vectors.find((candidate) => candidate.name === testCase.name)
      expect(await compute(testCase)).toEqual(vector)
    })
  }

  it('decrypt from their chunks to their inputs', async () => {
    const testCase = CASES[5]!
    const bytes = generate(testCase.generator, testCase.sizeBytes)
    const encrypted = await encryptBytes(bytes, { maxChunkBytes: testCase.maxChunkBytes })
    expect(await decryptBytes(encrypted.address, memoryStore(encrypted.chunks).fetch)).toEqual(bytes)
  })
})
