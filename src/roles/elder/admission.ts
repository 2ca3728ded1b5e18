/**
 * Admission (DESIGN.md §6): an elder's answer to a `JoinRequest` — `JoinElsewhere` (balanced
 * joining), `TryJoinLater` (a full half, or a split or merge under way), `Rejected` (with the
 * reason), or a `Joined` proposal to the agreement; a member back from a restart is approved again,
 * an elder that proves it kept its key share serves again, and one that does not is voted off. Once
 * a generation is decided, the elder that looks after each joiner sends it `JoinApproved` (the
 * decision, our SAP and chain, the members), and every elder passes the decision on to the members
 * it looks after.
 */
import { type AppliedDecision, checkJoin, type Decision, decodeChange, isJoinOf, memberToWire } from '../../consensus/index.ts'
import { BlsPublicKey, NodePublicKey, SignatureShare } from '../../crypto/index.ts'
import { ProofChain } from '../../knowledge/index.ts'
import type { Dst, PayloadOf, RelocationProofWire } from '../../wire/index.ts'
import { XorName } from '../../xor/index.ts'
import { isNeighbour } from '../anti-entropy/neighbours.ts'
import { elderRejoinBytes, relocationBytes } from '../member/proofs.ts'
import { verifyDecision } from '../section/section.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { ElderRole } from './elder.ts'

export class Admission {
  readonly #c: NodeComponents
  readonly #elder: ElderRole

  constructor(components: NodeComponents, elder: ElderRole) {
    this.#c = components
    this.#elder = elder
  }

  onJoinRequest(from: string, payload: PayloadOf<'JoinRequest'>, sender: NodePublicKey, dst: Dst): void {
    const c = this.#c
    const section = c.view!
    const term = this.#elder.term
    if (term === undefined) return c.refuse('join-to-adult')
    const toJoiner: Dst = { name: sender.name.bytes, sectionKey: section.sap.sap.sectionKey().toBytes() }
    const existing = section.members.get(sender.name)
    const elderIndex = section.sap.sap.elders.findIndex((e) => e.name.equals(sender.name))
    if (existing === undefined && c.member.resuming()) return c.refuse('join-while-resuming')
    if (existing !== undefined && elderIndex >= 0 && !this.#provesShare(payload.elderShare, elderIndex, sender.name)) {
      // An elder that asks to join again without its key share has restarted from nothing: a
      // faulty elder until replaced. Vote it off; it joins again as a new node (DESIGN.md §6).
      // One that proves its share (it restarted from its store) is approved again and serves.
      this.#elder.propose({ kind: 'Left', name: sender.name })
      return
    }
    if (existing !== undefined) {
      // A member back from a restart: approved again, and watched for silence from now (its
      // requests do not count as heard, so one that never gets back in is still voted off).
      c.events.emit({ type: 'heard', from: sender.name, kind: 'JoinRequest' })
      return this.#sendApproval(sender.name, existing.addr)
    }
    let age = 0
    if (payload.relocation !== undefined) {
      const checked = this.#checkRelocation(payload.relocation, sender, XorName.fromBytes(dst.name))
      if (typeof checked === 'string') {
        c.send([from], 'JoinResponse', { verdict: { _tag: 'Rejected', reason: checked } }, toJoiner)
        return
      }
      age = checked
      if (!section.sap.sap.prefix.matches(sender.name)) {
        const prefix = section.sap.sap.prefix
        c.send([from], 'JoinResponse', { verdict: { _tag: 'JoinElsewhere', prefix: { bitCount: prefix.bitCount, name: prefix.name.bytes } } }, toJoiner)
        return
      }
    }
    // While the section splits or merges, a join would only change the candidates and restart the DKGs.
    const busy = c.section.due('splitting') || c.section.due('merging') || !section.members.prefix.equals(section.sap.sap.prefix)
    // Asked again while its join is proposed: the proposal stands (a redirect now would leave it
    // approved under a name it no longer uses).
    if ([...term.pending.values()].some((bytes) => isJoinOf(bytes, sender.name))) return
    // A member at the address this request comes from (the transport authenticated it) under
    // another name is this node before it took a new one: one elder approved it while another
    // sent it elsewhere. That member will never speak again; it goes now, not after 30 s of
    // silence (meanwhile it blocks the address, and as an elder candidate stalls a DKG 30 s).
    if (from === payload.addr) {
      const stale = section.members.members().find((m) => m.addr === payload.addr && !m.name.equals(sender.name))
      if (stale !== undefined) this.#elder.propose({ kind: 'Left', name: stale.name })
    }
    // The verdict is the agreed members' alone: every elder at this generation gives the same one
    // (a joiner told JoinElsewhere by one elder while another proposes it leaves a ghost behind).
    const verdict = busy ? { kind: 'TryJoinLater' as const } : checkJoin(section.members, { name: sender.name, addr: payload.addr, relocated: age > 0 }, c.params)
    switch (verdict.kind) {
      case 'Rejected':
        c.send([from], 'JoinResponse', { verdict: { _tag: 'Rejected', reason: verdict.reason } }, toJoiner)
        return
      case 'TryJoinLater':
        c.send([from], 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, toJoiner)
        return
      case 'JoinElsewhere':
        c.send([from], 'JoinResponse', { verdict: { _tag: 'JoinElsewhere', prefix: { bitCount: verdict.prefix.bitCount, name: verdict.prefix.name.bytes } } }, toJoiner)
        return
      case 'Approve':
        this.#elder.propose({ kind: 'Joined', member: { name: sender.name, publicKey: sender.bytes, addr: payload.addr, age } })
    }
  }

