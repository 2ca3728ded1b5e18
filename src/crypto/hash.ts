/**
 * SHA3-256 on node:crypto (OpenSSL, native): the hash of names, content addresses, churn ids
 * and signing contexts throughout the protocol (DESIGN.md §2).
 */
import { createHash } from 'node:crypto'

/** SHA3-256 of the concatenation of `parts`, without copying them together first. */
export function sha3_256(...parts: ReadonlyArray<Uint8Array>): Uint8Array {
  const hash = createHash('sha3-256')
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}

/**
 * SHA-256 (hardware SHA instructions: 4× SHA3-256 here): only where a signature covers a large
 * payload by its digest (src/wire/authority.ts), never for a name or an address.
 */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

const textEncoder = new TextEncoder()

/** UTF-8 bytes of a domain-separation tag; every signed structure starts with one. */
export function domain(tag: string): Uint8Array {
  return textEncoder.encode(tag)
}

/** Constant-length big-endian encoding of a non-negative safe integer, for signed byte strings. */
export function u64be(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

/** Concatenates byte strings. */
export function concatBytes(...parts: ReadonlyArray<Uint8Array>): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}
