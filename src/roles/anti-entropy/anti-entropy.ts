/**
 * The anti-entropy role (DESIGN.md §9): keeps what this node believes about the network fresh.
 * Run by `anti-entropy.machine.ts`: probe ticks (our elder every 10 s; elders also probe the
 * neighbouring sections every third tick) and catching up on missed decisions (`inSync` ⇄
 * `requesting`, asking a different elder each time, bounded). It takes `AeUpdate`s (a SAP and its
 * chain), answers probes with what the prober lacks, answers clients and contact requests, and
 * keeps the section's chain links ({@link ChainLinks}). The gate that checks each incoming
 * message's destination (accept / Retry / Redirect / drop) is the shell's (`shell/ae-gate.ts`).
 */
import { createActor, type Actor } from 'xstate'
import { type AntiEntropyEmitted, type AntiEntropyEvent, antiEntropyMachine, type BounceVerdict, type GateVerdict } from '../../../machines/anti-entropy.machine.ts'
import { BlsPublicKey, type NodePublicKey, toHex } from '../../crypto/index.ts'
import { decodeSapAndChain, type ProofChain, type SignedSap } from '../../knowledge/index.ts'
import type { Message, PayloadOf } from '../../wire/index.ts'
import { AE_MAX_REQUESTS, SECTION_TIMING } from '../constants.ts'
import type { Role } from '../role.ts'
import { responsibleElder } from '../section/care.ts'
import type { NodeComponents } from '../shell/components.ts'
import { ChainLinks } from './links.ts'
import { digestOf, isNeighbour } from './neighbours.ts'

/** What the machine said to do with an incoming message or a bounce (an answer by its kind). */
type Outcome = Exclude<AntiEntropyEmitted['type'], 'answer'> | 'retry' | 'redirect'

export class AntiEntropyRole implements Role {
  readonly name = 'anti-entropy'
  readonly handles = ['AeUpdate', 'AeProbe', 'ClientQuery', 'ClientAnswer', 'ContactsRequest', 'Contacts'] as const
  readonly #c: NodeComponents
  readonly #actor: Actor<typeof antiEntropyMachine>
  readonly links: ChainLinks
  #neighbourProbes = 0
  /** When we last heard from an elder of our SAP, and how many probes went to another elder since. */
  #heardFromElders: number | undefined
  #otherProbes = 0
  /** What the machine made of the verdict just sent to it (its emits are synchronous). */
  #outcome: Outcome | undefined

