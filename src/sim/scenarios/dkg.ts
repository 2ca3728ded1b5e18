/**
 * `safenet sim --scenario dkg`: the elders of a section re-key by DKG over the simulated network,
 * with Byzantine candidates (silent, invalid signatures, bad shares, false complaints,
 * equivocating dealers), lost and reordered messages.
 *
 * A session that cannot complete is abandoned at its deadline; each elder proposes excluding the
 * candidates its session names, the generation agreement decides, and every elder starts the
 * same next session. Checked at the end: every honest elder completed the same final session
 * with the same key set, and its key share matches its public key share (no key mismatch).
 */
import { Result } from 'effect'
import {
  Agreement,
  type Decision,
  DkgSession,
  dkgSessionId,
  signDkgStart,
} from '../../consensus/index.ts'
import { type NodeKeypair, type NodePublicKey, type PublicKeySet, supermajority, threshold, toHex } from '../../crypto/index.ts'
import { DkgHost, sessionOf } from '../../roles/dkg/dkg-host.ts'
import { AgreementHost } from '../../roles/elder/agreement-host.ts'
import type { PeerId } from '../../transport/transport.ts'
import { decode, type DkgMessagesWire, type Message } from '../../wire/index.ts'
import { Prefix } from '../../xor/index.ts'
import type { SeededRandom } from '../random.ts'
import { createWorld, flip, reseal } from './world.ts'

export const DKG_STRATEGIES = ['silent', 'invalid-signatures', 'bad-shares', 'false-complaints', 'equivocate'] as const
export type DkgStrategy = (typeof DKG_STRATEGIES)[number]

export interface DkgScenarioOptions {
  readonly elders: number
  readonly byzantine: number
  readonly drop: number
  readonly strategies?: ReadonlyArray<DkgStrategy>
  /** Off only to show the key-mismatch checker works: shares are taken without the Feldman check. */
  readonly checkShares?: boolean
  readonly deadlineMs?: number
  readonly faultsUntilMs?: number
  readonly maxVirtualTimeMs?: number
  readonly log?: (line: string) => void
}

export interface DkgRunResult {
  readonly seed: number
  readonly completed: boolean
  readonly keyMismatches: number
  readonly attempts: number
  readonly excluded: ReadonlyArray<number>
  readonly strategies: ReadonlyArray<DkgStrategy>
  readonly byzantine: ReadonlyArray<number>
  readonly virtualTimeMs: number
  readonly messages: number
  readonly traceHash: string
}

const GOSSIP_MS = 500
const EXCLUDE = 'exclude:'

interface Attempt {
  readonly index: number
  readonly candidates: ReadonlyArray<number>
  readonly sessionHex: string
  readonly sessionId: Uint8Array
  session: DkgSession | undefined
  host: DkgHost | undefined
  result: { publicKeySet: PublicKeySet; shareMatches: boolean } | undefined
  abandoned: boolean
}

