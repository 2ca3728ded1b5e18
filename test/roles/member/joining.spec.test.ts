import { describe, expect, it } from 'vitest'
import { memberToWire } from '../../../src/consensus/index.ts'
import { toHex } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { SECTION_TIMING } from '../../../src/roles/constants.ts'
import { Prefix } from '../../../src/xor/index.ts'
import { asMember, signedDecision, type Subject } from '../../model/node-harness.ts'
import { joiningNode } from '../support.ts'

/**
 * The joining protocol (DESIGN.md §6), stated from the outside — what goes over the wire, as
 * time passes — not from the member chart, so a change to the chart that breaks the protocol
 * fails here even when the model-based tests (which use the chart as their model) pass.
 */
const joiner = () => joiningNode(7)

/** `ms` pass: fires the member actor's timers armed for `ms` now (not the ones they arm); how many fired. */
function elapse(s: Subject, ms: number): number {
  const due = s.timers('member').armed.filter((armed) => armed === ms).length
  for (let i = 0; i < due; i++) s.fire('member', ms, `${ms} ms pass`)
  return due
}

describe('joining, on the wire', () => {
  it('sends a JoinRequest at once, and again every joinRetryMs while unanswered', () => {
    const { s } = joiner()
    expect(s.sentOf('JoinRequest')).toHaveLength(1)
    expect(elapse(s, SECTION_TIMING.joinRetryMs)).toBe(1)
    expect(s.sentOf('JoinRequest')).toHaveLength(2)
  })

  it('unanswered, it asks two rounds 5 s apart, then waits 10 s, and 20 s from then on', () => {
    // Found with `sim --nodes 300 --seed 5 --partition …`: joiners cut off for the partition's
    // 150 s asked every 5 s throughout, and a join cost 431 messages (JOIN_MESSAGES_BOUND is 400).
    const { s } = joiner()
    const waits: number[] = []
    for (let round = 0; round < 9; round++) {
      const armed = s.timers('member').armed
      expect(armed).toHaveLength(1)
      waits.push(armed[0]!)
      expect(elapse(s, armed[0]!)).toBe(1)
    }
    expect(waits).toEqual([5_000, 5_000, 10_000, 20_000, 20_000, 20_000, 20_000, 20_000, 20_000])
    expect(s.sentOf('JoinRequest')).toHaveLength(10)
  })

  it('the rounds of a join start again at 5 s for its next join (a relocation)', () => {
    const { s, elder, sap, keys, dst } = joiner()
    for (const ms of [5_000, 5_000, 10_000, 20_000, 20_000]) expect(elapse(s, ms)).toBe(1)
    const self = { name: s.node.name, publicKey: s.keypair().publicKey.bytes, addr: 's', age: 5 }
    const joined = signedDecision(keys, 1, [{ kind: 'Joined', member: self }])
    s.deliver(elder, 'JoinApproved', { decision: joined, sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey(), []).toWire(), members: [asMember(elder, 9), self].map(memberToWire), nextGeneration: 2 }, dst)
    expect(s.node.role).toBe('adult')
    expect(s.timers('member').armed).toEqual([])
    s.deliver(elder, 'SectionDecisions', { decisions: [signedDecision(keys, 2, [{ kind: 'Relocated', name: s.node.name, destination: Prefix.EMPTY.name, age: 5 }])] })
    expect(s.node.role).toBe('relocating')
    expect(s.timers('member').armed).toEqual([5_000])
  })

  it('after TryJoinLater it waits tryJoinLaterMs, sends nothing meanwhile, then sends a JoinRequest', () => {
    const { s, elder, dst } = joiner()
    s.deliver(elder, 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, dst)
    const before = s.sentOf('JoinRequest').length
    // Told to wait: no retry armed at joinRetryMs any more, one armed at tryJoinLaterMs.
    expect(s.timers('member').armed).toEqual([SECTION_TIMING.tryJoinLaterMs])
    expect(s.sentOf('JoinRequest')).toHaveLength(before)
    expect(elapse(s, SECTION_TIMING.tryJoinLaterMs)).toBe(1)
    expect(s.sentOf('JoinRequest')).toHaveLength(before + 1)
  })

  it('after JoinElsewhere it asks again at once, under a new name', () => {
    const { s, elder, dst } = joiner()
    const name = s.node.name.toHex()
    s.deliver(elder, 'JoinResponse', { verdict: { _tag: 'JoinElsewhere', prefix: { bitCount: 0, name: new Uint8Array(32) } } }, dst)
    const requests = s.sentOf('JoinRequest')
    expect(requests).toHaveLength(2)
    expect(s.node.name.toHex()).not.toBe(name)
  })

  it('after Rejected left-recently (voted off while away) it asks again at once, under a new name', () => {
    const { s, elder, dst } = joiner()
    const name = s.node.name.toHex()
    s.deliver(elder, 'JoinResponse', { verdict: { _tag: 'Rejected', reason: 'left-recently' } }, dst)
    expect(s.sentOf('JoinRequest')).toHaveLength(2)
    expect(s.node.name.toHex()).not.toBe(name)
    expect(toHex(s.sentOf('JoinRequest').at(-1)!.dst!.name)).toBe(s.node.name.toHex())
  })

  it('refused for another reason, it keeps its name and asks again only on its retry timer', () => {
    const { s, elder, dst } = joiner()
    const name = s.node.name.toHex()
    s.deliver(elder, 'JoinResponse', { verdict: { _tag: 'Rejected', reason: 'address-in-use' } }, dst)
    expect(s.sentOf('JoinRequest')).toHaveLength(1)
    expect(s.node.name.toHex()).toBe(name)
    expect(s.timers('member').armed).toEqual([SECTION_TIMING.joinRetryMs])
    expect(elapse(s, SECTION_TIMING.joinRetryMs)).toBe(1)
    expect(s.sentOf('JoinRequest')).toHaveLength(2)
  })

  it('relocating, refused left-recently (admitted there, approval lost, voted off since), it joins as a new node: new name, no relocation proof', () => {
    // Found with `sim --nodes 60 --seed 1 --drop 0.2 --churn 0.3 --byzantine 1 --why`: a relocating
    // node was refused left-recently 534 times, asking with the same spent proof to the end.
    const { s, elder, sap, keys, dst } = joiner()
    const self = { name: s.node.name, publicKey: s.keypair().publicKey.bytes, addr: 's', age: 5 }
    const members = [asMember(elder, 9), self]
    const joined = signedDecision(keys, 1, [{ kind: 'Joined', member: self }])
    s.deliver(elder, 'JoinApproved', { decision: joined, sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey(), []).toWire(), members: members.map(memberToWire), nextGeneration: 2 }, dst)
    expect(s.node.role).toBe('adult')
    const destination = Prefix.EMPTY.name
    s.deliver(elder, 'SectionDecisions', { decisions: [signedDecision(keys, 2, [{ kind: 'Relocated', name: s.node.name, destination, age: 5 }])] })
    expect(s.node.role).toBe('relocating')
    const relocating = s.sentOf('JoinRequest').at(-1)!
    expect((relocating.payload as { relocation?: unknown }).relocation).toBeDefined()
    const relocatedName = s.node.name.toHex()
    const before = s.sentOf('JoinRequest').length
    s.deliver(elder, 'JoinResponse', { verdict: { _tag: 'Rejected', reason: 'left-recently' } }, s.dstFor(sap.sap.sectionKey().toBytes()))
    expect(s.node.role).toBe('joining')
    expect(s.node.name.toHex()).not.toBe(relocatedName)
    const fresh = s.sentOf('JoinRequest')
    expect(fresh).toHaveLength(before + 1)
    expect((fresh.at(-1)!.payload as { relocation?: unknown }).relocation).toBeUndefined()
    expect(toHex(fresh.at(-1)!.dst!.name)).toBe(s.node.name.toHex())
  })
})