  constructor(components: NodeComponents) {
    this.#c = components
    this.links = new ChainLinks(components, (sap, chain) => this.learn(sap, chain))
    this.#actor = createActor(antiEntropyMachine, {
      input: {
        firstProbeMs: SECTION_TIMING.probeIntervalMs * (0.5 + components.env.randomBytes(1)[0]! / 512),
        probeIntervalMs: SECTION_TIMING.probeIntervalMs,
        neighbourEvery: 3,
        retryMs: SECTION_TIMING.catchUpRetryMs,
        maxRequests: AE_MAX_REQUESTS,
      },
      ...components.actorOptions('antiEntropy', 'anti-entropy'),
    })
    for (const type of ['accept', 'drop', 'resend', 'learn'] as const) this.#actor.on(type, () => (this.#outcome = type))
    this.#actor.on('answer', ({ kind }) => (this.#outcome = kind))
    this.#actor.on('probe', ({ neighbours }) => this.#probe(neighbours))
    this.#actor.on('requestDecisions', ({ attempt }) => this.#sendDecisionsRequest(attempt))
    this.#actor.on('gaveUp', () => this.#onGaveUp())
    components.events.on('decision-applied', () => (this.#heardFromElders = components.env.clock.now))
    components.events.on('heard', ({ from }) => {
      if (components.view?.sap.sap.elders.some((e) => e.name.equals(from)) === true) this.#heardFromElders = components.env.clock.now
    })
    // The new SAP(s) of a handover or split wait for their chain link, which may be here already.
    components.events.on('elders-changed', ({ saps }) => this.links.await(saps))
  }

  states(): Record<string, unknown> {
    return { antiEntropy: this.#actor.getSnapshot().value }
  }

  run(): void {
    this.#actor.start()
  }

  stop(): void {
    this.#actor.send({ type: 'STOP' })
    this.#actor.stop()
  }

  /** The gate (see shell/ae-gate.ts) asks the machine what to do with a message: what it emitted. */
  judge(verdict: GateVerdict): 'accept' | 'retry' | 'redirect' | 'drop' {
    return this.#decide({ type: 'INCOMING', verdict }) as 'accept' | 'retry' | 'redirect' | 'drop'
  }

  /** The member role asks the machine what to do with a bounce of its join request. */
  bounced(verdict: BounceVerdict): 'resend' | 'learn' | 'drop' {
    return this.#decide({ type: 'BOUNCED', verdict }) as 'resend' | 'learn' | 'drop'
  }

  #decide(event: AntiEntropyEvent): Outcome {
    this.#outcome = undefined
    this.#actor.send(event)
    const outcome = this.#outcome
    // A stopped machine takes nothing: nothing goes on.
    return outcome ?? 'drop'
  }

  /** We are behind on decisions: the machine asks (and asks again) until we are not. */
  behind(): void {
    this.#actor.send({ type: 'BEHIND' })
  }

  caughtUp(): void {
    this.#actor.send({ type: 'CAUGHT_UP' })
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    switch (message.kind) {
      case 'AeUpdate':
        return this.#onAeUpdate(message.payload)
      case 'AeProbe':
        return this.#onProbe(from, sender, message.payload)
      case 'ClientQuery':
        return this.#onClientQuery(from)
      case 'ClientAnswer':
        return this.#c.refuse('unexpected ClientAnswer')
      case 'ContactsRequest':
        return this.#c.send([from], 'Contacts', this.contacts())
      case 'Contacts':
        return this.#c.refuse('unexpected Contacts')
      default:
        return
    }
  }

  /** Takes a SAP with its chain into our tree; whether it was new to us. */
  learn(sap: SignedSap, chain: ProofChain): boolean {
    const c = this.#c
    const outcome = c.tree.update(sap, chain)
    if (outcome.status === 'rejected') {
      c.stats.rejectedUpdates++
      return false
    }
    const accepted = outcome.status === 'accepted'
    if (accepted) c.events.emit({ type: 'sap-learnt', sap, chain })
    return accepted
  }

  /** Sends `to` each of `saps` with its chain from genesis (an AeUpdate each). */
  sendSaps(to: string, saps: ReadonlyArray<SignedSap>): void {
    for (const sap of saps) {
      const chain = this.#c.tree.dag.chainFromGenesis(sap.sap.sectionKey())
      if (chain !== undefined) this.#c.send([to], 'AeUpdate', { sap: sap.toWire(), proofChain: chain.toWire() })
    }
  }

  /** The network contacts: genesis and every SAP we hold with its chain from genesis. */
  contacts(): PayloadOf<'Contacts'> {
    const tree = this.#c.tree
    const sections = tree.saps().flatMap((sap) => {
      const chain = tree.dag.chainFromGenesis(sap.sap.sectionKey())
      return chain === undefined ? [] : [{ sap: sap.toWire(), proofChain: chain.toWire() }]
    })
    const genesisDbc = this.#c.genesisDbc
    return { genesis: this.#c.genesis.toWire(), sections, ...(genesisDbc === undefined ? {} : { genesisDbc }) }
  }

  #onAeUpdate(payload: PayloadOf<'AeUpdate'>): void {
    const c = this.#c
    const decoded = decodeSapAndChain(payload)
    if (decoded === undefined) return c.refuse('bad-ae-update')
    const { sap, chain } = decoded
    // The link of a handover or split we know of: take it as if we had combined it.
    // (Kept even before we know of the change: the decision may reach us after its link.)
    const last = chain.links.at(-1)
    const section0 = c.view
    if (last !== undefined && section0 !== undefined && sap.sap.prefix.isCompatible(section0.sap.sap.prefix) && chain.firstBrokenLink() === -1) {
      const parent = chain.links.length > 1 ? chain.links.at(-2)!.key : chain.root
      this.links.add(parent, last.key, last.signature)
    }
    const accepted = this.learn(sap, chain)
    const section = c.view
    if (section === undefined) return
    // Our own section's SAP: if we missed the handover decision, ask for decisions.
    if (sap.sap.prefix.isCompatible(section.sap.sap.prefix) && !sap.sap.sectionKey().equals(section.sap.sap.sectionKey()) && c.tree.dag.has(sap.sap.sectionKey())
      && c.tree.dag.isAncestor(section.sap.sap.sectionKey(), sap.sap.sectionKey())) {
      this.behind()
    }
    // An elder passes news of a neighbour to the members it looks after.
    if (accepted && c.elder.serving && isNeighbour(sap.sap.prefix, section.sap.sap.prefix)) {
      c.send(c.elder.lookedAfter().map((m) => m.addr), 'AeUpdate', payload)
    }
  }

  /** A probe tick of the anti-entropy machine; `neighbours`: elders probe the sibling sections too. */
  #probe(neighbours: boolean): void {
    const c = this.#c
    if (c.crashed) return
    const section = c.view
    if (section === undefined || c.member.joining) {
      this.#heardFromElders = undefined
      return
    }
    // A member still missing names its section decided asks the next elders, on the probe's beat.
    c.section.retryNames()
    // Approved since the last tick: the silence counts from now.
    this.#heardFromElders ??= c.env.clock.now
    const elder = responsibleElder(c.name, section.sap.sap, section.members)
    // The key our tree holds for our prefix: if the tree lags our view, the answer fills it in.
    const held = c.tree.get(section.sap.sap.prefix)?.sap.sectionKey() ?? c.genesisKey
    if (elder !== undefined && elder.addr !== c.addr) c.send([elder.addr], 'AeProbe', { sectionKey: held.toBytes(), neighbours: this.#neighboursDigest() })
    // Our tree holds a newer SAP of our section than our view (learnt from a bounce or a probe's
    // answer, which start no catch-up): we missed decisions — perhaps the one that voted us off,
    // which no elder sends a non-member (700 nodes, seed 1: n144 sat on generation 122 for the
    // last 15 minutes, listed by nobody). Catching up brings them, or gives up and joins again.
    if (this.#movedOn()) this.behind()
    // No elder of our SAP has said anything for a silence period: ours may be gone (crashed, or
    // moved to another section), and an elder that is not current answers nothing. Another elder
    // of the SAP each tick, until one is heard: one that moved on answers with where it is now.
    const others = section.sap.sap.elders.filter((e) => e.addr !== c.addr && e.addr !== elder?.addr)
    if (others.length > 0 && c.env.clock.now - this.#heardFromElders >= SECTION_TIMING.silenceMs) {
      const other = others[this.#otherProbes++ % others.length]!
      c.send([other.addr], 'AeProbe', { sectionKey: held.toBytes(), neighbours: this.#neighboursDigest() })
    }
    if (!c.elder.serving || !neighbours) return
    // Now and then, elders ask each neighbouring section whether what we hold of it is stale.
    this.#neighbourProbes++
    // (What we hold for the sibling's region may be an ancestor from before a split: its elders
    // answer with their current SAP.)
    const ours = section.sap.sap.prefix
    const index = c.elder.index
    for (const neighbour of c.tree.saps().filter((s) => ours.bitCount > 0 && !s.sap.prefix.equals(ours) && s.sap.prefix.isCompatible(ours.sibling()))) {
      // A different elder of theirs each time: one that has gone must not keep us stale.
      const elder = neighbour.sap.elders[(index + this.#neighbourProbes) % neighbour.sap.elders.length]
      // With a digest of what we hold for its parent's region (it and its sibling's sections): if
      // that SAP's elders have all moved on, its sibling's elders can still tell us (see #onProbe).
      const region = neighbour.sap.prefix.popped()
      const neighbours = digestOf(c.tree.saps().filter((s) => s.sap.prefix.isCompatible(region)))
      if (elder !== undefined) c.send([elder.addr], 'AeProbe', { sectionKey: neighbour.sap.sectionKey().toBytes(), neighbours })
    }
  }

  #onProbe(from: string, sender: NodePublicKey, payload: PayloadOf<'AeProbe'>): void {
    const c = this.#c
    const section = c.view
    if (section === undefined || c.member.joining) return
    const ours = section.sap.sap.sectionKey()
    // A member of ours compares what it holds of our sibling's region; a neighbour's elder, what
    // it holds of our parent's region (us and our sibling's sections). If theirs differs: ours.
    const member = section.members.has(sender.name)
    const expected = member ? this.#neighboursDigest() : digestOf(c.tree.saps().filter((s) => s.sap.prefix.isCompatible(section.sap.sap.prefix.popped())))
    const differs = payload.neighbours !== undefined && toHex(payload.neighbours) !== toHex(expected)
    const current = toHex(payload.sectionKey) === toHex(ours.toBytes())
    let siblings = differs && (member ? c.elder.serving : current)
    if (!current) {
      this.sendSaps(from, [section.sap])
      // A prober that holds a key from before our split lacks our sibling's part of it too.
      if (!member && !differs) {
        let probed: BlsPublicKey
        try {
          probed = BlsPublicKey.fromBytes(payload.sectionKey)
        } catch {
          return c.refuse('bad-probe-key')
        }
        siblings = c.tree.dag.has(probed) && c.tree.dag.isAncestor(probed, ours)
      } else {
        siblings ||= !member
      }
    }
    if (siblings) this.sendSaps(from, this.#siblingRegion())
  }

  /**
   * We asked every elder for the decisions we miss and none came. If we hold a newer SAP for our
   * name (our section moved on: a handover, a split), no elder may hold them any more: we join
   * again (see MemberRole.rejoin). Otherwise we wait for the next news.
   */
  #onGaveUp(): void {
    const c = this.#c
    if (c.view === undefined || c.member.joining || !this.#movedOn()) return
    c.refuse('stranded-rejoin')
    c.member.rejoin()
  }

  /** Whether our tree's SAP for our name descends from our view's: our section moved on past us. */
  #movedOn(): boolean {
    const c = this.#c
    const section = c.view
    if (section === undefined) return false
    const ours = section.sap.sap.sectionKey()
    const held = c.tree.sectionFor(c.name)?.sap.sectionKey()
    return held !== undefined && !held.equals(ours) && c.tree.dag.has(ours) && c.tree.dag.isAncestor(ours, held)
  }

  /** Asks for missed decisions: the elder that looks after us first, then each other elder in turn. */
  #sendDecisionsRequest(attempt: number): void {
    const c = this.#c
    const section = c.view
    if (section === undefined) return
    const elders = section.sap.sap.elders.filter((e) => !e.name.equals(c.name))
    const first = responsibleElder(c.name, section.sap.sap, section.members)
    const start = Math.max(0, elders.findIndex((e) => first !== undefined && e.name.equals(first.name)))
    const elder = elders[(start + attempt - 1) % Math.max(1, elders.length)]
    if (elder !== undefined) c.send([elder.addr], 'SectionDecisionsRequest', { from: section.nextGeneration })
  }

  #onClientQuery(from: string): void {
    const section = this.#c.view!
    const prefix = section.sap.sap.prefix
    this.#c.send([from], 'ClientAnswer', { prefix: { bitCount: prefix.bitCount, name: prefix.name.bytes }, sectionKey: section.sap.sap.sectionKey().toBytes() })
  }

  /** The SAPs we hold for the sections in our sibling's region (our neighbours across the last bit). */
  #siblingRegion(): SignedSap[] {
    const ours = this.#c.view?.sap.sap.prefix
    if (ours === undefined || ours.bitCount === 0) return []
    const sibling = ours.sibling()
    return this.#c.tree.saps().filter((s) => s.sap.prefix.isCompatible(sibling))
  }

  #neighboursDigest(): Uint8Array {
    return digestOf(this.#siblingRegion())
  }
}
