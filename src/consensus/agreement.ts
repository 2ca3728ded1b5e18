/**
 * Agreement across generations for one elder: routes ballots to the voter of their generation,
 * answers elders that fell behind with the signed Decision, and catches up itself by asking for
 * decisions it missed (DESIGN.md §6: "elders that fall behind catch up by asking for the decided
 * generation").
 *
 * Pure: no I/O, no clock. Every method returns the {@link Effects} for the runtime to carry out.
 */
import type { NodeKeypair, SecretKeyShare } from '../crypto/index.ts'
import { BallotVerifier, type Decision, type SuperMajority, type Vote } from './ballots.ts'
import { DEFAULT_TIMING, GenerationVoter, type VoterTiming } from './generation-voter.ts'
import type { Roster } from './roster.ts'

export interface Effects {
  /** Ballots for every other elder. */
  readonly broadcast: Array<{ votes: Vote[]; supermajorities: SuperMajority[] }>
  /** Decisions to announce, to one elder (`to`) or to all (`to` undefined). */
  readonly announce: Array<{ to: number | undefined; decision: Decision }>
  /** Decisions to ask one elder for. */
  readonly request: Array<{ to: number; generation: number }>
  /** Generations decided by this call, in order. */
  readonly decided: Decision[]
}

export interface AgreementOptions {
  readonly roster: Roster
  readonly self: number
  readonly keypair: NodeKeypair
  readonly share: SecretKeyShare
  readonly isValid: (proposal: Uint8Array) => boolean
  /**
   * What this elder proposes for a generation; `undefined` while it has nothing to propose yet
   * (call {@link Agreement.offer} when it has). Ballots of others are taken in meanwhile.
   */
  readonly proposalsFor: (generation: number) => ReadonlyArray<Uint8Array> | undefined
  readonly firstGeneration?: number
  /** The last generation to decide; after it the agreement is finished. Unbounded if absent. */
  readonly lastGeneration?: number
  /** Ballots this elder cast in `firstGeneration` before a restart (from its store). */
  readonly restore?: { readonly votes: ReadonlyArray<Vote>; readonly supermajorities: ReadonlyArray<SuperMajority> }
  readonly timing?: VoterTiming
}

/** Generations ahead of ours whose (verified) ballots we keep for when we get there. */
const MAX_GENERATIONS_AHEAD = 2
/** Ballots kept for generations ahead, in all. */
const MAX_BUFFERED = 512
/** Bad ballots (failed signatures or checks) one sender may send before it is not listened to. */
const MAX_OFFENCES = 64

export class Agreement {
  readonly #options: AgreementOptions
  #voter: GenerationVoter
  readonly #decisions = new Map<number, Decision>()
  readonly #ahead = new Map<number, { votes: Vote[]; supermajorities: SuperMajority[] }>()
  #buffered = 0
  readonly #verifier: BallotVerifier
  /** Bad ballots received, by sending elder. */
  readonly #offences = new Map<number, number>()
  /** `peer/generation` asked since the last gossip tick, so a burst of ballots asks once. */
  readonly #asked = new Set<string>()
  #finished = false
  /** The generation whose voter was started (proposals given). */
  #started = -1
  #maxRound = 0
  /** Refusals and equivocations seen, summed over generations. */
  readonly stats: { rejected: Record<string, number>; equivocations: number } = { rejected: {}, equivocations: 0 }

  constructor(options: AgreementOptions) {
    this.#options = options
    this.#verifier = new BallotVerifier(options.roster)
    this.#voter = this.#newVoter(options.firstGeneration ?? 0)
  }

  /** The generation being decided (or the next one, once finished). */
  get generation(): number {
    return this.#voter.generation
  }

  get round(): number {
    return this.#voter.round
  }

