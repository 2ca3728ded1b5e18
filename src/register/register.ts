/**
 * Registers (issue 19; DESIGN.md §10): mutable data as a Merkle-register CRDT. A register is
 * addressed by its owner's key and a name; its policy `{owner, writers}` is fixed when the owner
 * creates it (a signed `create` operation). Each write is an entry: a value, the hashes of the
 * entries it supersedes (its parents), its author and the author's Ed25519 signature. Entries form
 * a DAG; the register's current value is its heads, the entries no other entry names as a parent.
 * Concurrent writes stay as several heads (branches) until a write names them all as parents and
 * merges them.
 *
 * Every holder checks every operation: signed by a writer of the policy, for this register, within
 * the bounds, and with parents the holder knows. An operation whose parents have not arrived yet is
 * held aside (bounded) and applied when they do, so replicas that saw the same operations in any
 * order hold the same register; one whose parents never arrive is never applied (a forged parent).
 * A client's write to a holder is stricter ({@link Register.accept}): unknown parents are refused.
 */
import { Schema } from 'effect'
import type { NodeKeypair} from '../crypto/index.ts';
import { bytesEqual, concatBytes, domain, NodePublicKey, sha3_256, toHex, u64be } from '../crypto/index.ts'
import { XorName } from '../xor/index.ts'

/** Bytes of one entry's value (a `safe://` address and a few fields fit many times over). */
export const MAX_VALUE_BYTES = 1024
/** Parents one entry names: the heads it merges. */
export const MAX_PARENTS = 16
/** Writers a policy names besides its owner. */
export const MAX_WRITERS = 64
/** Entries one register holds; past it writes are refused (`Full`). */
export const MAX_ENTRIES = 10_000
/** Operations held while their parents have not arrived; past it the oldest is dropped (counted). */
export const MAX_PENDING = 256
/** UTF-8 bytes of a register's name. */
export const MAX_NAME_BYTES = 256

const encoder = new TextEncoder()
const CREATE_TAG = domain('safenet/register/create/v1')
const ENTRY_TAG = domain('safenet/register/entry/v1')
const ADDRESS_TAG = domain('safenet/register/address/v1')

/** Why an operation was refused. */
export const RefusalReason = Schema.Literals(['BadSignature', 'NotWriter', 'WrongRegister', 'TooLarge', 'TooManyParents', 'UnknownParent', 'NotCreated', 'AlreadyCreated', 'Full', 'Malformed'])
export type RefusalReason = typeof RefusalReason.Type

/** An operation a holder (or a replica) will not apply, and why. */
export class RegisterOpRefused extends Schema.TaggedError<RegisterOpRefused>()('RegisterOpRefused', {
  reason: RefusalReason,
  /** The register's address, hex. */
  register: Schema.String,
  message: Schema.String,
}) {}

export interface RegisterAddress {
  /** The owner's Ed25519 public key (32 bytes). */
  readonly owner: Uint8Array
  readonly name: string
}

/** Where a register lives in XOR space: SHA3 over its owner and name. */
export function registerName(address: RegisterAddress): XorName {
  return XorName.fromBytes(sha3_256(ADDRESS_TAG, address.owner, encoder.encode(address.name)))
}

export interface RegisterPolicy {
  readonly owner: Uint8Array
  /** Keys that may write besides the owner. */
  readonly writers: ReadonlyArray<Uint8Array>
}

export interface RegisterEntry {
  readonly value: Uint8Array
  /** Hashes of the entries this one supersedes, sorted. */
  readonly parents: ReadonlyArray<Uint8Array>
  readonly author: Uint8Array
  readonly signature: Uint8Array
}

export type RegisterOp =
  | { readonly kind: 'create'; readonly address: RegisterAddress; readonly policy: RegisterPolicy; readonly signature: Uint8Array }
  | { readonly kind: 'write'; readonly address: RegisterAddress; readonly entry: RegisterEntry }

/** What {@link Register.apply} did with an operation. */
export type Applied = 'applied' | 'known' | 'pending'

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u64be(bytes.length), bytes)
}

function addressBytes(address: RegisterAddress): Uint8Array {
  return concatBytes(lengthPrefixed(address.owner), lengthPrefixed(encoder.encode(address.name)))
}

function sortBytes(list: ReadonlyArray<Uint8Array>): Uint8Array[] {
  return [...list].sort((a, b) => Buffer.compare(a, b))
}

/** What the owner signs to create a register. */
export function createBytes(address: RegisterAddress, policy: RegisterPolicy): Uint8Array {
  return concatBytes(CREATE_TAG, addressBytes(address), lengthPrefixed(policy.owner), u64be(policy.writers.length), ...sortBytes(policy.writers).map(lengthPrefixed))
}

