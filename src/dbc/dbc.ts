/**
 * Digital bearer certificates (issue 20; DESIGN.md §11; seed 004): what a DBC says, what a
 * reissue transaction is, and the checks every MintNode and every wallet makes of them. No I/O:
 * the mint, the spentbook and the wallet build on this.
 *
 *  - A DBC's content is `{owner, amount, parents, nonce}`: `owner` a one-time BLS public key (a
 *    child of the recipient's main key, `BlsPublicKey.derive`: no owner key is ever used twice),
 *    `amount` in nanos, `parents` the spend keys of the transaction that made it (sorted), `nonce`
 *    32 random bytes (two payments of one amount to one key still differ).
 *  - Its spend key is its owner key: the section responsible for `spendName(spendKey)` keeps its
 *    spentbook entry and its elders sign its reissue.
 *  - A transaction spends inputs (each by spend key, amount and content hash) into outputs; its hash
 *    is what the mint signs. It is valid when inputs and outputs balance exactly and are well formed.
 */
import { Schema } from 'effect'
import { type BlsPublicKey, bytesEqual, domain, sha3_256, toHex, u64be } from '../crypto/index.ts'
import { XorName } from '../xor/index.ts'
import { MAX_INPUTS, MAX_OUTPUTS, NONCE_BYTES } from '../wire/index.ts'

/** Nanos in one token; the genesis DBC holds (2³² − 1) tokens, the whole supply. */
export const NANOS_PER_TOKEN = 1_000_000_000n
export const GENESIS_AMOUNT = (2n ** 32n - 1n) * NANOS_PER_TOKEN
/** An amount fits in 64 bits. */
export const MAX_AMOUNT = 2n ** 64n - 1n
export { MAX_INPUTS, MAX_OUTPUTS, NONCE_BYTES } from '../wire/index.ts'

const CONTENT_TAG = domain('safenet/dbc/content/v1')
const TRANSACTION_TAG = domain('safenet/dbc/transaction/v1')
const SPEND_NAME_TAG = domain('safenet/dbc/spend-name/v1')

export interface DbcContent {
  readonly owner: BlsPublicKey
  readonly amount: bigint
  readonly parents: ReadonlyArray<Uint8Array>
  readonly nonce: Uint8Array
}

export interface TransactionInput {
  readonly spendKey: Uint8Array
  readonly amount: bigint
  readonly contentHash: Uint8Array
}

export interface Transaction {
  readonly inputs: ReadonlyArray<TransactionInput>
  readonly outputs: ReadonlyArray<DbcContent>
}

export const TransactionFault = Schema.Literals(['NoInputs', 'NoOutputs', 'TooManyInputs', 'TooManyOutputs', 'DuplicateInput', 'DuplicateOwner', 'OwnerReused', 'BadAmount', 'BadNonce', 'ParentsMismatch', 'Unbalanced'])
export type TransactionFault = typeof TransactionFault.Type

/** A transaction no mint signs and no wallet accepts: which rule it breaks. */
export class TransactionInvalid extends Schema.TaggedError<TransactionInvalid>()('TransactionInvalid', {
  reason: TransactionFault,
  message: Schema.String,
}) {}

/** An amount as 8 bytes, big-endian: in what is hashed, and on the wire. */
export function amountBytes(amount: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, amount)
  return out
}

export function amountFromBytes(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
}

function sorted(keys: ReadonlyArray<Uint8Array>): Uint8Array[] {
  return [...keys].sort((a, b) => Buffer.compare(a, b))
}

/** A DBC's spend key: its owner key's bytes. */
export function spendKey(content: DbcContent): Uint8Array {
  return content.owner.toBytes()
}

/** Where a spend key lives in XOR space: its section keeps the spentbook entry and signs its reissue. */
export function spendName(key: Uint8Array): XorName {
  return XorName.fromBytes(sha3_256(SPEND_NAME_TAG, key))
}

export function contentHash(content: DbcContent): Uint8Array {
  const parents = sorted(content.parents)
  return sha3_256(CONTENT_TAG, content.owner.toBytes(), amountBytes(content.amount), u64be(parents.length), ...parents, content.nonce)
}

/**
 * A transaction as an output DBC carries it: its inputs and its outputs' content hashes (another
 * recipient's owner key and amount are not shown), from which its hash is computed again.
 */
export interface TransactionSummary {
  readonly inputs: ReadonlyArray<TransactionInput>
  readonly outputHashes: ReadonlyArray<Uint8Array>
}

export function summarise(tx: Transaction): TransactionSummary {
  return { inputs: tx.inputs, outputHashes: tx.outputs.map(contentHash) }
}

