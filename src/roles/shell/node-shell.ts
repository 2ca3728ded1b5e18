/**
 * The node shell (DESIGN.md §1): one node's identity and lifecycle, the anti-entropy gate, routing
 * of each message by its kind to the one role that handles it, sending, and the typed events the
 * roles publish to each other. The protocol is in the roles (`src/roles/<role>/`), each driven by
 * its statechart in `machines/`; the same shell runs in the simulator and in a real node — only
 * the {@link NodeEnv} differs.
 *
 * A message's path: the runtime's `WirePeer` decodes a frame and checks its sender → {@link
 * NodeShell.receive} → the gate (joins and client queries must be for our section and key, else
 * Retry / Redirect) → the role that declared the kind → its handler, which asks its statechart,
 * the agreed state and the other roles' services, and sends through {@link NodeShell.send}.
 */
import { Result } from 'effect'
import { type Decision, type Member, SectionMembers, type NetworkParameters, type SectionView, SignatureAggregator } from '../../consensus/index.ts'
import { type NodePublicKey, type PublicKeySet, type SecretKeyShare, toHex } from '../../crypto/index.ts'
import { ProofChain, SectionTree, SignedSap } from '../../knowledge/index.ts'
import type { Clock } from '../../transport/clock.ts'
import { type DbcWire, decodeValue, type Dst, encodeOwn, type Kind, type Message, type PayloadOf, ProofChainWire, SignedSapWire, DecisionWire, MemberWire } from '../../wire/index.ts'
import { dbcFromWire, genesisTrust, type MintTrust } from '../../dbc/index.ts'
import { Prefix } from '../../xor/index.ts'
import type { XorName } from '../../xor/index.ts'
import { memberToWire } from '../../consensus/index.ts'
import { AntiEntropyRole } from '../anti-entropy/anti-entropy.ts'
import { DkgRole } from '../dkg/dkg.ts'
import { ElderRole } from '../elder/elder.ts'
import { type MemberState, MemberRole } from '../member/member.ts'
import { decodeStoredSection, type NodeKnowledge } from '../member/stored-section.ts'
import { AGGREGATION_EXPIRY_MS, MAX_AGGREGATIONS } from '../constants.ts'
import type { Role } from '../role.ts'
import { SectionRole } from '../section/section.ts'
import { MintNodeRole } from '../mint-node/mint-node.ts'
import { VaultRole } from '../vault/vault.ts'
import { passesGate } from './ae-gate.ts'
import type { NameDesk } from '../elder/names.ts'
import type { Registry } from '../section/registry.ts'
import type { NodeActorKind, NodeComponents, NodeEnv, NodeStats } from './components.ts'
import { ShellEvents } from './events.ts'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Encodings of members, decisions and our SAP, by object (all immutable): a node persists its section
 * after every decision, and all but one of the recent decisions it writes are the same objects as
 * last time. Without this, encoding them again was most of what persisting costs.
 */
const encodings = new WeakMap<object, Uint8Array>()
function encodedOnce(value: object, encode: () => Uint8Array): Uint8Array {
  let bytes = encodings.get(value)
  if (bytes === undefined) encodings.set(value, bytes = encode())
  return bytes
}

/** The trust the genesis DBC gives, if there is one and it is the genesis key's (checked once). */
function mintTrustOf(genesis: SignedSap, wire: DbcWire | undefined): MintTrust | undefined {
  if (wire === undefined) return undefined
  try {
    return genesisTrust(genesis.sap.sectionKey(), dbcFromWire(wire))
  } catch {
    return undefined
  }
}

/** A SAP we hold and its chain from genesis, encoded, with its section key (what the store files it under). */
export interface EncodedTreeEntry {
  readonly sap: Uint8Array
  readonly chain: Uint8Array
  readonly sectionKey: Uint8Array
  readonly sectionKeyHex: string
}

