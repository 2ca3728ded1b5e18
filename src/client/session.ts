/**
 * A client's session with the network (DESIGN.md §10): its own key, its own {@link SectionTree}
 * (from the genesis it trusts and what contacts and bounces prove), and one client aggregator
 * actor per request in flight — a section's members asked for, a chunk stored with its holders, a
 * chunk read. Callback-driven over any {@link Transport} and clock, so the simulator runs the same
 * client as a real program; `src/client/index.ts` wraps it in promises.
 *
 * Finding holders: the section responsible for a chunk's address (by our tree) is asked for its
 * members (`SectionMembersQuery`, to its elders closest to the address first, past the
 * anti-entropy gate); the `dataCopyCount` members closest to the address are the holders. The
 * answer is kept per section key for {@link MEMBERS_TTL_MS}: churn moves holders, and a holder
 * that says `NotHolder` makes us ask again at once.
 *
 * Every request follows anti-entropy: a bounced request (Retry: our key was stale; Redirect: the
 * name is another section's) updates our tree, if the SAP proves itself, and the request locates
 * its section again. A bounce that teaches us nothing, of a request sent under our newest key, says
 * the member is behind us or no longer in the section: the request passes it over and asks the
 * next candidate. Each request is resent at most `maxAttempts` times (DESIGN.md §3: 5).
 */
import { Result } from 'effect'
import { type Actor, createActor } from 'xstate'
import { clientAggregatorMachine } from '../../machines/client-aggregator.machine.ts'
import type { NetworkParameters } from '../consensus/index.ts'
import type { NodePublicKey} from '../crypto/index.ts';
import { bytesEqual, type NodeKeypair, sha3_256, toHex } from '../crypto/index.ts'
import { CheckedChunk } from '../data/index.ts'
import { decodeSapAndChain, routeFor, SectionTree, type SignedSap } from '../knowledge/index.ts'
import type { Clock } from '../transport/clock.ts'
import type { Transport } from '../transport/transport.ts'
import { CHUNK_ACCEPT_RANK, clientAuthority, decode, decodeEnvelope, type Dst, type Kind, type Message, type PayloadOf, seal, verifyPeerAuthority } from '../wire/index.ts'
import { Prefix, XorName } from '../xor/index.ts'
import { verifyReceipt } from '../data/receipt.ts'

/** A section's members as an answer listed them. */
export interface Holder {
  readonly name: XorName
  readonly publicKey: Uint8Array
  readonly addr: string
}

/** How long a section's members list is used before it is asked for again. */
export const MEMBERS_TTL_MS = 10_000

/** Timing of the client's requests (virtual ms in the simulator). */
export interface ClientTiming {
  /** The first wait for answers; it doubles each attempt. */
  readonly backoffMs: number
  /** Resends of one request to peers that stayed silent. */
  readonly maxAttempts: number
  /** Anti-entropy bounces one request follows (DESIGN.md §3's client resend limit is 5 per message; a request sends several). */
  readonly maxBounces: number
  /** A request not done by then fails. */
  readonly deadlineMs: number
}

export const DEFAULT_CLIENT_TIMING: ClientTiming = { backoffMs: 2_000, maxAttempts: 5, maxBounces: 10, deadlineMs: 120_000 }

export interface ClientEnv {
  readonly transport: Transport
  readonly clock: Clock & { readonly now: number }
  readonly keypair: NodeKeypair
  readonly randomBytes: (length: number) => Uint8Array
  readonly genesis: SignedSap
  readonly params: NetworkParameters
  /** Peers to ask when the tree names no elder that answers (a contacts file's nodes). */
  readonly bootstrap?: ReadonlyArray<string>
  readonly timing?: ClientTiming
}

/** What went wrong with one request, for the caller to report. */
export interface RequestFailure {
  readonly reason: string
  readonly answers: number
  readonly attempts: number
}

/** Counts for the simulator's report, benchmarks and progress lines. */
export interface ClientCounts {
  sent: number
  bounces: number
  membersQueries: number
  retries: number
  refused: Record<string, number>
}

type Outcome<T> = { ok: true; value: T } | { ok: false; failure: RequestFailure }

interface Section {
  readonly key: string
  readonly prefix: Prefix
  readonly members: ReadonlyArray<Holder>
  readonly at: number
}

/** One request in flight, driven by its client-aggregator actor. */
abstract class Request {
  readonly actor: Actor<typeof clientAggregatorMachine>
  readonly session: ClientSession
  readonly kind: Kind
  readonly target: XorName
  finished = false

