/**
 * Racing registrants in the simulator (issue 19, NRS): once the network has settled, each round
 * 2–`maxRacers` clients (the same {@link NameRequest} a real client sends) claim one name at random
 * moments within 2 s, while `byzantine` elders of its section sign a record for every claimant at
 * once. Checked per round: exactly one owner ends with a valid record (the section's key signed
 * it, `verifyNameRecord`), it is one of the racers, and every racer got an answer; and every
 * honest member of the name's section records that owner — those that joined after the races too
 * (they ask f + 1 elders for the names, `roles/section/registry.ts`).
 */
import { NodeKeypair, toHex } from '../../crypto/index.ts'
import { type NameRecord, NameRequest, verifyNameRecord } from '../../client/names.ts'
import { type ClientWorld, simSession } from './clients.ts'
import { nameXor, signClaim } from '../../register/names.ts'
import type { NodeShell } from '../../roles/shell/node-shell.ts'

export interface NameRacesOptions {
  readonly rounds: number
  /** Racers per round: 2 to this many. */
  readonly maxRacers: number
  /** Elders of each name's section that sign a record for every claimant. */
  readonly byzantine: number
  /** When the first round starts (virtual ms): during growth, so that later joiners must learn the names; else once settled. */
  readonly startMs?: number
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
  /** Names some honest live member of their section does not record the one owner of (joined later, too). */
  readonly tableDisagreements: number
  /** Elders made Byzantine (signing a record for every claimant). */
  readonly byzantineElders: number
}

/** A round starts this long after the one before; its racers start within RACE_WINDOW_MS. */
const ROUND_SPACING_MS = 3_000
const RACE_WINDOW_MS = 2_000
/** After the last round starts, the racers get this long to be answered. */
const DEADLINE_MS = 120_000

type Racer = { readonly key: NodeKeypair; record?: NameRecord; failed?: string }

export type NameRacesWorld = ClientWorld

/** Racing registrants: scheduled at a moment (during growth, or once settled), checked at the end. */
export class NameRaces {
  readonly #options: NameRacesOptions
  readonly #world: NameRacesWorld
  readonly #rounds: Array<{ name: string; racers: Racer[] }> = []
  readonly #byzantine = new Set<NodeShell>()
  #racers = 0

  constructor(options: NameRacesOptions, world: NameRacesWorld) {
    this.#options = options
    this.#world = world
  }

  /** The virtual time by which every racer has been answered or given up. */
  get endsAt(): number {
    return this.#startedAt + this.#options.rounds * ROUND_SPACING_MS + DEADLINE_MS
  }

  #startedAt = 0

  /** Makes `byzantine` elders of each section adversaries and starts the rounds (now, or at `startMs`). */
  start(nodes: () => ReadonlyArray<NodeShell>): void {
    const { scheduler, random } = this.#world
    this.#startedAt = Math.max(scheduler.now, this.#options.startMs ?? scheduler.now)
    scheduler.schedule(this.#startedAt - scheduler.now, () => {
      const live = nodes().filter((n) => !n.crashed)
      const picker = random.fork('byzantine-names')
      for (const prefix of new Set(live.filter((n) => n.isElder).map((n) => n.section!.sap.sap.prefix.toString()))) {
        const elders = live.filter((n) => n.isElder && n.section!.sap.sap.prefix.toString() === prefix)
        for (const node of picker.shuffle(elders).slice(0, this.#options.byzantine)) {
          node.names.adversary = 'sign-any'
          this.#byzantine.add(node)
        }
      }
      for (let r = 0; r < this.#options.rounds; r++) this.#round(r)
    })
  }

  #round(r: number): void {
    const { scheduler, random } = this.#world
    const name = `race-${r}`
    const count = 2 + random.int(this.#options.maxRacers - 1)
    const round = { name, racers: [] as Racer[] }
    this.#rounds.push(round)
    for (let i = 0; i < count; i++) {
      this.#racers++
      const key = NodeKeypair.fromSeed(random.bytes(32))
      const racer: Racer = { key }
      round.racers.push(racer)
      const session = simSession(this.#world, `racer-${r}-${i}`)
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

  /**
   * Per round: the owners holding valid records, whether every racer was answered, and whether
   * every honest live member of the name's section (joined since, too) records that owner.
   */
  check(nodes: ReadonlyArray<NodeShell>, log?: (line: string) => void): NameRacesReport {
    const live = nodes.filter((n) => !n.crashed && (n.role === 'adult' || n.role === 'elder') && !this.#byzantine.has(n))
    let oneOwner = 0
    let contested = 0
    let unanswered = 0
    let tableDisagreements = 0
    for (const round of this.#rounds) {
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
      const xor = nameXor(round.name)
      const members = live.filter((n) => n.section!.members.prefix.matches(xor))
      const unaware = members.filter((n) => {
        const owner = n.sectionRegistry.owner(round.name)
        return owner === undefined || !owners.has(toHex(owner)) || owners.size !== 1
      })
      if (unaware.length > 0) {
        tableDisagreements++
        log?.(`${round.name}: ${unaware.length} of ${members.length} members do not record its owner (${unaware.slice(0, 3).map((n) => n.addr).join(', ')}…)`)
      }
    }
    return { rounds: this.#rounds.length, racers: this.#racers, oneOwner, contested, unanswered, tableDisagreements, byzantineElders: this.#byzantine.size }
  }
}
