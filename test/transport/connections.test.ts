import { describe, expect, it } from 'vitest'
import type { ConnectionSettings } from '../../machines/connection.machine.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'
import { ConnectionPool } from '../../src/transport/connections.ts'
import type { PeerId, Transport } from '../../src/transport/transport.ts'

const settings: ConnectionSettings = { maxQueuedFrames: 4, initialBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 3, idleMs: 1_000 }

function pool() {
  const clock = new Scheduler()
  const delivered: Array<[PeerId, number]> = []
  const down = new Set<PeerId>()
  let inbound: ((from: PeerId, frame: Uint8Array) => void) | undefined
  const inner: Transport = {
    self: 'a',
    send: (to, frame) => { delivered.push([to, frame[0]!]) },
    onFrame: (handler) => { inbound = handler },
  }
  const connections = new ConnectionPool({ inner, clock, settings, dial: (peer, done) => done(down.has(peer) ? 'unreachable' : undefined) })
  const received: number[] = []
  connections.onFrame((_, frame) => received.push(frame[0]!))
  return { clock, delivered, down, connections, received, deliver: (from: PeerId, n: number) => inbound!(from, Uint8Array.of(n)) }
}

describe('connection pool (connection actors over a transport)', () => {
  it('dials on the first frame, sends in order, and lets an idle connection go', () => {
    const { clock, delivered, connections, received, deliver } = pool()
    connections.send('b', Uint8Array.of(1))
    connections.send('b', Uint8Array.of(2))
    connections.send('c', Uint8Array.of(3))
    expect(delivered).toEqual([['b', 1], ['b', 2], ['c', 3]])
    expect(connections.open).toBe(2)
    expect(connections.states()).toEqual({ b: 'connected', c: 'connected' })
    // Traffic from b keeps its connection; c goes idle and is let go.
    clock.run({ maxTimeMs: 800 })
    deliver('b', 9)
    clock.run({ maxTimeMs: 1_500 })
    expect(received).toEqual([9])
    expect(connections.states()).toEqual({ b: 'connected' })
    clock.run({ maxTimeMs: 3_000 })
    expect(connections.open).toBe(0)
    expect(connections.totals).toMatchObject({ sent: 3, dials: 2, failures: 0, dropped: 0 })
  })

  it('queues for a peer that is down, backs off, delivers when it is back, and gives up after maxAttempts', () => {
    const { clock, delivered, down, connections } = pool()
    down.add('b')
    connections.send('b', Uint8Array.of(1))
    connections.send('b', Uint8Array.of(2))
    expect(delivered).toEqual([])
    clock.run({ maxTimeMs: 150 })
    down.delete('b')
    clock.run({ maxTimeMs: 1_000 })
    expect(delivered).toEqual([['b', 1], ['b', 2]])
    // Down for good: 3 failed dials in a row, then the queue is dropped and counted.
    down.add('c')
    for (let n = 0; n < 6; n++) connections.send('c', Uint8Array.of(10 + n))
    clock.run({ maxTimeMs: 5_000 })
    expect(delivered.filter(([to]) => to === 'c')).toEqual([])
    expect(connections.totals).toMatchObject({ refused: 2, dropped: 4 })
    expect(connections.totals.failures).toBeGreaterThanOrEqual(4)
  })

  it('a lost connection is dialled again on the next frame', () => {
    const { delivered, connections } = pool()
    connections.send('b', Uint8Array.of(1))
    connections.lost('b', 'reset')
    expect(connections.open).toBe(0)
    connections.send('b', Uint8Array.of(2))
    expect(delivered).toEqual([['b', 1], ['b', 2]])
    expect(connections.totals).toMatchObject({ dials: 2, lost: 1 })
  })
})
