/**
 * Ballots of the generation agreement and what they sign.
 *
 *  - Vote (Propose in round 0, Merge after): the voter's choice of a proposal set for a round,
 *    signed with its Ed25519 node key over `safenet/vote/v1 ‖ section key ‖ generation ‖ round ‖
 *    ballot ‖ voter ‖ H(proposals)`.
 *  - SuperMajority: the voter saw a quorum of votes for one set in its current round (they travel
 *    along as `justification`), locks on it, and adds its BLS share over the round-free decision
 *    bytes `safenet/decision/v2 ‖ section key ‖ generation ‖ H(proposals)`.
 *  - Decision: a quorum of SuperMajority ballots of one round for one set, and the section
 *    signature combined from their shares — verifiable by anyone holding the section key, and
 *    the decision's chance (a BLS threshold signature is unique: see {@link decisionSeed}).
 *
 * Proposal sets are canonical: distinct, sorted bytewise. H(proposals) = SHA3-256 of the
 * length-prefixed proposals, and its hex is the set's identity (`valueId`).
 */
import {
  type BlsPublicKey,
  BlsSignature,
  concatBytes,
  domain,
  evictOldest,
  type NodeKeypair,
  sha3_256,
  toHex,
  u64be,
} from '../crypto/index.ts'
import type { DecisionWire, SuperMajorityWire, VoteWire } from '../wire/index.ts'
import type { Roster } from './roster.ts'

export type Vote = VoteWire
export type SuperMajority = SuperMajorityWire
export type Decision = DecisionWire

const VOTE_DOMAIN = domain('safenet/vote/v1')
const SUPERMAJORITY_DOMAIN = domain('safenet/supermajority/v1')
const DECISION_DOMAIN = domain('safenet/decision/v2')
const DECISION_SEED_DOMAIN = domain('safenet/decision-seed/v3')

/** Distinct proposals in bytewise order: the one encoding of a set. */
export function canonicalProposals(proposals: Iterable<Uint8Array>): Uint8Array[] {
  const byHex = new Map<string, Uint8Array>()
  for (const proposal of proposals) byHex.set(toHex(proposal), proposal)
  return [...byHex.keys()].sort().map((hex) => byHex.get(hex)!)
}

export function isCanonical(proposals: ReadonlyArray<Uint8Array>): boolean {
  for (let i = 1; i < proposals.length; i++) if (Buffer.compare(proposals[i - 1]!, proposals[i]!) >= 0) return false
  return true
}

export function proposalsHash(proposals: ReadonlyArray<Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = []
  for (const proposal of proposals) parts.push(u64be(proposal.length), proposal)
  return sha3_256(...parts)
}

/** Identity of a proposal set, for counting votes. */
export function valueId(proposals: ReadonlyArray<Uint8Array>): string {
  return toHex(proposalsHash(proposals))
}

const BALLOT_BYTE = { Propose: 0, Merge: 1 } as const

export function voteSigningBytes(sectionKey: Uint8Array, vote: Omit<Vote, 'signature'>): Uint8Array {
  return concatBytes(
    VOTE_DOMAIN, sectionKey, u64be(vote.generation), u64be(vote.round),
    Uint8Array.of(BALLOT_BYTE[vote.ballot]), u64be(vote.voter), proposalsHash(vote.proposals),
  )
}

export function superMajoritySigningBytes(sectionKey: Uint8Array, sm: Omit<SuperMajority, 'signature' | 'justification'>): Uint8Array {
  return concatBytes(
    SUPERMAJORITY_DOMAIN, sectionKey, u64be(sm.generation), u64be(sm.round), u64be(sm.voter),
    proposalsHash(sm.proposals), sm.share,
  )
}

/**
 * What the section key signs when a generation is decided: the section key, the generation and
 * what was decided — not the round. Every elder signs the same bytes whatever round it locked in
 * (once per set), and a BLS threshold signature is unique, so every member derives the same seed
 * from it ({@link decisionSeed}). A decision still stands for one round: its ballots are a quorum
 * of one round's SuperMajority ballots ({@link BallotVerifier.decision}). Leaving the round out
 * lets no one sign what could not be signed with it: with f Byzantine elders holding shares, one
 * honest share for a set completes t + 1 whichever round it came from. (Issue 16 first kept a
 * round-bound signature and a second, round-free one for the seed: twice the BLS work in every
 * decision, +19% wall at 1,000 nodes.)
 */
export function decisionBytes(sectionKey: Uint8Array, generation: number, proposals: ReadonlyArray<Uint8Array>): Uint8Array {
  return concatBytes(DECISION_DOMAIN, sectionKey, u64be(generation), proposalsHash(proposals))
}

/**
 * What a decided generation's chance is drawn from (genesis-section join ages, the churn id that
 * picks relocations): SHA3 of the section's signature. Nobody can compute it before t + 1 elders
 * sign — a joiner cannot grind keys for a high genesis-section age or a chosen relocation
 * (DESIGN.md §6) — and it is the same at every member, whichever round each decided in. (Drawn
 * from a signature that covered the round, one generation decided in two rounds gave two seeds
 * and two ages; drawn from the proposals alone, anyone could compute it ahead.)
 */
