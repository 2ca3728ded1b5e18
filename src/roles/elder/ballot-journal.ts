/**
 * An elder's ballot journal: every vote and SuperMajority ballot it casts is written to its store
 * before it is sent, so a restarted elder takes back the ballots it had cast in the generation it
 * resumes at and never casts a different one in a round it voted in (equivocation: the agreement
 * tolerates f such elders, but an honest one must not be among them). DESIGN.md §6.
 *
 * Each ballot is a blob of its own, under its section key, generation, kind and round, written
 * once: rewriting a generation's whole record at each cast encoded every earlier ballot again.
 * The newest {@link KEPT_GENERATIONS} generations are kept per key; a key the node no longer
 * holds a share of is pruned with its shares. (A store from before holds one record per key,
 * under the bare section key; it is read as well.)
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
export const KEPT_GENERATIONS = 2
/** Own ballots kept per generation: one vote and one SuperMajority per round, for 512 rounds. */
export const MAX_PER_GENERATION = 1_024

const SECTION_KEY_BYTES = 48
/** A ballot's key: section key ‖ generation (u64 BE) ‖ kind ‖ round (u32 BE). */
const BALLOT_KEY_BYTES = SECTION_KEY_BYTES + 8 + 1 + 4
const KIND = { Propose: 0, Merge: 1, SuperMajority: 2 } as const

function ballotKey(sectionKey: Uint8Array, generation: number, kind: number, round: number): Uint8Array {
  const key = new Uint8Array(BALLOT_KEY_BYTES)
  key.set(sectionKey)
  const view = new DataView(key.buffer)
  view.setBigUint64(SECTION_KEY_BYTES, BigInt(generation))
  key[SECTION_KEY_BYTES + 8] = kind
  view.setUint32(SECTION_KEY_BYTES + 9, round)
  return key
}
const voteKey = (sectionKey: Uint8Array, vote: VoteWire) => ballotKey(sectionKey, vote.generation, KIND[vote.ballot], vote.round)
const superMajorityKey = (sectionKey: Uint8Array, sm: SuperMajorityWire) => ballotKey(sectionKey, sm.generation, KIND.SuperMajority, sm.round)

const GenerationRecord = Schema.Struct({
  generation: Uint,
  votes: BoundedArray(VoteWire, MAX_PER_GENERATION),
  supermajorities: BoundedArray(SuperMajorityWire, MAX_PER_GENERATION),
})
/** The one record per key a store from before held. */
const JournalRecord = Schema.Struct({ generations: BoundedArray(GenerationRecord, KEPT_GENERATIONS) })
type GenerationRecord = typeof GenerationRecord.Type

/** A journal in a {@link NodeStore}'s `ballots` namespace, with each key's records cached. */
export class StoreBallotJournal implements BallotJournal {
  readonly #store: NodeStore
  readonly #cache = new Map<string, GenerationRecord[]>()
  /** Ballots or records that did not decode (a damaged store): counted, and treated as absent. */
  unreadable = 0
  /** Own ballots dropped from a generation past {@link MAX_PER_GENERATION} (oldest first). */
  evicted = 0

  constructor(store: NodeStore) {
    this.#store = store
  }

