import { describe, expect, it } from 'vitest'
import { Agreement, type Decision, makeRoster, signVote } from '../../../src/consensus/index.ts'
import { NodeKeypair, SecretKeySet, threshold } from '../../../src/crypto/index.ts'
import { AgreementHost } from '../../../src/roles/elder/agreement-host.ts'
import { SeededRandom } from '../../../src/sim/random.ts'
import { Scheduler } from '../../../src/sim/scheduler.ts'
import type { Kind, PayloadOf } from '../../../src/wire/index.ts'

const n = 4
const random = new SeededRandom(7)
const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(random.bytes(32)))
const keys = SecretKeySet.random(threshold(n), random.byteSource())
const roster = makeRoster(keypairs.map((k) => k.publicKey), keys.publicKeys())
const addrs = keypairs.map((_, i) => `e${i}`)
const change = new TextEncoder().encode('join:a')

/** Four elders' hosts over a perfect network in virtual time; `log` is every journal, send and decision, in order. */
function section() {
  const scheduler = new Scheduler()
  const log: string[] = []
  const decided = new Map<number, Decision>()
  const ignored: Array<[number, number]> = []
  const hosts: AgreementHost[] = []
  const deliver = (host: AgreementHost, from: number, kind: Kind, payload: unknown) => {
    if (kind === 'AgreementVotes') host.onVotes(from, payload as PayloadOf<'AgreementVotes'>)
    if (kind === 'DecisionAnnounce') host.onAnnounce(from, (payload as PayloadOf<'DecisionAnnounce'>).decision)
    if (kind === 'DecisionRequest') host.onDecisionRequest(from, (payload as PayloadOf<'DecisionRequest'>).generation)
  }
  for (let self = 0; self < n; self++) {
    const agreement = new Agreement({
      roster, self, keypair: keypairs[self]!, share: keys.secretKeyShare(self), isValid: () => true,
      proposalsFor: (generation) => (generation === 0 ? [change] : undefined), lastGeneration: 0,
    })
    hosts.push(new AgreementHost({
      agreement,
      clock: scheduler,
      systemId: `${addrs[self]}/agreement`,
      elders: addrs,
      self,
      send: (to, kind, payload) => {
        log.push(`${self} sends ${kind} to ${to.join(',')}`)
        for (const addr of to) scheduler.schedule(1, () => deliver(hosts[addrs.indexOf(addr)]!, self, kind, payload))
      },
      journal: () => log.push(`${self} journals`),
      onDecided: (decision) => {
        log.push(`${self} decides g${decision.generation}`)
        decided.set(self, decision)
      },
      onIgnored: (from) => ignored.push([self, from]),
    }))
  }
  return { scheduler, log, decided, ignored, hosts }
}

describe('AgreementHost (one elder’s agreement on the wire)', () => {
  it('journals each ballot set before sending it to the other elders, and all four decide one set', () => {
    const { scheduler, log, decided, hosts } = section()
    for (const host of hosts) host.start()
    scheduler.run({ maxTimeMs: 60_000, until: () => decided.size === n })
    expect(decided.size).toBe(n)
    expect(new Set([...decided.values()].map((d) => Buffer.from(d.signature).toString('hex'))).size).toBe(1)
    log.forEach((line, i) => {
      const [self, what, kind, , to] = line.split(' ')
      if (what !== 'sends' || kind !== 'AgreementVotes') return
      expect(log[i - 1]).toBe(`${self} journals`)
      expect(to!.split(',')).toEqual(addrs.filter((a) => a !== `e${self}`))
    })
  })

  it('answers an elder that asks for a generation it decided, and that elder only', () => {
    const { scheduler, log, decided, hosts } = section()
    for (const host of hosts) host.start()
    scheduler.run({ maxTimeMs: 60_000, until: () => decided.size === n })
    log.length = 0
    hosts[0]!.onDecisionRequest(2, 0)
    expect(log).toEqual(['0 sends DecisionAnnounce to e2'])
  })

  it('sends nothing once stopped, and the other three still decide', () => {
    const { scheduler, log, decided, hosts } = section()
    for (const host of hosts) host.start()
    hosts[3]!.stop()
    const sentBefore = log.filter((line) => line.startsWith('3 sends')).length
    scheduler.run({ maxTimeMs: 60_000, until: () => decided.size === n - 1 })
    expect([...decided.keys()].sort()).toEqual([0, 1, 2])
    expect(log.filter((line) => line.startsWith('3 sends')).length).toBe(sentBefore)
  })

  it('tells its runtime of an elder whose ballots the agreement ignores from now on', () => {
    const { ignored, hosts } = section()
    hosts[0]!.start()
    // Elder 1's place, elder 2's signature: every one fails its check.
    const forged = signVote(keypairs[2]!, keys.publicKeys().publicKey().toBytes(), { voter: 1, generation: 0, round: 0, ballot: 'Propose', proposals: [change] })
    hosts[0]!.onVotes(1, { votes: Array.from({ length: 64 }, () => forged), supermajorities: [] })
    expect(ignored).toEqual([[0, 1]])
  })
})
