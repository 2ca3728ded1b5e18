/**
 * Helpers of the self-encryption tests: an in-memory chunk store whose fetch records what it was
 * asked for, and deterministic inputs.
 */
import { randomBytes } from 'node:crypto'
import { toHex } from '../../src/crypto/hash.ts'
import type { Chunk } from '../../src/data/index.ts'

/** A store of chunks by hex address; `fetched` lists every address asked for, in order. */
export function memoryStore(chunks: ReadonlyArray<Chunk>) {
  const contents = new Map(chunks.map((chunk) => [toHex(chunk.address), chunk.content]))
  const fetched: string[] = []
  const fetch = (address: Uint8Array): Promise<Uint8Array> => {
    const hex = toHex(address)
    fetched.push(hex)
    const content = contents.get(hex)
    return content === undefined ? Promise.reject(new Error('not found')) : Promise.resolve(content)
  }
  return { contents, fetched, fetch }
}

/** `size` random bytes (incompressible). */
export function randomInput(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size))
}

/** `size` bytes of repeated English-like text (compresses well). */
export function textInput(size: number): Uint8Array {
  const words = ['section ', 'elder ', 'chunk ', 'address ', 'network ', 'data map ', 'vault ', 'key ']
  const bytes = new Uint8Array(size)
  let text = ''
  for (let word = 0; text.length < size; word++) text += words[(word * 7 + (word >> 3)) % words.length]!
  bytes.set(new TextEncoder().encode(text.slice(0, size)))
  return bytes
}

/** Runs an encryption to the end, returning its chunks (root last) and its result. */
export async function drain<T>(generator: AsyncGenerator<Chunk, T, undefined>): Promise<{ chunks: Chunk[]; result: T }> {
  const chunks: Chunk[] = []
  let step = await generator.next()
  while (step.done !== true) {
    chunks.push(step.value)
    step = await generator.next()
  }
  return { chunks, result: step.value }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