/** What the owners and the mint sign: the inputs (sorted by spend key) and the outputs' content hashes, in order. */
export function transactionHash(tx: Transaction | TransactionSummary): Uint8Array {
  const inputs = [...tx.inputs].sort((a, b) => Buffer.compare(a.spendKey, b.spendKey))
  const outputs = 'outputs' in tx ? tx.outputs.map(contentHash) : tx.outputHashes
  return sha3_256(
    TRANSACTION_TAG,
    u64be(inputs.length), ...inputs.flatMap((i) => [i.spendKey, amountBytes(i.amount), i.contentHash]),
    u64be(outputs.length), ...outputs,
  )
}

/** The input a DBC of `content` is in a transaction that spends it. */
export function inputOf(content: DbcContent): TransactionInput {
  return { spendKey: spendKey(content), amount: content.amount, contentHash: contentHash(content) }
}

/** Outputs to `owners` of `amounts`, children of the transaction spending `inputs`. */
export function outputsFor(inputs: ReadonlyArray<TransactionInput>, payments: ReadonlyArray<{ owner: BlsPublicKey; amount: bigint; nonce: Uint8Array }>): DbcContent[] {
  const parents = sorted(inputs.map((i) => i.spendKey))
  return payments.map((p) => ({ owner: p.owner, amount: p.amount, parents, nonce: p.nonce }))
}

/** Throws {@link TransactionInvalid} unless `tx` balances exactly and every part is well formed. */
export function checkTransaction(tx: Transaction): void {
  const fail = (reason: TransactionFault, message: string): never => {
    throw new TransactionInvalid({ reason, message })
  }
  if (tx.inputs.length === 0) fail('NoInputs', 'a transaction spends at least one DBC')
  if (tx.outputs.length === 0) fail('NoOutputs', 'a transaction makes at least one DBC')
  if (tx.inputs.length > MAX_INPUTS) fail('TooManyInputs', `at most ${MAX_INPUTS} inputs, not ${tx.inputs.length}`)
  if (tx.outputs.length > MAX_OUTPUTS) fail('TooManyOutputs', `at most ${MAX_OUTPUTS} outputs, not ${tx.outputs.length}`)
  const spent = new Set<string>()
  let totalIn = 0n
  for (const input of tx.inputs) {
    const hex = toHex(input.spendKey)
    if (spent.has(hex)) fail('DuplicateInput', `spend key ${hex.slice(0, 16)}… is an input twice`)
    spent.add(hex)
    if (input.amount < 1n || input.amount > MAX_AMOUNT) fail('BadAmount', `an input's amount is 1 to ${MAX_AMOUNT} nanos, not ${input.amount}`)
    totalIn += input.amount
  }
  const parents = sorted(tx.inputs.map((i) => i.spendKey))
  const owners = new Set<string>()
  let totalOut = 0n
  for (const output of tx.outputs) {
    const owner = toHex(output.owner.toBytes())
    if (owners.has(owner)) fail('DuplicateOwner', `owner ${owner.slice(0, 16)}… has two outputs: one-time keys are used once`)
    if (spent.has(owner)) fail('OwnerReused', `owner ${owner.slice(0, 16)}… is the key of an input: one-time keys are used once`)
    owners.add(owner)
    if (output.amount < 1n || output.amount > MAX_AMOUNT) fail('BadAmount', `an output's amount is 1 to ${MAX_AMOUNT} nanos, not ${output.amount}`)
    if (output.nonce.length !== NONCE_BYTES) fail('BadNonce', `a nonce is ${NONCE_BYTES} bytes`)
    const own = sorted(output.parents)
    if (own.length !== parents.length || own.some((p, i) => !bytesEqual(p, parents[i]!))) fail('ParentsMismatch', "an output's parents are the transaction's input spend keys")
    totalOut += output.amount
  }
  if (totalIn !== totalOut) fail('Unbalanced', `inputs hold ${totalIn} nanos and outputs ${totalOut}: they must be equal`)
}

/** `amount` nanos as tokens, e.g. `1.5`. */
export function formatAmount(amount: bigint): string {
  const whole = amount / NANOS_PER_TOKEN
  const fraction = (amount % NANOS_PER_TOKEN).toString().padStart(9, '0').replace(/0+$/, '')
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`
}

/** `1.5` tokens as nanos; undefined when it is not an amount (negative, more than 9 decimals, too large). */
export function parseAmount(text: string): bigint | undefined {
  const match = /^(\d{1,20})(?:\.(\d{1,9}))?$/.exec(text.trim())
  if (match === null) return undefined
  const amount = BigInt(match[1]!) * NANOS_PER_TOKEN + BigInt((match[2] ?? '').padEnd(9, '0') || '0')
  return amount > MAX_AMOUNT ? undefined : amount
}
