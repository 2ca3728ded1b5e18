/**
 * Which elder looks after which member: passes it decisions and news, watches it for silence,
 * answers its probes and catch-up requests. Every member computes the same from the SAP.
 */
import type { SectionMembers } from '../../consensus/index.ts'
import type { SectionAuthorityProvider } from '../../knowledge/index.ts'
import type { XorName } from '../../xor/index.ts'

/**
 * Which elder looks after `name`: for an adult, by its last byte; for an elder, the next elder in
 * the SAP's order, so the elders watch each other in a ring. (By last byte, two elders could each
 * be the other's watcher: both crashed, nobody noticed either, nor the members they looked after.)
 */
export function responsibleIndex(name: XorName, elders: ReadonlyArray<{ readonly name: XorName }>): number {
  const self = elders.findIndex((e) => e.name.equals(name))
  return self >= 0 ? (self + 1) % elders.length : name.bytes[31]! % elders.length
}

/**
 * The elder that looks after `name`: among the SAP's elders that are still members (an elder
 * voted off before its handover hands its members to the next), by {@link responsibleIndex}.
 */
export function responsibleElder(name: XorName, sap: SectionAuthorityProvider, members: SectionMembers | undefined): { name: XorName; addr: string } | undefined {
  const serving = sap.elders.filter((e) => members?.has(e.name) !== false)
  const elders = serving.length > 0 ? serving : sap.elders
  return elders.length === 0 ? undefined : elders[responsibleIndex(name, elders)]
}
