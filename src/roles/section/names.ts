/**
 * The names a section decided (issue 19, NRS; src/register/names.ts): every member records the
 * first decided claim of each name as it applies decisions, in the decision's order, so whoever
 * is an elder later knows each name's owner without asking. Kept in the node's store (a restarted
 * node still knows them) under the name's XorName, the owner's key as the value.
 */
import type { AppliedDecision } from '../../consensus/index.ts'
import { nameXor } from '../../register/names.ts'
import type { NodeStore } from '../../store/index.ts'

const NAMESPACE = 'names'

export class NameTable {
  readonly #store: NodeStore
  /** Names recorded (counted here: status is read after the store may have closed). */
  #count: number

  constructor(store: NodeStore) {
    this.#store = store
    this.#count = store.blobCount(NAMESPACE)
  }

  get count(): number {
    return this.#count
  }

  /** The owner of `name`: the key of its first decided claim. */
  owner(name: string): Uint8Array | undefined {
    return this.#store.getBlob(NAMESPACE, nameXor(name).bytes)
  }

  /** Records the claims `applied` decided for names not yet owned (the first in the decision's order wins). */
  apply(applied: AppliedDecision): void {
    for (const change of applied.changes) {
      if (change.kind !== 'NameClaim' || this.owner(change.name) !== undefined) continue
      this.#store.putBlob(NAMESPACE, nameXor(change.name).bytes, change.owner)
      this.#count++
    }
  }
}
