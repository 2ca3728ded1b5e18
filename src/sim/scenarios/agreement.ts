/**
 * `safenet sim --scenario agreement`: n elders decide a few generations of membership changes
 * over the simulated network, with Byzantine elders, lost, duplicated and reordered messages,
 * and an elder cut off long enough to miss a generation and catch up.
 *
 * Checked on every decision: agreement (honest elders decide one set per generation), validity
 * (decided proposals were proposed and are valid); at the end, termination (every honest elder
 * decided every generation once faults stopped).
 */
import { Result } from 'effect'
import {
  Agreement,
  type Decision,
  decisionBytes,
  type Roster,
  type SuperMajority,
  signSuperMajority,
  signVote,
  valueId,
  type Vote,
} from '../../consensus/index.ts'
import type { NodeKeypair, SecretKeySet, SecretKeyShare } from '../../crypto/index.ts'
import { toHex } from '../../crypto/index.ts'
import { AgreementHost } from '../../roles/elder/agreement-host.ts'
import type { PeerId } from '../../transport/transport.ts'
import { decode, type Message } from '../../wire/index.ts'
import type { SeededRandom } from '../random.ts'
import type { Scheduler } from '../scheduler.ts'
import type { WirePeer } from '../../transport/wire-peer.ts'
import { createWorld, flip, reseal } from './world.ts'

export const AGREEMENT_STRATEGIES = ['equivocate', 'silent', 'invalid-signatures', 'invalid-proposals', 'forge'] as const
export type AgreementStrategy = (typeof AGREEMENT_STRATEGIES)[number]

export interface AgreementScenarioOptions {
  readonly elders: number
  readonly byzantine: number
  readonly drop: number
  readonly generations?: number
  /** Override the quorum (tests weaken it to show the checkers catch what it allows). */
  readonly quorum?: number
  readonly strategies?: ReadonlyArray<AgreementStrategy>
  /**
   * How honest elders propose: `random` — a random non-empty subset of the generation's pool
   * each; `two-camps` — each proposes one of two single changes, the split an equivocator needs.
   */
  readonly proposals?: 'random' | 'two-camps'
  /** Faults (drops, duplicates, reordering, partitions) stop at this virtual time. */
  readonly faultsUntilMs?: number
  readonly maxVirtualTimeMs?: number
  /** Receives a line per notable event (proposals, decisions): `safenet sim … --verbose`. */
  readonly log?: (line: string) => void
}

export interface AgreementRunResult {
  readonly seed: number
  readonly decided: boolean
  readonly agreementViolations: number
  readonly validityViolations: number
  readonly virtualTimeMs: number
  readonly strategies: ReadonlyArray<AgreementStrategy>
  readonly rounds: number
  readonly messages: number
  readonly traceHash: string
  readonly lateElder: number | undefined
  /** An honest elder that crashed and restarted from its store, when the run had one. */
  readonly crashedElder: number | undefined
  /** Ballots honest elders refused, by reason, and equivocations they caught. */
  readonly rejected: Record<string, number>
  readonly equivocations: number
}

const VALID_PREFIX = 'change:'

function isValidProposal(proposal: Uint8Array): boolean {
  return Buffer.from(proposal).toString('utf8').startsWith(VALID_PREFIX)
}

function proposalPool(generation: number): Uint8Array[] {
  return ['join', 'leave', 'relocate'].map((what) => new TextEncoder().encode(`${VALID_PREFIX}g${generation}:${what}`))
}

