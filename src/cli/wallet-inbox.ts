/**
 * Payments through a wallet's inbox (src/wallet/inbox.ts) over the network: `wallet send` leaves
 * the payee's DBC there, `wallet receive --inbox` takes in what was left.
 */
import { DecryptionFailed, type BlsPublicKey, toHex } from '../crypto/index.ts'
import { type Dbc, DbcUnreadable } from '../dbc/index.ts'
import { inboxEntry, inboxAddress, inboxKey, INBOX_NAME, MAX_INBOX_FETCHES, MAX_SEALED_PAYMENT_BYTES, parseInboxEntry, sealPayment, UNREADABLE_RUNS } from '../wallet/inbox.ts'
import { type Wallet, WalletError } from '../wallet/wallet.ts'
import type { Client } from '../client/client.ts'
import { type Register, RegisterFailed } from '../client/index.ts'

/**
 * Leaves `dbc` in `to`'s inbox: sealed to it, put as a file, the file's address added to the
 * register as an entry of its own (no read, and no merge that a crowded inbox could refuse).
 * {@link WalletError} `InboxFull` or `InboxUnreachable` if it could not.
 */
export async function deliver(client: Client, dbc: Dbc, to: BlsPublicKey): Promise<{ file: string }> {
  const sealed = sealPayment(dbc, to)
  if (sealed.length > MAX_SEALED_PAYMENT_BYTES) {
    throw new WalletError({ reason: 'InboxUnreachable', message: `the sealed payment is ${sealed.length} bytes, more than an inbox entry may point at (${MAX_SEALED_PAYMENT_BYTES})` })
  }
  try {
    const { address: file } = await client.put(sealed)
    await client.addToRegister(inboxKey(to), INBOX_NAME, inboxEntry(file))
    return { file: toHex(file) }
  } catch (error) {
    if (error instanceof RegisterFailed && error.refused === 'Full') throw new WalletError({ reason: 'InboxFull', message: 'the payee\'s inbox is full' })
    throw new WalletError({ reason: 'InboxUnreachable', message: `the payment could not be left in the payee's inbox: ${error instanceof Error ? error.message : String(error)}` })
  }
}

/** What one `receive --inbox` did: taken in, the entries passed over by why, and those left for the next run. */
export interface Collected {
  readonly received: bigint
  readonly payments: number
  readonly skipped: Record<string, number>
  readonly left: number
}

/**
 * Takes in the payments in `wallet`'s inbox it has not seen, at most {@link MAX_INBOX_FETCHES} a
 * run: each opened with its key, checked and deposited (Wallet.deposit). Each entry's verdict is
 * kept as it is reached (an interrupted run loses nothing). An entry that is not a payment to us is
 * passed over for good; one whose file could not be read is tried again by the next runs, up to
 * {@link UNREADABLE_RUNS}.
 */
export async function collect(client: Client, wallet: Wallet, address: BlsPublicKey): Promise<Collected> {
  let inbox: Register | undefined
  try {
    inbox = await client.readRegister(inboxAddress(address))
  } catch (error) {
    if (!(error instanceof RegisterFailed)) throw error
    if (error.notFound !== true) throw new WalletError({ reason: 'InboxUnreachable', message: `the inbox could not be read: ${error.message}` })
  }
  const seen = wallet.inboxSeen()
  const fresh = (inbox?.log() ?? []).map((n) => ({ id: toHex(n.hash), value: n.entry.value })).filter((e) => !seen.has(e.id))
  const skipped: Record<string, number> = {}
  let received = 0n
  let payments = 0
  const skip = (reason: string, id: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1
    wallet.markInboxSeen(id)
  }
  for (const { id, value } of fresh.slice(0, MAX_INBOX_FETCHES)) {
    const file = parseInboxEntry(value)
    if (file === undefined) {
      skip('Malformed', id)
      continue
    }
    let sealed: Uint8Array
    try {
      const { sizeBytes } = await client.stat(file)
      if (sizeBytes > MAX_SEALED_PAYMENT_BYTES) {
        skip('TooLarge', id)
        continue
      }
      sealed = await client.getBytes(file)
    } catch {
      if (wallet.markInboxUnreadable(id) >= UNREADABLE_RUNS) skip('UnreadableGivenUp', id)
      else skipped.Unreadable = (skipped.Unreadable ?? 0) + 1
      continue
    }
    try {
      received += wallet.deposit(wallet.openPayment(sealed), client.mintTrust)
      payments++
      wallet.markInboxSeen(id)
    } catch (error) {
      if (error instanceof DecryptionFailed) skip('NotOurs', id)
      else if (error instanceof DbcUnreadable) skip('InvalidDbc', id)
      else if (error instanceof WalletError) skip(error.reason, id)
      else throw error
    }
  }
  return { received, payments, skipped, left: Math.max(0, fresh.length - MAX_INBOX_FETCHES) }
}
