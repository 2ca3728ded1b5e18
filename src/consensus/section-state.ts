/**
 * A section's agreed state, as every member holds it, and how one decided generation changes it
 * (DESIGN.md §6–§8). Pure: the `section` machine keeps a {@link SectionView} in its context and
 * moves it on with {@link applyDecisionToView}; elders and members read it.
 */
import type { BlsPublicKey } from '../crypto/index.ts'
import type { SignedSap } from '../knowledge/sap.ts'
import type { XorName } from '../xor/index.ts'
import { type Decision, decisionSeed } from './ballots.ts'
import {
  checkJoin,
  decodeChange,
  joinAge,
  type Member,
  mergeDue,
  type MembershipChange,
  needsNewElders,
  relocations,
  SectionMembers,
  splitFor,
} from './membership.ts'
import type { NetworkParameters } from './parameters.ts'

export interface SectionView {
  readonly sap: SignedSap
  /** The agreed members; their prefix is the SAP's, or its parent while a merge is under way. */
  readonly members: SectionMembers
  /** The next generation to apply. */
  readonly nextGeneration: number
  /** We decided to merge into this sibling key and wait for it to take us in (DESIGN.md §8). */
  readonly merging?: BlsPublicKey
}

export type StructuralChange = Extract<MembershipChange, { kind: 'Handover' | 'Split' }>

/** What applying one decision did. */
export interface AppliedDecision {
  readonly decision: Decision
  /** The key that signed the decision (the section key before a handover or split). */
  readonly signingKey: SignedSap
  readonly view: SectionView
  /** All changes, fresh joiners with their decided age. */
  readonly changes: ReadonlyArray<MembershipChange>
  readonly structural: StructuralChange | undefined
  /** Members that left or were relocated, as they were before the decision. */
  readonly leaving: ReadonlyArray<Member>
  /** Adults this decision's churn relocates (none after a handover or split). */
  readonly relocations: ReadonlyArray<{ readonly member: Member; readonly destination: XorName }>
}

/**
 * What the section must do about its elders now (DESIGN.md §7, §8): `merge` when it is too small
 * (it merges if its sibling is a section; the elders know), `merging` while it waits to be taken in.
 */
export type ElderChangeDue = 'none' | 'elect' | 'split' | 'merge' | 'merging'

/**
 * Applies the decided generation `view.nextGeneration`; `self` decides which child of a split we
 * stay in. Membership first (fresh joiners get their age from the decision), then a handover or
 * split. Undefined when the decision is not the next generation.
 */
