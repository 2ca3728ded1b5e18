/**
 * Names (issue 19, NRS; DESIGN.md §10): `safe://name` and `safe://service.name`. A name is
 * registered once: its registrant signs a claim (`claimBytes`), the section responsible for the
 * name's XorName (`nameXor`) decides it in its generation agreement, the first decided claim wins,
 * and the section's elders sign a record `name → owner` (`recordBytes`) only for the winner. The
 * record, combined from a supermajority of their shares, is the proof of ownership.
 *
 * What a name points to lives in a register of its owner (`nrsRegisterName`): each entry a version,
 * a JSON map from service (`''` for the name itself) to a `safe://` address. Older versions stay.
 */
import { concatBytes, domain, type NodeKeypair, NodePublicKey, sha3_256 } from '../crypto/index.ts'
import { XorName } from '../xor/index.ts'
import { MAX_VALUE_BYTES } from './register.ts'

/** Characters of one label (name or service): DNS's 63, lowercase letters, digits and inner hyphens. */
export const MAX_LABEL_LENGTH = 63
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

const encoder = new TextEncoder()
const NAME_TAG = domain('safenet/nrs/name/v1')
const CLAIM_TAG = domain('safenet/nrs/claim/v1')
const RECORD_TAG = domain('safenet/nrs/record/v1')

/** Whether `label` is a valid name or service label. */
export function isLabel(label: string): boolean {
  return LABEL.test(label)
}

/** Where a name lives in XOR space: the section responsible for it decides its claims. */
export function nameXor(name: string): XorName {
  return XorName.fromBytes(sha3_256(NAME_TAG, encoder.encode(name)))
}

function nameBytes(name: string): Uint8Array {
  const bytes = encoder.encode(name)
  return concatBytes(Uint8Array.of(bytes.length), bytes)
}

/** What a registrant signs to claim `name` for `owner` (its Ed25519 key). */
export function claimBytes(name: string, owner: Uint8Array): Uint8Array {
  return concatBytes(CLAIM_TAG, nameBytes(name), owner)
}

/** Whether `signature` is `owner`'s over its claim of `name`, and `name` is a valid name. */
export function claimValid(name: string, owner: Uint8Array, signature: Uint8Array): boolean {
  if (!isLabel(name)) return false
  try {
    return NodePublicKey.fromBytes(owner).verify(claimBytes(name, owner), signature)
  } catch {
    return false
  }
}

/** A registrant's claim of `name`, signed with its key. */
export function signClaim(owner: NodeKeypair, name: string): { readonly name: string; readonly owner: Uint8Array; readonly signature: Uint8Array } {
  return { name, owner: owner.publicKey.bytes, signature: owner.sign(claimBytes(name, owner.publicKey.bytes)) }
}

/** What the name's section key signs: `name` belongs to `owner`. */
export function recordBytes(name: string, owner: Uint8Array): Uint8Array {
  return concatBytes(RECORD_TAG, nameBytes(name), owner)
}

/** The register (of the name's owner) whose entries are the name's versions. */
export function nrsRegisterName(name: string): string {
  return `nrs/${name}`
}

/** A `safe://` URL taken apart: the name, the service (`''` for none), the path, a version. */
export interface SafeUrl {
  readonly name: string
  readonly service: string
  readonly path: string
  readonly version?: number
}

export class SafeUrlInvalid extends Error {
  readonly _tag = 'SafeUrlInvalid'
}

/**
 * `safe://[service.]name[/path][?v=N]` → its parts. Throws {@link SafeUrlInvalid} with the reason
 * (a label that is not one, a version that is not a positive integer, more than two labels).
 */
export function parseSafeUrl(url: string): SafeUrl {
  const match = /^safe:\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?$/.exec(url)
  if (match === null) throw new SafeUrlInvalid(`not a safe:// URL: ${JSON.stringify(url)}`)
  const labels = match[1]!.toLowerCase().split('.')
  if (labels.length > 2) throw new SafeUrlInvalid(`a safe:// host is name or service.name, not ${labels.length} labels`)
  for (const label of labels) if (!isLabel(label)) throw new SafeUrlInvalid(`"${label}" is not a valid name: 1–${MAX_LABEL_LENGTH} lowercase letters, digits and inner hyphens`)
  const name = labels[labels.length - 1]!
  const service = labels.length === 2 ? labels[0]! : ''
  let version: number | undefined
  for (const pair of (match[3] ?? '').split('&').filter((p) => p.length > 0)) {
    const [key, value] = pair.split('=')
    if (key !== 'v') continue
    if (value === undefined || !/^[1-9][0-9]{0,8}$/.test(value)) throw new SafeUrlInvalid(`?v= takes a version number from 1, not ${JSON.stringify(value ?? '')}`)
    version = Number(value)
  }
  let path: string
  try {
    path = decodeURIComponent(match[2] ?? '')
  } catch {
    throw new SafeUrlInvalid(`the path of ${JSON.stringify(url)} is not valid percent-encoding`)
  }
  return { name, service, path, ...(version === undefined ? {} : { version }) }
}

/** Whether `target` is what a name points to: `safe://` and a content address's 64 hex digits. */
export function isContentUrl(target: string): boolean {
  return /^safe:\/\/[0-9a-f]{64}$/.test(target)
}

/** One version of a name: where each of its services points (`''`: the name itself). */
export type NameTargets = Readonly<Record<string, string>>

/** A version's targets as a register entry's value (JSON, at most the register's value bound). */
export function encodeTargets(targets: NameTargets): Uint8Array {
  const bytes = encoder.encode(JSON.stringify({ targets }))
  if (bytes.length > MAX_VALUE_BYTES) throw new SafeUrlInvalid(`a version's targets take ${bytes.length} bytes; at most ${MAX_VALUE_BYTES}`)
  return bytes
}

/** A register entry's value as targets; undefined when it is not one (the entry is skipped). */
export function decodeTargets(value: Uint8Array): NameTargets | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value))
  } catch {
    return undefined
  }
  const targets = (raw as { targets?: unknown } | null)?.targets
  if (typeof targets !== 'object' || targets === null || Array.isArray(targets)) return undefined
  // No prototype: a service named `constructor` is a service like any other.
  const out = Object.create(null) as Record<string, string>
  for (const [service, target] of Object.entries(targets)) {
    if (typeof target !== 'string' || (service !== '' && !isLabel(service))) return undefined
    out[service] = target
  }
  return out
}
