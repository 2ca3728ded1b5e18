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
 * in every SuperMajority ballot and decision).
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: '6ba8d4e4dfbb89ecb26bdce981d822cbc08a49243f660e11c339cd4ed56f417b',
  /** `network-scenario.test.ts`: 60 nodes, seed 2. */
  grow60seed2: '54f8d0643c8149fe1e08136d6d7b454b2864ef220f6c40655c5e1a47a3bdd55e',
  /** `network-faults.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: 'b7d93b3c745ef759a5072b5b55968ffb86aec88b95cddb85735017c5499454ae',
  /** `network-faults.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: '9167e823d49d7377ad440356e5e0d98fba3123d7546815ed18c7763ae7277ff2',
  /** `network-partition.test.ts`: 120 nodes cut in two during growth, crashes, 10% loss, 2 Byzantine, seed 3. */
  partition120seed3: 'd7fb9effa687cfd28276ecc59458e7295040c680e76d7fb5586597110ebaeec8',
  /** `network-partition.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: '8ce1f132fad840bef175a392abb056a9fc086f1d5a57e0a4d0b935f7e15855b1',
} as const