/** One run of the scenario, reproducible from `seed`. */
export function runAgreement(seed: number, options: AgreementScenarioOptions): AgreementRunResult {
  const n = options.elders
  const generations = options.generations ?? 2
  const faultsUntilMs = options.faultsUntilMs ?? 20_000
  const maxVirtualTimeMs = options.maxVirtualTimeMs ?? 120_000
  const { random, scheduler, network, keypairs, keySet, roster, peers, wire } = createWorld(seed, { elders: n, drop: options.drop, faultsUntilMs, quorum: options.quorum })
  const sectionKey = roster.keySet.publicKey().toBytes()

  const roles = random.fork('roles')
  const byzantine = new Set(roles.shuffle([...Array(n).keys()]).slice(0, options.byzantine))
  const strategyPool = options.strategies ?? AGREEMENT_STRATEGIES
  const strategyOf = new Map<number, AgreementStrategy>()
  for (const index of byzantine) strategyOf.set(index, roles.pick(strategyPool))
  const honest = [...Array(n).keys()].filter((i) => !byzantine.has(i))

  // Who proposes what: honest elders a random non-empty subset of the generation's pool.
  const proposing = random.fork('proposals')
  /** What was proposed for each generation: validity is judged per generation. */
  const proposed = new Map<number, Set<string>>()
  const proposalsOf = (index: number, generation: number): Uint8Array[] => {
    const pool = proposalPool(generation)
    let chosen: Uint8Array[]
    if (options.proposals === 'two-camps') {
      chosen = [pool[proposing.int(2)]!]
    } else {
      chosen = pool.filter(() => proposing.chance(0.6))
      if (chosen.length === 0) chosen = [proposing.pick(pool)]
    }
    if (strategyOf.get(index) === 'invalid-proposals') chosen = [...chosen, new TextEncoder().encode(`forged:g${generation}:steal-section-key`)]
    const forGeneration = proposed.get(generation) ?? new Set<string>()
    for (const p of chosen) forGeneration.add(toHex(p))
    proposed.set(generation, forGeneration)
    options.log?.(`t=${Math.round(scheduler.now)} elder ${index}${byzantine.has(index) ? ` (${strategyOf.get(index)})` : ''} proposes g${generation}: ${describeProposals(chosen)}`)
    return chosen
  }

  // Checkers, run on every decision.
  const decisionsByGeneration = new Map<number, Map<number, string>>()
  let agreementViolations = 0
  let validityViolations = 0
  const onDecided = (elder: number, decision: Decision) => {
    const id = valueId(decision.proposals)
    options.log?.(`t=${Math.round(scheduler.now)} elder ${elder} decides g${decision.generation} in round ${decision.round}: ${describeProposals(decision.proposals)}`)
    let byElder = decisionsByGeneration.get(decision.generation)
    if (byElder === undefined) decisionsByGeneration.set(decision.generation, (byElder = new Map<number, string>()))
    if ([...byElder.values()].some((other) => other !== id)) agreementViolations++
    byElder.set(elder, id)
    const proposedThen = proposed.get(decision.generation) ?? new Set<string>()
    if (decision.proposals.some((p) => !isValidProposal(p) || !proposedThen.has(toHex(p)))) validityViolations++
  }

  const agreements = new Map<number, Agreement>()
  // What each elder keeps across a crash: decisions, and its own ballots, written before sending.
  const stores = new Map<number, ElderStore>()
  const hosts = new Map<number, { stop: () => void; relaunch: (epoch: number) => () => void }>()

  let adversary: MirrorAdversary | undefined
  for (let index = 0; index < n; index++) {
    const strategy = strategyOf.get(index)
    const peer = wire[index]!
    if (strategy === 'equivocate') {
      adversary ??= new MirrorAdversary(roster, sectionKey, keySet, keypairs, peers, wire)
      adversary.control(index)
      continue
    }
    if (strategy === 'forge') {
      forge(index, wire[index]!, peers, byzantine)
      continue
    }
    const store: ElderStore = { decisions: new Map(), ballots: new Map() }
    stores.set(index, store)
    const launch = (epoch: number, restore: boolean) => {
      const firstGeneration = restore ? Math.max(-1, ...store.decisions.keys()) + 1 : 0
      const own = store.ballots.get(firstGeneration)
      const agreement = new Agreement({
        roster, self: index, keypair: keypairs[index]!, share: keySet.secretKeyShare(index),
        isValid: strategy === 'invalid-proposals' ? () => true : isValidProposal,
        proposalsFor: (generation) => proposalsOf(index, generation),
        lastGeneration: generations - 1,
        firstGeneration,
        ...(own === undefined ? {} : { restore: own }),
      })
      if (!byzantine.has(index)) agreements.set(index, agreement)
      return hostElder(index, epoch, agreement, peer, peers, scheduler, store, (decision) => {
        if (!byzantine.has(index)) onDecided(index, decision)
      })
    }
    hosts.set(index, { stop: launch(0, false), relaunch: (epoch) => launch(epoch, true) })
    if (strategy === 'silent') network.intercept(peers[index]!, () => [])
    if (strategy === 'invalid-signatures') {
      network.intercept(peers[index]!, corruptingInterceptor(keypairs[index]!, keySet.secretKeyShare(index), sectionKey, random.fork(`corrupt-${index}`)))
    }
  }

  // One honest elder is cut off for a while in some runs: it must catch up by asking.
  const lateElder = random.chance(0.5) ? random.pick(honest) : undefined
  if (lateElder !== undefined) {
    network.partition([peers.filter((_, i) => i !== lateElder), [peers[lateElder]!]])
    scheduler.schedule(Math.min(faultsUntilMs, 4_000 + random.int(4_000)), () => network.heal())
  }

  // And one honest elder crashes in some runs, restarting from its store a little later.
  const crashedElder = random.chance(0.3) ? random.pick(honest.filter((i) => i !== lateElder)) : undefined
  if (crashedElder !== undefined) {
    const host = hosts.get(crashedElder)!
    const crashAt = 100 + random.int(1_500)
    scheduler.schedule(crashAt, () => {
      options.log?.(`t=${Math.round(scheduler.now)} elder ${crashedElder} crashes`)
      host.stop()
      network.crash(peers[crashedElder]!)
      scheduler.schedule(1_000 + random.int(4_000), () => {
        options.log?.(`t=${Math.round(scheduler.now)} elder ${crashedElder} restarts from its store`)
        network.restart(peers[crashedElder]!)
        host.stop = host.relaunch(1)
      })
    })
  }

  const allDecided = () => honest.every((i) => (stores.get(i)?.decisions.size ?? 0) >= generations)
  scheduler.run({ maxTimeMs: maxVirtualTimeMs, until: allDecided })

  return {
    seed,
    decided: allDecided(),
    agreementViolations,
    validityViolations,
    virtualTimeMs: Math.round(scheduler.now),
    strategies: [...strategyOf.values()],
    rounds: Math.max(0, ...[...agreements.values()].map((a) => a.maxRound)),
    messages: network.stats.sent,
    traceHash: network.traceHash(),
    lateElder,
    crashedElder,
    rejected: sumCounts([...agreements.values()].map((a) => a.stats.rejected)),
    equivocations: [...agreements.values()].reduce((sum, a) => sum + a.stats.equivocations, 0),
  }
}

