/**
 * An elder's ballot journal: every vote and SuperMajority ballot it casts is written to its store
 * before it is sent, so a restarted elder takes back the ballots it had cast in the generation it
 * resumes at and never casts a different one in a round it voted in (equivocation: the agreement
 * tolerates f such elders, but an honest one must not be among them). DESIGN.md §6.
 *
 * Records are kept per section key, for the newest {@link KEPT_GENERATIONS} generations; a key
 * the node no longer holds a share of is pruned with its shares.
 */
import { Result, Schema } from 'effect'
import { toHex } from '../../crypto/index.ts'
import type { NodeStore } from '../../store/index.ts'
import { BoundedArray, decodeValue, encodeOwn, SuperMajorityWire, Uint, VoteWire } from '../../wire/index.ts'

export type CastBallots = { readonly votes: ReadonlyArray<VoteWire>; readonly supermajorities: ReadonlyArray<SuperMajorityWire> }

/** Where an elder records its own ballots before sending them. */
export interface BallotJournal {
  /** Records `ballots` (those cast by elder `self`; others are ignored). Durable on return. */
  cast(sectionKey: Uint8Array, self: number, ballots: CastBallots): void
  /** What this node had cast under `sectionKey` in `generation`, if anything. */
  castIn(sectionKey: Uint8Array, generation: number): CastBallots | undefined
}

const NAMESPACE = 'ballots'
/** Generations kept per key: the current one and the one a decision in the same batch closed. */
const KEPT_GENERATIONS = 2
/** Own ballots kept per generation: one vote and one SuperMajority per round, for 512 rounds. */
const MAX_PER_GENERATION = 1_024

const GenerationRecord = Schema.Struct({
  generation: Uint,
  votes: BoundedArray(VoteWire, MAX_PER_GENERATION),
  supermajorities: BoundedArray(SuperMajorityWire, MAX_PER_GENERATION),
})
const JournalRecord = Schema.Struct({ generations: BoundedArray(GenerationRecord, KEPT_GENERATIONS) })
type GenerationRecord = typeof GenerationRecord.Type

/** A journal in a {@link NodeStore}'s `ballots` namespace, with the newest records cached. */
export class StoreBallotJournal implements BallotJournal {
  readonly #store: NodeStore
  readonly #cache = new Map<string, GenerationRecord[]>()
  /** Records that did not decode (a damaged store): counted, and treated as absent. */
  unreadable = 0

  constructor(store: NodeStore) {
    this.#store = store
  }

  cast(sectionKey: Uint8Array, self: number, ballots: CastBallots): void {
    const records = [...this.#read(sectionKey)]
    let changed = false
    const recordOf = (generation: number): GenerationRecord | undefined => {
      let index = records.findIndex((r) => r.generation === generation)
      if (index < 0) {
        if (records.length >= KEPT_GENERATIONS && generation < records[0]!.generation) return undefined
        records.push({ generation, votes: [], supermajorities: [] })
        records.sort((a, b) => a.generation - b.generation)
        while (records.length > KEPT_GENERATIONS) records.shift()
        index = records.findIndex((r) => r.generation === generation)
        if (index < 0) return undefined
      }
      return records[index]
    }
    for (const vote of ballots.votes) {
      if (vote.voter !== self) continue
      const record = recordOf(vote.generation)
      if (record === undefined || record.votes.some((v) => v.round === vote.round && v.ballot === vote.ballot)) continue
      replace(records, { ...record, votes: [...record.votes, vote].slice(-MAX_PER_GENERATION) })
      changed = true
    }
    for (const sm of ballots.supermajorities) {
      if (sm.voter !== self) continue
      const record = recordOf(sm.generation)
      if (record === undefined || record.supermajorities.some((s) => s.round === sm.round)) continue
      replace(records, { ...record, supermajorities: [...record.supermajorities, sm].slice(-MAX_PER_GENERATION) })
      changed = true
    }
    if (!changed) return
    this.#store.putBlob(NAMESPACE, sectionKey, encodeOwn(JournalRecord, { generations: records }))
    this.#cache.set(toHex(sectionKey), records)
  }

  castIn(sectionKey: Uint8Array, generation: number): CastBallots | undefined {
    const record = this.#read(sectionKey).find((r) => r.generation === generation)
    return record === undefined || (record.votes.length === 0 && record.supermajorities.length === 0) ? undefined : record
  }

  /** Drops the records of keys `keep` says no to (keys whose shares were dropped). */
  prune(keep: (sectionKeyHex: string) => boolean): void {
    for (const key of [...this.#store.blobKeys(NAMESPACE)]) {
      const hex = toHex(key)
      if (keep(hex)) continue
      this.#store.deleteBlob(NAMESPACE, key)
      this.#cache.delete(hex)
    }
  }

  #read(sectionKey: Uint8Array): ReadonlyArray<GenerationRecord> {
    const hex = toHex(sectionKey)
    const cached = this.#cache.get(hex)
    if (cached !== undefined) return cached
    const bytes = this.#store.getBlob(NAMESPACE, sectionKey)
    if (bytes === undefined) return []
    const decoded = decodeValue(JournalRecord, bytes)
    if (Result.isFailure(decoded)) {
      this.unreadable++
      return []
    }
    const records = [...decoded.success.generations]
    this.#cache.set(hex, records)
    return records
  }
}

function replace(records: GenerationRecord[], record: GenerationRecord): void {
  const index = records.findIndex((r) => r.generation === record.generation)
  records[index] = record
}