/** What an author signs for an entry: the register, the value and the parents. */
export function entryBytes(address: RegisterAddress, value: Uint8Array, parents: ReadonlyArray<Uint8Array>): Uint8Array {
  return concatBytes(ENTRY_TAG, addressBytes(address), lengthPrefixed(value), u64be(parents.length), ...sortBytes(parents).map(lengthPrefixed))
}

/** An entry's hash: what children name it by (covers its author and signature too). */
export function entryHash(address: RegisterAddress, entry: RegisterEntry): Uint8Array {
  return sha3_256(entryBytes(address, entry.value, entry.parents), lengthPrefixed(entry.author), lengthPrefixed(entry.signature))
}

/** The owner's `create` operation for a new register. */
export function createOp(owner: NodeKeypair, name: string, writers: ReadonlyArray<Uint8Array> = []): Extract<RegisterOp, { kind: 'create' }> {
  const address = { owner: owner.publicKey.bytes, name }
  const policy = { owner: owner.publicKey.bytes, writers: sortBytes(writers) }
  return { kind: 'create', address, policy, signature: owner.sign(createBytes(address, policy)) }
}

/** A writer's `write` operation: `value` superseding `parents` (a register's heads, to merge them). */
export function writeOp(author: NodeKeypair, address: RegisterAddress, value: Uint8Array, parents: ReadonlyArray<Uint8Array>): Extract<RegisterOp, { kind: 'write' }> {
  const sorted = sortBytes(parents)
  return { kind: 'write', address, entry: { value, parents: sorted, author: author.publicKey.bytes, signature: author.sign(entryBytes(address, value, sorted)) } }
}

interface Node {
  readonly hash: Uint8Array
  readonly entry: RegisterEntry
}

/** One replica of a register: what a holder stores and a client reads. */
export class Register {
  readonly address: RegisterAddress
  readonly #hex: string
  #policy: RegisterPolicy | undefined
  #create: Extract<RegisterOp, { kind: 'create' }> | undefined
  readonly #entries = new Map<string, Node>()
  /** Entries some other entry names as a parent. */
  readonly #superseded = new Set<string>()
  /** Operations waiting for a parent (or for the create), by the hash of their entry. */
  readonly #pending = new Map<string, Extract<RegisterOp, { kind: 'write' }>>()
  /** Pending operations dropped past {@link MAX_PENDING}. */
  pendingDropped = 0
  /** Held operations refused once their parents arrived (an author not a writer; the register full). */
  heldRefused = 0

  constructor(address: RegisterAddress) {
    this.address = address
    this.#hex = registerName(address).toHex()
  }

  /** A replica from its create operation (checked). */
  static fromCreate(op: Extract<RegisterOp, { kind: 'create' }>): Register {
    const register = new Register(op.address)
    register.apply(op)
    return register
  }

  get policy(): RegisterPolicy | undefined {
    return this.#policy
  }

  get size(): number {
    return this.#entries.size
  }

  get pending(): number {
    return this.#pending.size
  }