/** What an elder's store keeps for the agreement. */
interface ElderStore {
  readonly decisions: Map<number, Decision>
  /** Our own ballots by generation, written before they are sent. */
  readonly ballots: Map<number, { votes: Vote[]; supermajorities: SuperMajority[] }>
}

/**
 * Runs one elder: its agreement hosted on the virtual clock, wired to its peer, its own ballots
 * and its decisions kept in its store. Returns a function that stops it (a crash).
 */
function hostElder(
  index: number,
  epoch: number,
  agreement: Agreement,
  peer: WirePeer,
  peers: ReadonlyArray<PeerId>,
  scheduler: Scheduler,
  store: ElderStore,
  onDecided: (decision: Decision) => void,
): () => void {
  const host = new AgreementHost({
    agreement,
    clock: scheduler,
    systemId: `${peers[index]!.slice(0, 6)}/agreement/${epoch}`,
    elders: peers,
    self: index,
    send: (to, kind, payload) => peer.send(to, kind, payload),
    journal: (ballots) => {
      for (const vote of ballots.votes) if (vote.voter === index) ownBallots(store, vote.generation).votes.push(vote)
      for (const sm of ballots.supermajorities) if (sm.voter === index) ownBallots(store, sm.generation).supermajorities.push(sm)
    },
    onDecided: (decision) => {
      store.decisions.set(decision.generation, decision)
      onDecided(decision)
    },
    onIgnored: (from) => peer.block(peers[from]!),
  })
  peer.listen((from, message) => host.receive(peers.indexOf(from), message))
  host.start()
  return () => host.stop()
}

function ownBallots(store: ElderStore, generation: number): { votes: Vote[]; supermajorities: SuperMajority[] } {
  let ballots = store.ballots.get(generation)
  if (ballots === undefined) store.ballots.set(generation, (ballots = { votes: [], supermajorities: [] }))
  return ballots
}

/**
 * Invalid signatures: the elder follows the protocol, but its outbound ballots leave with a
 * broken Ed25519 signature (votes) or a BLS share over the wrong message (SuperMajority ballots,
 * re-signed so only the share is wrong), and its decisions with a corrupted section signature.
 */
function corruptingInterceptor(keypair: NodeKeypair, share: SecretKeyShare, sectionKey: Uint8Array, random: SeededRandom) {
  const wrongShare = share.sign(new TextEncoder().encode('not the decision')).toBytes()
  return (_to: PeerId, frame: Uint8Array): Uint8Array[] => {
    const decoded = decode(frame)
    if (Result.isFailure(decoded)) return [frame]
    const message: Message = decoded.success
    if (message.kind === 'AgreementVotes') {
      const votes = message.payload.votes.map((v) => ({ ...v, signature: flip(v.signature) }))
      const supermajorities = message.payload.supermajorities.map((sm) =>
        sm.voter === share.index ? signSuperMajority(keypair, sectionKey, { ...sm, share: wrongShare }) : sm)
      return [reseal(message, { votes, supermajorities }, keypair, random, frame)]
    }
    if (message.kind === 'DecisionAnnounce') {
      return [reseal(message, { decision: { ...message.payload.decision, signature: flip(message.payload.decision.signature) } }, keypair, random, frame)]
    }
    return [frame]
  }
}

