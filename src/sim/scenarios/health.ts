/**
 * The network's health as the simulator's checkers see it (issue 4): its sections, whether each
 * has its 7 oldest elders, whether every member's knowledge has converged, who is not admitted;
 * and, for a run that did not settle, why.
 */
import { toHex } from '../../crypto/index.ts'
import type { SignedSap } from '../../knowledge/index.ts'
import type { NodeShell } from '../../roles/shell/node-shell.ts'
import type { Prefix } from '../../xor/index.ts'

export interface SectionSummary {
  prefix: Prefix
  sap: SignedSap
  members: NodeShell[]
}

/** The state of the network as the checkers see it. */
export function measure(nodes: ReadonlyArray<NodeShell>): { sections: SectionSummary[]; fullElders: number; converged: boolean; unjoined: number; why: string } {
  const live = nodes.filter((n) => !n.crashed)
  const members = live.filter((n) => (n.role === 'adult' || n.role === 'elder') && n.section !== undefined)
  const unjoined = live.length - members.length
  // The current SAP of each prefix: the latest generation any member holds.
  const byPrefix = new Map<string, SectionSummary>()
  for (const node of members) {
    const sap = node.section!.sap
    const key = sap.sap.prefix.toString()
    const seen = byPrefix.get(key)
    if (seen === undefined || sap.sap.generation > seen.sap.sap.generation) byPrefix.set(key, { prefix: sap.sap.prefix, sap, members: seen?.members ?? [] })
    byPrefix.get(key)!.members.push(node)
  }
  // Prefixes superseded by a split that some stale member still holds are not sections.
  const sections = [...byPrefix.values()].filter((s) => ![...byPrefix.values()].some((o) => o !== s && o.prefix.isExtensionOf(s.prefix)))
  let fullElders = 0
  for (const section of sections) {
    const elders = section.sap.sap.elders
    const elderNodes = elders.map((e) => section.members.find((m) => m.name.equals(e.name)))
    if (elders.length !== 7 || elderNodes.some((n) => n === undefined || !n.isElder)) continue
    // Each an oldest member: no non-elder is older than the youngest elder (by an elder's view).
    const view = elderNodes[0]!.section!.members
    const elderSet = new Set(elders.map((e) => e.name.toHex()))
    const youngest = Math.min(...elders.map((e) => view.get(e.name)?.age ?? 0))
    if (view.members().some((m) => !elderSet.has(m.name.toHex()) && m.age > youngest)) continue
    fullElders++
  }
  const current = new Map(sections.map((s) => [s.prefix.toString(), toHex(s.sap.sap.sectionKey().toBytes())]))
  let converged = true
  let why = ''
  outer: for (const node of members) {
    const own = node.section!.sap.sap.prefix
    if (current.get(own.toString()) !== toHex(node.section!.sap.sap.sectionKey().toBytes())) {
      converged = false
      why = `${node.addr} holds a stale SAP of ${own.toString()}`
      break
    }
    const needed = sections.filter((s) => s.prefix.equals(own) || s.prefix.isCompatible(own.sibling()))
    for (const s of needed) {
      const held = node.tree.get(s.prefix)
      if (held === undefined || !held.sap.sectionKey().equals(s.sap.sap.sectionKey())) {
        converged = false
        why = `${node.addr} (${node.role} of ${own.toString()}) lacks the current SAP of ${s.prefix.toString()}${held === undefined ? '' : ' (has an older one)'}`
        break outer
      }
    }
    for (const held of node.tree.saps()) {
      const chain = node.tree.dag.chainFromGenesis(held.sap.sectionKey())
      if (chain === undefined || chain.firstBrokenLink() !== -1) {
        converged = false
        why = `${node.addr} has a SAP without a chain from genesis`
        break outer
      }
    }
  }
  return { sections, fullElders, converged, unjoined, why }
}

