/**
 * Data in the simulator (`safenet sim --data K`, DESIGN.md §10): a client stores K files while the
 * network grows and churns, the same {@link ClientSession} a real program uses, over the simulated
 * network; once the network has settled and replication had time to catch up, the checker counts
 * each stored chunk's copies on its holders — the `dataCopyCount` live members of its section
 * closest to it — and the client reads every chunk back.
 *
 * A file here is 3 chunks plus a root chunk of random bytes and sizes (1–16 KiB): the simulator
 * exercises placement, replication and reads; self-encryption is checked on its own (test/data).
 */
import { NodeKeypair, sha3_256, toHex } from '../../crypto/index.ts'
import type { NetworkParameters } from '../../consensus/index.ts'
import type { SignedSap } from '../../knowledge/index.ts'
import type { NodeShell } from '../../roles/shell/node-shell.ts'
import { ClientSession } from '../../client/session.ts'
import { XorName } from '../../xor/index.ts'
import type { SimNetwork } from '../network.ts'
import type { SeededRandom } from '../random.ts'
import type { Scheduler } from '../scheduler.ts'
import type { SectionSummary } from './health.ts'

/** Requests one chunk's put gets before its file counts as failed (the client's uploads retry a chunk on its own likewise). */
const CHUNK_TRIES = 3
/** Chunks per simulated file (3 data chunks and a root). */
const CHUNKS_PER_FILE = 4
/** After the network settled, replication gets this long (two integrity sweeps) before the count. */
export const DATA_SETTLE_MS = 150_000

export interface DataReport {
  /** Files whose every chunk got its receipts. */
  readonly filesStored: number
  readonly filesFailed: number
  /** Chunks stored (receipts from their holders). */
  readonly chunksStored: number
  /** Stored chunks no live node holds. */
  readonly chunksLost: number
  /** Stored chunks held by fewer of their holders than `min(dataCopyCount, section size)`. */
  readonly underReplicated: number
  /** Stored chunks the client could not read back. */
  readonly readFailures: number
  /** Copies on live nodes beyond the holders' (handoffs still waiting, popular copies aside). */
  readonly extraCopies: number
  readonly clientRetries: number
  /** Chunk puts that failed and were made again. */
  readonly chunkRetries: number
}

export class DataLoad {
  readonly #session: ClientSession
  readonly #random: SeededRandom
  readonly #scheduler: Scheduler
  readonly #params: NetworkParameters
  readonly #stored = new Map<string, Uint8Array>()
  #filesStored = 0
  #filesFailed = 0
  #chunkRetries = 0

