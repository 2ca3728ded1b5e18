/**
 * The elder's name desk (issue 19, NRS; src/register/names.ts): a client's claim of a name goes to
 * the elders of the name's section; each puts it forward for the next generation, and once one
 * claim of a name is decided (the first decided wins: `section/registry.ts`), each elder signs the
 * record `name → owner` of that claim with its share of the section key and sends the share to
 * every client that asked. A lookup is answered the same way. An honest elder never signs a record
 * of another owner for a name (the owner comes only from the agreed name table), so two owners
 * can never both gather a supermajority of shares: with f of 3f + 1 elders Byzantine, a second
 * record would need f + 1 honest signers of it.
 */
import { toHex } from '../../crypto/index.ts'
import { claimValid, isLabel, nameXor, recordBytes } from '../../register/names.ts'
import type { Dst, PayloadOf } from '../../wire/index.ts'
import { dropOldest } from '../bounded.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { ElderRole } from './elder.ts'

/** Claims an elder holds for the next generation at once: membership changes always have room. */
export const MAX_PENDING_NAME_CLAIMS = 16
/** Names with clients waiting for their claim's decision (each keeps at most MAX_WAITERS_PER_NAME). */
export const MAX_NAME_WAITERS = 256
export const MAX_WAITERS_PER_NAME = 8
/** Shares signed and kept, by key and name (a lookup costs a BLS signature only once per key). */
export const MAX_NAME_SHARES = 1_024

type Answer = PayloadOf<'NameAnswer'>['answer']

export interface NameDeskCounts {
  nameClaims: number
  nameShares: number
  nameLookups: number
}

export class NameDesk {
  readonly counts: NameDeskCounts = { nameClaims: 0, nameShares: 0, nameLookups: 0 }
  readonly #c: NodeComponents
  readonly #elder: ElderRole
  /** Clients waiting for a name's claim to be decided: name → their addresses. */
  readonly #waiting = new Map<string, Set<string>>()
  /** Proposals (hex) of the claims we put forward. */
  readonly #claims = new Set<string>()
  /** Our shares: `key hex/name/owner hex` → share. */
  readonly #shares = new Map<string, Uint8Array>()
  /**
   * The simulator's adversary (never set in a real node): a Byzantine elder that signs a record
   * for every claimant at once, whatever was decided, to show that f of them gain nobody a name.
   */
  adversary: 'sign-any' | undefined

  constructor(components: NodeComponents, elder: ElderRole) {
    this.#c = components
    this.#elder = elder
  }

