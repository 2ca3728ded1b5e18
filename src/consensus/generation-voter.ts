/**
 * One elder's part in deciding one generation (DESIGN.md §6), in the style of MaidSafe's
 * sn_consensus — Propose, Merge, SuperMajority ballots, no leader — with rounds and locks so
 * that agreement holds under any message schedule, not only a kind one.
 *
 * Round r: each voter casts one vote (Propose in round 0, Merge after) for a proposal set.
 *  - A voter that sees a quorum q of round-r votes for one set S while it is in round r has seen a
 *    *polka*: it locks on S and casts SuperMajority(r, S) carrying those votes and its BLS share.
 *  - q SuperMajority ballots of one round for one set decide it; their shares combine into the
 *    section signature of the Decision.
 *  - A voter moves to round r+1 when the round cannot produce a quorum any more (split vote), when
 *    its round timer fires, or when more than n−q voters are already in a later round. Its vote
 *    there is the set of the highest-round polka it knows (it forwards the SuperMajority ballot
 *    proving it), or, if it knows none, the union of all valid proposals seen — the Merge.
 *
 * Why no two honest elders decide differently (q = ⌊2n/3⌋+1, at most f = n − q Byzantine):
 * a decision on S in round r means ≥ q − f honest voters locked on S in r. Any quorum of votes for
 * another set in a later round needs q − f honest votes from the n − f honest voters, so it must
 * include one of the locked ones, which only leaves S for a set with a polka in a later round —
 * the first such polka cannot exist. Within one round, two quorums overlap in an honest voter,
 * who votes once per round. Termination needs eventually delivered messages: rounds lengthen
 * until all honest voters see the same highest polka or the same union, and then they agree.
 */
import { CombineFailed, type NodeKeypair, type SecretKeyShare, SignatureShare, toHex } from '../crypto/index.ts'
import {
  type BallotRejection,
  BallotVerifier,
  canonicalProposals,
  type Decision,
  decisionBytes,
  type SuperMajority,
  signSuperMajority,
  signVote,
  valueId,
  type Vote,
} from './ballots.ts'
import { faultTolerance, type Roster } from './roster.ts'
import { MAX_PROPOSALS } from '../wire/index.ts'

export interface VoterTiming {
  /** Round 0's timer; later rounds grow by `roundTimeoutGrowth` each, up to `maxRoundTimeoutMs`. */
  readonly roundTimeoutMs: number
  readonly roundTimeoutGrowth: number
  readonly maxRoundTimeoutMs: number
  /** How often unacknowledged ballots are sent again (messages get lost). */
  readonly gossipIntervalMs: number
}

export const DEFAULT_TIMING: VoterTiming = { roundTimeoutMs: 1_000, roundTimeoutGrowth: 1.5, maxRoundTimeoutMs: 30_000, gossipIntervalMs: 500 }

/** Ballots to broadcast to the other elders. */
export interface Outbound {
  readonly votes: Vote[]
  readonly supermajorities: SuperMajority[]
}

export interface VoterOptions {
  readonly roster: Roster
  readonly self: number
  readonly keypair: NodeKeypair
  readonly share: SecretKeyShare
  readonly generation: number
  /** Validity of a single proposal (e.g. a membership change that checks out). */
  readonly isValid: (proposal: Uint8Array) => boolean
  readonly timing?: VoterTiming
  /** A verifier to share (with the Agreement, so what verified once is not verified again). */
  readonly verifier?: BallotVerifier
}

interface Polka {
  readonly round: number
  readonly id: string
  readonly proposals: Uint8Array[]
  /** A quorum of signed votes for the set in the round: forwarded when there is no proof yet. */
  readonly votes: ReadonlyArray<Vote>
  /** The SuperMajority ballot proving it, when we have one to forward. */
  proof: SuperMajority | undefined
}

/** Rounds ahead of ours we keep ballots for; a Byzantine elder cannot make us track more. */
export const MAX_ROUNDS_AHEAD = 32
/** Distinct sets one elder's votes may count for in one round (an equivocator's, beyond 1). */
const MAX_SETS_PER_VOTER_ROUND = 4
/** Distinct proposals remembered for unions; with ≤ 4 KiB each, at most 16 MiB. */
const MAX_KNOWN_PROPOSALS = 4096

