/**
 * Changing the elders (DESIGN.md §7, §8): after each decision the section machine says whether an
 * election, a split or a merge is due. For an election or split each elder signs a `DkgStart` per
 * new prefix (its candidates: the oldest members) and the elder machine announces it until the
 * new SAPs are signed; the candidates run their DKG (the dkg role) and send their shares of the new
 * SAP to the collecting elders, which combine them; then the elders propose `Handover(sap)` or
 * `Split(sap0, sap1)`. Once decided, each old elder signs each new key with its old share
 * (`LinkShare`) and the collectors combine the chain link. A session that does not complete is
 * reported by its candidates (`DkgFailure`); a candidate named by enough of them is voted off.
 */
import type { Session } from '../../../machines/elder.machine.ts'
import { type AppliedDecision, dkgSessionId, type Member, needsNewElders, signDkgStart, splitFor } from '../../consensus/index.ts'
import { BlsPublicKey, type NodePublicKey, type PublicKeySet, SignatureShare, threshold, toHex } from '../../crypto/index.ts'
import { linkBytes, SectionAuthorityProvider, SignedSap } from '../../knowledge/index.ts'
import type { DkgStartWire, PayloadOf } from '../../wire/index.ts'
import { Prefix, XorName } from '../../xor/index.ts'
import { addBounded, dropOldest } from '../bounded.ts'
import { collectors, COLLECTORS, MAX_LATE_LINK_SENDERS, MAX_LINK_PARENTS } from '../constants.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { ElderRole, ElderTerm } from './elder.ts'
import type { Merging } from './merge.ts'
import { elderCandidatesOf } from './validity.ts'

export class ElderChange {
  readonly #c: NodeComponents
  readonly #elder: ElderRole
  readonly #merging: Merging
  /** Parent key sets of the links we combine, by parent key. */
  readonly #linkParents = new Map<string, PublicKeySet>()
  /**
   * `child/from` of late link shares seen once: shares that arrive just after we combined the link
   * are the handover's own (the slowest of the old elders), not a resend, and need no answer —
   * checking each cost 3.1 s of a 126 s 150-node run. A second share from the same address is a
   * resend (its sender has not heard of the link): that one is checked and answered. Bounded:
   * {@link MAX_LATE_LINK_SENDERS}, the oldest goes, counted `late-link-senders-evicted`.
   */
  readonly #lateLinkSenders = new Set<string>()
  /** New keys (hex) we sent our link share for, so a resend goes to every old elder (bounded: MAX_LINK_PARENTS). */
  readonly #linksSent = new Set<string>()

  constructor(components: NodeComponents, elder: ElderRole, merging: Merging) {
    this.#c = components
    this.#elder = elder
    this.#merging = merging
  }

