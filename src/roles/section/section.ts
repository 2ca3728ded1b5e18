/**
 * The section role: our section's agreed state, moved on one generation at a time by
 * section-signed decisions (DESIGN.md §6), run by `section.machine.ts` (whose context is the
 * view, and whose states say what is due: an election, a split, a merge).
 *
 * Every member applies each decision in order: decisions ahead of the next generation wait (and
 * the anti-entropy role asks for the gap); an elder's own agreement decides the generations it
 * votes on. Applying a decision publishes, in order, `decision-applied` (elders tell members and
 * subjects, sign chain links, propose relocations), `elders-changed` after a handover or split
 * (DKG sessions end, new elders take over, the new SAPs await their links) and
 * `membership-changed` (our own departure; the elders' next change).
 */
import { createActor, type Actor } from 'xstate'
import { sectionMachine } from '../../../machines/section.machine.ts'
import { type Decision, decisionSigned, decodeChange, type Member, memberFromWire, SectionMembers, type SectionView } from '../../consensus/index.ts'
import { type BlsPublicKey, type NodePublicKey, toHex } from '../../crypto/index.ts'
import { decodeSapAndChain, type SignedSap } from '../../knowledge/index.ts'
import type { XorName } from '../../xor/index.ts'
import type { Message, PayloadOf } from '../../wire/index.ts'
import { dropOldest } from '../bounded.ts'
import { DECISIONS_PER_ANSWER, JOIN_FANOUT, MAX_DECISIONS_AHEAD, MAX_NAME_SOURCES, NAMES_RETRY_MS, RECENT_DECISIONS } from '../constants.ts'
import type { Role } from '../role.ts'
import type { NodeComponents } from '../shell/components.ts'
import { MemoryStore } from '../../store/index.ts'
import { Registry } from './registry.ts'

export class SectionRole implements Role {
  readonly name = 'section'
  readonly handles = ['SectionDecisions', 'SectionDecisionsRequest', 'NamesRequest', 'NamesPage'] as const
  readonly #c: NodeComponents
  readonly #actor: Actor<typeof sectionMachine>
  /** Recent decisions applied, by generation (for members that missed some). */
  readonly #decisions = new Map<number, Decision>()
  /** Decisions received ahead of the next generation. */
  readonly #ahead = new Map<number, Decision>()
  /** Whom we asked for names (their pages are taken in). */
  readonly #namesFrom = new Set<string>()

  /** The names and spent keys this section decided (NRS, the spentbook). */
  readonly registry: Registry

  constructor(components: NodeComponents) {
    this.#c = components
    this.registry = new Registry(components.env.store ?? MemoryStore.open())
    this.#actor = createActor(sectionMachine, { input: { params: components.params }, ...components.actorOptions('section', 'section') })
  }

  get view(): SectionView | undefined {
    return this.#actor.getSnapshot().context.view
  }

  /** What the section machine says is due: `steady`, `electing`, `splitting`, `shrunk` or `merging`. */
  due(state: 'steady' | 'electing' | 'splitting' | 'shrunk' | 'merging'): boolean {
    return this.#actor.getSnapshot().matches({ member: state })
  }

