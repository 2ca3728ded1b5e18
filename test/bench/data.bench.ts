/**
 * Self-encryption benchmarks (`npm run bench`). Figures, each the best of a few runs because the
 * machine is shared (a run slowed by another process is not the code's speed):
 *   - encryption and decryption MB/s of 256 MiB of random bytes streamed in 64 KiB pieces, beside
 *     their ceiling: the same primitives alone over the same chunks (encryption: SHA3 of the
 *     plaintext and of the content, the brotli attempt, the AEAD, the pad; decryption: SHA3 twice,
 *     the pad, the AEAD), with the ratio;
 *   - 1 MiB against 4 MiB chunks: MB/s and peak RSS growth (each in a fresh process);
 *   - AES-256-GCM against ChaCha20-Poly1305 on 1 MiB; brotli qualities 0–5 on random bytes and on
 *     source text (MB/s, ratio); the pad XOR byte by byte, by 32-bit and by 64-bit words;
 *   - a pool of worker threads sealing chunks (a prototype kept here, not in src/) against one thread.
 */
import { execFileSync } from 'node:child_process'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import {
  applyPad, type Chunk, chunkCount, cutIntoChunks, decryptStream, deriveChunkSecrets, encryptStream, SELF_ENCRYPTION,
} from '../../src/data/index.ts'
import { sha3_256, toHex } from '../../src/crypto/hash.ts'
import { figure } from './report.ts'

const KiB = 1024
const MiB = 1024 * KiB
const TOTAL_BYTES = 256 * MiB
const PIECE_BYTES = 64 * KiB
const RUNS = 3
const MB = 1e6

const source = new Uint8Array(randomBytes(TOTAL_BYTES))
function* pieces(): Generator<Uint8Array> {
  for (let offset = 0; offset < TOTAL_BYTES; offset += PIECE_BYTES) yield source.subarray(offset, offset + PIECE_BYTES)
}

/** Best of `RUNS` runs of `run`, in MB/s over `bytes`; with the largest peak RSS growth seen. */
async function best(bytes: number, run: (sample: () => void) => Promise<void> | void): Promise<{ megabytesPerSecond: number; peakGrowthMiB: number }> {
  let fastestMs = Infinity
  let peakGrowth = 0
  for (let attempt = 0; attempt < RUNS; attempt++) {
    const before = process.memoryUsage.rss()
    let peak = before
    const started = performance.now()
    await run(() => { peak = Math.max(peak, process.memoryUsage.rss()) })
    fastestMs = Math.min(fastestMs, performance.now() - started)
    peakGrowth = Math.max(peakGrowth, peak - before)
  }
  return { megabytesPerSecond: bytes / MB / (fastestMs / 1000), peakGrowthMiB: peakGrowth / MiB }
}

async function encryptAll(maxChunkBytes: number, sample: () => void, keep?: Map<string, Uint8Array>) {
  const encryption = encryptStream(pieces(), TOTAL_BYTES, { maxChunkBytes })
  let step = await encryption.next()
  while (step.done !== true) {
    keep?.set(toHex(step.value.address), step.value.content)
    sample()
    step = await encryption.next()
  }
  return step.value
}

const brotliOptions = (quality: number, sizeBytes: number) => ({
  params: { [zlibConstants.BROTLI_PARAM_QUALITY]: quality, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: sizeBytes },
})

