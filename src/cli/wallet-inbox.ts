/**
 * Payments through a wallet's inbox (src/wallet/inbox.ts) over the network: `wallet send` leaves
 * the payee's DBC there, `wallet receive --inbox` takes in what was left.
 */
import { DecryptionFailed, type BlsPublicKey, toHex } from '../crypto/index.ts'
import { type Dbc, DbcUnreadable } from '../dbc/index.ts'
import { MAX_ENTRIES } from '../register/register.ts'
import { inboxAddress, inboxEntry, inboxKey, INBOX_NAME, MAX_SEALED_PAYMENT_BYTES, parseInboxEntry, sealPayment } from '../wallet/inbox.ts'
import { type Wallet, WalletError } from '../wallet/wallet.ts'
import type { Client } from '../client/client.ts'
import { type Register, RegisterFailed } from '../client/index.ts'

/** The inbox could not take the payment: the payer keeps it in a file to hand over. */
export class InboxFailed extends Error {
  override readonly name = 'InboxFailed'
  readonly reason: 'InboxFull' | 'InboxUnreachable'
  constructor(reason: 'InboxFull' | 'InboxUnreachable', message: string) {
    super(message)
    this.reason = reason
  }
}

const notFound = (error: unknown) => error instanceof RegisterFailed && /not found:/.test(error.message)

/** `address`'s inbox, or undefined if nobody has paid it yet. */
async function readInbox(client: Client, address: BlsPublicKey): Promise<Register | undefined> {
  try {
    return await client.readRegister(inboxAddress(address))
  } catch (error) {
    if (notFound(error)) return undefined
    throw error
  }
}

/** Leaves `dbc` in `to`'s inbox: sealed to it, put as a file, the file's address written to the register. */
export async function deliver(client: Client, dbc: Dbc, to: BlsPublicKey): Promise<{ file: string }> {
  try {
    const key = inboxKey(to)
    const inbox = await readInbox(client, to)
    if (inbox !== undefined && inbox.size >= MAX_ENTRIES) throw new InboxFailed('InboxFull', `the payee's inbox holds ${MAX_ENTRIES} entries, its most`)
    const { address: file } = await client.put(sealPayment(dbc, to))
    if (inbox === undefined) await client.createRegister(key, INBOX_NAME)
    await client.writeRegister(key, inboxAddress(to), inboxEntry(file))
    return { file: toHex(file) }
  } catch (error) {
    if (error instanceof InboxFailed) throw error
    throw new InboxFailed('InboxUnreachable', `the payment could not be left in the payee's inbox: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** What one `receive --inbox` did: taken in, and the entries passed over by why. */
export interface Collected {
  readonly received: bigint
  readonly payments: number
  readonly skipped: Record<string, number>
}

/**
 * Takes in every payment in `wallet`'s inbox it has not seen: each opened with its key, checked
 * and deposited (Wallet.deposit). An entry that is not a payment to us is passed over for good; one
 * whose file could not be read now is tried again next time.
 */
export async function collect(client: Client, wallet: Wallet, address: BlsPublicKey): Promise<Collected> {
  const inbox = await readInbox(client, address)
  const seen = wallet.inboxSeen()
  const skipped: Record<string, number> = {}
  const done: string[] = []
  let received = 0n
  let payments = 0
  const skip = (reason: string, hash?: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1
    if (hash !== undefined) done.push(hash)
  }
  try {
    for (const { hash, entry } of inbox?.log() ?? []) {
      const id = toHex(hash)
      if (seen.has(id)) continue
      const file = parseInboxEntry(entry.value)
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
        skip('Unreadable')
        continue
      }
      try {
        received += wallet.deposit(wallet.openPayment(sealed), client.mintTrust)
        payments++
        done.push(id)
      } catch (error) {
        if (error instanceof DecryptionFailed) skip('NotOurs', id)
        else if (error instanceof DbcUnreadable) skip('InvalidDbc', id)
        else if (error instanceof WalletError) skip(error.reason, id)
        else throw error
      }
    }
  } finally {
    wallet.markInboxSeen(done)
  }
  return { received, payments, skipped }
}
