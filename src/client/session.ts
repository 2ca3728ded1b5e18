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
import type { RegisterAck } from '../register/ack.ts'
import type { RegisterOp } from '../register/register.ts'
import { nameXor } from '../register/names.ts'
import { spendName } from '../dbc/dbc.ts'
import { RegisterGetRequest, RegisterPutRequest } from './register-requests.ts'
import { Result } from 'effect'
import type { NetworkParameters } from '../consensus/index.ts'
import { bytesEqual, type NodeKeypair, type NodePublicKey, toHex } from '../crypto/index.ts'
import type { CheckedChunk } from '../data/index.ts'
import { decodeSapAndChain, routeFor, SectionTree, type SignedSap } from '../knowledge/index.ts'
import type { Clock } from '../transport/clock.ts'
import type { Transport } from '../transport/transport.ts'
import { clientAuthority, decode, decodeEnvelope, type Dst, type Kind, type Message, type PayloadOf, seal, verifyPeerAuthority } from '../wire/index.ts'
import { XorName } from '../xor/index.ts'
import { GetRequest, MembersRequest, type Outcome, prefixOf, ProbeRequest, PutRequest, type Request, type Section } from './requests.ts'

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
  /** A read: how many holders answered that they do not have it (absent if none did). */
  readonly notFound?: number
}

/** Counts for the simulator's report, benchmarks and progress lines. */
export interface ClientCounts {
  sent: number
  bounces: number
  membersQueries: number
  retries: number
  /** Register writes resent with the register's history to a holder that lacked it. */
  registerRepairs: number
  refused: Record<string, number>
}

export class ClientSession {
  readonly env: ClientEnv
  readonly tree: SectionTree
  readonly timing: ClientTiming
  readonly counts: ClientCounts = { sent: 0, bounces: 0, membersQueries: 0, retries: 0, registerRepairs: 0, refused: {} }
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

  /** Stores register operations (all for the register named `name`) with its holders; `done` gets their acknowledgements. */
  putRegister(name: XorName, ops: ReadonlyArray<RegisterOp>, done: (outcome: Outcome<RegisterAck[]>) => void, history: ReadonlyArray<RegisterOp> = []): void {
    new RegisterPutRequest(this, name, ops, history, done).start()
  }

  /** Reads a register's operations (create first) from one of its holders. */
  getRegister(name: XorName, done: (outcome: Outcome<RegisterOp[]>) => void): void {
    new RegisterGetRequest(this, name, done).start()
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
      case 'RegisterAck':
        return this.#route(`RegisterPut:${toHex(message.payload.name)}`, from, message, sender.success)
      case 'RegisterState':
        return this.#route(`RegisterGet:${toHex(message.payload.name)}`, from, message, sender.success)
      case 'RegisterRefused': {
        const name = toHex(message.payload.name)
        this.#route(`RegisterPut:${name}`, from, message, sender.success)
        return this.#route(`RegisterGet:${name}`, from, message, sender.success)
      }
      case 'NameAnswer': {
        const name = nameXor(message.payload.name).toHex()
        this.#route(`NameRegister:${name}`, from, message, sender.success)
        return this.#route(`NameLookup:${name}`, from, message, sender.success)
      }
      case 'SpendAnswer':
        return this.#route(`SpendWrite:${spendName(message.payload.spendKey).toHex()}`, from, message, sender.success)
      case 'ReissueAnswer':
        return this.#route('ReissueRequest:', from, message, sender.success, (key) => key.startsWith('ReissueRequest:'))
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
    const requests = [...(this.#requests.get(`${bouncedKind}:${toHex(dst.name)}`) ?? [])]
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
        for (const request of requests) request.passOver(from)
        return
      }
    }
    // The bounced request finds its section again, under what the bounce taught us.
    this.refuse(kind)
    for (const request of requests) request.stale()
  }
}
