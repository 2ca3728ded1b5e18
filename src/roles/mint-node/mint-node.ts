/**
 * The MintNode role (issue 20; DESIGN.md §11; seed 004), run by every elder through
 * `mint-node.machine.ts`:
 *
 * - **Spentbook writes** (`SpendWrite`): a client writes the entry `spendKey → transaction` of
 *   one input, signed by the input's owner key, with the input DBC and the transaction. An elder
 *   of the key's section checks them (a valid DBC, a valid transaction that spends it, the owner's
 *   signature) and puts the spend forward in the section's generation agreement; the first decided
 *   spend of a key is its only one (`section/registry.ts`, kept by every member and learnt by new
 *   ones), and every waiting client gets it: `Recorded` for its transaction, `DoubleSpend` with the
 *   decided entry and its proof for another.
 * - **Reissues** (`ReissueRequest`): for the inputs its section is responsible for, an elder checks
 *   each DBC's mint proofs against the keys it trusts (chains from genesis: DBCs minted under old
 *   keys stay valid), that each decided entry commits to exactly this transaction, the balance and
 *   the outputs, and that it never signed another transaction for any of those keys (its signed
 *   log, in the store: it survives a restart); then answers its share of the section key's
 *   signature over the transaction. The same request always gets the same answer.
 *
 * An honest elder signs only the decided transaction of each key, so with f of 3f + 1 elders
 * Byzantine, two transactions spending one key can never both gather a supermajority.
 */
import { createActor, type Actor } from 'xstate'
import { type MintFacts, mintNodeMachine, type MintVerdict } from '../../../machines/mint-node.machine.ts'
import { BlsPublicKey, bytesEqual, type NodePublicKey, toHex } from '../../crypto/index.ts'
import { checkTransaction, dbcFault, dbcFromWire, inputOf, mintBytes, spendName, spendValid, type Transaction, transactionFromWire, transactionHash } from '../../dbc/index.ts'
import { MemoryStore, type NodeStore } from '../../store/index.ts'
import type { Dst, Message, PayloadOf, SpentEntryWire } from '../../wire/index.ts'
import { dropOldest } from '../bounded.ts'
import type { Role } from '../role.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { SpentEntry } from '../section/registry.ts'

/** Spends an elder holds for the next generation at once (beside membership changes and name claims). */
export const MAX_PENDING_SPENDS = 32
/** Spend keys with clients waiting for their decision (each keeps at most MAX_WAITERS_PER_SPEND). */
export const MAX_SPEND_WAITERS = 256
export const MAX_WAITERS_PER_SPEND = 8
/** Shares signed and kept, by key and transaction (a repeated request costs no signature). */
export const MAX_MINT_SHARES = 1_024

/** Where an elder keeps what it signed: spend key → transaction hash. */
const SIGNED_NAMESPACE = 'mint-signed'

interface HeldReissue {
  readonly from: string
  readonly payload: PayloadOf<'ReissueRequest'>
  readonly dst: Dst
}

type Refusal = Extract<PayloadOf<'SpendAnswer'>['answer'], { _tag: 'Refused' }>

export interface MintCounts {
  spendWrites: number
  spendsProposed: number
  reissues: number
  shares: number
  doubleSpends: number
}

export class MintNodeRole implements Role {
  readonly name = 'mint-node'
  readonly handles = ['SpendWrite', 'ReissueRequest'] as const
  readonly counts: MintCounts = { spendWrites: 0, spendsProposed: 0, reissues: 0, shares: 0, doubleSpends: 0 }
  readonly #c: NodeComponents
  readonly #store: NodeStore
  #actor: Actor<typeof mintNodeMachine>
  /** The verdict the chart emitted for the request being decided. */
  #verdict: MintVerdict | undefined
  /** Clients waiting for a spend's decision: spend key hex → address → the transaction hash they wrote. */
  readonly #waiting = new Map<string, Map<string, string>>()
  /** Proposals (hex) of the spends we put forward. */
  readonly #spends = new Set<string>()
  /** The spend of each key we put forward last (key hex → proposal hex; bounded as the waiters are). */
  readonly #spendOf = new Map<string, string>()
  /** Reissues asked before their inputs' entries were applied here: spend key hex → requests (bounded as the waiters are). */
  readonly #heldReissues = new Map<string, HeldReissue[]>()
  /** Our shares: `key hex/tx hash hex` → share. */
  readonly #shares = new Map<string, Uint8Array>()
  /**
   * The simulator's adversaries (never set in a real node): `sign-any`, a Byzantine elder that
   * signs every reissue asked of it; `skip-check`, an elder that signs any valid reissue without
   * the double-spend check (neither the spentbook nor its own log): the checker must catch it.
   */
  #adversary: 'sign-any' | 'skip-check' | undefined
  /** Our actor's incarnation (an adversary's chart replaces it), for unique system ids. */
  #incarnation = 0

