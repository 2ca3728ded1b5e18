/**
 * What a node keeps across a restart, through the one store port both runtimes use ({@link
 * NodeStore}: LMDB in a real node, a {@link MemoryStore} on a backing that outlives the node in
 * the simulator): its section as it last saw it, saved a moment after each change, with the SAPs
 * it holds (each with its chain) and its recent decisions written once each (a blob per SAP and
 * per generation: they are most of what it knows by size, and nearly all are the same at every
 * write); each key share as a DKG gives it; and (by the elder role's ballot journal) its ballots
 * before they are sent.
 *
 * On a restart the node takes all of it back ({@link NodeShell.restore}) and rejoins: its section
 * approves it again if it is still a member, and it serves again if it holds its key's share.
 */
import { Result } from 'effect'
import { BlsPublicKey, PublicKeySet, SecretKeyShare, toHex } from '../../crypto/index.ts'
import { type NodeStore, TreeEntry } from '../../store/index.ts'
import { decodeValue, encodeOwn, type PayloadOf } from '../../wire/index.ts'
import type { StoreBallotJournal } from '../elder/ballot-journal.ts'
import { encodeDecision, type EncodedTreeEntry, type NodeShell } from './node-shell.ts'

/** A write of the knowledge is put off this long after a change, so a burst of changes writes once. */
export const PERSIST_DEBOUNCE_MS = 250

/** The blob namespace of our section's recent decisions, one per generation (8 bytes, big-endian). */
const DECISIONS = 'decisions'
const generationKey = (generation: number): Uint8Array => {
  const key = new Uint8Array(8)
  new DataView(key.buffer).setBigUint64(0, BigInt(generation))
  return key
}
const generationOf = (key: Uint8Array): number => Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(0))

/**
 * The blob namespace of the SAPs we hold, each with its chain ({@link TreeEntry}), under its
 * section key: written once each, where a whole tree in the knowledge record was rewritten after
 * every decision (at 1,000 nodes, 59 SAPs and chains, ~100 KB, per write per node).
 */
const TREE = 'tree'
const treeBlobs = new WeakMap<EncodedTreeEntry, Uint8Array>()
function treeBlob(entry: EncodedTreeEntry): Uint8Array {
  let blob = treeBlobs.get(entry)
  if (blob === undefined) treeBlobs.set(entry, blob = encodeOwn(TreeEntry, { sap: entry.sap, chain: entry.chain }))
  return blob
}

/**
 * Brings namespace `ns` in line with `current`: each entry whose marker differs from what
 * `written` says is stored under its id is written, each id no longer current deleted, all in one
 * write; `written` follows.
 */
function syncBlobs<Id>(
  store: NodeStore, ns: string, written: Map<Id, unknown>,
  current: ReadonlyArray<{ id: Id; marker: unknown; value: () => Uint8Array }>, keyOf: (id: Id) => Uint8Array,
): void {
  const changes: Array<{ key: Uint8Array; value: Uint8Array | undefined }> = []
  const ids = new Set<Id>()
  for (const entry of current) {
    ids.add(entry.id)
    if (written.get(entry.id) === entry.marker) continue
    changes.push({ key: keyOf(entry.id), value: entry.value() })
    written.set(entry.id, entry.marker)
  }
  for (const id of [...written.keys()]) {
    if (ids.has(id)) continue
    changes.push({ key: keyOf(id), value: undefined })
    written.delete(id)
  }
  store.writeBlobs(ns, changes)
}

export interface PersistenceOptions {
  readonly store: NodeStore
  readonly journal: StoreBallotJournal
  readonly schedule: (delayMs: number, run: () => void) => unknown
  readonly cancel: (handle: unknown) => void
  /** After each write of the knowledge, with the contacts it was made from (a real node writes `contacts.json`). */
  readonly onPersist?: (contacts: PayloadOf<'Contacts'>) => void
}

export class NodePersistence {
  readonly #options: PersistenceOptions
  #node: NodeShell | undefined
  #timer: unknown
  /** The SAP keys the stored shares were last pruned against. */
  #prunedFor = ''
  /** The decision stored under each generation, as far as this run knows (undefined: a previous run's). */
  readonly #written = new Map<number, unknown>()
  /** The section keys (hex) whose tree entries are stored, each its own marker. */
  readonly #writtenTree = new Map<string, unknown>()
  #stopped = false

  constructor(options: PersistenceOptions) {
    this.#options = options
  }

