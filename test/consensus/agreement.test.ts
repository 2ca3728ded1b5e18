import { describe, expect, it } from 'vitest'
import {
  Agreement,
  BallotVerifier,
  type Decision,
  makeRoster,
  signVote,
  type SuperMajority,
  type Vote,
} from '../../src/consensus/index.ts'
import { NodeKeypair, SecretKeySet, threshold } from '../../src/crypto/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'

const n = 7
const random = new SeededRandom(2024)
const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(random.bytes(32)))
const keys = SecretKeySet.random(threshold(n), random.byteSource())
const roster = makeRoster(keypairs.map((k) => k.publicKey), keys.publicKeys())
const change = (text: string) => new TextEncoder().encode(text)

/** Elders exchanging ballots over a perfect broadcast, in order, until one generation is decided. */
function decideOnce(proposals: (i: number) => Uint8Array[], silent: ReadonlySet<number> = new Set()) {
  const elders = keypairs.map((keypair, self) => new Agreement({
    roster, self, keypair, share: keys.secretKeyShare(self), isValid: () => true,
    proposalsFor: (g) => (g === 0 ? proposals(self) : undefined), lastGeneration: 0,
  }))
  const queue: Array<{ from: number; votes: Vote[]; supermajorities: SuperMajority[] }> = []
  const announced: Decision[] = []
  const push = (from: number, effects: ReturnType<Agreement['start']>) => {
    if (silent.has(from)) return
    for (const b of effects.broadcast) queue.push({ from, ...b })
    for (const a of effects.announce) announced.push(a.decision)
  }
  elders.forEach((e, i) => push(i, e.start()))
  for (let step = 0; (queue.length > 0 || announced.length > 0) && step < 5000; step++) {
    const decision = announced.shift()
    if (decision !== undefined) {
      elders.forEach((e, i) => { if (!silent.has(i)) push(i, e.onDecision(decision)) })
    } else {
      const { from, votes, supermajorities } = queue.shift()!
      elders.forEach((e, i) => { if (i !== from && !silent.has(i)) push(i, e.onVotes(from, votes, supermajorities)) })
    }
    // A silent combiner is replaced at the next gossip tick; rounds that split move on by timeout.
    // (Nothing is lost here, so only the decisions a gossip tick makes are delivered, not its ballots.)
    if (queue.length === 0 && announced.length === 0) {
      elders.forEach((e, i) => { if (!silent.has(i) && e.decision(0) === undefined) push(i, { ...e.gossip(), broadcast: [] }) })
    }
    if (queue.length === 0 && announced.length === 0) elders.forEach((e, i) => { if (!silent.has(i) && e.decision(0) === undefined) push(i, e.roundTimeout()) })
  }
  return elders
}

describe('generation agreement', () => {
  it('elders proposing different sets decide one set, signed by the section key', () => {
    const elders = decideOnce((i) => [change(i % 2 === 0 ? 'join:a' : 'join:b')], new Set([5, 6]))
    const decisions = elders.filter((_, i) => i < 5).map((e) => e.decision(0)!)
    for (const d of decisions) expect(d).toBeDefined()
    const proposals = decisions.map((d) => d.proposals.map((p) => Buffer.from(p).toString()).join(','))
    expect(new Set(proposals).size).toBe(1)
    expect(new BallotVerifier(roster).decision(decisions[0]!)).toBeUndefined()
  })

  it('a decision with fewer SuperMajority ballots than the quorum, or a forged signature, is refused', () => {
    const decision = decideOnce(() => [change('leave:c')])[0]!.decision(0)!
    const verifier = new BallotVerifier(roster)
    expect(verifier.decision({ ...decision, supermajority: decision.supermajority.slice(0, 4) })).toBe('justification-too-small')
    const forged: Decision = { ...decision, signature: Uint8Array.from(decision.signature).fill(7, 40, 50) }
    expect(verifier.decision(forged)).toBe('bad-section-signature')
    const otherSet: Decision = { ...decision, proposals: [change('leave:d')] }
    expect(verifier.decision(otherSet)).toBe('justification-mismatch')
  })

  it('checks a known signature afresh when it comes on other content, and refuses it', () => {
    const sectionKey = roster.keySet.publicKey().toBytes()
    const verifier = new BallotVerifier(roster)
    const vote = signVote(keypairs[2]!, sectionKey, { voter: 2, generation: 0, round: 0, ballot: 'Propose', proposals: [change('a')] })
    expect(verifier.vote(vote)).toBeUndefined()
    expect(verifier.vote({ ...vote, round: 1 })).toBe('bad-signature')
    expect(verifier.vote({ ...vote, ballot: 'Merge' })).toBe('bad-signature')
    expect(verifier.vote({ ...vote, proposals: [change('b')] })).toBe('bad-signature')
    expect(verifier.vote({ ...vote, voter: 3 })).toBe('bad-signature')
  })

  it('catches an elder voting two sets in one round', () => {
    const sectionKey = roster.keySet.publicKey().toBytes()
    const vote = (text: string) => signVote(keypairs[3]!, sectionKey, { voter: 3, generation: 5, round: 0, ballot: 'Propose', proposals: [change(text)] })
    const listener = new Agreement({
      roster, self: 0, keypair: keypairs[0]!, share: keys.secretKeyShare(0), isValid: () => true,
      proposalsFor: () => undefined, firstGeneration: 5,
    })
    listener.onVotes(3, [vote('x'), vote('y')], [])
    expect(listener.voter.faulty.has(3)).toBe(true)
    expect(listener.voter.stats.equivocations).toBe(1)
  })
})
