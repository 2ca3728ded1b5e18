/**
 * What a role is made from (DESIGN.md §1): the node's identity and runtime, its knowledge, the
 * shell's sending and events, and the services of the other roles it works with. The node shell
 * provides them; the simulator and a real node differ only in the {@link NodeEnv}.
 */
import type { Decision, NetworkParameters, SectionView, SignatureAggregator } from '../../consensus/index.ts'
import type { BlsPublicKey, NodeKeypair, PublicKeySet, SecretKeyShare } from '../../crypto/index.ts'
import type { SectionTree, SignedSap } from '../../knowledge/index.ts'
import type { InspectionEvent } from 'xstate'
import type { Clock } from '../../transport/clock.ts'
import type { DbcWire, Dst, Kind, PayloadOf } from '../../wire/index.ts'
import type { MintTrust } from '../../dbc/index.ts'
import type { Prefix, XorName } from '../../xor/index.ts'
import type { AntiEntropyRole } from '../anti-entropy/anti-entropy.ts'
import type { DkgRole } from '../dkg/dkg.ts'
import type { ElderRole } from '../elder/elder.ts'
import type { BallotJournal } from '../elder/ballot-journal.ts'
import type { MemberRole } from '../member/member.ts'
import type { SectionRole } from '../section/section.ts'
import type { NodeStore } from '../../store/index.ts'
import type { VaultRole, VaultSettings } from '../vault/vault.ts'
import type { MintNodeRole } from '../mint-node/mint-node.ts'
import type { ShellEvents } from './events.ts'

/** What a node needs from its runtime: sending, timers, randomness, key generation. */
export interface NodeWire {
  readonly keypair: NodeKeypair
  send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst): Uint8Array | undefined
  setKeypair(keypair: NodeKeypair): void
  refuse(tag: string): void
}

/** The node's actors, as {@link NodeEnv.clockFor} names them. */
export type NodeActorKind = 'member' | 'section' | 'antiEntropy' | 'agreement' | 'elder' | 'dkg' | 'vault' | 'mint'

/** The node as the simulator's checkers and a real node's logs see it. */
export interface ObservedNode {
  readonly addr: string
  readonly name: XorName
  readonly role: string
  readonly section: SectionView | undefined
  asMember(): { readonly age: number } | undefined
}

/** What the simulator's checkers watch; a real node logs these. */
export interface NodeObserver<N extends ObservedNode = ObservedNode> {
  decided(node: N, sectionKey: string, decision: Decision): void
  link(parent: BlsPublicKey, child: BlsPublicKey, prefix: Prefix): void
  relocated(node: N, age: number): void
  joined(node: N): void
  /** A DKG gave us a key share (a real node stores it: it is how a restarted elder serves again). */
  keyShare?(node: N, share: SecretKeyShare, keySet: PublicKeySet): void
}

/** XState's inspection callback, as `createActor` takes it. */
export type ActorInspect = (event: InspectionEvent) => void

/** The options every role's `createActor` shares. */
export interface ActorOptions {
  readonly clock: Clock
  readonly systemId: string
  readonly inspect?: ActorInspect
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
  /**
   * Watches every actor the node creates (XState's `inspect` option): the dashboard's and the
   * inspector's tap (`src/inspect`), the simulator's recorder. Observes only; never changes a run.
   */
  readonly inspect?: ActorInspect
  readonly schedule: (delayMs: number, run: () => void) => unknown
  readonly cancel: (handle: unknown) => void
  readonly randomBytes: (length: number) => Uint8Array
  /** A fresh node key whose name satisfies `matches` (seeded in the simulator). */
  readonly newKeypair: (matches: (name: XorName) => boolean) => NodeKeypair
  readonly observer?: NodeObserver
  /** Where an elder records its ballots before sending them (a real node: its store), so a restart never votes twice differently. */
  readonly ballots?: BallotJournal
  /** The node's store, where the vault keeps its chunks (a fresh in-memory one when absent). */
  readonly store?: NodeStore
  /** The vault's storage limit and sweep interval, where they differ from `VAULT`'s (a node's `--capacity`; tests). */
  readonly vault?: VaultSettings
}

/** Counters for the simulator's report. */
export interface NodeStats {
  joinAttempts: number
  aeBounces: number
  rejectedUpdates: number
  resumed: number
}

export interface NodeComponents {
  readonly addr: string
  readonly params: NetworkParameters
  readonly tree: SectionTree
  readonly genesis: SignedSap
  readonly genesisKey: BlsPublicKey
  /** The genesis DBC (the genesis record's, issue 20) and the trust it gives: DBCs are checked against it; none, no mint. */
  readonly genesisDbc: DbcWire | undefined
  readonly mintTrust: MintTrust | undefined
  readonly env: NodeEnv
  readonly events: ShellEvents
  readonly stats: NodeStats
  /** The node's one signature aggregator (DESIGN.md §5), for every role that combines shares. */
  readonly aggregator: SignatureAggregator
  /** The node itself, as observers see it. */
  readonly self: ObservedNode
  readonly name: XorName
  readonly crashed: boolean
  /** Our section as agreed, once we are a member. */
  readonly view: SectionView | undefined
  /** The clock for one of the node's actors. */
  clock(actor: NodeActorKind): Clock
  /** A system id for one of this node's actors: `addr.name/suffix`. */
  systemId(suffix: string): string
  /** What `createActor` is given for one of the node's actors: its clock, system id and the inspection tap. */
  actorOptions(actor: NodeActorKind, suffix: string): ActorOptions
  /** A number unique to this node's run, for re-created actors' system ids. */
  nextEpoch(): number
  /** Sends to peers (never to ourselves); `dst` defaults to our section. */
  send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst): void
  /** Counts a message refused by the protocol, by reason. */
  refuse(tag: string): void
  readonly member: MemberRole
  readonly section: SectionRole
  readonly antiEntropy: AntiEntropyRole
  readonly dkg: DkgRole
  readonly elder: ElderRole
  readonly vault: VaultRole
  readonly mint: MintNodeRole
}
