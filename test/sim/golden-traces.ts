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
 * rounds backing off (the other five have no join that waits past its second round).
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: 'a2f4caa637c4ed789f9264a362d9e70502acca9e602551e92a5262f1002519c2',
  /** `network-scenario.test.ts`: 60 nodes, seed 2. */
  grow60seed2: '622776fdf2f41c3ff27ed5de8152c6ea9f88bb83eb0506a37d21b0db29ee7ca5',
  /** `network-faults.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: '803c4990296966d2fc0838694e6a2bc3365bb633eae43319081a53b21a88e535',
  /** `network-faults.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: 'c353fa9f7f0bf219a438a2977b7f6c91ff1a33af97cd97c99dd980e3838aaf2c',
  /** `network-partition.test.ts`: 120 nodes cut in two during growth, crashes, 10% loss, 2 Byzantine, seed 3. */
  partition120seed3: '0d68ce8a285b266c1a64c4359274a3282e4e1612f98e90575cc884fbcc962d17',
  /** `network-partition.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: '9df51613af52b2f32bb13ba31a5b029bd5c273d51d0df77eb78e15d4eb2ba317',
} as const
