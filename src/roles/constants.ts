/**
 * The section protocol's timing and bounds, each with its reason. Every bound is counted when it
 * is hit (a refusal or an eviction tag in the node's counts) and listed in the README's limits table.
 */

import { CHUNK_ACCEPT_RANK } from '../wire/index.ts'

/** Timing of the section protocol, in (virtual) ms. */
export const SECTION_TIMING = {
  joinRetryMs: 5_000,
  /**
   * A join's first rounds go `joinRetryMs` apart; later ones wait twice as long each, up to
   * `joinRetryMaxMs`: a joiner nobody answers (cut off by a partition) asks three times a minute,
   * not twelve. A healthy join takes 1–2 rounds (100 nodes, seed 1: 8 messages mean, 12 worst).
   */
  joinBackoffAfterRounds: 2,
  joinRetryMaxMs: 20_000,
  tryJoinLaterMs: 20_000,
  probeIntervalMs: 10_000,
  /** An elder proposes `Left` for a member it has not heard from for this long. */
  silenceMs: 30_000,
  /**
   * An elder that serves again from its store after its whole section stopped (it resumed, or was
   * approved by fellow elders that decided nothing since) counts its members' silence only from
   * this long after: they start again over a while. 30 node processes started
   * again on 2 cores came up over 50 s; a member back after its elder's `silenceMs` lost its name
   * and age (CI, `test/integration/restart.test.ts`).
   */
  resumeGraceMs: 120_000,
  dkgGossipMs: 2_000,
  /** A session not complete by then is abandoned and its non-participants reported. */
  dkgDeadlineMs: 30_000,
  dkgStartResendMs: 5_000,
  /** A member behind on decisions asks again this often until it has caught up. */
  catchUpRetryMs: 2_000,
  /** Elders probe a few other sections now and then (DESIGN.md §9: 3 every 5 min). */
  neighbourProbeMs: 300_000,
}

/** Catch-up requests a member behind on decisions sends before it waits for the next news. */
export const AE_MAX_REQUESTS = 10
/** Decisions a member keeps, by generation, for members that missed some (and approvals). */
export const RECENT_DECISIONS = 64
/** Decisions one `SectionDecisionsRequest` is answered with. */
export const DECISIONS_PER_ANSWER = 16
/** Decisions held ahead of the next generation (a member behind): more are refused, counted `ahead-full`. */
export const MAX_DECISIONS_AHEAD = 64
/** Elders (the first by name) that collect SAP and link shares and combine them: f + 1 of 7. */
export const COLLECTORS = 3
/** A member whose name table is not complete asks the next elders this often (10 s, a probe interval). */
export const NAMES_RETRY_MS = 10_000
/** Peers a member asked for its section's names and takes pages from (bounded: the oldest goes). */
export const MAX_NAME_SOURCES = 16
/** Elders a join request goes to: f + 1 of 7, so one honest elder hears it. */
export const JOIN_FANOUT = 3
/**
 * Join requests a restarted elder sends unanswered before it resumes from its store: a few retry
 * intervals (SECTION_TIMING.joinRetryMs), so that while any fellow elder is up, it is approved.
 */
export const RESUME_AFTER_ATTEMPTS = 3
/**
 * For this long after resuming, an elder catches up on decisions its fellow elders stored and it
 * did not, and does not answer joiners it does not know (it may know them only a decision later).
 */
export const RESUME_SYNC_MS = 10_000
/** Proposals an elder holds for the next generation: more are refused, counted `proposals-full`. */
export const MAX_PENDING_PROPOSALS = 64
/** A node that votes under a SAP we have replaced is sent ours at most this often (10 s, a probe interval). */
export const STALE_VOTER_ANSWER_MS = 10_000
/** Stale voters remembered for that: the oldest goes, counted `stale-voters-evicted`. */
export const MAX_STALE_VOTERS = 64
/** DKG sessions a node runs or keeps (a late candidate can still finish): the oldest goes, counted `dkg-run-evicted`. */
export const MAX_DKG_RUNS = 8
/** Chain links received before their SAP (the decision comes after): the oldest goes, counted `link-evicted`. */
export const MAX_PENDING_LINKS = 64
/** Links this node combined and must pass on, and who gets each: the oldest goes, counted `link-recipients-evicted`. */
export const MAX_COMBINED_LINKS = 16

