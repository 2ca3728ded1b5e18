/**
 * What a section decided once and for all: the owner of each name (issue 19, NRS;
 * src/register/names.ts) and the spentbook — the transaction each spend key is spent in (issue 20,
 * src/dbc/spend.ts). Every member records the first decided claim of each name, and the first
 * decided spend of each key, as it applies decisions, in the decision's order, so whoever is an
 * elder later knows them without asking. Kept in the node's store (a restarted node still knows
 * them) under the name's XorName or the key's spend name: the entry and the proof, the decided
 * generation that holds it as the section key signed it.
 *
 * A member that joins later (or whose section takes in its sibling) asks f + 1 elders for the
 * names decided before it came, page by page, and checks every proof itself: signed by a section
 * key of its chain, the claim in the decision and valid, the name in its section. A Byzantine
 * elder can withhold names but not invent them, and one honest elder of the f + 1 gives them all;
 * of two proofs for one name the earlier generation wins, as the first decided claim did. New
 * elders thus learn the spent keys at handover: a double spend cannot slip through an elder change.
 */
import { Result, Schema } from 'effect'
import { type AppliedDecision, decisionSigned, decodeChange } from '../../consensus/index.ts'
import { BlsPublicKey, toHex } from '../../crypto/index.ts'
import type { SectionTree } from '../../knowledge/index.ts'
import { spendName } from '../../dbc/dbc.ts'
import { type SpendEntry, spendValid } from '../../dbc/spend.ts'
import { claimValid, nameXor } from '../../register/names.ts'
import type { NodeStore } from '../../store/index.ts'
import { BlsSignatureBytes, decodeValue, Ed25519PublicKeyBytes, encodeOwn, MAX_NAMES_PER_PAGE, NameProofWire, Sha3Hash, SpendKeyBytes } from '../../wire/index.ts'
import type { Prefix } from '../../xor/index.ts'

const NAMESPACE = 'names'
/** Whether the table is complete (and how many names it was told to expect), kept beside it. */
const META_NAMESPACE = 'names-meta'
const META_KEY = Uint8Array.of(0)
/** A name's owner, or a key's spend: one of the two, with the decision's proof. */
const StoredEntry = Schema.Struct({
  owner: Schema.optionalKey(Ed25519PublicKeyBytes),
  spend: Schema.optionalKey(Schema.Struct({ spendKey: SpendKeyBytes, txHash: Sha3Hash, signature: BlsSignatureBytes })),
  proof: NameProofWire,
})
/** A names page stops at this many encoded bytes of proofs (frames are at most 5 MiB). */
const PAGE_BYTES = 1024 * 1024

export type NameProof = NameProofWire

/** A spend key's decided entry, with its proof. */
export interface SpentEntry extends SpendEntry {
  readonly proof: NameProof
}

export class Registry {
  readonly #store: NodeStore
  /** Names and spends recorded (counted here: status is read after the store may have closed). */
  #count: number
  /** Proofs checked already, by `key hex/generation` (a decision often names several). */
  readonly #verified = new Set<string>()

  /**
   * Whether this member knows every name and spent key its section decided: true from genesis;
   * false from an approval (or a merge) until f + 1 sources sent all their pages. One of them is
   * honest, so their union holds everything — whatever an approver said (or left out) of how many
   * there are: a count nobody signs cannot make a table complete. An elder whose table is not
   * complete votes for no claim or spend and signs no record or reissue (it would take an owned
   * name, or a spent key, for free).
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

  /** We are new here (approved, or our section took in its sibling): incomplete until enough sources are done. */
  expect(expected: number): void {
    this.#complete = false
    this.#expected = Math.max(this.#expected, expected)
    this.#saveMeta()
  }

  /** `done` distinct sources have sent their last page, of `needed` (f + 1): complete once enough are. */
  sourcesDone(done: number, needed: number): boolean {
    if (!this.#complete && done >= needed) {
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

  #read(key: Uint8Array): typeof StoredEntry.Type | undefined {
    const bytes = this.#store.getBlob(NAMESPACE, key)
    if (bytes === undefined) return undefined
    const decoded = decodeValue(StoredEntry, bytes)
    return Result.isSuccess(decoded) ? decoded.success : undefined
  }

  /** The owner of `name`: the key of its first decided claim. */
  owner(name: string): Uint8Array | undefined {
    return this.#read(nameXor(name).bytes)?.owner
  }

  /** The entry of `spendKey`: the first decided spend of it, with its proof. */
  spent(spendKey: Uint8Array): SpentEntry | undefined {
    const stored = this.#read(spendName(spendKey).bytes)
    return stored?.spend === undefined ? undefined : { ...stored.spend, proof: stored.proof }
  }

  /** Records the claims and spends `applied` decided for names not yet owned and keys not yet spent (the first in the decision's order wins). */
  apply(applied: AppliedDecision): { names: string[]; spends: Uint8Array[] } {
    const { decision } = applied
    const proof = { sectionKey: applied.signingKey.sap.sectionKey().toBytes(), generation: decision.generation, proposals: decision.proposals, signature: decision.signature }
    const recorded = { names: [] as string[], spends: [] as Uint8Array[] }
    for (const change of applied.changes) {
      if (change.kind === 'NameClaim' && this.owner(change.name) === undefined) {
        this.#put(nameXor(change.name).bytes, { owner: change.owner, proof })
        recorded.names.push(change.name)
      } else if (change.kind === 'Spend' && this.spent(change.spendKey) === undefined) {
        this.#put(spendName(change.spendKey).bytes, { spend: { spendKey: change.spendKey, txHash: change.txHash, signature: change.signature }, proof })
        recorded.spends.push(change.spendKey)
      }
    }
    return recorded
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
      let key: Uint8Array
      let entry: Omit<typeof StoredEntry.Type, 'proof'>
      if (change?.kind === 'NameClaim') {
        key = nameXor(change.name).bytes
        if (seen.has(toHex(key)) || !prefix.matches(nameXor(change.name)) || !claimValid(change.name, change.owner, change.signature)) continue
        entry = { owner: change.owner }
      } else if (change?.kind === 'Spend') {
        const name = spendName(change.spendKey)
        key = name.bytes
        if (seen.has(toHex(key)) || !prefix.matches(name) || !spendValid(change)) continue
        entry = { spend: { spendKey: change.spendKey, txHash: change.txHash, signature: change.signature } }
      } else continue
      seen.add(toHex(key))
      const held = this.#read(key)
      if (held !== undefined && held.proof.generation <= proof.generation) continue
      this.#put(key, { ...entry, proof })
      recorded.push(change.kind === 'NameClaim' ? change.name : toHex(change.spendKey))
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
      const decoded = value === undefined ? undefined : decodeValue(StoredEntry, value)
      last = key
      if (decoded === undefined || Result.isFailure(decoded)) continue
      proofs.push(decoded.success.proof)
      bytes += value!.length
    }
    return { proofs, ...(last === undefined ? {} : { last }), more: false }
  }

  #put(key: Uint8Array, entry: typeof StoredEntry.Type): void {
    if (this.#store.getBlob(NAMESPACE, key) === undefined) this.#count++
    this.#store.putBlob(NAMESPACE, key, encodeOwn(StoredEntry, entry))
  }
}
