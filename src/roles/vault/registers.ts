/**
 * The vault's registers (issue 19; src/register): a member holds the registers whose names it is
 * among the closest members to, as it holds chunks. A client's put is checked op by op by the
 * register itself (signatures, writers, known parents), stored, acknowledged with the heads the
 * holder now has (signed), and passed to the register's other holders at once. On every
 * membership change, and at each sweep, a holder passes each register it holds to that register's
 * holders: the CRDT takes in what it lacks and ignores what it has, so copies converge and a new
 * holder gets the whole register.
 */
import { Result, Schema } from 'effect'
import { bytesEqual, toHex } from '../../crypto/index.ts'
import type { Member } from '../../consensus/index.ts'
import { signAck } from '../../register/ack.ts'
import { MAX_ENTRIES, Register, registerName, RegisterOpRefused, type RegisterOp } from '../../register/register.ts'
import type { NodeStore } from '../../store/index.ts'
import { decodeValue, encodeOwn, MAX_OPS_PER_MESSAGE, type PayloadOf, RegisterOpWire } from '../../wire/index.ts'
import { XorName } from '../../xor/index.ts'
import { dropOldest } from '../bounded.ts'
import type { NodeComponents } from '../shell/components.ts'

type Holder = Pick<Member, 'name' | 'addr' | 'publicKey'>

/** The store's namespace for registers: key the register's name, value its operations. */
const NAMESPACE = 'registers'
/** A register's operations as stored: the create and every entry. */
const StoredOps = Schema.Array(RegisterOpWire).check(Schema.isMaxLength(MAX_ENTRIES + 1))
/** Registers kept decoded in memory; the rest are read from the store when asked. */
export const MAX_CACHED_REGISTERS = 1_024
/** Registers passed to their holders per membership change or sweep (the rest at the next). */
export const MAX_REGISTERS_PER_RECONCILE = 1_024

export interface RegisterCounts {
  registersStored: number
  registerOpsApplied: number
  registerRefused: number
  registerSyncsSent: number
  /** Stored registers that did not decode (a damaged store): dropped from the cache, counted. */
  registerUnreadable: number
}

export interface RegisterHost {
  readonly c: NodeComponents
  /** The members a register's holders are chosen from, closest to `name` first. */
  ranked(name: XorName): Holder[]
  /** Our place among them (∞ when not a candidate). */
  rank(name: XorName, ranked: Holder[]): number
  readonly acceptRank: number
  sectionKey(): Uint8Array
}

export class RegisterHolder {
  readonly counts: RegisterCounts = { registersStored: 0, registerOpsApplied: 0, registerRefused: 0, registerSyncsSent: 0, registerUnreadable: 0 }
  readonly #host: RegisterHost
  readonly #store: NodeStore
  readonly #cache = new Map<string, Register>()
  #reconcileAfter: Uint8Array | undefined
  /** Registers in the store (counted here: status is read after the store may have closed). */
  #held: number

  constructor(host: RegisterHost, store: NodeStore) {
    this.#host = host
    this.#store = store
    this.#held = store.blobCount(NAMESPACE)
  }

  /** Registers this member holds. */
  get held(): number {
    return this.#held
  }

