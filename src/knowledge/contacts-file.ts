/**
 * A contacts file (`contacts.json`, written by every node and by `safenet testnet`): the network's
 * id, the addresses of nodes to reach first, and the network contacts — its genesis SAP, trusted
 * on first use, and SAPs each with its proof chain from genesis. Nodes start from one; so do
 * clients.
 */
import { Result, Schema } from 'effect'
import { toHex } from '../crypto/index.ts'
import { Contacts, decodeValue, encodeOwn, type PayloadOf } from '../wire/index.ts'

export interface ContactsFile {
  readonly networkId: string
  readonly peers: ReadonlyArray<string>
  readonly contacts: PayloadOf<'Contacts'>
}

/** Text that is not a contacts file: where it came from and what is wrong. */
export class ContactsFileInvalid extends Schema.TaggedError<ContactsFileInvalid>()('ContactsFileInvalid', {
  message: Schema.String,
}) {}

export function encodeContactsFile(file: ContactsFile): string {
  return `${JSON.stringify({ networkId: file.networkId, peers: file.peers, contacts: toHex(encodeOwn(Contacts, file.contacts)) }, null, 2)}\n`
}

/** Reads a contacts file's text. @throws {ContactsFileInvalid} naming `where` and what is wrong. */
export function decodeContactsFile(text: string, where: string): ContactsFile {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ContactsFileInvalid({ message: `${where} is not JSON: expected a contacts file written by safenet testnet or safenet node` })
  }
  const shape = raw as { networkId?: unknown; peers?: unknown; contacts?: unknown }
  if (typeof shape.networkId !== 'string' || !/^[0-9a-z-]{1,64}$/.test(shape.networkId) || !Array.isArray(shape.peers) || !shape.peers.every((p) => typeof p === 'string') || typeof shape.contacts !== 'string') {
    throw new ContactsFileInvalid({ message: `${where} lacks networkId, peers or contacts` })
  }
  const contacts = decodeValue(Contacts, Buffer.from(shape.contacts, 'hex'))
  if (Result.isFailure(contacts)) throw new ContactsFileInvalid({ message: `${where}: the contacts do not decode (${contacts.failure.message})` })
  return { networkId: shape.networkId, peers: shape.peers, contacts: contacts.success }
}
