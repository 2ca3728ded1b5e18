/**
 * What a node knows that survives a restart (DESIGN.md §4: the SectionTree is persisted), as the
 * store holds it, and our section as a previous run stored it, decoded.
 */
import { Result } from 'effect'
import { type Decision, type Member, memberFromWire } from '../../consensus/index.ts'
import { SignedSap } from '../../knowledge/index.ts'
import { DecisionWire, decodeValue, MemberWire, SignedSapWire } from '../../wire/index.ts'

/** What a node knows that survives a restart, encoded. */
export interface NodeKnowledge {
  readonly tree: ReadonlyArray<{ readonly sap: Uint8Array; readonly chain: Uint8Array }>
  readonly section?: { readonly sap: Uint8Array; readonly members: ReadonlyArray<Uint8Array>; readonly nextGeneration: number; readonly decisions: ReadonlyArray<Uint8Array> }
}

/** Our section as a previous run stored it (NodeKnowledge.section), decoded. */
export interface StoredSection {
  readonly sap: SignedSap
  readonly members: ReadonlyArray<Member>
  readonly nextGeneration: number
  readonly decisions: ReadonlyArray<Decision>
}

/** The stored section view, or undefined if any part of it does not decode or verify. */
export function decodeStoredSection(stored: NonNullable<NodeKnowledge['section']>): StoredSection | undefined {
  const sap = decodeValue(SignedSapWire, stored.sap)
  if (Result.isFailure(sap)) return undefined
  try {
    const signed = SignedSap.fromWire(sap.success)
    const members = stored.members.map((bytes) => {
      const member = decodeValue(MemberWire, bytes)
      if (Result.isFailure(member)) throw member.failure
      return memberFromWire(member.success)
    })
    const decisions = stored.decisions.flatMap((bytes) => {
      const decision = decodeValue(DecisionWire, bytes)
      return Result.isFailure(decision) ? [] : [decision.success]
    })
    return { sap: signed, members, nextGeneration: stored.nextGeneration, decisions }
  } catch {
    return undefined
  }
}
