/**
 * SectionsDAG: every section key a node trusts, each child key signed by its parent key
 * (DESIGN.md §4). A handover gives a key one child; a split gives it two (both children signed
 * by the parent); a merge gives the merged key two parents, both children of the merged prefix
 * (DESIGN.md §8). Starting from the genesis key, any key is trusted iff a chain of valid link
 * signatures leads to it.
 *
 * A ProofChain is a path in the DAG: a root key and links, each link's key signed by the
 * previous key; a merged key's link also carries its other parent's signature and that parent's
 * chain, so one chain proves the merge to a node that held either child. Verifying one needs no
 * DAG, only the keys and signatures it carries.
 */
import { BlsPublicKey, BlsSignature, concatBytes, domain, type BlsSecretKey } from '../crypto/index.ts'
import type { ProofChainWire } from '../wire/index.ts'

const LINK_DOMAIN = domain('safenet/section-key-link/v1')

/** What a parent key signs to vouch for a child key. */
export function linkBytes(child: BlsPublicKey): Uint8Array {
  return concatBytes(LINK_DOMAIN, child.toBytes())
}

/** Signs `child` with the parent's secret (genesis, tests; sections sign by threshold). */
export function signLink(parent: BlsSecretKey, child: BlsPublicKey): BlsSignature {
  return parent.sign(linkBytes(child))
}

/** A merged key's other parent: that parent's chain and its signature over the merged key. */
export interface CoParent {
  /** From a key the receiver trusts (genesis, as nodes send them) to the other parent. Plain: no co-parents of its own. */
  readonly chain: ProofChain
  readonly signature: BlsSignature
}

export interface ChainLink {
  readonly key: BlsPublicKey
  /** Signature of the previous key (or the root) over `linkBytes(key)`. */
  readonly signature: BlsSignature
  /** A merged key (DESIGN.md §8) is signed by both children: the other one here. */
  readonly also?: ReadonlyArray<CoParent>
}

export class ProofChain {
  readonly root: BlsPublicKey
  readonly links: ReadonlyArray<ChainLink>

  constructor(root: BlsPublicKey, links: ReadonlyArray<ChainLink> = []) {
    this.root = root
    this.links = links
  }

  /** The last key of the chain (the root if there are no links). */
  last(): BlsPublicKey {
    return this.links.at(-1)?.key ?? this.root
  }

  /** Index of the first link whose signature (or a co-parent's) does not verify, or -1 when all do. */
  firstBrokenLink(): number {
    let previous = this.root
    for (let i = 0; i < this.links.length; i++) {
      const link = this.links[i]!
      if (!previous.verify(linkBytes(link.key), link.signature)) return i
      for (const co of link.also ?? []) {
        if (co.chain.firstBrokenLink() !== -1 || !co.chain.last().verify(linkBytes(link.key), co.signature)) return i
      }
      previous = link.key
    }
    return -1
  }

  /** Whether `key` is on this chain: its root, a link, or on a co-parent's chain. */
  covers(key: BlsPublicKey): boolean {
    if (this.root.equals(key)) return true
    return this.links.some((link) => link.key.equals(key) || (link.also ?? []).some((co) => co.chain.covers(key)))
  }

  /** The same chain without co-parents (what a co-parent's chain carries). */
  plain(): ProofChain {
    return this.links.some((l) => l.also !== undefined) ? new ProofChain(this.root, this.links.map((l) => ({ key: l.key, signature: l.signature }))) : this
  }

  toWire(): ProofChainWire {
    return {
      root: this.root.toBytes(),
      links: this.links.map((l) => ({
        key: l.key.toBytes(), signature: l.signature.toBytes(),
        ...(l.also === undefined ? {} : { also: l.also.map((co) => ({ chain: co.chain.plain().toWire(), signature: co.signature.toBytes() })) }),
      })),
    }
  }

  /** From the wire; bad points are typed `InvalidEncoding` errors. */
  static fromWire(wire: ProofChainWire | PlainChainWire): ProofChain {
    return new ProofChain(
      BlsPublicKey.fromBytes(wire.root),
      wire.links.map((l) => {
        const link = { key: BlsPublicKey.fromBytes(l.key), signature: BlsSignature.fromBytes(l.signature) }
        const also = 'also' in l ? l.also : undefined
        return also === undefined ? link : { ...link, also: also.map((co) => ({ chain: ProofChain.fromWire(co.chain), signature: BlsSignature.fromBytes(co.signature) })) }
      }),
    )
  }
}

type PlainChainWire = { readonly root: Uint8Array; readonly links: ReadonlyArray<{ readonly key: Uint8Array; readonly signature: Uint8Array }> }

interface ParentEdge {
  readonly hex: string
  /** The parent's signature over the child key. */
  readonly signature: BlsSignature
}

interface DagEntry {
  readonly key: BlsPublicKey
  /** The keys that signed this one: none for genesis, one after a handover or split, two after a merge (first = first seen). */
  readonly parents: ParentEdge[]
  readonly children: Set<string>
}

export type DagRejection = 'untrusted-root' | 'broken-link'

export class SectionsDAG {
  readonly genesis: BlsPublicKey
  readonly #entries = new Map<string, DagEntry>()

  constructor(genesis: BlsPublicKey) {
    this.genesis = genesis
    this.#entries.set(genesis.toHex(), { key: genesis, parents: [], children: new Set() })
  }

