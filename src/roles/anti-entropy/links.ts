/**
 * The section's chain links (DESIGN.md §4, §7): after a handover or split the old elders sign each
 * new key with the old key; the combined signature is the link that proves the new SAP to anyone
 * who trusts the old key. A link and its SAP arrive in either order (the link by `AeUpdate` or
 * from our own combining, the SAP with the decision); once both are here the tree learns the new
 * section, a collector passes the link on to everyone who takes part in the change, and an elder
 * announces the SAP to its members and neighbours.
 */
import type { MembershipChange } from '../../consensus/index.ts'
import { type BlsPublicKey, type BlsSignature, toHex } from '../../crypto/index.ts'
import { ProofChain, type SignedSap } from '../../knowledge/index.ts'
import { dropOldest } from '../bounded.ts'
import { MAX_COMBINED_LINKS, MAX_PENDING_LINKS } from '../constants.ts'
import type { NodeComponents } from '../shell/components.ts'
import { isNeighbour } from './neighbours.ts'

interface Link {
  readonly parent: BlsPublicKey
  readonly child: BlsPublicKey
  readonly signature: BlsSignature
}

export class ChainLinks {
  readonly #c: NodeComponents
  readonly #learn: (sap: SignedSap, chain: ProofChain) => boolean
  /** SAPs we learnt from a handover/split decision, waiting for their chain link. */
  readonly #awaiting = new Map<string, SignedSap>()
  /** Links received before we learnt the child SAP from the decision. */
  readonly #links = new Map<string, Link>()
  /** Links this node combined (as a collector): it passes them on once it applies them. */
  readonly #combined = new Set<string>()
  /** Who gets a new link: the old elders and the new elders of every child, by child key. */
  readonly #recipients = new Map<string, string[]>()

  constructor(components: NodeComponents, learn: (sap: SignedSap, chain: ProofChain) => boolean) {
    this.#c = components
    this.#learn = learn
  }

  /** The new SAP(s) of a decided handover or split: each waits for its link. */
  await(saps: ReadonlyArray<SignedSap>): void {
    for (const s of saps) this.#awaiting.set(toHex(s.sap.sectionKey().toBytes()), s)
    this.#tryLinks()
  }

  /** Who a link this node combines goes to (set by each old elder as it signs its share). */
  recipients(child: BlsPublicKey, addrs: string[]): void {
    this.#recipients.set(toHex(child.toBytes()), addrs)
  }

  /** A link this node combined from the old elders' shares: applied, and passed on. */
  combined(link: Link): void {
    this.#combined.add(toHex(link.child.toBytes()))
    this.add(link.parent, link.child, link.signature)
  }

  add(parent: BlsPublicKey, child: BlsPublicKey, signature: BlsSignature): void {
    this.#links.set(toHex(child.toBytes()), { parent, child, signature })
    this.#tryLinks()
  }

  /** Applies links whose SAP we know: the tree learns the new section(s); new elders spread it. */
  #tryLinks(): void {
    const c = this.#c
    for (const [childHex, sap] of [...this.#awaiting]) {
      const link = this.#links.get(childHex)
      if (link === undefined) continue
      const base = c.tree.dag.has(link.parent) ? c.tree.dag.chainFromGenesis(link.parent) : undefined
      if (base === undefined) continue
      const chain = new ProofChain(base.root, [...base.links, { key: link.child, signature: link.signature }])
      this.#awaiting.delete(childHex)
      this.#links.delete(childHex)
      c.env.observer?.link(link.parent, link.child, sap.sap.prefix)
      this.#learn(sap, chain)
      // A collector passes the link on to everyone who takes part in the change: the old
      // elders and the new ones of every child.
      if (this.#combined.delete(childHex)) {
        const to = this.#recipients.get(childHex) ?? sap.sap.elders.map((e) => e.addr)
        c.send(to, 'AeUpdate', { sap: sap.toWire(), proofChain: chain.toWire() })
      }
      dropOldest(this.#recipients, MAX_COMBINED_LINKS, () => c.refuse('link-recipients-evicted'))
      dropOldest(this.#combined, MAX_COMBINED_LINKS, () => c.refuse('link-recipients-evicted'))
      if (c.elder.serving) this.#announceSap(sap, chain)
    }
    dropOldest(this.#links, MAX_PENDING_LINKS, () => c.refuse('link-evicted'))
  }

  /**
   * An elder tells the members it looks after about a new SAP of its section or of a neighbour;
   * when the SAP is its own section's, also the neighbouring sections' elders.
   */
  #announceSap(sap: SignedSap, chain: ProofChain): void {
    const c = this.#c
    const section = c.view!
    const own = sap.sap.sectionKey().equals(section.sap.sap.sectionKey())
    if (!own && !isNeighbour(sap.sap.prefix, section.sap.sap.prefix)) return
    const payload = { sap: sap.toWire(), proofChain: chain.toWire() }
    c.send(c.elder.lookedAfter().map((m) => m.addr), 'AeUpdate', payload)
    if (!own) return
    const index = c.elder.index
    for (const neighbour of c.tree.saps().filter((s) => isNeighbour(s.sap.prefix, sap.sap.prefix))) {
      // Elder i tells the neighbour's elder i (so each neighbour hears from several of us).
      const elder = neighbour.sap.elders[index % neighbour.sap.elders.length]
      if (elder !== undefined) c.send([elder.addr], 'AeUpdate', payload)
    }
  }

  /**
   * The merged section's keys descend from both siblings: the one taken in signed the other's
   * key when it asked to merge (DESIGN.md §8). Our DAG learns that edge from the decision, so the
   * chains we give prove the merged prefix to nodes that held either sibling.
   */
  linkMerge(absorb: Extract<MembershipChange, { kind: 'Absorb' }>): void {
    const c = this.#c
    const base = c.tree.dag.chainFromGenesis(absorb.sibling)
    const co = c.tree.dag.chainFromGenesis(absorb.sectionKey)
    const last = base?.links.at(-1)
    if (base === undefined || co === undefined || last === undefined) return
    const chain = new ProofChain(base.root, [...base.links.slice(0, -1), { ...last, also: [...(last.also ?? []), { chain: co.plain(), signature: absorb.link }] }])
    const refused = c.tree.dag.insertChain(chain)
    if (refused !== undefined) c.refuse(`merge-link-${refused}`)
  }
}
