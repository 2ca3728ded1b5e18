/**
 * What the requests to a section's elders share (NRS records, spentbook writes, reissues): the
 * elders of the target's section asked at once, and their BLS shares of the section key's
 * signature gathered and combined. A share counts only from the SAP's elder at its index (the
 * sender's node key signed the frame) and never replaces one held; a bad share (a Byzantine
 * elder's) is named by the combine, dropped and counted, and the next good one completes it.
 */
import { type BlsSignature, CombineFailed, type NodePublicKey, SignatureShare, toHex } from '../crypto/index.ts'
import { decodeSapAndChain, type ProofChain, routeFor, type SignedSap } from '../knowledge/index.ts'
import type { ProofChainWire, SignedSapWire } from '../wire/index.ts'
import type { XorName } from '../xor/index.ts'
import { Request } from './requests.ts'
import type { ClientSession } from './session.ts'

/** A request sent to every elder of its target's section. */
export abstract class EldersRequest extends Request {
  elders: string[] = []
  /** The section key (hex) `elders` are of. */
  #key = ''

  locate(): void {
    const sap = routeFor(this.session.tree, this.target)
    if (sap === undefined) return
    this.#take(sap)
    this.actor.send({ type: 'LOCATED' })
  }

  #take(sap: SignedSap): void {
    this.elders = sap.sap.elders.map((e) => e.addr)
    this.#key = toHex(sap.sap.sectionKey().toBytes())
    this.located()
  }

  /** The section was found again, or our tree moved on to its new key (its elders may have changed). */
  located(): void {}

  /**
   * Whom a send goes to, and where: the elders of the SAP we hold for the section now, and the
   * target's name under that SAP's key, read together at each send (an answer's SAP may have moved
   * our tree on since `locate`: the new key's elders are asked, not the old key's), less those
   * whose share under that key `shares` holds. A share under an older key does not count towards
   * the new key's signature, so its elder is asked again: found with `sim --scenario mint
   * --byzantine 2 --seed 171`, a reissue that held one elder's share under the key before a
   * handover never asked that elder under the new key, and sent to nobody until it gave up.
   */
  targets(shares?: Shares): { to: string[]; dst: { name: Uint8Array; sectionKey: Uint8Array } } {
    const sap = routeFor(this.session.tree, this.target)
    if (sap === undefined) return { to: [], dst: { name: this.target.bytes, sectionKey: new Uint8Array(0) } }
    const sectionKey = sap.sap.sectionKey().toBytes()
    if (toHex(sectionKey) !== this.#key) this.#take(sap)
    return { to: this.elders.filter((addr) => shares?.holds(addr, sectionKey) !== true), dst: { name: this.target.bytes, sectionKey } }
  }
}

/** One elder's share as its answer carries it. */
export interface ShareAnswer {
  readonly sap: SignedSapWire
  readonly proofChain: ProofChainWire
  readonly index: number
  readonly share: Uint8Array
}

/** A section's combined signature, with the SAP of its key and the key's chain. */
export interface SectionSigned {
  readonly sap: SignedSap
  readonly chain: ProofChain
  readonly signature: BlsSignature
}

/** Shares of one request, by what they sign (`id`) and by elder index, until a supermajority combines. */
export class Shares {
  readonly #session: ClientSession
  readonly #target: XorName
  /** Counted refusals are `${tag}-…`. */
  readonly #tag: string
  readonly #shares = new Map<string, Map<number, { share: SignatureShare; signer: string }>>()
  /** Elders whose share we hold, by the section key (hex) it is a share of. */
  readonly #from = new Map<string, Set<string>>()

  constructor(session: ClientSession, target: XorName, tag: string) {
    this.#session = session
    this.#target = target
    this.#tag = tag
  }

  /** Whether we hold `addr`'s share under `sectionKey` (a share under another key does not count there). */
  holds(addr: string, sectionKey: Uint8Array): boolean {
    return this.#from.get(toHex(sectionKey))?.has(addr) === true
  }

  /**
   * Takes `answer`'s share of `message` (`id` names what it signs besides the key); the combined
   * signature once enough valid shares are in, else undefined.
   */
  add(from: string, sender: NodePublicKey, answer: ShareAnswer, message: Uint8Array, id = ''): SectionSigned | undefined {
    const session = this.#session
    const decoded = decodeSapAndChain(answer)
    if (decoded === undefined) return this.#refuse('bad-sap')
    const { sap, chain } = decoded
    if (session.tree.update(sap, chain).status === 'rejected') return this.#refuse('sap-rejected')
    if (!sap.sap.prefix.matches(this.#target)) return this.#refuse('wrong-section')
    if (sap.sap.elders[answer.index]?.name.equals(sender.name) !== true) return this.#refuse('share-not-its-elder')
    const keySet = sap.sap.publicKeySet
    const sectionKey = toHex(sap.sap.sectionKey().toBytes())
    const key = `${sectionKey}/${id}`
    let shares = this.#shares.get(key)
    if (shares === undefined) this.#shares.set(key, (shares = new Map<number, { share: SignatureShare; signer: string }>()))
    let share: SignatureShare
    try {
      share = SignatureShare.fromBytes(answer.share)
    } catch {
      return this.#refuse('bad-share')
    }
    if (shares.has(answer.index)) return undefined
    shares.set(answer.index, { share, signer: from })
    let holders = this.#from.get(sectionKey)
    if (holders === undefined) this.#from.set(sectionKey, (holders = new Set<string>()))
    holders.add(from)
    if (shares.size < keySet.threshold + 1) return undefined
    try {
      const combined = keySet.combine(message, [...shares].map(([index, s]) => ({ index, share: s.share, signer: s.signer })))
      if (combined.badSigners.length > 0) this.#refuse('bad-share')
      return { sap, chain, signature: combined.signature }
    } catch (error) {
      if (!(error instanceof CombineFailed)) throw error
      for (const [index, s] of shares) if (error.badSigners.includes(s.signer)) shares.delete(index)
      return this.#refuse('bad-share')
    }
  }

  #refuse(why: string): undefined {
    this.#session.refuse(`${this.#tag}-${why}`)
    return undefined
  }
}
