import { describe, expect, it } from 'vitest'
import { runNetworkScenario } from '../../src/sim/scenarios/network.ts'

/**
 * Data through churn in the simulator (DESIGN.md §10): a client stores files while a network of 40
 * grows with a fifth of its nodes crashing (half of them coming back with their store) and 5% of
 * messages lost; once it settled, every chunk is on its 4 holders and reads back.
 */
describe('data in a growing, churning network', () => {
  it('loses nothing: every chunk stored is held by its 4 closest members and reads back', () => {
    const report = runNetworkScenario(7, { nodes: 40, churn: 0.2, drop: 0.05, data: 20, clients: 5 })
    expect(report.data).toMatchObject({ filesStored: 20, filesFailed: 0, chunksStored: 80, chunksLost: 0, underReplicated: 0, readFailures: 0 })
    // Churn happened while data was stored: copies moved.
    expect(report.crashed).toBeGreaterThan(0)
    expect(report.messagesByKind.ChunkOffer ?? 0).toBeGreaterThan(0)
  })
})
