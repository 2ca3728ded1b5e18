/**
 * NRS requests of a client (issue 19; src/register/names.ts), each driven by its client-aggregator
 * actor: a claim of a name, or a lookup of its owner, sent to every elder of the name's section.
 * Each elder answers with its share of the section key's signature over the record `name → owner`
 * of the name's first decided claim; the client combines a supermajority of shares for one owner
 * into the record (a share that does not verify is named and left out: Byzantine elders can sign
 * anything, but never reach a supermajority alone). A claim the section is still deciding is
 * answered `Pending`; the share follows once it is decided.
 */
import { type BlsSignature, CombineFailed, type NodePublicKey, SignatureShare, supermajority, toHex } from '../crypto/index.ts'
import { decodeSapAndChain, type ProofChain, routeFor, type SignedSap } from '../knowledge/index.ts'
import { nameXor, recordBytes } from '../register/names.ts'
import type { Message, PayloadOf } from '../wire/index.ts'
import { Request, type Outcome } from './requests.ts'
import type { ClientSession, RequestFailure } from './session.ts'

/** A name's record: its owner, signed by the key of the section that decided it, with that key's SAP and chain. */
export interface NameRecord {
  readonly name: string
  readonly owner: Uint8Array
  readonly sap: SignedSap
  readonly chain: ProofChain
  readonly signature: BlsSignature
}

export type NameClaim = PayloadOf<'NameRegister'>

export class NameRequest extends Request {
  readonly name: string
  readonly claim: NameClaim | undefined
  readonly done: (outcome: Outcome<NameRecord | undefined>) => void
  #elders: string[] = []
  /** Shares by `section key hex/owner hex`, by elder index. */
  readonly #shares = new Map<string, Map<number, { share: SignatureShare; signer: string }>>()
  readonly #unknown = new Set<string>()
  readonly #shared = new Set<string>()
  #record: NameRecord | undefined

  /** A claim of `claim.name` when `claim` is given, else a lookup of `name`'s owner. */
  constructor(session: ClientSession, name: string, claim: NameClaim | undefined, done: NameRequest['done']) {
    super(session, claim === undefined ? 'NameLookup' : 'NameRegister', nameXor(name), 1)
    this.name = name
    this.claim = claim
    this.done = done
  }

  locate(): void {
    const sap = routeFor(this.session.tree, this.target)
    if (sap === undefined) return
    this.#elders = sap.sap.elders.map((e) => e.addr)
    this.#unknown.clear()
    this.actor.send({ type: 'LOCATED' })
  }

  send(): void {
    const dst = { name: this.target.bytes, sectionKey: routeFor(this.session.tree, this.target)!.sap.sectionKey().toBytes() }
    const to = this.#elders.filter((addr) => !this.#shared.has(addr))
    if (this.claim === undefined) this.session.send(to, 'NameLookup', { name: this.name }, dst)
    else this.session.send(to, 'NameRegister', this.claim, dst)
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    if (message.kind !== 'NameAnswer' || message.payload.name !== this.name || this.finished) return
    const answer = message.payload.answer
    switch (answer._tag) {
      case 'Pending':
        return
      case 'Unknown':
        // Counted from the elders we asked only.
        if (!this.#elders.includes(from)) return this.session.refuse('name-unknown-not-elder')
        this.#unknown.add(from)
        // A supermajority of elders decided no claim of the name: it is not registered.
        if (this.#unknown.size >= supermajority(Math.max(1, this.#elders.length))) this.actor.send({ type: 'ANSWER' })
        return
      case 'Refused':
        this.session.refuse(`name-${answer.reason}`)
        if (answer.reason === 'BadName' || answer.reason === 'BadSignature') return this.actor.send({ type: 'CANCEL', reason: `the elders refused: ${answer.message}` })
        if (answer.reason === 'NotOurs') return this.stale()
        return
      case 'Share':
        return this.#onShare(from, sender, answer)
    }
  }

  #onShare(from: string, sender: NodePublicKey, answer: Extract<PayloadOf<'NameAnswer'>['answer'], { _tag: 'Share' }>): void {
    const decoded = decodeSapAndChain(answer)
    if (decoded === undefined) return this.session.refuse('name-bad-sap')
    const { sap, chain } = decoded
    if (this.session.tree.update(sap, chain).status === 'rejected') return this.session.refuse('name-sap-rejected')
    if (!sap.sap.prefix.matches(this.target)) return this.session.refuse('name-wrong-section')
    // A share is its elder's only: the sender (its node key signed the frame) is the SAP's elder at that index.
    if (sap.sap.elders[answer.index]?.name.equals(sender.name) !== true) return this.session.refuse('name-share-not-its-elder')
    const keySet = sap.sap.publicKeySet
    const id = `${toHex(sap.sap.sectionKey().toBytes())}/${toHex(answer.owner)}`
    let shares = this.#shares.get(id)
    if (shares === undefined) this.#shares.set(id, (shares = new Map<number, { share: SignatureShare; signer: string }>()))
    let share: SignatureShare
    try {
      share = SignatureShare.fromBytes(answer.share)
    } catch {
      return this.session.refuse('name-bad-share')
    }
    if (shares.has(answer.index)) return
    shares.set(answer.index, { share, signer: from })
    this.#shared.add(from)
    if (shares.size < keySet.threshold + 1) return
    const message = recordBytes(this.name, answer.owner)
    try {
      const combined = keySet.combine(message, [...shares].map(([index, s]) => ({ index, share: s.share, signer: s.signer })))
      if (combined.badSigners.length > 0) this.session.refuse('name-bad-share')
      this.#record = { name: this.name, owner: Uint8Array.from(answer.owner), sap, chain, signature: combined.signature }
      this.actor.send({ type: 'ANSWER' })
    } catch (error) {
      if (!(error instanceof CombineFailed)) throw error
      // Bad shares (a Byzantine elder's): dropped, the next good one completes the record.
      for (const [index, s] of shares) if (error.badSigners.includes(s.signer)) shares.delete(index)
      this.session.refuse('name-bad-share')
    }
  }

  succeed(): void {
    this.done({ ok: true, value: this.#record })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure })
  }
}

/** Whether `record` is valid: its section's key signed it, and the key's SAP covered the name. */
export function verifyNameRecord(record: NameRecord): boolean {
  return record.sap.sap.prefix.matches(nameXor(record.name)) && record.sap.sap.sectionKey().verify(recordBytes(record.name, record.owner), record.signature)
}
