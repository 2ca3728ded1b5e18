/**
 * SectionsDAG: every section key a node trusts, each child key signed by its parent key
 * (DESIGN.md §4). A handover gives a key one child; a split gives it two (both children signed
 * by the parent); a merge gives the merged key two parents' signatures, of which the DAG keeps
 * the first that reached it. Starting from the genesis key, any key is trusted iff a chain of
 * valid link signatures leads to it.
 *
 * A ProofChain is a path in the DAG: a root key and links, each link's key signed by the
 * previous key. Verifying one needs no DAG, only the keys and signatures it carries.
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

export interface ChainLink {
  readonly key: BlsPublicKey
  /** Signature of the previous key (or the root) over `linkBytes(key)`. */
  readonly signature: BlsSignature
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

  /** Index of the first link whose signature does not verify, or -1 when all do. */
  firstBrokenLink(): number {
    let previous = this.root
    for (let i = 0; i < this.links.length; i++) {
      const link = this.links[i]!
      if (!previous.verify(linkBytes(link.key), link.signature)) return i
      previous = link.key
    }
    return -1
  }

  toWire(): ProofChainWire {
    return { root: this.root.toBytes(), links: this.links.map((l) => ({ key: l.key.toBytes(), signature: l.signature.toBytes() })) }
  }

  /** From the wire; bad points are typed `InvalidEncoding` errors. */
  static fromWire(wire: ProofChainWire): ProofChain {
    return new ProofChain(
      BlsPublicKey.fromBytes(wire.root),
      wire.links.map((l) => ({ key: BlsPublicKey.fromBytes(l.key), signature: BlsSignature.fromBytes(l.signature) })),
    )
  }
}

interface DagEntry {
  readonly key: BlsPublicKey
  readonly parent: string | undefined
  /** The parent's signature over this key (absent for the genesis key). */
  readonly signature: BlsSignature | undefined
  readonly children: Set<string>
}

export type DagRejection = 'untrusted-root' | 'broken-link'

export class SectionsDAG {
  readonly genesis: BlsPublicKey
  readonly #entries = new Map<string, DagEntry>()

  constructor(genesis: BlsPublicKey) {
    this.genesis = genesis
    this.#entries.set(genesis.toHex(), { key: genesis, parent: undefined, signature: undefined, children: new Set() })
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

  parent(key: BlsPublicKey): BlsPublicKey | undefined {
    const parent = this.#entries.get(key.toHex())?.parent
    return parent === undefined ? undefined : this.#entries.get(parent)!.key
  }

  /** True when `ancestor` is `key` or lies on its path to genesis. */
  isAncestor(ancestor: BlsPublicKey, key: BlsPublicKey): boolean {
    let hex: string | undefined = key.toHex()
    const target = ancestor.toHex()
    while (hex !== undefined) {
      if (hex === target) return true
      hex = this.#entries.get(hex)?.parent
    }
    return false
  }

  /**
   * Adds the keys of a chain whose root we trust and whose links all verify. Keys already known
   * are kept as they are. Returns the reason when the chain cannot be trusted.
   */
  insertChain(chain: ProofChain): DagRejection | undefined {
    if (!this.has(chain.root)) return 'untrusted-root'
    if (chain.firstBrokenLink() !== -1) return 'broken-link'
    let parent = chain.root.toHex()
    for (const link of chain.links) {
      const hex = link.key.toHex()
      if (!this.#entries.has(hex)) {
        this.#entries.set(hex, { key: link.key, parent, signature: link.signature, children: new Set() })
        this.#entries.get(parent)!.children.add(hex)
      }
      parent = hex
    }
    return undefined
  }

  /** The path from `from` down to `to`, or undefined when `from` is not an ancestor of `to`. */
  proofChain(from: BlsPublicKey, to: BlsPublicKey): ProofChain | undefined {
    const links: ChainLink[] = []
    let hex: string | undefined = to.toHex()
    const target = from.toHex()
    while (hex !== undefined && hex !== target) {
      const entry: DagEntry | undefined = this.#entries.get(hex)
      if (entry === undefined || entry.signature === undefined) return undefined
      links.push({ key: entry.key, signature: entry.signature })
      hex = entry.parent
    }
    if (hex !== target) return undefined
    return new ProofChain(from, links.reverse())
  }

  /** The chain from genesis to `key`. */
  chainFromGenesis(key: BlsPublicKey): ProofChain | undefined {
    return this.proofChain(this.genesis, key)
  }
}
