/**
 * The names a section decided (issue 19, NRS; src/register/names.ts): every member records the
 * first decided claim of each name as it applies decisions, in the decision's order, so whoever
 * is an elder later knows each name's owner without asking. Kept in the node's store (a restarted
 * node still knows them) under the name's XorName: the owner and the proof, the decided
 * generation that holds the claim as the section key signed it.
 *
 * A member that joins later (or whose section takes in its sibling) asks f + 1 elders for the
 * names decided before it came, page by page, and checks every proof itself: signed by a section
 * key of its chain, the claim in the decision and valid, the name in its section. A Byzantine
 * elder can withhold names but not invent them, and one honest elder of the f + 1 gives them all;
 * of two proofs for one name the earlier generation wins, as the first decided claim did.
 */
import { Result, Schema } from 'effect'
import { type AppliedDecision, decisionSigned, decodeChange } from '../../consensus/index.ts'
import { BlsPublicKey, toHex } from '../../crypto/index.ts'
import type { SectionTree } from '../../knowledge/index.ts'
import { claimValid, nameXor } from '../../register/names.ts'
import type { NodeStore } from '../../store/index.ts'
import { decodeValue, Ed25519PublicKeyBytes, encodeOwn, MAX_NAMES_PER_PAGE, NameProofWire } from '../../wire/index.ts'
import type { Prefix } from '../../xor/index.ts'

const NAMESPACE = 'names'
/** Whether the table is complete (and how many names it was told to expect), kept beside it. */
const META_NAMESPACE = 'names-meta'
const META_KEY = Uint8Array.of(0)
const StoredName = Schema.Struct({ owner: Ed25519PublicKeyBytes, proof: NameProofWire })
/** A names page stops at this many encoded bytes of proofs (frames are at most 5 MiB). */
const PAGE_BYTES = 1024 * 1024

export type NameProof = NameProofWire

export class NameTable {
  readonly #store: NodeStore
  /** Names recorded (counted here: status is read after the store may have closed). */
  #count: number
  /** Proofs checked already, by `key hex/generation` (a decision often names several). */
  readonly #verified = new Set<string>()

  /**
   * Whether this member knows every name its section decided: true from genesis and for a member
   * approved when its section had none; false from an approval that said the section has names
   * (or a merge) until a source's pages bring at least as many. An elder whose table is not
   * complete votes for no claim and signs no record (it would treat an owned name as free).
   */
  #complete = true
  #expected = 0

  constructor(store: NodeStore) {
    this.#store = store
    this.#count = store.blobCount(NAMESPACE)
    const meta = store.getBlob(META_NAMESPACE, META_KEY)
    if (meta !== undefined && meta.length === 5) {
      this.#complete = meta[0] === 1
      this.#expected = new DataView(meta.buffer, meta.byteOffset + 1, 4).getUint32(0)
    }
  }

  get count(): number {
    return this.#count
  }

  get complete(): boolean {
    return this.#complete
  }

  /** Our section has `expected` names we have not had (an approval's count; 0 after a merge: unknown): incomplete until a source's pages are in. */
  expect(expected: number): void {
    this.#complete = false
    this.#expected = Math.max(this.#expected, expected)
    this.#saveMeta()
  }

  /** A source sent its last page: complete if we hold as many names as we were told to expect. */
  sourceDone(): boolean {
    if (!this.#complete && this.#count >= this.#expected) {
      this.#complete = true
      this.#saveMeta()
    }
    return this.#complete
  }

  #saveMeta(): void {
    const meta = new Uint8Array(5)
    meta[0] = this.#complete ? 1 : 0
    new DataView(meta.buffer).setUint32(1, Math.min(this.#expected, 0xffff_ffff))
    this.#store.putBlob(META_NAMESPACE, META_KEY, meta)
  }

  #read(name: string): typeof StoredName.Type | undefined {
    const bytes = this.#store.getBlob(NAMESPACE, nameXor(name).bytes)
    if (bytes === undefined) return undefined
    const decoded = decodeValue(StoredName, bytes)
    return Result.isSuccess(decoded) ? decoded.success : undefined
  }

  /** The owner of `name`: the key of its first decided claim. */
  owner(name: string): Uint8Array | undefined {
    return this.#read(name)?.owner
  }

  /** Records the claims `applied` decided for names not yet owned (the first in the decision's order wins). */
  apply(applied: AppliedDecision): void {
    const { decision } = applied
    const proof = { sectionKey: applied.signingKey.sap.sectionKey().toBytes(), generation: decision.generation, proposals: decision.proposals, signature: decision.signature }
    for (const change of applied.changes) {
      if (change.kind === 'NameClaim' && this.owner(change.name) === undefined) this.#put(change.name, change.owner, proof)
    }
  }

  /**
   * Takes in a proof another member sent: checked against `tree` (a key of our chain signed it),
   * each valid claim in it of a name in `prefix` recorded unless an earlier generation's is.
   * Returns the names recorded, or why the proof was refused.
   */
  learn(proof: NameProof, tree: SectionTree, prefix: Prefix): { recorded: string[] } | { refused: 'unknown-key' | 'bad-signature' } {
    let key: BlsPublicKey
    try {
      key = BlsPublicKey.fromBytes(proof.sectionKey)
    } catch {
      return { refused: 'unknown-key' }
    }
    if (!tree.dag.has(key)) return { refused: 'unknown-key' }
    const id = `${toHex(proof.sectionKey)}/${proof.generation}`
    if (!this.#verified.has(id)) {
      if (!decisionSigned(key, proof)) return { refused: 'bad-signature' }
      this.#verified.add(id)
    }
    const recorded: string[] = []
    const seen = new Set<string>()
    for (const bytes of proof.proposals) {
      const change = decodeChange(bytes)
      if (change?.kind !== 'NameClaim' || seen.has(change.name)) continue
      seen.add(change.name)
      if (!prefix.matches(nameXor(change.name)) || !claimValid(change.name, change.owner, change.signature)) continue
      const held = this.#read(change.name)
      if (held !== undefined && held.proof.generation <= proof.generation) continue
      this.#put(change.name, change.owner, proof)
      recorded.push(change.name)
    }
    return { recorded }
  }

  /** The proofs of the names after `after` (XorName order), a page's worth; `last` the page's last name. */
  page(after: Uint8Array | undefined): { proofs: NameProof[]; last?: Uint8Array; more: boolean } {
    const proofs: NameProof[] = []
    let bytes = 0
    let last: Uint8Array | undefined
    for (const key of this.#store.blobKeys(NAMESPACE, after)) {
      if (proofs.length >= MAX_NAMES_PER_PAGE || bytes >= PAGE_BYTES) return { proofs, ...(last === undefined ? {} : { last }), more: true }
      const value = this.#store.getBlob(NAMESPACE, key)
      const decoded = value === undefined ? undefined : decodeValue(StoredName, value)
      last = key
      if (decoded === undefined || Result.isFailure(decoded)) continue
      proofs.push(decoded.success.proof)
      bytes += value!.length
    }
    return { proofs, ...(last === undefined ? {} : { last }), more: false }
  }

  #put(name: string, owner: Uint8Array, proof: NameProof): void {
    const key = nameXor(name).bytes
    if (this.#store.getBlob(NAMESPACE, key) === undefined) this.#count++
    this.#store.putBlob(NAMESPACE, key, encodeOwn(StoredName, { owner, proof }))
  }
}