/** Each SAP's entry, encoded once (its chain, once found, stays valid: the DAG only grows). */
const treeEntries = new WeakMap<SignedSap, EncodedTreeEntry>()
function encodedTreeEntry(sap: SignedSap, dag: SectionTree['dag']): EncodedTreeEntry | undefined {
  let entry = treeEntries.get(sap)
  if (entry !== undefined) return entry
  const chain = dag.chainFromGenesis(sap.sap.sectionKey())
  if (chain === undefined) return undefined
  const sectionKey = sap.sap.sectionKey().toBytes()
  entry = { sap: encodeOwn(SignedSapWire, sap.toWire()), chain: encodeOwn(ProofChainWire, chain.toWire()), sectionKey, sectionKeyHex: toHex(sectionKey) }
  treeEntries.set(sap, entry)
  return entry
}

/** A decision as the store keeps it (encoded once per decision). */
export function encodeDecision(decision: Decision): Uint8Array {
  return encodedOnce(decision, () => encodeOwn(DecisionWire, decision))
}
/**
 * Kinds from outside the section that pass the anti-entropy gate whoever signs them; a client's
 * other messages (its chunk reads) do too. A member's reads of its fellows' chunks do not: a
 * holder fetching after a split may be in our sibling now.
 */
const FROM_OUTSIDE: ReadonlySet<Kind> = new Set(['JoinRequest', 'ClientQuery', 'SectionMembersQuery', 'ChunkPut'])

type RoleName = 'member' | 'section' | 'dkg' | 'elder' | 'antiEntropy' | 'vault' | 'mint'

export class NodeShell {
  readonly addr: string
  readonly params: NetworkParameters
  readonly tree: SectionTree
  readonly env: NodeEnv
  /** Counters for the simulator's report. */
  readonly stats: NodeStats = { joinAttempts: 0, aeBounces: 0, rejectedUpdates: 0, resumed: 0 }
  /** What the roles are made from, and the roles themselves (their services to each other). */
  readonly #c: NodeComponents
  /** The role that handles each message kind. */
  readonly #routes = new Map<Kind, Role>()
  readonly #roles: ReadonlyArray<Role>
  /** Distinguishes incarnations of re-created actors (elder terms, DKG sessions) in system ids. */
  #epoch = 0
  #crashed = false

