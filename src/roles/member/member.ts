/**
 * The member role: the node's own life (DESIGN.md §6), run by `member.machine.ts` — joining,
 * adult, elder, relocating, left. It sends join requests when the machine asks (on its retry
 * timer, at once after a bounce or a new key), follows anti-entropy bounces and the elders'
 * verdicts (JoinElsewhere: a new key in the emptier half; TryJoinLater: the machine waits;
 * left-recently: a new name), takes up the section view a `JoinApproved` carries, resumes from its
 * store when no elder answers a restarted elder, and leaves or relocates when a decision says so.
 *
 * Relocation (DESIGN.md §6): a decision relocates us; we make a key whose name falls in the
 * destination and join there with a proof — the decision, its chain from genesis, and our old
 * key's signature over our new name. See `README.md` in this folder.
 */
import { createActor, type Actor } from 'xstate'
import { memberMachine } from '../../../machines/member.machine.ts'
import { type Decision, isJoinOf, type Member, type MembershipChange, memberFromWire, SectionMembers } from '../../consensus/index.ts'
import { type BlsPublicKey, type NodeKeypair, type NodePublicKey, toHex } from '../../crypto/index.ts'
import { decodeSapAndChain, onBounce, type ProofChain, routeFor, type SignedSap } from '../../knowledge/index.ts'
import type { Message, PayloadOf, RelocationProofWire } from '../../wire/index.ts'
import { Prefix, XorName } from '../../xor/index.ts'
import { JOIN_FANOUT, RESUME_AFTER_ATTEMPTS, RESUME_SYNC_MS, SECTION_TIMING } from '../constants.ts'
import type { Role } from '../role.ts'
import type { NodeComponents } from '../shell/components.ts'
import { elderRejoinBytes, relocationBytes } from './proofs.ts'
import { type StoredSection } from './stored-section.ts'

export type MemberState = 'joining' | 'adult' | 'elder' | 'relocating' | 'left'

interface JoinAttempt {
  dstName: XorName
  sentWithKey: BlsPublicKey
  relocation?: RelocationProofWire
  via?: { sap: SignedSap; chain: ProofChain }
}

export class MemberRole implements Role {
  readonly name = 'member'
  readonly handles = ['JoinResponse', 'JoinApproved', 'AeRetry', 'AeRedirect'] as const
  readonly #c: NodeComponents
  readonly #actor: Actor<typeof memberMachine>
  #joinAttempt: JoinAttempt | undefined
  /** The old key of a relocating node signs its new name; kept until the join completes. */
  #oldKeypair: NodeKeypair | undefined
  /** Our section as we last stored it (a restart), until we are approved again or resume from it. */
  #stored: StoredSection | undefined
  /** Where a JoinElsewhere (or a refusal as outside the prefix) sends us: the `rekey` takes a name in it. */
  #elsewhere: Prefix | undefined
  /** When we resumed from our store, if we did ({@link RESUME_SYNC_MS}). */
  #resumedAt: number | undefined
  /** Resends on AE bounces in the current retry interval (the loop guard). */
  #bounces = { since: -Infinity, count: 0 }
  /** Join requests sent since we last heard anything back: each round asks the next elders. */
  #unheard = 0

