/**
 * `safenet register create|write|read|log|key` (issue 19): mutable data from the command line.
 * A register is its owner's key and a name; the key is this user's (a 32-byte seed in
 * `.safenet/client/key`, made on first use, never printed) unless `--owner` names another's.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { RegisterFailed, type RegisterAddress, registerName } from '../client/index.ts'
import { connectClient } from './files.ts'
import { NodeKeypair, toHex } from '../crypto/index.ts'

export const REGISTER_USAGE = `usage: safenet register create NAME [--writer PUBLIC_KEY]... [--json]
       safenet register write NAME VALUE [--owner PUBLIC_KEY] [--json]
       safenet register read NAME [--owner PUBLIC_KEY] [--json]
       safenet register log NAME [--owner PUBLIC_KEY] [--json]
       safenet register key [--json]

A register is mutable data: entries signed by its owner or a writer its owner named, each
superseding the entries it saw; concurrent writes are kept as branches until a write merges them.

  create   makes the register NAME, owned by your key; --writer (repeatable, hex) lets others write
  write    writes VALUE (text, at most 1 KiB) superseding every current entry
  read     prints the current value (one line per branch)
  log      prints every entry, oldest first: hash, author, value
  key      prints your public key (hex): what an owner passes as --writer

  --owner PUBLIC_KEY   the register's owner, if not you
  --key FILE           your key (default .safenet/client/key; made on first use, mode 600)
  --contacts FILE      the network (default .safenet/testnet/contacts.json)
  --json               print one JSON object`

export class RegisterUsageError extends Error {}

/** This user's key file, unless `--key` names another. */
export const DEFAULT_KEY = join('.safenet', 'client', 'key')

/** This user's key: read from `path`, or made there (a 32-byte seed, hex, readable by the user only). */
export function userKey(path: string): NodeKeypair {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true })
    const key = NodeKeypair.generate()
    writeFileSync(path, `${toHex(key.seed())}\n`, { mode: 0o600 })
    chmodSync(path, 0o600)
    return key
  }
  const hex = readFileSync(path, 'utf8').trim()
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new RegisterUsageError(`${path} is not a key file (64 hex digits)`)
  return NodeKeypair.fromSeed(Buffer.from(hex, 'hex'))
}

function publicKey(text: string, flag: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new RegisterUsageError(`${flag} must be a public key, 64 hex digits, got ${JSON.stringify(text)}`)
  return Buffer.from(text, 'hex')
}

export async function runRegister(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      owner: { type: 'string' },
      writer: { type: 'string', multiple: true },
      key: { type: 'string' },
      contacts: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(REGISTER_USAGE)
    return 0
  }
  const [action, name, value] = positionals
  const actions = ['create', 'write', 'read', 'log', 'key']
  if (action === undefined || !actions.includes(action)) throw new RegisterUsageError(`expected ${actions.join(', ')}, got ${JSON.stringify(action ?? '')}`)
  const key = userKey(values.key ?? DEFAULT_KEY)
  if (action === 'key') return print(values.json, { publicKey: toHex(key.publicKey.bytes) }, toHex(key.publicKey.bytes))
  if (name === undefined) throw new RegisterUsageError(`${action} needs a register NAME`)
  if (action === 'write' && value === undefined) throw new RegisterUsageError('write needs a VALUE')
  if (positionals.length > (action === 'write' ? 3 : 2)) throw new RegisterUsageError(`too many arguments: ${positionals.slice(action === 'write' ? 3 : 2).join(' ')}`)
  if (action === 'create' && values.owner !== undefined) throw new RegisterUsageError('create makes a register of your own key: no --owner')
  const writers = (values.writer ?? []).map((w) => publicKey(w, '--writer'))
  const address: RegisterAddress = { owner: values.owner === undefined ? key.publicKey.bytes : publicKey(values.owner, '--owner'), name }
  const client = await connectClient(values.contacts, RegisterUsageError)
  const where = { register: registerName(address).toHex(), owner: toHex(address.owner), name }
  try {
    switch (action) {
      case 'create': {
        await client.createRegister(key, name, writers)
        return print(values.json, { ...where, writers: writers.map(toHex) }, `created register "${name}" (${where.register.slice(0, 16)}…), owner ${where.owner.slice(0, 16)}…`)
      }
      case 'write': {
        const written = await client.writeRegister(key, address, new TextEncoder().encode(value))
        return print(values.json, { ...where, entry: written.hash }, `wrote entry ${written.hash.slice(0, 16)}…`)
      }
      default: {
        const register = await client.readRegister(address)
        const entries = (action === 'read' ? register.read() : register.log()).map((n) => ({ hash: toHex(n.hash), author: toHex(n.entry.author), parents: n.entry.parents.map(toHex), value: new TextDecoder().decode(n.entry.value) }))
        const text = action === 'read' ? entries.map((e) => e.value).join('\n') : entries.map((e) => `${e.hash.slice(0, 12)} ${e.author.slice(0, 12)} ${e.value}`).join('\n')
        return print(values.json, { ...where, size: register.size, ...(action === 'read' ? { heads: entries } : { entries }) }, text)
      }
    }
  } catch (error) {
    // A register the network refuses (not found, not a writer): a clear message, exit 1.
    if (error instanceof RegisterFailed) {
      console.error(`safenet register: ${error.message}`)
      return 1
    }
    throw error
  } finally {
    await client.close()
  }
}

function print(json: boolean, object: Record<string, unknown>, text: string): number {
  console.log(json ? JSON.stringify(object) : text)
  return 0
}
