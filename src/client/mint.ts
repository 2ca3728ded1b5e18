/**
 * A client's reissue (issue 20; DESIGN.md §11; seed 004), each step driven by its
 * client-aggregator actor (retries with backoff, anti-entropy, a deadline):
 *
 * 1. **Spentbook writes**: for each input, the entry `spendKey → transaction` signed by the input's
 *    owner key goes to every elder of the key's section ({@link SpendRequest}). The section decides
 *    it in its agreement; one elder's answer with the decision, signed by a section key the client
 *    can chain to genesis, is proof enough: `Recorded`, or `DoubleSpend` with the entry decided.
 * 2. **Shares**: the same ReissueRequest goes to the elders of every input's section
 *    ({@link MintRequest}); a supermajority of valid shares for the transaction is combined into
 *    that section's mint proof (a Byzantine elder's bad share is named and dropped).
 * 3. The output DBCs: each output's content, the transaction's summary, the proofs.
 */
import { decisionSigned, decodeChange, encodeChange } from '../consensus/index.ts'
import { BlsPublicKey, type BlsSecretKey, bytesEqual, type NodePublicKey, toHex } from '../crypto/index.ts'
import {
  type Dbc, dbcToWire, DoubleSpend, inputOf, type MintProof, mintBytes, signSpend, spendName, spendValid, summarise, type Transaction, transactionHash, transactionToWire,
} from '../dbc/index.ts'
import { ProofChain } from '../knowledge/index.ts'
import type { Message, PayloadOf, SpentEntryWire, TransactionWire } from '../wire/index.ts'
import { EldersRequest, Shares } from './elders.ts'
import type { Outcome } from './requests.ts'
import type { ClientSession, RequestFailure } from './session.ts'

/** An input to spend: its DBC and its one-time owner secret. */
export interface Spendable {
  readonly dbc: Dbc
  readonly secret: BlsSecretKey
}

/** Why a reissue did not complete: a double spend (with the entry decided), refused, or the network did not answer in time. */
export type ReissueFailure =
  | { readonly kind: 'DoubleSpend'; readonly error: DoubleSpend }
  | { readonly kind: 'Refused'; readonly message: string }
  | { readonly kind: 'Unanswered'; readonly failure: RequestFailure }

/**
 * Whether `entry` is the decided spend of `spendKey`: a decision of a section key chained to
 * genesis, in which this spend is the first of the key (the one members record). An elder's
 * answer carrying another key's entry, or a later spend of one decision, proves nothing.
 */
export function verifySpentEntry(session: ClientSession, entry: SpentEntryWire, spendKey: Uint8Array): boolean {
  if (!bytesEqual(entry.spendKey, spendKey)) return false
  try {
    const chain = ProofChain.fromWire(entry.proofChain)
    const key = BlsPublicKey.fromBytes(entry.proof.sectionKey)
    if (!chain.root.equals(session.tree.dag.genesis) || !chain.last().equals(key) || chain.firstBrokenLink() !== -1) return false
    if (!decisionSigned(key, entry.proof)) return false
    const change = encodeChange({ kind: 'Spend', spendKey: Uint8Array.from(entry.spendKey), txHash: Uint8Array.from(entry.txHash), signature: Uint8Array.from(entry.signature) })
    const first = entry.proof.proposals.find((p) => {
      const decoded = decodeChange(p)
      return decoded?.kind === 'Spend' && bytesEqual(decoded.spendKey, spendKey) && spendValid(decoded)
    })
    return first !== undefined && bytesEqual(first, change)
  } catch {
    return false
  }
}

/** Writes one input's spentbook entry to the elders of its section. */
export class SpendRequest extends EldersRequest {
  readonly #payload: PayloadOf<'SpendWrite'>
  readonly #spendKey: Uint8Array
  readonly #txHash: Uint8Array
  readonly done: (outcome: Outcome<{ recorded: true } | { recorded: false; entry: SpentEntryWire }>) => void
  #result: { recorded: true } | { recorded: false; entry: SpentEntryWire } | undefined

  constructor(session: ClientSession, transaction: TransactionWire, txHash: Uint8Array, input: Spendable, done: SpendRequest['done']) {
    const entry = signSpend(input.secret, txHash)
    super(session, 'SpendWrite', spendName(entry.spendKey), 1)
    this.#spendKey = entry.spendKey
    this.#txHash = txHash
    this.#payload = { transaction, input: dbcToWire(input.dbc), signature: entry.signature }
    this.done = done
  }

