/**
 * Network parameters (DESIGN.md §3). Every node of one network must share them; tests may pass
 * smaller ones, `safenet node` and `safenet testnet` use these defaults.
 */
export interface NetworkParameters {
  /** Elders per section. */
  readonly elderCount: number
  /** Split when both halves would have at least this many members (2 × elderCount). */
  readonly recommendedSectionSize: number
  /** Members per half beyond which joins get TryJoinLater (2 × recommended). */
  readonly maxSectionSize: number
  /** Members holding each chunk: the closest to its name. */
  readonly dataCopyCount: number
  /** Age of a fresh joiner after the first split. */
  readonly minAdultAge: number
  /** At most this many relocations per churn event (also ≤ size − recommended). */
  readonly maxRelocationsPerChurn: number
  /** Resends of one client message answered by anti-entropy. */
  readonly aeResendLimit: number
}

export const DEFAULT_PARAMETERS: NetworkParameters = {
  elderCount: 7,
  recommendedSectionSize: 14,
  maxSectionSize: 28,
  dataCopyCount: 4,
  minAdultAge: 5,
  maxRelocationsPerChurn: 3,
  aeResendLimit: 5,
}