export function runDkg(seed: number, options: DkgScenarioOptions): DkgRunResult {
  const n = options.elders
  const deadlineMs = options.deadlineMs ?? 8_000
  const faultsUntilMs = options.faultsUntilMs ?? 20_000
  const maxVirtualTimeMs = options.maxVirtualTimeMs ?? 120_000
  const world = createWorld(seed, { elders: n, drop: options.drop, faultsUntilMs })
  const { random, scheduler, network, keypairs, roster, peers, wire } = world
  const currentKeys = world.keySet
  const publicKeys: NodePublicKey[] = keypairs.map((k) => k.publicKey)

  const roles = random.fork('roles')
  const byzantine = roles.shuffle([...Array(n).keys()]).slice(0, options.byzantine).sort((a, b) => a - b)
  const strategyOf = new Map<number, DkgStrategy>(byzantine.map((i) => [i, roles.pick(options.strategies ?? DKG_STRATEGIES)]))
  const honest = [...Array(n).keys()].filter((i) => !strategyOf.has(i))
  const log = options.log
  log?.(`seed ${seed}: byzantine ${byzantine.map((i) => `${i} (${strategyOf.get(i)})`).join(', ') || 'none'}`)

  const hosts = keypairs.map((_, i) => elderHost(i))

  // ---------------------------------------------------------------------------------------------
  // One elder: a DKG session per attempt, and the agreement that decides restarts.
  function elderHost(self: number) {
    const strategy = strategyOf.get(self)
    const attempts: Attempt[] = []
    const startsSeen = new Map<string, Set<number>>()
    let catchUpPeer = 0
    /** Generations whose decision this elder has acted on: it proposes for the next one only. */
    let handledGenerations = 0
    const dealerRandom = random.fork(`dealer-${self}`)

    const current = () => attempts.at(-1)!

    const agreement = new Agreement({
      roster, self, keypair: keypairs[self]!, share: currentKeys.secretKeyShare(self),
      isValid: (proposal) => {
        const text = Buffer.from(proposal).toString('utf8')
        if (!text.startsWith(EXCLUDE)) return false
        const [attemptText, nameHex] = text.slice(EXCLUDE.length).split(':')
        const attempt = attempts[Number(attemptText)]
        const target = peers.indexOf(nameHex ?? '')
        if (attempt?.session === undefined || target < 0 || !attempt.candidates.includes(target)) return false
        return attempt.session.nonParticipants().has(attempt.candidates.indexOf(target))
      },
      proposalsFor: (generation) => {
        if (generation !== handledGenerations) return undefined
        const attempt = attempts.at(-1)
        if (attempt === undefined || (attempt.result === undefined && !attempt.abandoned)) return undefined
        if (attempt.session === undefined) return []
        return [...attempt.session.nonParticipants().keys()].map((position) =>
          new TextEncoder().encode(`${EXCLUDE}${attempt.index}:${peers[attempt.candidates[position]!]}`))
      },
    })
    const agreementHost = new AgreementHost({
      agreement,
      clock: scheduler,
      systemId: `${peers[self]!.slice(0, 6)}/agreement/0`,
      elders: peers,
      self,
      send: (to, kind, payload) => wire[self]!.send(to, kind, payload),
      onDecided: onDecision,
      onIgnored: (from) => wire[self]!.block(peers[from]!),
    })

    function onDecision(decision: Decision): void {
      handledGenerations = decision.generation + 1
      const attempt = current()
      const excluded = new Set(decision.proposals
        .map((p) => Buffer.from(p).toString('utf8'))
        .filter((t) => t.startsWith(`${EXCLUDE}${attempt.index}:`))
        .map((t) => peers.indexOf(t.split(':')[2]!)))
      log?.(`t=${Math.round(scheduler.now)} elder ${self} decided g${decision.generation}: exclude [${[...excluded].join(', ')}]`)
      if (excluded.size === 0) {
        // Nothing to exclude: this session goes on; ask again after another deadline if needed.
        attempt.abandoned = false
        scheduler.schedule(deadlineMs, () => {
          if (current() === attempt && attempt.result === undefined) {
            attempt.abandoned = true
            agreementHost.proposalsReady()
          }
        })
        return
      }
      begin(attempt.candidates.filter((c) => !excluded.has(c)))
    }

    function begin(candidates: ReadonlyArray<number>): void {
      const index = attempts.length
      const sessionId = dkgSessionId(Prefix.EMPTY, candidates.map((c) => keypairs[c]!.name.bytes), index, 1)
      const attempt: Attempt = { index, candidates, sessionHex: toHex(sessionId), sessionId, session: undefined, host: undefined, result: undefined, abandoned: false }
      attempts.push(attempt)
      const position = candidates.indexOf(self)
      if (position >= 0) {
        const session = new DkgSession({
          sessionId, candidates: candidates.map((c) => publicKeys[c]!), self: position, keypair: keypairs[self]!,
          threshold: threshold(candidates.length), randomBytes: dealerRandom.byteSource(),
          ...(options.checkShares === undefined ? {} : { checkShares: options.checkShares }),
          ...(strategy === 'bad-shares' ? { misbehaviour: { badSharesTo: new Set(candidates.map((_, i) => i).filter((i) => i !== position)) } } : {}),
          ...(strategy === 'false-complaints' ? { misbehaviour: { complainAboutAll: true } } : {}),
        })
        attempt.session = session
        const host = new DkgHost({
          session,
          startQuorum: supermajority(n),
          deadlineMs,
          gossipIntervalMs: GOSSIP_MS,
          clock: scheduler,
          systemId: `${peers[self]!.slice(0, 6)}/dkg/${index}`,
          candidates: candidates.map((c) => peers[c]!),
          self: position,
          send: (to, kind, payload) => wire[self]!.send(to, kind, payload),
          // As this scenario always asked: one other candidate at a time, in turn (a node asks them all).
          catchUpFrom: (others) => (others.length === 0 ? [] : [others[catchUpPeer++ % others.length]!]),
          onCompleted: (result) => {
            attempt.result = {
              publicKeySet: result.publicKeySet,
              shareMatches: result.secretKeyShare.publicKeyShare().equals(result.publicKeySet.publicKeyShare(position)),
            }
            log?.(`t=${Math.round(scheduler.now)} elder ${self} completed attempt ${index}: key ${result.publicKeySet.publicKey().toHex().slice(0, 12)}`)
            agreementHost.proposalsReady()
          },
          onAbandoned: (nonParticipants) => {
            attempt.abandoned = true
            log?.(`t=${Math.round(scheduler.now)} elder ${self} abandoned attempt ${index}: ${nonParticipants.map(([p, why]) => `${candidates[p]} ${why}`).join(', ')}`)
            agreementHost.proposalsReady()
          },
        })
        attempt.host = host
        host.start()
        for (const elder of startsSeen.get(attempt.sessionHex) ?? []) host.onDkgStart(elder)
      }
      // As a current elder, tell the candidates to start (again each gossip tick until done).
      const start = signDkgStart(keypairs[self]!, {
        sessionId, prefix: { bitCount: 0, name: new Uint8Array(32) }, candidates: candidates.map((c) => keypairs[c]!.name.bytes),
        keys: candidates.map((c) => keypairs[c]!.publicKey.bytes), addrs: candidates.map((c) => peers[c]!),
        generation: index, chainLength: 1, elder: self,
      })
      const announce = () => {
        if (current() !== attempt || hosts.every((h) => h.done(index))) return
        wire[self]!.send(candidates.map((c) => peers[c]!).filter((p) => p !== peers[self]), 'DkgStart', { start })
        receiveStart(attempt.sessionHex, self)
        scheduler.schedule(GOSSIP_MS * 2, announce)
      }
      announce()
    }

    function receiveStart(sessionHex: string, elder: number): void {
      let seen = startsSeen.get(sessionHex)
      if (seen === undefined) startsSeen.set(sessionHex, (seen = new Set()))
      if (seen.has(elder)) return
      seen.add(elder)
      attempts.find((a) => a.sessionHex === sessionHex)?.host?.onDkgStart(elder)
    }

    wire[self]!.listen((from, message: Message) => {
      const sender = peers.indexOf(from)
      if (agreementHost.receive(sender, message)) return
      switch (message.kind) {
        case 'DkgStart':
          if (DkgSession.verifyStart(message.payload.start, publicKeys) && message.payload.start.elder === sender) {
            receiveStart(toHex(message.payload.start.sessionId), sender)
          }
          break
        case 'DkgMessages': {
          const target = sessionOf(message.payload)
          attempts.find((a) => a.sessionHex === target)?.host?.onMessages(message.payload)
          break
        }
        case 'DkgCatchUp': {
          const attempt = attempts.find((a) => a.sessionHex === toHex(message.payload.sessionId))
          const position = attempt?.candidates.indexOf(sender) ?? -1
          if (attempt?.host !== undefined && position >= 0) attempt.host.onCatchUp(position, message.payload)
          break
        }
        default:
          break
      }
    })

    return {
      start(): void {
        begin([...Array(n).keys()])
        agreementHost.start()
      },
      /**
       * True when this elder's latest attempt completed — or, if the elders excluded it, when it
       * simply is not a candidate of it (index: the attempt asked about).
       */
      done(index?: number): boolean {
        const attempt = attempts.at(-1)
        if (attempt === undefined || (index !== undefined && attempt.index !== index)) return false
        return attempt.result !== undefined || !attempt.candidates.includes(self)
      },
      get attempts(): ReadonlyArray<Attempt> {
        return attempts
      },
    }
  }

  // Byzantine transport behaviour.
  for (const [index, strategy] of strategyOf) {
    if (strategy === 'silent') network.intercept(peers[index]!, () => [])
    if (strategy === 'invalid-signatures') network.intercept(peers[index]!, corruptSignatures(keypairs[index]!, random.fork(`corrupt-${index}`)))
    if (strategy === 'equivocate') {
      network.intercept(peers[index]!, equivocateParts(index, keypairs, publicKeys, hosts, random.fork(`equivocate-${index}`)))
    }
  }

  for (const host of hosts) host.start()
  const allDone = () => {
    if (!honest.every((i) => hosts[i]!.done())) return false
    const finals = honest.map((i) => hosts[i]!.attempts.at(-1)!)
    return finals.every((a) => a.sessionHex === finals[0]!.sessionHex) && finals[0]!.candidates.some((c) => honest.includes(c))
  }
  scheduler.run({ maxTimeMs: maxVirtualTimeMs, until: allDone })

  const completed = allDone()
  // Key mismatches among honest elders that completed the same session, whether or not all did.
  let keyMismatches = 0
  const bySession = new Map<string, Array<{ publicKeySet: PublicKeySet; shareMatches: boolean }>>()
  for (const i of honest) {
    for (const attempt of hosts[i]!.attempts) {
      if (attempt.result === undefined) continue
      const list = bySession.get(attempt.sessionHex) ?? []
      list.push(attempt.result)
      bySession.set(attempt.sessionHex, list)
    }
  }
  for (const results of bySession.values()) {
    const reference = results[0]!.publicKeySet
    for (const result of results) if (!result.publicKeySet.equals(reference) || !result.shareMatches) keyMismatches++
  }
  const lastAttempt = hosts[honest[0]!]!.attempts.at(-1)!
  return {
    seed,
    completed,
    keyMismatches,
    attempts: lastAttempt.index + 1,
    excluded: [...Array(n).keys()].filter((i) => !lastAttempt.candidates.includes(i)),
    strategies: [...strategyOf.values()],
    byzantine,
    virtualTimeMs: Math.round(scheduler.now),
    messages: network.stats.sent,
    traceHash: network.traceHash(),
  }
}

