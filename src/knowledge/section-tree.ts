/**
 * SectionTree: what a node believes about the network (DESIGN.md §4) — the signed SAP of each
 * section it knows, by prefix, and the SectionsDAG that makes them trustworthy. It is persisted
 * by nodes and is a client's "network contacts".
 *
 * Accepting an update { signedSap, proofChain }:
 *   1. a SAP we already hold (same key, same or later generation) is ignored — stale;
 *   2. the chain's root must be a key we trust; for a prefix we know, it must be our current
 *      key for that prefix (or a key we already trust below it), so nobody can fork our view;
 *   3. every link of the chain must verify, each key signed by the one before;
 *   4. the chain must end at the SAP's own key, and the SAP's signature must verify with it.
 * Then the SAP replaces what it supersedes: its own prefix's older SAP, descendants it merged,
 * and an ancestor once both of the ancestor's children are known. Every refusal has a reason.
 */
import type { BlsPublicKey } from '../crypto/index.ts'
import { type Prefix, PrefixMap, type XorName } from '../xor/index.ts'
import type { SignedSap } from './sap.ts'
import { type ProofChain, SectionsDAG } from './sections-dag.ts'

export type UpdateRejection =
  | 'untrusted-root'
  | 'root-is-not-our-current-key'
  | 'broken-link'
  | 'chain-does-not-end-at-sap-key'
  | 'bad-sap-signature'

export type UpdateOutcome =
  | { readonly status: 'accepted' }
  | { readonly status: 'ignored'; readonly reason: 'stale' }
  | { readonly status: 'rejected'; readonly reason: UpdateRejection }

export class SectionTree {
  readonly dag: SectionsDAG
  readonly #saps = new PrefixMap<SignedSap>()

  constructor(genesisKey: BlsPublicKey) {
    this.dag = new SectionsDAG(genesisKey)
  }

  /** A tree that starts from the genesis section's own signed SAP. */
  static fromGenesis(genesis: SignedSap): SectionTree {
    const tree = new SectionTree(genesis.sap.sectionKey())
    if (!genesis.verify()) throw new Error('the genesis SAP is not signed by its own key')
    tree.#saps.set(genesis.sap.prefix, genesis)
    return tree
  }

  get size(): number {
    return this.#saps.size
  }

  get(prefix: Prefix): SignedSap | undefined {
    return this.#saps.get(prefix)
  }

  /** The SAP of the section responsible for `name`: the longest known prefix matching it. */
  sectionFor(name: XorName): SignedSap | undefined {
    return this.#saps.longestMatch(name)?.value
  }

  prefixes(): Prefix[] {
    return [...this.#saps.prefixes()]
  }

  saps(): SignedSap[] {
    return [...this.#saps.values()]
  }

  update(signedSap: SignedSap, chain: ProofChain): UpdateOutcome {
    const sap = signedSap.sap
    const key = sap.sectionKey()
    const held = this.#saps.get(sap.prefix)

    // 1. Stale: a key we already know, unless it is the key we hold for this very prefix and the
    //    SAP is a later generation of it (members changed, key did not). Replaying an old SAP —
    //    of this prefix or of an ancestor before a split — can never roll our view back.
    if (this.dag.has(key)) {
      const newerOfHeld = held !== undefined && held.sap.sectionKey().equals(key) && sap.generation > held.sap.generation
      if (!newerOfHeld) return { status: 'ignored', reason: 'stale' }
    }
    // A SAP for a prefix above sections we know must come after them: a merge, signed by each
    // (one on the chain, the other as its co-parent).
    for (const entry of this.#saps.compatibleWith(sap.prefix)) {
      if (entry.prefix.isExtensionOf(sap.prefix) && !chain.covers(entry.value.sap.sectionKey())) {
        return { status: 'ignored', reason: 'stale' }
      }
    }

    // 2. A trusted root; for a known prefix, one at or below our current key for it.
    if (!this.dag.has(chain.root)) return { status: 'rejected', reason: 'untrusted-root' }
    const current = this.#currentKeyFor(sap.prefix)
    const passesCurrent = current === undefined || current.equals(key) || this.dag.isAncestor(current, chain.root)
      || chain.links.some((link) => link.key.equals(current))
    if (!passesCurrent) {
      return { status: 'rejected', reason: 'root-is-not-our-current-key' }
    }

    // 3–4. Links verify, the chain ends at the SAP's key, which signed the SAP.
    if (chain.firstBrokenLink() !== -1) return { status: 'rejected', reason: 'broken-link' }
    if (!chain.last().equals(key)) return { status: 'rejected', reason: 'chain-does-not-end-at-sap-key' }
    if (!signedSap.verify()) return { status: 'rejected', reason: 'bad-sap-signature' }

    const inserted = this.dag.insertChain(chain)
    if (inserted !== undefined) return { status: 'rejected', reason: inserted }
    this.#saps.set(sap.prefix, signedSap)
    this.#prune(sap.prefix)
    return { status: 'accepted' }
  }

  /** Our key for `prefix`: its own SAP's, else the closest compatible prefix's (its parent before a split). */
  #currentKeyFor(prefix: Prefix): BlsPublicKey | undefined {
    const exact = this.#saps.get(prefix)
    if (exact !== undefined) return exact.sap.sectionKey()
    let best: { prefix: Prefix; value: SignedSap } | undefined
    for (const entry of this.#saps.compatibleWith(prefix)) {
      // An ancestor (the section we split from) — the longest one.
      if (prefix.isExtensionOf(entry.prefix) && (best === undefined || entry.prefix.bitCount > best.prefix.bitCount)) best = entry
    }
    return best?.value.sap.sectionKey()
  }

  #prune(prefix: Prefix): void {
    // Descendants a merge replaced.
    for (const entry of [...this.#saps.compatibleWith(prefix)]) {
      if (entry.prefix.isExtensionOf(prefix)) this.#saps.delete(entry.prefix)
    }
    // An ancestor, once both of its children are known.
    for (let p = prefix; p.bitCount > 0; p = p.popped()) {
      if (!this.#saps.has(p) || !this.#saps.has(p.sibling())) break
      if (this.#saps.has(p.popped())) this.#saps.delete(p.popped())
    }
  }
}
