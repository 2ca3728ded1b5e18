import { describe, expect, it } from 'vitest'
import { type DkgResult, DkgSession, dkgSessionId, type NonParticipation } from '../../../src/consensus/index.ts'
import { NodeKeypair, threshold } from '../../../src/crypto/index.ts'
import { DkgHost } from '../../../src/roles/dkg/dkg-host.ts'
import { SeededRandom } from '../../../src/sim/random.ts'
import { Scheduler } from '../../../src/sim/scheduler.ts'
import type { DkgCatchUpWire, DkgMessagesWire, Kind } from '../../../src/wire/index.ts'
import { Prefix } from '../../../src/xor/index.ts'

const n = 4
const random = new SeededRandom(11)
const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(random.bytes(32)))
const sessionId = dkgSessionId(Prefix.EMPTY, keypairs.map((k) => k.name.bytes), 1, 1)
const addrs = keypairs.map((_, i) => `c${i}`)
const GOSSIP_MS = 500
const DEADLINE_MS = 4_000

const session = (self: number) => new DkgSession({
  sessionId, candidates: keypairs.map((k) => k.publicKey), self, keypair: keypairs[self]!, threshold: threshold(n),
  randomBytes: random.fork(`dealer-${self}`).byteSource(),
})

/** Four candidates' hosts over a perfect network in virtual time; `silent` ones are never started. */
function candidates(options: { silent?: ReadonlySet<number>; catchUpFrom?: (others: ReadonlyArray<string>) => ReadonlyArray<string> } = {}) {
  const scheduler = new Scheduler()
  const log: string[] = []
  const completed = new Map<number, DkgResult>()
  const abandoned = new Map<number, ReadonlyArray<readonly [number, NonParticipation]>>()
  const hosts: DkgHost[] = []
  const deliver = (host: DkgHost, from: number, kind: Kind, payload: unknown) => {
    if (kind === 'DkgMessages') host.onMessages(payload as DkgMessagesWire)
    if (kind === 'DkgCatchUp') host.onCatchUp(from, payload as DkgCatchUpWire)
  }
  for (let self = 0; self < n; self++) {
    hosts.push(new DkgHost({
      session: session(self),
      startQuorum: 3,
      deadlineMs: DEADLINE_MS,
      gossipIntervalMs: GOSSIP_MS,
      clock: scheduler,
      systemId: `${addrs[self]}/dkg`,
      candidates: addrs,
      self,
      send: (to, kind, payload) => {
        log.push(`${self} sends ${kind} to ${to.join(',')}`)
        if (options.silent?.has(self) === true) return
        for (const addr of to) scheduler.schedule(1, () => deliver(hosts[addrs.indexOf(addr)]!, self, kind, payload))
      },
      ...(options.catchUpFrom === undefined ? {} : { catchUpFrom: options.catchUpFrom }),
      onCompleted: (result) => completed.set(self, result),
      onAbandoned: (nonParticipants) => abandoned.set(self, nonParticipants),
    }))
  }
  const startAll = () => hosts.forEach((host, i) => {
    if (options.silent?.has(i) === true) return
    host.start()
    for (const elder of [0, 1, 2]) host.onDkgStart(elder)
  })
  return { scheduler, log, completed, abandoned, hosts, startAll }
}

describe('DkgHost (one candidate’s DKG session on the wire)', () => {
  it('waits for a supermajority of the current elders to ask, then deals its part to the other candidates', () => {
    const { log, hosts } = candidates()
    const host = hosts[0]!
    host.start()
    host.onDkgStart(0)
    host.onDkgStart(1)
    host.onDkgStart(1)
    expect(host.waitingForStart).toBe(true)
    expect(log).toEqual([])
    host.onDkgStart(2)
    expect(host.waitingForStart).toBe(false)
    expect(log).toEqual(['0 sends DkgMessages to c1,c2,c3'])
  })

  it('four candidates complete with one key set', () => {
    const { scheduler, completed, startAll } = candidates()
    startAll()
    scheduler.run({ maxTimeMs: DEADLINE_MS, until: () => completed.size === n })
    expect(completed.size).toBe(n)
    const key = completed.get(0)!.publicKeySet
    for (const result of completed.values()) expect(result.publicKeySet.equals(key)).toBe(true)
  })

  it('answers a catch-up to the candidate that asked', () => {
    const { scheduler, log, completed, hosts, startAll } = candidates()
    startAll()
    scheduler.run({ maxTimeMs: DEADLINE_MS, until: () => completed.size === n })
    log.length = 0
    hosts[0]!.onCatchUp(3, session(3).catchUpRequest())
    expect(log).toEqual(['0 sends DkgMessages to c3'])
  })

  it('asks for catch-up where catchUpFrom says, and names a silent candidate when its deadline passes', () => {
    const { scheduler, log, abandoned, startAll } = candidates({ silent: new Set([3]), catchUpFrom: (others) => others.slice(0, 1) })
    startAll()
    scheduler.run({ maxTimeMs: DEADLINE_MS + 1 })
    expect(log.filter((line) => line.startsWith('0 sends DkgCatchUp'))).not.toHaveLength(0)
    for (const line of log.filter((l) => l.includes('DkgCatchUp'))) expect(line.endsWith(line.startsWith('0') ? 'to c1' : 'to c0')).toBe(true)
    expect([...abandoned.keys()].sort()).toEqual([0, 1, 2])
    for (const nonParticipants of abandoned.values()) expect(nonParticipants.map(([who]) => who)).toEqual([3])
  })
})
