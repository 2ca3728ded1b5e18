/**
 * One node's part in the life of its section (DESIGN.md §6–§9): joining, membership by signed
 * decisions, elder duties (agreement, DKG, handover, split), relocation, anti-entropy — the same
 * code in the simulator and in a real node; only the {@link NodeEnv} differs.
 *
 * How a section changes, in messages:
 *   - **Join**: the joiner sends `JoinRequest` addressed to its own name (to the relocation
 *     destination when relocated); anti-entropy (Retry/Redirect) brings it to the right elders,
 *     which answer `JoinElsewhere`, `TryJoinLater`, `Rejected` or propose `Joined` to the
 *     generation agreement. On the decision, elders send the joiner `JoinApproved`.
 *   - **Decisions** are section-signed; elders pass each to the members they look after
 *     (`SectionDecisions`); a member that sees a gap asks (`SectionDecisionsRequest`).
 *   - **Elder change**: after a decision, elders compute the candidates (DESIGN.md §7); when they
 *     differ from the current elders (or a split is due, §8) each elder sends `DkgStart`. The
 *     candidates run the DKG once a supermajority of elders asked them, sign the new SAP with
 *     their new shares (`SapShare`), the elders combine that signature and agree on
 *     `Handover(sap)` or `Split(sap0, sap1)`. Then each old elder signs the new key(s) with its
 *     old share (`LinkShare`): the combined signature is the chain link. The new elders take
 *     over from the next generation, and send `AeUpdate` to their members and neighbours.
 *   - **Relocation**: after each decision elders compute who the churn relocates and propose
 *     `Relocated`; the node makes a new key in the destination and joins there with its proof.
 *   - **Faults**: members probe the elder that looks after them every 10 s; that elder proposes
 *     `Left` for a member it has not heard from for 30 s. A DKG that does not complete is abandoned
 *     and its candidates report who did not take part (`DkgFailure`); one named by enough of them
 *     is voted off. A node that comes back is approved again if still a member, else joins anew.
 *
 * Decisions in the README's protocol section: SAPs are signed at handover only (members come
 * with decisions, not with each SAP); adults answer Redirect like elders do, so a client holding
 * a stale SAP whose elders were demoted still gets closer; AE checks apply to messages from
 * outside the section (joins, clients), intra-section messages are checked by their own rules.
 */
import { Result } from 'effect'
import { createActor, type Actor } from 'xstate'
import { agreementMachine } from '../../machines/agreement.machine.ts'
import { antiEntropyMachine } from '../../machines/anti-entropy.machine.ts'
import { dkgMachine } from '../../machines/dkg.machine.ts'
import { elderMachine } from '../../machines/elder.machine.ts'
import { memberMachine } from '../../machines/member.machine.ts'
import { sectionMachine } from '../../machines/section.machine.ts'
import {
  Agreement,
  type AppliedDecision,
  checkJoin,
  decisionBytes,
  type Decision,
  decodeChange,
  isJoinOf,
  DEFAULT_TIMING,
  type DkgResult,
  DkgSession,
  dkgSessionId,
  elderCandidates,
  encodeChange,
  makeRoster,
  memberFromWire,
  memberToWire,
  mergeBytes,
  type Member,
  type MembershipChange,
  needsNewElders,
  type NetworkParameters,
  SectionMembers,
  type SectionView,
  signDkgStart,
  splitFor,
} from '../consensus/index.ts'
import type {
  PublicKeySet} from '../crypto/index.ts';
import {
  BlsPublicKey,
  BlsSignature,
  concatBytes,
  domain,
  type NodeKeypair,
  NodePublicKey,
  type SecretKeyShare,
  SignatureShare,
  sha3_256,
  supermajority,
  threshold,
  toHex,
} from '../crypto/index.ts'
import {
  checkIncoming,
  decodeSapAndChain,
  linkBytes,
  onBounce,
  ProofChain,
  routeFor,
  SectionAuthorityProvider,
  SectionTree,
  SignedSap,
} from '../knowledge/index.ts'
import type { Clock } from '../sim/scheduler.ts'
import { DecisionWire, decodeValue, type Dst, type DkgStartWire, encodeOwn, type Kind, MemberWire, type Message, type PayloadOf, ProofChainWire, type RelocationProofWire, SignedSapWire } from '../wire/index.ts'
import { Prefix, XorName } from '../xor/index.ts'
import type { BallotJournal, CastBallots } from './ballot-journal.ts'

/** What a node needs from its runtime: sending, timers, randomness, key generation. */
export interface NodeWire {
  readonly keypair: NodeKeypair
  send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst): Uint8Array | undefined
  setKeypair(keypair: NodeKeypair): void
  refuse(tag: string): void
}

export interface NodeEnv {
  readonly wire: NodeWire
  readonly clock: Clock & { readonly now: number }
  /**
   * The clock for one of the node's actors' timers, when the runtime tells them apart (a test
   * that fires one actor's timer at a time, a node that reports what each waits for); `clock`
   * otherwise.
   */
  readonly clockFor?: (actor: NodeActorKind) => Clock
  readonly schedule: (delayMs: number, run: () => void) => unknown
  readonly cancel: (handle: unknown) => void
  readonly randomBytes: (length: number) => Uint8Array
  /** A fresh node key whose name satisfies `matches` (seeded in the simulator). */
  readonly newKeypair: (matches: (name: XorName) => boolean) => NodeKeypair
  readonly observer?: NodeObserver
  /** Where an elder records its ballots before sending them (a real node: its store), so a restart never votes twice differently. */
  readonly ballots?: BallotJournal
}

/** What the simulator's checkers watch; a real node logs these. */
export interface NodeObserver {
  decided(node: SectionNode, sectionKey: string, decision: Decision): void
  link(parent: BlsPublicKey, child: BlsPublicKey, prefix: Prefix): void
  relocated(node: SectionNode, age: number): void
  joined(node: SectionNode): void
  /** A DKG gave us a key share (a real node stores it: it is how a restarted elder serves again). */
  keyShare?(node: SectionNode, share: SecretKeyShare, keySet: PublicKeySet): void
}

/** What a node knows that survives a restart, encoded (DESIGN.md §4: the SectionTree is persisted). */
export interface NodeKnowledge {
  readonly tree: ReadonlyArray<{ readonly sap: Uint8Array; readonly chain: Uint8Array }>
  readonly section?: { readonly sap: Uint8Array; readonly members: ReadonlyArray<Uint8Array>; readonly nextGeneration: number; readonly decisions: ReadonlyArray<Uint8Array> }
}

/** The node's actors, as {@link NodeEnv.clockFor} names them. */
export type NodeActorKind = 'member' | 'section' | 'antiEntropy' | 'agreement' | 'elder' | 'dkg'

export type Role = 'joining' | 'adult' | 'elder' | 'relocating' | 'left'
export type { SectionView }

/** Timing of the section protocol, in (virtual) ms. */
export const SECTION_TIMING = {
  joinRetryMs: 5_000,
  tryJoinLaterMs: 20_000,
  probeIntervalMs: 10_000,
  /** An elder proposes `Left` for a member it has not heard from for this long. */
  silenceMs: 30_000,
  dkgGossipMs: 2_000,
  /** A session not complete by then is abandoned and its non-participants reported. */
  dkgDeadlineMs: 30_000,
  dkgStartResendMs: 5_000,
  /** A member behind on decisions asks again this often until it has caught up. */
  catchUpRetryMs: 2_000,
  /** Elders probe a few other sections now and then (DESIGN.md §9: 3 every 5 min). */
  neighbourProbeMs: 300_000,
}

/** Catch-up requests a member behind on decisions sends before it waits for the next news. */
export const AE_MAX_REQUESTS = 10
const RELOCATE_DOMAIN = domain('safenet/relocate/v1')
const ELDER_REJOIN_DOMAIN = domain('safenet/elder-rejoin/v1')
function elderRejoinBytes(name: XorName, sectionKey: BlsPublicKey): Uint8Array {
  return concatBytes(ELDER_REJOIN_DOMAIN, name.bytes, sectionKey.toBytes())
}
const RECENT_DECISIONS = 64
/** Elders (the first by name) that collect SAP and link shares and combine them: f + 1 of 7. */
const COLLECTORS = 3
function collectors<T>(elders: ReadonlyArray<T>): T[] {
  return elders.slice(0, COLLECTORS)
}
/** Elders a join request goes to. */
const JOIN_FANOUT = 3
/**
 * Join requests a restarted elder sends unanswered before it resumes from its store: a few retry
 * intervals (SECTION_TIMING.joinRetryMs), so that while any fellow elder is up, it is approved.
 */
const RESUME_AFTER_ATTEMPTS = 3
/**
 * For this long after resuming, an elder catches up on decisions its fellow elders stored and it
 * did not, and does not answer joiners it does not know (it may know them only a decision later).
 */
const RESUME_SYNC_MS = 10_000

interface DkgRun {
  readonly start: DkgStartWire
  readonly actor: Actor<typeof dkgMachine>
  readonly peers: ReadonlyArray<string>
}

interface Aggregation {
  readonly shares: Map<number, SignatureShare>
  done: boolean
}

interface ElderRole {
  readonly agreement: Agreement
  readonly actor: Actor<typeof agreementMachine>
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
}

export class SectionNode {
  readonly addr: string
  readonly params: NetworkParameters
  readonly tree: SectionTree
  readonly #env: NodeEnv
  readonly #genesisKey: BlsPublicKey
  readonly #genesis: SignedSap
  /** The node's own life (joining, adult, elder, relocating, left) and its join requests. */
  readonly #member: Actor<typeof memberMachine>
  /** The section's agreed state, one generation at a time. */
  readonly #sectionActor: Actor<typeof sectionMachine>
  /** Probes and catching up on missed decisions. */
  readonly #aeActor: Actor<typeof antiEntropyMachine>
  /** Distinguishes incarnations of re-created actors (elder roles, DKG sessions) in system ids. */
  #epoch = 0
  #elder: ElderRole | undefined
  /** The section key whose elder we are but whose DKG we have not completed yet (messages lost). */
  #lateElder: string | undefined
  /** Recent decisions applied, by generation (for members that missed some). */
  readonly #decisions = new Map<number, Decision>()
  /** Our section as we last stored it (a restart), until we are approved again or resume from it. */
  #stored: StoredSection | undefined
  /** Join requests sent since the restart with no answer; past {@link RESUME_AFTER_ATTEMPTS} we may resume. */
  #unanswered = 0
  /** When we resumed from our store, if we did ({@link RESUME_SYNC_MS}). */
  #resumedAt: number | undefined
  /** Decisions received ahead of the next generation. */
  readonly #ahead = new Map<number, Decision>()
  /** Key shares from completed DKGs, by the new section key (hex). */
  readonly #newShares = new Map<string, { share: SecretKeyShare; keySet: PublicKeySet }>()
  readonly #dkgRuns = new Map<string, DkgRun>()
  readonly #sapShares = new Map<string, Aggregation & { sap: SectionAuthorityProvider }>()
  readonly #linkShares = new Map<string, Aggregation & { parent: PublicKeySet; child: BlsPublicKey }>()
  /** SAPs we learnt from a handover/split decision, waiting for their chain link. */
  readonly #awaitingLink = new Map<string, SignedSap>()
  /** When each member was last heard from (elders). */
  readonly #lastHeard = new Map<string, number>()
  #joinAttempt: { dstName: XorName; sentWithKey: BlsPublicKey; relocation?: RelocationProofWire; via?: { sap: SignedSap; chain: ProofChain } } | undefined
  #crashed = false
  /** Resends on AE bounces in the current retry interval (the loop guard). */
  #bounces = { since: -Infinity, count: 0 }
  /** Counters for the simulator's report. */
  readonly stats = { joinAttempts: 0, aeBounces: 0, rejectedUpdates: 0, resumed: 0 }

