import { describe, expect, it } from 'vitest'
import { createActor } from 'xstate'
import { antiEntropyMachine } from '../../machines/anti-entropy.machine.ts'
import { elderMachine } from '../../machines/elder.machine.ts'
import { memberMachine } from '../../machines/member.machine.ts'
import { sectionMachine } from '../../machines/section.machine.ts'
import { canonicalProposals, decisionBytes, DEFAULT_PARAMETERS, encodeChange, type Member, SectionMembers } from '../../src/consensus/index.ts'
import { NodeKeypair, SecretKeySet, toHex } from '../../src/crypto/index.ts'
import { SectionAuthorityProvider, SignedSap } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'
import { Prefix } from '../../src/xor/index.ts'

/** The section's signature over a decided set (round-free: every elder signs it alike). */
const signedBy = (keys: SecretKeySet, generation: number, proposals: ReadonlyArray<Uint8Array>): Uint8Array =>
  keys.secretKey().sign(decisionBytes(keys.publicKeys().publicKey().toBytes(), generation, proposals)).toBytes()

describe('member machine', () => {
  function member() {
    const clock = new Scheduler()
    const sends: number[] = []
    const actor = createActor(memberMachine, { input: { joinRetryMs: 5_000, backoffAfterRounds: 4, joinRetryMaxMs: 30_000, tryJoinLaterMs: 20_000, resumeAfterAttempts: 3 }, clock })
    actor.on('sendJoin', () => sends.push(clock.now))
    actor.start()
    return { clock, sends, actor }
  }

  it('asks for a join request at once and every retry interval until approved', () => {
    const { clock, sends, actor } = member()
    actor.send({ type: 'JOIN' })
    clock.run({ maxTimeMs: 12_000 })
    expect(sends).toEqual([0, 5_000, 10_000])
    actor.send({ type: 'APPROVED' })
    clock.run({ maxTimeMs: 60_000 })
    expect(sends).toHaveLength(3)
    expect(actor.getSnapshot().value).toBe('adult')
    expect(actor.getSnapshot().context).toMatchObject({ attempts: 0, joins: 1 })
  })

  it('waits longer after TryJoinLater, and resends at once on RESEND', () => {
    const { clock, sends, actor } = member()
    actor.send({ type: 'JOIN' })
    actor.send({ type: 'TRY_LATER' })
    clock.run({ maxTimeMs: 19_000 })
    expect(sends).toEqual([0])
    clock.run({ maxTimeMs: 21_000 })
    expect(sends).toEqual([0, 20_000])
    actor.send({ type: 'RESEND' })
    expect(sends).toEqual([0, 20_000, 21_000])
  })

  it('goes adult ⇄ elder, relocates with a fresh request loop, and a vote-off makes it join again', () => {
    const { sends, actor } = member()
    actor.send({ type: 'JOIN' })
    actor.send({ type: 'APPROVED' })
    actor.send({ type: 'PROMOTED' })
    expect(actor.getSnapshot().value).toBe('elder')
    // Elders are not relocated (the section never proposes it): the event is ignored.
    actor.send({ type: 'RELOCATE' })
    expect(actor.getSnapshot().value).toBe('elder')
    actor.send({ type: 'DEMOTED' })
    actor.send({ type: 'RELOCATE' })
    expect(actor.getSnapshot().value).toEqual({ relocating: 'requesting' })
    expect(sends).toHaveLength(2)
    actor.send({ type: 'APPROVED' })
    expect(actor.getSnapshot().context).toMatchObject({ joins: 1, relocations: 1 })
    actor.send({ type: 'VOTED_OFF' })
    expect(actor.getSnapshot().value).toEqual({ joining: 'requesting' })
    actor.send({ type: 'STOP' })
    expect(actor.getSnapshot().status).toBe('done')
  })
})

