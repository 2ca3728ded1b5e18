/**
 * `safenet wallet address|balance|send|receive|faucet` (issue 20): digital bearer certificates.
 * The keys and DBCs live in a wallet folder (src/wallet); a payment is a reissue through the
 * network's mint (the client writes each input's spentbook entry, the input sections' elders sign),
 * and the recipient's DBC is left in their inbox (src/wallet/inbox.ts) or written to a file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ClientInputInvalid, ReissueFailed } from '../client/index.ts'
import { toHex } from '../crypto/index.ts'
import { type Dbc, DbcUnreadable, decodeDbc, DoubleSpend, encodeDbc, formatAmount, parseAmount, type Transaction } from '../dbc/index.ts'
import { type Owned, parseWalletAddress, Wallet, WalletError } from '../wallet/wallet.ts'
import { connectClient } from './files.ts'
import { collect, deliver } from './wallet-inbox.ts'
import type { Client } from '../client/client.ts'

export const DEFAULT_WALLET = '.safenet/wallet'
/** The faucet wallet the first node of a local testnet (`npm start`) makes. */
export const DEFAULT_FAUCET = join('.safenet', 'testnet', 'node-00', 'faucet')

export const WALLET_USAGE = `usage: safenet wallet address [--json]
       safenet wallet balance [--json]
       safenet wallet send AMOUNT --to ADDRESS [--out FILE] [--json]
       safenet wallet receive FILE|--inbox [--json]
       safenet wallet faucet AMOUNT [--faucet DIR] [--json]

Digital bearer certificates (DBCs). Amounts are tokens with up to 9 decimals (1.5, 0.000000001).

  address   prints where to pay you (your main public key; made on first use). Each payment is
            owned by a one-time key derived from it: no key is used twice
  balance   the DBCs you hold and their sum
  send      pays AMOUNT to ADDRESS: your DBCs reissued by the network's mint, the change back to
            you; the recipient's DBC is left in their inbox, sealed to them (or, with --out FILE,
            written there for you to hand over; if the inbox cannot take it, to ./payment-XXXXXXXX.dbc)
  receive   takes DBCs paid to you (checked against the network's mint keys) into your wallet: from
            FILE, or with --inbox every payment left in your inbox since you last looked
  faucet    on a local testnet: AMOUNT from the genesis DBC's faucet wallet (made by the first node)

  --wallet DIR         your wallet (default ${DEFAULT_WALLET}; the key file is mode 600, never printed)
  --faucet DIR         the faucet wallet (default ${DEFAULT_FAUCET})
  --contacts FILE      the network (default .safenet/testnet/contacts.json)
  --json               print one JSON object

Errors (exit 1, with --json {"error": REASON, "message"}): InsufficientFunds, NotOurs (a DBC not
paid to this wallet), AlreadyHeld, InvalidDbc, DoubleSpend (a DBC already spent), BadAddress,
BadAmount, Busy (another spend from the wallet is under way), NoWallet, NoMint (the network has
no genesis DBC), Refused, Unanswered; InboxFull, InboxUnreachable (the payment was made and is in
the file the message names: hand it over).`

export class WalletUsageError extends Error {}