  /** The current heads' hashes, sorted. */
  heads(): Uint8Array[] {
    return sortBytes([...this.#entries.values()].filter((n) => !this.#superseded.has(toHex(n.hash))).map((n) => n.hash))
  }

  /** The current value(s): the heads' entries, in hash order (one, unless writes branched). */
  read(): Array<{ readonly hash: Uint8Array; readonly entry: RegisterEntry }> {
    return this.heads().map((hash) => this.#entries.get(toHex(hash))!)
  }

  /** Every entry, parents before children (ties by hash): the register's history. */
  log(): Array<{ readonly hash: Uint8Array; readonly entry: RegisterEntry }> {
    const out: Node[] = []
    const done = new Set<string>()
    const visit = (node: Node): void => {
      const key = toHex(node.hash)
      if (done.has(key)) return
      done.add(key)
      for (const parent of node.entry.parents) visit(this.#entries.get(toHex(parent))!)
      out.push(node)
    }
    for (const node of [...this.#entries.values()].sort((a, b) => Buffer.compare(a.hash, b.hash))) visit(node)
    return out
  }

  /** Every applied operation, create first, in log order: what a replica sends another. */
  ops(): RegisterOp[] {
    return [...(this.#create === undefined ? [] : [this.#create]), ...this.log().map((n) => ({ kind: 'write' as const, address: this.address, entry: n.entry }))]
  }

  /**
   * Applies an operation from a replica (any order): `applied`, `known` (had it), or `pending` (a
   * parent, or the create, has not arrived). Throws {@link RegisterOpRefused} if it is not valid.
   */
  apply(op: RegisterOp): Applied {
    this.#checkAddress(op)
    if (op.kind === 'create') return this.#applyCreate(op)
    this.#checkEntry(op.entry)
    const hash = entryHash(this.address, op.entry)
    const key = toHex(hash)
    if (this.#entries.has(key)) return 'known'
    if (this.#policy === undefined || !this.#parentsKnown(op.entry)) {
      this.#hold(key, op)
      return 'pending'
    }
    this.#checkWriter(op.entry)
    this.#insert(hash, op.entry)
    this.#release()
    return 'applied'
  }

  /** A client's write to a holder: as {@link apply}, but a parent the holder does not know is refused. */
  accept(op: RegisterOp): Applied {
    if (op.kind === 'write' && this.#policy !== undefined) {
      this.#checkAddress(op)
      this.#checkEntry(op.entry)
      if (!this.#parentsKnown(op.entry)) this.#refuse('UnknownParent', 'a parent of this entry is not in the register')
    }
    return this.apply(op)
  }

  /** Takes in everything another replica holds. */
  merge(other: Register): void {
    for (const op of other.ops()) this.apply(op)
  }

  #applyCreate(op: Extract<RegisterOp, { kind: 'create' }>): Applied {
    const { policy } = op
    if (!bytesEqual(policy.owner, op.address.owner)) this.#refuse('Malformed', 'the policy names another owner than the address')
    if (policy.writers.length > MAX_WRITERS) this.#refuse('TooLarge', `a policy names at most ${MAX_WRITERS} writers`)
    if (!verifies(policy.owner, createBytes(op.address, policy), op.signature)) this.#refuse('BadSignature', "the create is not signed by the register's owner")
    if (this.#create !== undefined) {
      if (bytesEqual(this.#create.signature, op.signature) || bytesEqual(createBytes(this.address, this.#create.policy), createBytes(op.address, policy))) return 'known'
      this.#refuse('AlreadyCreated', 'the register exists with another policy')
    }
    this.#create = op
    this.#policy = { owner: policy.owner, writers: sortBytes(policy.writers) }
    this.#release()
    return 'applied'
  }

  #checkAddress(op: RegisterOp): void {
    if (encoder.encode(op.address.name).length > MAX_NAME_BYTES) this.#refuse('TooLarge', `a register's name is at most ${MAX_NAME_BYTES} bytes`)
    if (!bytesEqual(op.address.owner, this.address.owner) || op.address.name !== this.address.name) this.#refuse('WrongRegister', 'the operation is for another register')
  }

  #checkEntry(entry: RegisterEntry): void {
    if (entry.value.length > MAX_VALUE_BYTES) this.#refuse('TooLarge', `an entry's value is at most ${MAX_VALUE_BYTES} bytes, got ${entry.value.length}`)
    if (entry.parents.length > MAX_PARENTS) this.#refuse('TooManyParents', `an entry names at most ${MAX_PARENTS} parents, got ${entry.parents.length}`)
    if (new Set(entry.parents.map(toHex)).size !== entry.parents.length || entry.parents.some((p) => p.length !== 32)) this.#refuse('Malformed', "an entry's parents are distinct 32-byte hashes")
    if (!verifies(entry.author, entryBytes(this.address, entry.value, entry.parents), entry.signature)) this.#refuse('BadSignature', 'the entry is not signed by its author')
  }

  #checkWriter(entry: RegisterEntry): void {
    const policy = this.#policy!
    if (!bytesEqual(entry.author, policy.owner) && !policy.writers.some((w) => bytesEqual(w, entry.author))) this.#refuse('NotWriter', "the entry's author is not a writer of this register")
    if (this.#entries.size >= MAX_ENTRIES) this.#refuse('Full', `a register holds at most ${MAX_ENTRIES} entries`)
  }

  #parentsKnown(entry: RegisterEntry): boolean {
    return entry.parents.every((p) => this.#entries.has(toHex(p)))
  }

  #insert(hash: Uint8Array, entry: RegisterEntry): void {
    this.#entries.set(toHex(hash), { hash, entry })
    for (const parent of entry.parents) this.#superseded.add(toHex(parent))
  }

  #hold(key: string, op: Extract<RegisterOp, { kind: 'write' }>): void {
    if (this.#pending.has(key)) return
    if (this.#pending.size >= MAX_PENDING) {
      this.#pending.delete(this.#pending.keys().next().value!)
      this.pendingDropped++
    }
    this.#pending.set(key, op)
  }

  /** Applies held operations whose parents have arrived, until none can go. */
  #release(): void {
    if (this.#policy === undefined) return
    for (let progress = true; progress;) {
      progress = false
      for (const [key, op] of this.#pending) {
        if (!this.#parentsKnown(op.entry)) continue
        this.#pending.delete(key)
        try {
          this.#checkWriter(op.entry)
          this.#insert(entryHash(this.address, op.entry), op.entry)
          progress = true
        } catch (error) {
          if (!(error instanceof RegisterOpRefused)) throw error
          this.heldRefused++
        }
      }
    }
  }

  #refuse(reason: RefusalReason, message: string): never {
    throw new RegisterOpRefused({ reason, register: this.#hex, message })
  }
}

function verifies(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return NodePublicKey.fromBytes(key).verify(message, signature)
  } catch {
    return false
  }
}
