/**
 * `safenet nrs register|update|resolve|whois` (issue 19): names for content. The first decided
 * claim of a name wins (its section's elders sign the record); the name's versions are entries of
 * its owner's register, so `?v=N` reaches every older one.
 */
import { parseArgs } from 'node:util'
import { NameFailed, parseSafeUrl, SafeUrlInvalid } from '../client/index.ts'
import { isContentUrl, isLabel } from '../register/names.ts'
import { toHex } from '../crypto/index.ts'
import { connectClient } from './files.ts'
import { DEFAULT_KEY, userKey } from './register.ts'

export const NRS_USAGE = `usage: safenet nrs register NAME safe://ADDRESS [--json]
       safenet nrs update [SERVICE.]NAME safe://ADDRESS [--json]
       safenet nrs resolve safe://[SERVICE.]NAME[?v=N] [--json]
       safenet nrs whois NAME [--json]

Names for content (safe://NAME, safe://SERVICE.NAME). The first registration of a name decided by
its section wins; every update is a new version and the old ones stay (?v=1 is the first).

  register   claims NAME for your key and points it at ADDRESS (as \`files put\` prints)
  update     points NAME, or its SERVICE, at ADDRESS: a new version (you must own NAME)
  resolve    prints the address the name points to, its version and how many there are
  whois      prints the owner's public key (hex), or that nobody registered NAME

  --key FILE           your key (default .safenet/client/key; made on first use, mode 600)
  --contacts FILE      the network (default .safenet/testnet/contacts.json)
  --json               print one JSON object`

export class NrsUsageError extends Error {}

export async function runNrs(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      key: { type: 'string' },
      contacts: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(NRS_USAGE)
    return 0
  }
  const [action, subject, target] = positionals
  const arity: Record<string, number> = { register: 3, update: 3, resolve: 2, whois: 2 }
  if (action === undefined || arity[action] === undefined) throw new NrsUsageError(`expected ${Object.keys(arity).join(', ')}, got ${JSON.stringify(action ?? '')}`)
  if (positionals.length !== arity[action]) throw new NrsUsageError(`${action} takes ${arity[action] - 1} argument${arity[action] === 2 ? '' : 's'}: see --help`)
  // What can be checked before the network is: the name (or URL) and the address.
  try {
    if (action === 'resolve') parseSafeUrl(subject!.startsWith('safe://') ? subject! : `safe://${subject!}`)
    else if (action === 'update') parseSafeUrl(`safe://${subject!.replace(/^safe:\/\//, '')}`)
    else if (!isLabel(subject!)) throw new SafeUrlInvalid(`"${subject!}" is not a valid name: 1–63 lowercase letters, digits and inner hyphens`)
  } catch (error) {
    if (error instanceof SafeUrlInvalid) throw new NrsUsageError(error.message)
    throw error
  }
  if (target !== undefined && !isContentUrl(target)) throw new NrsUsageError(`a name points to content: safe:// and its 64-hex address (as \`files put\` prints), not ${JSON.stringify(target)}`)
  const client = await connectClient(values.contacts, NrsUsageError)
  const print = (object: Record<string, unknown>, text: string): number => {
    console.log(values.json ? JSON.stringify(object) : text)
    return 0
  }
  try {
    switch (action) {
      case 'register': {
        const key = userKey(values.key ?? DEFAULT_KEY)
        const { record, version } = await client.registerName(key, subject!, target!)
        return print({ name: subject, owner: toHex(record.owner), target, version }, `safe://${subject} → ${target} (version ${version}); owner ${toHex(record.owner).slice(0, 16)}…`)
      }
      case 'update': {
        const key = userKey(values.key ?? DEFAULT_KEY)
        const { version } = await client.updateName(key, subject!, target!)
        return print({ name: subject, target, version }, `safe://${subject!.replace(/^safe:\/\//, '')} → ${target} (version ${version})`)
      }
      case 'resolve': {
        const url = subject!.startsWith('safe://') ? subject! : `safe://${subject!}`
        const resolved = await client.resolveName(url)
        return print({ ...resolved }, `${resolved.target}${resolved.path} (version ${resolved.version} of ${resolved.versions})`)
      }
      default: {
        const record = await client.lookupName(subject!)
        if (record === undefined) return print({ name: subject, owner: null }, `${subject} is not registered`)
        return print({ name: subject, owner: toHex(record.owner), sectionKey: record.sap.sap.sectionKey().toHex() }, toHex(record.owner))
      }
    }
  } catch (error) {
    if (error instanceof NameFailed || error instanceof SafeUrlInvalid) {
      if (values.json) console.log(JSON.stringify({ error: error instanceof NameFailed ? error.reason : 'Invalid', message: error.message }))
      console.error(`safenet nrs: ${error.message}`)
      return 1
    }
    throw error
  } finally {
    await client.close()
  }
}