/** Why a network did not settle: each section's elders and the state of their actors. */
export function diagnose(nodes: ReadonlyArray<NodeShell>, sections: ReadonlyArray<SectionSummary>): string[] {
  const lines: string[] = []
  const byName = new Map(nodes.map((n) => [n.name.toHex(), n]))
  for (const section of sections) {
    const live = section.members.filter((n) => !n.crashed)
    const view = section.members.find((n) => n.isElder)?.section ?? section.members[0]?.section
    const crashedMembers = (view?.members.members() ?? []).filter((m) => byName.get(m.name.toHex())?.crashed !== false).length
    lines.push(`section ${section.prefix.toString()} gen ${view?.nextGeneration ?? '?'}: ${live.length} live holders, ${view?.members.size ?? '?'} members (${crashedMembers} crashed or unknown)`)
    for (const elder of section.sap.sap.elders) {
      const node = byName.get(elder.name.toHex())
      const state = node === undefined ? 'unknown' : node.crashed ? 'crashed' : JSON.stringify(node.actorStates())
      lines.push(`  elder ${elder.addr} age ${view?.members.get(elder.name)?.age ?? 'gone'}: ${state}`)
    }
  }
  // The candidates abandoned DKG sessions name.
  const named = new Set<string>()
  for (const node of nodes) {
    if (node.crashed) continue
    for (const state of Object.values(node.actorStates())) {
      const missing = (state as { missing?: string[] }).missing ?? []
      for (const m of missing) named.add(m.split(':')[0]!)
    }
  }
  for (const addr of named) {
    const node = nodes.filter((n) => n.addr === addr).at(-1)
    lines.push(`named in a failed DKG: ${addr} ${node === undefined ? '?' : node.crashed ? 'crashed' : `${node.role} of ${node.section?.sap.sap.prefix.toString() ?? '-'} ${JSON.stringify(node.actorStates())}`}`)
  }
  const unjoined = nodes.filter((n) => !n.crashed && n.role !== 'adult' && n.role !== 'elder')
  for (const node of unjoined.slice(0, 5)) lines.push(`unjoined ${node.addr} ${node.role}: ${JSON.stringify(node.actorStates())} ${JSON.stringify(node.stats)}`)
  return lines
}


/** Sections whose members are listed by name at most (the rest are counted). */
const NAMES_LISTED = 8

/**
 * Why each section is not whole (`safenet sim --why`): elders missing, crashed or not serving,
 * or younger than a member that is not an elder; members whose SAP of their own section is not
 * the current one, or who lack their own or a neighbour's current SAP.
 */