function sumCounts(all: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const counts of all) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v
  return out
}

function describeProposals(proposals: ReadonlyArray<Uint8Array>): string {
  return `{${proposals.map((p) => Buffer.from(p).toString('utf8')).join(', ')}}`
}

/**
 * Forgery: the Byzantine elder re-sends every honest vote it receives with the signature kept but
 * the content changed — another round, the other ballot kind, another set — and SuperMajority
 * ballots with a stolen justification. Every one must be refused as a bad signature.
 */
function forge(self: number, peer: WirePeer, peers: ReadonlyArray<PeerId>, colluders: ReadonlySet<number>): void {
  const others = peers.filter((_, i) => i !== self)
  peer.listen((from, message) => {
    // Forgers work on honest ballots only (forging each other's would just flood the simulator).
    if (message.kind !== 'AgreementVotes' || colluders.has(peers.indexOf(from))) return
    const votes = message.payload.votes.flatMap((v) => [
      { ...v, round: v.round + 1 },
      { ...v, ballot: v.ballot === 'Propose' ? 'Merge' as const : 'Propose' as const },
      { ...v, proposals: [] },
    ])
    const supermajorities = message.payload.supermajorities.map((sm) => ({ ...sm, round: sm.round + 1 }))
    peer.send(others, 'AgreementVotes', { votes: votes.slice(0, 28), supermajorities: supermajorities.slice(0, 14) })
  })
}

/**
 * Equivocation, the strongest form we know: the Byzantine elders tell every honest elder that
 * they agree with it. Each honest vote is answered with votes for the same set from every
 * Byzantine elder, and each honest SuperMajority ballot with Byzantine SuperMajority ballots
 * (justified by the honest and mirrored votes the adversary collected) to every honest elder
 * that voted that set. Under a correct quorum this must not break agreement; under a weakened
 * one it does, which is how the checker is shown to work.
 */
class MirrorAdversary {
  readonly #roster: Roster
  readonly #sectionKey: Uint8Array
  readonly #keySet: SecretKeySet
  readonly #keypairs: ReadonlyArray<NodeKeypair>
  readonly #peers: ReadonlyArray<PeerId>
  readonly #wire: ReadonlyArray<WirePeer>
  readonly #controlled: number[] = []
  /** Votes per `generation/round/valueId`, by voter. */
  readonly #votes = new Map<string, Map<number, Vote>>()
  /** Latest vote value per honest elder per `generation/round`. */
  readonly #valueOf = new Map<string, string>()
  readonly #sent = new Set<string>()
  /** BLS shares already made, by `byzantine/generation/valueId` (a share costs ~7 ms). */
  readonly #shares = new Map<string, { share: Uint8Array }>()

  constructor(roster: Roster, sectionKey: Uint8Array, keySet: SecretKeySet, keypairs: ReadonlyArray<NodeKeypair>, peers: ReadonlyArray<PeerId>, wire: ReadonlyArray<WirePeer>) {
    this.#roster = roster
    this.#sectionKey = sectionKey
    this.#keySet = keySet
    this.#keypairs = keypairs
    this.#peers = peers
    this.#wire = wire
  }

