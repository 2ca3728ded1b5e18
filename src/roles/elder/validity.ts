/**
 * Which proposals an elder votes for (DESIGN.md §6 "validity"): each change checked against the
 * agreed state of the generation, so every honest elder of one generation judges a proposal
 * alike — a join by the join rules, a departure of a member, a relocation the churn chose, a
 * handover or split to the candidates the members give, a merge when the section is too small.
 */
import { checkJoin, decodeChange, elderCandidates, mayLeave, type Member, type MembershipChange, mergeBytes, needsNewElders, type SectionMembers, splitFor } from '../../consensus/index.ts'
import { sha3_256, toHex } from '../../crypto/index.ts'
import { linkBytes, type SectionAuthorityProvider } from '../../knowledge/index.ts'
import { spendName } from '../../dbc/dbc.ts'
import { spendValid } from '../../dbc/spend.ts'
import { claimValid, nameXor } from '../../register/names.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { ElderTerm } from './elder.ts'

/** Validity of a proposal against the agreed state (the same at every elder for a generation). */
export function isValid(c: NodeComponents, term: ElderTerm, bytes: Uint8Array): boolean {
  const section = c.view
  if (section === undefined) return false
  const change = decodeChange(bytes)
  if (change === undefined) return false
  const members = section.members
  const prefix = section.sap.sap.prefix
  switch (change.kind) {
    case 'Joined': {
      const m = change.member
      if (toHex(sha3_256(m.publicKey)) !== m.name.toHex()) return false
      return checkJoin(members, { name: m.name, addr: m.addr, relocated: m.age > 0 }, c.params).kind === 'Approve'
    }
    case 'Left':
      return mayLeave(members, section.sap, change.name)
    case 'Relocated': {
      const m = members.get(change.name)
      return m !== undefined && m.age === change.age && !term.elders.some((e) => e.name.equals(change.name))
    }
    case 'Handover': {
      // After a merge the members' prefix is the parent's: the new SAP is for it.
      const sap = change.sap.sap
      if (!sap.prefix.equals(members.prefix) || splitFor(members, c.params) !== undefined || section.merging !== undefined) return false
      if (members.prefix.equals(prefix) && !needsNewElders(members, term.elders.map((e) => e.name), c.params)) return false
      return candidatesMatch(c, term, sap, members) && change.sap.verify()
    }
    case 'Merge':
      if (section.merging !== undefined) return change.sibling.equals(section.sap.sap.sectionKey()) && siblingSplit(c)
      return c.section.due('shrunk') && c.tree.get(prefix.sibling())?.sap.sectionKey().equals(change.sibling) === true
    case 'Absorb':
      return absorbable(c, change)
    case 'NameClaim':
      // Ours to decide, signed by its registrant, and not owned yet (the first decided claim won).
      // An elder whose table is not complete yet votes for no claim: it could take an owned name for free.
      return c.section.registry.complete && prefix.matches(nameXor(change.name)) && claimValid(change.name, change.owner, change.signature) && c.section.registry.owner(change.name) === undefined
    case 'Spend':
      // Ours to decide, signed by the key it spends, and not spent yet (the first decided spend won);
      // an elder that does not know every spend of its section yet votes for none.
      return c.section.registry.complete && prefix.matches(spendName(change.spendKey)) && spendValid(change) && c.section.registry.spent(change.spendKey) === undefined
    case 'Split': {
      const split = splitFor(members, c.params)
      if (split === undefined) return false
      const zero = change.zero.sap
      const one = change.one.sap
      return zero.prefix.equals(split.zero.prefix) && one.prefix.equals(split.one.prefix)
        && candidatesMatch(c, term, zero, split.zero) && candidatesMatch(c, term, one, split.one)
        && change.zero.verify() && change.one.verify()
    }
  }
}

/**
 * Whether we can take in our sibling section: it is the sibling we know, it signed its members
 * and us (or our older key) as where it merges, and we are not splitting or merging already —
 * unless both sides asked at once, when the 0 side takes in the 1 side (DESIGN.md §8).
 */
function absorbable(c: NodeComponents, change: Extract<MembershipChange, { kind: 'Absorb' }>): boolean {
  const section = c.view!
  const prefix = section.sap.sap.prefix
  const ours = section.sap.sap.sectionKey()
  if (prefix.bitCount === 0 || !section.members.prefix.equals(prefix) || splitFor(section.members, c.params) !== undefined) return false
  if (section.merging !== undefined && prefix.popped().childBit(prefix.name) !== 0) return false
  if (c.tree.get(prefix.sibling())?.sap.sectionKey().equals(change.sectionKey) !== true) return false
  if (!change.sibling.equals(ours) && !c.tree.dag.isAncestor(change.sibling, ours)) return false
  const sibling = prefix.sibling()
  if (change.members.length === 0 || !change.members.every((m) => sibling.matches(m.name))) return false
  // Agreement asks for every vote; BlsPublicKey.verify remembers what verified.
  return change.sectionKey.verify(mergeBytes(change.sectionKey, change.sibling, change.members), change.signature)
    && change.sectionKey.verify(linkBytes(change.sibling), change.link)
}

/** Our sibling is no longer one section: it split (we know sections below its prefix). */
export function siblingSplit(c: NodeComponents): boolean {
  const sibling = c.view!.sap.sap.prefix.sibling()
  return c.tree.get(sibling) === undefined && c.tree.prefixes().some((p) => p.isExtensionOf(sibling))
}

function candidatesMatch(c: NodeComponents, term: ElderTerm | undefined, sap: SectionAuthorityProvider, members: SectionMembers): boolean {
  const candidates = elderCandidatesOf(c, term, members)
  return candidates.length === sap.elders.length && candidates.every((m, i) => m.name.equals(sap.elders[i]!.name) && m.addr === sap.elders[i]!.addr)
}

/** Elder candidates of `members`, sorted by name (= their share index). */
export function elderCandidatesOf(c: NodeComponents, term: ElderTerm | undefined, members: SectionMembers): Member[] {
  const currentElders = term?.elders.map((e) => e.name) ?? []
  return elderCandidates(members, currentElders, c.view!.sap.sap.sectionKey().toBytes(), c.params)
    .sort((a, b) => a.name.compare(b.name))
}