export function applyDecisionToView(view: SectionView, decision: Decision, self: XorName, params: NetworkParameters): AppliedDecision | undefined {
  if (decision.generation !== view.nextGeneration) return undefined
  const decoded = decision.proposals.map(decodeChange).filter((c): c is MembershipChange => c !== undefined)
  // Departures one by one, each checked against the ones before it: each elder checked each alone,
  // and a batch must not take the SAP below the elders that can sign its successor (mayLeave).
  let members = view.members
  const departures: Array<Extract<MembershipChange, { kind: 'Left' | 'Relocated' }>> = []
  for (const c of decoded) {
    if (c.kind !== 'Left' && c.kind !== 'Relocated') continue
    if (c.kind === 'Left' && !mayLeave(members, view.sap, c.name)) continue
    departures.push(c)
    members = members.apply([c], decision.generation)
  }
  const leaving = departures.flatMap((c) => [view.members.get(c.name)].filter((m) => m !== undefined))
  // Joins go in after the departures, one by one in the decision's order, each checked against the
  // ones before it: each elder checked each join alone, so a batch could tip one half (30 nodes at
  // 17/13 never split) or hold one address twice (a renamed joiner and its old name). A join that
  // fails is not made, at every member alike; no approval goes out, and the joiner's next request
  // is answered as the rules now say. Only rules on the members themselves: the recently-left list
  // is a member's own history (one approved after a restart starts it empty). A join of a name
  // already a member (decided again; why is not yet found) is made as always, which keeps views
  // that came apart coming back together.
  const seed = decisionSeed(decision)
  const changes: MembershipChange[] = []
  for (const c of decoded) {
    if (c.kind === 'Left' || c.kind === 'Relocated') {
      if (departures.includes(c)) changes.push(c)
      continue
    }
    if (c.kind !== 'Joined') {
      changes.push(c)
      continue
    }
    const fresh = !members.has(c.member.name)
    if (fresh && checkJoin(members, { name: c.member.name, addr: c.member.addr, relocated: c.member.age > 0 }, params, { recentlyLeft: false }).kind !== 'Approve') continue
    const joined = c.member.age === 0 ? { ...c, member: { ...c.member, age: joinAge(view.members, seed, params, c.member.name) } } : c
    changes.push(joined)
    members = members.apply([joined], decision.generation)
  }
  let sap = view.sap
  const structural = changes.find((c): c is StructuralChange => c.kind === 'Handover' || c.kind === 'Split')
  if (structural?.kind === 'Handover') sap = structural.sap
  if (structural?.kind === 'Split') {
    sap = structural.zero.sap.prefix.matches(self) ? structural.zero : structural.one
    const prefix = sap.sap.prefix
    members = new SectionMembers(prefix, members.members().filter((m) => prefix.matches(m.name)), decision.generation)
  }
  let merging = view.merging
  const merge = changes.find((c) => c.kind === 'Merge')
  if (merge?.kind === 'Merge' && merging === undefined) merging = merge.sibling
  // A Merge naming our own key calls it off: the sibling split before it took us in.
  else if (merge?.kind === 'Merge' && merge.sibling.equals(sap.sap.sectionKey())) merging = undefined
  const absorb = changes.find((c) => c.kind === 'Absorb')
  if (absorb?.kind === 'Absorb' && members.prefix.equals(sap.sap.prefix)) {
    // Our sibling's members join ours under the parent prefix; the elders elect for it next.
    members = members.absorb(absorb.members, decision.generation)
    merging = undefined
  }
  const next: SectionView = { sap, members, nextGeneration: decision.generation + 1, ...(merging === undefined ? {} : { merging }) }
  const elders = view.sap.sap.elders.map((e) => e.name)
  // Name claims and spends are not churn: a decision of those alone relocates nobody (else
  // registering names or paying would move adults around at will).
  const claimsOnly = changes.length > 0 && changes.every((c) => c.kind === 'NameClaim' || c.kind === 'Spend')
  const quiet = structural !== undefined || merge !== undefined || absorb !== undefined || merging !== undefined || claimsOnly
  const relocated = quiet ? [] : relocations(members, elders, seed, params)
    .map((r) => ({ member: members.get(r.name)!, destination: r.destination }))
  return { decision, signingKey: view.sap, view: next, changes, structural, leaving, relocations: relocated }
}

/**
 * Whether `name` may be voted off now: a member and, if an elder of the SAP, one whose going still
 * leaves threshold + 1 of the SAP's elders members — enough to sign the handover that replaces
 * them. Deterministic (agreed state only), so every elder judges alike. Without it, a healed
 * partition decided both sides' silence proposals together and voted off 4 of 7 elders at once:
 * the SAP could never sign its successor, and the section stopped for good (120 nodes, seed 3).
 */
export function mayLeave(members: SectionMembers, sap: SignedSap, name: XorName): boolean {
  if (!members.has(name)) return false
  const elders = sap.sap.elders
  if (!elders.some((e) => e.name.equals(name))) return true
  const remaining = elders.filter((e) => !e.name.equals(name) && members.has(e.name)).length
  return remaining >= sap.sap.publicKeySet.threshold + 1
}

/** Whether the section should split, elect new elders, or neither. */
export function elderChangeDue(view: SectionView, params: NetworkParameters): ElderChangeDue {
  if (view.merging !== undefined) return 'merging'
  // Merged: new elders and key for the parent prefix.
  if (!view.members.prefix.equals(view.sap.sap.prefix)) return 'elect'
  if (splitFor(view.members, params) !== undefined) return 'split'
  if (mergeDue(view.members, params)) return 'merge'
  return needsNewElders(view.members, view.sap.sap.elders.map((e) => e.name), params) ? 'elect' : 'none'
}