/** Invalid signatures: every DKG message and vote leaves with its signature broken. */
function corruptSignatures(keypair: NodeKeypair, random: SeededRandom) {
  return (_to: PeerId, frame: Uint8Array): Uint8Array[] => {
    const decoded = decode(frame)
    if (Result.isFailure(decoded)) return [frame]
    const message = decoded.success
    if (message.kind === 'DkgMessages') {
      return [reseal(message, {
        parts: message.payload.parts.map((p) => ({ ...p, signature: flip(p.signature) })),
        acks: message.payload.acks.map((a) => ({ ...a, signature: flip(a.signature) })),
        justifications: message.payload.justifications.map((j) => ({ ...j, signature: flip(j.signature) })),
      }, keypair, random, frame)]
    }
    if (message.kind === 'DkgStart') return [reseal(message, { start: { ...message.payload.start, signature: flip(message.payload.start.signature) } }, keypair, random, frame)]
    if (message.kind === 'AgreementVotes') {
      return [reseal(message, { votes: message.payload.votes.map((v) => ({ ...v, signature: flip(v.signature) })), supermajorities: [] }, keypair, random, frame)]
    }
    return [frame]
  }
}

/**
 * An equivocating dealer: half the candidates get its real Part, the other half a second Part
 * with other commitments, both validly signed.
 */