export function decisionSeed(decision: Pick<Decision, 'signature'>): Uint8Array {
  return sha3_256(DECISION_SEED_DOMAIN, decision.signature)
}

export function signVote(keypair: NodeKeypair, sectionKey: Uint8Array, vote: Omit<Vote, 'signature'>): Vote {
  return { ...vote, signature: keypair.sign(voteSigningBytes(sectionKey, vote)) }
}

export function signSuperMajority(keypair: NodeKeypair, sectionKey: Uint8Array, sm: Omit<SuperMajority, 'signature'>): SuperMajority {
  return { ...sm, signature: keypair.sign(superMajoritySigningBytes(sectionKey, sm)) }
}

/** Why a ballot was refused; counted and logged, never silently dropped. */
export type BallotRejection =
  | 'unknown-voter'
  | 'bad-signature'
  | 'non-canonical-proposals'
  | 'justification-too-small'
  | 'justification-mismatch'
  | 'bad-section-signature'

/**
 * Checks ballots against a roster, remembering what verified (by signature) so a ballot that
 * comes back through gossip or inside a justification costs one map lookup.
 */
export class BallotVerifier {
  readonly roster: Roster
  readonly sectionKey: Uint8Array
  readonly #verified = new Set<string>()
  readonly #failed = new Set<string>()

  constructor(roster: Roster) {
    this.roster = roster
    this.sectionKey = roster.keySet.publicKey().toBytes()
  }

  /**
   * Verifies once per (voter, exact signed bytes, signature): the key is the hash of all three,
   * so a known signature attached to other content is checked afresh (and fails).
   */
  #verify(voter: number, signed: Uint8Array, signature: Uint8Array): boolean {
    const key = this.roster.elders[voter]
    if (key === undefined) return false
    const id = toHex(sha3_256(u64be(voter), signed, signature))
    if (this.#verified.has(id)) return true
    // Failures are remembered too: a forger repeating itself costs a lookup, not a verify.
    if (this.#failed.has(id)) return false
    const valid = key.verify(signed, signature)
    const cache = valid ? this.#verified : this.#failed
    cache.add(id)
    evictOldest(cache, 'ballot-verifications')
    return valid
  }

  vote(vote: Vote): BallotRejection | undefined {
    if (this.roster.elders[vote.voter] === undefined) return 'unknown-voter'
    if (!isCanonical(vote.proposals)) return 'non-canonical-proposals'
    if (!this.#verify(vote.voter, voteSigningBytes(this.sectionKey, vote), vote.signature)) return 'bad-signature'
    return undefined
  }

  /** Checks the ballot's signature and that its justification is a quorum of votes for its set in its round. */
  superMajority(sm: SuperMajority): BallotRejection | undefined {
    if (this.roster.elders[sm.voter] === undefined) return 'unknown-voter'
    if (!isCanonical(sm.proposals)) return 'non-canonical-proposals'
    if (!this.#verify(sm.voter, superMajoritySigningBytes(this.sectionKey, sm), sm.signature)) return 'bad-signature'
    const id = valueId(sm.proposals)
    const voters = new Set<number>()
    for (const vote of sm.justification) {
      if (vote.generation !== sm.generation || vote.round !== sm.round || valueId(vote.proposals) !== id) return 'justification-mismatch'
      const rejection = this.vote(vote)
      if (rejection !== undefined) return rejection
      voters.add(vote.voter)
    }
    return voters.size >= this.roster.quorum ? undefined : 'justification-too-small'
  }

  /** A decision: a quorum of SuperMajority ballots for its round and set, and a valid section signature. */
  decision(decision: Decision): BallotRejection | undefined {
    if (!isCanonical(decision.proposals)) return 'non-canonical-proposals'
    const id = valueId(decision.proposals)
    const voters = new Set<number>()
    for (const sm of decision.supermajority) {
      if (sm.generation !== decision.generation || sm.round !== decision.round || valueId(sm.proposals) !== id) return 'justification-mismatch'
      const rejection = this.superMajority(sm)
      if (rejection !== undefined) return rejection
      voters.add(sm.voter)
    }
    if (voters.size < this.roster.quorum) return 'justification-too-small'
    return decisionSigned(this.roster.keySet.publicKey(), decision) ? undefined : 'bad-section-signature'
  }
}

/** Whether a decision's signature is the section's over its {@link decisionBytes}. */
export function decisionSigned(key: BlsPublicKey, decision: Pick<Decision, 'generation' | 'proposals' | 'signature'>): boolean {
  let signature: BlsSignature
  try {
    signature = BlsSignature.fromBytes(decision.signature)
  } catch {
    return false
  }
  return key.verify(decisionBytes(key.toBytes(), decision.generation, decision.proposals), signature)
}
