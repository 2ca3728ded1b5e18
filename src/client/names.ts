/**
 * NRS requests of a client (issue 19; src/register/names.ts), each driven by its client-aggregator
 * actor: a claim of a name, or a lookup of its owner, sent to every elder of the name's section.
 * Each elder answers with its share of the section key's signature over the record `name → owner`
 * of the name's first decided claim; the client combines a supermajority of shares for one owner
 * into the record (a share that does not verify is named and left out: Byzantine elders can sign
 * anything, but never reach a supermajority alone). A claim the section is still deciding is
 * answered `Pending`; the share follows once it is decided.
 */
import { type BlsSignature, type NodePublicKey, supermajority, toHex } from '../crypto/index.ts'
import type { ProofChain, SignedSap } from '../knowledge/index.ts'
import { nameXor, recordBytes } from '../register/names.ts'
import type { Message, PayloadOf } from '../wire/index.ts'
import { EldersRequest, Shares } from './elders.ts'
import type { Outcome } from './requests.ts'
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

export class NameRequest extends EldersRequest {
  readonly name: string
  readonly claim: NameClaim | undefined
  readonly done: (outcome: Outcome<NameRecord | undefined>) => void
  readonly #shares: Shares
  readonly #unknown = new Set<string>()
  #record: NameRecord | undefined

  /** A claim of `claim.name` when `claim` is given, else a lookup of `name`'s owner. */
  constructor(session: ClientSession, name: string, claim: NameClaim | undefined, done: NameRequest['done']) {
    super(session, claim === undefined ? 'NameLookup' : 'NameRegister', nameXor(name), 1)
    this.name = name
    this.claim = claim
    this.done = done
    this.#shares = new Shares(session, this.target, 'name')
  }

  override located(): void {
    this.#unknown.clear()
  }

  send(): void {
    const { to, dst } = this.targets(this.#shares)
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
        if (!this.elders.includes(from)) return this.session.refuse('name-unknown-not-elder')
        this.#unknown.add(from)
        // A supermajority of elders decided no claim of the name: it is not registered.
        if (this.#unknown.size >= supermajority(Math.max(1, this.elders.length))) this.actor.send({ type: 'ANSWER' })
        return
      case 'Refused':
        this.session.refuse(`name-${answer.reason}`)
        if (answer.reason === 'BadName' || answer.reason === 'BadSignature') return this.actor.send({ type: 'CANCEL', reason: `the elders refused: ${answer.message}` })
        if (answer.reason === 'NotOurs') return this.stale()
        return
      case 'Share': {
        const signed = this.#shares.add(from, sender, answer, recordBytes(this.name, answer.owner), toHex(answer.owner))
        if (signed === undefined) return
        this.#record = { name: this.name, owner: Uint8Array.from(answer.owner), ...signed }
        return this.actor.send({ type: 'ANSWER' })
      }
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