  /** After a decision: is an elder change or split due (the section machine says), and is it the one we asked for? */
  check(term: ElderTerm): void {
    const c = this.#c
    const section = c.view!
    const members = section.members
    const split = c.section.due('splitting') ? splitFor(members, c.params) : undefined
    let targets: Array<{ prefix: Prefix; candidates: Member[] }>
    if (split !== undefined) {
      targets = [{ prefix: split.zero.prefix, candidates: elderCandidatesOf(c, term, split.zero) }, { prefix: split.one.prefix, candidates: elderCandidatesOf(c, term, split.one) }]
    } else if (c.section.due('electing')) {
      targets = [{ prefix: members.prefix, candidates: elderCandidatesOf(c, term, members) }]
    } else if (c.section.due('shrunk')) {
      // Too few members: merge into the sibling if it is a section (DESIGN.md §8). When both
      // siblings are small, the 1 side asks (the 0 side would take it in anyway).
      const prefix = section.sap.sap.prefix
      const sibling = c.tree.get(prefix.sibling())
      const asks = sibling !== undefined && (sibling.sap.elders.length >= c.params.elderCount || prefix.popped().childBit(prefix.name) === 1)
      if (sibling !== undefined && asks) this.#elder.propose({ kind: 'Merge', sibling: sibling.sap.sectionKey() })
      const elect = !asks && needsNewElders(members, term.elders.map((e) => e.name), c.params)
      targets = elect ? [{ prefix: members.prefix, candidates: elderCandidatesOf(c, term, members) }] : []
    } else {
      targets = []
    }
    let id = targets.map((t) => `${t.prefix.toString()}:${t.candidates.map((m) => m.name.toHex()).join(',')}`).join('|')
    // Merging: the elder machine's announcements send our merge shares to the sibling.
    if (section.merging !== undefined) id = `merge:${section.merging.toHex()}`
    if (id === (term.target ?? '')) return
    term.target = id
    term.dkgStarts.clear()
    term.dkgFailures.clear()
    term.newSaps.clear()
    term.sharesFrom.clear()
    for (const target of targets) {
      const names = target.candidates.map((m) => m.name.bytes)
      const generation = members.generation
      const chainLength = section.sap.sap.generation
      const start = signDkgStart(c.env.wire.keypair, {
        sessionId: dkgSessionId(target.prefix, names, generation, chainLength),
        prefix: { bitCount: target.prefix.bitCount, name: target.prefix.name.bytes },
        candidates: names,
        keys: target.candidates.map((m) => m.publicKey),
        addrs: target.candidates.map((m) => m.addr),
        generation,
        chainLength,
        elder: term.index,
      })
      term.dkgStarts.set(toHex(start.sessionId), start)
    }
    // The elder machine announces now and again until the new SAPs are signed (or the target moves).
    const mode = section.merging !== undefined ? 'merge' : split !== undefined ? 'split' : 'elect'
    term.duties.send({ type: 'CHANGE_DUE', target: id, mode })
  }