  /**
   * After a decision: the joiners we look after get their approval, the members of a sibling we
   * took in theirs, the members we look after and the subjects of the changes the decision, and
   * after a handover or split the new elders too (they may be adults now).
   */
  tell(applied: AppliedDecision): void {
    const c = this.#c
    const { decision, changes } = applied
    const subjects = applied.leaving.map((m) => m.addr)
    const before = new Set<string>()
    for (const change of changes) {
      if (change.kind !== 'Joined') continue
      // The elder that looks after the joiner tells it; if that one fails, the joiner asks again.
      if (this.#elder.looksAfter(change.member.name)) this.#sendApproval(change.member.name, change.member.addr)
      before.add(change.member.name.toHex())
    }
    // A sibling merged into us: every elder tells each of its members (it has no other way to know).
    for (const change of changes) {
      if (change.kind !== 'Absorb') continue
      for (const m of change.members) {
        this.#sendApproval(m.name, m.addr, decision)
        before.add(m.name.toHex())
      }
    }
    const mine = this.#elder.lookedAfter().filter((m) => !before.has(m.name.toHex()))
    c.send([...mine.map((m) => m.addr), ...subjects], 'SectionDecisions', { decisions: [decision] })
    const structural = applied.structural
    if (structural === undefined) return
    const term = this.#elder.term!
    const saps = structural.kind === 'Handover' ? [structural.sap] : [structural.zero, structural.one]
    const newElders = saps.flatMap((s) => s.sap.elders).filter((e) => !term.elders.some((o) => o.name.equals(e.name)))
    c.send(newElders.map((e) => e.addr), 'SectionDecisions', { decisions: [decision] })
  }

  /** Whether `proof` is the share of elder `index` of our current key over its rejoin (one BLS verify). */
  #provesShare(proof: PayloadOf<'JoinRequest'>['elderShare'], index: number, name: XorName): boolean {
    if (proof === undefined || proof.index !== index) return false
    const sap = this.#c.view!.sap.sap
    try {
      return sap.publicKeySet.verifyShare(index, SignatureShare.fromBytes(proof.share), elderRejoinBytes(name, sap.sectionKey()))
    } catch {
      this.#c.refuse('bad-elder-share')
      return false
    }
  }

  /** Checks a relocation proof; the node's new age, or why not. */
  #checkRelocation(proof: RelocationProofWire, sender: NodePublicKey, destination: XorName): number | string {
    let key: BlsPublicKey
    let chain: ProofChain
    let oldKey: NodePublicKey
    try {
      key = BlsPublicKey.fromBytes(proof.sectionKey)
      chain = ProofChain.fromWire(proof.proofChain)
      oldKey = NodePublicKey.fromBytes(proof.oldPublicKey)
    } catch {
      return 'bad-relocation-keys'
    }
    if (!chain.root.equals(this.#c.genesisKey) || !chain.last().equals(key) || chain.firstBrokenLink() !== -1) return 'bad-relocation-chain'
    if (!verifyDecision(key, proof.decision)) return 'bad-relocation-decision'
    const change = proof.decision.proposals.map(decodeChange)
      .find((ch) => ch?.kind === 'Relocated' && ch.name.equals(oldKey.name))
    if (change?.kind !== 'Relocated') return 'not-relocated'
    if (!change.destination.equals(destination) || !this.#c.view!.sap.sap.prefix.matches(destination)) return 'wrong-destination'
    if (!oldKey.verify(relocationBytes(sender.name), proof.signature)) return 'bad-relocation-signature'
    return Math.min(255, change.age + 1)
  }

  /**
   * Tells a member it is one: the decision that made it a member, or — for a member that asks
   * again after a restart, whose join we no longer hold — our latest decision, with the members.
   */
  #sendApproval(name: XorName, addr: string, absorbed?: Decision): void {
    const c = this.#c
    const section = c.view!
    const decision = absorbed ?? this.#approvalDecision(name)
    if (decision === undefined) {
      // Approved again ourselves after a restart, we hold only the decision we were sent, maybe
      // not one the joiner can check: we ask for our latest, and its next request is answered.
      c.refuse('approval-without-decision')
      this.#elder.askNextDecision(section.nextGeneration - 1)
      return
    }
    const chain = c.tree.dag.chainFromGenesis(section.sap.sap.sectionKey())
    if (chain === undefined) return c.refuse('approval-without-chain')
    const dst = { name: name.bytes, sectionKey: section.sap.sap.sectionKey().toBytes() }
    const graceMs = Math.ceil(this.#elder.graceLeft())
    c.send([addr], 'JoinApproved', {
      decision, sap: section.sap.toWire(), proofChain: chain.toWire(), members: section.members.members().map(memberToWire),
      nextGeneration: section.nextGeneration, ...(graceMs > 0 ? { graceMs } : {}), ...(c.section.registry.count > 0 ? { names: c.section.registry.count } : {}),
    }, dst)
    // And what it should know of the neighbours.
    c.antiEntropy.sendSaps(addr, c.tree.saps().filter((s) => isNeighbour(s.sap.prefix, section.sap.sap.prefix)))
  }

  /**
   * The decision a `JoinApproved` carries: the one that made `name` a member, or else our newest;
   * either only if signed by our key or its parent, which the joiner can check (a join decided two
   * keys ago, before a handover and a split, is not). Newest first, each verified at most once.
   */
  #approvalDecision(name: XorName): Decision | undefined {
    const c = this.#c
    const section = c.view!
    const held = [...c.section.decisions()].filter((d) => d.generation < section.nextGeneration).sort((a, b) => b.generation - a.generation)
    const joined = held.find((d) => d.proposals.some((p) => isJoinOf(p, name)))
    if (joined !== undefined && c.section.decisionSigner(joined, section.sap) !== undefined) return joined
    return held.find((d) => d !== joined && c.section.decisionSigner(d, section.sap) !== undefined)
  }
}