/** Ballots we keep are copied out of the frame they came in (decoded bytes are views). */
function copyVote(vote: Vote): Vote {
  return { ...vote, proposals: vote.proposals.map((p) => Uint8Array.from(p)), signature: Uint8Array.from(vote.signature) }
}

function copySuperMajority(sm: SuperMajority): SuperMajority {
  return {
    ...sm, proposals: sm.proposals.map((p) => Uint8Array.from(p)), justification: sm.justification.map(copyVote),
    share: Uint8Array.from(sm.share), signature: Uint8Array.from(sm.signature),
  }
}

/** Counters of what this voter refused and noticed, for logs and the simulator's report. */
export interface VoterStats {
  rejected: Partial<Record<BallotRejection | 'invalid-proposal' | 'wrong-generation' | 'bad-share' | 'too-far-ahead' | 'too-many-sets' | 'proposals-full', number>>
  equivocations: number
  rounds: number
}

export class GenerationVoter {
  readonly generation: number
  readonly self: number
  readonly #roster: Roster
  readonly #verifier: BallotVerifier
  readonly #keypair: NodeKeypair
  readonly #share: SecretKeyShare
  readonly #isValid: (proposal: Uint8Array) => boolean
  readonly #timing: VoterTiming

  #round = 0
  #started = false
  /** First vote seen from each voter in each round (split detection, later-round detection). */
  readonly #votes = new Map<number, Map<number, Vote>>()
  /**
   * Every signed vote by round and set, each voter once per set: a polka counts all of them, so
   * an equivocator's vote we happened to see second still counts where it was cast.
   */
  readonly #support = new Map<number, Map<string, Map<number, Vote>>>()
  /** First SuperMajority ballot seen from each voter in each round. */
  readonly #supermajorities = new Map<number, Map<number, SuperMajority>>()
  /** Proposals seen in votes, by hex, with who voted for them (validity is checked when used). */
  readonly #proposals = new Map<string, { proposal: Uint8Array; voters: Set<number> }>()
  readonly #faulty = new Set<number>()
  /** `round/voter` of SuperMajority ballots whose share failed: ignored from then on. */
  readonly #badShares = new Set<string>()
  /** Rounds with a quorum of SuperMajority ballots that we left to the round's combiner. */
  readonly #awaitingCombiner = new Map<number, number>()
  readonly #polkas = new Map<number, Polka>()
  #highestPolka: Polka | undefined
  readonly #myVotes = new Map<number, Vote>()
  readonly #mySupermajorities = new Map<number, SuperMajority>()
  /** Our decision share by value: round-free, so a later round's ballot for the same set reuses it (~7 ms a signature). */
  readonly #myShares = new Map<string, Uint8Array>()
  #decision: Decision | undefined
  readonly stats: VoterStats = { rejected: {}, equivocations: 0, rounds: 0 }

  constructor(options: VoterOptions) {
    this.generation = options.generation
    this.self = options.self
    this.#roster = options.roster
    this.#verifier = options.verifier ?? new BallotVerifier(options.roster)
    this.#keypair = options.keypair
    this.#share = options.share
    this.#isValid = options.isValid
    this.#timing = options.timing ?? DEFAULT_TIMING
  }

  get round(): number {
    return this.#round
  }

  get decision(): Decision | undefined {
    return this.#decision
  }

  /** Voters caught equivocating (two different votes in one round). */
  get faulty(): ReadonlySet<number> {
    return this.#faulty
  }

