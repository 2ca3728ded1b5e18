/**
 * Pinned trace hashes of seeded network runs (SHA3 over every delivered frame and every applied
 * decision, in virtual-time order: `NetworkReport.traceHash`). A change that only moves code —
 * the role restructuring of issue 15, phase 1 — must leave every one unchanged; a change of the
 * protocol's behaviour changes them, and says so in its commit by updating them here. Issue 16
 * re-pinned all of them: decisions carry the section's seed signature (new bytes in every
 * decision), and an unanswered join asks the next elders; `mayLeave` left these five unchanged.
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: '0ee21563a697a12a1b05da3eae3b1c76619ea82c15f3add45d8dce1f6ef3056b',
  /** `network-scenario.test.ts`: 60 nodes, seed 2. */
  grow60seed2: '6bc1d38c2d0bc25acee047144e17122a270c9bc27ab8f478ef8e8996c7fe52a8',
  /** `network-faults.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: 'b0436725c96dfef8e127f1f990602bdcc9476d886e39e5642d6716911c74d0dd',
  /** `network-faults.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: '05907afb195adc0b61e06e6da5306686f2e71b45bd345e7b21a95e84352a2f42',
  /** `network-partition.test.ts`: 120 nodes cut in two during growth, crashes, 10% loss, 2 Byzantine, seed 3. */
  partition120seed3: '40a1a378cd43bbe6602cdd3d90e3750d3886b1ba9d8447272f6a7123ac7418ee',
  /** `network-partition.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: '377a2d653017d5d9f896719e13d455ded7c821467f2bb56d73b6191fde131442',
} as const