  /** Sends our DkgStart to the candidates that have not sent their share of the new SAP yet. */
  announce(term: ElderTerm): void {
    const c = this.#c
    if (this.#elder.term !== term) return
    if (c.view?.merging !== undefined) return this.#merging.sendMergeShare(term, c.view)
    for (const start of term.dkgStarts.values()) {
      const prefix = Prefix.of(XorName.fromBytes(start.prefix.name), start.prefix.bitCount).toString()
      if (term.newSaps.has(prefix)) continue
      const to = start.addrs.filter((a, i) => a !== c.addr && !term.sharesFrom.has(`${prefix}/${start.generation}/${i}`))
      c.send(to, 'DkgStart', { start })
      if (start.candidates.some((cand) => toHex(cand) === c.name.toHex())) c.dkg.onStart(c.env.wire.keypair.publicKey, start)
    }
  }

  onSapShare(payload: PayloadOf<'SapShare'>): void {
    const c = this.#c
    const term = this.#elder.term
    if (term === undefined) return
    let sap: SectionAuthorityProvider
    try {
      sap = SectionAuthorityProvider.fromWire(payload.sap)
    } catch {
      return c.refuse('bad-sap-share')
    }
    term.sharesFrom.add(`${sap.prefix.toString()}/${sap.generation}/${payload.index}`)
    const outcome = c.aggregator.add(sap.signingBytes(), sap.publicKeySet, payload.index, payload.share)
    if (outcome.kind === 'malformed') return c.refuse('bad-sap-share')
    // The change's sessions: a candidate of this one completed its DKG. Only a SAP of a session we
    // run now counts (prefix, generation and candidates, in order): one of an earlier target whose
    // session completed late would be proposed, found invalid, and leave us proposing nothing for good.
    const starts = [...term.dkgStarts.values()]
    const prefixes = starts.map((st) => Prefix.of(XorName.fromBytes(st.prefix.name), st.prefix.bitCount).toString())
    const session = sessionOf(starts, sap)
    if (session !== undefined) term.duties.send({ type: 'SAP_SHARE', session })
    if (outcome.kind === 'pending') countInvalid(c, outcome.badSigners, 'invalid-sap-share')
    if (outcome.kind !== 'combined' || session === undefined) return
    const combined = outcome.signature
    term.newSaps.set(sap.prefix.toString(), new SignedSap(sap, combined))
    // The session's SAP is signed; once every session's is, the elder machine proposes the change.
    term.duties.send({ type: 'SAP_SIGNED', session })
    if (prefixes.length === 0 || !prefixes.every((p) => term.newSaps.has(p))) this.proposeChange(term)
  }

  proposeChange(term: ElderTerm): void {
    const c = this.#c
    const section = c.view!
    const split = splitFor(section.members, c.params)
    if (split !== undefined) {
      const zero = term.newSaps.get(split.zero.prefix.toString())
      const one = term.newSaps.get(split.one.prefix.toString())
      if (zero !== undefined && one !== undefined) this.#elder.propose({ kind: 'Split', zero, one })
      return
    }
    const sap = term.newSaps.get(section.members.prefix.toString())
    if (sap !== undefined) this.#elder.propose({ kind: 'Handover', sap })
  }

  /**
   * A candidate reports an abandoned session of ours: once `threshold + 1` candidates (so at least
   * one honest) name the same candidate, we propose `Left` for it; the next session goes without it.
   */
  onDkgFailure(sender: NodePublicKey, payload: PayloadOf<'DkgFailure'>): void {
    const term = this.#elder.term
    if (term === undefined) return
    const hex = toHex(payload.sessionId)
    const start = term.dkgStarts.get(hex)
    if (start === undefined) return
    const reporter = start.candidates.findIndex((cand) => toHex(cand) === sender.name.toHex())
    if (reporter < 0) return this.#c.refuse('dkg-failure-from-non-candidate')
    const session = [...term.dkgStarts.keys()].indexOf(hex) as Session
    term.duties.send({ type: 'DKG_ABANDONED', session })
    let reports = term.dkgFailures.get(hex)
    if (reports === undefined) term.dkgFailures.set(hex, (reports = new Map<number, Set<number>>()))
    const needed = threshold(start.candidates.length) + 1
    for (const index of new Set(payload.nonParticipants)) {
      if (index === reporter || index >= start.candidates.length) continue
      let by = reports.get(index)
      if (by === undefined) reports.set(index, (by = new Set()))
      by.add(reporter)
      if (by.size !== needed) continue
      this.#elder.propose({ kind: 'Left', name: XorName.fromBytes(start.candidates[index]!) })
      term.duties.send({ type: 'DKG_FAILED', session })
    }
  }

  /** A handover or split was decided: we sign each new key with our old share, for the collectors. */
  signLinks(term: ElderTerm, applied: AppliedDecision): void {
    const c = this.#c
    const structural = applied.structural!
    const signingKey = applied.signingKey.sap.sectionKey()
    const saps = structural.kind === 'Handover' ? [structural.sap] : [structural.zero, structural.one]
    for (const s of saps) {
      const child = s.sap.sectionKey()
      const share = term.share.sign(linkBytes(child))
      const payload = { parent: signingKey.toBytes(), child: child.toBytes(), index: term.index, share: share.toBytes() }
      // To the collectors, who combine the link and pass it on as an AeUpdate (see ChainLinks).
      c.antiEntropy.links.recipients(child, [...new Set([...term.elders, ...saps.flatMap((x) => x.sap.elders)].map((e) => e.addr))])
      // Sent again (the link is not ours yet): to every old elder, and we combine too. The first
      // three by name may have crashed since the decision, and then nobody combined the link:
      // 300 nodes, seed 8, `--byzantine 2 --churn 0.25 --drop 0.15` resent 6,107 shares to
      // them and Prefix(000)'s new key never had a chain (approval-without-chain 1,347).
      const again = addBounded(this.#linksSent, toHex(child.toBytes()), MAX_LINK_PARENTS)
      if (again || term.index < COLLECTORS) this.onLinkShare(payload)
      const to = again ? term.elders.filter((e) => e.addr !== c.addr) : collectors(term.elders)
      c.send(to.map((e) => e.addr), 'LinkShare', payload)
    }
  }

  /** A share of a new key's link (`from` an old elder, or our own when `from` is undefined). */
  onLinkShare(payload: PayloadOf<'LinkShare'>, from?: string): void {
    const c = this.#c
    const parentHex = toHex(payload.parent)
    // The parent key set, looked up once per link (by the time the last shares come the tree may
    // hold the new SAP already).
    let parent = this.#linkParents.get(parentHex)
    if (parent === undefined) {
      parent = this.#keySetFor(payload.parent)
      if (parent === undefined) return
      this.#linkParents.set(parentHex, parent)
      dropOldest(this.#linkParents, MAX_LINK_PARENTS)
    }
    let child: BlsPublicKey
    try {
      child = BlsPublicKey.fromBytes(payload.child)
    } catch {
      return c.refuse('bad-link-share')
    }
    if (c.tree.dag.has(child)) {
      // Linked already: an old elder resends because it has not heard; it gets the link, on the
      // SAPs of ours that descend from the key (the key's own, or the newer one it led to). Only
      // for a valid share (cached: a resent share is the same bytes), so nobody else can make us send.
      if (from !== undefined && this.#resent(`${toHex(payload.child)}/${from}`) && validShare(parent, payload.index, payload.share, linkBytes(child))) {
        c.antiEntropy.sendSaps(from, c.tree.saps().filter((s) => c.tree.dag.isAncestor(child, s.sap.sectionKey())))
      }
      return
    }
    const outcome = c.aggregator.add(linkBytes(child), parent, payload.index, payload.share)
    if (outcome.kind === 'malformed') return c.refuse('bad-link-share')
    if (outcome.kind === 'pending') countInvalid(c, outcome.badSigners, 'invalid-link-share')
    if (outcome.kind !== 'combined') return
    c.antiEntropy.links.combined({ parent: parent.publicKey(), child, signature: outcome.signature })
  }

  /** Whether a late share from this `child/from` came before (see {@link #lateLinkSenders}). */
  #resent(key: string): boolean {
    return addBounded(this.#lateLinkSenders, key, MAX_LATE_LINK_SENDERS, () => this.#c.refuse('late-link-senders-evicted'))
  }

  /** The key set of a section key we were a member under (current or the one before). */
  #keySetFor(key: Uint8Array): PublicKeySet | undefined {
    const c = this.#c
    const hex = toHex(key)
    const section = c.view
    if (section !== undefined && toHex(section.sap.sap.sectionKey().toBytes()) === hex) return section.sap.sap.publicKeySet
    // While merging, the members' prefix is the parent: the sibling we took in is among these.
    const previous = c.tree.saps().filter((s) => section === undefined || s.sap.prefix.isCompatible(section.members.prefix))
    for (const sap of previous) if (toHex(sap.sap.sectionKey().toBytes()) === hex) return sap.sap.publicKeySet
    return undefined
  }
}

/** The session (0, or 1 for a split's second half) whose start asks for exactly `sap`: its prefix, generation and candidates, in order. */
function sessionOf(starts: ReadonlyArray<DkgStartWire>, sap: SectionAuthorityProvider): Session | undefined {
  const index = starts.findIndex((start) => start.generation === sap.generation
    && Prefix.of(XorName.fromBytes(start.prefix.name), start.prefix.bitCount).equals(sap.prefix)
    && start.candidates.length === sap.elders.length && start.candidates.every((cand, i) => toHex(cand) === sap.elders[i]!.name.toHex()))
  return index === 0 || index === 1 ? index : undefined
}

/** Counts shares the aggregator found invalid (a Byzantine signer, or a corrupted share). */
export function countInvalid(c: NodeComponents, badSigners: ReadonlyArray<number>, tag: string): void {
  for (let i = 0; i < badSigners.length; i++) c.refuse(tag)
}

function validShare(keySet: PublicKeySet, index: number, share: Uint8Array, message: Uint8Array): boolean {
  try {
    return keySet.verifyShare(index, SignatureShare.fromBytes(share), message)
  } catch {
    return false
  }
}