  constructor(components: NodeComponents) {
    this.#c = components
    const machine = memberMachine.provide({
      guards: { canResume: ({ context }) => context.stored && this.#canResume() !== undefined },
    })
    this.#actor = createActor(machine, {
      input: { joinRetryMs: SECTION_TIMING.joinRetryMs, backoffAfterRounds: SECTION_TIMING.joinBackoffAfterRounds, joinRetryMaxMs: SECTION_TIMING.joinRetryMaxMs, tryJoinLaterMs: SECTION_TIMING.tryJoinLaterMs, resumeAfterAttempts: RESUME_AFTER_ATTEMPTS },
      ...components.actorOptions('member', 'member'),
    })
    this.#actor.on('sendJoin', () => this.#sendJoin())
    this.#actor.on('rekey', ({ within }) => this.#rekey(within))
    this.#actor.on('resume', () => this.#resume(this.#canResume()!))
    this.#actor.on('joined', ({ relocated }) => {
      const observer = this.#c.env.observer
      if (relocated) observer?.relocated(this.#c.self, this.#c.self.asMember()?.age ?? 0)
      observer?.joined(this.#c.self)
    })
    components.events.on('membership-changed', ({ applied }) => {
      const mine = applied.changes.find((c) => (c.kind === 'Left' || c.kind === 'Relocated') && c.name.equals(this.#c.name))
      if (mine !== undefined) this.#leave(mine, applied.decision, applied.signingKey.sap.sectionKey())
    })
  }

  /** Where the node is in its life; a node stopped before it started has left all the same. */
  get state(): MemberState {
    if (this.#c.crashed) return 'left'
    const value = this.#actor.getSnapshot().value
    const top = typeof value === 'string' ? value : Object.keys(value)[0]!
    return top === 'idle' ? 'joining' : top as MemberState
  }

  get joining(): boolean {
    return this.state === 'joining' || this.state === 'relocating'
  }

  states(): Record<string, unknown> {
    return { member: this.#actor.getSnapshot().value }
  }

  /** The genesis elder: a member from the start. */
  startGenesis(): void {
    this.#actor.start()
    this.#actor.send({ type: 'GENESIS' })
  }

  start(): void {
    this.#actor.start()
  }

  join(): void {
    this.#actor.send({ type: 'JOIN', restored: this.#stored !== undefined })
  }

  /** The elder role took up (or gave up) its duties: the member machine follows. */
  promoted(): void {
    this.#actor.send({ type: 'PROMOTED' })
  }

  demoted(): void {
    this.#actor.send({ type: 'DEMOTED' })
  }

  stop(): void {
    this.#actor.send({ type: 'STOP' })
    this.#actor.stop()
  }

  /** What a previous run stored of our section, to be approved again with or resume from. */
  restoreStored(stored: StoredSection | undefined): void {
    this.#stored = stored
  }

  /** Just resumed from our store: fellow elders may have decided more than we stored. */
  resuming(): boolean {
    return this.#resumedAt !== undefined && this.#c.env.clock.now - this.#resumedAt < RESUME_SYNC_MS
  }

  receive(_from: string, message: Message, _sender: NodePublicKey): void {
    if ((message.kind === 'JoinResponse' || message.kind === 'JoinApproved') && toHex(message.envelope.dst.name) !== this.#c.name.toHex()) {
      // An answer to a request made under a name we no longer have.
      return
    }
    switch (message.kind) {
      case 'JoinResponse':
        return this.#onJoinResponse(message.payload)
      case 'JoinApproved':
        return this.#onJoinApproved(message.payload)
      case 'AeRetry':
      case 'AeRedirect':
        return this.#onBounce(message.kind, message.payload)
      default:
        return
    }
  }

  /** Sends the join request (the member machine asks, on its timers or at once on news). */
  #sendJoin(): void {
    const c = this.#c
    if (c.crashed || !this.joining) return
    const relocation = this.#joinAttempt?.relocation
    const dstName = this.#joinAttempt?.dstName ?? c.name
    // The tree's SAP for the name, or a closer one the last bounce brought (see routeFor).
    const via = this.#joinAttempt?.via
    // Restarted, unanswered, and may resume from the store: asking every fellow elder.
    const resumable = this.#actor.getSnapshot().context.stored && this.#canResume() !== undefined
    const target = routeFor(c.tree, dstName, via)!
    const key = target.sap.sectionKey()
    this.#joinAttempt = { dstName, sentWithKey: key, ...(relocation === undefined ? {} : { relocation }), ...(via === undefined ? {} : { via }) }
    c.stats.joinAttempts++
    // The elders closest to the name: enough that one honest elder hears it (f + 1 of 7). Asked
    // and unheard, the next round goes to the next ones (wrapping): elders named by a SAP we hold
    // may have crashed or left since, and one that is not a member drops a join unanswered.
    // (An elder restarting asks all its fellow elders: any one that is up takes it back.)
    const byDistance = [...target.sap.elders].sort((a, b) => dstName.compareDistance(a.name, b.name))
    const from = (this.#unheard++ * JOIN_FANOUT) % byDistance.length
    const elders = resumable ? byDistance : [...byDistance, ...byDistance].slice(from, from + Math.min(JOIN_FANOUT, byDistance.length))
    // Restarted with the share of the key we are an elder of: we prove it, to be approved again.
    const held = relocation === undefined ? c.dkg.shareFor(key) : undefined
    const elderShare = held === undefined || !target.sap.elders.some((e) => e.name.equals(c.name))
      ? undefined
      : { index: held.share.index, share: held.share.sign(elderRejoinBytes(c.name, key)).toBytes() }
    c.send(elders.map((e) => e.addr), 'JoinRequest', {
      addr: c.addr,
      ...(relocation === undefined ? {} : { relocation }),
      ...(elderShare === undefined ? {} : { elderShare }),
    }, { name: dstName.bytes, sectionKey: key.toBytes() })
  }

  #onBounce(kind: 'AeRetry' | 'AeRedirect', payload: PayloadOf<'AeRetry'>): void {
    const c = this.#c
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return c.refuse('bad-ae-keys')
    this.#unheard = 0
    const { sap, chain } = decoded
    c.stats.aeBounces++
    const attempt = this.#joinAttempt
    if (attempt === undefined || !this.joining) {
      // Not ours to resend; still learn from it.
      c.antiEntropy.learn(sap, chain)
      return
    }
    // The loop guard: at most aeResendLimit resends on bounces per retry interval; past it the
    // join waits for its timer (two stale views bouncing a joiner between them cannot storm).
    const now = c.env.clock.now
    if (now - this.#bounces.since > SECTION_TIMING.joinRetryMs) this.#bounces = { since: now, count: 0 }
    const decision = onBounce({
      tree: c.tree,
      answer: { kind: kind === 'AeRetry' ? 'retry' : 'redirect', sap, chain },
      dstName: attempt.dstName,
      sentWithKey: attempt.sentWithKey,
      attempt: this.#bounces.count++,
      resendLimit: c.params.aeResendLimit,
    })
    // What follows is the anti-entropy chart's (its `sender` region).
    const outcome = c.antiEntropy.bounced(decision.action === 'resend' ? 'resend' : decision.reason)
    if (decision.action === 'drop' && decision.reason === 'update-rejected') c.stats.rejectedUpdates++
    if (outcome === 'learn') c.antiEntropy.learn(sap, chain)
    if (outcome !== 'resend') return
    attempt.via = { sap, chain }
    this.#actor.send({ type: 'RESEND' })
  }

  /** The elders' verdict on our request: the member chart takes the step it names. */
  #onJoinResponse(payload: PayloadOf<'JoinResponse'>): void {
    const c = this.#c
    if (!this.joining) return
    this.#stored = undefined
    this.#unheard = 0
    const verdict = payload.verdict
    const attempt = this.#joinAttempt
    if (verdict._tag === 'JoinElsewhere' || (verdict._tag === 'Rejected' && verdict.reason === 'outside-prefix')) {
      if (verdict._tag === 'JoinElsewhere') {
        try {
          this.#elsewhere = Prefix.of(XorName.fromBytes(verdict.prefix.name), verdict.prefix.bitCount)
        } catch {
          return c.refuse('bad-prefix')
        }
      } else {
        this.#elsewhere = c.tree.sectionFor(attempt?.dstName ?? c.name)!.sap.prefix
      }
      return this.#actor.send({ type: 'JOIN_ELSEWHERE' })
    }
    if (verdict._tag === 'TryJoinLater') return this.#actor.send({ type: 'TRY_LATER' })
    // Voted off while away (a restart), or (relocating) admitted by the destination under our new
    // name, its approval lost, and voted off since: join again as a new node, under a new name.
    if (verdict._tag === 'Rejected' && verdict.reason === 'left-recently') return this.#actor.send({ type: 'LEFT_RECENTLY' })
    // Refused for another reason (already a member: approval is on its way): the retry timer stays.
    this.#actor.send({ type: 'REFUSED' })
  }

  /**
   * A new key: in the prefix the elders want us in (balanced joining; a relocation's target), or
   * anywhere — as a new node, so a relocation proof we held is dropped (it is spent).
   */
  #rekey(within: 'elsewhere' | 'anywhere'): void {
    const c = this.#c
    const attempt = this.#joinAttempt
    const old = c.env.wire.keypair
    const prefix = within === 'elsewhere' ? this.#elsewhere : undefined
    this.#elsewhere = undefined
    const keypair = c.env.newKeypair((name) => prefix === undefined || prefix.matches(name))
    c.env.wire.setKeypair(keypair)
    if (within === 'anywhere') {
      this.#oldKeypair = undefined
      this.#joinAttempt = undefined
      return
    }
    if (attempt === undefined) return
    if (attempt.relocation === undefined) attempt.dstName = keypair.name
    else attempt.relocation = { ...attempt.relocation, signature: (this.#oldKeypair ?? old).sign(relocationBytes(keypair.name)) }
  }

  #onJoinApproved(payload: PayloadOf<'JoinApproved'>): void {
    const c = this.#c
    if (!this.joining) return c.section.absorbed(payload)
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return c.refuse('bad-join-approval')
    const { sap, chain } = decoded
    const outcome = c.tree.update(sap, chain)
    if (outcome.status === 'rejected') return c.refuse(`join-approval-${outcome.reason}`)
    if (!c.tree.dag.has(sap.sap.sectionKey())) return
    const decision = payload.decision
    const signer = c.section.decisionSigner(decision, sap)
    if (signer === undefined) return c.refuse('join-approval-bad-decision')
    let members: Member[]
    try {
      members = payload.members.map(memberFromWire)
    } catch {
      return c.refuse('join-approval-bad-members')
    }
    // The decision that made us a member, or (we restarted) a recent one and us among the members.
    const joined = decision.proposals.some((p) => isJoinOf(p, c.name))
    const listed = members.some((m) => m.name.equals(c.name) && toHex(m.publicKey) === toHex(c.env.wire.keypair.publicKey.bytes))
    if (!joined && !listed) return c.refuse('join-approval-not-us')
    if (payload.nextGeneration <= decision.generation) return c.refuse('join-approval-bad-generation')
    c.section.start({ sap, members: new SectionMembers(sap.sap.prefix, members, payload.nextGeneration - 1), nextGeneration: payload.nextGeneration })
    c.section.record(decision)
    // The names and spent keys our section decided before we came (or while we were down), from
    // f + 1 elders whatever the approval says of how many there are (an approver may leave it out).
    c.section.askNames(payload.names ?? 0)
    const stored = this.#stored
    this.#joinAttempt = undefined
    this.#oldKeypair = undefined
    this.#stored = undefined
    this.#unheard = 0
    this.#actor.send({ type: 'APPROVED' })
    // Restarted with the share of the key our section still has, and still one of its elders:
    // we serve again from the generation we were approved at (agreement catches us up).
    const held = c.dkg.shareFor(sap.sap.sectionKey())
    if (held !== undefined && sap.sap.elders.some((e) => e.name.equals(c.name))) {
      c.elder.serve(held.share, held.keySet, payload.nextGeneration)
      // The section decided nothing since we stored it and the elder that approved us resumed
      // from its store a while ago: the section stopped with us and is coming back, so we give
      // its members the rest of that elder's grace. An approver that never stopped gives none: we
      // were down alone, and a member we look after that died meanwhile is voted off in silenceMs.
      // (A CI churn run: a restarted elder took 120 s of grace, and the node that died in it
      // stayed a member 150 s.)
      if (stored !== undefined && payload.nextGeneration <= stored.nextGeneration && payload.graceMs !== undefined) {
        c.elder.graceSilence(c.env.clock.now + Math.min(payload.graceMs, SECTION_TIMING.resumeGraceMs))
      }
      // Serving again, we approve restarted members too: that takes our newest decision.
      if (decision.generation < payload.nextGeneration - 1) c.elder.askNextDecision(payload.nextGeneration - 1)
    }
  }

  /**
   * Our section moved on past what any elder can send us (we gave up catching up, and hold a newer
   * SAP for our name): we ask to join again under our name. Still a member, we are approved with
   * the section's members as they are now (as after a restart); voted off meanwhile, we are told
   * we left recently and join as a new node. (300 nodes, seed 2, `--partition`: two adults cut
   * off through two splits stayed in a section that no longer existed.)
   */
  rejoin(): void {
    const c = this.#c
    if (this.joining || c.member.state === 'left' || c.member.state === 'relocating') return
    c.elder.stepDown()
    this.#unheard = 0
    c.section.leave()
    this.#joinAttempt = undefined
    this.#actor.send({ type: 'VOTED_OFF' })
  }

  /** A decision voted us off (we rejoin as a new node) or relocated us (we join the destination). */
  #leave(change: MembershipChange, decision: Decision, signingKey: BlsPublicKey): void {
    const c = this.#c
    c.elder.stepDown()
    this.#unheard = 0
    if (change.kind !== 'Relocated') {
      // Voted off while alive: join again, as a new node.
      c.section.leave()
      this.#joinAttempt = undefined
      const keypair = c.env.newKeypair(() => true)
      c.env.wire.setKeypair(keypair)
      this.#actor.send({ type: 'VOTED_OFF' })
      return
    }
    const chain = c.tree.dag.chainFromGenesis(signingKey)
    if (chain === undefined) return
    const old = c.env.wire.keypair
    this.#oldKeypair = old
    const target = c.tree.sectionFor(change.destination)!.sap.prefix
    const keypair = c.env.newKeypair((name) => target.matches(name))
    c.env.wire.setKeypair(keypair)
    c.section.leave()
    this.#joinAttempt = {
      dstName: change.destination, sentWithKey: c.tree.sectionFor(change.destination)!.sap.sectionKey(),
      relocation: {
        decision, sectionKey: signingKey.toBytes(), proofChain: chain.toWire(), oldPublicKey: old.publicKey.bytes,
        signature: old.sign(relocationBytes(keypair.name)),
      },
    }
    this.#actor.send({ type: 'RELOCATE' })
  }

