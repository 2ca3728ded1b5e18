/**
 * The node store (DESIGN.md §1, src/store): what a node keeps across restarts, behind one small
 * synchronous interface with two implementations, LMDB on disk and a map in memory, that pass
 * the same test suite.
 *
 *   identity    who the node is: its key seed, network, genesis and listen addresses
 *   knowledge   what it believes about the network: section tree, its own section's state
 *   shares      its BLS key shares, one per section key it is an elder of
 *   blobs       namespaced byte values for the data layers (chunks, registers, spentbook)
 *
 * Every write is durable when it returns: a node acknowledges a chunk or votes only after the
 * state behind that act would survive the process being killed. Records are validated against
 * their schemas both ways: a write that could not be read back is refused at once
 * ({@link InvalidRecord}), and a record that does not read back is a {@link StoreCorrupt} naming
 * what to move aside, never a TypeError deep inside the node. Byte fields inside records are
 * opaque encodings owned by the layers that produce them; blobs are opaque entirely.
 *
 * Methods throw the typed errors below (tagged, with a stable `_tag`); reads and writes on a
 * closed store throw {@link StoreClosed}.
 */
import { Schema } from 'effect'
import { BlsPublicKeyBytes, FixedBytes, Uint } from '../wire/index.ts'

/** Who this node is. Saved once at first start; a restart with it keeps the node's name. */
export const NodeIdentity = Schema.Struct({
  /**
   * The 32-byte Ed25519 seed of the node's transport identity (its libp2p peer id, so its
   * address), and of its first node key.
   */
  seed: FixedBytes(32, 'an Ed25519 seed'),
  /** The node key's seed once it differs from `seed` (it took a new name: relocation, balanced joining). */
  nodeSeed: Schema.optional(FixedBytes(32, 'an Ed25519 seed')),
  networkId: Schema.String,
  /** The genesis SAP as encoded by src/knowledge; the store does not look inside. */
  genesis: Schema.Uint8Array,
  /** Multiaddrs the node listens on, so a restart reuses its port and peers find it again. */
  listen: Schema.Array(Schema.String),
})
export type NodeIdentity = typeof NodeIdentity.Type

/** The node's own section as last agreed: enough to resume voting at `nextGeneration`. */
export const SectionKnowledge = Schema.Struct({
  sap: Schema.Uint8Array,
  members: Schema.Array(Schema.Uint8Array),
  nextGeneration: Uint,
  decisions: Schema.Array(Schema.Uint8Array),
})
export type SectionKnowledge = typeof SectionKnowledge.Type

/**
 * What the node believes about the network: every known SAP with the proof chain to it, and,
 * once it is a member, its section's state. Saved whole; a node replaces it as it learns.
 */
/** A SAP we hold (encoded `SignedSapWire`) and its proof chain from genesis (`ProofChainWire`). */
export const TreeEntry = Schema.Struct({ sap: Schema.Uint8Array, chain: Schema.Uint8Array })
export type TreeEntry = typeof TreeEntry.Type

export const Knowledge = Schema.Struct({
  /** Empty in what a node writes now: each entry is a blob of its own (`tree` namespace); read for older records. */
  tree: Schema.Array(TreeEntry),
  section: Schema.optional(SectionKnowledge),
})
export type Knowledge = typeof Knowledge.Type

/** This node's BLS key share for one section key, kept while it may still have to sign with it. */
export const StoredShare = Schema.Struct({
  /** The section key (compressed G1) the share belongs to; shares are keyed by its hex. */
  sectionKey: BlsPublicKeyBytes,
  index: Uint,
  share: Schema.Uint8Array,
  keySet: Schema.Uint8Array,
})
export type StoredShare = typeof StoredShare.Type

/** The records with a schema, by the name errors carry. */
export type RecordName = 'identity' | 'knowledge' | 'share'

/** Counters since open, for the node's metrics and for benchmarks. */
export interface StoreStats {
  /** Durable write transactions committed (one per save, put, delete or non-empty drop). */
  readonly writes: number
  /** Key and value bytes handed to the engine by those writes. */
  readonly bytesWritten: number
  /** Values and key ranges read. */
  readonly reads: number
}

/** Longest blob key: LMDB allows 1978 bytes per key, less our prefix; 32× a chunk's name. */
export const MAX_BLOB_KEY_BYTES = 1024

/** A blob namespace: a short lowercase word, e.g. `chunks`, `registers`, `spentbook`. */
export const BLOB_NAMESPACE = /^[a-z][a-z0-9-]{0,31}$/

