/**
 * Pinned trace hashes of seeded network runs (SHA3 over every delivered frame and every applied
 * decision, in virtual-time order: `NetworkReport.traceHash`). A change that only moves code —
 * the role restructuring of issue 15, phase 1 — must leave every one unchanged; a change of the
 * protocol's behaviour changes them, and says so in its commit by updating them here. Issue 16
 * re-pinned all of them: decisions carry the section's seed signature (new bytes in every
 * decision), and an unanswered join asks the next elders; `mayLeave` left these five unchanged.
 * Re-pinned again for the partition fixes (stale voters answered, a vote's union bounded and
 * without proposals only its voter holds, probes past a silent elder, clients' bootstrap peers);
 * a resent link share going to every old elder moved only the partition run, and so did a join's
 * rounds backing off (the other five have no join that waits past its second round). All six
 * again when the decision signature became round-free and the seed signature went (other bytes
 * in every SuperMajority ballot and decision). All six again for protocol version 2 (the version
 * byte in every frame and in every node's signed bytes; nothing else moved).
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: '9b2eccb9b065156687a836299f521f899d94b8fdc75dc62ad51ef887a8238a8a',
  /** `network-scenario.test.ts`: 60 nodes, seed 2. */
  grow60seed2: '4bb625e7b8dbae7cffa1f6c01d39baaef8370fed7604b342ead7441551674aa8',
  /** `network-faults.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: '3829382bf7f532d71c90eb6c48e78328930f7de91592487e24368fdc46b3ef60',
  /** `network-faults.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: 'a2e2bfa194b3dff210373bbc4c8c5441ca9e80d6fd01516ede6865e3f76bb23a',
  /** `network-partition.test.ts`: 120 nodes cut in two during growth, crashes, 10% loss, 2 Byzantine, seed 3. */
  partition120seed3: '1b881bc6d322324e54777d1db3f90cfcb5e0d25668cc38cb4ec9a6ba6c029c9a',
  /** `network-partition.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: '2f5dee193429d951dd7644d0f28dbd5169fffc888662a2d0c7c9a269f2470bbf',
} as const