  send(): void {
    const { to, dst } = this.targets()
    this.session.send(to, 'SpendWrite', this.#payload, dst)
  }

  receive(_from: string, message: Message): void {
    if (message.kind !== 'SpendAnswer' || !bytesEqual(message.payload.spendKey, this.#spendKey) || this.finished) return
    const answer = message.payload.answer
    switch (answer._tag) {
      case 'Pending':
        return
      case 'Recorded':
      case 'DoubleSpend': {
        if (!verifySpentEntry(this.session, answer.entry, this.#spendKey)) return this.session.refuse('spend-unproven-entry')
        const mine = bytesEqual(answer.entry.txHash, this.#txHash)
        this.#result = mine ? { recorded: true } : { recorded: false, entry: answer.entry }
        return this.actor.send({ type: 'ANSWER' })
      }
      case 'Refused':
        this.session.refuse(`spend-${answer.reason}`)
        if (answer.reason === 'NotOurs') return this.stale()
        if (answer.reason === 'InvalidDbc' || answer.reason === 'InvalidTransaction' || answer.reason === 'BadSignature') {
          return this.actor.send({ type: 'CANCEL', reason: `the elders refused: ${answer.message}` })
        }
        return
    }
  }

  succeed(): void {
    this.done({ ok: true, value: this.#result! })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure })
  }
}

/** Asks the elders of one input's section for their shares over the transaction; combines them into that section's mint proof. */
export class MintRequest extends EldersRequest {
  readonly #payload: PayloadOf<'ReissueRequest'>
  readonly #txHash: Uint8Array
  readonly done: (outcome: Outcome<MintProof | { doubleSpend: SpentEntryWire }>) => void
  readonly #shares: Shares
  #result: MintProof | { doubleSpend: SpentEntryWire } | undefined

  constructor(session: ClientSession, payload: PayloadOf<'ReissueRequest'>, txHash: Uint8Array, spendKey: Uint8Array, done: MintRequest['done']) {
    super(session, 'ReissueRequest', spendName(spendKey), 1)
    this.#payload = payload
    this.#txHash = txHash
    this.done = done
    this.#shares = new Shares(session, this.target, 'mint')
  }

  send(): void {
    const { to, dst } = this.targets(this.#shares)
    this.session.send(to, 'ReissueRequest', this.#payload, dst)
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    if (message.kind !== 'ReissueAnswer' || !bytesEqual(message.payload.txHash, this.#txHash) || this.finished) return
    const answer = message.payload.answer
    switch (answer._tag) {
      case 'Share': {
        const signed = this.#shares.add(from, sender, answer, mintBytes(this.#txHash))
        if (signed === undefined) return
        this.#result = signed
        return this.actor.send({ type: 'ANSWER' })
      }
      case 'DoubleSpend':
        // Only an entry of one of our inputs, for another transaction, decided first for its key.
        if (bytesEqual(answer.entry.txHash, this.#txHash) || !this.#payload.transaction.inputs.some((i) => verifySpentEntry(this.session, answer.entry, i.spendKey))) {
          return this.session.refuse('mint-unproven-double-spend')
        }
        this.#result = { doubleSpend: answer.entry }
        return this.actor.send({ type: 'ANSWER' })
      case 'NotSpent':
        // That elder has not applied the decision yet: the retry asks again.
        return this.session.refuse('mint-not-spent-yet')
      case 'Refused':
        this.session.refuse(`mint-${answer.reason}`)
        if (answer.reason === 'NotOurs') return this.stale()
        if (answer.reason === 'InvalidDbc' || answer.reason === 'InvalidTransaction') return this.actor.send({ type: 'CANCEL', reason: `the elders refused: ${answer.message}` })
        return
    }
  }

  succeed(): void {
    this.done({ ok: true, value: this.#result! })
  }

  fail(failure: RequestFailure): void {
    this.done({ ok: false, failure })
  }
}

/**
 * Reissues `inputs` into `tx`'s outputs: writes every input's spentbook entry, then gathers each
 * input section's mint proof, and builds the output DBCs (in `tx.outputs`' order).
 */
export function reissue(
  session: ClientSession, tx: Transaction, inputs: ReadonlyArray<Spendable>, done: (outcome: { ok: true; dbcs: Dbc[] } | { ok: false; failure: ReissueFailure }) => void,
  /** The simulator's cheat: told DoubleSpend by the spentbook, ask the mint for shares anyway. */
  pressOn = false,
): void {
  const txHash = transactionHash(tx)
  const transaction = transactionToWire(tx)
  let finished = false
  const finish = (outcome: { ok: true; dbcs: Dbc[] } | { ok: false; failure: ReissueFailure }) => {
    if (finished) return
    finished = true
    done(outcome)
  }
  const doubleSpend = (entry: SpentEntryWire) => finish({
    ok: false,
    failure: { kind: 'DoubleSpend', error: new DoubleSpend({ spendKey: Uint8Array.from(entry.spendKey), existingTxHash: Uint8Array.from(entry.txHash), message: `DBC ${toHex(entry.spendKey).slice(0, 16)}… is already spent in transaction ${toHex(entry.txHash).slice(0, 16)}…` }) },
  })
  const failed = (failure: RequestFailure) => finish({ ok: false, failure: failure.reason.startsWith('the elders refused') ? { kind: 'Refused', message: failure.reason } : { kind: 'Unanswered', failure } })
  let written = 0
  const mint = () => {
    const payload: PayloadOf<'ReissueRequest'> = { transaction, inputs: inputs.map((i) => dbcToWire(i.dbc)) }
    const proofs = new Map<string, MintProof>()
    let proven = 0
    for (const input of inputs) {
      new MintRequest(session, payload, txHash, input.dbc.content.owner.toBytes(), (outcome) => {
        if (!outcome.ok) return failed(outcome.failure)
        if ('doubleSpend' in outcome.value) return doubleSpend(outcome.value.doubleSpend)
        proofs.set(toHex(outcome.value.sap.sap.sectionKey().toBytes()), outcome.value)
        if (++proven < inputs.length) return
        const summary = summarise(tx)
        finish({ ok: true, dbcs: tx.outputs.map((content) => ({ content, transaction: summary, proofs: [...proofs.values()] })) })
      }).start()
    }
  }
  for (const input of inputs) {
    if (!bytesEqual(inputOf(input.dbc.content).spendKey, input.secret.publicKey().toBytes())) {
      return finish({ ok: false, failure: { kind: 'Refused', message: 'an input\'s secret is not its owner key' } })
    }
    new SpendRequest(session, transaction, txHash, input, (outcome) => {
      if (!outcome.ok) return failed(outcome.failure)
      if (!outcome.value.recorded && !pressOn) return doubleSpend(outcome.value.entry)
      if (++written === inputs.length) mint()
    }).start()
  }
}