describe('anti-entropy machine', () => {
  it('probes on its interval (neighbours every third tick) and re-asks for decisions until caught up, bounded', () => {
    const clock = new Scheduler()
    const probes: boolean[] = []
    const requests: number[] = []
    const actor = createActor(antiEntropyMachine, {
      input: { firstProbeMs: 1_000, probeIntervalMs: 10_000, neighbourEvery: 3, retryMs: 2_000, maxRequests: 3 },
      clock,
    })
    actor.on('probe', ({ neighbours }) => probes.push(neighbours))
    actor.on('requestDecisions', () => requests.push(clock.now))
    actor.start()
    clock.run({ maxTimeMs: 31_500 })
    expect(probes).toEqual([false, false, true, false])
    actor.send({ type: 'BEHIND' })
    actor.send({ type: 'BEHIND' })
    clock.run({ maxTimeMs: 40_000 })
    // Three requests two seconds apart, then it gives up until told it is behind again.
    expect(requests).toEqual([31_500, 33_500, 35_500])
    actor.send({ type: 'BEHIND' })
    actor.send({ type: 'CAUGHT_UP' })
    clock.run({ maxTimeMs: 50_000 })
    expect(requests).toEqual([31_500, 33_500, 35_500, 40_000])
    actor.send({ type: 'STOP' })
    clock.run({ maxTimeMs: 100_000 })
    expect(probes).toHaveLength(5)
  })
})

describe('elder machine', () => {
  it('announces the DKG start until the new SAPs are signed, restarts on a new target, and watches members', () => {
    const clock = new Scheduler()
    const log: string[] = []
    const actor = createActor(elderMachine, { input: { dkgStartResendMs: 5_000, watchIntervalMs: 10_000 }, clock })
    actor.on('announceDkg', ({ target, round }) => log.push(`announce ${target}#${round} @${clock.now}`))
    actor.on('proposeChange', ({ target }) => log.push(`propose ${target} @${clock.now}`))
    actor.on('checkSilence', () => log.push(`watch @${clock.now}`))
    actor.start()
    actor.send({ type: 'CHANGE_DUE', target: 'a', mode: 'elect' })
    actor.send({ type: 'CHANGE_DUE', target: 'a', mode: 'elect' })
    clock.run({ maxTimeMs: 10_000 })
    actor.send({ type: 'CHANGE_DUE', target: 'b', mode: 'split' })
    // A split runs two sessions: the change is proposed once both new SAPs are signed.
    actor.send({ type: 'SAP_SHARE', session: 1 })
    actor.send({ type: 'SAP_SIGNED', session: 1 })
    expect(log.filter((l) => l.startsWith('propose'))).toEqual([])
    actor.send({ type: 'SAP_SIGNED', session: 0 })
    clock.run({ maxTimeMs: 20_000 })
    expect(log).toEqual([
      'announce a#0 @0', 'announce a#1 @5000', 'watch @10000', 'announce a#2 @10000', 'announce b#0 @10000', 'propose b @10000', 'watch @20000',
    ])
    actor.send({ type: 'CHANGE_DUE', target: '', mode: 'elect' })
    expect(actor.getSnapshot().value).toEqual({ serving: { change: 'steady', watch: 'waiting', due: {} } })
    actor.send({ type: 'RETIRE' })
    expect(actor.getSnapshot().status).toBe('done')
  })
})

