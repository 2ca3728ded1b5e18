/**
 * What a whole-network run (src/sim/scenarios/network.ts) is asked to do, what it reports on the
 * way, and what it reports at the end.
 */
import type { NameRacesOptions, NameRacesReport } from './names.ts'
import type { MintLoadOptions, MintLoadReport } from './mint.ts'
import type { NetworkParameters } from '../../consensus/index.ts'
import type { TraceRecorder } from '../../inspect/recorder.ts'
import type { ConnectionTotals } from '../../transport/connections.ts'
import type { DataReport } from './data.ts'
import type { CostSummary } from './join-cost.ts'

export interface NetworkScenarioOptions {
  readonly nodes: number
  readonly byzantine?: number
  /** Fraction of nodes that crash during growth (as many others join). */
  readonly churn?: number
  readonly drop?: number
  /**
   * Fraction of nodes that leave for good after growth, the ones closest to a random name, so a
   * region of the space empties and its sections merge (DESIGN.md §8). Spread over `shrinkWindowMs`.
   */
  readonly shrink?: number
  /**
   * Cut the network in two halves (each address on a side at random) from 30% to 55% of the join
   * window; frames do not cross until it heals.
   */
  readonly partition?: boolean
  /** Virtual time over which the shrink's departures are spread (default 5 min). */
  readonly shrinkWindowMs?: number
  /** How long after its crash a node that comes back does (default 30–90 s, random). */
  readonly restartAfterMs?: number
  /** Virtual time over which joins are spread (default 10 min, whatever N). */
  readonly joinWindowMs?: number
  /** Settling time allowed after the joins (default 15 min). */
  readonly settleMs?: number
  readonly clients?: number
  /** Files a client stores during growth (`--data K`); their chunks are counted and read back at the end. */
  readonly data?: number
  /** Racing registrants of names, once the network settled (issue 19). */
  readonly names?: NameRacesOptions
  /** Double spends raced through the mint, with Byzantine elders (issue 20). */
  readonly mint?: MintLoadOptions
  readonly params?: NetworkParameters
  readonly log?: (line: string) => void
  /** Log every decision and crash (with `log`). */
  readonly traceDecisions?: boolean
  /**
   * Explains, at the end, each section that is not full or not converged and each node still
   * unjoined, from what it sent and heard while joining (`safenet sim --why`).
   */
  readonly why?: (line: string) => void
  /** Records every actor's state changes and the nodes every few virtual seconds (`sim --record FILE`). */
  readonly recorder?: TraceRecorder
  /** Called every 10 virtual seconds (`safenet sim` on a terminal draws a progress line). */
  readonly progress?: (progress: SimProgress) => void
}

export interface SimProgress {
  readonly virtualMs: number
  /** Live nodes that are members, and all live nodes. */
  readonly admitted: number
  readonly live: number
  readonly sections: number
  /** Whether loss, churn and partitions may still strike (they stop with the join window). */
  readonly faults: boolean
}

export interface NetworkReport {
  readonly seed: number
  readonly nodes: number
  readonly sections: number
  readonly prefixesCoverSpace: boolean
  readonly sectionsWithFullElders: number
  readonly knowledgeConverged: boolean
  readonly splits: number
  readonly merges: number
  readonly relocations: number
  readonly decisions: number
  readonly agreementViolations: number
  readonly chainViolations: number
  readonly clientAeHopsMax: number
  /** Clients run, and how many found their section and got an answer. */
  readonly clients: number
  readonly clientsAnswered: number
  /** Times a client met silence for 5 s and asked the next elder of the same SAP. */
  readonly clientRetries: number
  /** All messages sent before the clients ran, over the joins: the mean cost of a join to the network. */
  readonly messagesPerJoin: number
  /**
   * Each join's own messages (what the joiner sent and was sent while not a member, first request
   * to admission): mean and worst, for joins as a new node and for relocations apart.
   */
  readonly joinMessages: CostSummary
  readonly relocationMessages: CostSummary
  readonly virtualTimeMs: number
  /** Virtual time from the end of the faults (joins, churn, loss, shrink) to a whole network; null if it never was. */
  readonly settledAfterFaultsMs: number | null
  readonly wallMs: number
  readonly joins: number
  readonly crashed: number
  /** Crashed nodes that came back (and had to join again). */
  readonly restarts: number
  /**
   * Restarted nodes that voted again as elders with a key share they got back from their store
   * (approved again while their section still had them, or resumed from it).
   */
  readonly servedAgainFromStore: number
  readonly unjoined: number
  readonly maxPrefixBits: number
  readonly byzantineNodes: number
  /** What the nodes' connection actors did, summed: dials, failed dials, frames queued and dropped. */
  readonly connections: ConnectionTotals
  /** Frames sent by kind, and frames refused by reason, summed over nodes. */
  readonly messagesByKind: Record<string, number>
  readonly refused: Record<string, number>
  /**
   * SHA3 over every delivered frame and every decision a node applied, in virtual-time order: the
   * same seed gives the same hash, and a change that only moves code leaves it unchanged.
   */
  readonly traceHash: string
  /** Scheduler events the run executed (message deliveries, timers): its size, for events per wall second. */
  readonly schedulerEvents: number
  /** With `data`: what was stored, lost, short of copies, or not read back once the network settled. */
  readonly data?: DataReport
  readonly names?: NameRacesReport
  readonly mint?: MintLoadReport
}
