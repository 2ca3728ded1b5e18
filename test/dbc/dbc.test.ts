/**
 * The DBC model (issue 20; src/dbc): transactions balance exactly and are well formed, or are
 * refused with the rule they break; what the mint signs (the transaction hash) changes with any
 * part of a transaction; a payer pays a one-time child of the recipient's main key, whose secret
 * only the recipient derives; amounts print and parse as tokens.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlsSecretKey, SCALAR_ORDER, toHex } from '../../src/crypto/index.ts'
import {
  checkTransaction, contentHash, type DbcContent, formatAmount, GENESIS_AMOUNT, inputOf, MAX_AMOUNT, outputsFor, parseAmount,
  spendKey, type Transaction, TransactionInvalid, transactionHash,
} from '../../src/dbc/dbc.ts'

const keyFrom = (n: number) => BlsSecretKey.fromScalar(BigInt(n + 1) % SCALAR_ORDER)
const nonce = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i) & 0xff)
/** A DBC held by key `n` (its parents: an imaginary earlier transaction). */
const held = (n: number, amount: bigint): DbcContent => ({ owner: keyFrom(n).publicKey(), amount, parents: [Uint8Array.of(n)], nonce: nonce(n) })

/** A transaction spending `amounts` into outputs of `split` (sums equal), owners 100+. */
function transaction(amounts: bigint[], split: bigint[]): Transaction {
  const inputs = amounts.map((a, i) => inputOf(held(i, a)))
  return { inputs, outputs: outputsFor(inputs, split.map((amount, i) => ({ owner: keyFrom(100 + i).publicKey(), amount, nonce: nonce(100 + i) }))) }
}

const reason = (run: () => void): string | undefined => {
  try {
    run()
    return undefined
  } catch (error) {
    if (error instanceof TransactionInvalid) return error.reason
    throw error
  }
}

/** Positive amounts summing to at most MAX_AMOUNT, cut into 1–4 positive parts. */
const amountsAndSplit = fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 1, maxLength: 4 }).chain((amounts) => {
  const total = amounts.reduce((a, b) => a + b, 0n)
  return fc.array(fc.bigInt({ min: 1n, max: total }), { minLength: 0, maxLength: 3 }).map((cuts) => {
    const points = [...new Set(cuts.filter((c) => c < total))].sort((a, b) => (a < b ? -1 : 1))
    const split: bigint[] = []
    let last = 0n
    for (const p of [...points, total]) {
      split.push(p - last)
      last = p
    }
    return { amounts, split }
  })
})