export async function runWallet(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      wallet: { type: 'string' },
      faucet: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      inbox: { type: 'boolean', default: false },
      contacts: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(WALLET_USAGE)
    return 0
  }
  const [action, subject] = positionals
  const arity: Record<string, number> = { address: 1, balance: 1, send: 2, receive: 2, faucet: 2 }
  if (action === undefined || arity[action] === undefined) throw new WalletUsageError(`expected ${Object.keys(arity).join(', ')}, got ${JSON.stringify(action ?? '')}`)
  if (action === 'receive' && values.inbox) {
    if (positionals.length !== 1) throw new WalletUsageError('receive takes a FILE or --inbox, not both')
  } else if (action === 'receive' && positionals.length !== 2) {
    throw new WalletUsageError('receive takes a FILE, or --inbox: see --help')
  } else if (values.inbox) {
    throw new WalletUsageError('--inbox goes with receive (send leaves a payment in the inbox unless --out is given)')
  } else if (positionals.length !== arity[action]) throw new WalletUsageError(`${action} takes ${arity[action] - 1} argument${arity[action] === 2 ? '' : 's'}: see --help`)
  const amount = action === 'send' || action === 'faucet' ? parseAmount(subject!) : undefined
  if ((action === 'send' || action === 'faucet') && (amount === undefined || amount === 0n)) throw new WalletUsageError(`${JSON.stringify(subject)} is not an amount: tokens with up to 9 decimals, more than 0`)
  if (action === 'send' && values.to === undefined) throw new WalletUsageError('send needs --to ADDRESS (as the recipient\'s `wallet address` prints)')
  const dir = values.wallet ?? DEFAULT_WALLET
  const print = (object: Record<string, unknown>, text: string): number => {
    console.log(values.json ? JSON.stringify(object) : text)
    return 0
  }
  try {
    if (action === 'address') {
      const wallet = Wallet.create(dir)
      return print({ address: wallet.address, wallet: dir }, wallet.address)
    }
    // Receiving makes the wallet on first use; spending and counting need one.
    const wallet = action === 'receive' || action === 'faucet' ? Wallet.create(dir) : Wallet.open(dir)
    if (action === 'balance') {
      const owned = wallet.owned()
      const total = owned.reduce((sum, o) => sum + o.dbc.content.amount, 0n)
      return print({ balance: formatAmount(total), nanos: total.toString(), dbcs: owned.length }, `${formatAmount(total)} (${owned.length} DBC${owned.length === 1 ? '' : 's'})`)
    }
    if (action === 'send') {
      const to = parseWalletAddress(values.to!)
      // Where the recipient's DBC goes is checked before anything is spent (a DBC not written is lost to them).
      if (values.out !== undefined && !existsSync(dirname(resolve(values.out)))) throw new WalletUsageError(`${values.out}: no such folder for the payment's DBC`)
      const client = await connectClient(values.contacts, WalletUsageError)
      try {
        // Payments an earlier run made and did not leave in their inboxes (it stopped, or failed): now.
        for (const owed of wallet.owed()) {
          await deliver(client, owed.dbc, owed.to).then(
            () => wallet.delivered(owed.dbc),
            (error: unknown) => console.error(`safenet wallet: a payment an earlier run made is still not in its payee's inbox (kept in ${join(wallet.dir, 'sent')}; tried again at the next send): ${error instanceof Error ? error.message : String(error)}`),
          )
        }
        const paid = await pay(client, wallet, amount!, to)
        const sent = { sent: formatAmount(amount!), to: values.to }
        if (values.out === undefined) {
          // Owed from now until it is in the inbox or in a file the user holds: a stop on the way loses nothing.
          wallet.owe(paid, to)
          try {
            const { file } = await deliver(client, paid, to)
            wallet.delivered(paid)
            return print({ ...sent, inbox: file, balance: formatAmount(wallet.balance()) }, `sent ${formatAmount(amount!)} to the recipient's inbox (they take it in with: safenet wallet receive --inbox); balance ${formatAmount(wallet.balance())}`)
          } catch (error) {
            if (!(error instanceof WalletError)) throw error
            // Paid, but not delivered: the DBC goes to a file for the user to hand over (it is in the wallet's sent/ too).
            const out = `payment-${toHex(paid.content.owner.toBytes()).slice(0, 8)}.dbc`
            try {
              writeFileSync(out, encodeDbc(paid), { mode: 0o600 })
            } catch (cause) {
              throw new WalletError({ reason: error.reason, message: `${error.message}; the payment is made and kept in ${join(wallet.dir, 'sent')} (${out} could not be written: ${cause instanceof Error ? cause.message : String(cause)}): the next send leaves it in the inbox` })
            }
            wallet.delivered(paid)
            throw new WalletError({ reason: error.reason, message: `${error.message}; the payment is made and written to ${out}: give it to the recipient (safenet wallet receive ${out})`, file: out })
          }
        }
        writeFileSync(values.out, encodeDbc(paid), { mode: 0o600 })
        return print({ ...sent, file: values.out, balance: formatAmount(wallet.balance()) }, `sent ${formatAmount(amount!)} → ${values.out} (give it to the recipient: safenet wallet receive ${values.out}); balance ${formatAmount(wallet.balance())}`)
      } finally {
        await client.close()
      }
    }
    if (action === 'receive' && values.inbox) {
      const client = await connectClient(values.contacts, WalletUsageError)
      try {
        const { received, payments, skipped, left } = await collect(client, wallet, parseWalletAddress(wallet.address))
        const passed = Object.entries(skipped).map(([why, n]) => `${n} ${why}`).join(', ')
        const more = left === 0 ? '' : `; ${left} more entries: run it again`
        return print({ received: formatAmount(received), payments, skipped, left, balance: formatAmount(wallet.balance()) }, `received ${formatAmount(received)} in ${payments} payment${payments === 1 ? '' : 's'}${passed === '' ? '' : ` (passed over: ${passed})`}; balance ${formatAmount(wallet.balance())}${more}`)
      } finally {
        await client.close()
      }
    }
    if (action === 'receive') {
      if (!existsSync(subject!)) throw new WalletUsageError(`${subject}: no such file`)
      const dbc = decodeDbc(readFileSync(subject!))
      const client = await connectClient(values.contacts, WalletUsageError)
      try {
        const received = wallet.deposit(dbc, client.mintTrust)
        return print({ received: formatAmount(received), balance: formatAmount(wallet.balance()) }, `received ${formatAmount(received)}; balance ${formatAmount(wallet.balance())}`)
      } finally {
        await client.close()
      }
    }
    // faucet: the faucet wallet pays us, and the DBC goes straight into our wallet.
    const faucetDir = values.faucet ?? DEFAULT_FAUCET
    if (!existsSync(faucetDir)) throw new WalletUsageError(`${faucetDir}: no faucet wallet (it is made by a local testnet's first node: \`npm start\`; or pass --faucet DIR)`)
    const faucet = Wallet.open(faucetDir)
    const client = await connectClient(values.contacts, WalletUsageError)
    try {
      const trust = client.mintTrust // NoMint before the faucet pays anything
      const paid = await pay(client, faucet, amount!, parseWalletAddress(wallet.address))
      wallet.deposit(paid, trust)
      return print({ received: formatAmount(amount!), balance: formatAmount(wallet.balance()) }, `received ${formatAmount(amount!)} from the faucet; balance ${formatAmount(wallet.balance())}`)
    } finally {
      await client.close()
    }
  } catch (error) {
    const failure = walletFailure(error)
    if (failure === undefined) throw error
    if (values.json) console.log(JSON.stringify({ error: failure.reason, message: failure.message, ...(failure.file === undefined ? {} : { file: failure.file }) }))
    console.error(`safenet wallet: ${failure.message}`)
    return 1
  }
}

