/**
 * The elder role (DESIGN.md §6–§8): while this node is one of its section's elders, it votes on
 * each generation's changes (`agreement.machine.ts`, one actor per term), and carries the duties
 * `elder.machine.ts` orders: admitting joiners ({@link Admission}), changing the elders — DKG,
 * handover, split, merge ({@link ElderChange}, {@link Merging}) — and watching members for
 * silence ({@link Watch}). A term starts when a DKG gave us the share of our section's key (or we
 * came back with it) and ends at the next handover, when we leave, or when the node stops.
 *
 * See `README.md` in this folder for the messages of each step.
 */
import { createActor, type Actor } from 'xstate'
import { elderMachine } from '../../../machines/elder.machine.ts'
import { Agreement, type AppliedDecision, type Decision, DEFAULT_TIMING, decodeChange, encodeChange, makeRoster, type Member, type MembershipChange } from '../../consensus/index.ts'
import { NodePublicKey, type PublicKeySet, type SecretKeyShare, toHex } from '../../crypto/index.ts'
import type { SignedSap } from '../../knowledge/index.ts'
import type { DkgStartWire, Kind, Message, PayloadOf } from '../../wire/index.ts'
import type { XorName } from '../../xor/index.ts'
import { dropOldest } from '../bounded.ts'
import { MAX_PENDING_PROPOSALS, MAX_STALE_VOTERS, RECENT_DECISIONS, SECTION_TIMING, STALE_VOTER_ANSWER_MS } from '../constants.ts'
import type { Role } from '../role.ts'
import type { NodeComponents } from '../shell/components.ts'
import { Admission } from './admission.ts'
import { AgreementHost } from './agreement-host.ts'
import type { CastBallots } from './ballot-journal.ts'
import { ElderChange } from './change.ts'
import { Merging } from './merge.ts'
import { isValid } from './validity.ts'
import { NameDesk } from './names.ts'
import { Watch } from './watch.ts'

/** One term as an elder: the agreement we vote in, our key share, and the change in progress. */
export interface ElderTerm {
  readonly agreement: Agreement
  /** The agreement's actor on the wire: ballots, announcements and requests to the other elders. */
  readonly host: AgreementHost
  /** Elder duties besides voting: DKG starts, change proposals, watching members. */
  readonly duties: Actor<typeof elderMachine>
  readonly index: number
  readonly share: SecretKeyShare
  readonly keySet: PublicKeySet
  readonly elders: ReadonlyArray<Member>
  /** Proposals (encoded changes) to put forward, by hex. */
  readonly pending: Map<string, Uint8Array>
  /** The DKG targets this elder asked for: session hex → start. */
  readonly dkgStarts: Map<string, DkgStartWire>
  /** Reports of abandoned sessions: session hex → named candidate index → reporting candidates. */
  readonly dkgFailures: Map<string, Map<number, Set<number>>>
  /** Candidates (sorted names joined) of the target of the current elder change. */
  target: string | undefined
  /** Combined new SAPs by prefix, for the handover/split proposal. */
  readonly newSaps: Map<string, SignedSap>
  /** `prefix/generation/index` of candidates whose SapShare arrived. */
  readonly sharesFrom: Set<string>
  /** Our share of the merge signature, signed once per merge (by the hash of what it signs). */
  mergeShare?: { readonly hex: string; readonly share: Uint8Array; readonly link: Uint8Array }
  /** The handover or split this term decided, once it did: the term hands over until its links are applied. */
  handover?: AppliedDecision
}

export class ElderRole implements Role {
  readonly name = 'elder'
  readonly handles = ['JoinRequest', 'AgreementVotes', 'DecisionAnnounce', 'DecisionRequest', 'DkgFailure', 'SapShare', 'LinkShare', 'MergeShare', 'Leaving', 'NameRegister', 'NameLookup'] as const
  readonly #c: NodeComponents
  #term: ElderTerm | undefined
  /** Terms that decided a handover or split, waiting for the new keys' links (their duties actors only). */
  readonly #handingOver = new Set<ElderTerm>()
  readonly #admission: Admission
  readonly #change: ElderChange
  readonly #merging: Merging
  readonly #watch: Watch
  /** Name claims and lookups (NRS). */
  readonly names: NameDesk
  /** When each stale voter was last sent our SAP (bounded: {@link MAX_STALE_VOTERS}). */
  readonly #staleAnswers = new Map<string, number>()

