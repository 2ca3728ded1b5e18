import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyDecisionToView,
  canonicalProposals,
  checkJoin,
  churnId,
  decisionBytes,
  decodeChange,
  DEFAULT_PARAMETERS as P,
  elderCandidates,
  encodeChange,
  joinAge,
  mayLeave,
  type Member,
  type MembershipChange,
  needsNewElders,
  relocations,
  SectionMembers,
  splitFor,
} from '../../src/consensus/index.ts'
import { NodeKeypair, SecretKeySet, threshold } from '../../src/crypto/index.ts'
import { SectionAuthorityProvider, SignedSap } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { Prefix, XorName } from '../../src/xor/index.ts'
import { xorName } from '../support/arbitraries.ts'

let counter = 0
/** A member whose name starts with the given bits. */
function member(bits: string, age = 5): Member {
  const name = XorName.fromContent(Buffer.from(`member-${counter++}`))
  let prefixed = name
  for (let i = 0; i < bits.length; i++) prefixed = prefixed.withBit(i, bits[i] === '1' ? 1 : 0)
  return { name: prefixed, publicKey: new Uint8Array(32), addr: `/ip4/127.0.0.1/tcp/${10_000 + counter}`, age }
}

function section(prefix: string, zeros: number, ones: number, age = 5): SectionMembers {
  const members = [
    ...Array.from({ length: zeros }, () => member(`${prefix}0`, age)),
    ...Array.from({ length: ones }, () => member(`${prefix}1`, age)),
  ]
  return new SectionMembers(Prefix.parse(prefix), members, 1)
}

describe('membership changes as proposals', () => {
  const change: fc.Arbitrary<MembershipChange> = fc.oneof(
    fc.record({ name: xorName, addr: fc.string({ maxLength: 40 }), age: fc.integer({ min: 0, max: 255 }), previous: fc.option(xorName, { nil: undefined }) })
      .map(({ name, addr, age, previous }): MembershipChange => ({ kind: 'Joined', member: { name, publicKey: name.bytes, addr, age }, ...(previous === undefined ? {} : { previousName: previous }) })),
    xorName.map((name): MembershipChange => ({ kind: 'Left', name })),
    fc.tuple(xorName, xorName, fc.integer({ min: 0, max: 255 })).map(([name, destination, age]): MembershipChange => ({ kind: 'Relocated', name, destination, age })),
  )

  it('round-trip, and the same change always has the same bytes', () => {
    fc.assert(fc.property(change, (c) => {
      const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
      const bytes = encodeChange(c)
      expect(hex(encodeChange(decodeChange(bytes)!))).toBe(hex(bytes))
      expect(hex(encodeChange(c))).toBe(hex(bytes))
    }))
  })

  it('anything else is not a change', () => {
    expect(decodeChange(new TextEncoder().encode('change:g0:join'))).toBeUndefined()
    expect(decodeChange(new Uint8Array())).toBeUndefined()
  })
})