function equivocateParts(
  self: number,
  keypairs: ReadonlyArray<NodeKeypair>,
  publicKeys: ReadonlyArray<NodePublicKey>,
  hosts: ReadonlyArray<{ attempts: ReadonlyArray<Attempt> }>,
  random: SeededRandom,
) {
  const alternatives = new Map<string, DkgMessagesWire['parts'][number]>()
  return (to: PeerId, frame: Uint8Array): Uint8Array[] => {
    const decoded = decode(frame)
    if (Result.isFailure(decoded) || decoded.success.kind !== 'DkgMessages') return [frame]
    const message = decoded.success
    const recipient = keypairs.findIndex((k) => k.name.toHex() === to)
    if (recipient % 2 === 0) return [frame]
    const parts = message.payload.parts.map((part) => {
      const attempt = hosts[self]!.attempts.find((a) => a.sessionHex === toHex(part.sessionId))
      if (attempt === undefined || attempt.candidates[part.dealer] !== self) return part
      let alternative = alternatives.get(attempt.sessionHex)
      if (alternative === undefined) {
        const twin = new DkgSession({
          sessionId: part.sessionId, candidates: attempt.candidates.map((c) => publicKeys[c]!), self: part.dealer,
          keypair: keypairs[self]!, threshold: threshold(attempt.candidates.length), randomBytes: random.byteSource(),
        })
        alternative = twin.start().parts[0]!
        alternatives.set(attempt.sessionHex, alternative)
      }
      return alternative
    })
    return [reseal(message, { ...message.payload, parts }, keypairs[self]!, random, frame)]
  }
}

export interface DkgScenarioSummary {
  readonly scenario: 'dkg'
  readonly runs: number
  readonly completed: number
  readonly keyMismatches: number
  readonly undecided: number
  readonly virtualTimeMs: number
  readonly wallMs: number
  readonly failedSeeds: number[]
  readonly maxAttempts: number
  readonly messagesPerRun: number
}

export function summarizeDkg(results: ReadonlyArray<DkgRunResult>, wallMs: number): DkgScenarioSummary {
  const completed = results.filter((r) => r.completed).length
  return {
    scenario: 'dkg',
    runs: results.length,
    completed,
    keyMismatches: results.reduce((sum, r) => sum + r.keyMismatches, 0),
    undecided: results.length - completed,
    virtualTimeMs: Math.max(0, ...results.map((r) => r.virtualTimeMs)),
    wallMs: Math.round(wallMs),
    failedSeeds: results.filter((r) => !r.completed || r.keyMismatches > 0).map((r) => r.seed).sort((a, b) => a - b),
    maxAttempts: Math.max(0, ...results.map((r) => r.attempts)),
    messagesPerRun: results.length === 0 ? 0 : Math.round(results.reduce((sum, r) => sum + r.messages, 0) / results.length),
  }
}

export function dkgScenario(seeds: ReadonlyArray<number>, options: DkgScenarioOptions, onRun?: (result: DkgRunResult) => void): DkgScenarioSummary {
  const start = performance.now()
  const results = seeds.map((seed) => {
    const result = runDkg(seed, options)
    onRun?.(result)
    return result
  })
  return summarizeDkg(results, performance.now() - start)
}