describe('section machine', () => {
  const random = new SeededRandom(9)
  const keys = SecretKeySet.random(0, random.byteSource())
  const nodes = Array.from({ length: 8 }, () => NodeKeypair.fromSeed(random.bytes(32)))
  const member = (k: NodeKeypair, age: number): Member => ({ name: k.name, publicKey: k.publicKey.bytes, addr: k.name.toHex().slice(0, 4), age })
  const elders = nodes.slice(0, 1)
  const sapValue = new SectionAuthorityProvider({
    prefix: Prefix.EMPTY, publicKeySet: keys.publicKeys(), elders: elders.map((k) => ({ name: k.name, addr: k.name.toHex().slice(0, 4) })), members: [], generation: 0,
  })
  const sap = new SignedSap(sapValue, keys.secretKey().sign(sapValue.signingBytes()))
  const decide = (generation: number, proposals: Uint8Array[]) => ({ generation, round: 0, proposals, supermajority: [], signature: signedBy(keys, generation, proposals) })

  it('applies decided generations in order only, gives fresh joiners an age, and says when elders must change', () => {
    const actor = createActor(sectionMachine, { input: { params: DEFAULT_PARAMETERS } })
    actor.start()
    actor.send({ type: 'START', view: { sap, members: new SectionMembers(Prefix.EMPTY, [member(nodes[0]!, 255)], -1), nextGeneration: 0 } })
    expect(actor.getSnapshot().value).toEqual({ member: 'steady' })
    // A joiner in the other half from the founder (one in its half is sent there: see the next test).
    const joiner = nodes.find((k) => Prefix.EMPTY.childBit(k.name) !== Prefix.EMPTY.childBit(nodes[0]!.name))!
    const join = encodeChange({ kind: 'Joined', member: member(joiner, 0) })
    // Generation 1 before 0: ignored.
    actor.send({ type: 'APPLY', decision: decide(1, [join]), self: nodes[0]!.name })
    expect(actor.getSnapshot().context.view!.nextGeneration).toBe(0)
    actor.send({ type: 'APPLY', decision: decide(0, [join]), self: nodes[0]!.name })
    const { view, last } = actor.getSnapshot().context
    expect(view!.nextGeneration).toBe(1)
    expect(view!.members.size).toBe(2)
    // A genesis-section joiner's age comes from the decision: 6 + (hash mod 94).
    const age = view!.members.get(joiner.name)!.age
    expect(age).toBeGreaterThanOrEqual(6)
    expect(age).toBeLessThan(100)
    expect(last!.changes).toHaveLength(1)
    // One elder while two members could serve: an election is due.
    expect(actor.getSnapshot().value).toEqual({ member: 'electing' })
    actor.send({ type: 'LEAVE' })
    expect(actor.getSnapshot().value).toBe('outside')
    expect(actor.getSnapshot().context.view).toBeUndefined()
  })
})

