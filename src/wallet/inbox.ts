/**
 * A wallet's inbox (issue 20): where a payer leaves a DBC for an address, so that nothing has to
 * be handed over by hand. It is a register (issue 19) found from the address alone:
 *
 *   key   = Ed25519 from SHA3("safenet/wallet/inbox-key/v1" ‖ address)   (anyone can derive it)
 *   inbox = the register (key, "inbox")
 *
 * Anyone may write it, on purpose: the key is public. A payer puts the DBC sealed to the address
 * (ECIES over G1, src/crypto/bls-seal.ts: only the payee reads it, so its owner key and nonce stay
 * private) as a file, and adds the file's address to the inbox as an entry of its own (no merge:
 * an inbox is a set, and a merge of more than MAX_PARENTS branches would be refused); the payee
 * reads the inbox's log and takes in each DBC it has not seen. Nothing written there is trusted: a
 * DBC must open with the wallet's key, be valid under the network's mint keys and be ours
 * (`Wallet.deposit`); an entry pointing at more than {@link MAX_SEALED_PAYMENT_BYTES} is not
 * fetched, a run fetches at most {@link MAX_INBOX_FETCHES}, and a file that cannot be read is given
 * up after {@link UNREADABLE_RUNS} runs. Since anyone may write, anyone may fill it: an inbox holds
 * register.MAX_ENTRIES entries; past that a payer is told `InboxFull`. A payment is kept owed
 * (`Wallet.owe`) from the moment it is minted until it is in the inbox or written to a file for
 * the user to hand over: the next `send` delivers what an interrupted one did not.
 */
import { type BlsPublicKey, domain, NodeKeypair, sealToBlsKey, sha3_256 } from '../crypto/index.ts'
import { type Dbc, encodeDbc } from '../dbc/index.ts'
import type { RegisterAddress } from '../register/register.ts'

/** The inbox register's name under its derived key. */
export const INBOX_NAME = 'inbox'
/**
 * A sealed payment larger than this is not put in an inbox (the payer writes it to a file) nor
 * fetched from one. A DBC carries, per input section, a SAP (~1 KiB) and its key's chain from
 * genesis (144 B a link): 16 inputs with 400-link chains stay under it.
 */
export const MAX_SEALED_PAYMENT_BYTES = 1024 * 1024
/** Entries one `receive --inbox` fetches; the rest wait for the next run (reported as `left`). */
export const MAX_INBOX_FETCHES = 256
/** Runs in which an entry's file could not be read before it is given up (`UnreadableGivenUp`). */
export const UNREADABLE_RUNS = 3

const INBOX_KEY_TAG = domain('safenet/wallet/inbox-key/v1')
const PAYMENT_TAG = domain('safenet/wallet/payment/v1')
/** An inbox entry: this version byte, then the sealed payment's file address. */
const ENTRY_VERSION = 1
const FILE_ADDRESS_BYTES = 32

/** The key that writes `address`'s inbox (derived from the address: public, on purpose). */
export function inboxKey(address: BlsPublicKey): NodeKeypair {
  return NodeKeypair.fromSeed(sha3_256(INBOX_KEY_TAG, address.toBytes()))
}

/** Where `address`'s inbox lives. */
export function inboxAddress(address: BlsPublicKey): RegisterAddress {
  return { owner: inboxKey(address).publicKey.bytes, name: INBOX_NAME }
}

/** What a payment to `address` is sealed under (authenticated, so a seal is for this address only). */
export function paymentContext(address: BlsPublicKey): Uint8Array {
  return sha3_256(PAYMENT_TAG, address.toBytes())
}

/** An inbox entry's value: the sealed payment's file address. */
export function inboxEntry(file: Uint8Array): Uint8Array {
  if (file.length !== FILE_ADDRESS_BYTES) throw new RangeError(`a file address is ${FILE_ADDRESS_BYTES} bytes, got ${file.length}`)
  return Uint8Array.of(ENTRY_VERSION, ...file)
}

/** The file address an inbox entry names, or undefined if it is not one (anyone may write the inbox). */
export function parseInboxEntry(value: Uint8Array): Uint8Array | undefined {
  if (value.length !== 1 + FILE_ADDRESS_BYTES || value[0] !== ENTRY_VERSION) return undefined
  return value.slice(1)
}

/** `dbc` sealed for `address`'s wallet alone (it opens it with `Wallet.openPayment`). */
export function sealPayment(dbc: Dbc, address: BlsPublicKey): Uint8Array {
  return sealToBlsKey(address, encodeDbc(dbc), paymentContext(address))
}
