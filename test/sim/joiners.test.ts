import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { JOINER_RECENT_FRAMES, JoinerLog } from '../../src/sim/scenarios/joiners.ts'
import { JoinCost } from '../../src/sim/scenarios/join-cost.ts'
import { type Dst, type Kind, nodeAuthority, type PayloadOf, seal } from '../../src/wire/index.ts'
import { joiningNode } from '../roles/support.ts'

/** A frame `keypair` sealed, as the simulated network carries it. */
function frame<K extends Kind>(keypair: NodeKeypair, kind: K, payload: PayloadOf<K>, dst: Dst, id: number): Uint8Array {
  const sealed = seal({ msgId: new Uint8Array(32).fill(id), kind, dst, payload }, nodeAuthority(keypair))
  if (Result.isFailure(sealed)) throw new Error(`${kind} does not seal`)
  return sealed.success.frame
}

describe('the joiner log behind safenet sim --why', () => {
  it('counts what a joiner sent and heard by kind and fate, ignores others\' traffic, and says whom it asked last', () => {
    const { s, elder, sap, dst } = joiningNode(7)
    let now = 1_000
    const sectionKey = toHex(sap.sap.sectionKey().toBytes())
    const log = new JoinerLog({ now: () => now, joining: (addr) => addr === 's', keyLabel: (key) => (toHex(key) === sectionKey ? 'the genesis key' : 'another key') })
    const request = frame(s.keypair(), 'JoinRequest', { addr: 's' }, dst, 1)
    const later = frame(elder.keypair, 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, s.dstFor(sap.sap.sectionKey().toBytes()), 2)
    log.record('s', 'g', request, 'delivered')
    log.record('s', 'g', request, 'dropped')
    now = 1_500
    log.record('s', 'g', request, 'delivered')
    log.record('g', 's', later, 'delivered')
    // Lost on the way to the joiner: it never heard it. Between two others: not a joiner's.
    log.record('g', 's', later, 'dropped')
    log.record('g', 'x', later, 'delivered')
    now = 31_500
    const lines = log.explain(s.node, new Map())
    const text = lines.join('\n')
    expect(lines[0]).toMatch(/^unjoined s \(joining; name [0-9a-f]{8}; member chart /)
    expect(text).toContain('heard JoinResponse.TryJoinLater ×1, sent JoinRequest ×2, sent JoinRequest (dropped) ×1')
    expect(text).toContain('last join request t=1.5 s; last answer t=1.5 s (30.0 s before the end)')
    expect(text).toContain('t=1.5 s → g JoinRequest [under the genesis key] delivered')
    expect(text).toContain('t=1.5 s ← g JoinResponse.TryJoinLater [TryJoinLater]')
    expect(text).toContain('asked last: g: unknown')
    expect(text).not.toContain('→ x')
  })

  it('keeps the newest frames whole and only counts the older ones; says so of a joiner it never saw', () => {
    const { s, dst } = joiningNode(8)
    let now = 0
    const log = new JoinerLog({ now: () => now, joining: () => true, keyLabel: () => 'a key' })
    const request = frame(s.keypair(), 'JoinRequest', { addr: 's' }, dst, 3)
    for (let i = 0; i < JOINER_RECENT_FRAMES + 5; i++) {
      now = i * 5_000
      log.record('s', 'g', request, 'delivered')
    }
    const lines = log.explain(s.node, new Map())
    expect(lines.filter((l) => l.includes('→ g JoinRequest'))).toHaveLength(JOINER_RECENT_FRAMES)
    expect(lines.join('\n')).toContain(`sent JoinRequest ×${JOINER_RECENT_FRAMES + 5}`)
    expect(lines.join('\n')).toContain('last answer t=- (never answered)')
    const other = joiningNode(9).s
    expect(new JoinerLog({ now: () => 0, joining: () => true, keyLabel: () => '' }).explain(other.node, new Map())[1]).toBe('  sent and heard nothing while joining')
  })
})

describe("each join's own messages (JoinCost)", () => {
  it('counts the join requests a joiner sends and the answers it is delivered until it is admitted, joins and relocations apart, a restart starting afresh', () => {
    const joining = new Set(['a', 'b'])
    const cost = new JoinCost((addr) => joining.has(addr))
    const elder = NodeKeypair.fromSeed(new Uint8Array(32).fill(3))
    const joiner = NodeKeypair.fromSeed(new Uint8Array(32).fill(4))
    const dst = { name: new Uint8Array(32), sectionKey: new Uint8Array(48) }
    const f = frame(joiner, 'JoinRequest', { addr: 'a' }, dst, 3)
    const answer = frame(elder, 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, dst, 1)
    cost.record('a', 'e', f, 'delivered')
    cost.record('a', 'e', f, 'dropped') // sent all the same
    // Not its join's: a restarted elder, still a DKG candidate, gossips its DKG while it rejoins.
    cost.record('a', 'e', frame(joiner, 'DecisionRequest', { generation: 4 }, dst, 4), 'delivered')
    cost.record('e', 'a', answer, 'delivered')
    cost.record('e', 'a', answer, 'dropped') // never reached it
    // Not an answer to its join: an old fellow elder's ballots to a restarted elder.
    cost.record('e', 'a', frame(elder, 'DecisionRequest', { generation: 4 }, dst, 2), 'delivered')
    cost.record('e', 'x', answer, 'delivered') // not a joiner's
    cost.record('b', 'e', f, 'delivered')
    cost.started('b') // b restarted: its predecessor's frame is not this join's
    cost.record('b', 'e', f, 'delivered')
    cost.record('b', 'e', f, 'delivered')
    joining.delete('a')
    cost.admitted('a', false)
    cost.record('a', 'e', f, 'delivered') // a member now: not counted
    cost.admitted('b', true)
    expect(cost.summary()).toEqual({
      joins: { count: 1, mean: 3, worst: 3, worstAt: 'a' },
      relocations: { count: 1, mean: 2, worst: 2, worstAt: 'b' },
    })
  })
})