  /**
   * Whether we may resume from our stored section view without being approved again: we were an
   * elder of it, hold its key's share, and it is still our section's newest SAP as far as we know
   * (had the section moved on, someone alive would have told us, and we rejoin instead).
   */
  #canResume(): StoredSection | undefined {
    const c = this.#c
    const stored = this.#stored
    if (stored === undefined || this.#joinAttempt?.relocation !== undefined) return undefined
    const key = stored.sap.sap.sectionKey()
    if (c.dkg.shareFor(key) === undefined) return undefined
    if (!stored.sap.sap.elders.some((e) => e.name.equals(c.name)) || !stored.members.some((m) => m.name.equals(c.name))) return undefined
    // The tree's SAP, verified along its chain as the tree takes any SAP, not the stored copy.
    const current = c.tree.sectionFor(c.name)
    return current !== undefined && current.sap.sectionKey().equals(key) ? { ...stored, sap: current } : undefined
  }

  /**
   * No elder answered our join requests (a whole section, or network, stopped and is starting
   * again): we take up our section from our store, as an elder of its key, at the generation we
   * had reached. Others of the section do the same or are approved by us; any decisions we missed
   * come by catch-up, and if we were voted off meanwhile a decision says so.
   */
  #resume(stored: StoredSection): void {
    const c = this.#c
    const held = c.dkg.shareFor(stored.sap.sap.sectionKey())!
    c.section.start({ sap: stored.sap, members: new SectionMembers(stored.sap.sap.prefix, stored.members, stored.nextGeneration - 1), nextGeneration: stored.nextGeneration })
    for (const decision of stored.decisions) c.section.record(decision)
    this.#joinAttempt = undefined
    this.#stored = undefined
    c.stats.resumed++
    this.#actor.send({ type: 'RESUMED' })
    c.elder.serve(held.share, held.keySet, stored.nextGeneration)
    c.elder.graceSilence(c.env.clock.now + SECTION_TIMING.resumeGraceMs)
    this.#resumedAt = c.env.clock.now
    c.elder.askNextDecision(stored.nextGeneration)
  }
}