  constructor(options: { addr: string; params: NetworkParameters; genesis: SignedSap; env: NodeEnv }) {
    this.addr = options.addr
    this.params = options.params
    this.#env = options.env
    this.tree = SectionTree.fromGenesis(options.genesis)
    this.#genesisKey = options.genesis.sap.sectionKey()
    this.#genesis = options.genesis
    const id = `${this.addr}.${this.name.toHex().slice(0, 8)}`
    this.#member = createActor(memberMachine, {
      input: { joinRetryMs: SECTION_TIMING.joinRetryMs, tryJoinLaterMs: SECTION_TIMING.tryJoinLaterMs },
      clock: this.#clock('member'),
      systemId: `${id}/member`,
    })
    this.#member.on('sendJoin', () => this.#sendJoin())
    this.#member.on('joined', ({ relocated }) => {
      if (relocated) this.#env.observer?.relocated(this, this.member()?.age ?? 0)
      this.#env.observer?.joined(this)
    })
    this.#sectionActor = createActor(sectionMachine, { input: { params: this.params }, clock: this.#clock('section'), systemId: `${id}/section` })
    this.#aeActor = createActor(antiEntropyMachine, {
      input: {
        firstProbeMs: SECTION_TIMING.probeIntervalMs * (0.5 + this.#env.randomBytes(1)[0]! / 512),
        probeIntervalMs: SECTION_TIMING.probeIntervalMs,
        neighbourEvery: 3,
        retryMs: SECTION_TIMING.catchUpRetryMs,
        maxRequests: AE_MAX_REQUESTS,
      },
      clock: this.#clock('antiEntropy'),
      systemId: `${id}/anti-entropy`,
    })
    this.#aeActor.on('probe', ({ neighbours }) => this.#probe(neighbours))
    this.#aeActor.on('requestDecisions', ({ attempt }) => this.#sendDecisionsRequest(attempt))
  }

  #clock(actor: NodeActorKind): Clock {
    return this.#env.clockFor?.(actor) ?? this.#env.clock
  }

  get #section(): SectionView | undefined {
    return this.#sectionActor.getSnapshot().context.view
  }

  get name(): XorName {
    return this.#env.wire.keypair.name
  }

  get role(): Role {
    // Stopped before it started, the member actor never ran: the node has left all the same.
    if (this.#crashed) return 'left'
    const value = this.#member.getSnapshot().value
    const top = typeof value === 'string' ? value : Object.keys(value)[0]!
    return top === 'idle' ? 'joining' : top as Role
  }

  /** The node's actors and the state each is in (for logs, the inspector and tests). */
  actorStates(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      member: this.#member.getSnapshot().value,
      section: { state: this.#sectionActor.getSnapshot().value, next: this.#section?.nextGeneration, members: this.#section?.members.size },
      antiEntropy: this.#aeActor.getSnapshot().value,
    }
    if (this.#elder !== undefined) {
      out.elder = this.#elder.duties.getSnapshot().value
      const proposing = [...this.#elder.pending.values()].map((bytes) => decodeChange(bytes)?.kind ?? '?')
      out.agreement = { state: this.#elder.actor.getSnapshot().value, generation: this.#elder.agreement.generation, round: this.#elder.agreement.round, pending: this.#elder.pending.size, proposing }
    }
    for (const [hex, run] of this.#dkgRuns) {
      const snapshot = run.actor.getSnapshot()
      const missing = snapshot.matches('abandoned') ? [...snapshot.context.session.nonParticipants()].map(([i, why]) => `${run.start.addrs[i]}:${why}`) : []
      out[`dkg/${hex.slice(0, 8)}`] = { state: snapshot.value, starts: snapshot.context.starts.length, candidates: run.start.addrs.join(','), missing }
    }
    return out
  }

  get section(): SectionView | undefined {
    return this.#section
  }

  get isElder(): boolean {
    return this.#elder !== undefined
  }

  /** Our index among the elders (= BLS share index), while an elder. */
  get elderIndex(): number {
    return this.#elder?.index ?? -1
  }

  /** This node as a member: its name, key, address and (agreed) age. */
  member(): Member | undefined {
    return this.#section?.members.get(this.name)
  }

  // --- Starting ---------------------------------------------------------------------------------

  /**
   * Starts the network as its genesis elder: alone, sole elder and member of the genesis section
   * (the usual start), or with `founders`, the other elders the genesis SAP names, each of which
   * starts with its own share of the genesis key (a network founded by several nodes at once).
   */
  startGenesis(share: SecretKeyShare, age: number, founders: ReadonlyArray<Member> = []): void {
    const sap = this.tree.get(Prefix.EMPTY)!
    const self: Member = { name: this.name, publicKey: this.#env.wire.keypair.publicKey.bytes, addr: this.addr, age }
    const members = [self, ...founders]
    const named = (m: Member) => sap.sap.elders.some((e) => e.name.equals(m.name))
    if (members.length !== sap.sap.elders.length || !members.every(named)) {
      throw new Error(`the genesis elders are ${sap.sap.elders.map((e) => e.addr).join(', ')}: startGenesis was given ${members.map((m) => m.addr).join(', ')}`)
    }
    this.#sectionActor.start()
    this.#sectionActor.send({ type: 'START', view: { sap, members: new SectionMembers(Prefix.EMPTY, members, -1), nextGeneration: 0 } })
    this.#member.start()
    this.#member.send({ type: 'GENESIS' })
    this.#aeActor.start()
    this.#becomeElder(share, sap.sap.publicKeySet, 0)
  }

  /** Starts joining the network through what the tree knows. */
  startJoining(): void {
    this.#sectionActor.start()
    this.#member.start()
    this.#aeActor.start()
    this.#member.send({ type: 'JOIN' })
  }

  /** The node stops: no more timers, no more answers (the simulator crashes it). */
  crash(): void {
    if (this.#crashed) return
    this.#crashed = true
    this.#stopElder()
    this.#stopDkgRuns()
    this.#member.send({ type: 'STOP' })
    this.#aeActor.send({ type: 'STOP' })
    this.#member.stop()
    this.#aeActor.stop()
    this.#sectionActor.stop()
  }

  #stopDkgRuns(): void {
    for (const run of this.#dkgRuns.values()) run.actor.stop()
    this.#dkgRuns.clear()
  }

  get crashed(): boolean {
    return this.#crashed
  }

  // --- Inbound ----------------------------------------------------------------------------------

  receive(from: string, message: Message, sender: NodePublicKey, frame: Uint8Array): void {
    if (this.#crashed) return
    const senderHex = sender.name.toHex()
    // A member asking to join again (restarted) is not serving as a member: it does not count as heard.
    if (message.kind !== 'JoinRequest' && this.#section?.members.has(sender.name) === true) this.#lastHeard.set(senderHex, this.#env.clock.now)
    if (message.kind === 'JoinRequest' || message.kind === 'ClientQuery') {
      if (!this.#antiEntropy(from, message, frame)) return
    }
    if ((message.kind === 'JoinResponse' || message.kind === 'JoinApproved') && toHex(message.envelope.dst.name) !== this.name.toHex()) {
      // An answer to a request made under a name we no longer have.
      return
    }
    switch (message.kind) {
      case 'JoinRequest':
        return this.#onJoinRequest(from, message.payload, sender, message.envelope.dst)
      case 'JoinResponse':
        return this.#onJoinResponse(message.payload)
      case 'JoinApproved':
        return this.#onJoinApproved(message.payload)
      case 'AeRetry':
      case 'AeRedirect':
        return this.#onBounce(message.kind, message.payload)
      case 'AeUpdate':
        return this.#onAeUpdate(message.payload)
      case 'AeProbe':
        return this.#onProbe(from, sender, message.payload)
      case 'SectionDecisions':
        for (const decision of (message.payload).decisions) this.#onSectionDecision(from, decision)
        return
      case 'SectionDecisionsRequest':
        return this.#onDecisionsRequest(from, (message.payload).from)
      case 'AgreementVotes':
        return this.#onVotes(sender, message.payload)
      case 'DecisionAnnounce':
        return this.#onAnnounce(sender, (message.payload).decision)
      case 'DecisionRequest':
        return this.#onDecisionRequest(sender, (message.payload).generation)
      case 'DkgStart':
        return this.#onDkgStart(sender, (message.payload).start)
      case 'DkgMessages':
        return this.#onDkgMessages(message.payload)
      case 'DkgCatchUp':
        return this.#onDkgCatchUp(sender, message.payload)
      case 'DkgFailure':
        return this.#onDkgFailure(sender, message.payload)
      case 'SapShare':
        return this.#onSapShare(message.payload)
      case 'LinkShare':
        return this.#onLinkShare(message.payload)
      case 'MergeShare':
        return this.#onMergeShare(message.payload)
      case 'ClientQuery':
        return this.#onClientQuery(from)
      case 'ClientAnswer':
        return this.#env.wire.refuse('unexpected ClientAnswer')
      case 'ContactsRequest':
        return this.#onContactsRequest(from)
      case 'Contacts':
        return this.#env.wire.refuse('unexpected Contacts')
      case 'Leaving':
        return this.#onLeaving(sender)
    }
  }

  /** DESIGN.md §9 for messages from outside the section: accept, or answer Retry/Redirect. */
  #antiEntropy(from: string, message: Message, frame: Uint8Array): boolean {
    const section = this.#section
    if (section === undefined || this.role === 'joining' || this.role === 'left') {
      this.#env.wire.refuse('not-a-member')
      return false
    }
    let sectionKey: BlsPublicKey | undefined
    try {
      sectionKey = BlsPublicKey.fromBytes(message.envelope.dst.sectionKey)
    } catch {
      sectionKey = undefined
    }
    // Our section view may be ahead of our tree (the new key's link still on its way).
    if (sectionKey !== undefined && sectionKey.equals(section.sap.sap.sectionKey()) && section.sap.sap.prefix.matches(XorName.fromBytes(message.envelope.dst.name))) return true
    const verdict = checkIncoming({
      tree: this.tree,
      ourPrefix: section.sap.sap.prefix,
      // Adults redirect too: see the module comment.
      isElder: true,
      kind: message.kind,
      dst: { name: XorName.fromBytes(message.envelope.dst.name), sectionKey },
    })
    if (verdict.kind === 'accept') {
      // Our SAP may be ahead of our tree (link still being signed): then the key we hold is current.
      return true
    }
    if (verdict.kind === 'drop') {
      this.#env.wire.refuse(`ae-${verdict.reason}`)
      return false
    }
    // A Retry towards our own key, when our tree lags our section view, would loop: accept instead.
    if (verdict.kind === 'retry' && sectionKey !== undefined && sectionKey.equals(section.sap.sap.sectionKey())) return true
    const kind = verdict.kind === 'retry' ? 'AeRetry' : 'AeRedirect'
    this.#send([from], kind, { sap: verdict.sap.toWire(), proofChain: verdict.chain.toWire(), bounced: frame })
    return false
  }

  // --- Joining ----------------------------------------------------------------------------------

  /** Sends the join request (the member machine asks, on its timers or at once on news). */
  #sendJoin(): void {
    if (this.#crashed || (this.role !== 'joining' && this.role !== 'relocating')) return
    const relocation = this.#joinAttempt?.relocation
    const dstName = this.#joinAttempt?.dstName ?? this.name
    // The tree's SAP for the name, or a closer one the last bounce brought (see routeFor).
    const via = this.#joinAttempt?.via
    const resumable = this.#canResume()
    if (resumable !== undefined && this.#unanswered >= RESUME_AFTER_ATTEMPTS) return this.#resume(resumable)
    if (resumable !== undefined) this.#unanswered++
    const target = routeFor(this.tree, dstName, via)!
    const key = target.sap.sectionKey()
    this.#joinAttempt = { dstName, sentWithKey: key, ...(relocation === undefined ? {} : { relocation }), ...(via === undefined ? {} : { via }) }
    this.stats.joinAttempts++
    // The elders closest to the name: enough that one honest elder hears it (f + 1 of 7).
    // (An elder restarting asks all its fellow elders: any one that is up takes it back.)
    const elders = [...target.sap.elders].sort((a, b) => dstName.compareDistance(a.name, b.name)).slice(0, resumable === undefined ? JOIN_FANOUT : undefined)
    // Restarted with the share of the key we are an elder of: we prove it, to be approved again.
    const held = relocation === undefined ? this.#newShares.get(toHex(key.toBytes())) : undefined
    const elderShare = held === undefined || !target.sap.elders.some((e) => e.name.equals(this.name))
      ? undefined
      : { index: held.share.index, share: held.share.sign(elderRejoinBytes(this.name, key)).toBytes() }
    this.#send(elders.map((e) => e.addr), 'JoinRequest', {
      addr: this.addr,
      ...(relocation === undefined ? {} : { relocation }),
      ...(elderShare === undefined ? {} : { elderShare }),
    }, { name: dstName.bytes, sectionKey: key.toBytes() })
  }

  #onBounce(kind: 'AeRetry' | 'AeRedirect', payload: PayloadOf<'AeRetry'>): void {
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return this.#env.wire.refuse('bad-ae-keys')
    const { sap, chain } = decoded
    this.stats.aeBounces++
    const attempt = this.#joinAttempt
    if (attempt === undefined || (this.role !== 'joining' && this.role !== 'relocating')) {
      // Not ours to resend; still learn from it.
      this.#learn(sap, chain)
      return
    }
    // The loop guard: at most aeResendLimit resends on bounces per retry interval; past it the
    // join waits for its timer (two stale views bouncing a joiner between them cannot storm).
    const now = this.#env.clock.now
    if (now - this.#bounces.since > SECTION_TIMING.joinRetryMs) this.#bounces = { since: now, count: 0 }
    const decision = onBounce({
      tree: this.tree,
      answer: { kind: kind === 'AeRetry' ? 'retry' : 'redirect', sap, chain },
      dstName: attempt.dstName,
      sentWithKey: attempt.sentWithKey,
      attempt: this.#bounces.count++,
      resendLimit: this.params.aeResendLimit,
    })
    if (decision.action === 'drop') {
      if (decision.reason === 'update-rejected') this.stats.rejectedUpdates++
      if (decision.reason === 'resend-limit') this.#learn(sap, chain)
      return
    }
    attempt.via = { sap, chain }
    this.#member.send({ type: 'RESEND' })
  }

  #onJoinResponse(payload: PayloadOf<'JoinResponse'>): void {
    if (this.role !== 'joining' && this.role !== 'relocating') return
    this.#stored = undefined
    const verdict = payload.verdict
    const attempt = this.#joinAttempt
    if (verdict._tag === 'JoinElsewhere' || (verdict._tag === 'Rejected' && verdict.reason === 'outside-prefix')) {
      let prefix: Prefix
      if (verdict._tag === 'JoinElsewhere') {
        try {
          prefix = Prefix.of(XorName.fromBytes(verdict.prefix.name), verdict.prefix.bitCount)
        } catch {
          return this.#env.wire.refuse('bad-prefix')
        }
      } else {
        prefix = this.tree.sectionFor(attempt?.dstName ?? this.name)!.sap.prefix
      }
      // A new key whose name falls where the elders want us (balanced joining; relocation target).
      const old = this.#env.wire.keypair
      const keypair = this.#env.newKeypair((name) => prefix.matches(name))
      this.#env.wire.setKeypair(keypair)
      if (attempt !== undefined && attempt.relocation === undefined) attempt.dstName = keypair.name
      if (attempt?.relocation !== undefined) {
        attempt.relocation = { ...attempt.relocation, signature: (this.#oldKeypair ?? old).sign(relocationBytes(keypair.name)) }
      }
      this.#member.send({ type: 'RESEND' })
      return
    }
    if (verdict._tag === 'TryJoinLater') this.#member.send({ type: 'TRY_LATER' })
    if (verdict._tag === 'Rejected' && verdict.reason === 'left-recently' && attempt?.relocation === undefined) {
      // We were voted off while away (a restart): join again as a new node, under a new name.
      this.#env.wire.setKeypair(this.#env.newKeypair(() => true))
      if (attempt !== undefined) attempt.dstName = this.name
      this.#member.send({ type: 'RESEND' })
    }
    // Rejected for another reason (already a member: approval is on its way) — the retry timer stays.
  }

  /** The old key of a relocating node signs its new name; kept until the join completes. */
  #oldKeypair: NodeKeypair | undefined

  #onJoinApproved(payload: PayloadOf<'JoinApproved'>): void {
    if (this.role !== 'joining' && this.role !== 'relocating') return this.#onAbsorbed(payload)
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return this.#env.wire.refuse('bad-join-approval')
    const { sap, chain } = decoded
    const outcome = this.tree.update(sap, chain)
    if (outcome.status === 'rejected') return this.#env.wire.refuse(`join-approval-${outcome.reason}`)
    if (!this.tree.dag.has(sap.sap.sectionKey())) return
    const decision = payload.decision
    const signer = this.#decisionSigner(decision, sap)
    if (signer === undefined) return this.#env.wire.refuse('join-approval-bad-decision')
    let members: Member[]
    try {
      members = payload.members.map(memberFromWire)
    } catch {
      return this.#env.wire.refuse('join-approval-bad-members')
    }
    // The decision that made us a member, or (we restarted) a recent one and us among the members.
    const joined = decision.proposals.some((p) => isJoinOf(p, this.name))
    const listed = members.some((m) => m.name.equals(this.name) && toHex(m.publicKey) === toHex(this.#env.wire.keypair.publicKey.bytes))
    if (!joined && !listed) return this.#env.wire.refuse('join-approval-not-us')
    if (payload.nextGeneration <= decision.generation) return this.#env.wire.refuse('join-approval-bad-generation')
    this.#sectionActor.send({
      type: 'START',
      view: { sap, members: new SectionMembers(sap.sap.prefix, members, payload.nextGeneration - 1), nextGeneration: payload.nextGeneration },
    })
    this.#decisions.set(decision.generation, decision)
    this.#joinAttempt = undefined
    this.#oldKeypair = undefined
    this.#stored = undefined
    this.#member.send({ type: 'APPROVED' })
    // Restarted with the share of the key our section still has, and still one of its elders:
    // we serve again from the generation we were approved at (agreement catches us up).
    const held = this.#newShares.get(toHex(sap.sap.sectionKey().toBytes()))
    if (held !== undefined && sap.sap.elders.some((e) => e.name.equals(this.name))) {
      this.#becomeElder(held.share, held.keySet, payload.nextGeneration)
      // Serving again, we approve restarted members too: that takes our newest decision.
      if (decision.generation < payload.nextGeneration - 1) this.#askNextDecision(payload.nextGeneration - 1)
    }
  }

  /**
   * Our section merged into its sibling (DESIGN.md §8): the sibling's elders tell us with their
   * `Absorb` decision, their SAP and the merged members. We learn the link our key signed to
   * theirs, stop serving as elders of our old key, and take up their view.
   */
  #onAbsorbed(payload: PayloadOf<'JoinApproved'>): void {
    const section = this.#section
    if (section?.merging === undefined) return
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return this.#env.wire.refuse('bad-absorb-approval')
    const { sap, chain } = decoded
    const ours = section.sap.sap.sectionKey()
    if (!sap.sap.prefix.equals(section.sap.sap.prefix.sibling())) return this.#env.wire.refuse('absorb-approval-not-sibling')
    const outcome = this.tree.update(sap, chain)
    if (outcome.status === 'rejected') return this.#env.wire.refuse(`absorb-approval-${outcome.reason}`)
    if (!this.tree.dag.has(sap.sap.sectionKey())) return
    const decision = payload.decision
    if (!verifyDecision(sap.sap.sectionKey(), decision)) return this.#env.wire.refuse('absorb-approval-bad-decision')
    const absorb = decision.proposals.map(decodeChange).find((c) => c?.kind === 'Absorb' && c.sectionKey.equals(ours))
    if (absorb?.kind !== 'Absorb') return this.#env.wire.refuse('absorb-approval-not-us')
    let members: Member[]
    try {
      members = payload.members.map(memberFromWire)
    } catch {
      return this.#env.wire.refuse('absorb-approval-bad-members')
    }
    if (!members.some((m) => m.name.equals(this.name))) return this.#env.wire.refuse('absorb-approval-not-us')
    if (payload.nextGeneration <= decision.generation) return this.#env.wire.refuse('absorb-approval-bad-generation')
    this.#linkMerge(absorb)
    this.#stopElder()
    this.#stopDkgRuns()
    this.#decisions.clear()
    this.#ahead.clear()
    const parent = sap.sap.prefix.popped()
    this.#sectionActor.send({
      type: 'START',
      view: { sap, members: new SectionMembers(parent, members, payload.nextGeneration - 1), nextGeneration: payload.nextGeneration },
    })
    this.#decisions.set(decision.generation, decision)
  }

  /**
   * The merged section's keys descend from both siblings: the one taken in signed the other's
   * key when it asked to merge (DESIGN.md §8). Our DAG learns that edge from the decision, so the
   * chains we give prove the merged prefix to nodes that held either sibling.
   */
  #linkMerge(absorb: Extract<MembershipChange, { kind: 'Absorb' }>): void {
    const base = this.tree.dag.chainFromGenesis(absorb.sibling)
    const co = this.tree.dag.chainFromGenesis(absorb.sectionKey)
    const last = base?.links.at(-1)
    if (base === undefined || co === undefined || last === undefined) return
    const chain = new ProofChain(base.root, [...base.links.slice(0, -1), { ...last, also: [...(last.also ?? []), { chain: co.plain(), signature: absorb.link }] }])
    const refused = this.tree.dag.insertChain(chain)
    if (refused !== undefined) this.#env.wire.refuse(`merge-link-${refused}`)
  }

  /** The key among `sap`'s and its parent's that signed `decision`; undefined if neither did. */
  #decisionSigner(decision: Decision, sap: SignedSap): BlsPublicKey | undefined {
    const candidates = [sap.sap.sectionKey()]
    const parent = this.tree.dag.parent(sap.sap.sectionKey())
    if (parent !== undefined) candidates.push(parent)
    const current = this.#section?.sap.sap.sectionKey()
    if (current !== undefined) candidates.push(current)
    return candidates.find((key) => verifyDecision(key, decision))
  }

  // --- As an elder: joins ----------------------------------------------------------------------

  #onJoinRequest(from: string, payload: PayloadOf<'JoinRequest'>, sender: NodePublicKey, dst: Dst): void {
    const section = this.#section!
    const elder = this.#elder
    if (elder === undefined) return this.#env.wire.refuse('join-to-adult')
    const toJoiner: Dst = { name: sender.name.bytes, sectionKey: section.sap.sap.sectionKey().toBytes() }
    const existing = section.members.get(sender.name)
    const elderIndex = section.sap.sap.elders.findIndex((e) => e.name.equals(sender.name))
    if (existing === undefined && this.#resuming()) return this.#env.wire.refuse('join-while-resuming')
    if (existing !== undefined && elderIndex >= 0 && !this.#provesShare(payload.elderShare, elderIndex, sender.name)) {
      // An elder that asks to join again without its key share has restarted from nothing: a
      // faulty elder until replaced. Vote it off; it joins again as a new node (DESIGN.md §6).
      // One that proves its share (it restarted from its store) is approved again and serves.
      this.#propose({ kind: 'Left', name: sender.name })
      return
    }
    if (existing !== undefined) {
      // A member back from a restart: approved again, and watched for silence from now (its
      // requests do not count as heard, so one that never gets back in is still voted off).
      this.#lastHeard.set(sender.name.toHex(), this.#env.clock.now)
      return this.#sendApproval(sender.name, existing.addr)
    }
    let age = 0
    if (payload.relocation !== undefined) {
      const checked = this.#checkRelocation(payload.relocation, sender, XorName.fromBytes(dst.name))
      if (typeof checked === 'string') {
        this.#send([from], 'JoinResponse', { verdict: { _tag: 'Rejected', reason: checked } }, toJoiner)
        return
      }
      age = checked
      if (!section.sap.sap.prefix.matches(sender.name)) {
        const prefix = section.sap.sap.prefix
        this.#send([from], 'JoinResponse', { verdict: { _tag: 'JoinElsewhere', prefix: { bitCount: prefix.bitCount, name: prefix.name.bytes } } }, toJoiner)
        return
      }
    }
    // While the section splits or merges, a join would only change the candidates and restart the DKGs.
    const snapshot = this.#sectionActor.getSnapshot()
    const busy = snapshot.matches({ member: 'splitting' }) || snapshot.matches({ member: 'merging' }) || !section.members.prefix.equals(section.sap.sap.prefix)
    // Asked again while its join is proposed: the proposal stands (a redirect now would leave it
    // approved under a name it no longer uses).
    if ([...elder.pending.values()].some((bytes) => isJoinOf(bytes, sender.name))) return
    // A member at the address this request comes from (the transport authenticated it) under
    // another name is this node before it took a new one: one elder approved it while another
    // sent it elsewhere. That member will never speak again; it goes now, not after 30 s of
    // silence (meanwhile it blocks the address, and as an elder candidate stalls a DKG 30 s).
    if (from === payload.addr) {
      const stale = section.members.members().find((m) => m.addr === payload.addr && !m.name.equals(sender.name))
      if (stale !== undefined) this.#propose({ kind: 'Left', name: stale.name })
    }
    // The verdict is the agreed members' alone: every elder at this generation gives the same one
    // (a joiner told JoinElsewhere by one elder while another proposes it leaves a ghost behind).
    const verdict = busy ? { kind: 'TryJoinLater' as const } : checkJoin(section.members, { name: sender.name, addr: payload.addr, relocated: age > 0 }, this.params)
    switch (verdict.kind) {
      case 'Rejected':
        this.#send([from], 'JoinResponse', { verdict: { _tag: 'Rejected', reason: verdict.reason } }, toJoiner)
        return
      case 'TryJoinLater':
        this.#send([from], 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, toJoiner)
        return
      case 'JoinElsewhere':
        this.#send([from], 'JoinResponse', { verdict: { _tag: 'JoinElsewhere', prefix: { bitCount: verdict.prefix.bitCount, name: verdict.prefix.name.bytes } } }, toJoiner)
        return
      case 'Approve':
        this.#propose({ kind: 'Joined', member: { name: sender.name, publicKey: sender.bytes, addr: payload.addr, age } })
    }
  }

  /** Whether `proof` is the share of elder `index` of our current key over its rejoin (one BLS verify). */
  #provesShare(proof: PayloadOf<'JoinRequest'>['elderShare'], index: number, name: XorName): boolean {
    if (proof === undefined || proof.index !== index) return false
    const sap = this.#section!.sap.sap
    try {
      return sap.publicKeySet.verifyShare(index, SignatureShare.fromBytes(proof.share), elderRejoinBytes(name, sap.sectionKey()))
    } catch {
      this.#env.wire.refuse('bad-elder-share')
      return false
    }
  }

  /** Checks a relocation proof; the node's new age, or why not. */
  #checkRelocation(proof: RelocationProofWire, sender: NodePublicKey, destination: XorName): number | string {
    let key: BlsPublicKey
    let chain: ProofChain
    let oldKey: NodePublicKey
    try {
      key = BlsPublicKey.fromBytes(proof.sectionKey)
      chain = ProofChain.fromWire(proof.proofChain)
      oldKey = NodePublicKey.fromBytes(proof.oldPublicKey)
    } catch {
      return 'bad-relocation-keys'
    }
    if (!chain.root.equals(this.#genesisKey) || !chain.last().equals(key) || chain.firstBrokenLink() !== -1) return 'bad-relocation-chain'
    if (!verifyDecision(key, proof.decision)) return 'bad-relocation-decision'
    const change = proof.decision.proposals.map(decodeChange)
      .find((c) => c?.kind === 'Relocated' && c.name.equals(oldKey.name))
    if (change?.kind !== 'Relocated') return 'not-relocated'
    if (!change.destination.equals(destination) || !this.#section!.sap.sap.prefix.matches(destination)) return 'wrong-destination'
    if (!oldKey.verify(relocationBytes(sender.name), proof.signature)) return 'bad-relocation-signature'
    return Math.min(255, change.age + 1)
  }

  /**
   * Tells a member it is one: the decision that made it a member, or — for a member that asks
   * again after a restart, whose join we no longer hold — our latest decision, with the members.
   */
  #sendApproval(name: XorName, addr: string, absorbed?: Decision): void {
    const section = this.#section!
    const decision = absorbed ?? this.#approvalDecision(name)
    if (decision === undefined) {
      // Approved again ourselves after a restart, we hold only the decision we were sent, maybe
      // not one the joiner can check: we ask for our latest, and its next request is answered.
      this.#env.wire.refuse('approval-without-decision')
      this.#askNextDecision(section.nextGeneration - 1)
      return
    }
    const chain = this.tree.dag.chainFromGenesis(section.sap.sap.sectionKey())
    if (chain === undefined) return this.#env.wire.refuse('approval-without-chain')
    const dst = { name: name.bytes, sectionKey: section.sap.sap.sectionKey().toBytes() }
    this.#send([addr], 'JoinApproved', {
      decision, sap: section.sap.toWire(), proofChain: chain.toWire(), members: section.members.members().map(memberToWire),
      nextGeneration: section.nextGeneration,
    }, dst)
    // And what it should know of the neighbours.
    this.#sendSaps(addr, this.tree.saps().filter((s) => isNeighbour(s.sap.prefix, section.sap.sap.prefix)))
  }

  /**
   * The decision a `JoinApproved` carries: the one that made `name` a member, or else our newest;
   * either only if signed by our key or its parent, which the joiner can check (a join decided two
   * keys ago, before a handover and a split, is not). Newest first, each verified at most once.
   */
  #approvalDecision(name: XorName): Decision | undefined {
    const section = this.#section!
    const held = [...this.#decisions.values()].filter((d) => d.generation < section.nextGeneration).sort((a, b) => b.generation - a.generation)
    const joined = held.find((d) => d.proposals.some((p) => isJoinOf(p, name)))
    if (joined !== undefined && this.#decisionSigner(joined, section.sap) !== undefined) return joined
    return held.find((d) => d !== joined && this.#decisionSigner(d, section.sap) !== undefined)
  }

  /** Sends `to` each of `saps` with its chain from genesis (an AeUpdate each). */
  #sendSaps(to: string, saps: ReadonlyArray<SignedSap>): void {
    for (const sap of saps) {
      const chain = this.tree.dag.chainFromGenesis(sap.sap.sectionKey())
      if (chain !== undefined) this.#send([to], 'AeUpdate', { sap: sap.toWire(), proofChain: chain.toWire() })
    }
  }

  // --- As an elder: agreement -------------------------------------------------------------------

  #becomeElder(share: SecretKeyShare, keySet: PublicKeySet, firstGeneration: number): void {
    this.#stopElder()
    const section = this.#section!
    const elders = section.sap.sap.elders.map((e) => section.members.get(e.name))
    if (elders.some((e) => e === undefined)) return
    const members = elders as Member[]
    const index = members.findIndex((m) => m.name.equals(this.name))
    if (index < 0) return
    const roster = makeRoster(members.map((m) => NodePublicKey.fromBytes(m.publicKey)), keySet)
    const pending = new Map<string, Uint8Array>()
    const keyBytes = keySet.publicKey().toBytes()
    const agreement = new Agreement({
      roster,
      self: index,
      keypair: this.#env.wire.keypair,
      share,
      firstGeneration,
      ...restoreFrom(this.#env.ballots?.castIn(keyBytes, firstGeneration)),
      isValid: (proposal) => this.#isValid(proposal),
      proposalsFor: (generation) => {
        if (this.#section?.nextGeneration !== generation || pending.size === 0) return undefined
        return [...pending.values()]
      },
      timing: DEFAULT_TIMING,
    })
    const epoch = ++this.#epoch
    const id = `${this.addr}.${this.name.toHex().slice(0, 8)}`
    const keyId = toHex(keyBytes).slice(0, 8)
    const actor = createActor(agreementMachine, { input: { agreement }, clock: this.#clock('agreement'), systemId: `${id}/agreement/${keyId}#${epoch}` })
    const duties = createActor(elderMachine, {
      input: { dkgStartResendMs: SECTION_TIMING.dkgStartResendMs, watchIntervalMs: SECTION_TIMING.probeIntervalMs },
      clock: this.#clock('elder'),
      systemId: `${id}/elder/${keyId}#${epoch}`,
    })
    const role: ElderRole = {
      agreement, actor, duties, index, share, keySet, elders: members, pending, dkgStarts: new Map(), dkgFailures: new Map(), target: undefined, newSaps: new Map(), sharesFrom: new Set(),
    }
    this.#elder = role
    this.#member.send({ type: 'PROMOTED' })
    duties.on('announceDkg', () => this.#announceDkg(role))
    duties.on('proposeChange', () => this.#proposeElderChange(role))
    duties.on('checkSilence', () => this.#checkSilence())
    duties.start()
    actor.on('transmit', ({ effects }) => {
      if (this.#elder !== role) return
      for (const out of effects.broadcast) {
        this.#env.ballots?.cast(keyBytes, role.index, out)
        this.#toElders(role, 'AgreementVotes', out)
      }
      for (const a of effects.announce) {
        if (a.to === undefined) this.#toElders(role, 'DecisionAnnounce', { decision: a.decision })
        else this.#send([role.elders[a.to]!.addr], 'DecisionAnnounce', { decision: a.decision })
      }
      for (const r of effects.request) this.#send([role.elders[r.to]!.addr], 'DecisionRequest', { generation: r.generation })
      for (const decision of effects.decided) this.#applyDecision(decision)
    })
    actor.start()
    // Elders look at the section as it is: an elder change may be due already.
    this.#checkElderChange(role)
  }

  #stopElder(): void {
    const role = this.#elder
    if (role === undefined) return
    this.#elder = undefined
    role.actor.stop()
    role.duties.send({ type: 'RETIRE' })
    role.duties.stop()
    this.#member.send({ type: 'DEMOTED' })
  }

  #toElders<K extends Kind>(role: ElderRole, kind: K, payload: PayloadOf<K>): void {
    this.#send(role.elders.filter((_, i) => i !== role.index).map((e) => e.addr), kind, payload)
  }

  #propose(change: MembershipChange): void {
    const role = this.#elder
    if (role === undefined) return
    const bytes = encodeChange(change)
    const hex = toHex(bytes)
    if (role.pending.has(hex) || !this.#isValid(bytes)) return
    role.pending.set(hex, bytes)
    role.actor.send({ type: 'PROPOSALS_READY' })
  }

  #onVotes(sender: NodePublicKey, payload: PayloadOf<'AgreementVotes'>): void {
    const role = this.#elder
    if (role === undefined) return
    const from = role.elders.findIndex((e) => e.name.equals(sender.name))
    if (from < 0) return this.#env.wire.refuse('votes-from-non-elder')
    // Proposals others put forward for our current generation become ours too, so that an elder
    // that heard of no join still votes (otherwise a lone proposer could never reach a quorum).
    let adopted = false
    for (const vote of payload.votes) {
      if (vote.generation !== this.#section!.nextGeneration || vote.voter !== from) continue
      for (const proposal of vote.proposals) {
        const hex = toHex(proposal)
        if (role.pending.has(hex)) continue
        if (role.pending.size >= 64) {
          this.#env.wire.refuse('proposals-full')
        } else if (this.#isValid(proposal)) {
          role.pending.set(hex, Uint8Array.from(proposal))
          adopted = true
        } else {
          // Counted by kind: an elder that will not take up what others propose shows why here.
          this.#env.wire.refuse(`unadopted-${decodeChange(proposal)?.kind ?? 'undecodable'}`)
        }
      }
    }
    role.actor.send({ type: 'VOTES', from, votes: payload.votes, supermajorities: payload.supermajorities })
    if (adopted) role.actor.send({ type: 'PROPOSALS_READY' })
  }

  #onAnnounce(sender: NodePublicKey, decision: Decision): void {
    const role = this.#elder
    if (role === undefined) return this.#onSectionDecision('', decision)
    const from = role.elders.findIndex((e) => e.name.equals(sender.name))
    if (from < 0) return
    const section = this.#section!
    if (decision.generation < section.nextGeneration) {
      // One we asked for, from before we were approved again (see #sendApproval): kept if checkable.
      if (!this.#decisions.has(decision.generation) && decision.generation >= section.nextGeneration - RECENT_DECISIONS && this.#decisionSigner(decision, section.sap) !== undefined) {
        this.#decisions.set(decision.generation, decision)
      }
      return
    }
    role.actor.send({ type: 'DECISION_ANNOUNCE', from, decision })
  }

  #onDecisionRequest(sender: NodePublicKey, generation: number): void {
    const role = this.#elder
    const decision = this.#decisions.get(generation)
    if (role === undefined) {
      if (decision !== undefined) this.#send([this.#addrOf(sender.name)].filter((a) => a !== ''), 'DecisionAnnounce', { decision })
      return
    }
    const from = role.elders.findIndex((e) => e.name.equals(sender.name))
    // Our agreement knows the generations it decided; a decision from before our restart (or
    // caught up as a member) is in our record only.
    if (from >= 0 && role.agreement.decision(generation) !== undefined) role.actor.send({ type: 'DECISION_REQUEST', from, generation })
    else if (decision !== undefined) this.#send([this.#addrOf(sender.name)].filter((a) => a !== ''), 'DecisionAnnounce', { decision })
  }

  #addrOf(name: XorName): string {
    return this.#section?.members.get(name)?.addr ?? ''
  }

  /** Validity of a proposal against the agreed state (the same at every elder for a generation). */
  #isValid(bytes: Uint8Array): boolean {
    const section = this.#section
    const role = this.#elder
    if (section === undefined || role === undefined) return false
    const change = decodeChange(bytes)
    if (change === undefined) return false
    const members = section.members
    const prefix = section.sap.sap.prefix
    switch (change.kind) {
      case 'Joined': {
        const m = change.member
        if (toHex(sha3_256(m.publicKey)) !== m.name.toHex()) return false
        return checkJoin(members, { name: m.name, addr: m.addr, relocated: m.age > 0 }, this.params).kind === 'Approve'
      }
      case 'Left':
        return members.has(change.name)
      case 'Relocated': {
        const m = members.get(change.name)
        return m !== undefined && m.age === change.age && !role.elders.some((e) => e.name.equals(change.name))
      }
      case 'Handover': {
        // After a merge the members' prefix is the parent's: the new SAP is for it.
        const sap = change.sap.sap
        if (!sap.prefix.equals(members.prefix) || splitFor(members, this.params) !== undefined || section.merging !== undefined) return false
        if (members.prefix.equals(prefix) && !needsNewElders(members, role.elders.map((e) => e.name), this.params)) return false
        return this.#candidatesMatch(sap, members) && change.sap.verify()
      }
      case 'Merge':
        if (section.merging !== undefined) return change.sibling.equals(section.sap.sap.sectionKey()) && this.#siblingSplit()
        return this.#sectionActor.getSnapshot().matches({ member: 'shrunk' })
          && this.tree.get(prefix.sibling())?.sap.sectionKey().equals(change.sibling) === true
      case 'Absorb':
        return this.#absorbable(change)
      case 'Split': {
        const split = splitFor(members, this.params)
        if (split === undefined) return false
        const zero = change.zero.sap
        const one = change.one.sap
        return zero.prefix.equals(split.zero.prefix) && one.prefix.equals(split.one.prefix)
          && this.#candidatesMatch(zero, split.zero) && this.#candidatesMatch(one, split.one)
          && change.zero.verify() && change.one.verify()
      }
    }
  }

  /**
   * Whether we can take in our sibling section: it is the sibling we know, it signed its members
   * and us (or our older key) as where it merges, and we are not splitting or merging already —
   * unless both sides asked at once, when the 0 side takes in the 1 side (DESIGN.md §8).
   */
  #absorbable(change: Extract<MembershipChange, { kind: 'Absorb' }>): boolean {
    const section = this.#section!
    const prefix = section.sap.sap.prefix
    const ours = section.sap.sap.sectionKey()
    if (prefix.bitCount === 0 || !section.members.prefix.equals(prefix) || splitFor(section.members, this.params) !== undefined) return false
    if (section.merging !== undefined && prefix.popped().childBit(prefix.name) !== 0) return false
    if (this.tree.get(prefix.sibling())?.sap.sectionKey().equals(change.sectionKey) !== true) return false
    if (!change.sibling.equals(ours) && !this.tree.dag.isAncestor(change.sibling, ours)) return false
    const sibling = prefix.sibling()
    if (change.members.length === 0 || !change.members.every((m) => sibling.matches(m.name))) return false
    // Agreement asks for every vote; BlsPublicKey.verify remembers what verified.
    return change.sectionKey.verify(mergeBytes(change.sectionKey, change.sibling, change.members), change.signature)
      && change.sectionKey.verify(linkBytes(change.sibling), change.link)
  }

  /** Our sibling is no longer one section: it split (we know sections below its prefix). */
  #siblingSplit(): boolean {
    const sibling = this.#section!.sap.sap.prefix.sibling()
    return this.tree.get(sibling) === undefined && this.tree.prefixes().some((p) => p.isExtensionOf(sibling))
  }

  #candidatesMatch(sap: SectionAuthorityProvider, members: SectionMembers): boolean {
    const candidates = this.#candidates(members)
    return candidates.length === sap.elders.length && candidates.every((c, i) => c.name.equals(sap.elders[i]!.name) && c.addr === sap.elders[i]!.addr)
  }

  /** Elder candidates of `members`, sorted by name (= their share index). */
  #candidates(members: SectionMembers): Member[] {
    const role = this.#elder
    const currentElders = role?.elders.map((e) => e.name) ?? []
    return elderCandidates(members, currentElders, this.#section!.sap.sap.sectionKey().toBytes(), this.params)
      .sort((a, b) => a.name.compare(b.name))
  }

  // --- Applying decisions (every member) --------------------------------------------------------

  #onSectionDecision(_from: string, decision: Decision): void {
    const section = this.#section
    if (section === undefined || this.role === 'joining' || this.role === 'left') return
    if (decision.generation < section.nextGeneration) return
    if (this.#elder !== undefined && decision.generation >= this.#elder.agreement.generation) {
      // Our own agreement decides these; an announce from a peer goes through it.
      this.#elder.actor.send({ type: 'DECISION_ANNOUNCE', from: 0, decision })
      return
    }
    if (decision.generation > section.nextGeneration) {
      if (this.#ahead.size < 64) this.#ahead.set(decision.generation, decision)
      this.#requestDecisions()
      return
    }
    if (!verifyDecision(section.sap.sap.sectionKey(), decision)) return this.#env.wire.refuse('bad-decision-signature')
    this.#applyDecision(decision)
    for (let next = this.#ahead.get(this.#section?.nextGeneration ?? -1); next !== undefined; next = this.#ahead.get(this.#section?.nextGeneration ?? -1)) {
      this.#ahead.delete(next.generation)
      if (!verifyDecision(this.#section!.sap.sap.sectionKey(), next)) break
      this.#applyDecision(next)
    }
    const now = this.#section?.nextGeneration ?? 0
    for (const g of this.#ahead.keys()) if (g < now) this.#ahead.delete(g)
    if (this.#ahead.size === 0) this.#aeActor.send({ type: 'CAUGHT_UP' })
  }

  /** We are behind on decisions: the anti-entropy machine asks (and asks again) until we are not. */
  #requestDecisions(): void {
    this.#aeActor.send({ type: 'BEHIND' })
  }

  /** Asks for missed decisions: the elder that looks after us first, then each other elder in turn. */
  #sendDecisionsRequest(attempt: number): void {
    const section = this.#section
    if (section === undefined) return
    const elders = section.sap.sap.elders.filter((e) => !e.name.equals(this.name))
    const first = this.#responsibleElder(this.name, section.sap.sap)
    const start = Math.max(0, elders.findIndex((e) => first !== undefined && e.name.equals(first.name)))
    const elder = elders[(start + attempt - 1) % Math.max(1, elders.length)]
    if (elder !== undefined) this.#send([elder.addr], 'SectionDecisionsRequest', { from: section.nextGeneration })
  }

  #onDecisionsRequest(from: string, generation: number): void {
    const decisions: Decision[] = []
    for (let g = generation; decisions.length < 16; g++) {
      const decision = this.#decisions.get(g)
      if (decision === undefined) break
      decisions.push(decision)
    }
    if (decisions.length > 0) this.#send([from], 'SectionDecisions', { decisions })
  }

  #applyDecision(decision: Decision): void {
    const section = this.#section
    if (section === undefined || decision.generation !== section.nextGeneration) return
    this.#env.observer?.decided(this, toHex(section.sap.sap.sectionKey().toBytes()), decision)
    this.#decisions.set(decision.generation, decision)
    this.#decisions.delete(decision.generation - RECENT_DECISIONS)
    if (this.#resuming()) this.#askNextDecision(decision.generation + 1)
    this.#sectionActor.send({ type: 'APPLY', decision, self: this.name })
    const applied = this.#sectionActor.getSnapshot().context.last
    if (applied?.decision !== decision) return
    const { structural } = applied
    for (const change of applied.changes) if (change.kind === 'Absorb') this.#linkMerge(change)
    const wasElder = this.#elder
    if (wasElder !== undefined) this.#afterDecisionAsElder(wasElder, applied)
    if (structural !== undefined) {
      const sap = applied.view.sap
      const saps = structural.kind === 'Handover' ? [structural.sap] : [structural.zero, structural.one]
      for (const s of saps) this.#awaitingLink.set(toHex(s.sap.sectionKey().toBytes()), s)
      // Other DKG sessions of this section are over. The ones that made the new keys go on: a
      // candidate that has not completed yet (messages lost) still can, and the others answer it.
      const made = new Set(saps.map((x) => `${x.sap.prefix.toString()}:${x.sap.elders.map((e) => e.name.toHex()).join(',')}`))
      for (const [hex, run] of [...this.#dkgRuns]) {
        const prefix = Prefix.of(XorName.fromBytes(run.start.prefix.name), run.start.prefix.bitCount)
        if (made.has(`${prefix.toString()}:${run.start.candidates.map((c) => toHex(c)).join(',')}`)) continue
        run.actor.stop()
        this.#dkgRuns.delete(hex)
      }
      // New elders take over from the next generation; old ones step down.
      const share = this.#newShares.get(toHex(sap.sap.sectionKey().toBytes()))
      const isNewElder = sap.sap.elders.some((e) => e.name.equals(this.name))
      this.#lateElder = isNewElder && share === undefined ? toHex(sap.sap.sectionKey().toBytes()) : undefined
      if (share !== undefined && isNewElder) {
        this.#becomeElder(share.share, share.keySet, decision.generation + 1)
      } else {
        this.#stopElder()
      }
      this.#tryLinks()
    }
    // Our own fate.
    const mine = applied.changes.find((c) => (c.kind === 'Left' || c.kind === 'Relocated') && c.name.equals(this.name))
    if (mine !== undefined) return this.#leave(mine, decision, applied.signingKey.sap.sectionKey())
    if (this.#elder !== undefined && structural === undefined) this.#checkElderChange(this.#elder)
    if (this.#elder !== undefined) {
      for (const [hex, bytes] of [...this.#elder.pending]) if (!this.#isValid(bytes)) this.#elder.pending.delete(hex)
      if (this.#elder.pending.size > 0) this.#elder.actor.send({ type: 'PROPOSALS_READY' })
    }
  }

  #afterDecisionAsElder(role: ElderRole, applied: AppliedDecision): void {
    const { decision, changes } = applied
    const signingKey = applied.signingKey.sap.sectionKey()
    const subjects = applied.leaving.map((m) => m.addr)
    for (const change of decision.proposals) role.pending.delete(toHex(change))
    // Tell the members this elder looks after, and the subjects of the changes.
    const before = new Set<string>()
    for (const change of changes) {
      if (change.kind !== 'Joined') continue
      // The elder that looks after the joiner tells it; if that one fails, the joiner asks again.
      if (this.#looksAfter(change.member.name)) this.#sendApproval(change.member.name, change.member.addr)
      before.add(change.member.name.toHex())
    }
    // A sibling merged into us: every elder tells each of its members (it has no other way to know).
    for (const change of changes) {
      if (change.kind !== 'Absorb') continue
      for (const m of change.members) {
        this.#sendApproval(m.name, m.addr, decision)
        before.add(m.name.toHex())
      }
    }
    const mine = this.#lookedAfter().filter((m) => !before.has(m.name.toHex()))
    this.#send([...mine.map((m) => m.addr), ...subjects], 'SectionDecisions', { decisions: [decision] })
    // The new elders of a handover or split (who may be adults now) hear it from every elder.
    const structural = changes.find((c) => c.kind === 'Handover' || c.kind === 'Split')
    if (structural !== undefined) {
      const saps = structural.kind === 'Handover' ? [structural.sap] : [structural.zero, structural.one]
      const newElders = saps.flatMap((s) => s.sap.elders).filter((e) => !role.elders.some((o) => o.name.equals(e.name)))
      this.#send(newElders.map((e) => e.addr), 'SectionDecisions', { decisions: [decision] })
      // Each old elder signs each new key with its old share: the chain link.
      for (const s of saps) {
        const child = s.sap.sectionKey()
        const share = role.share.sign(linkBytes(child))
        const payload = { parent: signingKey.toBytes(), child: child.toBytes(), index: role.index, share: share.toBytes() }
        // To the collectors, who combine the link and pass it on as an AeUpdate (see #onLinkShare).
        this.#linkRecipients.set(toHex(child.toBytes()), [...new Set([...role.elders, ...saps.flatMap((x) => x.sap.elders)].map((e) => e.addr))])
        if (role.index < COLLECTORS) this.#onLinkShare(payload)
        this.#send(collectors(role.elders).map((e) => e.addr), 'LinkShare', payload)
      }
      return
    }
    // Churn relocates (DESIGN.md §6): the section machine chose whom.
    for (const r of applied.relocations) this.#propose({ kind: 'Relocated', name: r.member.name, destination: r.destination, age: r.member.age })
  }

  #leave(change: MembershipChange, decision: Decision, signingKey: BlsPublicKey): void {
    this.#stopElder()
    if (change.kind !== 'Relocated') {
      // Voted off while alive: join again, as a new node.
      this.#sectionActor.send({ type: 'LEAVE' })
      this.#joinAttempt = undefined
      const keypair = this.#env.newKeypair(() => true)
      this.#env.wire.setKeypair(keypair)
      this.#member.send({ type: 'VOTED_OFF' })
      return
    }
    const chain = this.tree.dag.chainFromGenesis(signingKey)
    if (chain === undefined) return
    const old = this.#env.wire.keypair
    this.#oldKeypair = old
    const target = this.tree.sectionFor(change.destination)!.sap.prefix
    const keypair = this.#env.newKeypair((name) => target.matches(name))
    this.#env.wire.setKeypair(keypair)
    this.#sectionActor.send({ type: 'LEAVE' })
    this.#joinAttempt = {
      dstName: change.destination, sentWithKey: this.tree.sectionFor(change.destination)!.sap.sectionKey(),
      relocation: {
        decision, sectionKey: signingKey.toBytes(), proofChain: chain.toWire(), oldPublicKey: old.publicKey.bytes,
        signature: old.sign(relocationBytes(keypair.name)),
      },
    }
    this.#member.send({ type: 'RELOCATE' })
  }


  // --- Elder change: DKG, SAP shares, links -----------------------------------------------------

  /** After a decision: is an elder change or split due (the section machine says), and is it the one we asked for? */
  #checkElderChange(role: ElderRole): void {
    const section = this.#section!
    const members = section.members
    const state = this.#sectionActor.getSnapshot()
    const split = state.matches({ member: 'splitting' }) ? splitFor(members, this.params) : undefined
    let targets: Array<{ prefix: Prefix; candidates: Member[] }>
    if (split !== undefined) {
      targets = [{ prefix: split.zero.prefix, candidates: this.#candidates(split.zero) }, { prefix: split.one.prefix, candidates: this.#candidates(split.one) }]
    } else if (state.matches({ member: 'electing' })) {
      targets = [{ prefix: members.prefix, candidates: this.#candidates(members) }]
    } else if (state.matches({ member: 'shrunk' })) {
      // Too few members: merge into the sibling if it is a section (DESIGN.md §8). When both
      // siblings are small, the 1 side asks (the 0 side would take it in anyway).
      const prefix = section.sap.sap.prefix
      const sibling = this.tree.get(prefix.sibling())
      const asks = sibling !== undefined && (sibling.sap.elders.length >= this.params.elderCount || prefix.popped().childBit(prefix.name) === 1)
      if (sibling !== undefined && asks) this.#propose({ kind: 'Merge', sibling: sibling.sap.sectionKey() })
      const elect = !asks && needsNewElders(members, role.elders.map((e) => e.name), this.params)
      targets = elect ? [{ prefix: members.prefix, candidates: this.#candidates(members) }] : []
    } else {
      targets = []
    }
    let id = targets.map((t) => `${t.prefix.toString()}:${t.candidates.map((c) => c.name.toHex()).join(',')}`).join('|')
    // Merging: the elder machine's announcements send our merge shares to the sibling.
    if (section.merging !== undefined) id = `merge:${section.merging.toHex()}`
    if (id === (role.target ?? '')) return
    role.target = id
    role.dkgStarts.clear()
    role.dkgFailures.clear()
    role.newSaps.clear()
    role.sharesFrom.clear()
    for (const target of targets) {
      const names = target.candidates.map((c) => c.name.bytes)
      const generation = members.generation
      const chainLength = section.sap.sap.generation
      const start = signDkgStart(this.#env.wire.keypair, {
        sessionId: dkgSessionId(target.prefix, names, generation, chainLength),
        prefix: { bitCount: target.prefix.bitCount, name: target.prefix.name.bytes },
        candidates: names,
        keys: target.candidates.map((c) => c.publicKey),
        addrs: target.candidates.map((c) => c.addr),
        generation,
        chainLength,
        elder: role.index,
      })
      role.dkgStarts.set(toHex(start.sessionId), start)
    }
    // The elder machine announces now and again until the new SAPs are signed (or the target moves).
    role.duties.send({ type: 'CHANGE_DUE', target: id })
  }

  /** Sends our DkgStart to the candidates that have not sent their share of the new SAP yet. */
  #announceDkg(role: ElderRole): void {
    if (this.#elder !== role) return
    if (this.#section?.merging !== undefined) return this.#sendMergeShare(role, this.#section)
    for (const start of role.dkgStarts.values()) {
      const prefix = Prefix.of(XorName.fromBytes(start.prefix.name), start.prefix.bitCount).toString()
      if (role.newSaps.has(prefix)) continue
      const to = start.addrs.filter((a, i) => a !== this.addr && !role.sharesFrom.has(`${prefix}/${start.generation}/${i}`))
      this.#send(to, 'DkgStart', { start })
      if (start.candidates.some((c) => toHex(c) === this.name.toHex())) this.#onDkgStart(this.#env.wire.keypair.publicKey, start)
    }
  }

  /**
   * We decided to merge: our share of our key's signature over the merge (us, the sibling key,
   * our members) goes to the sibling's elders, with our SAP and chain, until they take us in or
   * the sibling splits.
   */
  #sendMergeShare(role: ElderRole, section: SectionView): void {
    const ours = section.sap.sap.sectionKey()
    // The sibling split meanwhile: nobody can take us in; we call the merge off.
    if (this.#siblingSplit()) return this.#propose({ kind: 'Merge', sibling: ours })
    const sibling = this.tree.get(section.sap.sap.prefix.sibling())
    const chain = this.tree.dag.chainFromGenesis(ours)
    if (sibling === undefined || chain === undefined || section.merging === undefined) return
    if (!sibling.sap.sectionKey().equals(section.merging) && !this.tree.dag.isAncestor(section.merging, sibling.sap.sectionKey())) return
    const members = section.members.members()
    const bytes = mergeBytes(ours, section.merging, members)
    const hex = toHex(sha3_256(bytes))
    if (role.mergeShare?.hex !== hex) {
      role.mergeShare = { hex, share: role.share.sign(bytes).toBytes(), link: role.share.sign(linkBytes(section.merging)).toBytes() }
    }
    this.#send(sibling.sap.elders.map((e) => e.addr), 'MergeShare', {
      sap: section.sap.toWire(), proofChain: chain.toWire(), sibling: section.merging.toBytes(),
      members: members.map(memberToWire), index: role.index, share: role.mergeShare.share, link: role.mergeShare.link,
    })
  }

  /** A sibling section that decided to merge into ours: once its key signed, we propose to take it in. */
  #onMergeShare(payload: PayloadOf<'MergeShare'>): void {
    const role = this.#elder
    const section = this.#section
    if (role === undefined || section === undefined) return
    const decoded = decodeSapAndChain(payload)
    let sibling: BlsPublicKey
    let members: Member[]
    try {
      sibling = BlsPublicKey.fromBytes(payload.sibling)
      members = payload.members.map(memberFromWire)
    } catch {
      return this.#env.wire.refuse('bad-merge-share')
    }
    if (decoded === undefined) return this.#env.wire.refuse('bad-merge-share')
    const { sap, chain } = decoded
    if (!sap.sap.prefix.equals(section.sap.sap.prefix.sibling())) return this.#env.wire.refuse('merge-share-not-sibling')
    this.#learn(sap, chain)
    const key = sap.sap.sectionKey()
    if (this.tree.get(sap.sap.prefix)?.sap.sectionKey().equals(key) !== true) return
    const bytes = mergeBytes(key, sibling, members)
    const hex = toHex(sha3_256(bytes))
    let agg = this.#mergeShares.get(hex)
    if (agg === undefined) {
      if (this.#mergeShares.size > 16) this.#mergeShares.clear()
      const empty = () => ({ shares: new Map<number, SignatureShare>(), done: false, signature: undefined })
      this.#mergeShares.set(hex, (agg = { members: empty(), link: empty() }))
    }
    const keySet = sap.sap.publicKeySet
    agg.members.signature ??= this.#aggregate(agg.members, payload, keySet, () => bytes, 'bad-merge-share')
    agg.link.signature ??= this.#aggregate(agg.link, { index: payload.index, share: payload.link }, keySet, () => linkBytes(sibling), 'bad-merge-share')
    const signature = agg.members.signature
    const link = agg.link.signature
    // Proposed again on every share: it is valid only once we are free to take the sibling in.
    if (signature !== undefined && link !== undefined) this.#propose({ kind: 'Absorb', sectionKey: key, sibling, members, signature, link })
  }

  /** Merge shares by what they sign: the members' signature and the link to our key. */
  readonly #mergeShares = new Map<string, Record<'members' | 'link', Aggregation & { signature: BlsSignature | undefined }>>()

  /** A current elder asks us, a candidate, to run a DKG: the session's `dkg` actor counts the asks. */
  #onDkgStart(sender: NodePublicKey, start: DkgStartWire): void {
    const section = this.#section
    if (section === undefined) return
    const hex = toHex(start.sessionId)
    const self = start.candidates.findIndex((c) => toHex(c) === this.name.toHex())
    if (self < 0) return
    // A start names its sender by its place among the elders of the SAP it was made under
    // (`chainLength` is that SAP's generation): we can check it only if that SAP is ours and its
    // sender one of our elders. Otherwise it is not bad but out of step, and dropped. Made under
    // an earlier SAP, it is stale: the change it asked for was overtaken (a connection that queued
    // it while we were down delivers it once we are back; its sender has not seen the handover).
    // Made under a later SAP or by another section's elders (the sibling we merge into), it is
    // ahead of us: we have not taken up the decision that made its sender our elder, and its
    // elders send it again until we take part.
    if (start.chainLength !== section.sap.sap.generation || !section.sap.sap.elders.some((e) => e.name.equals(sender.name))) return
    // Keys of the current elders that are still members (one that left sends no start).
    const elders = section.sap.sap.elders.map((e) => section.members.get(e.name))
    const elderKeys = elders.map((m) => (m === undefined ? undefined : NodePublicKey.fromBytes(m.publicKey)))
    if (!DkgSession.verifyStart(start, elderKeys)) return this.#env.wire.refuse('bad-dkg-start')
    let run = this.#dkgRuns.get(hex)
    if (run === undefined) {
      run = this.#newDkgRun(start, self, supermajority(elders.length))
      if (run === undefined) return
    }
    const wasRunning = !run.actor.getSnapshot().matches('waitingForStart')
    run.actor.send({ type: 'START', elder: start.elder })
    if (wasRunning || run.actor.getSnapshot().matches('waitingForStart')) return
    // A supermajority of our elders asked and the session runs: it replaces older ones for the prefix.
    for (const [other, r] of [...this.#dkgRuns]) {
      if (other !== hex && r.start.prefix.bitCount === start.prefix.bitCount && toHex(r.start.prefix.name) === toHex(start.prefix.name)) {
        r.actor.stop()
        this.#dkgRuns.delete(other)
      }
    }
  }

  #newDkgRun(start: DkgStartWire, self: number, startQuorum: number): DkgRun | undefined {
    const hex = toHex(start.sessionId)
    const candidates = start.keys.map((k) => NodePublicKey.fromBytes(k))
    const session = new DkgSession({
      sessionId: start.sessionId, candidates, self, keypair: this.#env.wire.keypair, threshold: threshold(candidates.length), randomBytes: this.#env.randomBytes,
    })
    const actor = createActor(dkgMachine, {
      input: { session, startQuorum, deadlineMs: SECTION_TIMING.dkgDeadlineMs, gossipIntervalMs: SECTION_TIMING.dkgGossipMs },
      clock: this.#clock('dkg'),
      systemId: `${this.addr}.${this.name.toHex().slice(0, 8)}/dkg/${hex.slice(0, 8)}#${++this.#epoch}`,
    })
    const run: DkgRun = { start, actor, peers: start.addrs.filter((_, i) => i !== self) }
    actor.on('broadcast', ({ bundle }) => this.#send(run.peers, 'DkgMessages', bundle as PayloadOf<'DkgMessages'>))
    actor.on('reply', ({ to, bundle }) => this.#send([start.addrs[to] ?? ''], 'DkgMessages', bundle as PayloadOf<'DkgMessages'>))
    actor.on('catchUp', ({ request }) => this.#send(run.peers, 'DkgCatchUp', request))
    actor.on('completed', ({ result }) => this.#onDkgComplete(run, result))
    actor.on('abandoned', ({ nonParticipants }) => {
      // Tell the current elders who kept the session from completing (DESIGN.md §7).
      const section = this.#section
      if (section === undefined || nonParticipants.length === 0) return
      const payload = { sessionId: start.sessionId, nonParticipants: nonParticipants.map(([i]) => i) }
      this.#send(section.sap.sap.elders.map((e) => e.addr), 'DkgFailure', payload)
      if (this.#elder !== undefined) this.#onDkgFailure(this.#env.wire.keypair.publicKey, payload)
    })
    this.#dkgRuns.set(hex, run)
    if (this.#dkgRuns.size > 8) {
      const [oldest, old] = this.#dkgRuns.entries().next().value!
      old.actor.stop()
      this.#dkgRuns.delete(oldest)
    }
    actor.start()
    return run
  }

  #onDkgMessages(payload: PayloadOf<'DkgMessages'>): void {
    const sessionId = payload.parts[0]?.sessionId ?? payload.acks[0]?.sessionId ?? payload.justifications[0]?.sessionId
    if (sessionId === undefined) return
    const run = this.#dkgRuns.get(toHex(sessionId))
    if (run === undefined) return
    run.actor.send({ type: 'MESSAGES', bundle: payload })
  }

  #onDkgCatchUp(sender: NodePublicKey, payload: PayloadOf<'DkgCatchUp'>): void {
    const run = this.#dkgRuns.get(toHex(payload.sessionId))
    if (run === undefined) return
    const from = run.start.candidates.findIndex((c) => toHex(c) === sender.name.toHex())
    if (from < 0) return this.#env.wire.refuse('dkg-catch-up-from-non-candidate')
    run.actor.send({ type: 'CATCH_UP', from, request: payload })
  }

  /**
   * A candidate reports an abandoned session of ours: once `threshold + 1` candidates (so at least
   * one honest) name the same candidate, we propose `Left` for it; the next session goes without it.
   */
  #onDkgFailure(sender: NodePublicKey, payload: PayloadOf<'DkgFailure'>): void {
    const role = this.#elder
    if (role === undefined) return
    const hex = toHex(payload.sessionId)
    const start = role.dkgStarts.get(hex)
    if (start === undefined) return
    const reporter = start.candidates.findIndex((c) => toHex(c) === sender.name.toHex())
    if (reporter < 0) return this.#env.wire.refuse('dkg-failure-from-non-candidate')
    let reports = role.dkgFailures.get(hex)
    if (reports === undefined) role.dkgFailures.set(hex, (reports = new Map<number, Set<number>>()))
    const needed = threshold(start.candidates.length) + 1
    for (const index of new Set(payload.nonParticipants)) {
      if (index === reporter || index >= start.candidates.length) continue
      let by = reports.get(index)
      if (by === undefined) reports.set(index, (by = new Set()))
      by.add(reporter)
      if (by.size === needed) this.#propose({ kind: 'Left', name: XorName.fromBytes(start.candidates[index]!) })
    }
  }

  #onDkgComplete(run: DkgRun, result: DkgResult): void {
    const start = run.start
    const keyHex = toHex(result.publicKeySet.publicKey().toBytes())
    this.#newShares.set(keyHex, { share: result.secretKeyShare, keySet: result.publicKeySet })
    this.#env.observer?.keyShare?.(this, result.secretKeyShare, result.publicKeySet)
    if (this.#lateElder === keyHex && this.#section !== undefined && toHex(this.#section.sap.sap.sectionKey().toBytes()) === keyHex) {
      // Our section handed over to this key before our part of the DKG completed: we take up
      // our place now, at the generation we are at (agreement catches us up).
      this.#lateElder = undefined
      this.#becomeElder(result.secretKeyShare, result.publicKeySet, this.#section.nextGeneration)
      return
    }
    // The new SAP, signed with our new share, for the current elders to combine.
    const sap = new SectionAuthorityProvider({
      prefix: Prefix.of(XorName.fromBytes(start.prefix.name), start.prefix.bitCount),
      publicKeySet: result.publicKeySet,
      elders: start.candidates.map((c, i) => ({ name: XorName.fromBytes(c), addr: start.addrs[i]! })),
      members: [],
      generation: start.generation,
    })
    const share = result.secretKeyShare.sign(sap.signingBytes())
    const self = start.candidates.findIndex((c) => toHex(c) === this.name.toHex())
    const payload = { sap: sap.toWire(), index: self, share: share.toBytes() }
    const section = this.#section
    if (section === undefined) return
    this.#send(collectors(section.sap.sap.elders).map((e) => e.addr), 'SapShare', payload)
    if (collectors(section.sap.sap.elders).some((e) => e.name.equals(this.name))) this.#onSapShare(payload)
  }

  #onSapShare(payload: PayloadOf<'SapShare'>): void {
    const role = this.#elder
    if (role === undefined) return
    let sap: SectionAuthorityProvider
    try {
      sap = SectionAuthorityProvider.fromWire(payload.sap)
    } catch {
      return this.#env.wire.refuse('bad-sap-share')
    }
    const hex = toHex(sha3_256(sap.signingBytes()))
    let agg = this.#sapShares.get(hex)
    if (agg === undefined) {
      if (this.#sapShares.size > 64) this.#sapShares.clear()
      this.#sapShares.set(hex, (agg = { shares: new Map(), done: false, sap }))
    }
    role.sharesFrom.add(`${sap.prefix.toString()}/${sap.generation}/${payload.index}`)
    const combined = this.#aggregate(agg, payload, sap.publicKeySet, () => sap.signingBytes(), 'bad-sap-share')
    if (combined === undefined) return
    role.newSaps.set(sap.prefix.toString(), new SignedSap(sap, combined))
    // Every new SAP of the change is signed: the elder machine proposes it.
    const prefixes = new Set([...role.dkgStarts.values()].map((st) => Prefix.of(XorName.fromBytes(st.prefix.name), st.prefix.bitCount).toString()))
    if (prefixes.size > 0 && [...prefixes].every((p) => role.newSaps.has(p))) role.duties.send({ type: 'SAPS_READY' })
    else this.#proposeElderChange(role)
  }

  /**
   * Adds one share to an aggregation; once threshold + 1 are in, combines them (the bad ones are
   * found and left out) and marks it done. The signature, the first time it combines.
   */
  #aggregate(agg: Aggregation, payload: { index: number; share: Uint8Array }, keySet: PublicKeySet, message: () => Uint8Array, refusal: string): BlsSignature | undefined {
    if (agg.done) return undefined
    try {
      agg.shares.set(payload.index, SignatureShare.fromBytes(payload.share))
    } catch {
      this.#env.wire.refuse(refusal)
      return undefined
    }
    if (agg.shares.size < keySet.threshold + 1) return undefined
    const signature = combineShares(keySet, message(), agg.shares)
    if (signature !== undefined) agg.done = true
    return signature
  }

  #proposeElderChange(role: ElderRole): void {
    const section = this.#section!
    const split = splitFor(section.members, this.params)
    if (split !== undefined) {
      const zero = role.newSaps.get(split.zero.prefix.toString())
      const one = role.newSaps.get(split.one.prefix.toString())
      if (zero !== undefined && one !== undefined) this.#propose({ kind: 'Split', zero, one })
      return
    }
    const sap = role.newSaps.get(section.members.prefix.toString())
    if (sap !== undefined) this.#propose({ kind: 'Handover', sap })
  }

  #onLinkShare(payload: PayloadOf<'LinkShare'>): void {
    const hex = `${toHex(payload.parent)}/${toHex(payload.child)}`
    let agg = this.#linkShares.get(hex)
    if (agg === undefined) {
      const parentSap = this.#keySetFor(payload.parent)
      if (parentSap === undefined) return
      let child: BlsPublicKey
      try {
        child = BlsPublicKey.fromBytes(payload.child)
      } catch {
        return this.#env.wire.refuse('bad-link-share')
      }
      if (this.#linkShares.size > 64) this.#linkShares.clear()
      this.#linkShares.set(hex, (agg = { shares: new Map(), done: false, parent: parentSap, child }))
    }
    const child = agg.child
    const signature = this.#aggregate(agg, payload, agg.parent, () => linkBytes(child), 'bad-link-share')
    if (signature === undefined) return
    this.#combinedLinks.add(toHex(agg.child.toBytes()))
    this.#addLink(agg.parent.publicKey(), agg.child, signature)
  }

  /** Links this node combined (as a collector): it passes them on once it applies them. */
  readonly #combinedLinks = new Set<string>()

  /** Who gets a new link: the old elders and the new elders of every child, by child key. */
  readonly #linkRecipients = new Map<string, string[]>()



  /** The key set of a section key we were a member under (current or the one before). */
  #keySetFor(key: Uint8Array): PublicKeySet | undefined {
    const hex = toHex(key)
    const section = this.#section
    if (section !== undefined && toHex(section.sap.sap.sectionKey().toBytes()) === hex) return section.sap.sap.publicKeySet
    for (const sap of this.#previousSaps) if (toHex(sap.sap.sectionKey().toBytes()) === hex) return sap.sap.publicKeySet
    return undefined
  }

  get #previousSaps(): SignedSap[] {
    // While merging, the members' prefix is the parent: the sibling we took in is among these.
    return this.tree.saps().filter((s) => this.#section === undefined || s.sap.prefix.isCompatible(this.#section.members.prefix))
  }

  /** Links received before we learnt the child SAP from the decision. */
  readonly #links = new Map<string, { parent: BlsPublicKey; child: BlsPublicKey; signature: BlsSignature }>()

  #addLink(parent: BlsPublicKey, child: BlsPublicKey, signature: BlsSignature): void {
    this.#links.set(toHex(child.toBytes()), { parent, child, signature })
    this.#tryLinks()
  }

  /** Applies links whose SAP we know: the tree learns the new section(s); new elders spread it. */
  #tryLinks(): void {
    for (const [childHex, sap] of [...this.#awaitingLink]) {
      const link = this.#links.get(childHex)
      if (link === undefined) continue
      const base = this.tree.dag.has(link.parent) ? this.tree.dag.chainFromGenesis(link.parent) : undefined
      if (base === undefined) continue
      const chain = new ProofChain(base.root, [...base.links, { key: link.child, signature: link.signature }])
      this.#awaitingLink.delete(childHex)
      this.#links.delete(childHex)
      this.#env.observer?.link(link.parent, link.child, sap.sap.prefix)
      this.#learn(sap, chain)
      // A collector passes the link on to everyone who takes part in the change: the old
      // elders and the new ones of every child.
      if (this.#combinedLinks.delete(childHex)) {
        const to = this.#linkRecipients.get(childHex) ?? sap.sap.elders.map((e) => e.addr)
        this.#send(to, 'AeUpdate', { sap: sap.toWire(), proofChain: chain.toWire() })
      }
      if (this.#linkRecipients.size > 16) this.#linkRecipients.delete(this.#linkRecipients.keys().next().value!)
      if (this.#combinedLinks.size > 16) this.#combinedLinks.delete(this.#combinedLinks.values().next().value!)
      if (this.#elder !== undefined) this.#announceSap(sap, chain)
    }
    if (this.#links.size > 64) this.#links.clear()
  }

  /**
   * An elder tells the members it looks after about a new SAP of its section or of a neighbour;
   * when the SAP is its own section's, also the neighbouring sections' elders.
   */
  #announceSap(sap: SignedSap, chain: ProofChain): void {
    const role = this.#elder!
    const section = this.#section!
    const own = sap.sap.sectionKey().equals(section.sap.sap.sectionKey())
    if (!own && !isNeighbour(sap.sap.prefix, section.sap.sap.prefix)) return
    const payload = { sap: sap.toWire(), proofChain: chain.toWire() }
    const mine = this.#lookedAfter()
    this.#send(mine.map((m) => m.addr), 'AeUpdate', payload)
    if (!own) return
    for (const neighbour of this.tree.saps().filter((s) => isNeighbour(s.sap.prefix, sap.sap.prefix))) {
      // Elder i tells the neighbour's elder i (so each neighbour hears from several of us).
      const elder = neighbour.sap.elders[role.index % neighbour.sap.elders.length]
      if (elder !== undefined) this.#send([elder.addr], 'AeUpdate', payload)
    }
  }

  // --- Anti-entropy updates and probes ----------------------------------------------------------

  #learn(sap: SignedSap, chain: ProofChain): boolean {
    const outcome = this.tree.update(sap, chain)
    if (outcome.status === 'rejected') {
      this.stats.rejectedUpdates++
      return false
    }
    return outcome.status === 'accepted'
  }

  #onAeUpdate(payload: PayloadOf<'AeUpdate'>): void {
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return this.#env.wire.refuse('bad-ae-update')
    const { sap, chain } = decoded
    // The link of a handover or split we know of: take it as if we had combined it.
    // (Kept even before we know of the change: the decision may reach us after its link.)
    const last = chain.links.at(-1)
    const section0 = this.#section
    if (last !== undefined && section0 !== undefined && sap.sap.prefix.isCompatible(section0.sap.sap.prefix) && chain.firstBrokenLink() === -1) {
      const parent = chain.links.length > 1 ? chain.links.at(-2)!.key : chain.root
      this.#addLink(parent, last.key, last.signature)
    }
    const accepted = this.#learn(sap, chain)
    const section = this.#section
    if (section === undefined) return
    // Our own section's SAP: if we missed the handover decision, ask for decisions.
    if (sap.sap.prefix.isCompatible(section.sap.sap.prefix) && !sap.sap.sectionKey().equals(section.sap.sap.sectionKey()) && this.tree.dag.has(sap.sap.sectionKey())
      && this.tree.dag.isAncestor(section.sap.sap.sectionKey(), sap.sap.sectionKey())) {
      this.#requestDecisions()
    }
    // An elder passes news of a neighbour to the members it looks after.
    const role = this.#elder
    if (accepted && role !== undefined && isNeighbour(sap.sap.prefix, section.sap.sap.prefix)) {
      const mine = this.#lookedAfter()
      this.#send(mine.map((m) => m.addr), 'AeUpdate', payload)
    }
  }

  /** A probe tick of the anti-entropy machine; `neighbours`: elders probe the sibling sections too. */
  #probe(neighbours: boolean): void {
    if (this.#crashed) return
    const section = this.#section
    if (section === undefined || this.role === 'joining' || this.role === 'relocating') return
    const elder = this.#responsibleElder(this.name, section.sap.sap)
    // The key our tree holds for our prefix: if the tree lags our view, the answer fills it in.
    const held = this.tree.get(section.sap.sap.prefix)?.sap.sectionKey() ?? this.#genesisKey
    if (elder !== undefined && elder.addr !== this.addr) this.#send([elder.addr], 'AeProbe', { sectionKey: held.toBytes(), neighbours: this.#neighboursDigest() })
    const role = this.#elder
    if (role === undefined || !neighbours) return
    // Now and then, elders ask each neighbouring section whether what we hold of it is stale.
    this.#neighbourProbes++
    // (What we hold for the sibling's region may be an ancestor from before a split: its elders
    // answer with their current SAP.)
    const ours = section.sap.sap.prefix
    for (const neighbour of this.tree.saps().filter((s) => ours.bitCount > 0 && !s.sap.prefix.equals(ours) && s.sap.prefix.isCompatible(ours.sibling()))) {
      // A different elder of theirs each time: one that has gone must not keep us stale.
      const elder = neighbour.sap.elders[(role.index + this.#neighbourProbes) % neighbour.sap.elders.length]
      // With a digest of what we hold for its parent's region (it and its sibling's sections): if
      // that SAP's elders have all moved on, its sibling's elders can still tell us (see #onProbe).
      const region = neighbour.sap.prefix.popped()
      const neighbours = digestOf(this.tree.saps().filter((s) => s.sap.prefix.isCompatible(region)))
      if (elder !== undefined) this.#send([elder.addr], 'AeProbe', { sectionKey: neighbour.sap.sectionKey().toBytes(), neighbours })
    }
  }

  #onProbe(from: string, sender: NodePublicKey, payload: PayloadOf<'AeProbe'>): void {
    const section = this.#section
    if (section === undefined || this.role === 'joining' || this.role === 'relocating') return
    const ours = section.sap.sap.sectionKey()
    // A member of ours compares what it holds of our sibling's region; a neighbour's elder, what
    // it holds of our parent's region (us and our sibling's sections). If theirs differs: ours.
    const member = section.members.has(sender.name)
    const expected = member ? this.#neighboursDigest() : digestOf(this.tree.saps().filter((s) => s.sap.prefix.isCompatible(section.sap.sap.prefix.popped())))
    const differs = payload.neighbours !== undefined && toHex(payload.neighbours) !== toHex(expected)
    const current = toHex(payload.sectionKey) === toHex(ours.toBytes())
    let siblings = differs && (member ? this.#elder !== undefined : current)
    if (!current) {
      this.#sendSaps(from, [section.sap])
      // A prober that holds a key from before our split lacks our sibling's part of it too.
      if (!member && !differs) {
        let probed: BlsPublicKey
        try {
          probed = BlsPublicKey.fromBytes(payload.sectionKey)
        } catch {
          return this.#env.wire.refuse('bad-probe-key')
        }
        siblings = this.tree.dag.has(probed) && this.tree.dag.isAncestor(probed, ours)
      } else {
        siblings ||= !member
      }
    }
    if (siblings) this.#sendSaps(from, this.#siblingRegion())
  }

  #neighbourProbes = 0

  /** The SAPs we hold for the sections in our sibling's region (our neighbours across the last bit). */
  #siblingRegion(): SignedSap[] {
    const ours = this.#section?.sap.sap.prefix
    if (ours === undefined || ours.bitCount === 0) return []
    const sibling = ours.sibling()
    return this.tree.saps().filter((s) => s.sap.prefix.isCompatible(sibling))
  }

  #neighboursDigest(): Uint8Array {
    return digestOf(this.#siblingRegion())
  }

  /** Proposes `Left` for members this elder looks after that went silent. */
  #checkSilence(): void {
    const now = this.#env.clock.now
    const watched = new Set<string>()
    for (const m of this.#lookedAfter()) {
      const hex = m.name.toHex()
      watched.add(hex)
      // Silent since we started watching it (it may have come from another elder's care).
      const since = this.#watchingSince.get(hex) ?? now
      this.#watchingSince.set(hex, since)
      if (now - Math.max(since, this.#lastHeard.get(hex) ?? -Infinity) > SECTION_TIMING.silenceMs) this.#propose({ kind: 'Left', name: m.name })
    }
    for (const hex of [...this.#watchingSince.keys()]) if (!watched.has(hex)) this.#watchingSince.delete(hex)
    for (const hex of [...this.#lastHeard.keys()]) if (!watched.has(hex)) this.#lastHeard.delete(hex)
  }

  /** When this elder started looking after each member it looks after. */
  readonly #watchingSince = new Map<string, number>()

  /** The members this elder looks after (passes decisions and news to, watches for silence). */
  #lookedAfter(): Member[] {
    return this.#section!.members.members().filter((m) => !m.name.equals(this.name) && this.#looksAfter(m.name))
  }

  /** Whether this node is the elder that looks after `name`. */
  #looksAfter(name: XorName): boolean {
    const section = this.#section
    return section !== undefined && this.#responsibleElder(name, section.sap.sap)?.name.equals(this.name) === true
  }

  /**
   * The elder that looks after `name`: among the SAP's elders that are still members (an elder
   * voted off before its handover hands its members to the next), by `name`'s last byte.
   */
  #responsibleElder(name: XorName, sap: SectionAuthorityProvider): { name: XorName; addr: string } | undefined {
    const members = this.#section?.members
    const serving = sap.elders.filter((e) => members?.has(e.name) !== false)
    const elders = serving.length > 0 ? serving : sap.elders
    return elders.length === 0 ? undefined : elders[responsibleIndex(name, elders)]
  }

  // --- Clients ----------------------------------------------------------------------------------

  #onClientQuery(from: string): void {
    const section = this.#section!
    const prefix = section.sap.sap.prefix
    this.#send([from], 'ClientAnswer', { prefix: { bitCount: prefix.bitCount, name: prefix.name.bytes }, sectionKey: section.sap.sap.sectionKey().toBytes() })
  }

  // --- Real nodes: contacts, leaving, what survives a restart -------------------------------------

  /** The network contacts: genesis and every SAP we hold with its chain from genesis. */
  contacts(): PayloadOf<'Contacts'> {
    const sections = this.tree.saps().flatMap((sap) => {
      const chain = this.tree.dag.chainFromGenesis(sap.sap.sectionKey())
      return chain === undefined ? [] : [{ sap: sap.toWire(), proofChain: chain.toWire() }]
    })
    return { genesis: this.#genesis.toWire(), sections }
  }

  #onContactsRequest(from: string): void {
    this.#send([from], 'Contacts', this.contacts())
  }

  /** A member of ours stops for good: elders vote it off now. */
  #onLeaving(sender: NodePublicKey): void {
    if (this.#elder === undefined || this.#section?.members.has(sender.name) !== true) return this.#env.wire.refuse('leaving-not-our-member')
    this.#propose({ kind: 'Left', name: sender.name })
  }

  /** Stopping for good (SIGINT/SIGTERM): tells our section's elders, then stops. */
  leave(): void {
    const section = this.#section
    if (section !== undefined && (this.role === 'adult' || this.role === 'elder')) {
      this.#send(section.sap.sap.elders.map((e) => e.addr), 'Leaving', {})
    }
    this.crash()
  }

  /** What to persist: the SAPs we hold with their chains, and our section as we last saw it. */
  knowledge(contacts = this.contacts()): NodeKnowledge {
    const tree = contacts.sections.map((s) => ({ sap: encodeOwn(SignedSapWire, s.sap), chain: encodeOwn(ProofChainWire, s.proofChain) }))
    const section = this.#section
    if (section === undefined) return { tree }
    return {
      tree,
      section: {
        sap: encodeOwn(SignedSapWire, section.sap.toWire()),
        members: section.members.members().map((m) => encodeOwn(MemberWire, memberToWire(m))),
        nextGeneration: section.nextGeneration,
        decisions: [...this.#decisions.values()].map((d) => encodeOwn(DecisionWire, d)),
      },
    }
  }

  /**
   * Takes back what a previous run of this node knew — its SAPs (each checked against its chain
   * from our genesis, as any update is) and its key shares — and what a contacts file or peer
   * says. The node then rejoins: its section approves it again if it is still a member, and if it
   * is still an elder of a key whose share it holds, it serves as one. Returns the SAPs refused.
   */
  restore(knowledge: NodeKnowledge, shares: ReadonlyArray<{ share: SecretKeyShare; keySet: PublicKeySet }>, contacts?: PayloadOf<'Contacts'>): number {
    const saps = [
      ...knowledge.tree.map((entry) => ({ sap: decodeValue(SignedSapWire, entry.sap), chain: decodeValue(ProofChainWire, entry.chain) })),
      ...(contacts?.sections ?? []).map((entry) => ({ sap: Result.succeed(entry.sap), chain: Result.succeed(entry.proofChain) })),
    ]
    let refused = 0
    for (const { sap, chain } of saps) {
      if (Result.isFailure(sap) || Result.isFailure(chain)) {
        refused++
        continue
      }
      try {
        if (this.tree.update(SignedSap.fromWire(sap.success), ProofChain.fromWire(chain.success)).status === 'rejected') refused++
      } catch {
        refused++
      }
    }
    for (const held of shares) this.#newShares.set(toHex(held.keySet.publicKey().toBytes()), held)
    this.#stored = knowledge.section === undefined ? undefined : decodeStoredSection(knowledge.section)
    return refused
  }

  /**
   * Whether we may resume from our stored section view without being approved again: we were an
   * elder of it, hold its key's share, and it is still our section's newest SAP as far as we know
   * (had the section moved on, someone alive would have told us, and we rejoin instead).
   */
  #canResume(): StoredSection | undefined {
    const stored = this.#stored
    if (stored === undefined || this.#joinAttempt?.relocation !== undefined) return undefined
    const key = stored.sap.sap.sectionKey()
    if (!this.#newShares.has(toHex(key.toBytes()))) return undefined
    if (!stored.sap.sap.elders.some((e) => e.name.equals(this.name)) || !stored.members.some((m) => m.name.equals(this.name))) return undefined
    // The tree's SAP, verified along its chain as the tree takes any SAP, not the stored copy.
    const current = this.tree.sectionFor(this.name)
    return current !== undefined && current.sap.sectionKey().equals(key) ? { ...stored, sap: current } : undefined
  }

  /**
   * No elder answered our join requests (a whole section, or network, stopped and is starting
   * again): we take up our section from our store, as an elder of its key, at the generation we
   * had reached. Others of the section do the same or are approved by us; any decisions we missed
   * come by catch-up, and if we were voted off meanwhile a decision says so.
   */
  #resume(stored: StoredSection): void {
    const held = this.#newShares.get(toHex(stored.sap.sap.sectionKey().toBytes()))!
    this.#sectionActor.send({
      type: 'START',
      view: { sap: stored.sap, members: new SectionMembers(stored.sap.sap.prefix, stored.members, stored.nextGeneration - 1), nextGeneration: stored.nextGeneration },
    })
    for (const decision of stored.decisions) this.#decisions.set(decision.generation, decision)
    this.#joinAttempt = undefined
    this.#stored = undefined
    this.stats.resumed++
    this.#member.send({ type: 'APPROVED' })
    this.#becomeElder(held.share, held.keySet, stored.nextGeneration)
    this.#resumedAt = this.#env.clock.now
    this.#askNextDecision(stored.nextGeneration)
  }

  /** Just resumed from our store: fellow elders may have decided more than we stored. */
  #resuming(): boolean {
    return this.#resumedAt !== undefined && this.#env.clock.now - this.#resumedAt < RESUME_SYNC_MS
  }

  /** Asks our fellow elders for `generation`'s decision; one that has it answers (and we ask for the next). */
  #askNextDecision(generation: number): void {
    const role = this.#elder
    if (role !== undefined) this.#toElders(role, 'DecisionRequest', { generation })
  }

  // --- Sending ----------------------------------------------------------------------------------

  #send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst): void {
    if (this.#crashed) return
    const targets = to.filter((a) => a !== this.addr && a !== '')
    if (targets.length === 0) return
    const section = this.#section
    const defaultDst: Dst = dst ?? {
      name: (section?.sap.sap.prefix.name ?? this.name).bytes,
      sectionKey: (section?.sap.sap.sectionKey() ?? this.#genesisKey).toBytes(),
    }
    this.#env.wire.send(targets, kind, payload, defaultDst)
  }
}

/** Our section as a previous run stored it (NodeKnowledge.section), decoded. */
interface StoredSection {
  readonly sap: SignedSap
  readonly members: ReadonlyArray<Member>
  readonly nextGeneration: number
  readonly decisions: ReadonlyArray<Decision>
}

/** The stored section view, or undefined if any part of it does not decode or verify. */
function decodeStoredSection(stored: NonNullable<NodeKnowledge['section']>): StoredSection | undefined {
  const sap = decodeValue(SignedSapWire, stored.sap)
  if (Result.isFailure(sap)) return undefined
  try {
    const signed = SignedSap.fromWire(sap.success)
    const members = stored.members.map((bytes) => {
      const member = decodeValue(MemberWire, bytes)
      if (Result.isFailure(member)) throw member.failure
      return memberFromWire(member.success)
    })
    const decisions = stored.decisions.flatMap((bytes) => {
      const decision = decodeValue(DecisionWire, bytes)
      return Result.isFailure(decision) ? [] : [decision.success]
    })
    return { sap: signed, members, nextGeneration: stored.nextGeneration, decisions }
  } catch {
    return undefined
  }
}

/** Agreement options that take back ballots cast before a restart, if there are any. */
function restoreFrom(cast: CastBallots | undefined): { restore?: CastBallots } {
  return cast === undefined ? {} : { restore: cast }
}

/** SHA3 of the section keys of `saps`, in key order: what a probe compares. */
function digestOf(saps: ReadonlyArray<SignedSap>): Uint8Array {
  const keys = saps.map((s) => s.sap.sectionKey()).sort((a, b) => (a.toHex() < b.toHex() ? -1 : 1))
  return sha3_256(...keys.map((k) => k.toBytes()))
}

/** Which of `elders` (sorted by name) looks after `name`: by its last byte, never itself. */
/**
 * Which elder looks after `name`: for an adult, by its last byte; for an elder, the next elder in
 * the SAP's order, so the elders watch each other in a ring. (By last byte, two elders could each
 * be the other's watcher: both crashed, nobody noticed either, nor the members they looked after.)
 */
export function responsibleIndex(name: XorName, elders: ReadonlyArray<{ readonly name: XorName }>): number {
  const self = elders.findIndex((e) => e.name.equals(name))
  return self >= 0 ? (self + 1) % elders.length : name.bytes[31]! % elders.length
}

/** Whether `a` and `b` are neighbours: one's sibling region contains (or is inside) the other. */
export function isNeighbour(a: Prefix, b: Prefix): boolean {
  if (a.equals(b) || a.bitCount === 0 || b.bitCount === 0) return false
  return a.sibling().isCompatible(b) || b.sibling().isCompatible(a)
}

/** What a relocating node's old key signs: its new name. */
export function relocationBytes(newName: XorName): Uint8Array {
  return concatBytes(RELOCATE_DOMAIN, newName.bytes)
}

/** Checks a decision's section signature (not its ballots): what members need. */
export function verifyDecision(key: BlsPublicKey, decision: Decision): boolean {
  let signature: BlsSignature
  try {
    signature = BlsSignature.fromBytes(decision.signature)
  } catch {
    return false
  }
  return key.verify(decisionBytes(key.toBytes(), decision.generation, decision.round, decision.proposals), signature)
}

function combineShares(keySet: PublicKeySet, message: Uint8Array, shares: ReadonlyMap<number, SignatureShare>): BlsSignature | undefined {
  try {
    const { signature } = keySet.combine(message, [...shares].map(([index, share]) => ({ index, share, signer: String(index) })))
    return signature
  } catch {
    return undefined
  }
}