  constructor(components: NodeComponents) {
    this.#c = components
    this.#store = components.env.store ?? MemoryStore.open()
    this.#actor = this.#create()
    components.events.on('decision-applied', ({ applied }) => {
      for (const change of applied.changes) if (change.kind === 'Spend') this.#decided(change.spendKey)
    })
  }

  get adversary(): 'sign-any' | 'skip-check' | undefined {
    return this.#adversary
  }

  /** Makes this elder one of the simulator's adversaries (its chart's guards replaced). */
  set adversary(kind: 'sign-any' | 'skip-check' | undefined) {
    if (kind === this.#adversary) return
    this.#adversary = kind
    this.#actor.stop()
    this.#actor = this.#create()
  }

  #create(): Actor<typeof mintNodeMachine> {
    const c = this.#c
    const never = () => false
    const machine = this.#adversary === 'sign-any'
      ? mintNodeMachine.provide({ guards: { notOurs: never, invalid: never, inputSpentElsewhere: never, signedOther: never, inputUnspent: never } })
      : this.#adversary === 'skip-check'
        ? mintNodeMachine.provide({ guards: { inputSpentElsewhere: never, signedOther: never, inputUnspent: never } })
        : mintNodeMachine
    const actor = createActor(machine, c.actorOptions('mint', `mint-node/${++this.#incarnation}`))
    actor.on('answer', ({ verdict }) => {
      this.#verdict = verdict
    })
    actor.start()
    return actor
  }

  receive(from: string, message: Message, _sender: NodePublicKey): void {
    if (message.kind === 'SpendWrite') return this.#onWrite(from, message.payload, message.envelope.dst)
    if (message.kind === 'ReissueRequest') return this.#onReissue(from, message.payload, message.envelope.dst)
  }

  stop(): void {
    this.#actor.send({ type: 'STOP' })
    this.#actor.stop()
  }

