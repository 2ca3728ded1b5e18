/**
 * NRS from a client (issue 19; src/register/names.ts): claim a name, point it (and its services)
 * at content, update it, resolve `safe://[service.]name[?v=N]`. A name's owner comes from its
 * record (combined from the elders' shares, `names.ts`); its versions are the entries of the
 * owner's register `nrs/<name>`, oldest first, each a map from service to a content address.
 */
import { Schema } from 'effect'
import { bytesEqual, type NodeKeypair, toHex } from '../crypto/index.ts'
import { decodeTargets, encodeTargets, isContentUrl, isLabel, type NameTargets, nrsRegisterName, parseSafeUrl, SafeUrlInvalid, signClaim } from '../register/names.ts'
import { type RegisterAddress, RegisterOpRefused } from '../register/register.ts'
import { type NameRecord, NameRequest } from './names.ts'
import { createRegister, readRegister, RegisterFailed, writeRegister } from './registers.ts'
import type { ClientSession } from './session.ts'

export const NameFailureReason = Schema.Literals(['NameTaken', 'NotFound', 'NoSuchVersion', 'NoSuchService', 'NotOwner', 'Invalid', 'Unreachable'])
export type NameFailureReason = typeof NameFailureReason.Type

/** A name could not be registered, updated or resolved: which, and why. */
export class NameFailed extends Schema.TaggedError<NameFailed>()('NameFailed', {
  name: Schema.String,
  reason: NameFailureReason,
  message: Schema.String,
}) {}


/** What `safe://…` resolved to. */
export interface Resolved {
  readonly name: string
  readonly service: string
  /** The owner's key, hex. */
  readonly owner: string
  /** The version served (1 = the first), and how many there are. */
  readonly version: number
  readonly versions: number
  /** The content address (`safe://<hex>`) and the path after the host, as asked. */
  readonly target: string
  readonly path: string
}

function fail(name: string, reason: NameFailureReason, message: string): never {
  throw new NameFailed({ name, reason, message })
}

function ask(session: ClientSession, name: string, claim: NameRequest['claim']): Promise<NameRecord | undefined> {
  return new Promise((resolve, reject) => {
    new NameRequest(session, name, claim, (outcome) => {
      if (outcome.ok) resolve(outcome.value)
      else reject(new NameFailed({ name, reason: 'Unreachable', message: `the elders of ${name}'s section did not answer: ${outcome.failure.reason}` }))
    }).start()
  })
}

/**
 * Records a session has checked, by name: a name's first decided claim is its owner for good, so a
 * record once combined and checked never needs asking again (a name not registered yet is not kept).
 */
export const MAX_CACHED_RECORDS = 1_024
const records = new WeakMap<ClientSession, Map<string, NameRecord>>()

function remember(session: ClientSession, record: NameRecord): NameRecord {
  let held = records.get(session)
  if (held === undefined) records.set(session, (held = new Map<string, NameRecord>()))
  held.delete(record.name)
  held.set(record.name, record)
  while (held.size > MAX_CACHED_RECORDS) held.delete(held.keys().next().value!)
  return record
}

/** Who owns `name`: its record, or undefined if no claim of it was decided. */
export async function lookupName(session: ClientSession, name: string): Promise<NameRecord | undefined> {
  if (!isLabel(name)) fail(name, 'Invalid', `"${name}" is not a valid name`)
  const held = records.get(session)?.get(name)
  if (held !== undefined) return held
  const record = await ask(session, name, undefined)
  return record === undefined ? undefined : remember(session, record)
}

/** Claims `name` for `owner`: its record, or `NameTaken` (with the owner) if another claim came first. */
export async function claimName(session: ClientSession, owner: NodeKeypair, name: string): Promise<NameRecord> {
  if (!isLabel(name)) fail(name, 'Invalid', `"${name}" is not a valid name: 1–63 lowercase letters, digits and inner hyphens`)
  const record = await ask(session, name, signClaim(owner, name))
  if (record === undefined) return fail(name, 'Unreachable', 'the elders answered without a record')
  remember(session, record)
  if (!bytesEqual(record.owner, owner.publicKey.bytes)) fail(name, 'NameTaken', `${name} is registered to ${toHex(record.owner).slice(0, 16)}…`)
  return record
}