  constructor(session: ClientSession, kind: Kind, target: XorName, needed: number) {
    this.session = session
    this.kind = kind
    this.target = target
    const timing = session.timing
    this.actor = createActor(clientAggregatorMachine, {
      input: { needed, maxAttempts: timing.maxAttempts, maxBounces: timing.maxBounces, backoffMs: timing.backoffMs, deadlineMs: timing.deadlineMs },
      clock: session.env.clock,
    })
    this.actor.on('locate', () => this.locate())
    this.actor.on('send', ({ retry }) => {
      if (retry) session.counts.retries++
      this.send(retry)
    })
    this.actor.on('done', () => this.#finish(() => this.succeed()))
    this.actor.on('failed', (failure) => this.#finish(() => this.fail(failure)))
  }

  get key(): string {
    return `${this.kind}:${this.target.toHex()}`
  }

  start(): void {
    this.session.track(this)
    this.actor.start()
  }

  #finish(then: () => void): void {
    if (this.finished) return
    this.finished = true
    this.session.untrack(this)
    queueMicrotask(() => this.actor.stop())
    then()
  }

  /** Our knowledge changed under the request (a bounce): find the section again. */
  stale(): void {
    this.actor.send({ type: 'STALE' })
  }

  /**
   * `member` bounced the request without news (it is behind us, or not in the section): by
   * default the backoff asks it again; a request with other candidates asks the next.
   */
  passOver(_member: string): void {}

  abstract locate(): void
  abstract send(retry: boolean): void
  abstract receive(from: string, message: Message, sender: NodePublicKey): void
  abstract succeed(): void
  abstract fail(failure: RequestFailure): void
}

/** Asks a section for its members: its elders closest to the target first, then the bootstrap peers. */
class MembersRequest extends Request {
  #sap: SignedSap | undefined
  #candidates: string[] = []
  #next = 0
  readonly #waiting: Array<(outcome: Outcome<Section>) => void> = []
  #result: Section | undefined

  constructor(session: ClientSession, target: XorName) {
    super(session, 'SectionMembersQuery', target, 1)
  }

  wait(callback: (outcome: Outcome<Section>) => void): void {
    this.#waiting.push(callback)
  }

