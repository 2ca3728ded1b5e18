/**
 * The crypto layer's caches: what each holds, its bound, and how many entries each has evicted
 * (oldest first, counted here; a node reports the counts in its status, the simulator in its
 * report). A hit saves a pairing (~15 ms), a hash to the curve or a point decoding; a miss after an
 * eviction only costs that work again, so evicting is safe — counting it says when a bound is too
 * small for the load.
 */

/** Each cache's bound, with its reason. */
export const CACHE_LIMITS = {
  /** Precomputed tables of messages signed more than once (a simulated section signs one decision 7 times). */
  'bls-signing-tables': 8,
  /** H(m) in G2 by message hash: each decision, SAP and link is hashed by every elder that checks it. */
  'bls-hash-to-curve': 1_024,
  /** BLS signatures that verified, by (key, message, signature). */
  'bls-verified': 4_096,
  /** Decoded G1/G2 points, by bytes (each decoding checks the point is in the subgroup). */
  'bls-decoded-points': 2_048,
  /** Signature shares that verified, per key set (a combine that failed retries with them). */
  'bls-verified-shares': 4_096,
  /** Combined section signatures, by (key, message) and by (key, message, shares used). */
  'bls-combined': 1_024,
  /** Decoded Ed25519 public keys (a node hears the same few hundred peers). */
  'ed25519-decoded-keys': 4_096,
  /** Ed25519 signatures that verified (a frame passed on is checked once). */
  'ed25519-verified': 8_192,
  /**
   * Agreement ballots checked, per section key, valid and invalid apart (consensus/ballots.ts): a
   * generation sees a few hundred ballots, each coming back in gossip and justifications.
   */
  'ballot-verifications': 10_000,
} as const

export type CacheName = keyof typeof CACHE_LIMITS

/** Entries each cache has evicted in this process. */
export const cacheEvictions: Record<CacheName, number> = Object.fromEntries(Object.keys(CACHE_LIMITS).map((name) => [name, 0])) as Record<CacheName, number>

/** Drops the oldest entries (first inserted) of `cache` past its bound, counting each. */
export function evictOldest(cache: Map<string, unknown> | Set<string>, name: CacheName): void {
  const limit = CACHE_LIMITS[name]
  while (cache.size > limit) {
    cache.delete(cache.keys().next().value!)
    cacheEvictions[name]++
  }
}
