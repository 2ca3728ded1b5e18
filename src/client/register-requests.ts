/**
 * Register requests (issue 19): a put of operations to a register's holders, and a read of its
 * operations from one of them, each driven by its client-aggregator actor as chunk requests are.
 */
import { bytesEqual, type NodePublicKey } from '../crypto/index.ts'
import { type RegisterAck, verifyAck } from '../register/ack.ts'
import type { RegisterOp } from '../register/register.ts'
import { type Message, MAX_OPS_PER_MESSAGE } from '../wire/index.ts'
import type { XorName } from '../xor/index.ts'
import { ChunkRequest, type Outcome, ReadRequest, withNotFound } from './requests.ts'
import type { ClientSession, RequestFailure } from './session.ts'

/** Stores register operations with the register's holders: done when each of them acknowledged. */
export class RegisterPutRequest extends ChunkRequest {
  readonly acks = new Map<string, RegisterAck>()
  readonly ops: ReadonlyArray<RegisterOp>
  /** The register as the client read it (create and entries): sent to a holder that lacks it. */
  readonly history: ReadonlyArray<RegisterOp>
  /** Holders sent the history after they said they lack the register (or a parent). */
  readonly #repaired = new Set<string>()
  readonly done: (outcome: Outcome<RegisterAck[]>) => void

  constructor(session: ClientSession, name: XorName, ops: ReadonlyArray<RegisterOp>, history: ReadonlyArray<RegisterOp>, done: (outcome: Outcome<RegisterAck[]>) => void) {
    super(session, 'RegisterPut', name, session.env.params.dataCopyCount)
    this.ops = ops
    this.history = history
    this.done = done
  }

  override located(): void {
    this.targets = []
  }

  send(retry: boolean): void {
    this.session.send(this.pickTargets(retry, (addr) => this.acks.has(addr)), 'RegisterPut', { ops: [...this.ops] }, this.dst())
  }

  override passOver(member: string): void {
    if (this.acks.has(member) || !this.targets.some((t) => t.addr === member)) return
    this.passedOver.add(member)
    this.actor.send({ type: 'REPLACE' })
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    if (message.kind === 'RegisterAck') {
      const ack = message.payload
      if (!bytesEqual(ack.name, this.target.bytes) || !bytesEqual(ack.holder, sender.bytes) || !verifyAck(ack)) return this.session.refuse('bad-register-ack')
      if (this.acks.has(from) || !this.targets.some((t) => t.addr === from && t.name.equals(sender.name))) return
      this.acks.set(from, ack)
      return this.actor.send({ type: 'ANSWER' })
    }
    if (message.kind !== 'RegisterRefused' || !bytesEqual(message.payload.name, this.target.bytes)) return
    this.session.refuse(`register-put-${message.payload.reason}`)
    switch (message.payload.reason) {
      case 'NotHolder':
        this.session.forget(this.target)
        return this.stale()
      case 'Full':
        this.passedOver.add(from)
        return this.actor.send({ type: 'REPLACE' })
      case 'NotCreated':
      case 'UnknownParent':
        // A holder new to the register (churn: the others pass it on soon) gets what we read of it
        // with the write: it checks every operation, so this is repair, not trust.
        if (this.history.length > 0 && !this.#repaired.has(from) && this.history.length + this.ops.length <= MAX_OPS_PER_MESSAGE) {
          this.#repaired.add(from)
          this.session.counts.registerRepairs++
          return this.session.send([from], 'RegisterPut', { ops: [...this.history, ...this.ops] }, this.dst())
        }
        return this.actor.send({ type: 'CANCEL', reason: `${message.payload.reason}: ${message.payload.message}` })
      default:
        // The register refuses the operation itself (a writer, a signature, a parent): every holder would.
        return this.actor.send({ type: 'CANCEL', reason: `${message.payload.reason}: ${message.payload.message}` })
    }
  }

  succeed(): void {
    this.done({ ok: true, value: [...this.acks.values()] })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure })
  }
}

/** Reads a register's operations from one of its holders (page by page), falling back to the others. */
export class RegisterGetRequest extends ReadRequest {
  #ops: RegisterOp[] = []
  #notFound = 0
  readonly done: (outcome: Outcome<RegisterOp[]>) => void

  constructor(session: ClientSession, name: XorName, done: (outcome: Outcome<RegisterOp[]>) => void) {
    super(session, 'RegisterGet', name, 1)
    this.done = done
  }

  override located(): void {
    // Closest first: a register's newest writes reach its closest holders first.
    this.askInOrder(this.ranked)
  }

  send(): void {
    const holder = this.nextHolder()
    if (holder === undefined) return
    this.#ops = []
    this.session.send([holder.addr], 'RegisterGet', { from: 0 }, this.dst())
  }

  receive(from: string, message: Message): void {
    if (from !== this.asked) return
    if (message.kind === 'RegisterState') {
      const page = message.payload
      if (!bytesEqual(page.name, this.target.bytes) || page.from !== this.#ops.length) return
      this.#ops.push(...page.ops)
      if (page.ops.length > 0 && this.#ops.length < page.total) return this.session.send([from], 'RegisterGet', { from: this.#ops.length }, this.dst())
      return this.actor.send({ type: 'ANSWER' })
    }
    if (message.kind !== 'RegisterRefused' || !bytesEqual(message.payload.name, this.target.bytes)) return
    this.session.refuse(`register-get-${message.payload.reason}`)
    if (message.payload.reason === 'NotFound') this.#notFound++
    this.actor.send({ type: 'REPLACE' })
  }

  succeed(): void {
    this.done({ ok: true, value: this.#ops })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure: withNotFound(failure, this.#notFound) })
  }
}