  /** A client claims a name. */
  onRegister(from: string, payload: PayloadOf<'NameRegister'>, dst: Dst): void {
    const c = this.#c
    const checked = this.#check(from, payload.name, dst)
    if (checked === undefined) return
    this.counts.nameClaims++
    if (this.adversary === 'sign-any') return this.#answerOwner(from, payload.name, Uint8Array.from(payload.owner))
    if (c.section.registry.owner(payload.name) !== undefined) return this.#answerOwner(from, payload.name)
    if (!claimValid(payload.name, payload.owner, payload.signature)) return this.#answer(from, payload.name, { _tag: 'Refused', reason: 'BadSignature', message: 'the claim is not signed by the key it names' })
    const term = this.#elder.term!
    for (const hex of this.#claims) if (!term.pending.has(hex)) this.#claims.delete(hex)
    if (this.#claims.size >= MAX_PENDING_NAME_CLAIMS) {
      c.refuse('name-claims-full')
      return this.#answer(from, payload.name, { _tag: 'Refused', reason: 'Busy', message: `${MAX_PENDING_NAME_CLAIMS} claims wait for the next generation already: ask again` })
    }
    const claim = { kind: 'NameClaim' as const, name: payload.name, owner: Uint8Array.from(payload.owner), signature: Uint8Array.from(payload.signature) }
    const hex = this.#elder.propose(claim)
    if (hex !== undefined) this.#claims.add(hex)
    let waiting = this.#waiting.get(payload.name)
    if (waiting === undefined) {
      this.#waiting.set(payload.name, (waiting = new Set()))
      dropOldest(this.#waiting, MAX_NAME_WAITERS, () => c.refuse('name-waiters-evicted'))
    }
    if (waiting.size < MAX_WAITERS_PER_NAME) waiting.add(from)
    else c.refuse('name-waiters-full')
    this.#answer(from, payload.name, { _tag: 'Pending' })
  }

  /** A client asks who owns a name. */
  onLookup(from: string, payload: PayloadOf<'NameLookup'>, dst: Dst): void {
    if (this.#check(from, payload.name, dst) === undefined) return
    this.counts.nameLookups++
    if (this.#c.section.registry.owner(payload.name) !== undefined) return this.#answerOwner(from, payload.name)
    this.#answer(from, payload.name, { _tag: 'Unknown' })
  }

  /** A decision was applied: the clients waiting for the names it decided get our shares. */
  decided(names: ReadonlyArray<string>): void {
    for (const name of names) {
      const waiting = this.#waiting.get(name)
      if (waiting === undefined) continue
      this.#waiting.delete(name)
      for (const addr of waiting) this.#answerOwner(addr, name)
    }
  }

  /** A request we can answer (we are an elder, the name is valid and ours), or undefined (answered with why). */
  #check(from: string, name: string, dst: Dst): true | undefined {
    const c = this.#c
    const view = c.view
    if (this.#elder.term === undefined || view === undefined) {
      c.refuse('name-not-elder')
      return this.#answer(from, name, { _tag: 'Refused', reason: 'NotOurs', message: 'not an elder: ask the elders of the name\'s section' })
    }
    if (!isLabel(name)) return this.#answer(from, name, { _tag: 'Refused', reason: 'BadName', message: 'a name is 1–63 lowercase letters, digits and inner hyphens' })
    // Not knowing every name of our section yet (new here), we neither sign nor say a name is free: the client asks again.
    if (!c.section.registry.complete) {
      c.refuse('name-table-incomplete')
      return this.#answer(from, name, { _tag: 'Pending' })
    }
    const xor = nameXor(name)
    if (!view.sap.sap.prefix.matches(xor) || toHex(dst.name) !== xor.toHex()) {
      c.refuse('name-not-ours')
      return this.#answer(from, name, { _tag: 'Refused', reason: 'NotOurs', message: 'the name is not in this section, or the message was not sent to the name' })
    }
    return true
  }

  /** Our share of the record of `name`'s owner (by our table, unless the adversary names one), under the key we serve with now. */
  #answerOwner(to: string, name: string, claimed?: Uint8Array): void {
    const c = this.#c
    const term = this.#elder.term
    const view = c.view
    const owner = claimed ?? c.section.registry.owner(name)
    if (term === undefined || view === undefined || owner === undefined) return
    // A table not complete may hold a later claim of an owned name: no share until it is.
    if (claimed === undefined && !c.section.registry.complete) return c.refuse('name-table-incomplete')
    const sectionKey = view.sap.sap.sectionKey()
    // Handing over: our share is of the old key; the client asks again under the new one.
    if (!term.keySet.publicKey().equals(sectionKey)) return
    const chain = c.tree.dag.chainFromGenesis(sectionKey)
    if (chain === undefined) return c.refuse('name-without-chain')
    const id = `${toHex(sectionKey.toBytes())}/${name}/${toHex(owner)}`
    let share = this.#shares.get(id)
    if (share === undefined) {
      share = term.share.sign(recordBytes(name, owner)).toBytes()
      this.counts.nameShares++
      this.#shares.set(id, share)
      dropOldest(this.#shares, MAX_NAME_SHARES)
    }
    this.#answer(to, name, { _tag: 'Share', owner, sap: view.sap.toWire(), proofChain: chain.toWire(), index: term.index, share })
  }

  #answer(to: string, name: string, answer: Answer): undefined {
    this.#c.send([to], 'NameAnswer', { name, answer })
    return undefined
  }
}
