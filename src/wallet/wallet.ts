/**
 * A wallet (issue 20): a main BLS key and the DBCs it owns, in a folder of the user's data
 * directory. No network here: the CLI reissues through the client and hands the results back.
 *
 *   DIR/key              the main secret key (hex; mode 600; never printed)
 *   DIR/dbcs/HEX.dbc     each DBC we may spend (HEX: its spend key)
 *   DIR/spent/HEX.dbc    DBCs we spent (kept for the record)
 *   DIR/pending/HEX.tx   a transaction whose spends may have been written, kept until it is minted
 *                        (a spend written and then not minted — a timeout — is finished, never redone:
 *                        another transaction for those inputs would be refused as a double spend)
 *   DIR/sent/HEX.dbc     what we paid others (the recipient's DBC, before it is handed on)
 *   DIR/lock             held while a spend is under way (one spend at a time)
 *   DIR/outbox/HEX.to    a payment (its DBC in sent/) not yet left in its payee's inbox: the payee's address
 *   DIR/inbox-seen       the inbox entries taken in or passed over for good, one hash (hex) a line
 *   DIR/inbox-unreadable the entries whose file could not be read, a line each time (given up after a few)
 *
 * An address is the main public key. A payment to it is owned by the one-time key
 * `address.derive(nonce)`, its DBC's own 32 random bytes: the recipient derives the secret from
 * the nonce, and no owner key is ever used twice.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Result, Schema } from 'effect'
import { BlsPublicKey, BlsSecretKey, openBlsSeal, toHex } from '../crypto/index.ts'
import { paymentContext } from './inbox.ts'
import {
  type Dbc, type DbcContent, dbcFault, decodeDbc, encodeDbc, formatAmount, inputOf, type MintTrust, NONCE_BYTES, outputsFor, type Transaction,
  transactionFromWire, transactionHash, transactionToWire,
} from '../dbc/index.ts'
import { decodeValue, encodeOwn, TransactionWire } from '../wire/index.ts'

export const WalletFault = Schema.Literals(['NoWallet', 'InsufficientFunds', 'NotOurs', 'AlreadyHeld', 'InvalidDbc', 'BadAddress', 'BadAmount', 'Busy', 'InboxFull', 'InboxUnreachable'])
export type WalletFault = typeof WalletFault.Type

export class WalletError extends Schema.TaggedError<WalletError>()('WalletError', {
  reason: WalletFault,
  message: Schema.String,
  /** Where a payment made but not delivered was written for the user to hand over. */
  file: Schema.optional(Schema.String),
}) {}

/** A DBC of ours with the one-time secret that spends it. */
export interface Owned {
  readonly dbc: Dbc
  readonly secret: BlsSecretKey
}

const KEY_FILE = 'key'
const DBCS = 'dbcs'
const SPENT = 'spent'
const PENDING = 'pending'
const SENT = 'sent'
const LOCK = 'lock'
const INBOX_SEEN = 'inbox-seen'
const INBOX_UNREADABLE = 'inbox-unreadable'
const OUTBOX = 'outbox'

/** The address `text` (a main public key, 96 hex digits). */
export function parseWalletAddress(text: string): BlsPublicKey {
  if (!/^[0-9a-f]{96}$/i.test(text.trim())) throw new WalletError({ reason: 'BadAddress', message: `${JSON.stringify(text)} is not a wallet address (96 hex digits, as \`wallet address\` prints)` })
  try {
    return BlsPublicKey.fromBytes(Buffer.from(text.trim(), 'hex'))
  } catch {
    throw new WalletError({ reason: 'BadAddress', message: `${text.slice(0, 16)}… is not a key on the curve` })
  }
}

export class Wallet {
  readonly dir: string
  readonly #main: BlsSecretKey

  private constructor(dir: string, main: BlsSecretKey) {
    this.dir = dir
    this.#main = main
  }

  /** The wallet in `dir`, made (a fresh key, mode 600) if there is none. */
  static create(dir: string): Wallet {
    if (existsSync(join(dir, KEY_FILE))) return Wallet.open(dir)
    mkdirSync(join(dir, DBCS), { recursive: true, mode: 0o700 })
    mkdirSync(join(dir, SPENT), { recursive: true, mode: 0o700 })
    const main = BlsSecretKey.random()
    writeFileSync(join(dir, KEY_FILE), `${toHex(main.toBytes())}\n`, { mode: 0o600, flag: 'wx' })
    return new Wallet(dir, main)
  }