describe('self-encryption', () => {
  test('encryption and decryption of 256 MiB against their ceilings', async () => {
    const chunks = new Map<string, Uint8Array>()
    let address: Uint8Array = new Uint8Array()
    const encryption = await best(TOTAL_BYTES, async (sample) => {
      chunks.clear()
      address = (await encryptAll(MiB, sample, chunks)).address
    })

    const secrets = deriveChunkSecrets(sha3_256(Uint8Array.of(1)), sha3_256(Uint8Array.of(2)), sha3_256(Uint8Array.of(3)))
    const sealed: Uint8Array[] = []
    const encryptionCeiling = await best(TOTAL_BYTES, () => {
      sealed.length = 0
      for (let offset = 0; offset < TOTAL_BYTES; offset += MiB) {
        const plaintext = source.subarray(offset, offset + MiB)
        sha3_256(plaintext)
        try { // the attempt as the encryptor makes it: capped at one byte under the plaintext
          brotliCompressSync(plaintext, { ...brotliOptions(SELF_ENCRYPTION.brotliQuality, MiB), maxOutputLength: MiB - 1 })
        } catch { /* does not compress: stored */ }
        const cipher = createCipheriv(SELF_ENCRYPTION.aead, secrets.key, secrets.nonce, { authTagLength: 16 })
        const content = new Uint8Array(Buffer.concat([cipher.update(Uint8Array.of(0)), cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
        applyPad(content, secrets.pad)
        sha3_256(content)
        sealed.push(content)
      }
    })
    figure('encrypt 256 MiB (1 MiB chunks, random bytes)', encryption.megabytesPerSecond, 'MB/s')
    figure('  ceiling: SHA3 ×2, brotli try, AEAD, pad', encryptionCeiling.megabytesPerSecond, 'MB/s')
    figure('  encryption / ceiling', encryption.megabytesPerSecond / encryptionCeiling.megabytesPerSecond, 'ratio')

    const fetch = (at: Uint8Array) => Promise.resolve(chunks.get(toHex(at))!)
    const decryption = await best(TOTAL_BYTES, async (sample) => {
      for await (const plaintext of decryptStream(address, fetch)) {
        expect(plaintext.length).toBeGreaterThan(0)
        sample()
      }
    })
    const decryptionCeiling = await best(TOTAL_BYTES, () => {
      for (const content of sealed) {
        sha3_256(content)
        const unpadded = new Uint8Array(content)
        applyPad(unpadded, secrets.pad)
        const decipher = createDecipheriv(SELF_ENCRYPTION.aead, secrets.key, secrets.nonce, { authTagLength: 16 })
        decipher.setAuthTag(unpadded.subarray(unpadded.length - 16))
        const framed = decipher.update(unpadded.subarray(0, unpadded.length - 16))
        decipher.final()
        sha3_256(framed.subarray(1))
      }
    })
    figure('decrypt 256 MiB (1 MiB chunks, random bytes)', decryption.megabytesPerSecond, 'MB/s')
    figure('  ceiling: SHA3 ×2, pad, AEAD decrypt', decryptionCeiling.megabytesPerSecond, 'MB/s')
    figure('  decryption / ceiling', decryption.megabytesPerSecond / decryptionCeiling.megabytesPerSecond, 'ratio')
    chunks.clear()
    sealed.length = 0

    expect(encryption.megabytesPerSecond).toBeGreaterThan(0)
  })

  test('1 MiB against 4 MiB chunks: speed and peak RSS growth, each in a fresh process', () => {
    for (const maxChunkBytes of [MiB, 4 * MiB]) {
      const runs = Array.from({ length: 2 }, () => encryptInFreshProcess(maxChunkBytes, false))
      // With a full GC after every chunk the RSS is what is held, not garbage awaiting collection.
      const held = encryptInFreshProcess(maxChunkBytes, true)
      figure(`encrypt 256 MiB in ${maxChunkBytes / MiB} MiB chunks`, Math.max(...runs.map((run) => run.megabytesPerSecond)), 'MB/s')
      figure(`  peak RSS growth, ${maxChunkBytes / MiB} MiB chunks`, Math.max(...runs.map((run) => run.peakGrowthMiB)), 'MiB')
      figure(`  peak RSS growth, GC after each chunk`, held.peakGrowthMiB, 'MiB')
    }
  })

  test('AES-256-GCM against ChaCha20-Poly1305 on 1 MiB', async ({ bench }) => {
    const plaintext = source.subarray(0, MiB)
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    // One call per algorithm: node:crypto's overloads do not take a union of AEAD names.
    const cipherOf = (algorithm: 'aes-256-gcm' | 'chacha20-poly1305') => algorithm === 'aes-256-gcm'
      ? createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
      : createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    const decipherOf = (algorithm: 'aes-256-gcm' | 'chacha20-poly1305') => algorithm === 'aes-256-gcm'
      ? createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
      : createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    const seal = (algorithm: 'aes-256-gcm' | 'chacha20-poly1305') => {
      const cipher = cipherOf(algorithm)
      return { ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final()]), tag: cipher.getAuthTag() }
    }
    for (const algorithm of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
      const { ciphertext, tag } = seal(algorithm)
      const encrypt = await bench(`${algorithm} encrypt 1 MiB`, () => { seal(algorithm) }).run({ time: 1500 })
      const decrypt = await bench(`${algorithm} decrypt 1 MiB`, () => {
        const decipher = decipherOf(algorithm)
        decipher.setAuthTag(tag)
        decipher.update(ciphertext)
        decipher.final()
      }).run({ time: 1500 })
      figure(`${algorithm} encrypt (1 MiB)`, encrypt.throughput.mean * MiB / MB, 'MB/s')
      figure(`${algorithm} decrypt (1 MiB)`, decrypt.throughput.mean * MiB / MB, 'MB/s')
    }
  })

  test('brotli qualities on random bytes and on source text', async ({ bench }) => {
    const random = source.subarray(0, MiB)
    const text = readFileSync(new URL('../../node_modules/typescript/lib/typescript.js', import.meta.url)).subarray(0, MiB)
    for (const quality of [0, 1, 2, 3, 4, 5]) {
      const onRandom = await bench(`brotli q${quality} random 1 MiB`, () => { brotliCompressSync(random, brotliOptions(quality, MiB)) }).run({ time: 500 })
      const onText = await bench(`brotli q${quality} text 1 MiB`, () => { brotliCompressSync(text, brotliOptions(quality, MiB)) }).run({ time: 500 })
      const ratio = brotliCompressSync(text, brotliOptions(quality, MiB)).length / text.length
      figure(`brotli q${quality}: random bytes`, onRandom.throughput.mean * MiB / MB, 'MB/s')
      figure(`brotli q${quality}: source text (output ${(ratio * 100).toFixed(1)} %)`, onText.throughput.mean * MiB / MB, 'MB/s')
    }
  })

  test('the pad XOR: byte by byte, 32-bit words, 64-bit words (applyPad)', async ({ bench }) => {
    const bytes = new Uint8Array(source.subarray(0, MiB))
    const pad = new Uint8Array(randomBytes(96))
    const padWords32 = new Uint32Array(pad.buffer, pad.byteOffset, 24)
    const byByte = await bench('pad byte by byte', () => {
      for (let at = 0; at < bytes.length; at++) bytes[at]! ^= pad[at % 96]!
    }).run({ time: 1000 })
    const byWord32 = await bench('pad by 32-bit words', () => {
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
      for (let word = 0, padWord = 0; word < words.length; word++) {
        words[word]! ^= padWords32[padWord]!
        padWord = padWord === 23 ? 0 : padWord + 1
      }
    }).run({ time: 1000 })
    const byWord64 = await bench('pad by 64-bit words (applyPad)', () => { applyPad(bytes, pad) }).run({ time: 1000 })
    figure('pad XOR byte by byte (1 MiB)', byByte.throughput.mean * MiB / MB, 'MB/s')
    figure('pad XOR 32-bit words (1 MiB)', byWord32.throughput.mean * MiB / MB, 'MB/s')
    figure('pad XOR 64-bit words, applyPad (1 MiB)', byWord64.throughput.mean * MiB / MB, 'MB/s', { name: 'bytes', value: byByte.throughput.mean, higherIsBetter: true })
  })

  test('a pool of worker threads sealing chunks, against one thread', async () => {
    const workerCount = availableParallelism()
    const single = await best(TOTAL_BYTES, async (sample) => { await encryptAll(MiB, sample) })
    const pooled = await best(TOTAL_BYTES, async () => { await encryptWithWorkers(workerCount) })
    figure('encrypt 256 MiB on one thread', single.megabytesPerSecond, 'MB/s')
    figure(`encrypt 256 MiB, ${workerCount} sealing workers (prototype)`, pooled.megabytesPerSecond, 'MB/s', { name: 'one thread', value: single.megabytesPerSecond, higherIsBetter: true })
  })
})

/**
 * Encrypts 256 MiB in a child process, so its RSS starts fresh: the source is 64 KiB views of one
 * random pool at shifting, non-overlapping offsets (incompressible, and holding nothing itself).
 */
function encryptInFreshProcess(maxChunkBytes: number, collectEachChunk: boolean): { megabytesPerSecond: number; peakGrowthMiB: number } {
  const script = `
    import { randomBytes } from 'node:crypto'
    import { encryptStream } from ${JSON.stringify(new URL('../../src/data/index.ts', import.meta.url).href)}
    const pool = new Uint8Array(randomBytes(${MiB + PIECE_BYTES}))
    function* pieces() {
      for (let offset = 0, piece = 0; offset < ${TOTAL_BYTES}; offset += ${PIECE_BYTES}, piece++) {
        const at = (piece * ${PIECE_BYTES + 1}) % ${MiB}
        yield pool.subarray(at, at + ${PIECE_BYTES})
      }
    }
    const before = process.memoryUsage.rss()
    let peak = before
    const started = performance.now()
    const encryption = encryptStream(pieces(), ${TOTAL_BYTES}, { maxChunkBytes: ${maxChunkBytes} })
    let step = await encryption.next()
    while (step.done !== true) {
      ${collectEachChunk ? 'globalThis.gc()' : ''}
      peak = Math.max(peak, process.memoryUsage.rss())
      step = await encryption.next()
    }
    console.log(JSON.stringify({ milliseconds: performance.now() - started, growthBytes: peak - before }))`
  const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '--eval', script], { encoding: 'utf8' })
  const { milliseconds, growthBytes } = JSON.parse(output) as { milliseconds: number; growthBytes: number }
  return { megabytesPerSecond: TOTAL_BYTES / MB / (milliseconds / 1000), peakGrowthMiB: growthBytes / MiB }
}