  /**
   * Gives `node` what its store holds — key shares, then knowledge, then what `contacts` add —
   * and persists for it from now on. Returns the SAPs and shares that did not verify or decode.
   */
  attach(node: NodeShell, contacts?: PayloadOf<'Contacts'>): { refusedSaps: number; badShares: number } {
    this.#node = node
    const store = this.#options.store
    let badShares = 0
    const shares = store.shares().flatMap((s) => {
      try {
        return [{ share: SecretKeyShare.fromBytes(s.index, s.share), keySet: PublicKeySet.fromBytes(s.keySet) }]
      } catch {
        badShares++
        return []
      }
    })
    const stored = store.knowledge() ?? { tree: [] }
    // The tree's entries, each a blob (a record from before they were stored apart may hold some).
    let badEntries = 0
    const tree = [...stored.tree]
    for (const key of [...store.blobKeys(TREE)]) {
      this.#writtenTree.set(toHex(key), toHex(key))
      const bytes = store.getBlob(TREE, key)
      const entry = bytes === undefined ? undefined : decodeValue(TreeEntry, bytes)
      if (entry === undefined || Result.isFailure(entry)) badEntries++
      else tree.push(entry.success)
    }
    const knowledge = { ...stored, tree }
    // The stored section's recent decisions (a record from before they were stored apart may still hold some).
    const section = knowledge.section
    const decisions: Uint8Array[] = []
    for (const key of [...store.blobKeys(DECISIONS)]) {
      if (key.length !== 8) continue
      const generation = generationOf(key)
      this.#written.set(generation, undefined)
      // One ahead of the stored section was written just before a kill cut the write of the section.
      if (section === undefined || generation >= section.nextGeneration) continue
      const bytes = store.getBlob(DECISIONS, key)
      if (bytes !== undefined) decisions.push(bytes)
    }
    const restored = section === undefined ? knowledge : { ...knowledge, section: { ...section, decisions: [...section.decisions, ...decisions] } }
    const refusedSaps = node.restore(restored, shares, contacts) + badEntries
    return { refusedSaps, badShares }
  }

  /** A DKG gave us a key share: stored at once (it is how a restarted elder serves again). */
  saveShare(share: SecretKeyShare, keySet: PublicKeySet): void {
    this.#options.store.saveShare({ sectionKey: keySet.publicKey().toBytes(), index: share.index, share: share.toBytes(), keySet: keySet.toBytes() })
  }

  /** The elder's ballot journal this persistence prunes (its counts go into a node's status). */
  get journal(): StoreBallotJournal {
    return this.#options.journal
  }

  /** Our knowledge changed: written once things are quiet for {@link PERSIST_DEBOUNCE_MS}. */
  persistSoon(): void {
    if (this.#timer !== undefined || this.#stopped) return
    this.#timer = this.#options.schedule(PERSIST_DEBOUNCE_MS, () => {
      this.#timer = undefined
      this.persist()
    })
  }

  /** Writes the knowledge now, and drops key shares and ballots that will not be used again. */
  persist(): void {
    const node = this.#node
    if (this.#stopped || node === undefined) return
    const store = this.#options.store
    // Decisions and SAPs first, then the section they belong to, one write per namespace.
    const decisions = node.section === undefined ? [] : node.recentDecisions()
    syncBlobs(store, DECISIONS, this.#written, decisions.map((d) => ({ id: d.generation, marker: d, value: () => encodeDecision(d) })), generationKey)
    // A section key names one SAP: an entry stored under it (by any run) is never written again.
    const entries = node.treeEntries()
    syncBlobs(store, TREE, this.#writtenTree, entries.map((e) => ({ id: e.sectionKeyHex, marker: e.sectionKeyHex, value: () => treeBlob(e) })), (hex) => Buffer.from(hex, 'hex'))
    const current = new Set(entries.map((e) => e.sectionKeyHex))
    store.saveKnowledge(node.knowledge({ decisions: false, tree: false }))
    // (The contacts are worked out only for a runtime that writes them: a real node's contacts.json.)
    if (this.#options.onPersist !== undefined) this.#options.onPersist(node.contacts())
    // A share of a key our tree has moved past (it is in the DAG but no SAP's) will not sign
    // again; one of a key not in the DAG yet (a DKG ahead of its handover) is kept. Looked at
    // only when the SAPs we hold change (each check decodes a key).
    const dag = node.tree.dag
    const keys = [...current].sort().join()
    if (keys === this.#prunedFor) return
    this.#prunedFor = keys
    const keep = (hex: string): boolean => current.has(hex) || !dag.has(BlsPublicKey.fromBytes(Buffer.from(hex, 'hex')))
    this.#options.store.dropShares(keep)
    this.#options.journal.prune(keep)
  }

  /** No more writes: `flush` writes what is pending first (a clean stop); a crash does not. */
  stop(options: { flush: boolean }): void {
    if (this.#timer !== undefined) this.#options.cancel(this.#timer)
    this.#timer = undefined
    if (options.flush) this.persist()
    this.#stopped = true
  }
}
