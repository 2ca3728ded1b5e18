import { describe, expect, it } from 'vitest'
import type { BlsSecretKey} from '../../src/crypto/index.ts';
import { SecretKeySet } from '../../src/crypto/index.ts'
import { ProofChain, SectionAuthorityProvider, SectionsDAG, SectionTree, SignedSap, signLink } from '../../src/knowledge/index.ts'
import { Prefix, XorName } from '../../src/xor/index.ts'

/** A section key: a 1-of-2 key set is enough to sign SAPs and links in these tests. */
function sectionKeys() {
  const set = SecretKeySet.random(1)
  return { set, secret: set.secretKey(), public: set.publicKeys().publicKey() }
}
type Keys = ReturnType<typeof sectionKeys>

function signedSap(prefix: Prefix, keys: Keys, generation = 1, signer: BlsSecretKey = keys.secret): SignedSap {
  const elder = { name: XorName.fromContent(Buffer.from(`elder-${prefix.toBits()}-${generation}`)), addr: '/ip4/127.0.0.1/tcp/4000' }
  const sap = new SectionAuthorityProvider({
    prefix, publicKeySet: keys.set.publicKeys(), elders: [elder],
    members: [{ name: elder.name, addr: elder.addr, age: 6, state: { kind: 'Joined' } }], generation,
  })
  return new SignedSap(sap, signer.sign(sap.signingBytes()))
}

function link(parent: Keys, child: Keys) {
  return { key: child.public, signature: signLink(parent.secret, child.public) }
}