/**
 * Signature aggregations (SAP, link and merge shares; later vault receipts and reissue shares) a
 * node holds at once: a few changes in flight, each with one SAP per new prefix, one link per new
 * key and a merge's two signatures. The oldest goes first, counted `aggregation-evicted`.
 */
export const MAX_AGGREGATIONS = 128
/**
 * An incomplete aggregation is dropped after this long (counted `aggregation-expired`): ten DKG
 * deadlines; shares that still matter are sent again (DkgStart and merge announcements resend).
 */
export const AGGREGATION_EXPIRY_MS = 300_000
/** Late link shares remembered by new key and sender, to tell a resend from a slow first share: the oldest goes, counted `late-link-senders-evicted`. */
export const MAX_LATE_LINK_SENDERS = 256
/** Parent key sets of links being combined, remembered by key: the oldest goes first. */
export const MAX_LINK_PARENTS = 16

/** The elders that collect shares of what the section signs: the first {@link COLLECTORS} by name. */
export function collectors<T>(elders: ReadonlyArray<T>): T[] {
  return elders.slice(0, COLLECTORS)
}

/**
 * The vault's timing and bounds (DESIGN.md §10, src/roles/vault). Each bound is counted when hit,
 * by the tag named beside it, and listed in the README's limits table.
 */
export const VAULT = {
  /** Storage limit of a vault unless the node is given one (`--capacity`): 10 GiB. */
  defaultCapacityBytes: 10 * 1024 ** 3,
  /**
   * A put or an offer is taken by a member among this many closest to the chunk, not only the
   * `dataCopyCount` holders: a client places a chunk on the next closest when a holder is full or
   * silent, and that copy is kept until the holders confirm theirs.
   */
  acceptRank: CHUNK_ACCEPT_RANK,
  /** Stored chunks looked at per reconcile slice; other work runs between slices. */
  reconcileSliceChunks: 512,
  /** Chunk fetches in flight at once (replication, repair, popular copies): 4 MiB of 1 MiB chunks. */
  fetchParallelism: 4,
  /** Chunks waiting to be fetched; more are refused, counted `vault-fetch-queue-full` (offered again later). */
  maxPendingFetches: 4096,
  /** A fetch unanswered for one to two of these goes to the next source; after the last, counted `vault-fetch-failed`. */
  fetchTimeoutMs: 10_000,
  /** The integrity sweep re-hashes `sweepBatchChunks` stored chunks this often, and lost offers are made again. */
  sweepIntervalMs: 60_000,
  /**
   * 16 MiB a minute: a node of 10 GiB re-reads everything in 11 hours. Reading a chunk back from
   * LMDB's map and hashing it costs ~5 ms, so 64 a minute on each of 25 nodes of one machine kept
   * 0.1 of a core busy and were a tenth of the nodes' CPU while files went in (measured).
   */
  sweepBatchChunks: 16,
  /** Client reads of one chunk (decaying by half each `coolIntervalMs`) that make it popular. */
  popularReads: 50,
  /** Members beyond the holders that get a copy of a popular chunk. */
  popularExtraCopies: 4,
  /** A popular copy not offered again for this long goes (it cooled down). */
  popularTtlMs: 300_000,
  coolIntervalMs: 30_000,
  /** Chunks whose reads are counted; the oldest goes, counted `vault-reads-evicted`. */
  maxTrackedReads: 4096,
  /** Another section's members (the holders of chunks we hold in its range) are used this long, and asked for at most this often. */
  outsideMembersTtlMs: 60_000,
  outsideQueryIntervalMs: 10_000,
  /** Other sections whose members a vault keeps: the oldest goes. */
  maxOutsideSections: 64,
  /** Bytes of popular copies a vault keeps in memory; the oldest goes, counted `vault-cache-evicted`. */
  cacheBytes: 64 * 1024 * 1024,
}
