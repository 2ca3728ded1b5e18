/**
 * One test suite for every {@link Transport} (issue 6): the simulated network and libp2p, each
 * under the connection actors as a node uses them. A fixture says how to start, stop and restart
 * an endpoint, and how time passes (virtual in the simulator, real over TCP).
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConnectionPool } from '../../src/transport/connections.ts'
import type { PeerId, TransportStats } from '../../src/transport/transport.ts'
import { MAX_FRAME_BYTES } from '../../src/wire/index.ts'

export interface SuiteEndpoint {
  /** What a node sends through: the connection actors over the transport. */
  readonly pool: ConnectionPool
  readonly stats: TransportStats
  readonly received: Array<{ from: PeerId; frame: Uint8Array }>
  pauseReading(): void
  resumeReading(): void
  queuedBytes(to: PeerId): number
}

export interface TransportFixture {
  readonly name: string
  /** The bound on bytes waiting for a peer that does not read. */
  readonly maxQueuedBytes: number
  start(name: string): Promise<SuiteEndpoint>
  stop(endpoint: SuiteEndpoint): Promise<void>
  /** The same node (key, address) back after {@link stop}. */
  restart(endpoint: SuiteEndpoint): Promise<SuiteEndpoint>
  /** Lets time pass until `done()`; fails after `timeoutMs`. */
  until(done: () => boolean, timeoutMs?: number, what?: string): Promise<void>
  close(): Promise<void>
}

const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const numbered = (n: number, size = 16): Uint8Array => {
  const frame = new Uint8Array(size)
  new DataView(frame.buffer).setUint32(0, n)
  return frame
}
const numberOf = (frame: Uint8Array): number => new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0)

/** Frames not carried, counted somewhere: by the transport or the connection actor. */
function undelivered(endpoint: SuiteEndpoint): number {
  const refused = endpoint.stats.refused
  return endpoint.pool.totals.dropped + endpoint.pool.totals.refused + (refused.Unreachable ?? 0) + (refused.NotConnected ?? 0)
}

export function transportSuite(make: () => TransportFixture): void {
  let fixture: TransportFixture
  afterEach(async () => {
    await fixture.close()
  })

  const setUp = async (): Promise<[SuiteEndpoint, SuiteEndpoint]> => {
    fixture = make()
    return [await fixture.start('a'), await fixture.start('b')]
  }

  describe(`transport suite`, () => {
    it('sends and receives in order, and the receiver can answer the sender by `from`', async () => {
      const [a, b] = await setUp()
      for (let n = 0; n < 20; n++) a.pool.send(b.pool.self, numbered(n))
      await fixture.until(() => b.received.length === 20, 10_000, 'b receives 20 frames')
      expect(b.received.map((r) => numberOf(r.frame))).toEqual([...Array(20).keys()])
      expect(new Set(b.received.map((r) => r.from))).toEqual(new Set([a.pool.self]))
      b.pool.send(b.received[0]!.from, numbered(99))
      await fixture.until(() => a.received.length === 1, 10_000, 'a receives the answer')
      expect(numberOf(a.received[0]!.frame)).toBe(99)
      expect(a.received[0]!.from).toBe(b.pool.self)
      expect(a.stats.framesSent).toBe(20)
      expect(b.stats.framesReceived).toBe(20)
    })

    it('carries large frames intact, up to the limit exactly', async () => {
      const [a, b] = await setUp()
      const frames = [randomBytes(4 * 1024 * 1024), randomBytes(MAX_FRAME_BYTES), randomBytes(1)]
      for (const frame of frames) a.pool.send(b.pool.self, frame)
      await fixture.until(() => b.received.length === 3, 20_000, 'b receives the large frames')
      expect(b.received.map((r) => digest(r.frame))).toEqual(frames.map(digest))
    })

    it('refuses an oversize frame before sending it, counted, and the connection carries on', async () => {
      const [a, b] = await setUp()
      a.pool.send(b.pool.self, new Uint8Array(MAX_FRAME_BYTES + 1))
      a.pool.send(b.pool.self, numbered(7))
      await fixture.until(() => b.received.length === 1, 10_000, 'the next frame arrives')
      expect(numberOf(b.received[0]!.frame)).toBe(7)
      expect(b.received[0]!.frame.length).toBe(16)
      expect(a.stats.refused.FrameTooLarge).toBe(1)
    })

    it('accounts for every frame to a peer that is gone', async () => {
      const [a, b] = await setUp()
      a.pool.send(b.pool.self, numbered(0))
      await fixture.until(() => b.received.length === 1, 10_000, 'connected')
      await fixture.stop(b)
      // Frames written to a TCP stream before its loss is seen are indistinguishable from
      // delivered ones; from the moment the transport sees the peer gone, each is accounted for.
      await fixture.until(() => a.pool.states()[b.pool.self] !== 'connected', 30_000, 'the loss is seen')
      for (let n = 1; n <= 5; n++) a.pool.send(b.pool.self, numbered(n))
      await fixture.until(() => undelivered(a) >= 5, 60_000, 'the frames to the gone peer are counted')
      expect(b.received.length).toBe(1)
      expect(a.pool.states()[b.pool.self]).toBeUndefined()
    })

    it('reconnects to a peer that comes back at the same address', async () => {
      const [a, b] = await setUp()
      a.pool.send(b.pool.self, numbered(0))
      await fixture.until(() => b.received.length === 1, 10_000, 'connected')
      await fixture.stop(b)
      const again = await fixture.restart(b)
      expect(again.pool.self).toBe(b.pool.self)
      // The first sends may still meet the old connection; the connection actor redials.
      let n = 1
      await fixture.until(() => {
        if (again.received.length === 0) a.pool.send(b.pool.self, numbered(n++))
        return again.received.length > 0
      }, 20_000, 'a reaches b again')
      again.pool.send(a.pool.self, numbered(500))
      await fixture.until(() => a.received.some((r) => numberOf(r.frame) === 500), 10_000, 'b reaches a')
    })

    it('bounds what waits for a peer that does not read, counts the refusals, and delivers the rest in order', async () => {
      const [a, b] = await setUp()
      a.pool.send(b.pool.self, numbered(0))
      await fixture.until(() => b.received.length === 1, 10_000, 'connected')
      b.pauseReading()
      const size = 1024 * 1024
      const total = Math.ceil((fixture.maxQueuedBytes * 2) / size)
      for (let n = 1; n <= total; n++) a.pool.send(b.pool.self, numbered(n, size))
      const refused = a.stats.refused.Backpressure ?? 0
      expect(refused).toBeGreaterThan(0)
      expect(a.queuedBytes(b.pool.self)).toBeLessThanOrEqual(fixture.maxQueuedBytes + size * 8)
      expect(b.received.length).toBe(1)
      b.resumeReading()
      await fixture.until(() => b.received.length === 1 + total - refused, 30_000, 'the frames not refused arrive')
      const got = b.received.slice(1).map((r) => numberOf(r.frame))
      expect(got).toEqual([...got].sort((x, y) => x - y))
      expect(a.stats.framesSent).toBe(1 + total - refused)
    })
  })
}
