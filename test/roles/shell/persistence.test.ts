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

describe('node persistence: recent decisions stored one blob per generation', () => {
  it('writes each decision once, keeps them out of the knowledge record, and gives them back on attach', async () => {
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
    let puts = 0
    const putBlob = store.putBlob.bind(store)
    store.putBlob = (ns, key, value) => {
      if (ns === 'decisions') puts++
      putBlob(ns, key, value)
    }
    persistence.persist()
    expect(puts).toBe(decided.length)
    expect([...store.blobKeys('decisions')]).toHaveLength(decided.length)
    expect(store.knowledge()?.section?.decisions).toEqual([])
    // Nothing new decided: nothing written again.
    persistence.persist()
    expect(puts).toBe(decided.length)
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
  })
})