  locate(): void {
    this.#sap = routeFor(this.session.tree, this.target)
    if (this.#sap === undefined) return
    const elders = [...this.#sap.sap.elders].sort((a, b) => this.target.compareDistance(a.name, b.name)).map((e) => e.addr)
    this.#candidates = [...elders, ...(this.session.env.bootstrap ?? []).filter((a) => !elders.includes(a))]
    this.#next = 0
    this.actor.send({ type: 'LOCATED' })
  }

  send(): void {
    const sap = this.#sap
    if (sap === undefined || this.#candidates.length === 0) return
    const peer = this.#candidates[this.#next++ % this.#candidates.length]!
    this.session.counts.membersQueries++
    this.session.send([peer], 'SectionMembersQuery', {}, { name: this.target.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
  }

  /** The next elder (or bootstrap peer) is asked. */
  override passOver(): void {
    this.actor.send({ type: 'REPLACE' })
  }

  receive(_from: string, message: Message): void {
    if (message.kind !== 'SectionMembersAnswer') return
    const answer = message.payload
    const prefix = prefixOf(answer.prefix)
    const members: Holder[] = []
    for (const m of answer.members) {
      const name = XorName.fromBytes(m.name)
      if (!bytesEqual(sha3_256(m.publicKey), m.name)) continue
      members.push({ name, publicKey: m.publicKey, addr: m.addr })
    }
    if (members.length === 0) return
    this.#result = { key: toHex(answer.sectionKey), prefix, members, at: this.session.env.clock.now }
    this.actor.send({ type: 'ANSWER' })
  }

  succeed(): void {
    const result = this.#result!
    this.session.remember(result)
    for (const callback of this.#waiting) callback({ ok: true, value: result })
  }

  fail(failure: RequestFailure): void {
    for (const callback of this.#waiting) callback({ ok: false, failure })
  }
}

/** A request that works on a chunk's holders: the members of its section closest to its address. */
abstract class ChunkRequest extends Request {
  ranked: Holder[] = []

  locate(): void {
    this.session.sectionOf(this.target, (outcome) => {
      if (this.finished) return
      if (!outcome.ok) return this.actor.send({ type: 'CANCEL', reason: `no members list for its section: ${outcome.failure.reason}` })
      this.ranked = [...outcome.value.members].sort((a, b) => this.target.compareDistance(a.name, b.name)).slice(0, CHUNK_ACCEPT_RANK)
      this.located()
      this.actor.send({ type: 'LOCATED', needed: this.ranked.length })
    })
  }

  located(): void {}

  dst(): Dst {
    const sap = routeFor(this.session.tree, this.target)
    return { name: this.target.bytes, sectionKey: (sap ?? this.session.env.genesis).sap.sectionKey().toBytes() }
  }
}

/** Stores one chunk with its holders: done when `needed` of them sent valid receipts. */
class PutRequest extends ChunkRequest {
  readonly receipts = new Map<string, PayloadOf<'ChunkReceipt'>>()
  /** The holders asked, by address; those that refused or stayed silent are replaced by the next candidates. */
  #targets: Holder[] = []
  readonly #passedOver = new Set<string>()

  readonly address: Uint8Array
  readonly content: Uint8Array
  readonly done: (outcome: Outcome<PayloadOf<'ChunkReceipt'>[]>) => void

  constructor(session: ClientSession, address: Uint8Array, content: Uint8Array, done: (outcome: Outcome<PayloadOf<'ChunkReceipt'>[]>) => void) {
    super(session, 'ChunkPut', XorName.fromBytes(address), session.env.params.dataCopyCount)
    this.address = address
    this.content = content
    this.done = done
  }

  /** The put as sealed once (signing covers the 1 MiB content): resent as it is until the section moves. */
  #frame: Uint8Array | undefined

  override located(): void {
    this.#targets = []
    this.#frame = undefined
  }

  send(retry: boolean): void {
    const needed = Math.min(this.session.env.params.dataCopyCount, this.ranked.length)
    if (retry) for (const t of this.#targets) if (!this.receipts.has(t.addr)) this.#passedOver.add(t.addr)
    this.#targets = this.#targets.filter((t) => this.receipts.has(t.addr) || !this.#passedOver.has(t.addr))
    for (const candidate of this.ranked) {
      if (this.#targets.length >= needed) break
      if (!this.#passedOver.has(candidate.addr) && !this.#targets.includes(candidate)) this.#targets.push(candidate)
    }
    // Every candidate passed over: ask the holders again rather than nobody.
    if (this.#targets.length < needed) {
      this.#passedOver.clear()
      this.#targets = this.ranked.slice(0, needed)
    }
    const to = this.#targets.filter((t) => !this.receipts.has(t.addr)).map((t) => t.addr)
    this.#frame ??= this.session.seal('ChunkPut', { content: this.content }, this.dst())
    if (this.#frame !== undefined) this.session.sendFrame(to, this.#frame)
  }

  override passOver(member: string): void {
    if (this.receipts.has(member) || !this.#targets.some((t) => t.addr === member)) return
    this.#passedOver.add(member)
    this.actor.send({ type: 'REPLACE' })
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    if (message.kind === 'ChunkReceipt') {
      const receipt = message.payload
      if (!bytesEqual(receipt.address, this.address) || !bytesEqual(receipt.holder, sender.bytes) || !verifyReceipt(receipt)) return this.session.refuse('bad-receipt')
      if (this.receipts.has(from) || !this.#targets.some((t) => t.addr === from && t.name.equals(sender.name))) return
      this.receipts.set(from, receipt)
      this.actor.send({ type: 'ANSWER' })
      return
    }
    if (message.kind !== 'ChunkRefused') return
    this.session.refuse(`put-${message.payload.reason}`)
    switch (message.payload.reason) {
      case 'Full':
        this.#passedOver.add(from)
        return this.actor.send({ type: 'REPLACE' })
      case 'NotHolder':
        this.session.forget(this.target)
        return this.stale()
      case 'BadAddress':
        return this.actor.send({ type: 'CANCEL', reason: 'the holders say the content does not hash to its address' })
      default:
        return
    }
  }

  succeed(): void {
    this.done({ ok: true, value: [...this.receipts.values()] })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure })
  }
}

/** Reads one chunk: from a holder (a random one of the closest, to spread the load), falling back to the others. */
class GetRequest extends ChunkRequest {
  #content: CheckedChunk | undefined
  #order: Holder[] = []
  #next = 0
  #asked: string | undefined

  readonly address: Uint8Array
  readonly done: (outcome: Outcome<CheckedChunk>) => void

  constructor(session: ClientSession, address: Uint8Array, done: (outcome: Outcome<CheckedChunk>) => void) {
    super(session, 'ChunkGet', XorName.fromBytes(address), 1)
    this.address = address
    this.done = done
  }

  override located(): void {
    const holders = Math.min(this.session.env.params.dataCopyCount, this.ranked.length)
    const first = holders === 0 ? 0 : (this.session.env.randomBytes(1)[0]! % holders)
    this.#order = [...this.ranked.slice(first, holders), ...this.ranked.slice(0, first), ...this.ranked.slice(holders)]
    this.#next = 0
  }

  send(): void {
    if (this.#order.length === 0) return
    if (this.#next >= this.#order.length) {
      // Every candidate tried: our members list may be out of date.
      this.session.forget(this.target)
      return this.stale()
    }
    const holder = this.#order[this.#next++]!
    this.#asked = holder.addr
    this.session.send([holder.addr], 'ChunkGet', { address: this.address }, this.dst())
  }

  override passOver(member: string): void {
    if (member === this.#asked) this.actor.send({ type: 'REPLACE' })
  }

  receive(from: string, message: Message): void {
    if (message.kind === 'ChunkContent') {
      if (!bytesEqual(message.payload.address, this.address)) return
      const checked = CheckedChunk.check(this.address, message.payload.content)
      if (checked === undefined) {
        this.session.refuse('get-bad-content')
        return this.actor.send({ type: 'REPLACE' })
      }
      this.#content = checked
      return this.actor.send({ type: 'ANSWER' })
    }
    if (message.kind !== 'ChunkRefused' || from !== this.#asked) return
    this.session.refuse(`get-${message.payload.reason}`)
    if (message.payload.reason === 'NotFound') this.#notFound.add(from)
    this.actor.send({ type: 'REPLACE' })
  }

  readonly #notFound = new Set<string>()

  succeed(): void {
    this.done({ ok: true, value: this.#content! })
  }

  fail(failure: RequestFailure): void {
    const reason = this.#notFound.size > 0 ? `not found: ${this.#notFound.size} of its holders answered that they do not have it (${failure.reason})` : failure.reason
    this.done({ ok: false, failure: { ...failure, reason } })
  }
}

/**
 * Asks every member of a chunk's section whether it holds the chunk (a diagnostic: the churn
 * test's check that each chunk is on exactly its holders). Done when every member answered.
 */
class ProbeRequest extends ChunkRequest {
  readonly holding = new Set<string>()
  readonly answered = new Set<string>()
  readonly address: Uint8Array
  readonly done: (outcome: Outcome<{ members: ReadonlyArray<Holder>; holding: ReadonlySet<string> }>) => void
  #members: ReadonlyArray<Holder> = []

  constructor(session: ClientSession, address: Uint8Array, done: ProbeRequest['done']) {
    super(session, 'ChunkGet', XorName.fromBytes(address), Number.MAX_SAFE_INTEGER)
    this.address = address
    this.done = done
  }

  override locate(): void {
    this.session.sectionOf(this.target, (outcome) => {
      if (this.finished) return
      if (!outcome.ok) return this.actor.send({ type: 'CANCEL', reason: outcome.failure.reason })
      this.#members = [...outcome.value.members].sort((a, b) => this.target.compareDistance(a.name, b.name))
      this.ranked = [...this.#members]
      this.actor.send({ type: 'LOCATED', needed: this.#members.length })
    })
  }

  send(): void {
    this.session.send(this.#members.filter((m) => !this.answered.has(m.addr)).map((m) => m.addr), 'ChunkGet', { address: this.address }, this.dst())
  }

  receive(from: string, message: Message): void {
    if (this.answered.has(from) || !this.#members.some((m) => m.addr === from)) return
    if (message.kind === 'ChunkContent') {
      if (!bytesEqual(sha3_256(message.payload.content), this.address)) return
      this.holding.add(from)
    } else if (message.kind !== 'ChunkRefused') {
      return
    }
    this.answered.add(from)
    this.actor.send({ type: 'ANSWER' })
  }

  succeed(): void {
    this.done({ ok: true, value: { members: this.#members, holding: this.holding } })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure })
  }
}

export class ClientSession {
  readonly env: ClientEnv
  readonly tree: SectionTree
  readonly timing: ClientTiming
  readonly counts: ClientCounts = { sent: 0, bounces: 0, membersQueries: 0, retries: 0, refused: {} }
  readonly #sections = new Map<string, Section>()
  readonly #membersRequests = new Map<string, MembersRequest>()
  readonly #requests = new Map<string, Request[]>()
  #closed = false

  constructor(env: ClientEnv) {
    this.env = env
    this.timing = env.timing ?? DEFAULT_CLIENT_TIMING
    this.tree = SectionTree.fromGenesis(env.genesis)
    env.transport.onFrame((from, frame) => this.#receive(from, frame))
  }

  /** Takes in SAPs with their chains (a contacts file's): each checked against our genesis. Returns those refused. */
  learn(sections: ReadonlyArray<PayloadOf<'Contacts'>['sections'][number]>): number {
    let refused = 0
    for (const entry of sections) {
      const decoded = decodeSapAndChain(entry)
      if (decoded === undefined || this.tree.update(decoded.sap, decoded.chain).status === 'rejected') refused++
    }
    return refused
  }

  /** Stores a chunk with its holders; `done` gets their receipts, or why not. */
  putChunk(address: Uint8Array, content: Uint8Array, done: (outcome: Outcome<PayloadOf<'ChunkReceipt'>[]>) => void): void {
    new PutRequest(this, address, content, done).start()
  }

  /** Reads a chunk (its address checked); `done` gets the chunk, or why not. */
  getChunk(address: Uint8Array, done: (outcome: Outcome<CheckedChunk>) => void): void {
    new GetRequest(this, address, done).start()
  }

  /** Asks every member of the chunk's section whether it holds it: the members (closest first) and the addresses holding it. */
  probeChunk(address: Uint8Array, done: ProbeRequest['done']): void {
    new ProbeRequest(this, address, done).start()
  }

  /** Stops every request (each fails with `reason`). */
  close(reason = 'the client closed'): void {
    this.#closed = true
    for (const requests of [...this.#requests.values()]) for (const request of requests) request.actor.send({ type: 'CANCEL', reason })
  }

  // --- For the requests ---------------------------------------------------------------------------

  /** The members of the section responsible for `name`: known and fresh, or asked for. */
  sectionOf(name: XorName, callback: (outcome: Outcome<Section>) => void): void {
    const sap = routeFor(this.tree, name)
    if (sap === undefined) return callback({ ok: false, failure: { reason: 'no section known for the name', answers: 0, attempts: 0 } })
    const key = toHex(sap.sap.sectionKey().toBytes())
    const known = this.#sections.get(key)
    if (known !== undefined && this.env.clock.now - known.at < MEMBERS_TTL_MS && sap.sap.prefix.matches(name)) return callback({ ok: true, value: known })
    let request = this.#membersRequests.get(key)
    if (request === undefined || request.finished) {
      request = new MembersRequest(this, name)
      this.#membersRequests.set(key, request)
      request.wait(() => this.#membersRequests.delete(key))
      request.start()
    }
    request.wait(callback)
  }

  remember(section: Section): void {
    this.#sections.set(section.key, section)
  }

  /** A holder said our members list of `name`'s section is out of date. */
  forget(name: XorName): void {
    const sap = routeFor(this.tree, name)
    if (sap !== undefined) this.#sections.delete(toHex(sap.sap.sectionKey().toBytes()))
  }

  track(request: Request): void {
    const list = this.#requests.get(request.key)
    if (list === undefined) this.#requests.set(request.key, [request])
    else list.push(request)
  }

  untrack(request: Request): void {
    const list = this.#requests.get(request.key)
    if (list === undefined) return
    const rest = list.filter((r) => r !== request)
    if (rest.length === 0) this.#requests.delete(request.key)
    else this.#requests.set(request.key, rest)
  }

  refuse(tag: string): void {
    this.counts.refused[tag] = (this.counts.refused[tag] ?? 0) + 1
  }

  send<K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>, dst: Dst): void {
    if (this.#closed || to.length === 0) return
    const frame = this.seal(kind, payload, dst)
    if (frame !== undefined) this.sendFrame(to, frame)
  }

  /** A message sealed with our key (undefined, counted, if it does not encode: a bug of ours). */
  seal<K extends Kind>(kind: K, payload: PayloadOf<K>, dst: Dst): Uint8Array | undefined {
    const sealed = seal({ msgId: this.env.randomBytes(32), kind, dst, payload }, clientAuthority(this.env.keypair))
    if (Result.isSuccess(sealed)) return sealed.success.frame
    this.refuse(`outbound ${kind} ${sealed.failure._tag}`)
    return undefined
  }

  sendFrame(to: ReadonlyArray<string>, frame: Uint8Array): void {
    if (this.#closed) return
    for (const peer of to) {
      this.counts.sent++
      this.env.transport.send(peer, frame)
    }
  }

  // --- Inbound ------------------------------------------------------------------------------------

  #receive(from: string, frame: Uint8Array): void {
    const decoded = decode(frame)
    if (Result.isFailure(decoded)) return this.refuse(decoded.failure._tag)
    const sender = verifyPeerAuthority(decoded.success.envelope)
    if (Result.isFailure(sender)) return this.refuse(sender.failure._tag)
    const message = decoded.success
    switch (message.kind) {
      case 'AeRetry':
      case 'AeRedirect':
        return this.#onBounce(from, message.kind, message.payload)
      case 'SectionMembersAnswer':
        return this.#route(`SectionMembersQuery:`, from, message, sender.success, (key) => key.startsWith('SectionMembersQuery:') && this.#answers(key, message.payload))
      case 'ChunkReceipt':
        return this.#route(`ChunkPut:${toHex(message.payload.address)}`, from, message, sender.success)
      case 'ChunkContent':
        return this.#route(`ChunkGet:${toHex(message.payload.address)}`, from, message, sender.success)
      case 'ChunkRefused': {
        const address = toHex(message.payload.address)
        this.#route(`ChunkPut:${address}`, from, message, sender.success)
        return this.#route(`ChunkGet:${address}`, from, message, sender.success)
      }
      default:
        return this.refuse(`unexpected ${message.kind}`)
    }
  }

  /** Whether a members answer is for the request under `key` (its target in the answer's prefix). */
  #answers(key: string, answer: PayloadOf<'SectionMembersAnswer'>): boolean {
    const target = XorName.fromBytes(Buffer.from(key.slice('SectionMembersQuery:'.length), 'hex'))
    return prefixOf(answer.prefix).matches(target)
  }

  #route(key: string, from: string, message: Message, sender: NodePublicKey, match?: (key: string) => boolean): void {
    const keys = match === undefined ? [key] : [...this.#requests.keys()].filter(match)
    for (const k of keys) for (const request of [...(this.#requests.get(k) ?? [])]) request.receive(from, message, sender)
  }

  #onBounce(from: string, kind: 'AeRetry' | 'AeRedirect', payload: PayloadOf<'AeRetry'>): void {
    this.counts.bounces++
    const decoded = decodeSapAndChain(payload)
    const bounced = decodeEnvelope(payload.bounced)
    if (decoded === undefined || Result.isFailure(bounced)) return this.refuse('bad-bounce')
    const outcome = this.tree.update(decoded.sap, decoded.chain)
    if (outcome.status === 'rejected') return this.refuse('bounce-update-rejected')
    const { kind: bouncedKind, dst } = bounced.success
    const key = `${bouncedKind}:${toHex(dst.name)}`
    // A bounce that taught us nothing, of a request sent under the key we hold now: the member is
    // not where our members list puts it — behind us (a Retry: our section's newest key has not
    // reached it yet), or gone from the section (a Redirect: it was relocated, and the elders'
    // list still names its old self). Finding the section again would send it the same request at
    // once and be bounced again: in a 500-node simulation with churn one chunk was bounced 10
    // times in half a second, three tries running, and its file failed. That member is passed
    // over for this request instead, as one that refused it.
    if (outcome.status === 'ignored') {
      const current = routeFor(this.tree, XorName.fromBytes(dst.name))
      if (current !== undefined && bytesEqual(current.sap.sectionKey().toBytes(), dst.sectionKey)) {
        this.refuse(`${kind}-no-news`)
        for (const request of [...(this.#requests.get(key) ?? [])]) request.passOver(from)
        return
      }
    }
    // The bounced request finds its section again, under what the bounce taught us.
    this.refuse(kind)
    for (const request of [...(this.#requests.get(key) ?? [])]) request.stale()
  }
}

function prefixOf(prefix: { readonly bitCount: number; readonly name: Uint8Array }): Prefix {
  return Prefix.of(XorName.fromBytes(prefix.name), Math.min(prefix.bitCount, 256))
}