  /** The wallet in `dir`; {@link WalletError} `NoWallet` if there is none. */
  static open(dir: string): Wallet {
    const file = join(dir, KEY_FILE)
    if (!existsSync(file)) throw new WalletError({ reason: 'NoWallet', message: `${dir} holds no wallet (make one with \`safenet wallet address\`)` })
    chmodSync(file, 0o600)
    mkdirSync(join(dir, DBCS), { recursive: true, mode: 0o700 })
    mkdirSync(join(dir, SPENT), { recursive: true, mode: 0o700 })
    return new Wallet(dir, BlsSecretKey.fromBytes(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex')))
  }

  /** Where payments to this wallet go: its main public key (hex). */
  get address(): string {
    return toHex(this.#main.publicKey().toBytes())
  }

  /** The one-time secret of a DBC of `content`, if it is ours. */
  secretOf(content: DbcContent): BlsSecretKey | undefined {
    if (content.nonce.length !== NONCE_BYTES) return undefined
    const secret = this.#main.derive(content.nonce)
    return secret.publicKey().equals(content.owner) ? secret : undefined
  }

  /** The DBCs we may spend, with their secrets (a file that does not read is left where it is, and skipped). */
  owned(): Owned[] {
    const out: Owned[] = []
    for (const file of readdirSync(join(this.dir, DBCS)).filter((f) => f.endsWith('.dbc')).sort()) {
      try {
        const dbc = decodeDbc(readFileSync(join(this.dir, DBCS, file)))
        const secret = this.secretOf(dbc.content)
        if (secret !== undefined) out.push({ dbc, secret })
      } catch {
        continue
      }
    }
    return out
  }

  balance(): bigint {
    return this.owned().reduce((sum, o) => sum + o.dbc.content.amount, 0n)
  }

  /**
   * Takes in a DBC paid to us: valid for the network `trust` describes, ours, and not held or spent
   * already. Returns its amount.
   */
  deposit(dbc: Dbc, trust: MintTrust): bigint {
    const fault = dbcFault(dbc, trust)
    if (fault !== undefined) throw new WalletError({ reason: 'InvalidDbc', message: `the DBC is not valid on this network: ${fault}` })
    if (this.secretOf(dbc.content) === undefined) throw new WalletError({ reason: 'NotOurs', message: 'the DBC is not paid to this wallet\'s address' })
    const file = `${toHex(dbc.content.owner.toBytes())}.dbc`
    if (existsSync(join(this.dir, DBCS, file)) || existsSync(join(this.dir, SPENT, file))) {
      throw new WalletError({ reason: 'AlreadyHeld', message: 'this wallet holds (or spent) that DBC already' })
    }
    writeAtomically(join(this.dir, DBCS, file), encodeDbc(dbc))
    return dbc.content.amount
  }

  /**
   * A transaction paying `amount` to `to` from our DBCs (the largest first), the change back to a
   * fresh key of ours; the inputs it spends. {@link WalletError} `InsufficientFunds` if we hold less.
   */
  plan(amount: bigint, to: BlsPublicKey): { tx: Transaction; inputs: Owned[] } {
    if (amount < 1n) throw new WalletError({ reason: 'BadAmount', message: 'an amount is at least 1 nano (0.000000001)' })
    // DBCs a pending transaction spends are its own until it is minted or found spent.
    const committed = new Set(this.pending().flatMap((p) => p.inputs.map((i) => toHex(i.dbc.content.owner.toBytes()))))
    const owned = this.owned().filter((o) => !committed.has(toHex(o.dbc.content.owner.toBytes()))).sort((a, b) => (b.dbc.content.amount > a.dbc.content.amount ? 1 : b.dbc.content.amount < a.dbc.content.amount ? -1 : 0))
    const inputs: Owned[] = []
    let total = 0n
    for (const o of owned) {
      if (total >= amount) break
      inputs.push(o)
      total += o.dbc.content.amount
    }
    if (total < amount) throw new WalletError({ reason: 'InsufficientFunds', message: `the wallet holds ${formatAmount(total)}, not the ${formatAmount(amount)} asked` })
    const txInputs = inputs.map((i) => inputOf(i.dbc.content))
    const payments = [payment(to, amount)]
    if (total > amount) payments.push(payment(this.#main.publicKey(), total - amount))
    return { tx: { inputs: txInputs, outputs: outputsFor(txInputs, payments) }, inputs }
  }

  /** Keeps `tx` as pending: done before its first spend is written, so a lost answer never leaves inputs half spent. */
  savePending(tx: Transaction): void {
    mkdirSync(join(this.dir, PENDING), { recursive: true, mode: 0o700 })
    writeAtomically(join(this.dir, PENDING, `${toHex(transactionHash(tx))}.tx`), encodeOwn(TransactionWire, transactionToWire(tx)))
  }

  /** The pending transactions, each with our inputs it spends (those still held). */
  pending(): Array<{ tx: Transaction; inputs: Owned[] }> {
    const folder = join(this.dir, PENDING)
    if (!existsSync(folder)) return []
    const owned = new Map(this.owned().map((o) => [toHex(o.dbc.content.owner.toBytes()), o]))
    const out: Array<{ tx: Transaction; inputs: Owned[] }> = []
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.tx')).sort()) {
      const decoded = decodeValue(TransactionWire, readFileSync(join(folder, file)))
      if (Result.isFailure(decoded)) continue
      const tx = transactionFromWire(decoded.success)
      const inputs = tx.inputs.flatMap((i) => owned.get(toHex(i.spendKey)) ?? [])
      out.push({ tx, inputs })
    }
    return out
  }

  /** `tx` is minted, or will never be (an input found spent in another): no longer pending. */
  dropPending(tx: Transaction): void {
    rmSync(join(this.dir, PENDING, `${toHex(transactionHash(tx))}.tx`), { force: true })
  }

  /**
   * A reissue of `inputs` completed into `outputs`: ours are kept, what we paid others goes to
   * `sent/`, the inputs move to `spent/`, and the transaction is no longer pending.
   */
  settle(inputs: ReadonlyArray<Owned>, outputs: ReadonlyArray<Dbc>, tx?: Transaction): void {
    for (const dbc of outputs) {
      const folder = this.secretOf(dbc.content) !== undefined ? DBCS : SENT
      mkdirSync(join(this.dir, folder), { recursive: true, mode: 0o700 })
      writeAtomically(join(this.dir, folder, `${toHex(dbc.content.owner.toBytes())}.dbc`), encodeDbc(dbc))
    }
    for (const input of inputs) this.markSpent(input.dbc)
    if (tx !== undefined) this.dropPending(tx)
  }

  /** `dbc` is spent (by us, or found spent by the network): out of what we may spend. */
  markSpent(dbc: Dbc): void {
    const file = `${toHex(dbc.content.owner.toBytes())}.dbc`
    if (existsSync(join(this.dir, DBCS, file))) renameSync(join(this.dir, DBCS, file), join(this.dir, SPENT, file))
  }

  /**
   * The DBC in a payment sealed to this wallet's address (src/wallet/inbox.ts), not yet checked:
   * {@link deposit} does that. DecryptionFailed if it is not sealed to us, DbcUnreadable if it opens
   * to something else.
   */
  openPayment(sealed: Uint8Array): Dbc {
    return decodeDbc(openBlsSeal(this.#main, sealed, paymentContext(this.#main.publicKey())))
  }

  /** The inbox entries (hashes, hex) taken in or passed over for good: not fetched again. */
  inboxSeen(): Set<string> {
    return new Set(this.#lines(INBOX_SEEN))
  }

  /** `hash` (an inbox entry's, hex) is decided: appended at once, so an interrupted run keeps what it did. */
  markInboxSeen(hash: string): void {
    appendFileSync(join(this.dir, INBOX_SEEN), `${hash}\n`, { mode: 0o600 })
  }

  /** The entry `hash`'s file could not be read (again): how many runs it has failed in now. */
  markInboxUnreadable(hash: string): number {
    appendFileSync(join(this.dir, INBOX_UNREADABLE), `${hash}\n`, { mode: 0o600 })
    return this.#lines(INBOX_UNREADABLE).filter((line) => line === hash).length
  }

  #lines(file: string): string[] {
    const path = join(this.dir, file)
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line)) : []
  }

  /** Keeps `dbc` (paid by us, in sent/) as owed to `to`'s inbox until {@link delivered}. */
  owe(dbc: Dbc, to: BlsPublicKey): void {
    mkdirSync(join(this.dir, OUTBOX), { recursive: true, mode: 0o700 })
    writeAtomically(join(this.dir, OUTBOX, `${toHex(dbc.content.owner.toBytes())}.to`), new TextEncoder().encode(`${toHex(to.toBytes())}\n`))
  }

  /** Payments made and not yet left in their payees' inboxes (an earlier run stopped or failed on the way). */
  owed(): Array<{ dbc: Dbc; to: BlsPublicKey }> {
    const folder = join(this.dir, OUTBOX)
    if (!existsSync(folder)) return []
    return readdirSync(folder).filter((f) => f.endsWith('.to')).sort().flatMap((file) => {
      try {
        const dbc = decodeDbc(readFileSync(join(this.dir, SENT, file.replace(/\.to$/, '.dbc'))))
        return [{ dbc, to: parseWalletAddress(readFileSync(join(folder, file), 'utf8')) }]
      } catch {
        return []
      }
    })
  }

  /** `dbc` is in its payee's inbox, or handed to the user as a file: no longer owed. */
  delivered(dbc: Dbc): void {
    rmSync(join(this.dir, OUTBOX, `${toHex(dbc.content.owner.toBytes())}.to`), { force: true })
  }

  /** Holds the wallet's lock while `work` runs: two spends at once would spend one DBC twice. */
  async locked<T>(work: () => Promise<T>): Promise<T> {
    const file = join(this.dir, LOCK)
    let fd: number
    try {
      fd = openSync(file, 'wx')
    } catch {
      throw new WalletError({ reason: 'Busy', message: `another spend from ${this.dir} is under way (remove ${file} if none is)` })
    }
    closeSync(fd)
    try {
      return await work()
    } finally {
      rmSync(file, { force: true })
    }
  }
}

/** A payment of `amount` to `address`: a fresh nonce, the owner key derived from it. */
export function payment(address: BlsPublicKey, amount: bigint): { owner: BlsPublicKey; amount: bigint; nonce: Uint8Array } {
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
  return { owner: address.derive(nonce), amount, nonce }
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, bytes, { mode: 0o600 })
  renameSync(tmp, path)
}
