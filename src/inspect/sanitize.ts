/**
 * What of an actor's context and events may leave the process (the dashboard, `--inspect`): small
 * scalars and the shape of things, never bytes. Keys and shares live in `#private` fields, which
 * nothing here can read; byte arrays (frames, chunks, signatures, encrypted DKG parts) become
 * `[N bytes]`; class instances are described by an allowlist (a name, a prefix, a section view's
 * generation and size) or by their class name only; strings, arrays and depth are capped.
 */
import { BlsPublicKey } from '../crypto/index.ts'
import { Prefix, XorName } from '../xor/index.ts'

/** Longest string kept whole; longer ones end in `…`. */
export const MAX_STRING = 120
/** Items of an array kept; the rest are counted. */
export const MAX_ITEMS = 16
/** Levels of nesting kept; deeper values become `…`. */
export const MAX_DEPTH = 4

/** Values cut short at {@link MAX_STRING}, {@link MAX_ITEMS} and {@link MAX_DEPTH} (the dashboard's counters). */
export const SANITIZE_CUTS = { strings: 0, arrays: 0, depth: 0 }

/** A copy of `value` fit to leave the process. */
export function summarise(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return value
    case 'string':
      if (value.length <= MAX_STRING) return value
      SANITIZE_CUTS.strings++
      return `${value.slice(0, MAX_STRING)}…`
    case 'bigint':
      return value.toString()
    case 'function':
    case 'symbol':
      return undefined
  }
  if (value === null) return null
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`
  if (depth >= MAX_DEPTH) {
    SANITIZE_CUTS.depth++
    return '…'
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item: unknown) => summarise(item, depth + 1))
    if (value.length > MAX_ITEMS) {
      SANITIZE_CUTS.arrays++
      items.push(`… ${value.length - MAX_ITEMS} more`)
    }
    return items
  }
  if (value instanceof Map || value instanceof Set) return `[${value.constructor.name} of ${value.size}]`
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return describeInstance(value as object, depth)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const summary = summarise(item, depth + 1)
    if (summary !== undefined) out[key] = summary
  }
  return out
}

/** An instance of one of our classes: what is public and small about it, else its class name. */
function describeInstance(value: object, depth: number): unknown {
  if (value instanceof XorName) return value.toHex().slice(0, 8)
  if (value instanceof Prefix) return `"${value.toBits()}"`
  if (value instanceof BlsPublicKey) return `key ${value.toHex().slice(0, 8)}`
  if (value instanceof Error) return `${value.name}: ${summarise(value.message, depth + 1) as string}`
  const name = value.constructor.name
  // The public numbers an agreement or a DKG session exposes (their secrets are private fields).
  const numbers: Record<string, unknown> = { class: name }
  for (const field of ['generation', 'round', 'n', 'threshold', 'size', 'nextGeneration'] as const) {
    const n = (value as Record<string, unknown>)[field]
    if (typeof n === 'number') numbers[field] = n
  }
  return numbers
}

/** A section view (context of the section machine): its prefix, generation and size. */
export function describeContext(context: unknown): unknown {
  if (context === null || typeof context !== 'object') return summarise(context)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(context as Record<string, unknown>)) {
    const view = asSectionView(item)
    const summary = view === undefined ? summarise(item, 1) : view
    if (summary !== undefined) out[key] = summary
  }
  return out
}

function asSectionView(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !('members' in value) || !('sap' in value) || !('nextGeneration' in value)) return undefined
  const view = value as { sap: { sap: { prefix: Prefix; elders: ReadonlyArray<unknown> } }; members: { size: number }; nextGeneration: number }
  return { prefix: view.sap.sap.prefix.toBits(), nextGeneration: view.nextGeneration, members: view.members.size, elders: view.sap.sap.elders.length }
}