  constructor(options: { addr: string; params: NetworkParameters; genesis: SignedSap; env: NodeEnv; genesisDbc?: DbcWire }) {
    this.addr = options.addr
    this.params = options.params
    this.env = options.env
    this.tree = SectionTree.fromGenesis(options.genesis)
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the components' getters read the shell's state
    const shell = this
    const c = {
      addr: this.addr,
      params: this.params,
      tree: this.tree,
      genesis: options.genesis,
      genesisKey: options.genesis.sap.sectionKey(),
      genesisDbc: options.genesisDbc,
      mintTrust: mintTrustOf(options.genesis, options.genesisDbc),
      env: this.env,
      events: new ShellEvents(),
      stats: this.stats,
      aggregator: new SignatureAggregator({
        maxEntries: MAX_AGGREGATIONS, expiryMs: AGGREGATION_EXPIRY_MS, now: () => this.env.clock.now, onDrop: (why) => this.env.wire.refuse(`aggregation-${why}`),
      }),
      get self() {
        return shell
      },
      get name() {
        return shell.name
      },
      get crashed() {
        return shell.#crashed
      },
      get view() {
        return c.section.view
      },
      clock: (actor: NodeActorKind): Clock => this.env.clockFor?.(actor) ?? this.env.clock,
      systemId: (suffix: string) => `${this.addr}.${this.name.toHex().slice(0, 8)}/${suffix}`,
      actorOptions: (actor: NodeActorKind, suffix: string) => ({ clock: c.clock(actor), systemId: c.systemId(suffix), ...(this.env.inspect === undefined ? {} : { inspect: this.env.inspect }) }),
      nextEpoch: () => ++this.#epoch,
      send: <K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst) => this.#send(to, kind, payload, dst),
      refuse: (tag: string) => this.env.wire.refuse(tag),
    } as Omit<NodeComponents, RoleName> as Mutable<NodeComponents>
    // The role list. Roles hear the shell's events in this order.
    c.member = new MemberRole(c)
    c.section = new SectionRole(c)
    c.dkg = new DkgRole(c)
    c.elder = new ElderRole(c)
    c.antiEntropy = new AntiEntropyRole(c)
    c.vault = new VaultRole(c)
    c.mint = new MintNodeRole(c)
    this.#c = c
    this.#roles = [c.member, c.section, c.dkg, c.elder, c.antiEntropy, c.vault, c.mint]
    for (const role of this.#roles) {
      for (const kind of role.handles) {
        const taken = this.#routes.get(kind)
        if (taken !== undefined) throw new Error(`${kind} is handled by both ${taken.name} and ${role.name}`)
        this.#routes.set(kind, role)
      }
    }
  }

  get name(): XorName {
    return this.env.wire.keypair.name
  }

  get crashed(): boolean {
    return this.#crashed
  }

  /** Our section as agreed, once we are a member. */
  get section(): SectionView | undefined {
    return this.#c.view
  }

  /** Where the node is in its life: joining, adult, elder, relocating, left. */
  get role(): MemberState {
    return this.#c.member.state
  }

  get isElder(): boolean {
    return this.#c.elder.serving
  }

  /** Our index among the elders (= BLS share index), while an elder. */
  get elderIndex(): number {
    return this.#c.elder.index
  }

  /** The vault: its chunks, usage and counts (status.json, the simulator's checkers, tests). */
  get vault(): VaultRole {
    return this.#c.vault
  }

  /** The elder's name desk (NRS): its counts, and the simulator's adversary setting. */
  get names(): NameDesk {
    return this.#c.elder.names
  }

  /** The names our section decided (NRS), as this node recorded them. */
  /** The mint (issue 20): the simulator makes some Byzantine. */
  get mint(): MintNodeRole {
    return this.#c.mint
  }

  get sectionRegistry(): Registry {
    return this.#c.section.registry
  }

  /** This node as a member: its name, key, address and (agreed) age. */
  asMember(): Member | undefined {
    return this.section?.members.get(this.name)
  }

  /** The node's actors and the state each is in (for logs, the inspector and tests). */
  actorStates(): Record<string, unknown> {
    return Object.assign({}, ...this.#roles.map((role) => role.states())) as Record<string, unknown>
  }

  // --- Starting and stopping --------------------------------------------------------------------

  /**
   * Starts the network as its genesis elder: alone, sole elder and member of the genesis section
   * (the usual start), or with `founders`, the other elders the genesis SAP names, each of which
   * starts with its own share of the genesis key (a network founded by several nodes at once).
   */
  startGenesis(share: SecretKeyShare, age: number, founders: ReadonlyArray<Member> = []): void {
    const sap = this.tree.get(Prefix.EMPTY)!
    const self: Member = { name: this.name, publicKey: this.env.wire.keypair.publicKey.bytes, addr: this.addr, age }
    const members = [self, ...founders]
    const named = (m: Member) => sap.sap.elders.some((e) => e.name.equals(m.name))
    if (members.length !== sap.sap.elders.length || !members.every(named)) {
      throw new Error(`the genesis elders are ${sap.sap.elders.map((e) => e.addr).join(', ')}: startGenesis was given ${members.map((m) => m.addr).join(', ')}`)
    }
    this.#c.section.run()
    this.#c.section.start({ sap, members: new SectionMembers(Prefix.EMPTY, members, -1), nextGeneration: 0 })
    this.#c.member.startGenesis()
    this.#c.antiEntropy.run()
    this.#c.vault.run()
    this.#c.elder.serve(share, sap.sap.publicKeySet, 0)
  }

  /** Starts joining the network through what the tree knows. */
  startJoining(): void {
    this.#c.section.run()
    this.#c.member.start()
    this.#c.antiEntropy.run()
    this.#c.vault.run()
    this.#c.member.join()
  }

  /** The node stops: no more timers, no more answers (the simulator crashes it). */
  crash(): void {
    if (this.#crashed) return
    this.#crashed = true
    this.#c.elder.stop()
    this.#c.dkg.stop()
    this.#c.member.stop()
    this.#c.antiEntropy.stop()
    this.#c.vault.stop()
    this.#c.section.stop()
  }

  /** Stopping for good (SIGINT/SIGTERM): tells our section's elders, then stops. */
  leave(): void {
    const section = this.section
    if (section !== undefined && (this.role === 'adult' || this.role === 'elder')) {
      this.#send(section.sap.sap.elders.map((e) => e.addr), 'Leaving', {})
    }
    this.crash()
  }

  // --- Inbound ----------------------------------------------------------------------------------

  receive(from: string, message: Message, sender: NodePublicKey, frame: Uint8Array): void {
    if (this.#crashed) return
    // A member asking to join again (restarted) is not serving as a member: it does not count as heard.
    if (message.kind !== 'JoinRequest' && this.section?.members.has(sender.name) === true) this.#c.events.emit({ type: 'heard', from: sender.name, kind: message.kind })
    // Joins, queries, chunk puts, and everything clients send must be for our section and key.
    if ((FROM_OUTSIDE.has(message.kind) || message.envelope.auth._tag === 'Client') && !passesGate(this.#c, from, message, frame)) return
    this.#routes.get(message.kind)?.receive(from, message, sender, frame)
  }

  // --- Sending ----------------------------------------------------------------------------------

  #send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst): void {
    if (this.#crashed) return
    const targets = to.filter((a) => a !== this.addr && a !== '')
    if (targets.length === 0) return
    const section = this.section
    const defaultDst: Dst = dst ?? {
      name: (section?.sap.sap.prefix.name ?? this.name).bytes,
      sectionKey: (section?.sap.sap.sectionKey() ?? this.#c.genesisKey).toBytes(),
    }
    this.env.wire.send(targets, kind, payload, defaultDst)
  }

  // --- What survives a restart ------------------------------------------------------------------

  /** The network contacts: genesis and every SAP we hold with its chain from genesis. */
  contacts(): PayloadOf<'Contacts'> {
    return this.#c.antiEntropy.contacts()
  }

  /** Our section's recent decisions (those {@link knowledge} holds, encoded). */
  recentDecisions(): Decision[] {
    return [...this.#c.section.decisions()]
  }

  /**
   * The SAPs we hold with their chains, encoded once per SAP (a write after each decision would
   * otherwise encode every section's SAP and chain again: at 1,000 nodes, 57 of them per write).
   */
  treeEntries(): EncodedTreeEntry[] {
    const dag = this.tree.dag
    return this.tree.saps().flatMap((sap) => {
      const entry = encodedTreeEntry(sap, dag)
      return entry === undefined ? [] : [entry]
    })
  }

  /**
   * What to persist: the SAPs we hold with their chains unless `tree` is false, and our section as
   * we last saw it, with its recent decisions unless `decisions` is false (the persistence stores
   * those and the tree's entries each on its own, written once).
   */
  knowledge(options: { decisions?: boolean; tree?: boolean } = {}): NodeKnowledge {
    const tree = options.tree === false ? [] : this.treeEntries().map(({ sap, chain }) => ({ sap, chain }))
    const section = this.section
    if (section === undefined) return { tree }
    return {
      tree,
      section: {
        sap: encodedOnce(section.sap, () => encodeOwn(SignedSapWire, section.sap.toWire())),
        members: section.members.members().map((m) => encodedOnce(m, () => encodeOwn(MemberWire, memberToWire(m)))),
        nextGeneration: section.nextGeneration,
        decisions: options.decisions === false ? [] : this.recentDecisions().map(encodeDecision),
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
    this.#c.dkg.restoreShares(shares)
    this.#c.member.restoreStored(knowledge.section === undefined ? undefined : decodeStoredSection(knowledge.section))
    return refused
  }
}