/**
 * Pays `amount` from `wallet` to `to` (under its lock); the recipient's DBC. A transaction an
 * earlier run left pending (its answer lost: a timeout, a crash) is finished first — its spends may
 * be decided already, and no other transaction of those inputs could be — and what it paid is kept
 * in the wallet's `sent/`. A DBC found spent in another transaction is put out of the wallet.
 */
async function pay(client: Client, wallet: Wallet, amount: bigint, to: ReturnType<typeof parseWalletAddress>): Promise<Dbc> {
  return wallet.locked(async () => {
    for (const earlier of wallet.pending()) {
      // Some input no longer held: it was settled (a crash before the pending file went) or found spent.
      if (earlier.inputs.length !== earlier.tx.inputs.length) {
        wallet.dropPending(earlier.tx)
        continue
      }
      await reissueKept(client, wallet, earlier.tx, earlier.inputs)
      console.error(`safenet wallet: finished a payment an earlier run left pending (its DBCs are in ${join(wallet.dir, 'sent')})`)
    }
    const { tx, inputs } = wallet.plan(amount, to)
    return (await reissueKept(client, wallet, tx, inputs))[0]!
  })
}

/** Reissues `tx`, kept pending until minted; settled into the wallet, or its spent inputs put out of it. */
async function reissueKept(client: Client, wallet: Wallet, tx: Transaction, inputs: Owned[]): Promise<Dbc[]> {
  wallet.savePending(tx)
  try {
    const outputs = await client.reissue(tx, inputs)
    wallet.settle(inputs, outputs, tx)
    return outputs
  } catch (error) {
    if (error instanceof DoubleSpend) {
      // Another transaction has that input: this one will never be minted.
      for (const input of inputs) if (toHex(input.dbc.content.owner.toBytes()) === toHex(error.spendKey)) wallet.markSpent(input.dbc)
      wallet.dropPending(tx)
    }
    throw error
  }
}

function walletFailure(error: unknown): { reason: string; message: string; file?: string } | undefined {
  if (error instanceof WalletError) return { reason: error.reason, message: error.message, ...(error.file === undefined ? {} : { file: error.file }) }
  if (error instanceof DoubleSpend) return { reason: 'DoubleSpend', message: `${error.message}: that DBC is already spent (it is out of your wallet now)` }
  if (error instanceof DbcUnreadable) return { reason: 'InvalidDbc', message: error.message }
  if (error instanceof ReissueFailed) return { reason: /did not answer/.test(error.message) ? 'Unanswered' : 'Refused', message: error.message }
  if (error instanceof ClientInputInvalid) return { reason: 'NoMint', message: error.message }
  return undefined
}
