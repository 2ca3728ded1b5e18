/**
 * Racing registrants in the simulator (issue 19, NRS): once the network has settled, each round
 * 2–`maxRacers` clients (the same {@link NameRequest} a real client sends) claim one name at random
 * moments within 2 s, while `byzantine` elders of its section sign a record for every claimant at
 * once. Checked per round: exactly one owner ends with a valid record (the section's key signed
 * it, `verifyNameRecord`), it is one of the racers, and every racer got an answer; and the honest
 * elders' name tables agree on that owner.
 */
import { NodeKeypair, toHex } from '../../crypto/index.ts'
import type { NetworkParameters } from '../../consensus/index.ts'
import type { SignedSap } from '../../knowledge/index.ts'
import { type NameRecord, NameRequest, verifyNameRecord } from '../../client/names.ts'
import { ClientSession } from '../../client/session.ts'
import { nameXor, signClaim } from '../../register/names.ts'
import type { NodeShell } from '../../roles/shell/node-shell.ts'
import type { SimNetwork } from '../network.ts'
import type { SeededRandom } from '../random.ts'
import type { Scheduler } from '../scheduler.ts'

export interface NameRacesOptions {
  readonly rounds: number
  /** Racers per round: 2 to this many. */
  readonly maxRacers: number
  /** Elders of each name's section that sign a record for every claimant. */
  readonly byzantine: number
}

export interface NameRacesReport {
  readonly rounds: number
  readonly racers: number
  /** Rounds where exactly one racer ends with a valid record, and every racer was answered. */
  readonly oneOwner: number
  /** Rounds where two or more owners hold a valid record for the name: a safety violation. */
  readonly contested: number
  /** Racers with no answer by the deadline. */
  readonly unanswered: number
  /** Names whose honest elders recorded different owners, or none. */
  readonly tableDisagreements: number
  /** Elders made Byzantine (signing a record for every claimant). */
  readonly byzantineElders: number
}

/** A round starts this long after the one before; its racers start within RACE_WINDOW_MS. */
const ROUND_SPACING_MS = 3_000
const RACE_WINDOW_MS = 2_000
/** After the last round starts, the racers get this long to be answered. */
const DEADLINE_MS = 120_000

export function runNameRaces(
  nodes: ReadonlyArray<NodeShell>,
  options: NameRacesOptions,
  world: { network: SimNetwork; scheduler: Scheduler; random: SeededRandom; genesis: SignedSap; params: NetworkParameters; bootstrap: ReadonlyArray<string> },
  log?: (line: string) => void,
): NameRacesReport {
  const { network, scheduler, random, genesis, params, bootstrap } = world
  const live = nodes.filter((n) => !n.crashed)
  // The adversaries: `byzantine` elders of each section (for a small network, the one section).
  const byzantine = new Set<NodeShell>()
  const picker = random.fork('byzantine-names')
  for (const prefix of new Set(live.filter((n) => n.isElder).map((n) => n.section!.sap.sap.prefix.toString()))) {
    const elders = live.filter((n) => n.isElder && n.section!.sap.sap.prefix.toString() === prefix)
    for (const node of picker.shuffle(elders).slice(0, options.byzantine)) {
      node.names.adversary = 'sign-any'
      byzantine.add(node)
    }
  }
  const rounds: Array<{ name: string; racers: Array<{ key: NodeKeypair; record?: NameRecord; failed?: string }> }> = []
  let racers = 0
  for (let r = 0; r < options.rounds; r++) {
    const name = `race-${r}`
    const count = 2 + random.int(options.maxRacers - 1)
    const round = { name, racers: [] as Array<{ key: NodeKeypair; record?: NameRecord; failed?: string }> }
    rounds.push(round)
    for (let i = 0; i < count; i++) {
      racers++
      const key = NodeKeypair.fromSeed(random.bytes(32))
      const racer: (typeof round.racers)[number] = { key }
      round.racers.push(racer)
      const session = new ClientSession({
        transport: network.endpoint(`racer-${r}-${i}`),
        clock: scheduler,
        keypair: NodeKeypair.fromSeed(random.bytes(32)),
        randomBytes: random.fork(`racer-${r}-${i}`).byteSource(),
        genesis,
        params,
        bootstrap,
      })
      scheduler.schedule(r * ROUND_SPACING_MS + random.int(RACE_WINDOW_MS), () => {
        new NameRequest(session, name, signClaim(key, name), (outcome) => {
          if (!outcome.ok) racer.failed = outcome.failure.reason
          else if (outcome.value === undefined) racer.failed = 'answered without a record'
          else racer.record = outcome.value
          session.close()
        }).start()
      })
    }
  }
  scheduler.run({ maxTimeMs: scheduler.now + options.rounds * ROUND_SPACING_MS + DEADLINE_MS })

  let oneOwner = 0
  let contested = 0
  let unanswered = 0
  let tableDisagreements = 0
  for (const round of rounds) {
    const keys = new Set(round.racers.map((r) => toHex(r.key.publicKey.bytes)))
    const owners = new Set<string>()
    for (const racer of round.racers) {
      if (racer.record === undefined) {
        unanswered++
        log?.(`${round.name}: a racer was not answered: ${racer.failed ?? 'no outcome'}`)
        continue
      }
      if (verifyNameRecord(racer.record)) owners.add(toHex(racer.record.owner))
    }
    if (owners.size > 1) {
      contested++
      log?.(`${round.name}: ${owners.size} owners hold valid records`)
    }
    const answered = round.racers.every((r) => r.record !== undefined)
    if (owners.size === 1 && keys.has([...owners][0]!) && answered) oneOwner++
    // The honest elders of the name's section agree on its owner.
    const xor = nameXor(round.name)
    const tables = new Set(live.filter((n) => n.isElder && !byzantine.has(n) && n.section!.sap.sap.prefix.matches(xor)).map((n) => {
      const owner = n.sectionNames.owner(round.name)
      return owner === undefined ? 'none' : toHex(owner)
    }))
    if (tables.size !== 1 || tables.has('none') || (owners.size === 1 && !tables.has([...owners][0]!))) tableDisagreements++
  }
  return { rounds: rounds.length, racers, oneOwner, contested, unanswered, tableDisagreements, byzantineElders: byzantine.size }
}
