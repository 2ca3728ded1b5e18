/**
 * What each join costs in messages (issue 16: a join costs a bounded number of messages whatever
 * happened before): every join request a node sends while it is not a member, and every answer to
 * a join delivered to it meanwhile — the bounces, verdicts and approvals it gets — from its first
 * request to its admission. Counted per incarnation; a join as a new node and a relocation are
 * reported apart. What else it sends or hears is not the join's: a restarted elder's fellow
 * elders, still counting it one, go on sending it their votes (300 of a 586-message "join" at 120
 * nodes, seed 3, `--partition`), and a restarted elder that is still a DKG candidate gossips its
 * DKG while it rejoins (891 of a 974-message "join" at 300 nodes, seed 4, `--partition`). Fed by
 * the simulated network's tap: it changes nothing.
 */
import { Result } from 'effect'
import { decode, type Kind } from '../../wire/index.ts'
import type { FrameFate } from '../network.ts'

/** The answers a joiner gets to its requests (and to its relocation's). */
const ANSWERS: ReadonlySet<Kind> = new Set<Kind>(['JoinResponse', 'JoinApproved', 'AeRetry', 'AeRedirect'])
/** What a joiner sends for its join. */
const REQUESTS: ReadonlySet<Kind> = new Set<Kind>(['JoinRequest'])

/**
 * What one join's own messages may come to in the simulator's runs, worst case (README limits):
 * a joiner sends at most JOIN_FANOUT × (1 + aeResendLimit) = 18 requests per round and gets at
 * most one answer to each; its rounds start at 0, 5, 10 and 20 s, then every 20 s (the member
 * chart's backoff), so a join that waits out 150 s of partition costs at most 36 × 10 = 360. Runs
 * check the worst join against it; before the fixes of issue 16 a joiner refused or unanswered in
 * a loop passed 1,000, and one cut off by a partition, asking every 5 s, 436.
 */
export const JOIN_MESSAGES_BOUND = 400

export interface CostSummary {
  /** Joins (or relocations) completed. */
  readonly count: number
  readonly mean: number
  readonly worst: number
  /** The address of the worst one. */
  readonly worstAt: string
}

export class JoinCost {
  readonly #joining: (addr: string) => boolean
  readonly #open = new Map<string, number>()
  readonly #done = { joins: [] as Array<[string, number]>, relocations: [] as Array<[string, number]> }

  /** `joining`: whether the node at an address is joining (or relocating) now. */
  constructor(joining: (addr: string) => boolean) {
    this.#joining = joining
  }

  /** The network's tap. */
  record(from: string, to: string, frame: Uint8Array, fate: FrameFate): void {
    if (this.#joining(from) && isOf(frame, REQUESTS)) this.#open.set(from, (this.#open.get(from) ?? 0) + 1)
    if (fate === 'delivered' && this.#joining(to) && isOf(frame, ANSWERS)) this.#open.set(to, (this.#open.get(to) ?? 0) + 1)
  }

  /** A new incarnation at `addr` (a restart): what its predecessor spent is not this join's. */
  started(addr: string): void {
    this.#open.delete(addr)
  }

  /** The node at `addr` was admitted (as a new member, or relocated): its join is closed. */
  admitted(addr: string, relocated: boolean): void {
    ;(relocated ? this.#done.relocations : this.#done.joins).push([addr, this.#open.get(addr) ?? 0])
    this.#open.delete(addr)
  }

  summary(): { joins: CostSummary; relocations: CostSummary } {
    return { joins: summarise(this.#done.joins), relocations: summarise(this.#done.relocations) }
  }
}

function summarise(done: ReadonlyArray<[string, number]>): CostSummary {
  let worst: [string, number] = ['-', 0]
  let total = 0
  for (const entry of done) {
    total += entry[1]
    if (entry[1] > worst[1]) worst = entry
  }
  return { count: done.length, mean: done.length === 0 ? 0 : Math.round(total / done.length), worst: worst[1], worstAt: worst[0] }
}

function isOf(frame: Uint8Array, kinds: ReadonlySet<Kind>): boolean {
  const decoded = decode(frame)
  return Result.isSuccess(decoded) && kinds.has(decoded.success.kind)
}
