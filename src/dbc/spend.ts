/**
 * The spentbook (issue 20; seed 004): before a reissue, the owner of each input writes the entry
 * `spendKey → transaction` to the section responsible for the spend key, signed by the input's
 * one-time owner key. The section decides the entry in its generation agreement, and the first
 * decided entry of a key is its only one (`roles/section/registry.ts`): a different transaction
 * for a spent key is refused with {@link DoubleSpend}, carrying the entry that was decided.
 */
import { Schema } from 'effect'
import { BlsPublicKey, type BlsSecretKey, BlsSignature, concatBytes, domain } from '../crypto/index.ts'

const SPEND_TAG = domain('safenet/dbc/spend/v1')

/** An entry of the spentbook: DBC `spendKey` is spent in transaction `txHash`, signed by its owner key. */
export interface SpendEntry {
  readonly spendKey: Uint8Array
  readonly txHash: Uint8Array
  readonly signature: Uint8Array
}

/** What an input's owner key signs to spend it in transaction `txHash`. */
export function spendBytes(txHash: Uint8Array): Uint8Array {
  return concatBytes(SPEND_TAG, txHash)
}

/** The entry spending the DBC owned by `owner` (its one-time secret) in transaction `txHash`. */
export function signSpend(owner: BlsSecretKey, txHash: Uint8Array): SpendEntry {
  return { spendKey: owner.publicKey().toBytes(), txHash, signature: owner.sign(spendBytes(txHash)).toBytes() }
}

/** Whether `entry` is signed by the key it spends. */
export function spendValid(entry: SpendEntry): boolean {
  try {
    return BlsPublicKey.fromBytes(entry.spendKey).verify(spendBytes(entry.txHash), BlsSignature.fromBytes(entry.signature))
  } catch {
    return false
  }
}

/** A spend key already spent in another transaction: `existing` is the decided entry (with its section's proof where the network gave one). */
export class DoubleSpend extends Schema.TaggedError<DoubleSpend>()('DoubleSpend', {
  spendKey: Schema.Uint8Array,
  existingTxHash: Schema.Uint8Array,
  message: Schema.String,
}) {}
