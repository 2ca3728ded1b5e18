/** The shared transport suite over the simulated network and over libp2p on loopback. */
import { describe } from 'vitest'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { systemClock } from '../../src/transport/system-clock.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { SIM_MAX_QUEUED_BYTES_PER_PEER, SimNetwork } from '../../src/sim/network.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'
import { ConnectionPool } from '../../src/transport/connections.ts'
import { DEFAULT_LIBP2P_LIMITS, Libp2pTransport } from '../../src/transport/libp2p.ts'
import type { PeerId } from '../../src/transport/transport.ts'
import type { ConnectionSettings } from '../../machines/connection.machine.ts'
import { type SuiteEndpoint, type TransportFixture, transportSuite } from './transport-suite.ts'

const settings: ConnectionSettings = { maxQueuedFrames: 64, initialBackoffMs: 50, maxBackoffMs: 400, maxAttempts: 3, idleMs: 60_000 }

function simFixture(): TransportFixture {
  const scheduler = new Scheduler()
  const network = new SimNetwork({ scheduler, random: new SeededRandom(1) })
  const start = (name: string): SuiteEndpoint => {
    network.restart(name)
    const inner = network.endpoint(name)
    const pool = new ConnectionPool({ inner, clock: scheduler, settings, dial: (peer, done) => done(network.isCrashed(peer) ? 'unreachable' : undefined) })
    const received: SuiteEndpoint['received'] = []
    pool.onFrame((from, frame) => received.push({ from, frame }))
    return {
      pool, stats: inner.stats, received,
      pauseReading: () => network.pause(name),
      resumeReading: () => network.resume(name),
      queuedBytes: (to: PeerId) => network.queuedBytes(name, to),
    }
  }
  return {
    name: 'simulated',
    maxQueuedBytes: SIM_MAX_QUEUED_BYTES_PER_PEER,
    start: (name) => Promise.resolve(start(name)),
    stop: (endpoint) => {
      endpoint.pool.close()
      network.crash(endpoint.pool.self)
      return Promise.resolve()
    },
    restart: (endpoint) => Promise.resolve(start(endpoint.pool.self)),
    until: (done, timeoutMs = 10_000, what = 'condition') => {
      const outcome = scheduler.run({ maxTimeMs: scheduler.now + timeoutMs, until: done })
      if (outcome !== 'done' && !done()) return Promise.reject(new Error(`${what}: not after ${timeoutMs} virtual ms (${outcome})`))
      return Promise.resolve()
    },
    close: async () => {},
  }
}

function libp2pFixture(): TransportFixture {
  const clock = systemClock()
  const running = new Set<Libp2pTransport>()
  const keys = new Map<PeerId, NodeKeypair>()
  const start = async (keypair: NodeKeypair, listen?: string): Promise<SuiteEndpoint> => {
    const transport = await Libp2pTransport.start({ keypair, networkId: 'suite', listen: listen === undefined ? undefined : [listen], limits: { dialTimeoutMs: 3_000 } })
    running.add(transport)
    keys.set(transport.self, keypair)
    const pool = new ConnectionPool({ inner: transport, clock, settings, dial: transport.dial, hangUp: (peer) => transport.hangUp(peer) })
    const received: SuiteEndpoint['received'] = []
    pool.onFrame((from, frame) => received.push({ from, frame }))
    return {
      pool, stats: transport.stats, received,
      pauseReading: () => transport.pauseReading(),
      resumeReading: () => transport.resumeReading(),
      queuedBytes: (to) => transport.queuedBytes(to),
    }
  }
  const transportOf = (endpoint: SuiteEndpoint) => [...running].find((t) => t.self === endpoint.pool.self)
  return {
    name: 'libp2p',
    maxQueuedBytes: DEFAULT_LIBP2P_LIMITS.maxQueuedBytesPerPeer,
    start: async () => start(NodeKeypair.generate()),
    stop: async (endpoint) => {
      endpoint.pool.close()
      const transport = transportOf(endpoint)
      if (transport !== undefined) {
        running.delete(transport)
        await transport.stop()
      }
    },
    restart: async (endpoint) => start(keys.get(endpoint.pool.self)!, endpoint.pool.self.replace(/\/p2p\/.*$/, '')),
    until: async (done, timeoutMs = 10_000, what = 'condition') => {
      const deadline = Date.now() + timeoutMs
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    close: async () => {
      await Promise.all([...running].map((t) => t.stop()))
      running.clear()
    },
  }
}

describe('simulated transport', () => transportSuite(simFixture))
describe('libp2p transport (TCP on 127.0.0.1)', () => transportSuite(libp2pFixture))