describe('joining (DESIGN.md §6)', () => {
  it('refuses names outside the prefix, members, used addresses and recently left names', () => {
    const s = section('0', 3, 3)
    const existing = s.members()[0]!
    expect(checkJoin(s, { name: member('1').name, addr: 'x', relocated: false }, P)).toEqual({ kind: 'Rejected', reason: 'outside-prefix' })
    expect(checkJoin(s, { name: existing.name, addr: 'x', relocated: false }, P)).toEqual({ kind: 'Rejected', reason: 'already-member' })
    expect(checkJoin(s, { name: member('01').name, addr: existing.addr, relocated: false }, P)).toEqual({ kind: 'Rejected', reason: 'address-in-use' })
    const after = s.apply([{ kind: 'Left', name: existing.name }], 2)
    expect(checkJoin(after, { name: existing.name, addr: 'y', relocated: false }, P)).toEqual({ kind: 'Rejected', reason: 'left-recently' })
  })

  it('balances halves: a name in the fuller half is sent to the emptier one', () => {
    const s = section('', 5, 3)
    expect(checkJoin(s, { name: member('0').name, addr: 'a', relocated: false }, P)).toEqual({ kind: 'JoinElsewhere', prefix: Prefix.parse('1') })
    expect(checkJoin(s, { name: member('1').name, addr: 'b', relocated: false }, P)).toEqual({ kind: 'Approve' })
    // A relocated node is not redirected: relocation chose where it grows old.
    expect(checkJoin(s, { name: member('0').name, addr: 'c', relocated: true }, P)).toEqual({ kind: 'Approve' })
  })

  it('refuses a join into a full half with TryJoinLater', () => {
    const s = section('1', 28, 28)
    expect(checkJoin(s, { name: member('10').name, addr: 'z', relocated: true }, P)).toEqual({ kind: 'TryJoinLater' })
  })

  it('ages: 6 + (hash mod 94) in the genesis section, minAdultAge after the first split', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 96, maxLength: 96 }), (signature) => {
      const age = joinAge(section('', 1, 1), signature, P)
      expect(age).toBeGreaterThanOrEqual(6)
      expect(age).toBeLessThanOrEqual(99)
    }))
    expect(joinAge(section('01', 1, 1), new Uint8Array(96), P)).toBe(P.minAdultAge)
  })
})

describe('relocation (DESIGN.md §6)', () => {
  // A signature whose churn id has many trailing zeros makes every young adult a candidate.
  const signatureWithZeros = (() => {
    for (let i = 0; ; i++) {
      const candidate = new Uint8Array(96)
      new DataView(candidate.buffer).setUint32(0, i)
      if (churnId(candidate).trailingZeros() >= 5) return candidate
    }
  })()

  it('relocates at most min(size − 14, 3) adults with age ≤ trailingZeros(churnId), closest to SHA3(churnId) first', () => {
    const s = section('0', 9, 9)
    const elders = s.members().slice(0, 7).map((m) => m.name)
    const moved = relocations(s, elders, signatureWithZeros, P)
    expect(moved).toHaveLength(Math.min(18 - 14, 3))
    const churn = churnId(signatureWithZeros)
    for (const { name, destination } of moved) {
      expect(elders.some((e) => e.equals(name))).toBe(false)
      expect(destination.equals(XorName.fromContent(name.bytes, churn.bytes))).toBe(true)
    }
    const target = XorName.fromContent(churn.bytes)
    const adults = s.members().filter((m) => !elders.some((e) => e.equals(m.name)))
    const closest = adults.sort((a, b) => target.compareDistance(a.name, b.name)).slice(0, 3).map((m) => m.name.toHex())
    expect(moved.map((m) => m.name.toHex())).toEqual(closest)
  })

  it('relocates nobody older than the churn id allows, in the genesis section, or with fewer than 7 elders', () => {
    const old = section('0', 9, 9, 200)
    const elders = old.members().slice(0, 7).map((m) => m.name)
    expect(relocations(old, elders, signatureWithZeros, P)).toEqual([])
    const genesis = section('', 9, 9)
    expect(relocations(genesis, genesis.members().slice(0, 7).map((m) => m.name), signatureWithZeros, P)).toEqual([])
    const young = section('0', 9, 9)
    expect(relocations(young, young.members().slice(0, 6).map((m) => m.name), signatureWithZeros, P)).toEqual([])
  })
})

