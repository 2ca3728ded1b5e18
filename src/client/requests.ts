/**
 * The requests a {@link ClientSession} has in flight, each driven by its own client-aggregator
 * actor (`machines/client-aggregator.machine.ts`): a section's members asked for, a chunk stored
 * with its holders, a chunk read, a chunk's holders probed. What each asks, of whom, and what
 * counts as an answer; the session routes their messages and anti-entropy to them.
 */
import { type Actor, createActor } from 'xstate'
import { clientAggregatorMachine } from '../../machines/client-aggregator.machine.ts'
import { bytesEqual, type NodePublicKey, sha3_256, toHex } from '../crypto/index.ts'
import { CheckedChunk } from '../data/index.ts'
import { verifyReceipt } from '../data/receipt.ts'
import { routeFor, type SignedSap } from '../knowledge/index.ts'
import { CHUNK_ACCEPT_RANK, type Dst, type Kind, type Message, type PayloadOf } from '../wire/index.ts'
import { Prefix, XorName } from '../xor/index.ts'
import type { ClientSession, Holder, RequestFailure } from './session.ts'

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: RequestFailure }

/** `failure` of a read that `notFound` holders answered they do not have: said in its reason, and counted. */
export function withNotFound(failure: RequestFailure, notFound: number): RequestFailure {
  if (notFound === 0) return failure
  return { ...failure, reason: `not found: ${notFound} of its holders answered that they do not have it (${failure.reason})`, notFound }
}

export interface Section {
  readonly key: string
  readonly prefix: Prefix
  readonly members: ReadonlyArray<Holder>
  readonly at: number
}

/** One request in flight, driven by its client-aggregator actor. */
export abstract class Request {
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
export class MembersRequest extends Request {
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
export abstract class ChunkRequest extends Request {
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

  /** The holders asked (put requests): those that refused or stayed silent are replaced by the next candidates. */
  targets: Holder[] = []
  readonly passedOver = new Set<string>()

  /**
   * Whom a put goes to now: the closest candidates not passed over (on a retry, those that have
   * not `answered` are), up to `dataCopyCount`; every candidate passed over, the holders again
   * rather than nobody. Returns those not yet answered.
   */
  pickTargets(retry: boolean, answered: (addr: string) => boolean): string[] {
    const needed = Math.min(this.session.env.params.dataCopyCount, this.ranked.length)
    if (retry) for (const t of this.targets) if (!answered(t.addr)) this.passedOver.add(t.addr)
    this.targets = this.targets.filter((t) => answered(t.addr) || !this.passedOver.has(t.addr))
    for (const candidate of this.ranked) {
      if (this.targets.length >= needed) break
      if (!this.passedOver.has(candidate.addr) && !this.targets.includes(candidate)) this.targets.push(candidate)
    }
    if (this.targets.length < needed) {
      this.passedOver.clear()
      this.targets = this.ranked.slice(0, needed)
    }
    return this.targets.filter((t) => !answered(t.addr)).map((t) => t.addr)
  }

  dst(): Dst {
    const sap = routeFor(this.session.tree, this.target)
    return { name: this.target.bytes, sectionKey: (sap ?? this.session.env.genesis).sap.sectionKey().toBytes() }
  }
}

/** Stores one chunk with its holders: done when `needed` of them sent valid receipts. */
export class PutRequest extends ChunkRequest {
  readonly receipts = new Map<string, PayloadOf<'ChunkReceipt'>>()

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
    this.targets = []
    this.#frame = undefined
  }

  send(retry: boolean): void {
    const to = this.pickTargets(retry, (addr) => this.receipts.has(addr))
    this.#frame ??= this.session.seal('ChunkPut', { content: this.content }, this.dst())
    if (this.#frame !== undefined) this.session.sendFrame(to, this.#frame)
  }

  override passOver(member: string): void {
    if (this.receipts.has(member) || !this.targets.some((t) => t.addr === member)) return
    this.passedOver.add(member)
    this.actor.send({ type: 'REPLACE' })
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    if (message.kind === 'ChunkReceipt') {
      const receipt = message.payload
      if (!bytesEqual(receipt.address, this.address) || !bytesEqual(receipt.holder, sender.bytes) || !verifyReceipt(receipt)) return this.session.refuse('bad-receipt')
      if (this.receipts.has(from) || !this.targets.some((t) => t.addr === from && t.name.equals(sender.name))) return
      this.receipts.set(from, receipt)
      this.actor.send({ type: 'ANSWER' })
      return
    }
    if (message.kind !== 'ChunkRefused') return
    this.session.refuse(`put-${message.payload.reason}`)
    switch (message.payload.reason) {
      case 'Full':
        this.passedOver.add(from)
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

/** A read from one holder at a time, in the order `located` sets, falling back to the next. */
export abstract class ReadRequest extends ChunkRequest {
  #order: Holder[] = []
  #next = 0
  /** The holder asked last: only its answer counts. */
  asked: string | undefined

  /** The holders to ask, first to last (from `located`). */
  askInOrder(order: Holder[]): void {
    this.#order = order
    this.#next = 0
  }

  /** The next holder to ask; none when there is nobody or every one was asked (then our members list may be stale: located again). */
  nextHolder(): Holder | undefined {
    if (this.#order.length === 0) return undefined
    if (this.#next >= this.#order.length) {
      this.session.forget(this.target)
      this.stale()
      return undefined
    }
    const holder = this.#order[this.#next++]!
    this.asked = holder.addr
    return holder
  }

  override passOver(member: string): void {
    if (member === this.asked) this.actor.send({ type: 'REPLACE' })
  }
}

/** Reads one chunk: from a holder (a random one of the closest, to spread the load), falling back to the others. */
export class GetRequest extends ReadRequest {
  #content: CheckedChunk | undefined

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
    this.askInOrder([...this.ranked.slice(first, holders), ...this.ranked.slice(0, first), ...this.ranked.slice(holders)])
  }

  send(): void {
    const holder = this.nextHolder()
    if (holder !== undefined) this.session.send([holder.addr], 'ChunkGet', { address: this.address }, this.dst())
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
    if (message.kind !== 'ChunkRefused' || from !== this.asked) return
    this.session.refuse(`get-${message.payload.reason}`)
    if (message.payload.reason === 'NotFound') this.#notFound.add(from)
    this.actor.send({ type: 'REPLACE' })
  }

  readonly #notFound = new Set<string>()

  succeed(): void {
    this.done({ ok: true, value: this.#content! })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure: withNotFound(failure, this.#notFound.size) })
  }
}

/**
 * Asks every member of a chunk's section whether it holds the chunk (a diagnostic: the churn
 * test's check that each chunk is on exactly its holders). Done when every member answered.
 */
export class ProbeRequest extends ChunkRequest {
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

export function prefixOf(prefix: { readonly bitCount: number; readonly name: Uint8Array }): Prefix {
  return Prefix.of(XorName.fromBytes(prefix.name), Math.min(prefix.bitCount, 256))
}