  control(index: number): void {
    this.#controlled.push(index)
    this.#wire[index]!.listen((from, message) => {
      if (message.kind === 'AgreementVotes') this.#observe(this.#peers.indexOf(from), message.payload.votes, message.payload.supermajorities)
    })
  }

  #record(vote: Vote): void {
    const key = `${vote.generation}/${vote.round}/${valueId(vote.proposals)}`
    let byVoter = this.#votes.get(key)
    if (byVoter === undefined) this.#votes.set(key, (byVoter = new Map<number, Vote>()))
    if (!byVoter.has(vote.voter)) byVoter.set(vote.voter, vote)
  }

  #observe(from: number, votes: ReadonlyArray<Vote>, supermajorities: ReadonlyArray<SuperMajority>): void {
    if (this.#controlled.includes(from)) return
    for (const sm of supermajorities) for (const v of sm.justification) this.#record(v)
    for (const vote of votes) {
      this.#record(vote)
      if (vote.voter !== from) continue
      this.#valueOf.set(`${from}/${vote.generation}/${vote.round}`, valueId(vote.proposals))
      for (const b of this.#controlled) {
        const key = `vote/${b}/${from}/${vote.generation}/${vote.round}`
        if (this.#sent.has(key)) continue
        this.#sent.add(key)
        const mirrored = signVote(this.#keypairs[b]!, this.#sectionKey, { voter: b, generation: vote.generation, round: vote.round, ballot: vote.ballot, proposals: vote.proposals })
        this.#record(mirrored)
        this.#wire[b]!.send([this.#peers[from]!], 'AgreementVotes', { votes: [mirrored], supermajorities: [] })
      }
    }
    // As soon as a quorum of votes for a set exists (honest and mirrored), hand every honest
    // elder that voted it SuperMajority ballots — before the honest elders get there themselves.
    const touched = new Map<string, Vote>()
    for (const vote of votes) touched.set(`${vote.generation}/${vote.round}/${valueId(vote.proposals)}`, vote)
    for (const sm of supermajorities) touched.set(`${sm.generation}/${sm.round}/${valueId(sm.proposals)}`, sm.justification[0] ?? { ...sm, ballot: 'Merge' })
    for (const sample of touched.values()) this.#superMajorities(sample.generation, sample.round, sample.proposals)
  }

  #superMajorities(generation: number, round: number, proposals: ReadonlyArray<Uint8Array>): void {
    const id = valueId(proposals)
    const voters = this.#votes.get(`${generation}/${round}/${id}`)
    if (voters === undefined || voters.size < this.#roster.quorum) return
    const justification = [...voters.values()].slice(0, this.#roster.quorum)
    const targets = [...this.#valueOf.entries()]
      .filter(([key, value]) => value === id && key.endsWith(`/${generation}/${round}`))
      .map(([key]) => Number(key.split('/')[0]))
    for (const b of this.#controlled) {
      const fresh = targets.filter((t) => !this.#sent.has(`sm/${b}/${t}/${generation}/${round}`))
      if (fresh.length === 0) continue
      for (const t of fresh) this.#sent.add(`sm/${b}/${t}/${generation}/${round}`)
      const shareKey = `${b}/${generation}/${id}`
      let shares = this.#shares.get(shareKey)
      if (shares === undefined) {
        const secret = this.#keySet.secretKeyShare(b)
        shares = { share: secret.sign(decisionBytes(this.#sectionKey, generation, proposals)).toBytes() }
        this.#shares.set(shareKey, shares)
      }
      const ballot = signSuperMajority(this.#keypairs[b]!, this.#sectionKey, { voter: b, generation, round, proposals: [...proposals], justification, ...shares })
      this.#wire[b]!.send(fresh.map((t) => this.#peers[t]!), 'AgreementVotes', { votes: [], supermajorities: [ballot] })
    }
  }
}

export interface AgreementScenarioSummary {
  readonly scenario: 'agreement'
  readonly runs: number
  readonly decided: number
  readonly agreementViolations: number
  readonly validityViolations: number
  readonly undecided: number
  readonly virtualTimeMs: number
  readonly wallMs: number
  readonly failedSeeds: number[]
  readonly maxRounds: number
  readonly messagesPerRun: number
}

/** Runs `seeds` one after the other in this thread. */
export function agreementScenario(
  seeds: ReadonlyArray<number>,
  options: AgreementScenarioOptions,
  onRun?: (result: AgreementRunResult) => void,
): AgreementScenarioSummary {
  const start = performance.now()
  const results = seeds.map((seed) => {
    const result = runAgreement(seed, options)
    onRun?.(result)
    return result
  })
  return summarizeAgreement(results, performance.now() - start)
}

/** The scenario's report over a set of runs (in any order). */
export function summarizeAgreement(results: ReadonlyArray<AgreementRunResult>, wallMs: number): AgreementScenarioSummary {
  const decided = results.filter((r) => r.decided).length
  return {
    scenario: 'agreement',
    runs: results.length,
    decided,
    agreementViolations: results.reduce((sum, r) => sum + r.agreementViolations, 0),
    validityViolations: results.reduce((sum, r) => sum + r.validityViolations, 0),
    undecided: results.length - decided,
    virtualTimeMs: Math.max(0, ...results.map((r) => r.virtualTimeMs)),
    wallMs: Math.round(wallMs),
    failedSeeds: results.filter((r) => !r.decided || r.agreementViolations > 0 || r.validityViolations > 0).map((r) => r.seed).sort((a, b) => a - b),
    maxRounds: Math.max(0, ...results.map((r) => r.rounds)),
    messagesPerRun: results.length === 0 ? 0 : Math.round(results.reduce((sum, r) => sum + r.messages, 0) / results.length),
  }
}