describe('SectionTree updates', () => {
  const genesis = sectionKeys()
  const root = Prefix.EMPTY

  it('accepts a handover whose new key is signed by the current one', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const next = sectionKeys()
    expect(tree.update(signedSap(root, next), new ProofChain(genesis.public, [link(genesis, next)]))).toEqual({ status: 'accepted' })
    expect(tree.get(root)!.sap.sectionKey().equals(next.public)).toBe(true)
    expect(tree.dag.chainFromGenesis(next.public)!.links).toHaveLength(1)
  })

  it('rejects a forged link, naming it', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const next = sectionKeys()
    const forger = sectionKeys()
    const forged = new ProofChain(genesis.public, [{ key: next.public, signature: signLink(forger.secret, next.public) }])
    expect(tree.update(signedSap(root, next), forged)).toEqual({ status: 'rejected', reason: 'broken-link' })
    expect(tree.dag.has(next.public)).toBe(false)
  })

  it('rejects a SAP signed by another key than the chain ends at (wrong signer)', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const next = sectionKeys()
    const impostor = sectionKeys()
    expect(tree.update(signedSap(root, next, 2, impostor.secret), new ProofChain(genesis.public, [link(genesis, next)])))
      .toEqual({ status: 'rejected', reason: 'bad-sap-signature' })
    expect(tree.update(signedSap(root, impostor), new ProofChain(genesis.public, [link(genesis, next)])))
      .toEqual({ status: 'rejected', reason: 'chain-does-not-end-at-sap-key' })
  })

  it('rejects a chain that skips a key', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const k1 = sectionKeys()
    const k2 = sectionKeys()
    // genesis → k1 → k2, presented as genesis → k2 with k1's signature on k2.
    const skipping = new ProofChain(genesis.public, [{ key: k2.public, signature: signLink(k1.secret, k2.public) }])
    expect(tree.update(signedSap(root, k2), skipping)).toEqual({ status: 'rejected', reason: 'broken-link' })
    // The full chain is fine.
    expect(tree.update(signedSap(root, k2), new ProofChain(genesis.public, [link(genesis, k1), link(k1, k2)]))).toEqual({ status: 'accepted' })
  })

  it('rejects a chain rooted in a key it does not trust', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const stranger = sectionKeys()
    const next = sectionKeys()
    expect(tree.update(signedSap(root, next), new ProofChain(stranger.public, [link(stranger, next)])))
      .toEqual({ status: 'rejected', reason: 'untrusted-root' })
  })

  it('a split: one parent key signs two children; both sections known, the parent prefix dropped', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const zero = sectionKeys()
    const one = sectionKeys()
    expect(tree.update(signedSap(Prefix.parse('0'), zero), new ProofChain(genesis.public, [link(genesis, zero)]))).toEqual({ status: 'accepted' })
    expect(tree.prefixes().map((p) => p.toBits()).sort()).toEqual(['', '0'])
    expect(tree.update(signedSap(Prefix.parse('1'), one), new ProofChain(genesis.public, [link(genesis, one)]))).toEqual({ status: 'accepted' })
    expect(tree.prefixes().map((p) => p.toBits()).sort()).toEqual(['0', '1'])
    expect(tree.dag.children(genesis.public).map((k) => k.toHex()).sort()).toEqual([zero.public.toHex(), one.public.toHex()].sort())
    const name = XorName.fromHex('80'.padEnd(64, '0'))
    expect(tree.sectionFor(name)!.sap.prefix.toBits()).toBe('1')
  })

  it('ignores stale updates: an older SAP of the same key, or a key we already moved past', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis, 5))
    expect(tree.update(signedSap(root, genesis, 4), new ProofChain(genesis.public))).toEqual({ status: 'ignored', reason: 'stale' })
    expect(tree.update(signedSap(root, genesis, 6), new ProofChain(genesis.public))).toEqual({ status: 'accepted' })
    const next = sectionKeys()
    tree.update(signedSap(root, next), new ProofChain(genesis.public, [link(genesis, next)]))
    expect(tree.update(signedSap(root, genesis, 9), new ProofChain(genesis.public))).toEqual({ status: 'ignored', reason: 'stale' })
  })

  it('cannot be rolled back by replaying the genesis SAP after a split', () => {
    const genesisSap = signedSap(root, genesis)
    const tree = SectionTree.fromGenesis(genesisSap)
    const zero = sectionKeys()
    const one = sectionKeys()
    tree.update(signedSap(Prefix.parse('0'), zero), new ProofChain(genesis.public, [link(genesis, zero)]))
    tree.update(signedSap(Prefix.parse('1'), one), new ProofChain(genesis.public, [link(genesis, one)]))
    expect(tree.update(genesisSap, new ProofChain(genesis.public))).toEqual({ status: 'ignored', reason: 'stale' })
    expect(tree.prefixes().map((p) => p.toBits()).sort()).toEqual(['0', '1'])
  })

  it('refuses a fork: a chain for a known prefix that does not pass through our current key', () => {
    const tree = SectionTree.fromGenesis(signedSap(root, genesis))
    const current = sectionKeys()
    tree.update(signedSap(root, current), new ProofChain(genesis.public, [link(genesis, current)]))
    const rival = sectionKeys()
    expect(tree.update(signedSap(root, rival), new ProofChain(genesis.public, [link(genesis, rival)])))
      .toEqual({ status: 'rejected', reason: 'root-is-not-our-current-key' })
  })

  describe('a merge: both children sign the merged key (DESIGN.md §8)', () => {
    function splitTree() {
      const tree = SectionTree.fromGenesis(signedSap(root, genesis))
      const zero = sectionKeys()
      const one = sectionKeys()
      tree.update(signedSap(Prefix.parse('0'), zero), new ProofChain(genesis.public, [link(genesis, zero)]))
      tree.update(signedSap(Prefix.parse('1'), one), new ProofChain(genesis.public, [link(genesis, one)]))
      return { tree, zero, one }
    }

    it('accepts the merged SAP with both signatures, drops both children, and proves it on from either', () => {
      const { tree, zero, one } = splitTree()
      const merged = sectionKeys()
      const chain = new ProofChain(genesis.public, [link(genesis, one), {
        ...link(one, merged),
        also: [{ chain: new ProofChain(genesis.public, [link(genesis, zero)]), signature: signLink(zero.secret, merged.public) }],
      }])
      expect(tree.update(signedSap(root, merged, 2), ProofChain.fromWire(chain.toWire()))).toEqual({ status: 'accepted' })
      expect(tree.prefixes().map((p) => p.toBits())).toEqual([''])
      expect(tree.dag.parents(merged.public).map((k) => k.toHex()).sort()).toEqual([zero.public.toHex(), one.public.toHex()].sort())
      expect(tree.dag.isAncestor(zero.public, merged.public) && tree.dag.isAncestor(one.public, merged.public)).toBe(true)
      // The chain a node sends on carries the other child as co-parent: a node that had heard of
      // one child only accepts it, and learns both keys.
      const proof = tree.dag.chainFromGenesis(merged.public)!
      expect(proof.links.at(-1)!.also).toHaveLength(1)
      const partial = SectionTree.fromGenesis(signedSap(root, genesis))
      partial.update(signedSap(Prefix.parse('0'), zero), new ProofChain(genesis.public, [link(genesis, zero)]))
      expect(partial.update(signedSap(root, merged, 2), ProofChain.fromWire(proof.toWire()))).toEqual({ status: 'accepted' })
      expect(partial.prefixes().map((p) => p.toBits())).toEqual([''])
      expect(partial.dag.has(one.public)).toBe(true)
    })

    it('ignores a merged key signed by one child only: the sibling cannot take over the other half', () => {
      const { tree, zero, one } = splitTree()
      const merged = sectionKeys()
      expect(tree.update(signedSap(root, merged, 2), new ProofChain(genesis.public, [link(genesis, one), link(one, merged)])))
        .toEqual({ status: 'ignored', reason: 'stale' })
      expect(tree.prefixes().map((p) => p.toBits()).sort()).toEqual(['0', '1'])
      expect(tree.get(Prefix.parse('0'))!.sap.sectionKey().equals(zero.public)).toBe(true)
    })

    it('rejects a forged co-parent signature, naming the link', () => {
      const { tree, zero, one } = splitTree()
      const merged = sectionKeys()
      const forger = sectionKeys()
      const chain = new ProofChain(genesis.public, [link(genesis, one), {
        ...link(one, merged),
        also: [{ chain: new ProofChain(genesis.public, [link(genesis, zero)]), signature: signLink(forger.secret, merged.public) }],
      }])
      expect(chain.firstBrokenLink()).toBe(1)
      expect(tree.update(signedSap(root, merged, 2), chain)).toEqual({ status: 'rejected', reason: 'broken-link' })
      expect(tree.dag.has(merged.public)).toBe(false)
    })
  })

  it('round-trips SAPs and chains through the wire schemas', () => {
    const sap = signedSap(Prefix.parse('01'), genesis, 3)
    const back = SignedSap.fromWire(sap.toWire())
    expect(back.verify()).toBe(true)
    expect(back.sap.signingBytes()).toEqual(sap.sap.signingBytes())
    const next = sectionKeys()
    const chain = new ProofChain(genesis.public, [link(genesis, next)])
    expect(ProofChain.fromWire(chain.toWire()).firstBrokenLink()).toBe(-1)
  })
})

describe('SectionsDAG', () => {
  it('gives proof chains between any ancestor and descendant, and none the other way', () => {
    const g = sectionKeys()
    const a = sectionKeys()
    const b = sectionKeys()
    const dag = new SectionsDAG(g.public)
    expect(dag.insertChain(new ProofChain(g.public, [link(g, a), link(a, b)]))).toBeUndefined()
    expect(dag.proofChain(g.public, b.public)!.links.map((l) => l.key.toHex())).toEqual([a.public.toHex(), b.public.toHex()])
    expect(dag.proofChain(a.public, b.public)!.links).toHaveLength(1)
    expect(dag.proofChain(b.public, g.public)).toBeUndefined()
    expect(dag.leaves().map((k) => k.toHex())).toEqual([b.public.toHex()])
  })
})
