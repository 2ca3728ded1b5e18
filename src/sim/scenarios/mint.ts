/**
 * Double spends in the simulator (issue 20, the mint): a bank client holds the genesis DBC and,
 * round after round, reissues its change into a coin and new change; each coin is then spent
 * twice at once, by two clients racing to pay different recipients (the same {@link reissue} a
 * wallet runs), at random moments within a window, while `byzantine` elders of every section sign
 * every reissue asked of them. Checked: exactly one of the two ends with valid DBCs (under the
 * keys chained to genesis, `dbcFault`), the other gets `DoubleSpend`; every reissue is answered.
 * Rounds that start during growth straddle handovers and splits.
 */
import { BlsSecretKey } from '../../crypto/index.ts'
import type { SignedSap } from '../../knowledge/index.ts'
import { reissue, type Spendable } from '../../client/mint.ts'
import type { ClientSession } from '../../client/session.ts'
import { type ClientWorld, simSession } from './clients.ts'
import { type Dbc, dbcFault, genesisDbc, inputOf, type MintTrust, outputsFor, spendName, type Transaction, transactionHash } from '../../dbc/index.ts'
import type { NodeShell } from '../../roles/shell/node-shell.ts'
import type { SeededRandom } from '../random.ts'

export interface MintLoadOptions {
  /** Coins minted and each spent twice at once. */
  readonly rounds: number
  /** Elders of each section that sign every reissue (`sign-any`). */
  readonly byzantine: number
  /** Honest elders skip the double-spend check at signing time (the checker must then fail). */
  readonly skipCheck?: boolean
  /** `byzantine` elders per section even past f (the checker's own tests, beyond the fault model). */
  readonly pastF?: boolean
  /** When the bank starts (virtual ms): during growth, so that rounds straddle handovers and splits; else once settled. */
  readonly startMs?: number
  /** How long the bank waits between rounds (spreading them over the growth: 0, one after the other). */
  readonly spacingMs?: number
}

export interface MintLoadReport {
  readonly runs: 1
  /** Reissues asked of the network: the bank's and the racers'. */
  readonly reissues: number
  readonly doubleSpendsAttempted: number
  /** Rounds where both racers hold valid DBCs: a safety violation. */
  readonly doubleSpendsAccepted: number
  /** Reissues with no outcome by the deadline, or rounds where neither racer succeeded. */
  readonly undecided: number
  /** Racers told `DoubleSpend`. */
  readonly doubleSpendErrors: number
  readonly byzantineElders: number
  /** Keys the first coin's section has had since its mint signed it (handovers and splits): the coin is still valid after them. */
  readonly keysSinceFirstMint: number
  /** The first coin still verifies under the genesis key at the end (through the chain of its old key). */
  readonly firstCoinValid: boolean
}

/** The racers of a round start within this window after their coin is minted. */
const RACE_WINDOW_MS = 1_000
/** After the last round, the racers get this long to be answered. */
const DEADLINE_MS = 180_000

export type MintWorld = ClientWorld

/** The genesis DBC of a simulated network, minted by its genesis key for `owner`, and the trust it gives. */
export function simGenesisDbc(genesis: SignedSap, genesisSecret: BlsSecretKey, owner: BlsSecretKey, random: SeededRandom): { dbc: Dbc; trust: MintTrust } {
  const dbc = genesisDbc(genesis, genesisSecret, owner.publicKey(), random.bytes(32))
  return { dbc, trust: { genesisKey: genesis.sap.sectionKey(), genesisTransaction: transactionHash(dbc.transaction) } }
}

type Outcome = { dbcs: Dbc[] } | { doubleSpend: true } | { failed: string }

export class MintLoad {
  readonly #options: MintLoadOptions
  readonly #world: MintWorld
  readonly #trust: MintTrust
  readonly #byzantine = new Set<NodeShell>()
  #bank: Spendable
  #sessions = 0
  #reissues = 0
  #bankFailed: string | undefined
  readonly #rounds: Array<{ racers: Array<Outcome | undefined> }> = []
  #startedAt = 0
  #lastRoundAt = 0
  /** The first coin the bank minted (checked last, after the handovers since). */
  #firstCoin: Dbc | undefined
  #nodes: () => ReadonlyArray<NodeShell> = () => []