  /** This round's timer, in ms. */
  roundTimeoutMs(): number {
    return Math.min(this.#timing.maxRoundTimeoutMs, this.#timing.roundTimeoutMs * this.#timing.roundTimeoutGrowth ** this.#round)
  }

  get gossipIntervalMs(): number {
    return this.#timing.gossipIntervalMs
  }

  /** Casts our round-0 Propose ballot with our (valid) proposals. */
  start(proposals: ReadonlyArray<Uint8Array>): Outbound {
    const out = emptyOutbound()
    if (this.#started || this.#decision !== undefined) return out
    this.#started = true
    const own = canonicalProposals(proposals.filter((p) => this.#isValid(p)))
    this.#castVote(0, 'Propose', own, out)
    this.#progress(out)
    return out
  }

  /**
   * Resumes after a restart from the ballots we had cast (persisted before they were sent):
   * our votes and SuperMajority ballots come back, with the locks they imply, so we never cast a
   * different ballot in a round we already voted in. Then we carry on from our latest round.
   */
  restore(own: { readonly votes: ReadonlyArray<Vote>; readonly supermajorities: ReadonlyArray<SuperMajority> }): Outbound {
    const out = emptyOutbound()
    if (this.#decision !== undefined) return out
    for (const vote of own.votes) {
      if (vote.voter !== this.self || vote.generation !== this.generation) continue
      this.#myVotes.set(vote.round, vote)
      this.#acceptVote(vote)
      this.#round = Math.max(this.#round, vote.round)
    }
    for (const sm of own.supermajorities) {
      if (sm.voter !== this.self || sm.generation !== this.generation) continue
      this.#mySupermajorities.set(sm.round, sm)
      this.#acceptSuperMajority(sm)
    }
    if (this.#myVotes.size === 0) return out
    this.#started = true
    this.#progress(out)
    return out
  }

  /** The ballots we cast in this generation, for the node store. */
  ownBallots(): { votes: Vote[]; supermajorities: SuperMajority[] } {
    return { votes: [...this.#myVotes.values()], supermajorities: [...this.#mySupermajorities.values()] }
  }

  /**
   * What this voter has seen, for `--why`: per round from the current one back (at most 3), each
   * voter's set (a short id and its size), the union we would vote next, the highest polka and
   * the voters we hold faulty. A stalled generation shows here why its votes never meet.
   */
  describe(label: (proposal: Uint8Array) => string = (p) => toHex(p.subarray(0, 6))): Record<string, unknown> {
    const short = (proposals: ReadonlyArray<Uint8Array>) => `${valueId(proposals).slice(0, 6)}/${proposals.length}`
    const rounds: Record<string, Record<number, string>> = {}
    for (const round of [...this.#votes.keys()].sort((a, b) => b - a).slice(0, 3)) {
      rounds[round] = Object.fromEntries([...this.#votes.get(round)!].map(([voter, vote]) => [voter, short(vote.proposals)]))
    }
    const union = [...this.#proposals.values()].filter((e) => [...e.voters].some((v) => !this.#faulty.has(v)))
    const valid = union.filter((e) => this.#isValid(e.proposal))
    // The proposals we hold invalid, each by what it is and who put it forward.
    const invalid = union.filter((e) => !valid.includes(e)).slice(0, 4).map((e) => `${label(e.proposal)} from ${[...e.voters].join(',')}`)
    return {
      round: this.#round, rounds, known: this.#proposals.size, union: union.length, validUnion: valid.length, invalid,
      ...(this.#highestPolka === undefined ? {} : { polka: `${this.#highestPolka.round}:${short(this.#highestPolka.proposals)}` }),
      faulty: [...this.#faulty], supermajorities: [...this.#supermajorities].map(([round, sms]) => `${round}:${sms.size}`).slice(-3),
    }
  }

  /** Handles ballots from the network (or from inside another ballot). */
  receive(votes: ReadonlyArray<Vote>, supermajorities: ReadonlyArray<SuperMajority>): Outbound {
    const out = emptyOutbound()
    for (const vote of votes) this.#acceptVote(vote)
    for (const sm of supermajorities) this.#acceptSuperMajority(sm)
    this.#progress(out)
    return out
  }

  /** The round timer fired: move on. */
  roundTimeout(): Outbound {
    const out = emptyOutbound()
    if (this.#decision !== undefined || !this.#started) return out
    this.#advance(this.#round + 1, out)
    this.#progress(out)
    return out
  }

  /** Our latest ballots again, and the proof of the highest polka we know, for peers that missed them. */
  gossip(): Outbound {
    const out = emptyOutbound()
    // The combiner of a round we could decide has not announced by now: combine ourselves.
    // (A full tick, not the rest of the current one: the combiner needs a moment.)
    for (const [round, ticks] of [...this.#awaitingCombiner]) {
      if (ticks === 0) {
        this.#awaitingCombiner.set(round, 1)
        continue
      }
      this.#awaitingCombiner.delete(round)
      this.#tryDecide(round, true)
    }
    if (!this.#started) return out
    const vote = this.#myVotes.get(this.#round)
    if (vote !== undefined) out.votes.push(vote)
    const mine = this.#mySupermajorities.get(this.#round)
    if (mine !== undefined) out.supermajorities.push(mine)
    const highest = this.#highestPolka
    if (highest !== undefined && highest.proof !== mine) this.#forwardPolka(highest, out)
    return out
  }

  /** Accepts a decision reached elsewhere, after checking it fully. Returns why not, if not. */
  acceptDecision(decision: Decision): BallotRejection | 'wrong-generation' | undefined {
    if (decision.generation !== this.generation) return 'wrong-generation'
    if (this.#decision !== undefined) return undefined
    const rejection = this.#verifier.decision(decision)
    if (rejection !== undefined) {
      this.#count(rejection)
      return rejection
    }
    this.#decision = decision
    return undefined
  }

  // --- internals -------------------------------------------------------------------------------

  #count(reason: keyof VoterStats['rejected']): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1
  }

  #acceptVote(incoming: Vote): void {
    if (incoming.generation !== this.generation) return this.#count('wrong-generation')
    if (incoming.round > this.#round + MAX_ROUNDS_AHEAD) return this.#count('too-far-ahead')
    const rejection = this.#verifier.vote(incoming)
    if (rejection !== undefined) return this.#count(rejection)
    const id = valueId(incoming.proposals)

    let bySet = this.#support.get(incoming.round)
    if (bySet === undefined) this.#support.set(incoming.round, (bySet = new Map<string, Map<number, Vote>>()))
    if (bySet.get(id)?.has(incoming.voter) === true) return
    const setsOfVoter = [...bySet.values()].filter((voters) => voters.has(incoming.voter)).length
    if (setsOfVoter >= MAX_SETS_PER_VOTER_ROUND) return this.#count('too-many-sets')
    const vote = copyVote(incoming)
    let voters = bySet.get(id)
    if (voters === undefined) bySet.set(id, (voters = new Map<number, Vote>()))
    voters.set(vote.voter, vote)

    let round = this.#votes.get(vote.round)
    if (round === undefined) this.#votes.set(vote.round, (round = new Map<number, Vote>()))
    const previous = round.get(vote.voter)
    if (previous === undefined) {
      round.set(vote.voter, vote)
    } else if (!this.#faulty.has(vote.voter)) {
      // A second set from one voter in one round: it equivocated.
      this.#faulty.add(vote.voter)
      this.stats.equivocations++
      for (const entry of this.#proposals.values()) entry.voters.delete(vote.voter)
    }
    if (!this.#faulty.has(vote.voter)) {
      for (const proposal of vote.proposals) {
        if (!this.#isValid(proposal)) this.#count('invalid-proposal')
        const hex = toHex(proposal)
        let entry = this.#proposals.get(hex)
        if (entry === undefined) {
          if (this.#proposals.size >= MAX_KNOWN_PROPOSALS) {
            this.#count('proposals-full')
            continue
          }
          this.#proposals.set(hex, (entry = { proposal, voters: new Set() }))
        }
        entry.voters.add(vote.voter)
      }
    }
    this.#checkPolka(vote.round, id)
  }

  #acceptSuperMajority(incoming: SuperMajority): void {
    if (incoming.generation !== this.generation) return this.#count('wrong-generation')
    if (incoming.round > this.#round + MAX_ROUNDS_AHEAD) return this.#count('too-far-ahead')
    const rejection = this.#verifier.superMajority(incoming)
    if (rejection !== undefined) return this.#count(rejection)
    const sm = copySuperMajority(incoming)
    // Its justification is a quorum of votes: learn them, and the polka they make, directly.
    for (const vote of sm.justification) this.#acceptVote(vote)
    this.#recordPolka(sm.round, valueId(sm.proposals), sm.proposals, sm.justification, sm)
    if (this.#badShares.has(`${sm.round}/${sm.voter}`)) return
    let round = this.#supermajorities.get(sm.round)
    if (round === undefined) this.#supermajorities.set(sm.round, (round = new Map<number, SuperMajority>()))
    if (!round.has(sm.voter)) round.set(sm.voter, sm)
    this.#tryDecide(sm.round)
  }

  #checkPolka(round: number, id: string): void {
    const voters = this.#support.get(round)?.get(id)
    if (voters === undefined || voters.size < this.#roster.quorum) return
    const votes = [...voters.values()]
    this.#recordPolka(round, id, votes[0]!.proposals, votes.slice(0, this.#roster.quorum), undefined)
  }

  #recordPolka(round: number, id: string, proposals: ReadonlyArray<Uint8Array>, votes: ReadonlyArray<Vote>, proof: SuperMajority | undefined): void {
    const known = this.#polkas.get(round)
    if (known !== undefined) {
      if (known.id === id && known.proof === undefined && proof !== undefined) known.proof = proof
      return
    }
    const polka: Polka = { round, id, proposals: proposals.slice(), votes, proof }
    this.#polkas.set(round, polka)
    if (this.#highestPolka === undefined || round > this.#highestPolka.round) this.#highestPolka = polka
  }

  #castVote(round: number, ballot: 'Propose' | 'Merge', proposals: Uint8Array[], out: Outbound): void {
    if (this.#myVotes.has(round)) return
    const vote = signVote(this.#keypair, this.#verifier.sectionKey, {
      voter: this.self, generation: this.generation, round, ballot, proposals,
    })
    this.#myVotes.set(round, vote)
    out.votes.push(vote)
    this.#acceptVote(vote)
  }

  #advance(round: number, out: Outbound): void {
    if (round <= this.#round && this.#myVotes.has(round)) return
    this.#round = round
    this.stats.rounds = Math.max(this.stats.rounds, round)
    const polka = this.#highestPolka
    if (polka !== undefined) {
      this.#castVote(round, 'Merge', polka.proposals, out)
      this.#forwardPolka(polka, out)
    } else {
      // Validity is asked now, not when the vote came: what a voter can check may grow (a DKG
      // message that arrived late), and the union must reflect what is valid by now. From round 2
      // on, a proposal only we have voted is left out: the others have had a round to take it up
      // and did not (they hold it invalid, or never heard it; it stays pending with us for the
      // next generation), and a proposal valid to one elder alone must not keep the rest apart. (300 nodes, seed 2, `--partition`: with two elders gone, four voted one set and the
      // fifth, holding one more proposal valid, its union — 48 rounds, never a quorum.)
      const union = [...this.#proposals.values()]
        .filter((e) => [...e.voters].some((v) => !this.#faulty.has(v) && (round < 2 || v !== this.self)) && this.#isValid(e.proposal))
        .map((e) => e.proposal)
      // At most what a vote carries (MAX_PROPOSALS), the same first ones at every voter with the
      // same union; the rest stay pending with their proposers for the next generation. (Seven
      // elders with 40 joins pending each made a union no vote could carry: the vote failed at
      // the sender, `outbound AgreementVotes InvalidOutbound`, and the generation stalled.)
      this.#castVote(round, 'Merge', canonicalProposals(union).slice(0, MAX_PROPOSALS), out)
    }
  }

  /** Passes on what proves a polka: its SuperMajority ballot, or else its quorum of votes. */
  #forwardPolka(polka: Polka, out: Outbound): void {
    if (polka.proof !== undefined) out.supermajorities.push(polka.proof)
    else out.votes.push(...polka.votes)
  }

  /** Applies every rule that may fire after new information, until none does. */
  #progress(out: Outbound): void {
    for (let guard = 0; guard < 64 && this.#decision === undefined && this.#started; guard++) {
      const before = this.#round

      // Lock and cast SuperMajority on a polka in our current round.
      const polka = this.#polkas.get(this.#round)
      if (polka !== undefined && !this.#mySupermajorities.has(this.#round)) {
        const justification = polka.votes.slice(0, this.#roster.quorum)
        // Round-free: one share per set, whichever round we lock on it in.
        const value = valueId(polka.proposals)
        let share = this.#myShares.get(value)
        if (share === undefined) {
          share = this.#share.sign(decisionBytes(this.#verifier.sectionKey, this.generation, polka.proposals)).toBytes()
          this.#myShares.set(value, share)
        }
        const sm = signSuperMajority(this.#keypair, this.#verifier.sectionKey, {
          voter: this.self, generation: this.generation, round: this.#round, proposals: polka.proposals, justification, share,
        })
        this.#mySupermajorities.set(this.#round, sm)
        polka.proof ??= sm
        out.supermajorities.push(sm)
        this.#acceptSuperMajority(sm)
        if (this.#decision !== undefined) return
      }

      // Catch up with a later round that more than n − q voters have reached.
      const later = this.#laterRoundWithFollowing()
      if (later !== undefined) {
        this.#advance(later, out)
        continue
      }

      // A split vote: no set can reach a quorum in this round any more.
      if (this.#isSplit(this.#round)) {
        this.#advance(this.#round + 1, out)
        continue
      }
      if (this.#round === before) return
    }
  }

  #laterRoundWithFollowing(): number | undefined {
    let found: number | undefined
    for (const [round, votes] of this.#votes) {
      if (round > this.#round && votes.size > faultTolerance(this.#roster) && (found === undefined || round > found)) found = round
    }
    return found
  }

  #isSplit(round: number): boolean {
    if (this.#polkas.has(round)) return false
    const votes = this.#votes.get(round)
    if (votes === undefined) return false
    const counts = new Map<string, number>()
    for (const vote of votes.values()) {
      const id = valueId(vote.proposals)
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    const most = Math.max(0, ...counts.values())
    const remaining = this.#roster.elders.length - votes.size
    return votes.size > faultTolerance(this.#roster) && most + remaining < this.#roster.quorum
  }

  /**
   * Decides `round` once a quorum of SuperMajority ballots agree. Combining the BLS shares
   * (~20 ms of interpolation) is left to one elder per round, (generation + round) mod n, which
   * announces the Decision; the others combine themselves only if it has not arrived by their
   * next gossip tick — so a silent combiner costs half a second, never agreement.
   */
  #tryDecide(round: number, force = false): void {
    if (this.#decision !== undefined) return
    const sms = this.#supermajorities.get(round)
    if (sms === undefined || sms.size < this.#roster.quorum) return
    if (!force && (this.generation + round) % this.#roster.elders.length !== this.self) {
      if (!this.#awaitingCombiner.has(round)) this.#awaitingCombiner.set(round, 0)
      return
    }
    const byValue = new Map<string, SuperMajority[]>()
    for (const sm of sms.values()) {
      const id = valueId(sm.proposals)
      const list = byValue.get(id) ?? []
      list.push(sm)
      byValue.set(id, list)
    }
    for (const list of byValue.values()) {
      if (list.length < this.#roster.quorum) continue
      const proposals = list[0]!.proposals
      const message = decisionBytes(this.#verifier.sectionKey, this.generation, proposals)
      try {
        const shares = list.map((sm) => ({ index: sm.voter, share: SignatureShare.fromBytes(sm.share), signer: String(sm.voter) }))
        const { signature, badSigners, signers } = this.#roster.keySet.combine(message, shares)
        for (const bad of badSigners) this.#markBadShare(round, Number(bad))
        // The decision carries the ballots whose shares made its signature.
        const used = list.filter((sm) => signers.includes(String(sm.voter)))
        this.#decision = { generation: this.generation, round, proposals, supermajority: used, signature: signature.toBytes() }
        return
      } catch (error) {
        if (error instanceof CombineFailed) {
          for (const bad of error.badSigners) this.#markBadShare(round, Number(bad))
          continue
        }
        // A share that is not even a curve point.
        if (error instanceof Error && error.name === 'InvalidEncoding') {
          for (const sm of list) {
            try {
              SignatureShare.fromBytes(sm.share)
            } catch {
              this.#markBadShare(round, sm.voter)
            }
          }
          continue
        }
        throw error
      }
    }
  }

  /** A SuperMajority ballot whose share does not verify is dropped and its voter marked faulty. */
  #markBadShare(round: number, voter: number): void {
    this.#count('bad-share')
    this.#badShares.add(`${round}/${voter}`)
    this.#supermajorities.get(round)?.delete(voter)
    this.#faulty.add(voter)
  }
}

function emptyOutbound(): { votes: Vote[]; supermajorities: SuperMajority[] } {
  return { votes: [], supermajorities: [] }
}