  get size(): number {
    return this.#entries.size
  }

  has(key: BlsPublicKey): boolean {
    return this.#entries.has(key.toHex())
  }

  /** Keys with no children: the current keys of the sections we know of. */
  leaves(): BlsPublicKey[] {
    return [...this.#entries.values()].filter((e) => e.children.size === 0).map((e) => e.key)
  }

  children(key: BlsPublicKey): BlsPublicKey[] {
    return [...(this.#entries.get(key.toHex())?.children ?? [])].map((hex) => this.#entries.get(hex)!.key)
  }

  /** The first parent (a merged key has two). */
  parent(key: BlsPublicKey): BlsPublicKey | undefined {
    const parent = this.#entries.get(key.toHex())?.parents[0]
    return parent === undefined ? undefined : this.#entries.get(parent.hex)!.key
  }

  parents(key: BlsPublicKey): BlsPublicKey[] {
    return (this.#entries.get(key.toHex())?.parents ?? []).map((p) => this.#entries.get(p.hex)!.key)
  }

  /** True when `ancestor` is `key` or lies on one of its paths to genesis. */
  isAncestor(ancestor: BlsPublicKey, key: BlsPublicKey): boolean {
    return this.#isAncestorHex(ancestor.toHex(), key.toHex())
  }

  #isAncestorHex(target: string, from: string): boolean {
    const seen = new Set<string>()
    const stack = [from]
    while (stack.length > 0) {
      const hex = stack.pop()!
      if (hex === target) return true
      if (seen.has(hex)) continue
      seen.add(hex)
      for (const p of this.#entries.get(hex)?.parents ?? []) stack.push(p.hex)
    }
    return false
  }

  /**
   * Adds the keys of a chain whose root (and co-parents' roots) we trust and whose links all
   * verify. Keys already known keep their place; a known key signed by a new parent (the other
   * child of a merge) gains that parent. Returns the reason when the chain cannot be trusted.
   */
  insertChain(chain: ProofChain): DagRejection | undefined {
    if (!this.has(chain.root)) return 'untrusted-root'
    for (const link of chain.links) for (const co of link.also ?? []) if (!this.has(co.chain.root)) return 'untrusted-root'
    if (chain.firstBrokenLink() !== -1) return 'broken-link'
    let parent = chain.root.toHex()
    for (const link of chain.links) {
      for (const co of link.also ?? []) this.#insertVerified(co.chain)
      const hex = link.key.toHex()
      this.#addEdge(parent, hex, link.key, link.signature)
      for (const co of link.also ?? []) this.#addEdge(co.chain.last().toHex(), hex, link.key, co.signature)
      parent = hex
    }
    return undefined
  }

  #insertVerified(chain: ProofChain): void {
    let parent = chain.root.toHex()
    for (const link of chain.links) {
      this.#addEdge(parent, link.key.toHex(), link.key, link.signature)
      parent = link.key.toHex()
    }
  }

  /** parent → child, verified by the caller; never an edge that would close a cycle. */
  #addEdge(parentHex: string, hex: string, key: BlsPublicKey, signature: BlsSignature): void {
    const entry = this.#entries.get(hex)
    if (entry === undefined) {
      this.#entries.set(hex, { key, parents: [{ hex: parentHex, signature }], children: new Set() })
    } else {
      if (entry.parents.some((p) => p.hex === parentHex) || this.#isAncestorHex(hex, parentHex)) return
      entry.parents.push({ hex: parentHex, signature })
    }
    this.#entries.get(parentHex)!.children.add(hex)
  }

  /**
   * A path from `from` down to `to`, or undefined when `from` is not an ancestor of `to`. A
   * merged key on the path carries its other parents as co-parents, each with its chain from genesis.
   */
  proofChain(from: BlsPublicKey, to: BlsPublicKey): ProofChain | undefined {
    const target = from.toHex()
    // Depth-first up the parents; `via` remembers the edge each key was reached from.
    const via = new Map<string, string | undefined>([[to.toHex(), undefined]])
    const stack = [to.toHex()]
    let found = false
    while (stack.length > 0 && !found) {
      const hex = stack.pop()!
      for (const p of this.#entries.get(hex)?.parents ?? []) {
        if (via.has(p.hex)) continue
        via.set(p.hex, hex)
        if (p.hex === target) {
          found = true
          break
        }
        stack.push(p.hex)
      }
    }
    if (!found && target !== to.toHex()) return undefined
    const links: ChainLink[] = []
    for (let parent = target, child = via.get(target); child !== undefined; parent = child, child = via.get(child)) {
      const entry = this.#entries.get(child)!
      const edge = entry.parents.find((p) => p.hex === parent)!
      const others = entry.parents.filter((p) => p.hex !== parent)
      const also = others.flatMap((p) => {
        const chain = this.chainFromGenesis(this.#entries.get(p.hex)!.key)
        return chain === undefined ? [] : [{ chain: chain.plain(), signature: p.signature }]
      })
      links.push(also.length === 0 ? { key: entry.key, signature: edge.signature } : { key: entry.key, signature: edge.signature, also })
    }
    return new ProofChain(from, links)
  }

  /** The chain from genesis to `key`. */
  chainFromGenesis(key: BlsPublicKey): ProofChain | undefined {
    return this.proofChain(this.genesis, key)
  }
}
