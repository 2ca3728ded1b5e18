/**
 * A section's agreed state, as every member holds it, and how one decided generation changes it
 * (DESIGN.md §6–§8). Pure: the `section` machine keeps a {@link SectionView} in its context and
 * moves it on with {@link applyDecisionToView}; elders and members read it.
 */
import type { SignedSap } from '../knowledge/sap.ts'
import type { XorName } from '../xor/index.ts'
import type { Decision } from './ballots.ts'
import {
  decodeChange,
  joinAge,
  type Member,
  type MembershipChange,
  needsNewElders,
  relocations,
  SectionMembers,
  splitFor,
} from './membership.ts'
import type { NetworkParameters } from './parameters.ts'

export interface SectionView {
  readonly sap: SignedSap
  readonly members: SectionMembers
  /** The next generation to apply. */
  readonly nextGeneration: number
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

/** What the section must do about its elders now (DESIGN.md §7, §8). */
export type ElderChangeDue = 'none' | 'elect' | 'split'

/**
 * Applies the decided generation `view.nextGeneration`; `self` decides which child of a split we
 * stay in. Membership first (fresh joiners get their age from the decision), then a handover or
 * split. Undefined when the decision is not the next generation.
 */
export function applyDecisionToView(view: SectionView, decision: Decision, self: XorName, params: NetworkParameters): AppliedDecision | undefined {
  if (decision.generation !== view.nextGeneration) return undefined
  const changes = decision.proposals.map(decodeChange).filter((c): c is MembershipChange => c !== undefined)
    .map((c) => c.kind === 'Joined' && c.member.age === 0
      ? { ...c, member: { ...c.member, age: joinAge(view.members, decision.signature, params, c.member.name) } }
      : c)
  const memberChanges = changes.filter((c) => c.kind === 'Joined' || c.kind === 'Left' || c.kind === 'Relocated')
  const leaving = memberChanges.flatMap((c) => (c.kind === 'Left' || c.kind === 'Relocated') ? [view.members.get(c.name)].filter((m) => m !== undefined) : [])
  let members = view.members.apply(memberChanges, decision.generation)
  let sap = view.sap
  const structural = changes.find((c): c is StructuralChange => c.kind === 'Handover' || c.kind === 'Split')
  if (structural?.kind === 'Handover') sap = structural.sap
  if (structural?.kind === 'Split') {
    sap = structural.zero.sap.prefix.matches(self) ? structural.zero : structural.one
    const prefix = sap.sap.prefix
    members = new SectionMembers(prefix, members.members().filter((m) => prefix.matches(m.name)), decision.generation)
  }
  const next: SectionView = { sap, members, nextGeneration: decision.generation + 1 }
  const elders = view.sap.sap.elders.map((e) => e.name)
  const relocated = structural !== undefined ? [] : relocations(members, elders, decision.signature, params)
    .map((r) => ({ member: members.get(r.name)!, destination: r.destination }))
  return { decision, signingKey: view.sap, view: next, changes, structural, leaving, relocations: relocated }
}

/** Whether the section should split, elect new elders, or neither. */
export function elderChangeDue(view: SectionView, params: NetworkParameters): ElderChangeDue {
  if (splitFor(view.members, params) !== undefined) return 'split'
  return needsNewElders(view.members, view.sap.sap.elders.map((e) => e.name), params) ? 'elect' : 'none'
}
