/**
 * Specs for the two machines whose context holds a live protocol object: `agreement` (an
 * {@link Agreement}) and `dkg` (a {@link DkgSession}). Both are traversed with the real protocol
 * code through `replaying` (replay.ts), over messages recorded from a real run of four elders: the
 * events are every message the other three sent elder 0, delivered in any order, any subset, with
 * the machine's timers firing in between.
 */
import { agreementMachine } from '../../machines/agreement.machine.ts'
import { dkgMachine } from '../../machines/dkg.machine.ts'
import {
  Agreement,
  type Bundle,
  type Decision,
  DkgSession,
  dkgSessionId,
  type Effects,
  makeRoster,
  type SuperMajority,
  type Vote,
} from '../consensus/index.ts'
import { NodeKeypair, SecretKeySet, supermajority, threshold, toHex } from '../crypto/index.ts'
import { SeededRandom } from '../sim/random.ts'
import type { DkgCatchUpWire } from '../wire/index.ts'
import { Prefix } from '../xor/index.ts'
import { emittedOn } from './replay.ts'
import { defineSpec, type MachineSpec, within } from './verify.ts'

const ELDERS = 4
/** Generations 0 and 1 are decided; the agreement is finished after that. */
const LAST_GENERATION = 1

interface Fixture {
  readonly keypairs: NodeKeypair[]
  readonly keys: SecretKeySet
}

function fixture(seed: number): Fixture {
  const random = new SeededRandom(seed)
  return {
    keypairs: Array.from({ length: ELDERS }, () => NodeKeypair.fromSeed(random.bytes(32))),
    keys: SecretKeySet.random(threshold(ELDERS), random.byteSource()),
  }
}

/** The decisions elder 0's replayed agreement emitted, in order. */
export function decidedOn(snapshot: object): Decision[] {
  return emittedOn(snapshot).flatMap((e) => (e as { effects?: Effects }).effects?.decided ?? [])
}

export function agreementSpec(): MachineSpec {
  const { keypairs, keys } = fixture(11)
  const roster = makeRoster(keypairs.map((k) => k.publicKey), keys.publicKeys())
  const change = (elder: number, generation: number) => new TextEncoder().encode(`g${generation}:change-of-${elder % 2}`)
  const build = (self: number) => new Agreement({
    roster, self, keypair: keypairs[self]!, share: keys.secretKeyShare(self), isValid: () => true,
    proposalsFor: (g) => (g <= LAST_GENERATION ? [change(self, g)] : undefined), lastGeneration: LAST_GENERATION,
  })

  // A run of all four over a perfect broadcast, in order: what elders 1-3 send elder 0 is recorded.
  const elders = Array.from({ length: ELDERS }, (_, i) => build(i))
  const toZero: Array<{ from: number; votes: Vote[]; supermajorities: SuperMajority[] }> = []
  const decisions = new Map<number, Decision>()
  const queue: Array<{ from: number; effects: Effects }> = elders.map((e, from) => ({ from, effects: e.start() }))
  for (let steps = 0; queue.length > 0 && steps < 10_000; steps++) {
    const { from, effects } = queue.shift()!
    for (const d of effects.decided) decisions.set(d.generation, d)
    for (const ballots of effects.broadcast) {
      if (from !== 0) toZero.push({ from, ...ballots })
      elders.forEach((e, i) => { if (i !== from) queue.push({ from: i, effects: e.onVotes(from, ballots.votes, ballots.supermajorities) }) })
    }
    for (const { to, decision } of effects.announce) {
      elders.forEach((e, i) => { if (i !== from && (to === undefined || to === i)) queue.push({ from: i, effects: e.onDecision(decision) }) })
    }
  }
  if (decisions.size !== LAST_GENERATION + 1) throw new Error(`agreement fixture: the recorded run decided ${decisions.size} generations`)

  return defineSpec({
    name: 'agreement',
    machine: agreementMachine,
    replay: () => ({ agreement: build(0) }),
    events: [
      ...toZero.map((b) => ({ type: 'VOTES', ...b })),
      ...[...decisions.values()].map((decision) => ({ type: 'DECISION_ANNOUNCE', from: 1, decision })),
      { type: 'DECISION_REQUEST', from: 2, generation: 0 },
      { type: 'PROPOSALS_READY' },
    ],
    key: (s) => {
      const a = s.context.agreement
      const own = a.voter.ownBallots()
      return { g: a.generation, round: Math.min(a.round, 2), finished: a.finished, decided: a.decisions.size, votes: Math.min(own.votes.length, 3), locks: Math.min(own.supermajorities.length, 2) }
    },
    stable: ['agreement.idle'],
    // Proposals come with what others ask (a join, a decision to act on): no way forward of its own.
    progress: { external: ['VOTES', 'DECISION_ANNOUNCE', 'DECISION_REQUEST', 'PROPOSALS_READY'], shutdown: [] },
    invariants: [
      {
        name: 'at most one decision per generation',
        holds: (s) => {
          const generations = decidedOn(s).map((d) => d.generation)
          return new Set(generations).size === generations.length
        },
      },
      { name: 'generations are decided in order, none skipped', holds: (s) => decidedOn(s).every((d, i) => d.generation === i) },
      {
        name: 'every decision emitted is the one held',
        holds: (s) => decidedOn(s).every((d) => toHex(s.context.agreement.decision(d.generation)?.signature ?? new Uint8Array()) === toHex(d.signature)),
      },
      { name: 'idle exactly when the last generation is decided', holds: (s) => within(s, 'agreement.idle') === (s.context.agreement.decision(LAST_GENERATION) !== undefined) },
    ],
    limit: 2_000,
  })
}