  states(): Record<string, unknown> {
    const view = this.view
    return { section: { state: this.#actor.getSnapshot().value, next: view?.nextGeneration, members: view?.members.size } }
  }

  /** The machine runs from the node's start; it holds a view once we are a member. */
  run(): void {
    this.#actor.start()
  }

  /** Takes up a view: genesis, an approval, a resume, a merge into our sibling. */
  start(view: SectionView): void {
    this.#actor.send({ type: 'START', view })
    this.#c.events.emit({ type: 'section-started', view })
  }

  /** We are no longer a member (voted off, relocated). */
  leave(): void {
    this.#actor.send({ type: 'LEAVE' })
  }

  stop(): void {
    this.#actor.stop()
  }

  /** Keeps a decision we hold (an approval's, a stored one, one we asked for). */
  record(decision: Decision): void {
    this.#decisions.set(decision.generation, decision)
  }

  decision(generation: number): Decision | undefined {
    return this.#decisions.get(generation)
  }

  decisions(): IterableIterator<Decision> {
    return this.#decisions.values()
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    switch (message.kind) {
      case 'SectionDecisions':
        for (const decision of message.payload.decisions) this.onDecision(decision)
        return
      case 'SectionDecisionsRequest':
        return this.#onDecisionsRequest(from, message.payload.from)
      case 'NamesRequest':
        return this.#onNamesRequest(from, sender, message.payload.after)
      case 'NamesPage':
        return this.#onNamesPage(from, message.payload)
      default:
        return
    }
  }

  /**
   * Asks f + 1 of our elders (closest to us first) for the names our section decided before we
   * came: a new member, or one whose section took in its sibling (`section/registry.ts`).
   */
  askNames(expected: number, elders: ReadonlyArray<{ readonly name: XorName; readonly addr: string }> | undefined = this.view?.sap.sap.elders): void {
    this.registry.expect(expected)
    this.#nameSources = elders === undefined ? [] : elders.filter((e) => !e.name.equals(this.#c.name)).sort((a, b) => this.#c.name.compareDistance(a.name, b.name)).map((e) => e.addr)
    this.#nextNameSource = 0
    this.#namesDone.clear()
    // Alone (the sole elder of its section, or none to ask): nobody knows more than we do.
    if (this.#nameSources.length === 0) this.registry.sourcesDone(0, 0)
    this.#askMoreNames()
  }

  /** Sources that sent their last page since we last started asking: f + 1 of them (one honest) make the table complete. */
  readonly #namesDone = new Set<string>()

  /** The elders we may ask for names, closest first, and the next one to ask. */
  #nameSources: string[] = []
  #nextNameSource = 0

  /** Asks the next f + 1 sources (round the list). */
  #askMoreNames(): void {
    const c = this.#c
    if (this.registry.complete || this.#nameSources.length === 0) return
    const asked: string[] = []
    for (let i = 0; i < Math.min(JOIN_FANOUT, this.#nameSources.length); i++) asked.push(this.#nameSources[this.#nextNameSource++ % this.#nameSources.length]!)
    for (const addr of asked) this.#namesFrom.add(addr)
    dropOldest(this.#namesFrom, MAX_NAME_SOURCES)
    this.#namesAskedAt = c.env.clock.now
    c.send(asked, 'NamesRequest', {})
  }

  #namesAskedAt = -Infinity

  /** Until our table is complete, the next sources are asked every NAMES_RETRY_MS (the anti-entropy probe's beat calls this). */
  retryNames(): void {
    if (!this.registry.complete && this.#c.env.clock.now - this.#namesAskedAt >= NAMES_RETRY_MS) this.#askMoreNames()
  }

  #onNamesRequest(from: string, sender: NodePublicKey, after: Uint8Array | undefined): void {
    const c = this.#c
    if (this.view?.members.has(sender.name) !== true) return c.refuse('names-not-member')
    const page = this.registry.page(after)
    c.send([from], 'NamesPage', page)
  }

  #onNamesPage(from: string, page: PayloadOf<'NamesPage'>): void {
    const c = this.#c
    const view = this.view
    // Only from those we asked (every proof is checked still).
    if (view === undefined || !this.#namesFrom.has(from)) return c.refuse('names-not-asked')
    for (const proof of page.proofs) {
      const outcome = this.registry.learn(proof, c.tree, view.members.prefix)
      if ('refused' in outcome) {
        // A source that sends a proof we refuse is asked no more (it could keep us verifying forgeries).
        c.refuse(`names-${outcome.refused}`)
        this.#namesFrom.delete(from)
        return
      }
    }
    if (page.more && page.last !== undefined) return c.send([from], 'NamesRequest', { after: page.last })
    this.#namesFrom.delete(from)
    this.#namesDone.add(from)
    this.registry.sourcesDone(this.#namesDone.size, Math.min(JOIN_FANOUT, this.#nameSources.length))
  }

  /** A decision from an elder (passed on, announced, or asked for). */
  onDecision(decision: Decision): void {
    const c = this.#c
    const section = this.view
    if (section === undefined || c.member.state === 'joining' || c.member.state === 'left') return
    if (decision.generation < section.nextGeneration) return
    if (c.elder.decides(decision.generation)) {
      // Our own agreement decides these; an announce from a peer goes through it.
      c.elder.announced(decision)
      return
    }
    if (decision.generation > section.nextGeneration) {
      if (this.#ahead.size < MAX_DECISIONS_AHEAD) this.#ahead.set(decision.generation, decision)
      else c.refuse('ahead-full')
      c.antiEntropy.behind()
      return
    }
    if (!verifyDecision(section.sap.sap.sectionKey(), decision)) return c.refuse('bad-decision-signature')
    this.apply(decision)
    for (let next = this.#ahead.get(this.view?.nextGeneration ?? -1); next !== undefined; next = this.#ahead.get(this.view?.nextGeneration ?? -1)) {
      this.#ahead.delete(next.generation)
      if (c.elder.decides(next.generation)) {
        // The one before made us an elder (a handover we caught up on): our agreement decides
        // this one now, and takes it as an announce. Applied around it, its agreement would stay
        // a generation behind our view for good, voting where no other elder is.
        c.elder.announced(next)
        if (this.view?.nextGeneration === next.generation) break
        continue
      }
      if (!verifyDecision(this.view!.sap.sap.sectionKey(), next)) break
      this.apply(next)
    }
    const now = this.view?.nextGeneration ?? 0
    for (const g of this.#ahead.keys()) if (g < now) this.#ahead.delete(g)
    if (this.#ahead.size === 0) c.antiEntropy.caughtUp()
  }

  #onDecisionsRequest(from: string, generation: number): void {
    const decisions: Decision[] = []
    for (let g = generation; decisions.length < DECISIONS_PER_ANSWER; g++) {
      const decision = this.#decisions.get(g)
      if (decision === undefined) break
      decisions.push(decision)
    }
    if (decisions.length > 0) this.#c.send([from], 'SectionDecisions', { decisions })
  }

  /** Applies the decision of our next generation and tells the other roles, in order. */
  apply(decision: Decision): void {
    const c = this.#c
    const section = this.view
    if (section === undefined || decision.generation !== section.nextGeneration) return
    c.env.observer?.decided(c.self, toHex(section.sap.sap.sectionKey().toBytes()), decision)
    this.#decisions.set(decision.generation, decision)
    this.#decisions.delete(decision.generation - RECENT_DECISIONS)
    if (c.member.resuming()) c.elder.askNextDecision(decision.generation + 1)
    this.#actor.send({ type: 'APPLY', decision, self: c.name })
    const applied = this.#actor.getSnapshot().context.last
    if (applied?.decision !== decision) return
    for (const change of applied.changes) if (change.kind === 'Absorb') c.antiEntropy.links.linkMerge(change)
    this.registry.apply(applied)
    c.events.emit({ type: 'decision-applied', applied })
    const structural = applied.structural
    if (structural !== undefined) {
      const saps = structural.kind === 'Handover' ? [structural.sap] : [structural.zero, structural.one]
      c.events.emit({ type: 'elders-changed', applied, saps, split: structural.kind === 'Split' })
    }
    c.events.emit({ type: 'membership-changed', applied })
    // We took our sibling in (DESIGN.md §8): our members are the parent prefix's now.
    const absorbed = applied.changes.find((change) => change.kind === 'Absorb')
    if (absorbed !== undefined) {
      c.events.emit({ type: 'section-merged', sap: applied.view.sap, absorbed: false })
      // The sibling's names are ours to know now: its old elders (our members now) have them.
      // (Its members ask ours for ours, as their approval says.)
      this.askNames(0, c.tree.saps().find((s) => s.sap.sectionKey().equals(absorbed.sectionKey))?.sap.elders)
    }
  }

  /** The key among `sap`'s, its parent's and our section's that signed `decision`; undefined if none did. */
  decisionSigner(decision: Decision, sap: SignedSap): BlsPublicKey | undefined {
    const candidates = [sap.sap.sectionKey()]
    const parent = this.#c.tree.dag.parent(sap.sap.sectionKey())
    if (parent !== undefined) candidates.push(parent)
    const current = this.view?.sap.sap.sectionKey()
    if (current !== undefined) candidates.push(current)
    return candidates.find((key) => verifyDecision(key, decision))
  }

  /**
   * Our section merged into its sibling (DESIGN.md §8): the sibling's elders tell us with their
   * `Absorb` decision, their SAP and the merged members. We learn the link our key signed to
   * theirs, stop serving as elders of our old key, and take up their view.
   */
  absorbed(payload: PayloadOf<'JoinApproved'>): void {
    const c = this.#c
    const section = this.view
    if (section?.merging === undefined) return
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return c.refuse('bad-absorb-approval')
    const { sap, chain } = decoded
    const ours = section.sap.sap.sectionKey()
    if (!sap.sap.prefix.equals(section.sap.sap.prefix.sibling())) return c.refuse('absorb-approval-not-sibling')
    const outcome = c.tree.update(sap, chain)
    if (outcome.status === 'rejected') return c.refuse(`absorb-approval-${outcome.reason}`)
    if (!c.tree.dag.has(sap.sap.sectionKey())) return
    const decision = payload.decision
    if (!verifyDecision(sap.sap.sectionKey(), decision)) return c.refuse('absorb-approval-bad-decision')
    const absorb = decision.proposals.map(decodeChange).find((ch) => ch?.kind === 'Absorb' && ch.sectionKey.equals(ours))
    if (absorb?.kind !== 'Absorb') return c.refuse('absorb-approval-not-us')
    let members: Member[]
    try {
      members = payload.members.map(memberFromWire)
    } catch {
      return c.refuse('absorb-approval-bad-members')
    }
    if (!members.some((m) => m.name.equals(c.name))) return c.refuse('absorb-approval-not-us')
    if (payload.nextGeneration <= decision.generation) return c.refuse('absorb-approval-bad-generation')
    c.antiEntropy.links.linkMerge(absorb)
    c.elder.stepDown()
    c.dkg.stopAll()
    this.#decisions.clear()
    this.#ahead.clear()
    const parent = sap.sap.prefix.popped()
    this.start({ sap, members: new SectionMembers(parent, members, payload.nextGeneration - 1), nextGeneration: payload.nextGeneration })
    this.#decisions.set(decision.generation, decision)
    c.events.emit({ type: 'section-merged', sap, absorbed: true })
    this.askNames(payload.names ?? 0)
  }
}

/**
 * Checks a decision's section signature (not its ballots): what members need, since what they
 * apply is drawn from its seed.
 */
export function verifyDecision(key: BlsPublicKey, decision: Decision): boolean {
  return decisionSigned(key, decision)
}