  /** A client stores operations of the register named `name`. */
  onPut(from: string, name: Uint8Array, ops: ReadonlyArray<RegisterOp>): void {
    const target = XorName.fromBytes(name)
    const ranked = this.#host.ranked(target)
    if (ops.length === 0) return this.#refuse(from, name, 'Malformed', 'a put carries at least one operation')
    if (ops.some((op) => !registerName(op.address).equals(target))) return this.#refuse(from, name, 'WrongRegister', 'an operation is for another register than the message is sent to')
    if (this.#host.rank(target, ranked) >= this.#host.acceptRank) return this.#refuse(from, name, 'NotHolder', 'not among the register\'s holders', ranked.slice(0, this.#host.acceptRank))
    const register = this.#load(name) ?? new Register(ops[0]!.address)
    const before = register.size
    const created = register.policy !== undefined
    try {
      for (const op of ops) register.accept(op)
    } catch (error) {
      if (!(error instanceof RegisterOpRefused)) throw error
      this.counts.registerRefused++
      if (register.policy !== undefined && (created || register.size > before)) this.#save(name, register, !created)
      return this.#refuse(from, name, error.reason, error.message)
    }
    if (register.policy === undefined) return this.#refuse(from, name, 'NotCreated', 'the register does not exist: create it first')
    this.counts.registerOpsApplied += register.size - before + (created ? 0 : 1)
    if (!created) this.counts.registersStored++
    this.#save(name, register, !created)
    const heads = register.heads()
    this.#host.c.send([from], 'RegisterAck', signAck(this.#host.c.env.wire.keypair, name, heads.slice(0, 64), register.size), { name, sectionKey: this.#host.sectionKey() })
    // The other holders get the operations now, not at the next membership change.
    this.#sync(target, ops, ranked)
  }

  /** A client (or a member) reads a register: a page of its operations in log order. */
  onGet(from: string, name: Uint8Array, start: number): void {
    const register = this.#load(name)
    if (register === undefined) {
      const target = XorName.fromBytes(name)
      const ranked = this.#host.ranked(target)
      const holder = this.#host.rank(target, ranked) < this.#host.acceptRank
      return this.#refuse(from, name, holder ? 'NotFound' : 'NotHolder', holder ? 'no such register here' : 'not among the register\'s holders', ranked.slice(0, this.#host.acceptRank))
    }
    const ops = register.ops()
    const page = ops.slice(start, start + MAX_OPS_PER_MESSAGE)
    this.#host.c.send([from], 'RegisterState', { name, from: start, total: ops.length, ops: page }, { name, sectionKey: this.#host.sectionKey() })
  }

  /** Another holder passes a register's operations (every op for one register). */
  onSync(ops: ReadonlyArray<RegisterOp>): void {
    if (ops.length === 0) return
    const name = registerName(ops[0]!.address)
    if (ops.some((op) => !registerName(op.address).equals(name))) return this.#host.c.refuse('register-sync-mixed')
    const register = this.#load(name.bytes) ?? new Register(ops[0]!.address)
    const before = register.size
    const created = register.policy !== undefined
    for (const op of ops) {
      try {
        register.apply(op)
      } catch (error) {
        if (!(error instanceof RegisterOpRefused)) throw error
        this.counts.registerRefused++
        this.#host.c.refuse(`register-sync-${error.reason}`)
      }
    }
    if (register.policy === undefined || (created && register.size === before)) return
    if (!created) this.counts.registersStored++
    this.counts.registerOpsApplied += register.size - before
    this.#save(name.bytes, register, !created)
  }

  /** Passes each register held (a slice of them) to its holders: after churn, and at each sweep. */
  reconcile(fresh: boolean): void {
    if (fresh) this.#reconcileAfter = undefined
    let passed = 0
    let last: Uint8Array | undefined
    for (const key of this.#store.blobKeys(NAMESPACE, this.#reconcileAfter)) {
      if (passed++ >= MAX_REGISTERS_PER_RECONCILE) break
      last = key
      const register = this.#load(key)
      if (register !== undefined) this.#sync(XorName.fromBytes(key), register.ops())
    }
    this.#reconcileAfter = passed > MAX_REGISTERS_PER_RECONCILE ? last : undefined
  }

  #sync(target: XorName, ops: ReadonlyArray<RegisterOp>, ranked = this.#host.ranked(target)): void {
    const holders = ranked.slice(0, this.#host.c.params.dataCopyCount).filter((h) => !h.name.equals(this.#host.c.name)).map((h) => h.addr)
    if (holders.length === 0) return
    for (let i = 0; i < ops.length; i += MAX_OPS_PER_MESSAGE) {
      this.counts.registerSyncsSent++
      this.#host.c.send(holders, 'RegisterSync', { ops: ops.slice(i, i + MAX_OPS_PER_MESSAGE) }, { name: target.bytes, sectionKey: this.#host.sectionKey() })
    }
  }

  #load(name: Uint8Array): Register | undefined {
    const key = toHex(name)
    const cached = this.#cache.get(key)
    if (cached !== undefined) return cached
    const bytes = this.#store.getBlob(NAMESPACE, name)
    if (bytes === undefined) return undefined
    const decoded = decodeValue(StoredOps, bytes)
    if (Result.isFailure(decoded) || decoded.success.length === 0) {
      this.counts.registerUnreadable++
      return undefined
    }
    const register = new Register(decoded.success[0]!.address)
    for (const op of decoded.success) {
      try {
        register.apply(op)
      } catch (error) {
        if (!(error instanceof RegisterOpRefused)) throw error
        this.counts.registerUnreadable++
      }
    }
    if (!bytesEqual(registerName(register.address).bytes, name)) {
      this.counts.registerUnreadable++
      return undefined
    }
    this.#remember(key, register)
    return register
  }

  /** Stores the register (`fresh`: new to this member). */
  #save(name: Uint8Array, register: Register, fresh: boolean): void {
    if (fresh) this.#held++
    this.#store.putBlob(NAMESPACE, name, encodeOwn(StoredOps, register.ops()))
    this.#remember(toHex(name), register)
  }

  #remember(key: string, register: Register): void {
    this.#cache.delete(key)
    this.#cache.set(key, register)
    dropOldest(this.#cache, MAX_CACHED_REGISTERS)
  }

  #refuse(to: string, name: Uint8Array, reason: PayloadOf<'RegisterRefused'>['reason'], message: string, holders: ReadonlyArray<Holder> = []): void {
    this.#host.c.refuse(`register-${reason}`)
    this.#host.c.send([to], 'RegisterRefused', { name, reason, message: message.slice(0, 256), holders: holders.map((m) => ({ name: m.name.bytes, publicKey: m.publicKey, addr: m.addr })) }, { name, sectionKey: this.#host.sectionKey() })
  }
}