export function dkgSpec(): MachineSpec {
  const { keypairs } = fixture(12)
  const t = threshold(ELDERS)
  const sessionId = dkgSessionId(Prefix.EMPTY, keypairs.map((k) => k.name.bytes), 1, 1)
  const build = (self: number) => new DkgSession({
    sessionId, candidates: keypairs.map((k) => k.publicKey), self, keypair: keypairs[self]!, threshold: t,
    randomBytes: new SeededRandom(100 + self).byteSource(),
  })

  // A run of all four: each deals, then each answers what it receives; what 1-3 send is recorded.
  const sessions = Array.from({ length: ELDERS }, (_, i) => build(i))
  const sent: Array<{ from: number; bundle: Bundle }> = sessions.map((s, from) => ({ from, bundle: s.start() }))
  const toZero: Bundle[] = []
  for (let i = 0; i < sent.length && i < 1_000; i++) {
    const { from, bundle } = sent[i]!
    if (from !== 0) toZero.push(bundle)
    sessions.forEach((s, to) => {
      if (to === from) return
      const answer = s.receive(bundle)
      if (answer.parts.length + answer.acks.length + answer.justifications.length > 0) sent.push({ from: to, bundle: answer })
    })
  }
  if (sessions.some((s) => s.result === undefined)) throw new Error('dkg fixture: the recorded run did not complete')
  const nothingHeld: DkgCatchUpWire = { sessionId, parts: [], acks: [], justifications: [] }

  return defineSpec({
    name: 'dkg',
    machine: dkgMachine,
    replay: () => ({ session: build(0), startQuorum: supermajority(ELDERS), deadlineMs: 30_000, gossipIntervalMs: 1_000 }),
    events: [
      ...[0, 1, 2].map((elder) => ({ type: 'START', elder })),
      ...toZero.map((bundle) => ({ type: 'MESSAGES', bundle })),
      { type: 'CATCH_UP', from: 3, request: nothingHeld },
    ],
    key: (s) => {
      const held = s.context.session.catchUpRequest()
      return { starts: Math.min(s.context.starts.length, s.context.startQuorum), parts: held.parts.length, acks: held.acks.filter((a) => a.entries === ELDERS).length, done: s.context.session.result !== undefined }
    },
    stable: ['dkg.complete'],
    progress: {
      external: ['START', 'MESSAGES', 'CATCH_UP'],
      shutdown: [],
      awaits: { 'dkg.waitingForStart': "the current elders resend DkgStart on the elder machine's timer until the new SAPs are signed" },
    },
    invariants: [
      {
        name: 'complete only with at least threshold+1 qualified dealers',
        holds: (s) => !within(s, 'dkg.complete') || s.context.session.qualifiedDealers().length >= t + 1,
      },
      {
        name: "the key share is this candidate's share of the section key",
        holds: (s) => {
          const result = s.context.session.result
          return result === undefined || result.secretKeyShare.publicKeyShare().equals(result.publicKeySet.publicKeyShare(0))
        },
      },
      // An abandoned session that names nobody gives the elders no one to exclude.
      { name: 'an abandoned session names who kept it from completing', holds: (s) => !within(s, 'dkg.abandoned') || s.context.session.nonParticipants().size > 0 },
      { name: 'dealing starts only with a quorum of DkgStart', holds: (s) => within(s, 'dkg.waitingForStart') || s.context.starts.length >= s.context.startQuorum },
      { name: 'completion is reported once', holds: (s) => emittedOn(s).filter((e) => e.type === 'completed').length === (within(s, 'dkg.complete') ? 1 : 0) },
    ],
    limit: 2_000,
  })
}
