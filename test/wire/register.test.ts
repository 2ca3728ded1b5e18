/**
 * Register operations on the wire: every operation a register makes encodes and decodes to the
 * same operation, which the register then applies; what breaks a bound is a typed decode error.
 */
import fc from 'fast-check'
import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { createOp, MAX_PARENTS, MAX_VALUE_BYTES, Register, type RegisterOp, writeOp } from '../../src/register/register.ts'
import { decodeValue, encodeOwn, encodeValue, MAX_OPS_PER_MESSAGE, RegisterOpsWire, RegisterOpWire } from '../../src/wire/index.ts'

const owner = NodeKeypair.fromSeed(new Uint8Array(32).fill(7))
const writer = NodeKeypair.fromSeed(new Uint8Array(32).fill(8))

describe('register operations on the wire', () => {
  it('round-trip: a register rebuilt from the decoded operations is the same register', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 12 }), (name, values) => {
      const create = createOp(owner, name, [writer.publicKey.bytes])
      const original = Register.fromCreate(create)
      values.forEach((value, i) => original.apply(writeOp(i % 2 === 0 ? owner : writer, create.address, value, original.heads())))
      const bytes = encodeOwn(RegisterOpsWire, original.ops())
      const decoded = decodeValue(RegisterOpsWire, bytes)
      expect(Result.isSuccess(decoded)).toBe(true)
      const copy = new Register(create.address)
      for (const op of (decoded as Result.Success<RegisterOp[], never>).success) copy.apply(op)
      expect(copy.heads().map(toHex)).toEqual(original.heads().map(toHex))
      expect(copy.size).toBe(original.size)
    }), { numRuns: 40 })
  })

  it('refuses an oversized value, too many parents, too many operations: a decode error, nothing thrown', () => {
    const create = createOp(owner, 'x')
    const big = { kind: 'write' as const, address: create.address, entry: { value: new Uint8Array(MAX_VALUE_BYTES + 1), parents: [], author: owner.publicKey.bytes, signature: new Uint8Array(64) } }
    expect(Result.isFailure(encodeValue(RegisterOpWire, big))).toBe(true)
    const many = { ...big, entry: { ...big.entry, value: new Uint8Array(1), parents: Array.from({ length: MAX_PARENTS + 1 }, (_, i) => new Uint8Array(32).fill(i)) } }
    expect(Result.isFailure(encodeValue(RegisterOpWire, many))).toBe(true)
    // Bytes cut short: a typed failure, nothing thrown.
    const ok = encodeOwn(RegisterOpsWire, [create])
    expect(Result.isSuccess(decodeValue(RegisterOpsWire, ok))).toBe(true)
    expect(Result.isFailure(decodeValue(RegisterOpsWire, ok.subarray(0, ok.length - 3)))).toBe(true)
    expect(Result.isFailure(encodeValue(RegisterOpsWire, Array.from({ length: MAX_OPS_PER_MESSAGE + 1 }, () => create)))).toBe(true)
  })
})