  constructor(components: NodeComponents) {
    this.#c = components
    this.#admission = new Admission(components, this)
    this.#merging = new Merging(components, this)
    this.#change = new ElderChange(components, this, this.#merging)
    this.#watch = new Watch(components, this)
    this.names = new NameDesk(components, this)
    components.events.on('heard', ({ from }) => this.#watch.heard(from))
    components.events.on('sap-learnt', () => {
      if (this.#handingOver.size > 0) this.#checkLinked()
    })
    components.events.on('decision-applied', ({ applied }) => {
      const term = this.#term
      if (term === undefined) return
      for (const change of applied.decision.proposals) term.pending.delete(toHex(change))
      this.names.decided(applied.changes.flatMap((change) => (change.kind === 'NameClaim' ? [change.name] : [])))
      // Tell the members this elder looks after, the joiners, and the subjects of the changes.
      this.#admission.tell(applied)
      // A handover or split: the elder machine hands over (each old elder signs each new key with its old share).
      if (applied.structural !== undefined) {
        term.handover = applied
        term.duties.send({ type: 'DECIDED' })
        return
      }
      // Churn relocates (DESIGN.md §6): the section machine chose whom.
      for (const r of applied.relocations) this.propose({ kind: 'Relocated', name: r.member.name, destination: r.destination, age: r.member.age })
    })
    components.events.on('elders-changed', ({ applied }) => {
      // New elders take over from the next generation; old ones step down.
      const sap = applied.view.sap
      const share = components.dkg.shareFor(sap.sap.sectionKey())
      const isNewElder = sap.sap.elders.some((e) => e.name.equals(components.name))
      if (share !== undefined && isNewElder) this.serve(share.share, share.keySet, applied.decision.generation + 1)
      else this.stepDown()
    })
    components.events.on('membership-changed', ({ applied }) => {
      const term = this.#term
      if (term === undefined) return
      if (applied.structural === undefined) this.#change.check(term)
      // The same term still (checking the change does not end it): what is pending must still be valid.
      for (const [hex, bytes] of [...term.pending]) if (!this.isValid(bytes)) term.pending.delete(hex)
      if (term.pending.size > 0) term.host.proposalsReady()
    })
  }

  /** The current term, while we serve. */
  get term(): ElderTerm | undefined {
    return this.#term
  }

  get serving(): boolean {
    return this.#term !== undefined
  }

  /** Our index among the elders (= BLS share index), while an elder; -1 otherwise. */
  get index(): number {
    return this.#term?.index ?? -1
  }

  states(): Record<string, unknown> {
    const term = this.#term
    if (term === undefined) return {}
    const proposing = [...term.pending.values()].map((bytes) => decodeChange(bytes)?.kind ?? '?')
    return {
      elder: term.duties.getSnapshot().value,
      agreement: { ...term.host.state(), pending: term.pending.size, proposing, voter: term.agreement.voter.describe(describeChange) },
    }
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    switch (message.kind) {
      case 'JoinRequest':
        return this.#admission.onJoinRequest(from, message.payload, sender, message.envelope.dst)
      case 'AgreementVotes':
        return this.#onVotes(from, sender, message.payload)
      case 'DecisionAnnounce':
        return this.#onAnnounce(sender, message.payload.decision)
      case 'DecisionRequest':
        return this.#onDecisionRequest(sender, message.payload.generation)
      case 'DkgFailure':
        return this.onDkgFailure(sender, message.payload)
      case 'SapShare':
        return this.onSapShare(message.payload)
      case 'LinkShare':
        return this.#change.onLinkShare(message.payload, from)
      case 'MergeShare':
        return this.#merging.onMergeShare(message.payload)
      case 'Leaving':
        return this.#onLeaving(sender)
      case 'NameRegister':
        return this.names.onRegister(from, message.payload, message.envelope.dst)
      case 'NameLookup':
        return this.names.onLookup(from, message.payload, message.envelope.dst)
      default:
        return
    }
  }

  stop(): void {
    this.stepDown()
    for (const term of this.#handingOver) {
      term.duties.send({ type: 'RETIRE' })
      term.duties.stop()
    }
    this.#handingOver.clear()
  }

  /** Handing-over terms whose new keys our tree now holds (their links applied) are done. */
  #checkLinked(): void {
    const dag = this.#c.tree.dag
    for (const term of [...this.#handingOver]) {
      const structural = term.handover?.structural
      const saps = structural === undefined ? [] : structural.kind === 'Handover' ? [structural.sap] : [structural.zero, structural.one]
      if (!saps.every((s) => dag.has(s.sap.sectionKey()))) continue
      term.duties.send({ type: 'LINKED' })
      term.duties.stop()
      this.#handingOver.delete(term)
    }
  }

  /** A candidate's SAP share (from the network, or our own as a collector). */
  onSapShare(payload: PayloadOf<'SapShare'>): void {
    this.#change.onSapShare(payload)
  }

  /** A candidate's report of an abandoned DKG (from the network, or our own). */
  onDkgFailure(sender: NodePublicKey, payload: PayloadOf<'DkgFailure'>): void {
    this.#change.onDkgFailure(sender, payload)
  }

  /** Starts a term: we hold the share of our section's key and are among its SAP's elders. */
  serve(share: SecretKeyShare, keySet: PublicKeySet, firstGeneration: number): void {
    const c = this.#c
    this.stepDown()
    const section = c.view!
    const elders = section.sap.sap.elders.map((e) => section.members.get(e.name))
    if (elders.some((e) => e === undefined)) return
    const members = elders as Member[]
    const index = members.findIndex((m) => m.name.equals(c.name))
    if (index < 0) return
    const roster = makeRoster(members.map((m) => NodePublicKey.fromBytes(m.publicKey)), keySet)
    const pending = new Map<string, Uint8Array>()
    const keyBytes = keySet.publicKey().toBytes()
    const agreement = new Agreement({
      roster,
      self: index,
      keypair: c.env.wire.keypair,
      share,
      firstGeneration,
      ...restoreFrom(c.env.ballots?.castIn(keyBytes, firstGeneration)),
      isValid: (proposal) => this.isValid(proposal),
      proposalsFor: (generation) => {
        if (c.view?.nextGeneration !== generation || pending.size === 0) return undefined
        return [...pending.values()]
      },
      timing: DEFAULT_TIMING,
    })
    const epoch = c.nextEpoch()
    const keyId = toHex(keyBytes).slice(0, 8)
    const host = new AgreementHost({
      agreement,
      ...c.actorOptions('agreement', `agreement/${keyId}#${epoch}`),
      elders: members.map((m) => m.addr),
      self: index,
      send: (to, kind, payload) => c.send(to, kind, payload),
      journal: (ballots) => c.env.ballots?.cast(keyBytes, index, ballots),
      onDecided: (decision) => c.section.apply(decision),
    })
    const duties = createActor(elderMachine, {
      input: { dkgStartResendMs: SECTION_TIMING.dkgStartResendMs, watchIntervalMs: SECTION_TIMING.probeIntervalMs },
      ...c.actorOptions('elder', `elder/${keyId}#${epoch}`),
    })
    const term: ElderTerm = {
      agreement, host, duties, index, share, keySet, elders: members, pending, dkgStarts: new Map(), dkgFailures: new Map(), target: undefined, newSaps: new Map(), sharesFrom: new Set(),
    }
    this.#term = term
    c.member.promoted()
    duties.on('announceDkg', () => this.#change.announce(term))
    duties.on('proposeChange', () => this.#change.proposeChange(term))
    duties.on('checkSilence', () => this.#watch.checkSilence())
    duties.on('signLink', () => this.#change.signLinks(term, term.handover!))
    duties.start()
    host.start()
    // Elders look at the section as it is: an elder change may be due already.
    this.#change.check(term)
  }

  /** Silence of the members we look after before `until` does not count (we resumed from our store). */
  graceSilence(until: number): void {
    this.#watch.graceUntil(until)
  }

  /** How much longer we do not count our members' silence (0 if we do). */
  graceLeft(): number {
    return this.#term === undefined ? 0 : this.#watch.graceLeft()
  }

  /** Ends the term, if we serve. */
  stepDown(): void {
    const term = this.#term
    if (term === undefined) return
    this.#term = undefined
    term.host.stop()
    if (term.duties.getSnapshot().matches('handingOver')) {
      // The term decided its handover: its duties go on until the new keys are linked.
      this.#handingOver.add(term)
      this.#checkLinked()
    } else {
      term.duties.send({ type: 'RETIRE' })
      term.duties.stop()
    }
    this.#c.member.demoted()
  }

  toElders<K extends Kind>(term: ElderTerm, kind: K, payload: PayloadOf<K>): void {
    this.#c.send(term.elders.filter((_, i) => i !== term.index).map((e) => e.addr), kind, payload)
  }

  /** Puts a change forward for the next generation, if it is valid and new; its hex if pending now. */
  propose(change: MembershipChange): string | undefined {
    const term = this.#term
    if (term === undefined) return undefined
    const bytes = encodeChange(change)
    const hex = toHex(bytes)
    if (term.pending.has(hex)) return hex
    if (!this.isValid(bytes)) return undefined
    term.pending.set(hex, bytes)
    term.host.proposalsReady()
    return hex
  }

  /** Validity of a proposal against the agreed state (the same at every elder for a generation). */
  isValid(bytes: Uint8Array): boolean {
    const term = this.#term
    return term !== undefined && isValid(this.#c, term, bytes)
  }

  /** Whether our own agreement decides `generation` (we serve and have not passed it). */
  decides(generation: number): boolean {
    return this.#term !== undefined && generation >= this.#term.agreement.generation
  }

  /** A decision announced for a generation our agreement decides: it checks and takes it. */
  announced(decision: Decision): void {
    this.#term?.host.onAnnounce(0, decision)
  }

  /** The members this elder looks after (passes decisions and news to, watches for silence). */
  lookedAfter(): Member[] {
    return this.#watch.lookedAfter()
  }

  looksAfter(name: XorName): boolean {
    return this.#watch.looksAfter(name)
  }

  /** Asks our fellow elders for `generation`'s decision; one that has it answers (and we ask for the next). */
  askNextDecision(generation: number): void {
    const term = this.#term
    if (term !== undefined) this.toElders(term, 'DecisionRequest', { generation })
  }

  #onVotes(addr: string, sender: NodePublicKey, payload: PayloadOf<'AgreementVotes'>): void {
    const c = this.#c
    const term = this.#term
    if (term === undefined) return this.#answerStaleVoter(addr, sender, payload)
    const from = term.elders.findIndex((e) => e.name.equals(sender.name))
    if (from < 0) {
      c.refuse('votes-from-non-elder')
      return this.#answerStaleVoter(addr, sender, payload)
    }
    // Proposals others put forward for our current generation become ours too, so that an elder
    // that heard of no join still votes (otherwise a lone proposer could never reach a quorum).
    let adopted = false
    for (const vote of payload.votes) {
      if (vote.generation !== c.view!.nextGeneration || vote.voter !== from) continue
      for (const proposal of vote.proposals) {
        const hex = toHex(proposal)
        if (term.pending.has(hex)) continue
        if (term.pending.size >= MAX_PENDING_PROPOSALS) {
          c.refuse('proposals-full')
        } else if (this.isValid(proposal)) {
          term.pending.set(hex, Uint8Array.from(proposal))
          adopted = true
        } else {
          // Counted by kind: an elder that will not take up what others propose shows why here.
          c.refuse(`unadopted-${decodeChange(proposal)?.kind ?? 'undecodable'}`)
        }
      }
    }
    term.host.onVotes(from, payload)
    if (adopted) term.host.proposalsReady()
  }

  /**
   * Votes for a generation we are past, from a node our SAP does not make an elder: an elder cut
   * off (a partition, a lossy hour) that still votes under a SAP its section has replaced. Elders
   * cut off together only hear each other, so it learns of the handover from whoever it reaches
   * on the other side: our SAP with its chain (it then asks for the decisions it missed). Once per
   * {@link STALE_VOTER_ANSWER_MS} per voter; at a partition's heal 9,595 such votes went unanswered
   * and the section never converged (300 nodes, seed 3, `--partition`).
   */
  #answerStaleVoter(addr: string, sender: NodePublicKey, payload: PayloadOf<'AgreementVotes'>): void {
    const c = this.#c
    const view = c.view
    if (view === undefined || c.member.joining) return
    if (!payload.votes.some((vote) => vote.generation < view.nextGeneration)) return
    const key = sender.name.toHex()
    const now = c.env.clock.now
    const last = this.#staleAnswers.get(key)
    if (last !== undefined && now - last < STALE_VOTER_ANSWER_MS) return
    this.#staleAnswers.delete(key)
    this.#staleAnswers.set(key, now)
    dropOldest(this.#staleAnswers, MAX_STALE_VOTERS, () => c.refuse('stale-voters-evicted'))
    c.refuse('stale-voter-answered')
    c.antiEntropy.sendSaps(addr, [view.sap])
  }

  #onAnnounce(sender: NodePublicKey, decision: Decision): void {
    const c = this.#c
    const term = this.#term
    if (term === undefined) return c.section.onDecision(decision)
    const from = term.elders.findIndex((e) => e.name.equals(sender.name))
    if (from < 0) return
    const section = c.view!
    if (decision.generation < section.nextGeneration) {
      // One we asked for, from before we were approved again (see Admission): kept if checkable.
      if (c.section.decision(decision.generation) === undefined && decision.generation >= section.nextGeneration - RECENT_DECISIONS && c.section.decisionSigner(decision, section.sap) !== undefined) {
        c.section.record(decision)
      }
      return
    }
    term.host.onAnnounce(from, decision)
  }

  #onDecisionRequest(sender: NodePublicKey, generation: number): void {
    const c = this.#c
    const term = this.#term
    const decision = c.section.decision(generation)
    const addr = c.view?.members.get(sender.name)?.addr ?? ''
    if (term === undefined) {
      if (decision !== undefined) c.send([addr].filter((a) => a !== ''), 'DecisionAnnounce', { decision })
      return
    }
    const from = term.elders.findIndex((e) => e.name.equals(sender.name))
    // Our agreement knows the generations it decided; a decision from before our restart (or
    // caught up as a member) is in our record only.
    if (from >= 0 && term.agreement.decision(generation) !== undefined) term.host.onDecisionRequest(from, generation)
    else if (decision !== undefined) c.send([addr].filter((a) => a !== ''), 'DecisionAnnounce', { decision })
  }

  /** A member of ours stops for good: elders vote it off now. */
  #onLeaving(sender: NodePublicKey): void {
    if (this.#term === undefined || this.#c.view?.members.has(sender.name) !== true) return this.#c.refuse('leaving-not-our-member')
    this.propose({ kind: 'Left', name: sender.name })
  }
}

/** Agreement options that take back ballots cast before a restart, if there are any. */
function restoreFrom(cast: CastBallots | undefined): { restore?: CastBallots } {
  return cast === undefined ? {} : { restore: cast }
}

/** A proposal as `--why` shows it: its kind and whom it names. */
function describeChange(bytes: Uint8Array): string {
  const change = decodeChange(bytes)
  if (change === undefined) return 'undecodable'
  switch (change.kind) {
    case 'Joined':
      return `Joined ${change.member.addr} (age ${change.member.age})`
    case 'Left':
    case 'Relocated':
      return `${change.kind} ${change.name.toHex().slice(0, 8)}`
    case 'Handover':
      return `Handover to ${change.sap.sap.elders.map((e) => e.addr).join(',')}`
    default:
      return change.kind
  }
}
