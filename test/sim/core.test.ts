import { describe, expect, it } from 'vitest'
import { SimNetwork } from '../../src/sim/network.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'

describe('SeededRandom', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new SeededRandom(7)
    const b = new SeededRandom(7)
    const c = new SeededRandom(8)
    const take = (r: SeededRandom) => Array.from({ length: 5 }, () => r.nextUint32())
    expect(take(a)).toEqual(take(b))
    expect(take(new SeededRandom(7))).not.toEqual(take(c))
  })

  it('forks independent streams by label, unaffected by how much the parent consumed', () => {
    const a = new SeededRandom(1)
    const b = new SeededRandom(1)
    b.bytes(100)
    expect(a.fork('network').nextUint32()).toBe(b.fork('network').nextUint32())
    expect(a.fork('network').nextUint32()).not.toBe(a.fork('keys').nextUint32())
  })

  it('draws integers in range', () => {
    const r = new SeededRandom(3)
    for (let i = 0; i < 1000; i++) {
      const v = r.between(2, 5)
      expect(v).toBeGreaterThanOrEqual(2)
      expect(v).toBeLessThanOrEqual(5)
    }
  })
})

describe('Scheduler (virtual clock)', () => {
  it('runs events in time order, ties in scheduling order, and honours cancellation', () => {
    const scheduler = new Scheduler()
    const seen: string[] = []
    scheduler.schedule(20, () => seen.push('b'))
    scheduler.schedule(10, () => seen.push('a'))
    scheduler.schedule(20, () => seen.push('c'))
    const cancelled = scheduler.schedule(15, () => seen.push('never'))
    scheduler.cancel(cancelled)
    scheduler.schedule(5, () => scheduler.schedule(1, () => seen.push('nested')))
    expect(scheduler.run({ maxTimeMs: 1000 })).toBe('idle')
    expect(seen).toEqual(['nested', 'a', 'b', 'c'])
    expect(scheduler.now).toBe(20)
  })

  it('stops at the time limit without running later events', () => {
    const scheduler = new Scheduler()
    let ran = false
    scheduler.schedule(500, () => { ran = true })
    expect(scheduler.run({ maxTimeMs: 100 })).toBe('time')
    expect(ran).toBe(false)
    expect(scheduler.now).toBe(100)
  })
})

describe('SimNetwork', () => {
  function net(link: Partial<{ drop: number; duplicate: number; reorder: number }> = {}, stableAfterMs?: number) {
    const scheduler = new Scheduler()
    const network = new SimNetwork({
      scheduler,
      random: new SeededRandom(11),
      link: { minDelayMs: 1, maxDelayMs: 10, drop: 0, duplicate: 0, reorder: 0, ...link },
      ...(stableAfterMs === undefined ? {} : { stableAfterMs }),
    })
    const received: Array<[string, string, number]> = []
    for (const id of ['a', 'b', 'c']) network.endpoint(id).onFrame((from, frame) => received.push([from, id, frame[0]!]))
    return { scheduler, network, received }
  }

  it('delivers frames after a delay, and none across a partition or to a crashed node', () => {
    const { scheduler, network, received } = net()
    network.endpoint('a').send('b', Uint8Array.of(1))
    network.partition([['a'], ['b', 'c']])
    network.endpoint('a').send('c', Uint8Array.of(2))
    network.heal()
    network.crash('c')
    network.endpoint('b').send('c', Uint8Array.of(3))
    scheduler.run({ maxTimeMs: 100 })
    expect(received).toEqual([['a', 'b', 1]])
    expect(network.stats.unreachable).toBe(2)
  })

  it('partitions by a side function too, asked at each frame (peers seen later get a side)', () => {
    const { scheduler, network, received } = net()
    const sides = new Map([['a', 0], ['b', 1]])
    network.partition((peer) => sides.get(peer))
    network.endpoint('a').send('b', Uint8Array.of(1))
    network.endpoint('a').send('c', Uint8Array.of(2)) // c has no side yet: isolated
    sides.set('c', 0)
    network.endpoint('a').send('c', Uint8Array.of(3))
    scheduler.run({ maxTimeMs: 100 })
    expect(received).toEqual([['a', 'c', 3]])
    expect(network.stats.unreachable).toBe(2)
  })

  it('drops and duplicates at the configured rates, and stops faulting once stable', () => {
    const { scheduler, network, received } = net({ drop: 0.3, duplicate: 0.2 }, 50)
    for (let i = 0; i < 1000; i++) network.endpoint('a').send('b', Uint8Array.of(i & 0xff))
    scheduler.run({ maxTimeMs: 40 })
    expect(network.stats.dropped).toBeGreaterThan(230)
    expect(network.stats.dropped).toBeLessThan(370)
    expect(network.stats.duplicated).toBeGreaterThan(100)
    const before = received.length
    scheduler.schedule(60, () => { for (let i = 0; i < 100; i++) network.endpoint('a').send('b', Uint8Array.of(1)) })
    scheduler.run({ maxTimeMs: 1000 })
    expect(received.length - before).toBe(100)
  })

  it('lets a Byzantine hook replace a node\'s outbound frames', () => {
    const { scheduler, network, received } = net()
    network.intercept('a', (to) => (to === 'b' ? [Uint8Array.of(9), Uint8Array.of(8)] : []))
    network.endpoint('a').send('b', Uint8Array.of(1))
    network.endpoint('a').send('c', Uint8Array.of(1))
    scheduler.run({ maxTimeMs: 100 })
    expect(received.map((r) => r[2]).sort()).toEqual([8, 9])
  })
})
