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
 * byte in every frame and in every node's signed bytes; nothing else moved). All six again for
 * protocol version 3 (Node and Client signatures cover the payload's SHA-256, not the payload).
 * Issue 19 (NRS) moved only the merge run: a section that takes in its sibling asks 3 of the
 * sibling's old elders for its names (`NamesRequest`, answered with an empty page here); name
 * claims, approvals' name counts and grace are absent from runs without names or resumes.
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: 'da124f27c7d53d0e6ac54ec63259d47959123e0de8d25af4b47d5dab6e271e46',
  /** `network-scenario.test.ts`: 60 nodes, seed 2. */
  grow60seed2: '8692f837b40fbec2e62d488583b69c313743cda509611c9733e3e7a8db0b225a',
  /** `network-faults.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: 'f6a84de267615b4439ac79678f88916c0f151a4474e87853397e4d3509efdbbc',
  /** `test/soak/network-faults-150.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: 'c68d12127a74c555591e6875fa70eba259ef2e2e525b92e82107cec130073358',
  /** `test/soak/network-partition-120.test.ts`: 120 nodes cut in two during growth, crashes, 10% loss, 2 Byzantine, seed 3. */
  partition120seed3: 'bea2aeaa540b3a25e27f5998c72b1866c94d8f3458ed79c7e8bcd4a210d69e8d',
  /** `network-partition.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: 'ba3de1022790b18064fa3b54ec9489a26617a3b63fa61e1e9a46d76f3275eea3',
} as const
