/**
 * Pinned trace hashes of seeded network runs (SHA3 over every delivered frame and every applied
 * decision, in virtual-time order: `NetworkReport.traceHash`). A change that only moves code —
 * the role restructuring of issue 15, phase 1 — must leave every one unchanged; a change of the
 * protocol's behaviour changes them, and says so in its commit by updating them here.
 */
export const GOLDEN_TRACES = {
  /** `network-scenario.test.ts`: 60 nodes, seed 1. */
  grow60seed1: '214f48cf43e47f604160b3f64ad4ae11c992c1ca25f397bf2f80ce3688726779',
  /** `network-scenario.test.ts`: 60 nodes, seed 2. */
  grow60seed2: 'b6f83e0c81bc01f27794ca0c74d8bf3697549fdc1a460df7f88417d459dbf044',
  /** `network-faults.test.ts`: 100 nodes, 20% crashing, seed 1. */
  faults100seed1: '75880d8e3acf8dd1e9f87e09b0c140d17252b58382c13387448da7406e43a12c',
  /** `network-faults.test.ts`: 150 nodes, crashes, 5% loss, 2 Byzantine elders per section, seed 2. */
  faults150seed2: 'e10a5b82e059f1edce29c826e3327b989d3dd4439e386e75dbeee0c8746b16a0',
  /** `network-faults.test.ts`: 60 nodes, a quarter leave from one region (merges), seed 4. */
  shrink60seed4: '28601ee802d706c431607766ca2849b9620affa6e789e6bf7a8c34705f839b36',
} as const
