import { describe, expect, it } from 'vitest'
import { NodeKeypair } from '../../../src/crypto/index.ts'
import { StoreBallotJournal } from '../../../src/roles/elder/ballot-journal.ts'
import { NodePersistence } from '../../../src/roles/shell/persistence.ts'
import { MemoryBacking, MemoryStore } from '../../../src/store/index.ts'
import type { NodeKnowledge } from '../../../src/roles/member/stored-section.ts'
import { SeededRandom } from '../../../src/sim/random.ts'
import { Subject } from '../../model/node-harness.ts'
import { genesisElder, PARAMS } from '../support.ts'

/** A persistence whose debounce the test runs by hand. */
function persistenceOn(store: MemoryStore) {
  return new NodePersistence({ store, journal: new StoreBallotJournal(store), schedule: () => 0, cancel: () => undefined })
}

describe('node persistence: recent decisions and held SAPs stored one blob each', () => {
  it('writes each decision and each SAP once, keeps them out of the knowledge record, and gives them back on attach', async () => {
    const { s, sap } = genesisElder(41)
    // The sole elder decides joins.
    for (let i = 0; i < 3; i++) {
      const joiner = { keypair: NodeKeypair.fromSeed(Uint8Array.of(i + 1, ...new Uint8Array(31))), addr: `j${i}` }
      s.deliver(joiner, 'JoinRequest', { addr: joiner.addr }, { name: joiner.keypair.name.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
      for (let k = 0; k < 20 && s.timers('agreement').fire(() => true); k++);
    }
    const decided = s.node.recentDecisions()
    expect(decided.length).toBeGreaterThanOrEqual(2)

    const backing = new MemoryBacking()
    const store = MemoryStore.open(backing)
    const persistence = persistenceOn(store)
    persistence.attach(s.node)
    let decisionPuts = 0
    let treePuts = 0
    const writeBlobs = store.writeBlobs.bind(store)
    store.writeBlobs = (ns, changes) => {
      const puts = changes.filter((c) => c.value !== undefined).length
      if (ns === 'decisions') decisionPuts += puts
      if (ns === 'tree') treePuts += puts
      writeBlobs(ns, changes)
    }
    const held = s.node.tree.saps().length
    expect(held).toBeGreaterThanOrEqual(1)
    persistence.persist()
    expect(decisionPuts).toBe(decided.length)
    expect(treePuts).toBe(held)
    expect([...store.blobKeys('decisions')]).toHaveLength(decided.length)
    expect([...store.blobKeys('tree')]).toHaveLength(held)
    expect(store.knowledge()?.section?.decisions).toEqual([])
    expect(store.knowledge()?.tree).toEqual([])
    // Nothing new decided or learnt: nothing written again.
    persistence.persist()
    expect(decisionPuts).toBe(decided.length)
    expect(treePuts).toBe(held)
    persistence.stop({ flush: false })
    await store.close()

    // The node restarts on the same backing: its stored section comes back with its decisions.
    const again = MemoryStore.open(backing)
    const restarted = new Subject({ addr: 's', keypair: s.keypair(), params: PARAMS, genesis: sap, random: new SeededRandom(42) })
    const seen: NodeKnowledge[] = []
    const restore = restarted.node.restore.bind(restarted.node)
    restarted.node.restore = (knowledge, shares, contacts) => {
      seen.push(knowledge)
      return restore(knowledge, shares, contacts)
    }
    expect(persistenceOn(again).attach(restarted.node)).toEqual({ refusedSaps: 0, badShares: 0 })
    expect(seen[0]!.section!.decisions).toHaveLength(decided.length)
    expect(seen[0]!.tree).toHaveLength(held)
    expect(restarted.node.tree.saps().map((sap) => sap.sap.sectionKey().toHex())).toEqual(s.node.tree.saps().map((sap) => sap.sap.sectionKey().toHex()))
  })

  it('counts a damaged SAP blob as refused and takes the rest', async () => {
    const { s, sap } = genesisElder(43)
    const backing = new MemoryBacking()
    const store = MemoryStore.open(backing)
    const persistence = persistenceOn(store)
    persistence.attach(s.node)
    persistence.persist()
    persistence.stop({ flush: false })
    await store.close()
    const [key] = [...backing.entries.keys()].filter((k) => Buffer.from(k, 'hex').toString('latin1').startsWith('blob/tree\0'))
    expect(key).toBeDefined()
    backing.entries.set(key!, Uint8Array.of(0xc1))

    const again = MemoryStore.open(backing)
    const restarted = new Subject({ addr: 's', keypair: s.keypair(), params: PARAMS, genesis: sap, random: new SeededRandom(44) })
    expect(persistenceOn(again).attach(restarted.node)).toEqual({ refusedSaps: 1, badShares: 0 })
  })
})