  /** True once `from` sent more bad ballots than we tolerate: the runtime may stop listening to it. */
  ignores(from: number): boolean {
    return (this.#offences.get(from) ?? 0) >= MAX_OFFENCES
  }

  /** Highest round any generation needed so far. */
  get maxRound(): number {
    return Math.max(this.#maxRound, this.#voter.round)
  }

  get voter(): GenerationVoter {
    return this.#voter
  }

  /** True once `lastGeneration` is decided. */
  get finished(): boolean {
    return this.#finished
  }

  decision(generation: number): Decision | undefined {
    return this.#decisions.get(generation)
  }

  get decisions(): ReadonlyMap<number, Decision> {
    return this.#decisions
  }

  roundTimeoutMs(): number {
    return this.#voter.roundTimeoutMs()
  }

  get gossipIntervalMs(): number {
    return (this.#options.timing ?? DEFAULT_TIMING).gossipIntervalMs
  }

  start(): Effects {
    const effects = emptyEffects()
    const restore = this.#options.restore
    if (restore !== undefined && this.#started < 0 && this.#voter.generation === (this.#options.firstGeneration ?? 0)) {
      const out = this.#voter.restore(restore)
      if (this.#voter.ownBallots().votes.length > 0) this.#started = this.#voter.generation
      this.#apply(effects, out)
      this.#afterDecision(effects)
    }
    this.#startCurrent(effects)
    return effects
  }

  /** Proposals for the current generation may be ready now: start voting if so. */
  offer(): Effects {
    return this.start()
  }

  onVotes(from: number, votes: ReadonlyArray<Vote>, supermajorities: ReadonlyArray<SuperMajority>): Effects {
    const effects = emptyEffects()
    // A sender that keeps sending ballots that fail their checks is no longer listened to (its
    // ballots could only ever be forged or broken); honest elders never send one.
    if ((this.#offences.get(from) ?? 0) >= MAX_OFFENCES) return effects
    let offences = 0
    for (const vote of votes) if (this.#verifier.vote(vote) !== undefined) offences++
    for (const sm of supermajorities) if (this.#verifier.superMajority(sm) !== undefined) offences++
    if (offences > 0) this.#offences.set(from, (this.#offences.get(from) ?? 0) + offences)
    const current = this.#voter.generation
    const byGeneration = new Map<number, { votes: Vote[]; supermajorities: SuperMajority[] }>()
    const bucket = (g: number) => {
      let b = byGeneration.get(g)
      if (b === undefined) byGeneration.set(g, (b = { votes: [], supermajorities: [] }))
      return b
    }
    for (const vote of votes) bucket(vote.generation).votes.push(vote)
    for (const sm of supermajorities) bucket(sm.generation).supermajorities.push(sm)

    for (const [generation, ballots] of byGeneration) {
      if (generation < current) {
        // The sender is behind: it gets the decision (its own ballot tells us it still votes).
        const decision = this.#decisions.get(generation)
        const ownBallot = ballots.votes.some((v) => v.voter === from) || ballots.supermajorities.some((s) => s.voter === from)
        if (decision !== undefined && ownBallot) effects.announce.push({ to: from, decision })
      } else if (generation === current && !this.#finished) {
        this.#apply(effects, this.#voter.receive(ballots.votes, ballots.supermajorities))
      } else if (!this.#finished) {
        // We are behind: keep the ballots that verify (a bounded few generations ahead), and ask
        // for the decision we missed.
        if (generation <= current + MAX_GENERATIONS_AHEAD) {
          const kept = this.#ahead.get(generation) ?? { votes: [], supermajorities: [] }
          for (const vote of ballots.votes) {
            if (this.#buffered >= MAX_BUFFERED) break
            if (this.#verifier.vote(vote) === undefined) {
              kept.votes.push(vote)
              this.#buffered++
            }
          }
          for (const sm of ballots.supermajorities) {
            if (this.#buffered >= MAX_BUFFERED) break
            if (this.#verifier.superMajority(sm) === undefined) {
              kept.supermajorities.push(sm)
              this.#buffered++
            }
          }
          this.#ahead.set(generation, kept)
        }
        const key = `${from}/${current}`
        if (!this.#asked.has(key) && !this.#finished) {
          this.#asked.add(key)
          effects.request.push({ to: from, generation: current })
        }
      }
    }
    this.#afterDecision(effects)
    return effects
  }

  onDecisionRequest(from: number, generation: number): Effects {
    const effects = emptyEffects()
    const decision = this.#decisions.get(generation)
    if (decision !== undefined) effects.announce.push({ to: from, decision })
    return effects
  }

  onDecision(decision: Decision): Effects {
    const effects = emptyEffects()
    if (decision.generation === this.#voter.generation && !this.#finished) {
      this.#voter.acceptDecision(decision)
      this.#afterDecision(effects)
    }
    return effects
  }

  roundTimeout(): Effects {
    const effects = emptyEffects()
    if (!this.#finished) this.#apply(effects, this.#voter.roundTimeout())
    this.#afterDecision(effects)
    return effects
  }

  gossip(): Effects {
    const effects = emptyEffects()
    this.#asked.clear()
    if (!this.#finished) this.#apply(effects, this.#voter.gossip())
    // Gossip may decide: a round whose combiner stayed silent is combined here.
    this.#afterDecision(effects)
    return effects
  }

  #collectStats(voter: GenerationVoter): void {
    for (const [reason, count] of Object.entries(voter.stats.rejected)) this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + (count ?? 0)
    this.stats.equivocations += voter.stats.equivocations
  }

  #newVoter(generation: number): GenerationVoter {
    const o = this.#options
    return new GenerationVoter({
      roster: o.roster, self: o.self, keypair: o.keypair, share: o.share, generation, isValid: o.isValid, verifier: this.#verifier,
      ...(o.timing === undefined ? {} : { timing: o.timing }),
    })
  }

  #startCurrent(effects: Effects): void {
    const last = this.#options.lastGeneration
    if (last !== undefined && this.#voter.generation > last) {
      this.#finished = true
      return
    }
    if (this.#started === this.#voter.generation) return
    const proposals = this.#options.proposalsFor(this.#voter.generation)
    if (proposals === undefined) return
    this.#started = this.#voter.generation
    this.#apply(effects, this.#voter.start(proposals))
  }

  /** Ballots kept for the generation we just reached are played; those of skipped ones go. */
  #replayAhead(effects: Effects): void {
    for (const [generation, kept] of [...this.#ahead]) {
      if (generation > this.#voter.generation) continue
      this.#ahead.delete(generation)
      this.#buffered -= kept.votes.length + kept.supermajorities.length
      if (generation === this.#voter.generation) this.#apply(effects, this.#voter.receive(kept.votes, kept.supermajorities))
    }
  }

  #apply(effects: Effects, out: { votes: Vote[]; supermajorities: SuperMajority[] }): void {
    if (out.votes.length > 0 || out.supermajorities.length > 0) effects.broadcast.push(out)
  }

  /** Moves through every generation that is decided now, announcing each decision once. */
  #afterDecision(effects: Effects): void {
    while (!this.#finished && this.#voter.decision !== undefined) {
      const decision = this.#voter.decision
      this.#maxRound = Math.max(this.#maxRound, this.#voter.round)
      this.#collectStats(this.#voter)
      this.#decisions.set(decision.generation, decision)
      effects.decided.push(decision)
      effects.announce.push({ to: undefined, decision })
      this.#voter = this.#newVoter(decision.generation + 1)
      this.#replayAhead(effects)
      this.#startCurrent(effects)
    }
  }
}

function emptyEffects(): Effects {
  return { broadcast: [], announce: [], request: [], decided: [] }
}
