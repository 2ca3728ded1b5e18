/**
 * The register CRDT (issue 19), as properties: replicas that saw the same operations in any order
 * hold the same register; a write by someone not in the policy is refused by every replica; a
 * forged parent keeps an entry out for good; a tampered entry is refused; concurrent writes branch
 * and a write naming every head merges them.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { createOp, MAX_VALUE_BYTES, Register, RegisterOpRefused, type RegisterOp, writeOp } from '../../src/register/register.ts'

const owner = NodeKeypair.fromSeed(new Uint8Array(32).fill(1))
const writer = NodeKeypair.fromSeed(new Uint8Array(32).fill(2))
const stranger = NodeKeypair.fromSeed(new Uint8Array(32).fill(3))
const create = createOp(owner, 'site', [writer.publicKey.bytes])
const text = (s: string) => new TextEncoder().encode(s)

/** Reads a register's state as comparable text: heads, history, values. */
function picture(r: Register): string {
  return JSON.stringify({ heads: r.heads().map(toHex), log: r.log().map((n) => [toHex(n.hash), Buffer.from(n.entry.value).toString()]), pending: r.pending })
}

function refusal(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    if (error instanceof RegisterOpRefused) return error.reason
    throw error
  }
}

/**
 * A random history: each step a writer (owner or writer) writes on a random replica whose view is
 * a random subset of the operations so far, naming that view's heads as parents.
 */
const history = fc.array(fc.record({ author: fc.boolean(), view: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.string({ maxLength: 8 }) }), { minLength: 1, maxLength: 14 })

function build(steps: ReadonlyArray<{ author: boolean; view: number; value: string }>): RegisterOp[] {
  const ops: RegisterOp[] = [create]
  for (const step of steps) {
    // The writer's replica saw a prefix of the operations (always including the create).
    const seen = Register.fromCreate(create)
    for (const op of ops.slice(1, 1 + Math.floor(step.view * ops.length))) seen.apply(op)
    ops.push(writeOp(step.author ? owner : writer, create.address, text(step.value), seen.heads()))
  }
  return ops
}

describe('Register', () => {
  it('replicas that saw the same operations in any order converge', () => {
    fc.assert(fc.property(history, fc.array(fc.nat(), { minLength: 2, maxLength: 2 }), (steps, seeds) => {
      const ops = build(steps)
      const replicas = seeds.map((seed) => {
        const shuffled = [...ops].sort((a, b) => (hashOrder(a, seed) - hashOrder(b, seed)))
        const r = new Register(create.address)
        for (const op of shuffled) r.apply(op)
        return r
      })
      const inOrder = new Register(create.address)
      for (const op of ops) inOrder.apply(op)
      expect(picture(replicas[0]!)).toBe(picture(inOrder))
      expect(picture(replicas[1]!)).toBe(picture(inOrder))
      // Equal writes (same author, value and parents) are one entry.
      expect(inOrder.size).toBe(new Set(ops.slice(1).map((op) => (op.kind === 'write' ? toHex(op.entry.signature) : ''))).size)
      expect(inOrder.pending).toBe(0)
      // Replaying what a replica holds into a fresh one gives the same register.
      const copy = new Register(create.address)
      for (const op of inOrder.ops()) copy.apply(op)
      expect(picture(copy)).toBe(picture(inOrder))
    }), { numRuns: 60 })
  })

  it('refuses a write by someone not in the policy, on every replica, in any order', () => {
    fc.assert(fc.property(history, fc.nat(), (steps, seed) => {
      const ops = build(steps)
      const intruder = writeOp(stranger, create.address, text('mine'), Register.fromCreate(create).heads())
      const r = Register.fromCreate(create)
      expect(refusal(() => r.apply(intruder))).toBe('NotWriter')
      // Arriving before the create it is held, then dropped when it could apply: never applied.
      const early = new Register(create.address)
      for (const op of [intruder, ...[...ops].sort((a, b) => hashOrder(a, seed) - hashOrder(b, seed))]) early.apply(op)
      expect(early.log().some((n) => toHex(n.entry.author) === toHex(stranger.publicKey.bytes))).toBe(false)
      expect(early.heldRefused).toBe(1)
    }), { numRuns: 30 })
  })

  it('keeps out an entry whose parent does not exist, and a holder refuses it from a client', () => {
    const r = Register.fromCreate(create)
    r.apply(writeOp(owner, create.address, text('v1'), []))
    const forged = writeOp(writer, create.address, text('v2'), [new Uint8Array(32).fill(9)])
    expect(r.apply(forged)).toBe('pending')
    expect(r.read().map((n) => Buffer.from(n.entry.value).toString())).toEqual(['v1'])
    expect(r.ops()).toHaveLength(2)
    expect(refusal(() => r.accept(forged))).toBe('UnknownParent')
  })

  it('refuses a tampered value, a signature by another key, another register, an oversized value', () => {
    const r = Register.fromCreate(create)
    const op = writeOp(writer, create.address, text('v1'), [])
    expect(refusal(() => r.apply({ ...op, entry: { ...op.entry, value: text('v2') } }))).toBe('BadSignature')
    expect(refusal(() => r.apply({ ...op, entry: { ...op.entry, author: owner.publicKey.bytes } }))).toBe('BadSignature')
    expect(refusal(() => r.apply(writeOp(writer, { owner: owner.publicKey.bytes, name: 'other' }, text('x'), [])))).toBe('WrongRegister')
    expect(refusal(() => r.apply(writeOp(writer, create.address, new Uint8Array(MAX_VALUE_BYTES + 1), [])))).toBe('TooLarge')
    expect(refusal(() => r.apply(createOp(owner, 'site', [])))).toBe('AlreadyCreated')
    expect(refusal(() => new Register(create.address).apply({ ...create, signature: writer.sign(new Uint8Array(1)) }))).toBe('BadSignature')
    expect(r.size).toBe(0)
  })

  it('keeps concurrent writes as branches until a write names every head', () => {
    const r = Register.fromCreate(create)
    const base = writeOp(owner, create.address, text('v1'), [])
    r.apply(base)
    const heads = r.heads()
    r.apply(writeOp(owner, create.address, text('a'), heads))
    r.apply(writeOp(writer, create.address, text('b'), heads))
    expect(r.read().map((n) => Buffer.from(n.entry.value).toString()).sort()).toEqual(['a', 'b'])
    r.apply(writeOp(writer, create.address, text('merged'), r.heads()))
    expect(r.read().map((n) => Buffer.from(n.entry.value).toString())).toEqual(['merged'])
    expect(r.log().map((n) => Buffer.from(n.entry.value).toString())).toHaveLength(4)
    expect(Buffer.from(r.log()[0]!.entry.value).toString()).toBe('v1')
  })
})

/** A deterministic shuffle key for an operation under `seed`. */
function hashOrder(op: RegisterOp, seed: number): number {
  const bytes = op.kind === 'create' ? op.signature : op.entry.signature
  return (bytes[0]! * 65_536 + bytes[1]! * 256 + bytes[2]!) ^ (seed * 2_654_435_761) >>> 0
}