  constructor(options: { network: SimNetwork; scheduler: Scheduler; random: SeededRandom; genesis: SignedSap; params: NetworkParameters; bootstrap: () => ReadonlyArray<string> }) {
    this.#random = options.random
    this.#scheduler = options.scheduler
    this.#params = options.params
    const transport = options.network.endpoint('data-client')
    this.#session = new ClientSession({
      transport,
      clock: options.scheduler,
      keypair: NodeKeypair.fromSeed(options.random.bytes(32)),
      randomBytes: options.random.fork('msgids').byteSource(),
      genesis: options.genesis,
      params: options.params,
      get bootstrap() {
        return options.bootstrap()
      },
    })
  }

  /** Stores `files` files, spread evenly over `[fromMs, toMs)` of virtual time. */
  schedule(files: number, fromMs: number, toMs: number): void {
    for (let i = 0; i < files; i++) {
      const at = fromMs + Math.floor(((toMs - fromMs) * i) / Math.max(1, files))
      this.#scheduler.schedule(at - this.#scheduler.now, () => this.#putFile())
    }
  }

  #log: ((line: string) => void) | undefined

  set log(log: ((line: string) => void) | undefined) {
    this.#log = log
  }

  #putFile(): void {
    const chunks = Array.from({ length: CHUNKS_PER_FILE }, () => this.#random.bytes(1024 + this.#random.int(15 * 1024)))
    let pending = chunks.length
    let failed = false
    for (const content of chunks) {
      const address = sha3_256(content)
      this.#putChunk(address, content, CHUNK_TRIES, (ok) => {
        if (ok) this.#stored.set(toHex(address), address)
        else failed = true
        if (--pending === 0) {
          if (failed) this.#filesFailed++
          else this.#filesStored++
        }
      })
    }
  }

  /** A chunk that failed is put again on its own, as a real upload does (src/client). */
  #putChunk(address: Uint8Array, content: Uint8Array, tries: number, done: (ok: boolean) => void): void {
    this.#session.putChunk(address, content, (outcome) => {
      if (outcome.ok) return done(true)
      this.#log?.(`t=${this.#scheduler.now} chunk ${toHex(address).slice(0, 8)} not stored: ${outcome.failure.reason} (${outcome.failure.answers} receipts, ${outcome.failure.attempts} attempts)${tries > 1 ? '; again' : ''}`)
      if (tries <= 1) return done(false)
      this.#chunkRetries++
      this.#putChunk(address, content, tries - 1, done)
    })
  }

  /**
   * Counts copies on the holders of every stored chunk, then reads each back (the scheduler runs
   * until every read is answered or has failed).
   */
  check(nodes: ReadonlyArray<NodeShell>, sections: ReadonlyArray<SectionSummary>, log?: (line: string) => void): DataReport {
    const live = nodes.filter((n) => !n.crashed)
    const byName = new Map(live.map((n) => [n.name.toHex(), n]))
    // A section's members as it agreed them (the newest view among its elders), not every node
    // that says it belongs: those are what vaults choose holders from.
    const agreed = new Map(sections.map((section) => {
      const views = section.members.filter((n) => n.isElder && n.section !== undefined).map((n) => n.section!)
      const newest = views.sort((a, b) => b.nextGeneration - a.nextGeneration)[0]
      const members = (newest?.members.members() ?? []).flatMap((m) => byName.get(m.name.toHex()) ?? [])
      for (const node of section.members) {
        if (newest !== undefined && !newest.members.has(node.name)) log?.(`${node.addr} says it is an ${node.role} of ${section.prefix.toString()}, which does not count it a member (generation ${newest.nextGeneration})`)
      }
      return [section, members] as const
    }))
    let chunksLost = 0
    let underReplicated = 0
    let extraCopies = 0
    for (const [hex, address] of this.#stored) {
      const name = XorName.fromBytes(address)
      const holding = live.filter((n) => n.vault.chunks.has(address))
      if (holding.length === 0) {
        chunksLost++
        log?.(`chunk ${hex.slice(0, 8)} lost: no live node holds it`)
        continue
      }
      const section = sections.find((s) => s.prefix.matches(name))
      const members = section === undefined ? [] : agreed.get(section)!
      const holders = [...members].sort((a, b) => name.compareDistance(a.name, b.name)).slice(0, this.#params.dataCopyCount)
      const held = holders.filter((h) => h.vault.chunks.has(address)).length
      if (held < holders.length) {
        underReplicated++
        log?.(`chunk ${hex.slice(0, 8)} of ${section?.prefix.toString() ?? '?'}: ${held} of its ${holders.length} holders hold it (${holding.length} live copies: ${holding.map((n) => n.addr).join(' ')})`)
        for (const lacking of holders.filter((h) => !h.vault.chunks.has(address))) {
          const view = lacking.section
          const inOwnView = view?.members.has(lacking.name) === true
          log?.(`  ${lacking.addr} lacks it: ${lacking.role}, vault ${JSON.stringify(lacking.vault.states().vault)}, its view ${view?.members.prefix.toString() ?? 'none'} generation ${view?.nextGeneration ?? '-'} (a member of it: ${inOwnView}); ${JSON.stringify(lacking.vault.status())}`)
        }
      }
      extraCopies += holding.length - held
    }
    let readFailures = 0
    let pending = this.#stored.size
    for (const [hex, address] of this.#stored) {
      this.#session.getChunk(address, (outcome) => {
        pending--
        if (outcome.ok) return
        readFailures++
        log?.(`chunk ${hex.slice(0, 8)} not read back: ${outcome.failure.reason}`)
      })
    }
    const deadline = this.#scheduler.now + this.#session.timing.deadlineMs + 10_000
    this.#scheduler.run({ maxTimeMs: deadline, until: () => pending === 0 })
    return {
      filesStored: this.#filesStored,
      filesFailed: this.#filesFailed,
      chunksStored: this.#stored.size,
      chunksLost,
      underReplicated,
      readFailures: readFailures + pending,
      extraCopies,
      clientRetries: this.#session.counts.retries,
      chunkRetries: this.#chunkRetries,
    }
  }
}
