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
 * Issue 20 (the mint) moved all six: every approved member now asks f + 1 elders for its section's
 * names and spent keys (`NamesRequest`, empty pages here) whatever the approval says, and is
 * complete once they are all done — an approver's unsigned count no longer decides.
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: 'aac5c55d69807be5630a864daa6b340ffd4312f288176804a247e539f6089ccd',
  /** `test/soak/network-grow-60.test.ts`: 60 nodes, seed 2. */
  grow60seed2: 'cc75ca5fc60a84f2ebdca59e89a5620b428679f8ea80b90d6f5b1c9847d7ba83',
  /** `test/soak/network-faults-100.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: 'c1a3961eb216f86dcf8c9c364d1364177558219318aa0b8d0b3dd6ce0d5e4558',
  /** `test/soak/network-faults-150.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: '7ad5c38fcc00c86edf2a819bff6f849cbe2860793ea044da0f1b516c9099aa6a',
  /** `test/soak/network-partition-120.test.ts`: 120 nodes cut in two during growth, crashes, 10% loss, 2 Byzantine, seed 3. */
  partition120seed3: 'bf8e354c0544c75ac3c1b8d2fe36bd8cc70443314cdfa6c9693d03bff536c48f',
  /** `network-partition.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: 'cb48c8b2de1aa9c1384f60163f6129267bfc7c677a2fc5081c9a7443770a751a',
} as const