  states(): Record<string, unknown> {
    return { mintNode: this.#actor.getSnapshot().value }
  }

  /** The chart brought up to date with the node (our term, the spentbook's completeness), then asked. */
  #decide(event: { type: 'WRITE' | 'REISSUE'; facts: MintFacts }): MintVerdict {
    const c = this.#c
    const serving = c.elder.term !== undefined && c.view !== undefined
    const state = this.#actor.getSnapshot()
    if (serving && state.matches('idle')) this.#actor.send({ type: 'SERVE' })
    if (!serving && state.matches('serving')) this.#actor.send({ type: 'RETIRE' })
    if (serving) {
      const complete = c.section.registry.complete
      if (complete && this.#actor.getSnapshot().matches({ serving: 'syncing' })) this.#actor.send({ type: 'SYNCED' })
      if (!complete && this.#actor.getSnapshot().matches({ serving: 'minting' })) this.#actor.send({ type: 'UNSYNCED' })
    }
    this.#verdict = undefined
    this.#actor.send(event)
    return this.#verdict ?? 'refuse'
  }

  // --- Spentbook writes ---------------------------------------------------------------------------

  #onWrite(from: string, payload: PayloadOf<'SpendWrite'>, dst: Dst): void {
    const c = this.#c
    this.counts.spendWrites++
    const spendKey = Uint8Array.from(payload.input.content.owner)
    const answer = (a: PayloadOf<'SpendAnswer'>['answer']) => c.send([from], 'SpendAnswer', { spendKey, answer: a })
    const checked = this.#checkWrite(payload, dst)
    const entry = c.section.registry.spent(spendKey)
    const facts: MintFacts = {
      ours: checked.ours, valid: checked.why === undefined,
      decided: entry === undefined ? 'none' : bytesEqual(entry.txHash, checked.txHash) ? 'this' : 'other',
      signedOther: false,
    }
    const verdict = this.#decide({ type: 'WRITE', facts })
    switch (verdict) {
      case 'recorded':
      case 'doubleSpend': {
        const wire = this.#entryWire(entry!)
        if (wire === undefined) return answer(UNLINKED)
        if (verdict === 'doubleSpend') this.counts.doubleSpends++
        return answer(verdict === 'recorded' ? { _tag: 'Recorded', entry: wire } : { _tag: 'DoubleSpend', entry: wire })
      }
      case 'pending':
        c.refuse('mint-spentbook-incomplete')
        return answer({ _tag: 'Pending' })
      case 'propose':
        return answer(this.#propose(from, spendKey, checked.txHash, Uint8Array.from(payload.signature)))
      default:
        c.refuse(`mint-write-${checked.why?.reason ?? 'refused'}`)
        return answer(checked.why ?? refusal('NotElder', 'not an elder of the spend key\'s section'))
    }
  }

  /** Whether a write is ours (its spend name in our section) and, if not valid, why. */
  #checkWrite(payload: PayloadOf<'SpendWrite'>, dst: Dst): { ours: boolean; txHash: Uint8Array; why?: Refusal } {
    const c = this.#c
    const view = c.view
    const name = spendName(payload.input.content.owner)
    const ours = view !== undefined && view.sap.sap.prefix.matches(name) && bytesEqual(dst.name, name.bytes)
    const parsed = this.#parse(payload.transaction, [payload.input], false)
    if ('why' in parsed) return { ours, txHash: new Uint8Array(32), why: parsed.why }
    const { txHash } = parsed
    if (!ours) return { ours, txHash, why: refusal('NotOurs', 'the spend key is not in this section, or the message was not sent to its name') }
    if (!spendValid({ spendKey: payload.input.content.owner, txHash, signature: payload.signature })) return { ours, txHash, why: refusal('BadSignature', 'the entry is not signed by the key it spends') }
    return { ours, txHash }
  }

  /** Puts the spend forward and waits for its decision (bounded). */
  #propose(from: string, spendKey: Uint8Array, txHash: Uint8Array, signature: Uint8Array): PayloadOf<'SpendAnswer'>['answer'] {
    const c = this.#c
    const term = c.elder.term!
    for (const hex of this.#spends) if (!term.pending.has(hex)) this.#spends.delete(hex)
    if (this.#spends.size >= MAX_PENDING_SPENDS) {
      c.refuse('mint-spends-full')
      return refusal('Busy', `${MAX_PENDING_SPENDS} spends wait for the next generation already: ask again`)
    }
    const key = toHex(spendKey)
    // One spend of a key pending at a time (the first decided wins anyway): an owner cannot fill
    // the slots with many transactions of one DBC.
    const pending = this.#spendOf.get(key)
    if (pending === undefined || !term.pending.has(pending)) {
      const hex = c.elder.propose({ kind: 'Spend', spendKey, txHash, signature })
      if (hex !== undefined) {
        this.#spends.add(hex)
        this.#spendOf.set(key, hex)
        dropOldest(this.#spendOf, MAX_SPEND_WAITERS)
        this.counts.spendsProposed++
      }
    }
    let waiting = this.#waiting.get(key)
    if (waiting === undefined) {
      this.#waiting.set(key, (waiting = new Map<string, string>()))
      dropOldest(this.#waiting, MAX_SPEND_WAITERS, () => c.refuse('mint-waiters-evicted'))
    }
    if (waiting.size < MAX_WAITERS_PER_SPEND || waiting.has(from)) waiting.set(from, toHex(txHash))
    else c.refuse('mint-waiters-full')
    return { _tag: 'Pending' }
  }

  #holdReissue(key: string, request: HeldReissue): void {
    let held = this.#heldReissues.get(key)
    if (held === undefined) {
      this.#heldReissues.set(key, (held = []))
      dropOldest(this.#heldReissues, MAX_SPEND_WAITERS, () => this.#c.refuse('mint-held-reissues-evicted'))
    }
    if (held.length < MAX_WAITERS_PER_SPEND) held.push(request)
    else this.#c.refuse('mint-held-reissues-full')
  }

  /** A spend of `spendKey` was decided: the clients waiting for it get the entry, and reissues held for it are taken again. */
  #decided(spendKey: Uint8Array): void {
    const key = toHex(spendKey)
    const held = this.#heldReissues.get(key)
    this.#heldReissues.delete(key)
    for (const r of held ?? []) this.#onReissue(r.from, r.payload, r.dst)
    const waiting = this.#waiting.get(key)
    const entry = this.#c.section.registry.spent(spendKey)
    if (waiting === undefined || entry === undefined) return
    this.#waiting.delete(key)
    const wire = this.#entryWire(entry)
    if (wire === undefined) {
      for (const addr of waiting.keys()) this.#c.send([addr], 'SpendAnswer', { spendKey, answer: UNLINKED })
      return
    }
    for (const [addr, txHex] of waiting) {
      const answer = txHex === toHex(entry.txHash) ? { _tag: 'Recorded' as const, entry: wire } : { _tag: 'DoubleSpend' as const, entry: wire }
      if (answer._tag === 'DoubleSpend') this.counts.doubleSpends++
      this.#c.send([addr], 'SpendAnswer', { spendKey, answer })
    }
  }

  /**
   * The entry as an answer carries it, with its key's chain from genesis (undefined, counted, if we
   * know none: the decision's key is newer than our tree's links, and the request is answered
   * {@link UNLINKED} — never nothing).
   */
  #entryWire(entry: SpentEntry): SpentEntryWire | undefined {
    let chain
    try {
      chain = this.#c.tree.dag.chainFromGenesis(BlsPublicKey.fromBytes(entry.proof.sectionKey))
    } catch {
      chain = undefined
    }
    if (chain === undefined) {
      this.#c.refuse('mint-entry-without-chain')
      return undefined
    }
    return { spendKey: entry.spendKey, txHash: entry.txHash, signature: entry.signature, proof: entry.proof, proofChain: chain.toWire() }
  }

  // --- Reissues -----------------------------------------------------------------------------------

  #onReissue(from: string, payload: PayloadOf<'ReissueRequest'>, dst: Dst): void {
    const c = this.#c
    this.counts.reissues++
    const view = c.view
    const parsed = this.#parse(payload.transaction, payload.inputs, true)
    const txHash = 'why' in parsed ? new Uint8Array(32) : parsed.txHash
    const answer = (a: PayloadOf<'ReissueAnswer'>['answer']) => c.send([from], 'ReissueAnswer', { txHash, answer: a })
    // Our inputs: those whose spend key our section is responsible for.
    const ours = 'why' in parsed || view === undefined ? [] : parsed.tx.inputs.filter((i) => view.sap.sap.prefix.matches(spendName(i.spendKey)))
    const addressed = ours.some((i) => bytesEqual(spendName(i.spendKey).bytes, dst.name))
    const registry = c.section.registry
    const entries = ours.map((i) => registry.spent(i.spendKey))
    const other = entries.find((e) => e !== undefined && !bytesEqual(e.txHash, txHash))
    const facts: MintFacts = {
      ours: addressed,
      valid: !('why' in parsed),
      decided: other !== undefined ? 'other' : entries.some((e) => e === undefined) ? 'none' : 'this',
      signedOther: ours.some((i) => {
        const signed = this.#store.getBlob(SIGNED_NAMESPACE, i.spendKey)
        return signed !== undefined && !bytesEqual(signed, txHash)
      }),
    }
    switch (this.#decide({ type: 'REISSUE', facts })) {
      case 'sign':
        return this.#sign(from, ours.map((i) => i.spendKey), txHash)
      case 'doubleSpend': {
        this.counts.doubleSpends++
        // The decided entry of another transaction; else our log's (the entry is then ours to show as decided too).
        const shown = other ?? entries.find((e) => e !== undefined)
        if (shown === undefined) return answer(refusal('InvalidTransaction', 'an input was signed for another transaction'))
        const wire = this.#entryWire(shown)
        return answer(wire === undefined ? UNLINKED : { _tag: 'DoubleSpend', entry: wire })
      }
      case 'notSpent': {
        // Its entry may be a decision away here (another elder answered the write first): the
        // request is taken again once it is applied, and the client need not wait for its retry.
        const missing = ours.find((_, i) => entries[i] === undefined)!
        this.#holdReissue(toHex(missing.spendKey), { from, payload, dst })
        return answer({ _tag: 'NotSpent', spendKey: missing.spendKey })
      }
      case 'pending':
        c.refuse('mint-spentbook-incomplete')
        return answer(refusal('Busy', 'this elder is still learning its section\'s spentbook: ask again'))
      default: {
        const why = 'why' in parsed ? parsed.why : ours.length === 0 || !addressed ? refusal('NotOurs', 'no input of the transaction is in this section, or the message was not sent to one') : refusal('NotElder', 'not an elder')
        c.refuse(`mint-reissue-${why.reason}`)
        return answer(why)
      }
    }
  }