function registerOf(owner: Uint8Array, name: string): RegisterAddress {
  return { owner, name: nrsRegisterName(name) }
}

function checkTarget(name: string, target: string): void {
  if (!isContentUrl(target)) fail(name, 'Invalid', `a name points to content: safe:// and its 64-hex address (as \`files put\` prints), not ${JSON.stringify(target)}`)
}

/** The versions of a name: its register's entries that are target maps, oldest first. */
async function versionsOf(session: ClientSession, record: NameRecord): Promise<NameTargets[]> {
  let register
  try {
    register = await readRegister(session, registerOf(record.owner, record.name))
  } catch (error) {
    if (error instanceof RegisterFailed) fail(record.name, 'NotFound', `${record.name} is registered but points nowhere yet (${error.message})`)
    throw error
  }
  return register.log().flatMap((n) => {
    const targets = decodeTargets(n.entry.value)
    return targets === undefined ? [] : [targets]
  })
}

async function write(session: ClientSession, owner: NodeKeypair, name: string, targets: NameTargets): Promise<void> {
  try {
    await writeRegister(session, owner, registerOf(owner.publicKey.bytes, name), encodeTargets(targets))
  } catch (error) {
    if (error instanceof SafeUrlInvalid) fail(name, 'Invalid', error.message)
    if (error instanceof RegisterOpRefused) fail(name, 'Invalid', error.message)
    throw error
  }
}

/**
 * Registers `name` for `owner` and points it at `target` (`safe://<address>`): its first version.
 * Registering again a name we own adds a version.
 */
export async function registerName(session: ClientSession, owner: NodeKeypair, name: string, target: string): Promise<{ record: NameRecord; version: number }> {
  checkTarget(name, target)
  const record = await claimName(session, owner, name)
  await createRegister(session, owner, nrsRegisterName(name))
  const before = await versionsOf(session, record).catch(() => [])
  await write(session, owner, name, { ...(before.at(-1) ?? {}), '': target })
  return { record, version: before.length + 1 }
}

/** Points `[service.]name` (a name `owner` owns) at `target`: a new version; the old ones stay. */
export async function updateName(session: ClientSession, owner: NodeKeypair, host: string, target: string): Promise<{ version: number }> {
  const { name, service } = parseSafeUrl(`safe://${host.replace(/^safe:\/\//, '')}`)
  checkTarget(name, target)
  const record = await lookupName(session, name)
  if (record === undefined) fail(name, 'NotFound', `${name} is not registered: \`nrs register ${name} ${target}\` first`)
  if (!bytesEqual(record.owner, owner.publicKey.bytes)) fail(name, 'NotOwner', `${name} is registered to ${toHex(record.owner).slice(0, 16)}…, not to this key`)
  const versions = await versionsOf(session, record).catch(() => [])
  await write(session, owner, name, { ...(versions.at(-1) ?? {}), [service]: target })
  return { version: versions.length + 1 }
}

/** Resolves `safe://[service.]name[/path][?v=N]`: the content address of the latest version, or of version N. */
export async function resolveName(session: ClientSession, url: string): Promise<Resolved> {
  let parsed
  try {
    parsed = parseSafeUrl(url)
  } catch (error) {
    if (error instanceof SafeUrlInvalid) fail(url, 'Invalid', error.message)
    throw error
  }
  const { name, service, path, version } = parsed
  const record = await lookupName(session, name)
  if (record === undefined) fail(name, 'NotFound', `safe://${name} is not registered`)
  const versions = await versionsOf(session, record)
  if (versions.length === 0) fail(name, 'NotFound', `${name} is registered but points nowhere yet`)
  const chosen = version ?? versions.length
  if (chosen > versions.length) fail(name, 'NoSuchVersion', `${name} has ${versions.length} version${versions.length === 1 ? '' : 's'}; there is no version ${chosen}`)
  const target = versions[chosen - 1]![service]
  if (target === undefined) fail(name, 'NoSuchService', `version ${chosen} of ${name} has no service "${service}"`)
  return { name, service, owner: toHex(record.owner), version: chosen, versions: versions.length, target, path }
}
