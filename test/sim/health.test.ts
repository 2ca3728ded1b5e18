import { describe, expect, it } from 'vitest'
import { explainSections } from '../../src/sim/scenarios/health.ts'
import { Prefix } from '../../src/xor/index.ts'
import { genesisElder } from '../roles/support.ts'

describe('safenet sim --why: why a section is not whole', () => {
  it('names a SAP short of 7 elders, an elder that is gone, and a member without the current SAP', () => {
    const { s, sap } = genesisElder(11)
    const section = { prefix: Prefix.EMPTY, sap, members: [s.node] }
    expect(explainSections([s.node], [section])).toEqual([
      '0 of 1 sections whole (7 oldest elders serving, every member\'s knowledge current)',
      `section ${Prefix.EMPTY.toString()} gen 0: 1 elders in its SAP`,
    ])
    // A member holding another SAP of the prefix (the genesis of another network), and the elder gone.
    const other = genesisElder(12).s
    s.node.crash()
    const lines = explainSections([s.node, other.node], [{ ...section, members: [other.node] }])
    expect(lines[1]).toContain('elders crashed or gone: s')
    expect(lines[1]).toContain('members holding another SAP of it than the current one: s')
    expect(lines[1]).toContain(`members without the current SAP of ${Prefix.EMPTY.toString()} (gen 0; 1 hold another one): s`)
  })
})