  /**
   * Records what we sign (durably, before the share leaves), then answers our share. An elder that
   * cannot sign under its section's key yet answers `Busy` (never nothing): the client asks it
   * again on its next attempt, by when the handover or the key's link is done.
   */
  #sign(to: string, keys: ReadonlyArray<Uint8Array>, txHash: Uint8Array): void {
    const c = this.#c
    const term = c.elder.term
    const view = c.view
    const busy = (tag: string, message: string) => {
      c.refuse(tag)
      c.send([to], 'ReissueAnswer', { txHash, answer: refusal('Busy', message) })
    }
    if (term === undefined || view === undefined) {
      c.refuse('mint-reissue-NotElder')
      return c.send([to], 'ReissueAnswer', { txHash, answer: refusal('NotElder', 'not an elder') })
    }
    const sectionKey = view.sap.sap.sectionKey()
    // Handing over: our share is of the old key; the client asks again under the new one.
    if (!term.keySet.publicKey().equals(sectionKey)) return busy('mint-handing-over', 'this elder is handing over to its section\'s new key: ask again')
    // Our section view is ahead of our tree (the new key's link still on its way): a share the
    // client could not chain to genesis.
    const chain = c.tree.dag.chainFromGenesis(sectionKey)
    if (chain === undefined) return busy('mint-without-chain', 'this elder does not hold the chain of its section\'s new key yet: ask again')
    if (this.#adversary === undefined) for (const key of keys) this.#store.putBlob(SIGNED_NAMESPACE, key, txHash)
    const id = `${toHex(sectionKey.toBytes())}/${toHex(txHash)}`
    let share = this.#shares.get(id)
    if (share === undefined) {
      share = term.share.sign(mintBytes(txHash)).toBytes()
      this.counts.shares++
      this.#shares.set(id, share)
      dropOldest(this.#shares, MAX_MINT_SHARES)
    }
    c.send([to], 'ReissueAnswer', { txHash, answer: { _tag: 'Share', sap: view.sap.toWire(), proofChain: chain.toWire(), index: term.index, share } })
  }

  /**
   * The transaction and the DBCs of a request checked: the transaction well formed and balanced,
   * each DBC valid under the keys we trust and an input of it. Or why not.
   */
  #parse(wire: PayloadOf<'ReissueRequest'>['transaction'], dbcs: PayloadOf<'ReissueRequest'>['inputs'], all: boolean): { tx: Transaction; txHash: Uint8Array } | { why: Refusal } {
    const trust = this.#c.mintTrust
    if (trust === undefined) return { why: refusal('NoMint', 'this node does not know the network\'s genesis DBC') }
    let tx: Transaction
    try {
      tx = transactionFromWire(wire)
      checkTransaction(tx)
    } catch (error) {
      return { why: refusal('InvalidTransaction', error instanceof Error ? error.message : String(error)) }
    }
    const txHash = transactionHash(tx)
    // A reissue brings the DBC of every input (each section checks its own); a write, its one.
    if (all && (dbcs.length !== tx.inputs.length || !tx.inputs.every((i) => dbcs.some((d) => bytesEqual(d.content.owner, i.spendKey))))) {
      return { why: refusal('InvalidDbc', 'the request does not bring the DBC of every input') }
    }
    for (const dbcWire of dbcs) {
      let fault: string | undefined
      try {
        const dbc = dbcFromWire(dbcWire)
        const input = inputOf(dbc.content)
        const inTx = tx.inputs.some((i) => bytesEqual(i.spendKey, input.spendKey) && i.amount === input.amount && bytesEqual(i.contentHash, input.contentHash))
        fault = inTx ? dbcFault(dbc, trust) : 'NotAnInput'
      } catch (error) {
        fault = error instanceof Error ? error.message : String(error)
      }
      if (fault !== undefined) return { why: refusal('InvalidDbc', `an input DBC is not valid: ${fault}`) }
    }
    return { tx, txHash }
  }
}

/** What an elder answers when the entry it would show has a key it cannot chain to genesis yet (its link on its way): ask again. */
const UNLINKED: Refusal = { _tag: 'Refused', reason: 'Busy', message: 'the decided entry\'s section key is not linked here yet: ask again' }

function refusal(reason: Refusal['reason'], message: string): Refusal {
  return { _tag: 'Refused', reason, message: message.slice(0, 256) }
}
