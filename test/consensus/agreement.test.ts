import { describe, expect, it } from 'vitest'
import {
  Agreement,
  applyDecisionToView,
  BallotVerifier,
  type Decision,
  decisionSeed,
  DEFAULT_PARAMETERS,
  encodeChange,
  makeRoster,
  proposalsHash,
  SectionMembers,
  decisionBytes,
  signVote,
  type SuperMajority,
  type Vote,
} from '../../src/consensus/index.ts'
import { BlsSignature, CombineFailed, domain, NodeKeypair, SecretKeySet, sha3_256, threshold, u64be } from '../../src/crypto/index.ts'
import { SectionAuthorityProvider, SignedSap } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { verifyDecision } from '../../src/roles/section/section.ts'
import { MAX_PROPOSALS } from '../../src/wire/index.ts'
import { Prefix } from '../../src/xor/index.ts'

const n = 7
const random = new SeededRandom(2024)
const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(random.bytes(32)))
const keys = SecretKeySet.random(threshold(n), random.byteSource())
const roster = makeRoster(keypairs.map((k) => k.publicKey), keys.publicKeys())
const change = (text: string) => new TextEncoder().encode(text)

/** Elders exchanging ballots over a perfect broadcast, in order, until one generation is decided. */
function decideOnce(proposals: (i: number) => Uint8Array[], silent: ReadonlySet<number> = new Set(), onVote?: (vote: Vote) => void, valid: (self: number, proposal: Uint8Array) => boolean = () => true) {
  const elders = keypairs.map((keypair, self) => new Agreement({
    roster, self, keypair, share: keys.secretKeyShare(self), isValid: (proposal) => valid(self, proposal),
    proposalsFor: (g) => (g === 0 ? proposals(self) : undefined), lastGeneration: 0,
  }))
  const queue: Array<{ from: number; votes: Vote[]; supermajorities: SuperMajority[] }> = []
  const announced: Decision[] = []
  const push = (from: number, effects: ReturnType<Agreement['start']>) => {
    if (silent.has(from)) return
    for (const b of effects.broadcast) queue.push({ from, ...b })
    for (const b of effects.broadcast) for (const vote of b.votes) onVote?.(vote)
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

  it('never votes more proposals than a vote carries, and still decides when the union is larger', () => {
    // 300 nodes, seed 2, `--partition`: elders with ~40 joins pending each merged a union no vote
    // could carry (MAX_PROPOSALS); it failed at the sender and the generation could not move.
    let largest = 0
    const elders = decideOnce((i) => Array.from({ length: 40 }, (_, k) => change(`join:${i}:${k}`)), new Set(), (vote) => {
      largest = Math.max(largest, vote.proposals.length)
    })
    expect(largest).toBeGreaterThan(0)
    expect(largest).toBeLessThanOrEqual(MAX_PROPOSALS)
    const decisions = elders.map((e) => e.decision(0))
    expect(decisions.every((d) => d !== undefined)).toBe(true)
    expect(new Set(decisions.map((d) => d!.proposals.map((p) => Buffer.from(p).toString()).join(','))).size).toBe(1)
    expect(decisions[0]!.proposals.length).toBe(MAX_PROPOSALS)
  })

  it('decides with two elders gone when one of the five holds a proposal valid that the others do not', () => {
    // 300 nodes, seed 2, `--partition`: four voted {a}; the fifth, holding x valid too, voted its
    // union {a, x} round after round (48 rounds), and five of seven votes never met.
    const x = change('merge:x')
    const elders = decideOnce((i) => (i === 4 ? [change('leave:a'), x] : [change('leave:a')]), new Set([5, 6]), undefined, (self, proposal) => self === 4 || Buffer.compare(proposal, x) !== 0)
    const decisions = elders.slice(0, 5).map((e) => e.decision(0))
    expect(decisions.every((d) => d !== undefined)).toBe(true)
    expect(decisions.map((d) => d!.proposals.map((p) => Buffer.from(p).toString()).join(','))).toEqual(Array(5).fill('leave:a'))
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

describe('the decision seed: unpredictable churn (DESIGN.md §6)', () => {
  const sectionKey = roster.keySet.publicKey().toBytes()
  const joiner = NodeKeypair.fromSeed(random.bytes(32))
  const joined = encodeChange({ kind: 'Joined', member: { name: joiner.name, publicKey: joiner.publicKey.bytes, addr: 'j', age: 0 } })
  const decision = decideOnce(() => [joined])[0]!.decision(0)!

  it('is drawn from the section threshold signature over the round-free decision bytes, so t shares cannot make it', () => {
    const message = decisionBytes(sectionKey, 0, decision.proposals)
    expect(roster.keySet.publicKey().verify(message, BlsSignature.fromBytes(decision.signature))).toBe(true)
    expect(decisionSeed(decision)).toEqual(sha3_256(domain('safenet/decision-seed/v3'), decision.signature))
    // t shares (one fewer than needed) do not combine: t colluding elders cannot know it ahead.
    const t = threshold(n)
    const shares = Array.from({ length: t }, (_, i) => ({ index: i, share: keys.secretKeyShare(i).sign(message), signer: String(i) }))
    expect(() => roster.keySet.combine(message, shares)).toThrow(CombineFailed)
  })

  it('cannot be computed from the proposals alone: a seed drawn from public data is refused, and ages follow the signature', () => {
    // What a joiner could compute before the decision: the old derivation (section key, generation, proposals).
    const predictable = sha3_256(sectionKey, u64be(0), proposalsHash(decision.proposals))
    expect(decisionSeed(decision)).not.toEqual(predictable)
    // Its signature swapped for one over the public bytes (by the section key, even): refused.
    const forged: Decision = { ...decision, signature: keys.secretKey().sign(predictable).toBytes() }
    expect(new BallotVerifier(roster).decision(forged)).toBe('bad-section-signature')
    expect(verifyDecision(roster.keySet.publicKey(), forged)).toBe(false)
    expect(verifyDecision(roster.keySet.publicKey(), decision)).toBe(true)
    // The genesis section's join age comes from the seed: the same proposals under another
    // section key (another secret) give another age, and the round does not matter.
    const ageUnder = (keySet: SecretKeySet, d: Decision) => {
      const sap = new SectionAuthorityProvider({ prefix: Prefix.EMPTY, publicKeySet: keySet.publicKeys(), elders: [{ name: keypairs[0]!.name, addr: 'e' }], members: [], generation: 0 })
      const view = { sap: new SignedSap(sap, keySet.secretKey().sign(sap.signingBytes())), members: new SectionMembers(Prefix.EMPTY, [{ name: keypairs[0]!.name, publicKey: keypairs[0]!.publicKey.bytes, addr: 'e', age: 50 }], -1), nextGeneration: 0 }
      return applyDecisionToView(view, d, keypairs[0]!.name, DEFAULT_PARAMETERS)!.view.members.get(joiner.name)!.age
    }
    expect(ageUnder(keys, { ...decision, round: 3 })).toBe(ageUnder(keys, decision))
    const ages = new Set(Array.from({ length: 6 }, (_, i) => {
      const other = SecretKeySet.random(0, new SeededRandom(i).byteSource())
      const key = other.publicKeys().publicKey().toBytes()
      return ageUnder(other, { ...decision, signature: other.secretKey().sign(decisionBytes(key, 0, decision.proposals)).toBytes() })
    }))
    expect(ages.size).toBeGreaterThan(1)
  })
})

