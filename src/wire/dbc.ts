/**
 * DBCs on the wire and in files (issue 20; src/dbc): every field bounded by the DBC's own limits.
 * Amounts travel as 8 bytes, big-endian (a u64; msgpack has no portable bigint).
 */
import { Schema } from 'effect'
import { ProofChainWire, SignedSapWire } from './sap.ts'
import { BlsPublicKeyBytes, BlsSignatureBytes, BoundedArray, FixedBytes, Sha3Hash } from './primitives.ts'

/** Inputs and outputs one transaction has at most (src/dbc's bounds, named here for the schemas). */
export const MAX_INPUTS = 16
export const MAX_OUTPUTS = 16
export const NONCE_BYTES = 32

export const AmountBytes = FixedBytes(8, 'an amount (u64, big-endian)')
/** A spend key: an owner key's bytes. */
export const SpendKeyBytes = BlsPublicKeyBytes

export const DbcContentWire = Schema.Struct({
  owner: BlsPublicKeyBytes,
  amount: AmountBytes,
  parents: BoundedArray(SpendKeyBytes, MAX_INPUTS),
  nonce: FixedBytes(NONCE_BYTES, 'a nonce'),
})
export type DbcContentWire = typeof DbcContentWire.Type

export const TransactionInputWire = Schema.Struct({ spendKey: SpendKeyBytes, amount: AmountBytes, contentHash: Sha3Hash })

export const TransactionSummaryWire = Schema.Struct({
  inputs: BoundedArray(TransactionInputWire, MAX_INPUTS),
  outputHashes: BoundedArray(Sha3Hash, MAX_OUTPUTS),
})

/** A whole transaction: what an elder checks before it writes a spend or signs a reissue. */
export const TransactionWire = Schema.Struct({
  inputs: BoundedArray(TransactionInputWire, MAX_INPUTS),
  outputs: BoundedArray(DbcContentWire, MAX_OUTPUTS),
})
export type TransactionWire = typeof TransactionWire.Type

export const MintProofWire = Schema.Struct({ sap: SignedSapWire, proofChain: ProofChainWire, signature: BlsSignatureBytes })

/** A DBC: its content, its transaction's summary, and one mint proof per input section (at most one per input). */
export const DbcWire = Schema.Struct({
  content: DbcContentWire,
  transaction: TransactionSummaryWire,
  proofs: BoundedArray(MintProofWire, MAX_INPUTS),
})
export type DbcWire = typeof DbcWire.Type