describe('section machine: a decided batch of joins', () => {
  const random = new SeededRandom(10)
  const keys = SecretKeySet.random(0, random.byteSource())
  const nodes = Array.from({ length: 40 }, () => NodeKeypair.fromSeed(random.bytes(32)))
  const member = (k: NodeKeypair, addr = k.name.toHex().slice(0, 4)): Member => ({ name: k.name, publicKey: k.publicKey.bytes, addr, age: 0 })
  const half = (bit: number) => nodes.filter((k) => Prefix.EMPTY.childBit(k.name) === bit)
  const sapValue = new SectionAuthorityProvider({
    prefix: Prefix.EMPTY, publicKeySet: keys.publicKeys(), elders: [{ name: half(0)[0]!.name, addr: 'e' }], members: [], generation: 0,
  })
  const sap = new SignedSap(sapValue, keys.secretKey().sign(sapValue.signingBytes()))
  const decide = (proposals: Uint8Array[]) => ({ generation: 0, round: 0, proposals: canonicalProposals(proposals), supermajority: [], signature: signedBy(keys, 0, canonicalProposals(proposals)) })
  const apply = (members: Member[], joins: Member[]) => {
    const actor = createActor(sectionMachine, { input: { params: DEFAULT_PARAMETERS } })
    actor.start()
    actor.send({ type: 'START', view: { sap, members: new SectionMembers(Prefix.EMPTY, members.map((m) => ({ ...m, age: 50 })), -1), nextGeneration: 0 } })
    actor.send({ type: 'APPLY', decision: decide(joins.map((m) => encodeChange({ kind: 'Joined', member: m }))), self: half(0)[0]!.name })
    return actor.getSnapshot().context
  }

  it('joins one by one: a batch that elders approved each alone cannot tip a half (13/13 + three in half 0 → 14/13)', () => {
    const { view, last } = apply([...half(0).slice(0, 13), ...half(1).slice(0, 13)].map((k) => member(k)), half(0).slice(13, 16).map((k) => member(k)))
    const halves = view!.members.halves()
    expect([halves[0].length, halves[1].length]).toEqual([14, 13])
    expect(last!.changes.filter((c) => c.kind === 'Joined')).toHaveLength(1)
    // A batch that keeps the halves even is made whole.
    const even = apply([...half(0).slice(0, 13), ...half(1).slice(0, 13)].map((k) => member(k)), [half(0)[13]!, half(1)[13]!].map((k) => member(k)))
    expect(even.view!.members.size).toBe(28)
  })

  it('makes a join alike at a member that saw the name leave and one approved since (its recently-left list is empty)', () => {
    const base = [...half(0).slice(0, 3), ...half(1).slice(0, 3)].map((k) => ({ ...member(k), age: 50 }))
    const returning = half(1)[3]!
    const saw = new SectionMembers(Prefix.EMPTY, [...base, { ...member(returning), age: 50 }], -1).apply([{ kind: 'Left', name: returning.name }], -1)
    expect(saw.leftRecently(returning.name)).toBe(true)
    const approvedSince = new SectionMembers(Prefix.EMPTY, base, -1)
    const sizes = [saw, approvedSince].map((members) => {
      const actor = createActor(sectionMachine, { input: { params: DEFAULT_PARAMETERS } })
      actor.start()
      actor.send({ type: 'START', view: { sap, members, nextGeneration: 0 } })
      actor.send({ type: 'APPLY', decision: decide([encodeChange({ kind: 'Joined', member: member(returning) })]), self: half(0)[0]!.name })
      return actor.getSnapshot().context.view!.members.size
    })
    expect(sizes).toEqual([7, 7])
  })

  it('gives a joiner one age at every member, whichever round its generation was decided in (the section signs no round)', () => {
    const joiner = half(1)[0]!
    const ages = [0, 1].map((round) => {
      const actor = createActor(sectionMachine, { input: { params: DEFAULT_PARAMETERS } })
      actor.start()
      actor.send({ type: 'START', view: { sap, members: new SectionMembers(Prefix.EMPTY, [{ ...member(half(0)[0]!), age: 50 }], -1), nextGeneration: 0 } })
      // What elders that locked in different rounds combine: the same bytes, so the same signature.
      const decision = { ...decide([encodeChange({ kind: 'Joined', member: member(joiner) })]), round }
      actor.send({ type: 'APPLY', decision, self: half(0)[0]!.name })
      return [actor.getSnapshot().context.view!.members.get(joiner.name)!.age, toHex(decision.signature)] as const
    })
    expect(ages[0]).toEqual(ages[1])
    // Another signature (another key's) gives another age: the age is drawn from the signature.
    const drawn = new Set(Array.from({ length: 6 }, (_, i) => {
      const key = SecretKeySet.random(0, new SeededRandom(100 + i).byteSource())
      const actor = createActor(sectionMachine, { input: { params: DEFAULT_PARAMETERS } })
      actor.start()
      actor.send({ type: 'START', view: { sap, members: new SectionMembers(Prefix.EMPTY, [{ ...member(half(0)[0]!), age: 50 }], -1), nextGeneration: 0 } })
      const decision = { ...decide([encodeChange({ kind: 'Joined', member: member(joiner) })]), signature: signedBy(key, 0, [encodeChange({ kind: 'Joined', member: member(joiner) })]) }
      actor.send({ type: 'APPLY', decision, self: half(0)[0]!.name })
      return actor.getSnapshot().context.view!.members.get(joiner.name)!.age
    }))
    expect(drawn.size).toBeGreaterThan(1)
  })

  it('takes a join decided again for a member as that decision says (views that came apart come back together)', () => {
    const [a] = half(1)
    const { view } = apply([member(half(0)[0]!), { ...member(a!), age: 50 }], [member(a!)])
    const age = view!.members.get(a!.name)!.age
    expect(age).not.toBe(50)
    expect(age).toBeGreaterThanOrEqual(6)
  })

  it('makes one of two joins from one address (a renamed joiner and its old name), never both', () => {
    const [a, b] = half(1)
    const { view } = apply([member(half(0)[0]!)], [member(a!, 'same'), member(b!, 'same')])
    expect(view!.members.members().filter((m) => m.addr === 'same')).toHaveLength(1)
  })
})