  constructor(options: MintLoadOptions, world: MintWorld, bank: Spendable, trust: MintTrust) {
    this.#options = options
    this.#world = world
    this.#bank = bank
    this.#trust = trust
  }

  /** Every round minted and both its racers answered (or the bank stopped). */
  get done(): boolean {
    if (this.#bankFailed !== undefined) return true
    return this.#rounds.length === this.#options.rounds && this.#rounds.every((r) => r.racers.every((o) => o !== undefined))
  }

  get endsAt(): number {
    return Math.max(this.#startedAt, this.#lastRoundAt) + DEADLINE_MS
  }

  #session(): ClientSession {
    return simSession(this.#world, `payer-${this.#sessions++}`)
  }

  /** A transaction spending `input` into payments of `amounts` to fresh keys; the keys with it. */
  #pay(input: Spendable, amounts: ReadonlyArray<bigint>): { tx: Transaction; keys: BlsSecretKey[] } {
    const random = this.#world.random
    const keys = amounts.map(() => BlsSecretKey.random(random.byteSource()))
    const inputs = [inputOf(input.dbc.content)]
    const outputs = outputsFor(inputs, amounts.map((amount, i) => ({ owner: keys[i]!.publicKey(), amount, nonce: random.bytes(32) })))
    return { tx: { inputs, outputs }, keys }
  }

  #reissue(input: Spendable, tx: Transaction, done: (outcome: Outcome) => void, pressOn = false): void {
    this.#reissues++
    const session = this.#session()
    reissue(session, tx, [input], (outcome) => {
      session.close()
      if (outcome.ok) done({ dbcs: outcome.dbcs })
      else if (outcome.failure.kind === 'DoubleSpend') done({ doubleSpend: true })
      else done({ failed: outcome.failure.kind === 'Refused' ? outcome.failure.message : outcome.failure.failure.reason })
    }, pressOn)
  }

  /** Makes `byzantine` elders of each section adversaries and starts the rounds (now, or at `startMs`). */
  start(nodes: () => ReadonlyArray<NodeShell>): void {
    const { scheduler } = this.#world
    this.#startedAt = Math.max(scheduler.now, this.#options.startMs ?? scheduler.now)
    this.#nodes = nodes
    scheduler.schedule(this.#startedAt - scheduler.now, () => this.#round(0))
  }

  /**
   * Makes elders of each section adversaries, up to `byzantine` and never past f = ⌊(elders − 1)/3⌋:
   * checked at every round, so that sections that grew or split get theirs too.
   */
  #corrupt(): void {
    const live = this.#nodes().filter((n) => !n.crashed && n.isElder)
    const picker = this.#world.random.fork(`byzantine-mint-${this.#rounds.length}`)
    for (const prefix of new Set(live.map((n) => n.section!.sap.sap.prefix.toString()))) {
      const elders = live.filter((n) => n.section!.sap.sap.prefix.toString() === prefix)
      const allowed = this.#options.pastF === true ? this.#options.byzantine : Math.min(this.#options.byzantine, Math.floor((elders.length - 1) / 3))
      const honest = picker.shuffle(elders.filter((n) => !this.#byzantine.has(n)))
      for (const node of honest.slice(0, Math.max(0, allowed - (elders.length - honest.length)))) {
        node.mint.adversary = 'sign-any'
        this.#byzantine.add(node)
      }
      if (this.#options.skipCheck === true) for (const node of elders) if (!this.#byzantine.has(node)) node.mint.adversary = 'skip-check'
    }
  }

  /** The bank mints round `r`'s coin from its change; two racers then spend the coin at once. */
  #round(r: number): void {
    if (r >= this.#options.rounds) return
    const { scheduler, random } = this.#world
    this.#corrupt()
    const coin = 1_000_000n + BigInt(random.int(1_000_000))
    const change = this.#bank.dbc.content.amount - coin
    const { tx, keys } = this.#pay(this.#bank, [coin, change])
    this.#reissue(this.#bank, tx, (outcome) => {
      if (!('dbcs' in outcome)) {
        this.#bankFailed = 'doubleSpend' in outcome ? 'the bank was told DoubleSpend' : outcome.failed
        return
      }
      this.#bank = { dbc: outcome.dbcs[1]!, secret: keys[1]! }
      const spendable: Spendable = { dbc: outcome.dbcs[0]!, secret: keys[0]! }
      this.#firstCoin ??= spendable.dbc
      const round = { racers: [undefined, undefined] as Array<Outcome | undefined> }
      this.#rounds.push(round)
      this.#lastRoundAt = scheduler.now
      for (let i = 0; i < 2; i++) {
        // Each racer pays a different recipient: two transactions spending one coin. Told
        // DoubleSpend by the spentbook, a racer asks the mint for shares anyway (a cheat).
        const payment = this.#pay(spendable, [coin])
        scheduler.schedule(random.int(RACE_WINDOW_MS), () => this.#reissue(spendable, payment.tx, (o) => {
          round.racers[i] = o
        }, true))
      }
      scheduler.schedule(this.#options.spacingMs ?? 0, () => this.#round(r + 1))
    })
  }

