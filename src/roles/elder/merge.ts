/**
 * Merging (DESIGN.md §8): a section below `elderCount` members decides `Merge`; its elders then
 * send their shares of its key's signature over the merge (its key, the sibling's key, its
 * members) and over the link to the sibling's key (`MergeShare`) to the sibling's elders, until
 * they take it in. The sibling's elders combine both signatures and propose `Absorb`; once decided
 * they approve every merged member into the parent prefix.
 */
import { type Member, memberFromWire, memberToWire, mergeBytes, type SectionView } from '../../consensus/index.ts'
import { BlsPublicKey, sha3_256, toHex } from '../../crypto/index.ts'
import { decodeSapAndChain, linkBytes } from '../../knowledge/index.ts'
import type { PayloadOf } from '../../wire/index.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { ElderRole, ElderTerm } from './elder.ts'
import { countInvalid } from './change.ts'
import { siblingSplit } from './validity.ts'

export class Merging {
  readonly #c: NodeComponents
  readonly #elder: ElderRole

  constructor(components: NodeComponents, elder: ElderRole) {
    this.#c = components
    this.#elder = elder
  }

  /**
   * We decided to merge: our share of our key's signature over the merge (us, the sibling key,
   * our members) goes to the sibling's elders, with our SAP and chain, until they take us in or
   * the sibling splits.
   */
  sendMergeShare(term: ElderTerm, section: SectionView): void {
    const c = this.#c
    const ours = section.sap.sap.sectionKey()
    // The sibling split meanwhile: nobody can take us in; we call the merge off.
    if (siblingSplit(c)) {
      this.#elder.propose({ kind: 'Merge', sibling: ours })
      return
    }
    const sibling = c.tree.get(section.sap.sap.prefix.sibling())
    const chain = c.tree.dag.chainFromGenesis(ours)
    if (sibling === undefined || chain === undefined || section.merging === undefined) return
    if (!sibling.sap.sectionKey().equals(section.merging) && !c.tree.dag.isAncestor(section.merging, sibling.sap.sectionKey())) return
    const members = section.members.members()
    const bytes = mergeBytes(ours, section.merging, members)
    const hex = toHex(sha3_256(bytes))
    if (term.mergeShare?.hex !== hex) {
      term.mergeShare = { hex, share: term.share.sign(bytes).toBytes(), link: term.share.sign(linkBytes(section.merging)).toBytes() }
    }
    c.send(sibling.sap.elders.map((e) => e.addr), 'MergeShare', {
      sap: section.sap.toWire(), proofChain: chain.toWire(), sibling: section.merging.toBytes(),
      members: members.map(memberToWire), index: term.index, share: term.mergeShare.share, link: term.mergeShare.link,
    })
  }

  /** A sibling section that decided to merge into ours: once its key signed, we propose to take it in. */
  onMergeShare(payload: PayloadOf<'MergeShare'>): void {
    const c = this.#c
    const section = c.view
    if (this.#elder.term === undefined || section === undefined) return
    const decoded = decodeSapAndChain(payload)
    let sibling: BlsPublicKey
    let members: Member[]
    try {
      sibling = BlsPublicKey.fromBytes(payload.sibling)
      members = payload.members.map(memberFromWire)
    } catch {
      return c.refuse('bad-merge-share')
    }
    if (decoded === undefined) return c.refuse('bad-merge-share')
    const { sap, chain } = decoded
    if (!sap.sap.prefix.equals(section.sap.sap.prefix.sibling())) return c.refuse('merge-share-not-sibling')
    c.antiEntropy.learn(sap, chain)
    const key = sap.sap.sectionKey()
    if (c.tree.get(sap.sap.prefix)?.sap.sectionKey().equals(key) !== true) return
    const keySet = sap.sap.publicKeySet
    const signed = c.aggregator.add(mergeBytes(key, sibling, members), keySet, payload.index, payload.share)
    const linked = c.aggregator.add(linkBytes(sibling), keySet, payload.index, payload.link)
    if (signed.kind === 'malformed' || linked.kind === 'malformed') return c.refuse('bad-merge-share')
    if (signed.kind === 'pending') countInvalid(c, signed.badSigners, 'invalid-merge-share')
    if (linked.kind === 'pending') countInvalid(c, linked.badSigners, 'invalid-merge-share')
    const signature = signed.kind === 'combined' || signed.kind === 'done' ? signed.signature : undefined
    const link = linked.kind === 'combined' || linked.kind === 'done' ? linked.signature : undefined
    // Proposed again on every share: it is valid only once we are free to take the sibling in.
    if (signature !== undefined && link !== undefined) this.#elder.propose({ kind: 'Absorb', sectionKey: key, sibling, members, signature, link })
  }
}
