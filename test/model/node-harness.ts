/**
 * One NodeShell under test, and the rest of its network played by the test (issue 5's
 * model-based tests of the `member`, `anti-entropy` and `elder` machines, whose implementation is
 * the node itself).
 *
 * The node runs as it does in the simulator, on the wire's messages: the test seals each message
 * it sends the node with the sender's key and decodes it as a peer would, and reads what the node
 * sends from an outbox. The test is the dealer of the section keys it plays, so it signs
 * decisions, SAPs and chain links the node checks as it checks any; where the node holds a key
 * the test never saw (a DKG the node took part in), the test cannot sign for it and says so
 * ({@link Unproducible}).
 *
 * Every actor of the node gets its own clock ({@link NodeEnv.clockFor}): a timer fires only when
 * the model's path fires it, so the node's time moves only as the model's does.
 */
import { Result } from 'effect'
import type { EventObject } from 'xstate'
import { canonicalProposals, decisionBytes, type Decision, encodeChange, type Member, type MembershipChange, type NetworkParameters } from '../../src/consensus/index.ts'
import { type BlsSecretKey, type BlsSignature, NodeKeypair, type PublicKeySet, type SecretKeyShare, SecretKeySet } from '../../src/crypto/index.ts'
import { linkBytes, ProofChain, SectionAuthorityProvider, SignedSap } from '../../src/knowledge/index.ts'
import { NodeShell } from '../../src/roles/shell/node-shell.ts'
import type { NodeActorKind } from '../../src/roles/shell/components.ts'
import type { BallotJournal } from '../../src/roles/elder/ballot-journal.ts'
import type { SeededRandom } from '../../src/sim/random.ts'
import { type Clock, Scheduler } from '../../src/sim/scheduler.ts'
import { type DbcWire, decode, type Dst, type Kind, nodeAuthority, type PayloadOf, seal, verifyPeerAuthority } from '../../src/wire/index.ts'
import { Prefix } from '../../src/xor/index.ts'


/** A clock whose timers run only when the test fires them. */
class TimerClock implements Clock {
  readonly #pending = new Map<number, { readonly ms: number; readonly fn: () => void }>()
  #next = 0

  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown {
    const id = this.#next++
    this.#pending.set(id, { ms, fn })
    return id
  }

  clearTimeout(id: unknown): void {
    this.#pending.delete(id as number)
  }

  /** The delays of the timers armed now, in the order they were armed. */
  get armed(): number[] {
    return [...this.#pending.values()].map((t) => t.ms)
  }

  /** Fires the oldest armed timer whose delay `which` accepts; false if there is none. */
  fire(which: (ms: number) => boolean): boolean {
    for (const [id, timer] of this.#pending) {
      if (!which(timer.ms)) continue
      this.#pending.delete(id)
      timer.fn()
      return true
    }
    return false
  }
}

/** A node the test plays: a key and an address. */
export interface Peer {
  readonly keypair: NodeKeypair
  readonly addr: string
}

export function asMember(peer: Peer, age: number): Member {
  return { name: peer.keypair.name, publicKey: peer.keypair.publicKey.bytes, addr: peer.addr, age }
}

export interface Sent {
  readonly to: ReadonlyArray<string>
  readonly kind: Kind
  readonly payload: unknown
  readonly dst: Dst | undefined
}

/** A section key the test holds: its key set, and the secret (the test dealt it, or was its one DKG candidate). */
export interface HeldKeys {
  readonly keySet: PublicKeySet
  readonly secret: BlsSecretKey
  /** Elder `i`'s share, when the test dealt the key. */
  readonly share?: (index: number) => SecretKeyShare
}

export function dealKeys(threshold: number, random: SeededRandom): HeldKeys {
  const keys = SecretKeySet.random(threshold, random.byteSource())
  return { keySet: keys.publicKeys(), secret: keys.secretKey(), share: (i) => keys.secretKeyShare(i) }
}

/** The section's signature: the test holds the secret, so no shares to combine. */
function signWith(keys: HeldKeys, message: Uint8Array): BlsSignature {
  return keys.secret.sign(message)
}

/** A SAP for `elders` under `keys`, signed by them. */
export function signedSap(keys: HeldKeys, elders: ReadonlyArray<Peer>, generation: number, prefix = Prefix.EMPTY): SignedSap {
  const sap = new SectionAuthorityProvider({ prefix, publicKeySet: keys.keySet, elders: elders.map((e) => ({ name: e.keypair.name, addr: e.addr })), members: [], generation })
  return new SignedSap(sap, signWith(keys, sap.signingBytes()))
}

/** A decision of `changes` at `generation`, signed by `keys` (members check only the signature). */
export function signedDecision(keys: HeldKeys, generation: number, changes: ReadonlyArray<MembershipChange>): Decision {
  const proposals = canonicalProposals(changes.map(encodeChange))
  const key = keys.keySet.publicKey().toBytes()
  const signature = signWith(keys, decisionBytes(key, generation, proposals))
  return { generation, round: 0, proposals, supermajority: [], signature: signature.toBytes() }
}

/** The chain `chain` with one more link, to `sap`'s key, signed by `parent`. */
export function extendChain(chain: ProofChain, parent: HeldKeys, sap: SignedSap): ProofChain {
  const key = sap.sap.sectionKey()
  return new ProofChain(chain.root, [...chain.links, { key, signature: signWith(parent, linkBytes(key)) }])
}

/** The node under test, its outbox, refusals and per-actor timers. */
export class Subject {
  readonly node: NodeShell
  readonly keypair: () => NodeKeypair
  readonly sent: Sent[] = []
  /** What the node refused above the codec, by reason (the simulator counts these as `refused`). */
  readonly refused: string[] = []
  /** What the node told its observer: joins, and which of them were relocations. */
  readonly observed = { joined: 0, relocated: 0 }
  readonly #timers = new Map<NodeActorKind, TimerClock>()
  /** The node's clock (`now`): still unless a test moves it with {@link advance}. */
  readonly clock = new Scheduler()
  readonly #msgIds: (length: number) => Uint8Array