describe('transactions', () => {
  it('balanced and well formed: accepted', () => {
    fc.assert(fc.property(amountsAndSplit, ({ amounts, split }) => {
      expect(reason(() => checkTransaction(transaction(amounts, split)))).toBeUndefined()
    }), { numRuns: 25 })
  })

  it('one nano more or less anywhere: Unbalanced', () => {
    fc.assert(fc.property(amountsAndSplit, fc.boolean(), ({ amounts, split }, more) => {
      const changed = [...split]
      changed[0] = changed[0]! + (more ? 1n : -1n)
      if (changed[0] === 0n) return
      expect(reason(() => checkTransaction(transaction(amounts, changed)))).toBe('Unbalanced')
    }), { numRuns: 25 })
  })

  it('refuses each malformed part with its rule', () => {
    const good = transaction([5n, 7n], [12n])
    expect(reason(() => checkTransaction({ ...good, inputs: [] }))).toBe('NoInputs')
    expect(reason(() => checkTransaction({ ...good, outputs: [] }))).toBe('NoOutputs')
    expect(reason(() => checkTransaction({ ...good, inputs: [good.inputs[0]!, good.inputs[0]!] }))).toBe('DuplicateInput')
    const twice = transaction([5n], [2n, 3n])
    expect(reason(() => checkTransaction({ ...twice, outputs: [twice.outputs[0]!, { ...twice.outputs[1]!, owner: twice.outputs[0]!.owner }] }))).toBe('DuplicateOwner')
    expect(reason(() => checkTransaction({ ...good, outputs: [{ ...good.outputs[0]!, owner: keyFrom(0).publicKey() }] }))).toBe('OwnerReused')
    expect(reason(() => checkTransaction(transaction([5n], [0n, 5n])))).toBe('BadAmount')
    expect(reason(() => checkTransaction(transaction([MAX_AMOUNT + 1n], [MAX_AMOUNT + 1n])))).toBe('BadAmount')
    expect(reason(() => checkTransaction({ ...good, outputs: [{ ...good.outputs[0]!, nonce: new Uint8Array(31) }] }))).toBe('BadNonce')
    expect(reason(() => checkTransaction({ ...good, outputs: [{ ...good.outputs[0]!, parents: [good.inputs[0]!.spendKey] }] }))).toBe('ParentsMismatch')
    expect(reason(() => checkTransaction(transaction(Array.from({ length: 17 }, () => 1n), [17n])))).toBe('TooManyInputs')
  })

  it('its hash, what the mint signs, changes with any input or output and not with the inputs\' order', () => {
    const tx = transaction([5n, 7n], [4n, 8n])
    const hash = toHex(transactionHash(tx))
    expect(toHex(transactionHash({ ...tx, inputs: [...tx.inputs].reverse() }))).toBe(hash)
    const variants: Transaction[] = [
      { ...tx, inputs: [{ ...tx.inputs[0]!, amount: 6n }, tx.inputs[1]!] },
      { ...tx, inputs: [{ ...tx.inputs[0]!, contentHash: new Uint8Array(32) }, tx.inputs[1]!] },
      { ...tx, outputs: [{ ...tx.outputs[0]!, amount: 3n }, tx.outputs[1]!] },
      { ...tx, outputs: [{ ...tx.outputs[0]!, nonce: nonce(9) }, tx.outputs[1]!] },
      { ...tx, outputs: [tx.outputs[1]!, tx.outputs[0]!] },
    ]
    for (const variant of variants) expect(toHex(transactionHash(variant))).not.toBe(hash)
  })
})

describe('one-time owner keys', () => {
  it('a payer pays a child of the recipient\'s main public key; only the recipient derives its secret and spends it', () => {
    const main = keyFrom(42)
    const index = nonce(7)
    const output: DbcContent = { owner: main.publicKey().derive(index), amount: 3n, parents: [Uint8Array.of(1)], nonce: nonce(8) }
    const secret = main.derive(index)
    expect(toHex(secret.publicKey().toBytes())).toBe(toHex(spendKey(output)))
    // Spending it: the owner's signature over the spending transaction's hash.
    const spend = { inputs: [inputOf(output)], outputs: outputsFor([inputOf(output)], [{ owner: main.publicKey().derive(nonce(9)), amount: 3n, nonce: nonce(10) }]) }
    checkTransaction(spend)
    expect(output.owner.verify(transactionHash(spend), secret.sign(transactionHash(spend)))).toBe(true)
    expect(output.owner.verify(transactionHash(spend), main.sign(transactionHash(spend)))).toBe(false)
    expect(toHex(inputOf(output).contentHash)).toBe(toHex(contentHash(output)))
  })
})

describe('amounts', () => {
  it('print as tokens and parse back; the genesis supply is (2³² − 1) tokens', () => {
    expect(formatAmount(GENESIS_AMOUNT)).toBe('4294967295')
    expect(formatAmount(1_500_000_000n)).toBe('1.5')
    expect(formatAmount(1n)).toBe('0.000000001')
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT }), (amount) => {
      expect(parseAmount(formatAmount(amount))).toBe(amount)
    }))
    for (const bad of ['-1', '1.0000000001', 'ten', '', '1e9', '18446744074']) expect(parseAmount(bad), bad).toBeUndefined()
  })
})