/**
 * Persistent state of one node. Reads are synchronous (LMDB reads are memory-mapped); writes
 * are synchronous and durable on return.
 *
 * @example
 * ```ts
 * const store = LmdbStore.open(join(root, 'store'))   // or MemoryStore.open() in the simulator
 * const identity = store.identity() ?? freshIdentity()
 * store.saveIdentity(identity)
 * store.putBlob('chunks', chunk.name, chunk.bytes)
 * await store.close()
 * ```
 */
export interface NodeStore {
  /** @throws {StoreCorrupt} if the stored identity does not validate. */
  identity(): NodeIdentity | undefined
  /** @throws {InvalidRecord} if `identity` does not match its schema. */
  saveIdentity(identity: NodeIdentity): void
  /** @throws {StoreCorrupt} if the stored knowledge does not validate. */
  knowledge(): Knowledge | undefined
  /** Replaces the stored knowledge. @throws {InvalidRecord} */
  saveKnowledge(knowledge: Knowledge): void
  /** Every stored share, in order of section key bytes. @throws {StoreCorrupt} */
  shares(): StoredShare[]
  /** Stores `share`, replacing any share for the same section key. @throws {InvalidRecord} */
  saveShare(share: StoredShare): void
  /** Deletes, in one write, every share whose section key (lowercase hex) `keep` rejects. */
  dropShares(keep: (sectionKeyHex: string) => boolean): void
  /** Stores `value` under `key` in namespace `ns`, replacing any value there. */
  putBlob(ns: string, key: Uint8Array, value: Uint8Array): void
  getBlob(ns: string, key: Uint8Array): Uint8Array | undefined
  /** The length of the value under `key`, without reading the value (a vault indexes its chunks at start). */
  blobSize(ns: string, key: Uint8Array): number | undefined
  /** Deletes the value under `key`, if any. */
  deleteBlob(ns: string, key: Uint8Array): void
  /** Puts (a value) and deletes (`undefined`) in namespace `ns`, all in one write. */
  writeBlobs(ns: string, changes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array | undefined }>): void
  /**
   * {@link writeBlobs} without waiting: `done` is called once the changes are durable (or with
   * why they could not be written). Many queued writes may share one commit, so a stream of
   * chunks costs one fsync per batch, not per chunk, and the event loop never waits on the disk.
   * Queued writes apply in order; reads may see them only from `done` on.
   */
  queueBlobs(ns: string, changes: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array | undefined }>, done: (error: Error | undefined) => void): void
  /** The keys of `ns` in order of their bytes (those after `after` only, when given), read lazily (a namespace may hold millions). */
  blobKeys(ns: string, after?: Uint8Array): Iterable<Uint8Array>
  blobCount(ns: string): number
  /** Releases the store (and its directory lock); later calls throw {@link StoreClosed}. Idempotent. */
  close(): Promise<void>
  readonly stats: StoreStats
}

/** A stored record does not decode or does not match its schema. */
export class StoreCorrupt extends Schema.TaggedError<StoreCorrupt>()('StoreCorrupt', {
  /** Which record: `identity`, `knowledge` or `share`. */
  record: Schema.String,
  /** What is wrong and what to move aside to recover. */
  message: Schema.String,
}) {}

/** Another process (or another open in this one) holds the store. */
export class StoreLocked extends Schema.TaggedError<StoreLocked>()('StoreLocked', {
  path: Schema.String,
  /** The holder's process id, as recorded in its lock. */
  pid: Schema.Number,
  message: Schema.String,
}) {}

/** The store's directory cannot be created, locked or opened. */
export class StoreOpenFailed extends Schema.TaggedError<StoreOpenFailed>()('StoreOpenFailed', {
  path: Schema.String,
  /** The underlying error's message, e.g. `EACCES: permission denied, mkdir '/var/safenet'`. */
  cause: Schema.String,
  message: Schema.String,
}) {}

/** The store was used after `close()`: a shutdown-ordering bug in the caller. */
export class StoreClosed extends Schema.TaggedError<StoreClosed>()('StoreClosed', {
  message: Schema.String,
}) {}

/** A record handed to a save does not match its schema, so it would not read back. */
export class InvalidRecord extends Schema.TaggedError<InvalidRecord>()('InvalidRecord', {
  record: Schema.String,
  message: Schema.String,
}) {}

export type StoreError = StoreCorrupt | StoreLocked | StoreOpenFailed | StoreClosed | InvalidRecord