  cast(sectionKey: Uint8Array, self: number, ballots: CastBallots): void {
    const records = [...this.#read(sectionKey)]
    const writes: Array<{ key: Uint8Array; value: Uint8Array }> = []
    const dropped: GenerationRecord[] = []
    const recordOf = (generation: number): GenerationRecord | undefined => {
      let index = records.findIndex((r) => r.generation === generation)
      if (index < 0) {
        if (records.length >= KEPT_GENERATIONS && generation < records[0]!.generation) return undefined
        records.push({ generation, votes: [], supermajorities: [] })
        records.sort((a, b) => a.generation - b.generation)
        while (records.length > KEPT_GENERATIONS) dropped.push(records.shift()!)
        index = records.findIndex((r) => r.generation === generation)
        if (index < 0) return undefined
      }
      return records[index]
    }
    for (const vote of ballots.votes) {
      if (vote.voter !== self) continue
      const record = recordOf(vote.generation)
      if (record === undefined || record.votes.some((v) => v.round === vote.round && v.ballot === vote.ballot)) continue
      const votes = [...record.votes, vote]
      if (votes.length > MAX_PER_GENERATION) {
        dropped.push({ generation: record.generation, votes: votes.splice(0, 1), supermajorities: [] })
        this.evicted++
      }
      replace(records, { ...record, votes })
      writes.push({ key: voteKey(sectionKey, vote), value: encodeOwn(VoteWire, vote) })
    }
    for (const sm of ballots.supermajorities) {
      if (sm.voter !== self) continue
      const record = recordOf(sm.generation)
      if (record === undefined || record.supermajorities.some((s) => s.round === sm.round)) continue
      const supermajorities = [...record.supermajorities, sm]
      if (supermajorities.length > MAX_PER_GENERATION) {
        dropped.push({ generation: record.generation, votes: [], supermajorities: supermajorities.splice(0, 1) })
        this.evicted++
      }
      replace(records, { ...record, supermajorities })
      writes.push({ key: superMajorityKey(sectionKey, sm), value: encodeOwn(SuperMajorityWire, sm) })
    }
    if (writes.length === 0) return
    const deletes = dropped.flatMap((record) => [
      ...record.votes.map((vote) => ({ key: voteKey(sectionKey, vote), value: undefined })),
      ...record.supermajorities.map((sm) => ({ key: superMajorityKey(sectionKey, sm), value: undefined })),
    ])
    // One write (one fdatasync on disk) for the batch, as the whole record was before.
    this.#store.writeBlobs(NAMESPACE, [...writes, ...deletes])
    this.#cache.set(toHex(sectionKey), records)
  }

  castIn(sectionKey: Uint8Array, generation: number): CastBallots | undefined {
    const record = this.#read(sectionKey).find((r) => r.generation === generation)
    return record === undefined || (record.votes.length === 0 && record.supermajorities.length === 0) ? undefined : record
  }

  /** Drops the ballots of keys `keep` says no to (keys whose shares were dropped). */
  prune(keep: (sectionKeyHex: string) => boolean): void {
    for (const key of [...this.#store.blobKeys(NAMESPACE)]) {
      const hex = toHex(key.subarray(0, SECTION_KEY_BYTES))
      if (keep(hex)) continue
      this.#store.deleteBlob(NAMESPACE, key)
      this.#cache.delete(hex)
    }
  }

  /** A key's records: cached, or read from its blobs (once per key and run: a restart's). */
  #read(sectionKey: Uint8Array): ReadonlyArray<GenerationRecord> {
    const hex = toHex(sectionKey)
    const cached = this.#cache.get(hex)
    if (cached !== undefined) return cached
    const byGeneration = new Map<number, { votes: VoteWire[]; supermajorities: SuperMajorityWire[] }>()
    const of = (generation: number) => {
      let record = byGeneration.get(generation)
      if (record === undefined) byGeneration.set(generation, record = { votes: [], supermajorities: [] })
      return record
    }
    for (const key of [...this.#store.blobKeys(NAMESPACE)]) {
      if (key.length < SECTION_KEY_BYTES || toHex(key.subarray(0, SECTION_KEY_BYTES)) !== hex) continue
      const bytes = this.#store.getBlob(NAMESPACE, key)
      if (bytes === undefined) continue
      if (key.length === SECTION_KEY_BYTES) {
        const old = decodeValue(JournalRecord, bytes)
        if (Result.isFailure(old)) this.unreadable++
        else {
          for (const r of old.success.generations) {
            of(r.generation).votes.push(...r.votes)
            of(r.generation).supermajorities.push(...r.supermajorities)
          }
        }
        continue
      }
      if (key.length !== BALLOT_KEY_BYTES) {
        this.unreadable++
        continue
      }
      if (key[SECTION_KEY_BYTES + 8] === KIND.SuperMajority) {
        const sm = decodeValue(SuperMajorityWire, bytes)
        if (Result.isFailure(sm)) this.unreadable++
        else of(sm.success.generation).supermajorities.push(sm.success)
      } else {
        const vote = decodeValue(VoteWire, bytes)
        if (Result.isFailure(vote)) this.unreadable++
        else of(vote.success.generation).votes.push(vote.success)
      }
    }
    const records = [...byGeneration].sort(([a], [b]) => a - b).slice(-KEPT_GENERATIONS).map(([generation, r]) => ({ generation, ...r }))
    this.#cache.set(hex, records)
    return records
  }
}

function replace(records: GenerationRecord[], record: GenerationRecord): void {
  const index = records.findIndex((r) => r.generation === record.generation)
  records[index] = record
}
