/**
 * One DKG session for one candidate set (DESIGN.md §7), as a participant runs it: Joint-Feldman
 * with every message signed by its sender's node key, so any participant can relay any message
 * to one that missed it (DKG anti-entropy).
 *
 *  1. Start: a supermajority of the current elders sends a matching DkgStart; sessionId =
 *     SHA3(prefix ‖ candidates ‖ generation ‖ chain length).
 *  2. Part: each candidate deals a degree-t polynomial: commitments to all, and to each
 *     candidate its share encrypted to that candidate's X25519 key (its Ed25519 key, mapped).
 *  3. Ack / complaint: each candidate checks its share from every dealer against the dealer's
 *     commitments and publishes its verdicts (one signed, cumulative vector). A dealer answers a
 *     complaint by revealing the accuser's share; everyone checks it against the commitments.
 *  4. Qualified set: every candidate — all dealers, every verdict good or answered. Requiring
 *     all makes every participant that completes derive the same key with no further agreement;
 *     a session that cannot get there (a silent candidate, an equivocating or lying dealer) is
 *     abandoned at its deadline, names who did not take part, and a new session starts without
 *     them (decided by the generation agreement, so all elders restart the same way).
 *  5. Complete: own key share = Σ shares; the key set = Σ commitments.
 *
 * Pure: no I/O, no clock. Methods return the bundles to broadcast; the machine and runtime send.
 */
import {
  combineQualified,
  concatBytes,
  decodeDealtShare,
  deal,
  decryptShare,
  type Dealing,
  domain,
  encodeDealtShare,
  encryptDealtShare,
  InvalidEncoding,
  type NodeKeypair,
  type NodePublicKey,
  openDealtShare,
  PublicKeySet,
  SCALAR_ORDER,
  type SecretKeyShare,
  sha3_256,
  toHex,
  u64be,
  verifyDealtShare,
} from '../crypto/index.ts'
import type { DkgAckWire, DkgCatchUpWire, DkgJustificationWire, DkgMessagesWire, DkgPartWire, DkgStartWire } from '../wire/index.ts'
import { Prefix, XorName } from '../xor/index.ts'

const SESSION_DOMAIN = domain('safenet/dkg-session/v1')
const START_DOMAIN = domain('safenet/dkg-start/v1')
const PART_DOMAIN = domain('safenet/dkg-part/v1')
const ACK_DOMAIN = domain('safenet/dkg-ack/v1')
const JUSTIFICATION_DOMAIN = domain('safenet/dkg-justification/v1')

/** sessionId = SHA3(prefix ‖ candidates ‖ generation ‖ chain length) (DESIGN.md §7). */
export function dkgSessionId(prefix: Prefix, candidates: ReadonlyArray<Uint8Array>, generation: number, chainLength: number): Uint8Array {
  return sha3_256(SESSION_DOMAIN, u64be(prefix.bitCount), prefix.name.bytes, u64be(candidates.length), ...candidates, u64be(generation), u64be(chainLength))
}

export function startSigningBytes(start: Omit<DkgStartWire, 'signature'>): Uint8Array {
  return concatBytes(START_DOMAIN, start.sessionId, u64be(start.elder))
}

function partSigningBytes(part: Omit<DkgPartWire, 'signature'>): Uint8Array {
  return concatBytes(PART_DOMAIN, part.sessionId, u64be(part.dealer), sha3_256(part.commitments), ...part.shares)
}

function ackSigningBytes(ack: Omit<DkgAckWire, 'signature'>): Uint8Array {
  const entries = ack.entries.map((e) => concatBytes(u64be(e.dealer), e.commitments, Uint8Array.of(e.ok ? 1 : 0)))
  return concatBytes(ACK_DOMAIN, ack.sessionId, u64be(ack.participant), u64be(ack.entries.length), ...entries)
}

/** Identity of a signed verdict vector: what was signed and the signature. */
function ackHash(ack: DkgAckWire): Uint8Array {
  return sha3_256(ackSigningBytes(ack), ack.signature)
}

function justificationSigningBytes(j: Omit<DkgJustificationWire, 'signature'>): Uint8Array {
  return concatBytes(JUSTIFICATION_DOMAIN, j.sessionId, u64be(j.dealer), u64be(j.accuser), j.share)
}