  constructor(options: {
    readonly addr: string; readonly keypair: NodeKeypair; readonly params: NetworkParameters; readonly genesis: SignedSap; readonly random: SeededRandom
    readonly ballots?: BallotJournal; readonly genesisDbc?: DbcWire
  }) {
    this.#msgIds = options.random.fork('msgids').byteSource()
    let keypair = options.keypair
    this.keypair = () => keypair
    const keys = options.random.fork('keys')
    const sent = this.sent
    const refused = this.refused
    this.node = new NodeShell({
      addr: options.addr,
      params: options.params,
      genesis: options.genesis,
      ...(options.genesisDbc === undefined ? {} : { genesisDbc: options.genesisDbc }),
      env: {
        wire: {
          get keypair() {
            return keypair
          },
          send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst?: Dst) {
            sent.push({ to, kind, payload, dst })
            return undefined
          },
          setKeypair(next: NodeKeypair) {
            keypair = next
          },
          refuse(tag: string) {
            refused.push(tag)
          },
        },
        // Time moves only when a test moves it (`clock`); nothing is ever scheduled on this one.
        clock: this.clock,
        clockFor: (actor) => this.timers(actor),
        schedule: () => {
          throw new Error('the node scheduled work outside its actors')
        },
        cancel: () => {},
        randomBytes: options.random.fork('dkg').byteSource(),
        ...(options.ballots === undefined ? {} : { ballots: options.ballots }),
        observer: {
          decided: () => {},
          link: () => {},
          relocated: () => {
            this.observed.relocated++
          },
          joined: () => {
            this.observed.joined++
          },
        },
        newKeypair: (matches) => {
          for (;;) {
            const candidate = NodeKeypair.fromSeed(keys.bytes(32))
            if (matches(candidate.name)) return candidate
          }
        },
      },
    })
  }

  /** Moves the node's clock (`now`) on by `ms`; no timer fires (see {@link fire}). */
  advance(ms: number): void {
    const wake = this.clock.schedule(ms, () => {})
    this.clock.run({ maxTimeMs: this.clock.now + ms })
    this.clock.cancel(wake)
  }

  timers(actor: NodeActorKind): TimerClock {
    let clock = this.#timers.get(actor)
    if (clock === undefined) this.#timers.set(actor, (clock = new TimerClock()))
    return clock
  }

  /** Fires the node's `actor` timer of `ms` (or the first `which` accepts); throws if none is armed. */
  fire(actor: NodeActorKind, which: number | ((ms: number) => boolean), why: string): void {
    const accept = typeof which === 'number' ? (ms: number) => ms === which : which
    if (!this.timers(actor).fire(accept)) throw new Error(`the model's ${why} timer fired; the node's ${actor} had none armed (armed: ${this.timers(actor).armed.join(', ') || 'none'})`)
  }

  /** Seals `payload` as `from` would, decodes it as the node's wire does, and hands it over. */
  deliver<K extends Kind>(from: Peer, kind: K, payload: PayloadOf<K>, dst?: Dst): void {
    const sealed = seal({ msgId: this.#msgIds(32), kind, dst: dst ?? this.dstFor(), payload }, nodeAuthority(from.keypair))
    if (Result.isFailure(sealed)) throw new Error(`the test's ${kind} does not seal: ${sealed.failure._tag}`)
    const frame = sealed.success.frame
    const message = decode(frame)
    if (Result.isFailure(message)) throw new Error(`the test's ${kind} does not decode: ${message.failure._tag}`)
    const sender = verifyPeerAuthority(message.success.envelope)
    if (Result.isFailure(sender)) throw new Error(`the test's ${kind} is not signed by its sender`)
    this.node.receive(from.addr, message.success, sender.success, frame)
  }

  /** Messages of `kind` sent from outbox index `since` on. */
  sentOf<K extends Kind>(kind: K, since = 0): Array<Sent & { readonly payload: PayloadOf<K> }> {
    return this.sent.slice(since).filter((s): s is Sent & { readonly payload: PayloadOf<K> } => s.kind === kind)
  }

  /** The node's current name as a destination under its section's (or `key`'s) key. */
  dstFor(key?: Uint8Array): Dst {
    return { name: this.node.name.bytes, sectionKey: key ?? this.node.section?.sap.sap.sectionKey().toBytes() ?? new Uint8Array(96) }
  }
}

/** Emitted events of `type` on one step. */
export function countOf(emitted: ReadonlyArray<EventObject>, type: string): number {
  return emitted.filter((e) => e.type === type).length
}