  /** How many keys the section of the first coin's spend key had after the one that minted it, by `nodes`' knowledge. */
  #keysSinceFirstMint(nodes: ReadonlyArray<NodeShell>): number {
    const first = this.#firstCoin
    if (first === undefined) return 0
    const minted = first.proofs[0]!.sap.sap.sectionKey()
    const name = spendName(first.content.owner.toBytes())
    const elder = nodes.find((n) => !n.crashed && n.isElder && n.section!.sap.sap.prefix.matches(name))
    const now = elder === undefined ? undefined : elder.tree.dag.chainFromGenesis(elder.section!.sap.sap.sectionKey())
    const then = elder?.tree.dag.chainFromGenesis(minted)
    return now === undefined || then === undefined ? 0 : now.links.length - then.links.length
  }

  check(nodes: ReadonlyArray<NodeShell>, log?: (line: string) => void): MintLoadReport {
    let accepted = 0
    let undecided = 0
    let doubleSpendErrors = 0
    if (this.#bankFailed !== undefined) log?.(`the bank stopped after ${this.#rounds.length} rounds: ${this.#bankFailed}`)
    if (this.#rounds.length < this.#options.rounds) undecided += this.#options.rounds - this.#rounds.length
    this.#rounds.forEach((round, r) => {
      const valid = round.racers.filter((o) => o !== undefined && 'dbcs' in o && o.dbcs.every((d) => dbcFault(d, this.#trust) === undefined))
      doubleSpendErrors += round.racers.filter((o) => o !== undefined && 'doubleSpend' in o).length
      if (valid.length > 1) {
        accepted++
        log?.(`round ${r}: both racers hold valid DBCs`)
      }
      if (valid.length === 0 || round.racers.some((o) => o === undefined || 'failed' in o)) {
        undecided++
        log?.(`round ${r}: ${round.racers.map((o) => (o === undefined ? 'no outcome' : 'dbcs' in o ? 'paid' : 'doubleSpend' in o ? 'DoubleSpend' : o.failed)).join(' / ')}`)
      }
    })
    return {
      runs: 1,
      reissues: this.#reissues,
      doubleSpendsAttempted: this.#rounds.length,
      doubleSpendsAccepted: accepted,
      undecided,
      doubleSpendErrors,
      byzantineElders: this.#byzantine.size,
      keysSinceFirstMint: this.#keysSinceFirstMint(nodes),
      firstCoinValid: this.#firstCoin !== undefined && dbcFault(this.#firstCoin, this.#trust) === undefined,
    }
  }
}