/** Binds an encrypted share to its session, dealer and recipient. */
function shareContext(sessionId: Uint8Array, dealer: number, recipient: number): Uint8Array {
  return concatBytes(sessionId, u64be(dealer), u64be(recipient))
}

export function signDkgStart(keypair: NodeKeypair, start: Omit<DkgStartWire, 'signature'>): DkgStartWire {
  return { ...start, signature: keypair.sign(startSigningBytes(start)) }
}

/** Misbehaviour a Byzantine participant can be given, for the simulator's adversaries. */
export interface DkgMisbehaviour {
  /** Deal shares that do not match the commitments to these participants, and never answer for them. */
  readonly badSharesTo?: ReadonlySet<number>
  /** Complain about every dealer, honest or not. */
  readonly complainAboutAll?: boolean
}

export interface DkgSessionOptions {
  readonly sessionId: Uint8Array
  /** Candidates in index order (index = share index). */
  readonly candidates: ReadonlyArray<NodePublicKey>
  readonly self: number
  readonly keypair: NodeKeypair
  readonly threshold: number
  readonly randomBytes: (length: number) => Uint8Array
  /** Checking shares against commitments; off only to show that the checker catches it. */
  readonly checkShares?: boolean
  readonly misbehaviour?: DkgMisbehaviour
}

export type DkgRejection = 'wrong-session' | 'unknown-sender' | 'bad-signature' | 'malformed' | 'wrong-threshold' | 'bad-justification'

export interface DkgResult {
  readonly publicKeySet: PublicKeySet
  readonly secretKeyShare: SecretKeyShare
}

/** Why a candidate is named when a session is abandoned. */
export type NonParticipation = 'no-part' | 'equivocated' | 'unanswered-complaint' | 'missing-verdicts' | 'bad-justification'

export class DkgSession {
  readonly sessionId: Uint8Array
  readonly self: number
  readonly n: number
  readonly threshold: number
  readonly #candidates: ReadonlyArray<NodePublicKey>
  readonly #keypair: NodeKeypair
  readonly #random: (length: number) => Uint8Array
  readonly #checkShares: boolean
  readonly #misbehaviour: DkgMisbehaviour
  readonly #hex: string

  #dealing: Dealing | undefined
  readonly #parts = new Map<number, { wire: DkgPartWire; commitments: PublicKeySet; hash: string }>()
  readonly #equivocators = new Set<number>()
  /** The second Part of an equivocating dealer, relayed in catch-up as evidence. */
  readonly #conflicts = new Map<number, DkgPartWire>()
  readonly #myShares = new Map<number, bigint>()
  /** Verdicts by participant, then dealer: the commitments they judged and whether the share was good. */
  readonly #verdicts = new Map<number, Map<number, { hash: string; ok: boolean }>>()
  /** The largest signed verdict vector seen from each participant (what we relay). */
  readonly #ackWires = new Map<number, DkgAckWire>()
  readonly #lyingAckers = new Set<number>()
  /** Verdict vectors already processed, by hash of what was signed and the signature. */
  readonly #seenAcks = new Set<string>()
  /** A second, conflicting verdict vector of a participant: evidence we relay. */
  readonly #ackConflicts = new Map<number, DkgAckWire>()
  /** Justifications that failed the commitments check: evidence against their dealer, relayed. */
  readonly #badJustifications = new Map<string, DkgJustificationWire>()
  readonly #justifications = new Map<string, DkgJustificationWire>()
  readonly #badJustifiers = new Set<number>()
  #myAck: DkgAckWire | undefined
  #result: DkgResult | undefined
  readonly stats: { rejected: Partial<Record<DkgRejection, number>> } = { rejected: {} }

  constructor(options: DkgSessionOptions) {
    this.sessionId = options.sessionId
    this.#hex = toHex(options.sessionId)
    this.self = options.self
    this.#candidates = options.candidates
    this.n = options.candidates.length
    this.threshold = options.threshold
    this.#keypair = options.keypair
    this.#random = options.randomBytes
    this.#checkShares = options.checkShares ?? true
    this.#misbehaviour = options.misbehaviour ?? {}
  }