/**
 * The worker design measured: the main thread cuts the stream and hashes each plaintext (a chunk's
 * key needs its predecessors' srcHashes, so the hashes are found in order), and transfers the
 * plaintext to a worker, round robin, which seals it and hashes the content. At most two chunks
 * per worker are in flight; output order is the encryptor's (2..n−1, 0, 1).
 */
async function encryptWithWorkers(workerCount: number): Promise<void> {
  const cipherModule = new URL('../../src/data/chunk-cipher.ts', import.meta.url).href
  const workers = Array.from({ length: workerCount }, () => new Worker(`
    const { parentPort } = require('node:worker_threads')
    const { createHash } = require('node:crypto')
    import(${JSON.stringify(cipherModule)}).then(({ deriveChunkSecrets, encryptChunk }) => {
      parentPort.on('message', ({ index, plaintext, previous, beforePrevious, own }) => {
        const content = encryptChunk(plaintext, deriveChunkSecrets(previous, beforePrevious, own))
        const address = new Uint8Array(createHash('sha3-256').update(content).digest())
        parentPort.postMessage({ index, content, address }, [content.buffer])
      })
      parentPort.postMessage('ready')
    })`, { eval: true }))
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))))
  const count = chunkCount(TOTAL_BYTES, MiB)
  const srcHashes: Uint8Array[] = []
  const waiting = new Map<number, (chunk: Chunk) => void>()
  for (const worker of workers) worker.on('message', (sealed: { index: number } & Chunk) => waiting.get(sealed.index)!(sealed))
  let turn = 0
  const seal = (index: number, plaintext: Uint8Array) => {
    const done = new Promise<Chunk>((resolve) => waiting.set(index, resolve))
    workers[turn++ % workerCount]!.postMessage({
      index, plaintext, own: srcHashes[index], previous: srcHashes[(index - 1 + count) % count], beforePrevious: srcHashes[(index - 2 + count) % count],
    }, [plaintext.buffer as ArrayBuffer])
    return done
  }
  const inFlight: Array<Promise<Chunk>> = []
  const held: Uint8Array[] = []
  let index = 0
  for await (const plaintext of cutIntoChunks(pieces(), TOTAL_BYTES, MiB)) {
    srcHashes[index] = sha3_256(plaintext)
    if (index < 2) held.push(plaintext)
    else inFlight.push(seal(index, plaintext))
    index += 1
    while (inFlight.length >= 2 * workerCount) await inFlight.shift()
  }
  inFlight.push(seal(0, held[0]!), seal(1, held[1]!))
  for (const sealing of inFlight) await sealing
  await Promise.all(workers.map((worker) => worker.terminate()))
}