describe('elders (DESIGN.md §7)', () => {
  it('are the 7 oldest; ties prefer current elders', () => {
    const members = [...Array.from({ length: 5 }, () => member('', 20)), ...Array.from({ length: 6 }, () => member('', 10))]
    const s = new SectionMembers(Prefix.EMPTY, members, 1)
    const tied = members.slice(5)
    const current = [tied[4]!.name, tied[5]!.name]
    const elected = elderCandidates(s, current, new Uint8Array(48), P)
    expect(elected).toHaveLength(7)
    expect(elected.slice(0, 5).every((m) => m.age === 20)).toBe(true)
    expect(elected.slice(5).map((m) => m.name.toHex()).sort()).toEqual(current.map((c) => c.toHex()).sort())
  })

  it('change when an elder is gone, or an older member appears', () => {
    const s = section('', 5, 5)
    const elders = elderCandidates(s, [], new Uint8Array(48), P).map((m) => m.name)
    expect(needsNewElders(s, elders, P)).toBe(false)
    expect(needsNewElders(s.apply([{ kind: 'Left', name: elders[0]! }], 2), elders, P)).toBe(true)
    expect(needsNewElders(s.apply([{ kind: 'Joined', member: member('', 50) }], 2), elders, P)).toBe(true)
  })
})

describe('split (DESIGN.md §8)', () => {
  it('happens when both halves have 14 members, not before', () => {
    expect(splitFor(section('1', 13, 20), P)).toBeUndefined()
    const split = splitFor(section('1', 14, 14), P)!
    expect(split.zero.prefix.toBits()).toBe('10')
    expect(split.one.prefix.toBits()).toBe('11')
    expect(split.zero.size + split.one.size).toBe(28)
  })
})

describe('voting elders off (mayLeave)', () => {
  // Found with a partition (120 nodes, seed 3, --partition --churn 0.2 --drop 0.1 --byzantine 2):
  // once it healed, both sides' proposals to vote off the members they had not heard from were
  // decided together, 4 of 7 elders among them; the SAP could never sign its successor again.
  it('a decision leaves the SAP at least threshold + 1 elders that are members, at every member alike; adults go freely', () => {
    const random = new SeededRandom(5)
    const nodes = Array.from({ length: 10 }, () => NodeKeypair.fromSeed(random.bytes(32)))
    const members = nodes.map((k, i) => ({ name: k.name, publicKey: k.publicKey.bytes, addr: `n${i}`, age: 50 - i }))
    const keys = SecretKeySet.random(threshold(7), random.byteSource())
    const sapValue = new SectionAuthorityProvider({ prefix: Prefix.EMPTY, publicKeySet: keys.publicKeys(), elders: members.slice(0, 7).map((m) => ({ name: m.name, addr: m.addr })), members: [], generation: 1 })
    const sap = new SignedSap(sapValue, keys.secretKey().sign(sapValue.signingBytes()))
    const view = { sap, members: new SectionMembers(Prefix.EMPTY, members, 0), nextGeneration: 1 }
    expect(keys.publicKeys().threshold + 1).toBe(5)
    // Alone, each elder may go; an adult always may.
    for (const m of members) expect(mayLeave(view.members, sap, m.name)).toBe(true)
    const lefts = [0, 1, 2, 3, 8].map((i) => encodeChange({ kind: 'Left', name: members[i]!.name }))
    const proposals = canonicalProposals(lefts)
    const decision = { generation: 1, round: 0, proposals, supermajority: [], signature: keys.secretKey().sign(decisionBytes(keys.publicKeys().publicKey().toBytes(), 1, proposals)).toBytes() }
    const applied = applyDecisionToView(view, decision, members[9]!.name, P)!
    const left = applied.changes.filter((c) => c.kind === 'Left').map((c) => (c as { name: XorName }).name.toHex())
    // Two of the four elders go (in the decision's order), the adult goes; 5 elders stay members.
    expect(left).toHaveLength(3)
    expect(left).toContain(members[8]!.name.toHex())
    expect(members.slice(0, 7).filter((m) => applied.view.members.has(m.name))).toHaveLength(5)
    expect(applied.leaving).toHaveLength(3)
    // And now no further elder may go until a handover replaces them.
    for (const m of members.slice(0, 7).filter((x) => applied.view.members.has(x.name))) expect(mayLeave(applied.view.members, sap, m.name)).toBe(false)
  })
})
