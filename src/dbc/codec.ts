/**
 * A DBC to bytes and back (issue 20): what `wallet send` writes to a file and a ReissueRequest
 * carries. Decoding is strict: a field out of its bounds, a point not on the curve, a chain or SAP
 * that does not decode, is a typed {@link DbcUnreadable} error, never a crash.
 */
import { Result, Schema } from 'effect'
import { BlsPublicKey, BlsSignature } from '../crypto/index.ts'
import { ProofChain, SignedSap } from '../knowledge/index.ts'
import { DbcWire, decodeValue, encodeOwn, type TransactionWire } from '../wire/index.ts'
import { amountBytes, amountFromBytes, type DbcContent, type Transaction, type TransactionInput, type TransactionSummary } from './dbc.ts'
import type { Dbc } from './mint-proof.ts'

export class DbcUnreadable extends Schema.TaggedError<DbcUnreadable>()('DbcUnreadable', {
  message: Schema.String,
}) {}

function contentToWire(content: DbcContent): DbcWire['content'] {
  return { owner: content.owner.toBytes(), amount: amountBytes(content.amount), parents: [...content.parents], nonce: content.nonce }
}

function inputToWire(input: TransactionInput): DbcWire['transaction']['inputs'][number] {
  return { spendKey: input.spendKey, amount: amountBytes(input.amount), contentHash: input.contentHash }
}

function contentFromWire(wire: DbcWire['content']): DbcContent {
  return { owner: BlsPublicKey.fromBytes(wire.owner), amount: amountFromBytes(wire.amount), parents: wire.parents.map((p) => Uint8Array.from(p)), nonce: Uint8Array.from(wire.nonce) }
}

function inputFromWire(wire: DbcWire['transaction']['inputs'][number]): TransactionInput {
  return { spendKey: Uint8Array.from(wire.spendKey), amount: amountFromBytes(wire.amount), contentHash: Uint8Array.from(wire.contentHash) }
}

export function dbcToWire(dbc: Dbc): DbcWire {
  return {
    content: contentToWire(dbc.content),
    transaction: { inputs: dbc.transaction.inputs.map(inputToWire), outputHashes: [...dbc.transaction.outputHashes] },
    proofs: dbc.proofs.map((p) => ({ sap: p.sap.toWire(), proofChain: p.chain.toWire(), signature: p.signature.toBytes() })),
  }
}

/** The DBC `wire` holds; {@link DbcUnreadable} when a key, SAP or chain in it does not decode. */
export function dbcFromWire(wire: DbcWire): Dbc {
  try {
    const transaction: TransactionSummary = { inputs: wire.transaction.inputs.map(inputFromWire), outputHashes: wire.transaction.outputHashes.map((h) => Uint8Array.from(h)) }
    const proofs = wire.proofs.map((p) => ({ sap: SignedSap.fromWire(p.sap), chain: ProofChain.fromWire(p.proofChain), signature: BlsSignature.fromBytes(p.signature) }))
    return { content: contentFromWire(wire.content), transaction, proofs }
  } catch (error) {
    throw new DbcUnreadable({ message: `not a DBC: ${error instanceof Error ? error.message : String(error)}` })
  }
}

export function transactionToWire(tx: Transaction): TransactionWire {
  return { inputs: tx.inputs.map(inputToWire), outputs: tx.outputs.map(contentToWire) }
}

/** The transaction `wire` holds; {@link DbcUnreadable} when an owner key does not decode. */
export function transactionFromWire(wire: TransactionWire): Transaction {
  try {
    return { inputs: wire.inputs.map(inputFromWire), outputs: wire.outputs.map(contentFromWire) }
  } catch (error) {
    throw new DbcUnreadable({ message: `not a transaction: ${error instanceof Error ? error.message : String(error)}` })
  }
}

export function encodeDbc(dbc: Dbc): Uint8Array {
  return encodeOwn(DbcWire, dbcToWire(dbc))
}

/** The DBC in `bytes`; {@link DbcUnreadable} if they are not one (its validity is `dbcFault`'s to judge). */
export function decodeDbc(bytes: Uint8Array): Dbc {
  const decoded = decodeValue(DbcWire, bytes)
  if (Result.isFailure(decoded)) throw new DbcUnreadable({ message: `not a DBC: ${decoded.failure.message}` })
  return dbcFromWire(decoded.success)
}