export function explainSections(nodes: ReadonlyArray<NodeShell>, sections: ReadonlyArray<SectionSummary>): string[] {
  const lines: string[] = []
  const byName = new Map(nodes.filter((n) => !n.crashed).map((n) => [n.name.toHex(), n]))
  const list = (names: string[]) => `${names.slice(0, NAMES_LISTED).join(' ')}${names.length > NAMES_LISTED ? ` and ${names.length - NAMES_LISTED} more` : ''}`
  let whole = 0
  // Members of a current section whose SAP of it is not the current one: described below.
  const behind: NodeShell[] = []
  for (const section of sections) {
    const reasons: string[] = []
    const key = toHex(section.sap.sap.sectionKey().toBytes())
    const elders = section.sap.sap.elders
    if (elders.length !== 7) reasons.push(`${elders.length} elders in its SAP`)
    const absent = elders.filter((e) => byName.get(e.name.toHex()) === undefined).map((e) => e.addr)
    if (absent.length > 0) reasons.push(`elders crashed or gone: ${list(absent)}`)
    const idle = elders.filter((e) => byName.get(e.name.toHex())?.isElder === false).map((e) => e.addr)
    if (idle.length > 0) reasons.push(`elders not serving: ${list(idle)}`)
    const view = elders.map((e) => byName.get(e.name.toHex())).find((n) => n?.isElder === true)?.section?.members
    if (view !== undefined) {
      const elderSet = new Set(elders.map((e) => e.name.toHex()))
      const youngest = Math.min(...elders.map((e) => view.get(e.name)?.age ?? 0))
      const older = view.members().filter((m) => !elderSet.has(m.name.toHex()) && m.age > youngest).map((m) => `${m.addr} (age ${m.age})`)
      if (older.length > 0) reasons.push(`older than its youngest elder (age ${youngest}) but not an elder: ${list(older)}`)
    }
    const stale = section.members.filter((n) => toHex(n.section!.sap.sap.sectionKey().toBytes()) !== key)
    if (stale.length > 0) reasons.push(`members holding another SAP of it than the current one: ${list(stale.map((n) => n.addr))}`)
    behind.push(...stale)
    // A SAP whose key has no chain from genesis cannot go into a tree: nobody can prove it.
    const unlinked = section.members.filter((n) => n.tree.dag.chainFromGenesis(section.sap.sap.sectionKey()) === undefined)
    if (unlinked.length > 0) {
      const linked = [...byName.values()].filter((n) => n.tree.dag.chainFromGenesis(section.sap.sap.sectionKey()) !== undefined).map((n) => n.addr)
      reasons.push(`members without a chain from genesis to its key ${key.slice(0, 8)}: ${list(unlinked.map((n) => n.addr))} (nodes that have one: ${linked.length === 0 ? 'none' : list(linked)})`)
    }
    // What each member must hold: its own section's current SAP and those of the sections on its sibling's side.
    const needed = sections.filter((s) => s.prefix.equals(section.prefix) || s.prefix.isCompatible(section.prefix.sibling()))
    for (const s of needed) {
      const lacking = section.members.filter((n) => n.tree.get(s.prefix)?.sap.sectionKey().equals(s.sap.sap.sectionKey()) !== true)
      if (lacking.length === 0) continue
      const older = lacking.filter((n) => n.tree.get(s.prefix) !== undefined).length
      reasons.push(`members without the current SAP of ${s.prefix.toString()} (gen ${s.sap.sap.generation}; ${older} hold another one): ${list(lacking.map((n) => n.addr))}`)
    }
    // Every SAP a member holds must have its chain from genesis (measure's third rule).
    const unproven = section.members.flatMap((n) => n.tree.saps().filter((held) => {
      const chain = n.tree.dag.chainFromGenesis(held.sap.sectionKey())
      return chain === undefined || chain.firstBrokenLink() !== -1
    }).map((held) => `${n.addr} (${held.sap.prefix.toString()} gen ${held.sap.generation})`))
    if (unproven.length > 0) reasons.push(`members holding a SAP without a chain from genesis: ${list(unproven)}`)
    if (reasons.length === 0) whole++
    else lines.push(`section ${section.prefix.toString()} gen ${section.sap.sap.generation}: ${reasons.join('; ')}`)
  }
  // Members still in a section that split or merged since (their prefix is no section now): no
  // section lists them, so they are named here.
  const current = new Set(sections.map((s) => s.prefix.toString()))
  const stranded = nodes.filter((n) => !n.crashed && (n.role === 'adult' || n.role === 'elder') && n.section !== undefined && !current.has(n.section.sap.sap.prefix.toString()))
  if (stranded.length > 0) lines.push(`members of a section that is gone (split or merged since): ${list(stranded.map((n) => `${n.addr} (${n.role} of ${n.section!.sap.sap.prefix.toString()} gen ${n.section!.nextGeneration})`))}`)
  // Each one (a few), and each member behind: what it knows of where its name is now, who it
  // would ask, and where they are.
  for (const node of [...stranded.slice(0, NAMES_LISTED), ...behind.slice(0, NAMES_LISTED)]) {
    const view = node.section!
    const now = sections.find((s) => s.prefix.matches(node.name))
    const held = node.tree.sectionFor(node.name)
    const agreed = now?.sap.sap.elders.map((e) => byName.get(e.name.toHex())).find((n) => n?.isElder === true)?.section?.members
    const listed = agreed === undefined ? 'no serving elder' : agreed.has(node.name) ? 'lists it' : 'does not list it'
    const whereabouts = view.sap.sap.elders.map((e) => {
      const peer = byName.get(e.name.toHex())
      return `${e.addr}: ${peer === undefined ? 'gone' : `${peer.role} of ${peer.section?.sap.sap.prefix.toString() ?? '-'} gen ${peer.section?.nextGeneration ?? '-'}`}`
    })
    lines.push(`  ${node.addr}: its SAP ${view.sap.sap.prefix.toString()} gen ${view.sap.sap.generation} (key ${toHex(view.sap.sap.sectionKey().toBytes()).slice(0, 8)}, next generation ${view.nextGeneration}); its tree's SAP for its name ${held === undefined ? 'none' : `${held.sap.prefix.toString()} gen ${held.sap.generation}`}; ${now === undefined ? '?' : `${now.prefix.toString()} gen ${now.sap.sap.generation} (key ${toHex(now.sap.sap.sectionKey().toBytes()).slice(0, 8)})`} now ${listed}`)
    lines.push(`    its elders: ${whereabouts.join(', ')}`)
    lines.push(`    its actors: ${JSON.stringify(node.actorStates())}; stats ${JSON.stringify(node.stats)}`)
  }
  lines.unshift(`${whole} of ${sections.length} sections whole (7 oldest elders serving, every member's knowledge current)`)
  return lines
}