describe('section machine: merge (DESIGN.md §8)', () => {
  const random = new SeededRandom(11)
  const nodes = Array.from({ length: 12 }, () => NodeKeypair.fromSeed(random.bytes(32)))
  const member = (k: NodeKeypair, age: number): Member => ({ name: k.name, publicKey: k.publicKey.bytes, addr: k.name.toHex().slice(0, 4), age })
  const keyed = (prefix: Prefix, members: Member[]) => {
    const keys = SecretKeySet.random(0, random.byteSource())
    const value = new SectionAuthorityProvider({
      prefix, publicKeySet: keys.publicKeys(), elders: members.map((m) => ({ name: m.name, addr: m.addr })), members: [], generation: 0,
    })
    return { keys, sap: new SignedSap(value, keys.secretKey().sign(value.signingBytes())) }
  }
  const byHalf = (bit: 0 | 1) => nodes.filter((k) => Prefix.EMPTY.childBit(k.name) === bit).map((k, i) => member(k, 10 + i))
  const zero = byHalf(0)
  const one = byHalf(1)
  const prefixOf = (bit: 0 | 1) => Prefix.EMPTY.pushed(bit)

  function started(bit: 0 | 1, members: Member[]) {
    const section = keyed(prefixOf(bit), members.slice(0, 7))
    const actor = createActor(sectionMachine, { input: { params: DEFAULT_PARAMETERS } })
    actor.start()
    actor.send({ type: 'START', view: { sap: section.sap, members: new SectionMembers(prefixOf(bit), members, 0), nextGeneration: 1 } })
    const decide = (generation: number, proposals: Uint8Array[]) => ({ generation, round: 0, proposals, supermajority: [], signature: signedBy(section.keys, generation, proposals) })
    return { actor, section, decide }
  }

  it('a section below 7 members is shrunk; its Merge decision freezes it until its sibling takes it in', () => {
    const small = zero.length < one.length ? 0 : 1
    const members = (small === 0 ? zero : one).slice(0, 5)
    const { actor, decide } = started(small, members)
    expect(actor.getSnapshot().value).toEqual({ member: 'shrunk' })
    const sibling = keyed(prefixOf(small === 0 ? 1 : 0), [])
    actor.send({ type: 'APPLY', decision: decide(1, [encodeChange({ kind: 'Merge', sibling: sibling.sap.sap.sectionKey() })]), self: members[0]!.name })
    expect(actor.getSnapshot().value).toEqual({ member: 'merging' })
    expect(actor.getSnapshot().context.view!.merging!.equals(sibling.sap.sap.sectionKey())).toBe(true)
    // No relocation while merging.
    expect(actor.getSnapshot().context.last!.relocations).toEqual([])
    // A Merge naming our own key calls it off (the sibling split before it took us in).
    const ours = actor.getSnapshot().context.view!.sap.sap.sectionKey()
    actor.send({ type: 'APPLY', decision: decide(2, [encodeChange({ kind: 'Merge', sibling: ours })]), self: members[0]!.name })
    expect(actor.getSnapshot().context.view!.merging).toBeUndefined()
    expect(actor.getSnapshot().value).toEqual({ member: 'shrunk' })
  })

  it('Absorb takes the sibling\'s members in under the parent prefix, and an election for it is due', () => {
    const big = zero.length >= one.length ? 0 : 1
    const mine = big === 0 ? zero : one
    const theirs = (big === 0 ? one : zero).slice(0, 3)
    const { actor, decide } = started(big, mine)
    const sibling = keyed(prefixOf(big === 0 ? 1 : 0), theirs)
    const absorb = encodeChange({
      kind: 'Absorb', sectionKey: sibling.sap.sap.sectionKey(), sibling: actor.getSnapshot().context.view!.sap.sap.sectionKey(), members: theirs,
      signature: sibling.keys.secretKey().sign(Uint8Array.of(1)), link: sibling.keys.secretKey().sign(Uint8Array.of(2)),
    })
    actor.send({ type: 'APPLY', decision: decide(1, [absorb]), self: mine[0]!.name })
    const view = actor.getSnapshot().context.view!
    expect(view.members.prefix.equals(Prefix.EMPTY)).toBe(true)
    expect(view.members.size).toBe(mine.length + theirs.length)
    expect(actor.getSnapshot().value).toEqual({ member: 'electing' })
    // A second Absorb (a replay) changes nothing.
    actor.send({ type: 'APPLY', decision: decide(2, [absorb]), self: mine[0]!.name })
    expect(actor.getSnapshot().context.view!.members.size).toBe(mine.length + theirs.length)
  })
})
