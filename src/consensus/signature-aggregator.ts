/**
 * The signature aggregator (DESIGN.md §5): collects BLS signature shares of one key set over one
 * message until threshold + 1 are in, then combines them. Entries are keyed by
 * SHA3(message ‖ key set), so shares of different messages or of different keys never mix.
 *
 * Combining verifies the combined signature once (one pairing); only when that fails are the
 * shares checked one by one, and the bad ones are named and left out ({@link PublicKeySet.combine}).
 * A bad share is dropped from its entry, so the next share does not pay for it again.
 *
 * Bounded: at most `maxEntries` entries (the oldest goes first, counted `evicted`); an entry not
 * complete within `expiryMs` is dropped when next seen (counted `expired`). A complete entry stays
 * (until evicted) so late shares are recognised as `done` and cost nothing. Used for the new SAP
 * (the candidates' shares), chain links (the old elders' shares) and merges; the vault's receipts
 * and the mint's reissue shares are next.
 */
import { type BlsSignature, CombineFailed, type PublicKeySet, sha3_256, SignatureShare, toHex } from '../crypto/index.ts'

export type AggregateOutcome =
  /**
   * Fewer than threshold + 1 valid shares so far; `badSigners`: the indexes whose shares were
   * found invalid by this attempt to combine (they are dropped).
   */
  | { readonly kind: 'pending'; readonly badSigners: ReadonlyArray<number> }
  /** This share completed the signature. */
  | { readonly kind: 'combined'; readonly signature: BlsSignature }
  /** Combined before: the signature, again. */
  | { readonly kind: 'done'; readonly signature: BlsSignature }
  /** The share does not decode. */
  | { readonly kind: 'malformed' }

export interface AggregatorCounts {
  /** Entries started. */
  started: number
  combined: number
  /** Shares found invalid when a combination failed. */
  badShares: number
  /** Entries dropped because the bound was reached. */
  evicted: number
  /** Incomplete entries dropped at their expiry. */
  expired: number
  malformed: number
}

interface Entry {
  readonly startedAt: number
  readonly shares: Map<number, SignatureShare>
  signature: BlsSignature | undefined
}

export interface AggregatorOptions {
  /** Entries held at once (complete ones included); the oldest goes first. */
  readonly maxEntries: number
  /** An incomplete entry older than this is dropped. */
  readonly expiryMs: number
  /** The current time, in the same ms as `expiryMs` (virtual in the simulator). */
  readonly now: () => number
  /** Told each time a bound drops an entry (a node counts it with its refusals). */
  readonly onDrop?: (why: 'evicted' | 'expired') => void
}

export class SignatureAggregator {
  readonly counts: AggregatorCounts = { started: 0, combined: 0, badShares: 0, evicted: 0, expired: 0, malformed: 0 }
  readonly #entries = new Map<string, Entry>()
  readonly #options: AggregatorOptions

  constructor(options: AggregatorOptions) {
    this.#options = options
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size
  }

  /** Adds share `index` of `keySet`'s signature over `message`. */
  add(message: Uint8Array, keySet: PublicKeySet, index: number, share: Uint8Array): AggregateOutcome {
    let parsed: SignatureShare
    try {
      parsed = SignatureShare.fromBytes(share)
    } catch {
      this.counts.malformed++
      return { kind: 'malformed' }
    }
    const key = toHex(sha3_256(message, keySet.toBytes()))
    const now = this.#options.now()
    let entry = this.#entries.get(key)
    if (entry !== undefined && entry.signature === undefined && now - entry.startedAt > this.#options.expiryMs) {
      this.#entries.delete(key)
      this.counts.expired++
      this.#options.onDrop?.('expired')
      entry = undefined
    }
    if (entry === undefined) {
      entry = { startedAt: now, shares: new Map(), signature: undefined }
      this.#entries.set(key, entry)
      this.counts.started++
      while (this.#entries.size > this.#options.maxEntries) {
        this.#entries.delete(this.#entries.keys().next().value!)
        this.counts.evicted++
        this.#options.onDrop?.('evicted')
      }
    }
    if (entry.signature !== undefined) return { kind: 'done', signature: entry.signature }
    entry.shares.set(index, parsed)
    if (entry.shares.size < keySet.threshold + 1) return { kind: 'pending', badSigners: [] }
    let result: { signature: BlsSignature }
    try {
      result = keySet.combine(message, [...entry.shares].map(([i, s]) => ({ index: i, share: s, signer: String(i) })))
    } catch (error) {
      if (!(error instanceof CombineFailed)) throw error
      // Too few valid shares: the bad ones (found by checking each) are dropped.
      const badSigners = error.badSigners.map(Number)
      for (const signer of badSigners) entry.shares.delete(signer)
      this.counts.badShares += badSigners.length
      return { kind: 'pending', badSigners }
    }
    entry.signature = result.signature
    entry.shares.clear()
    this.counts.combined++
    return { kind: 'combined', signature: result.signature }
  }
}