  get result(): DkgResult | undefined {
    return this.#result
  }

  get started(): boolean {
    return this.#dealing !== undefined
  }

  /** Deals our polynomial and returns our Part (and our first verdicts) to broadcast. */
  start(): Bundle {
    if (this.#dealing !== undefined) return this.gossip()
    const dealing = deal(this.threshold, this.n, this.#random)
    this.#dealing = dealing
    const shares = this.#candidates.map((candidate, recipient) => {
      if (this.#misbehaviour.badSharesTo?.has(recipient) === true) {
        const wrong = (dealing.shares[recipient]! + 1n) % SCALAR_ORDER
        return encryptDealtShare({ ...dealing, shares: dealing.shares.map((s, i) => (i === recipient ? wrong : s)) }, recipient, candidate.encryptionKey(), shareContext(this.sessionId, this.self, recipient), this.#random)
      }
      return encryptDealtShare(dealing, recipient, candidate.encryptionKey(), shareContext(this.sessionId, this.self, recipient), this.#random)
    })
    const unsigned = { sessionId: this.sessionId, dealer: this.self, commitments: dealing.commitments.toBytes(), shares }
    const part: DkgPartWire = { ...unsigned, signature: this.#keypair.sign(partSigningBytes(unsigned)) }
    const out = emptyBundle()
    this.#acceptPart(part, out)
    out.parts.push(part)
    this.#flushAck(out)
    // Everything else may have come before we dealt (a late DkgStart): then we are done now.
    this.#tryComplete()
    return out
  }

  /** Handles relayed or direct messages; returns what we must broadcast in answer. */
  receive(bundle: DkgMessagesWire): Bundle {
    const out = emptyBundle()
    for (const part of bundle.parts) this.#acceptPart(part, out)
    for (const ack of bundle.acks) this.#acceptAck(ack, out)
    for (const justification of bundle.justifications) this.#acceptJustification(justification)
    this.#flushAck(out)
    this.#tryComplete()
    return out
  }

  /** Our own messages again, for peers that lost them. */
  gossip(): Bundle {
    const out = emptyBundle()
    const own = this.#parts.get(this.self)
    if (own !== undefined) out.parts.push(own.wire)
    if (this.#myAck !== undefined) out.acks.push(this.#myAck)
    for (const j of this.#justifications.values()) if (j.dealer === this.self) out.justifications.push(j)
    out.acks.push(...this.#ackConflicts.values())
    out.justifications.push(...this.#badJustifications.values())
    return out
  }

  /** What we hold, for a peer to answer with what we lack. */
  catchUpRequest(): DkgCatchUpWire {
    return {
      sessionId: this.sessionId,
      parts: [...this.#parts.entries()].map(([dealer, part]) => ({ dealer, commitments: Buffer.from(part.hash, 'hex') })),
      acks: [...this.#ackWires.entries()].map(([participant, ack]) => ({ participant, entries: ack.entries.length, hash: ackHash(ack) })),
      justifications: [...this.#justifications.values(), ...this.#badJustifications.values()].map((j) => ({ dealer: j.dealer, accuser: j.accuser })),
    }
  }

  /** The messages a peer lacks, given what it says it holds; undefined when it lacks nothing. */
  answerCatchUp(request: DkgCatchUpWire): Bundle | undefined {
    if (toHex(request.sessionId) !== this.#hex) return undefined
    const haveParts = new Map(request.parts.map((p) => [p.dealer, toHex(p.commitments)]))
    const haveAcks = new Map(request.acks.map((a) => [a.participant, toHex(a.hash)]))
    const haveJustifications = new Set(request.justifications.map((j) => `${j.dealer}/${j.accuser}`))
    const out = emptyBundle()
    // Parts it lacks, and ours where it holds another version of the same dealer's (evidence).
    for (const [dealer, part] of this.#parts) if (haveParts.get(dealer) !== part.hash) out.parts.push(part.wire)
    for (const [dealer, conflict] of this.#conflicts) if (haveParts.has(dealer)) out.parts.push(conflict)
    for (const [participant, ack] of this.#ackWires) {
      const theirs = haveAcks.get(participant)
      if (theirs !== toHex(ackHash(ack))) out.acks.push(ack)
      // They hold another vector than ours: if we know of a conflict, that is the evidence.
      const conflict = this.#ackConflicts.get(participant)
      if (theirs !== undefined && conflict !== undefined && theirs !== toHex(ackHash(conflict))) out.acks.push(conflict)
    }
    for (const [key, j] of [...this.#justifications, ...this.#badJustifications]) if (!haveJustifications.has(key)) out.justifications.push(j)
    return out.parts.length + out.acks.length + out.justifications.length === 0 ? undefined : out
  }

  /** Checks a DkgStart from current elder `elder` (by the runtime's roster of current elders). */
  static verifyStart(start: DkgStartWire, currentElders: ReadonlyArray<NodePublicKey | undefined>): boolean {
    const key = currentElders[start.elder]
    if (key === undefined) return false
    // The session id must be what the fields say, so signing the id signs them all.
    const prefix = Prefix.of(XorName.fromBytes(start.prefix.name), start.prefix.bitCount)
    const expected = dkgSessionId(prefix, start.candidates, start.generation, start.chainLength)
    if (toHex(expected) !== toHex(start.sessionId) || !key.verify(startSigningBytes(start), start.signature)) return false
    // Candidates' keys, when given, must be the keys their names are hashes of.
    if (start.keys.length === 0) return true
    return start.keys.length === start.candidates.length && start.addrs.length === start.candidates.length
      && start.keys.every((k, i) => toHex(sha3_256(k)) === toHex(start.candidates[i]!))
  }

  /**
   * Dealers whose Part we hold, whose share to us we could use, and that every candidate judged
   * (well, or answered with a justification): the set a key can be combined from.
   */
  qualifiedDealers(): number[] {
    if (this.#equivocators.size > 0 || this.#badJustifiers.size > 0) return []
    return [...Array(this.n).keys()].filter((dealer) => {
      const part = this.#parts.get(dealer)
      if (part === undefined || !this.#myShares.has(dealer)) return false
      for (let participant = 0; participant < this.n; participant++) {
        const verdict = this.#verdicts.get(participant)?.get(dealer)
        if (verdict === undefined || verdict.hash !== part.hash) return false
        if (!verdict.ok && !this.#justifications.has(`${dealer}/${participant}`)) return false
      }
      return true
    })
  }

  /** Who kept this session from completing, as far as we can tell now, and why. */
  nonParticipants(): Map<number, NonParticipation> {
    const named = new Map<number, NonParticipation>()
    for (let dealer = 0; dealer < this.n; dealer++) {
      if (this.#equivocators.has(dealer)) named.set(dealer, 'equivocated')
      else if (this.#badJustifiers.has(dealer)) named.set(dealer, 'bad-justification')
      else if (!this.#parts.has(dealer)) named.set(dealer, 'no-part')
    }
    for (let participant = 0; participant < this.n; participant++) {
      if (this.#lyingAckers.has(participant) && !named.has(participant)) named.set(participant, 'equivocated')
    }
    for (const [dealer, part] of this.#parts) {
      if (named.has(dealer)) continue
      for (let participant = 0; participant < this.n; participant++) {
        const verdict = this.#verdicts.get(participant)?.get(dealer)
        if (verdict === undefined || verdict.hash !== part.hash) {
          if (!named.has(participant)) named.set(participant, 'missing-verdicts')
        } else if (!verdict.ok && !this.#justifications.has(`${dealer}/${participant}`)) {
          named.set(dealer, 'unanswered-complaint')
        }
      }
    }
    return named
  }

  // --- internals -------------------------------------------------------------------------------

  #reject(reason: DkgRejection): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1
  }

  #acceptPart(part: DkgPartWire, out: Bundle): void {
    if (toHex(part.sessionId) !== this.#hex) return this.#reject('wrong-session')
    const dealerKey = this.#candidates[part.dealer]
    if (dealerKey === undefined) return this.#reject('unknown-sender')
    if (part.shares.length !== this.n) return this.#reject('malformed')
    const hash = toHex(sha3_256(part.commitments))
    const known = this.#parts.get(part.dealer)
    if (known !== undefined && known.hash === hash) return
    if (!dealerKey.verify(partSigningBytes(part), part.signature)) return this.#reject('bad-signature')
    if (known !== undefined) {
      // Two signed Parts with different commitments: proof the dealer equivocated. Both go out,
      // so a peer holding either version learns of the other.
      if (!this.#equivocators.has(part.dealer)) {
        this.#equivocators.add(part.dealer)
        this.#conflicts.set(part.dealer, part)
        out.parts.push(known.wire, part)
      }
      return
    }
    let commitments: PublicKeySet
    try {
      commitments = PublicKeySet.fromBytes(part.commitments)
    } catch (error) {
      if (error instanceof InvalidEncoding) return this.#reject('malformed')
      throw error
    }
    if (commitments.threshold !== this.threshold) return this.#reject('wrong-threshold')
    this.#parts.set(part.dealer, { wire: part, commitments, hash })

    const context = shareContext(this.sessionId, part.dealer, this.self)
    let ok: boolean
    if (this.#checkShares) {
      const check = openDealtShare(this.#keypair.encryptionKeypair(), this.self, commitments, part.shares[this.self]!, context)
      ok = check.ok
      if (check.ok) this.#myShares.set(part.dealer, check.share)
    } else {
      // Weakened: any share that decrypts is taken as good (tests show the checker catches it).
      const check = openDealtShare(this.#keypair.encryptionKeypair(), this.self, commitments, part.shares[this.self]!, context)
      ok = check.ok || check.reason === 'not-committed'
      if (ok) this.#myShares.set(part.dealer, check.ok ? check.share : this.#unverifiedShare(part, context))
    }
    if (this.#misbehaviour.complainAboutAll === true && part.dealer !== this.self) ok = false
    this.#recordVerdict(this.self, part.dealer, hash, ok)
    // A justification that came before the Part can be judged now.
    for (const j of [...this.#justifications.values()]) if (j.dealer === part.dealer) this.#judgeJustification(j)
  }

  #unverifiedShare(part: DkgPartWire, context: Uint8Array): bigint {
    const ciphertext = part.shares[this.self]!
    // Decrypt without the Feldman check: only in the weakened mode.
    const plaintext = decryptShare(this.#keypair.encryptionKeypair(), ciphertext, context)
    return decodeDealtShare(plaintext)
  }

  #recordVerdict(participant: number, dealer: number, hash: string, ok: boolean): boolean {
    let verdicts = this.#verdicts.get(participant)
    if (verdicts === undefined) this.#verdicts.set(participant, (verdicts = new Map<number, { hash: string; ok: boolean }>()))
    const previous = verdicts.get(dealer)
    if (previous !== undefined) {
      if (previous.hash !== hash || previous.ok !== ok) this.#lyingAckers.add(participant)
      return false
    }
    verdicts.set(dealer, { hash, ok })
    return true
  }

  #acceptAck(ack: DkgAckWire, out: Bundle): void {
    if (toHex(ack.sessionId) !== this.#hex) return this.#reject('wrong-session')
    const key = this.#candidates[ack.participant]
    if (key === undefined) return this.#reject('unknown-sender')
    if (ack.participant === this.self) return
    // A participant caught with two vectors has given its evidence; nothing more from it counts.
    if (this.#ackConflicts.has(ack.participant)) return
    for (let i = 1; i < ack.entries.length; i++) if (ack.entries[i - 1]!.dealer >= ack.entries[i]!.dealer) return this.#reject('malformed')
    if (ack.entries.some((e) => e.dealer >= this.n)) return this.#reject('malformed')
    const id = toHex(ackHash(ack))
    if (this.#seenAcks.has(id)) return
    if (!key.verify(ackSigningBytes(ack), ack.signature)) return this.#reject('bad-signature')
    this.#seenAcks.add(id)
    const lyingBefore = this.#lyingAckers.has(ack.participant)
    for (const entry of ack.entries) {
      this.#recordVerdict(ack.participant, entry.dealer, toHex(entry.commitments), entry.ok)
      // A complaint against us, in any vector we see: answer it by revealing the accuser's share.
      if (!entry.ok && entry.dealer === this.self && this.#dealing !== undefined && this.#misbehaviour.badSharesTo === undefined) {
        const justificationKey = `${this.self}/${ack.participant}`
        if (!this.#justifications.has(justificationKey) && toHex(entry.commitments) === this.#parts.get(this.self)?.hash) {
          const unsigned = { sessionId: this.sessionId, dealer: this.self, accuser: ack.participant, share: encodeDealtShare(this.#dealing.shares[ack.participant]!) }
          const justification = { ...unsigned, signature: this.#keypair.sign(justificationSigningBytes(unsigned)) }
          this.#justifications.set(justificationKey, justification)
          out.justifications.push(justification)
        }
      }
    }
    if (!lyingBefore && this.#lyingAckers.has(ack.participant)) {
      // Two signed vectors that disagree: keep and pass on both, so every peer sees the conflict.
      this.#ackConflicts.set(ack.participant, ack)
      const held = this.#ackWires.get(ack.participant)
      out.acks.push(ack)
      if (held !== undefined) out.acks.push(held)
      return
    }
    const held = this.#ackWires.get(ack.participant)
    if (held === undefined || held.entries.length < ack.entries.length) this.#ackWires.set(ack.participant, ack)
  }

  #acceptJustification(j: DkgJustificationWire): void {
    if (toHex(j.sessionId) !== this.#hex) return this.#reject('wrong-session')
    const key = this.#candidates[j.dealer]
    if (key === undefined || j.accuser >= this.n) return this.#reject('unknown-sender')
    const id = `${j.dealer}/${j.accuser}`
    if (this.#justifications.has(id) || this.#badJustifications.has(id)) return
    if (!key.verify(justificationSigningBytes(j), j.signature)) return this.#reject('bad-signature')
    this.#justifications.set(id, j)
    if (this.#parts.has(j.dealer)) this.#judgeJustification(j)
  }

  /** A revealed share must match the dealer's commitments; if it does and it is ours, we use it. */
  #judgeJustification(j: DkgJustificationWire): void {
    const part = this.#parts.get(j.dealer)
    if (part === undefined) return
    let share: bigint
    try {
      share = decodeDealtShare(j.share)
    } catch {
      share = -1n
    }
    if (share < 0n || !verifyDealtShare(part.commitments, j.accuser, share)) {
      this.#justifications.delete(`${j.dealer}/${j.accuser}`)
      this.#badJustifications.set(`${j.dealer}/${j.accuser}`, j)
      this.#badJustifiers.add(j.dealer)
      this.#reject('bad-justification')
      return
    }
    if (j.accuser === this.self) this.#myShares.set(j.dealer, share)
  }

  /** Signs and queues our verdict vector when it grew. */
  #flushAck(out: Bundle): void {
    const verdicts = this.#verdicts.get(this.self)
    if (verdicts === undefined || verdicts.size === (this.#myAck?.entries.length ?? 0)) return
    const entries = [...verdicts.entries()].sort((a, b) => a[0] - b[0])
      .map(([dealer, v]) => ({ dealer, commitments: Buffer.from(v.hash, 'hex'), ok: v.ok }))
    const unsigned = { sessionId: this.sessionId, participant: this.self, entries }
    this.#myAck = { ...unsigned, signature: this.#keypair.sign(ackSigningBytes(unsigned)) }
    out.acks.push(this.#myAck)
  }

  #tryComplete(): void {
    if (this.#result !== undefined || this.#dealing === undefined) return
    // Every candidate deals here (threshold + 1 ≤ n): all must qualify.
    if (this.qualifiedDealers().length < this.n) return
    this.#result = combineQualified(this.self, [...Array(this.n).keys()].map((dealer) => ({
      commitments: this.#parts.get(dealer)!.commitments,
      share: this.#myShares.get(dealer)!,
    })))
  }
}

/** DKG messages to send: what a `DkgMessages` payload carries. */
export interface Bundle {
  parts: DkgPartWire[]
  acks: DkgAckWire[]
  justifications: DkgJustificationWire[]
}

function emptyBundle(): Bundle {
  return { parts: [], acks: [], justifications: [] }
}
