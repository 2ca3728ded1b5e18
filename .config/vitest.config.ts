import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The files that take minutes, longest first (seconds on CI's 2 cores). Without earlier results
 * (a fresh clone) vitest orders files by size, so these small files ran last and one worker idled
 * while the other finished them: the unit phase took 474 s for 775 s of files.
 */
const SLOWEST = [
  'test/sim/network-scenario.test.ts', // 50
  'test/sim/agreement-scenario.test.ts', // 66
  'test/sim/dkg-scenario.test.ts', // 55
  'test/sim/network-partition.test.ts', // 47
  'test/sim/names.test.ts', // 42
  'test/sim/data.test.ts', // 34
  'test/sim/mint.test.ts', // 30
  'test/inspect/replay.browser.test.ts', // 33
  'test/verify/verify.test.ts', // 27
  'test/sim/network-faults.test.ts', // 15
]

/** An order given by the caller (scripts/integration.ts's lanes): comma-separated paths. */
const ORDER = process.env.SAFENET_TEST_ORDER?.split(',').filter(Boolean)

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const order = ORDER ?? SLOWEST
    const rank = (file: TestSpecification) => {
      const at = order.findIndex((path) => file.moduleId.endsWith(path))
      return at < 0 ? order.length : at
    }
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    benchmark: { include: ['test/bench/**/*.bench.ts'] },
    // Vitest's default is one worker fewer than the cores: on CI's 2 cores, one worker, and the
    // unit phase ran its 689 s of files one after another (729 s). Every core runs a file.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: SlowestFirst },
    // `npm run test:unit` passes --isolate=false: one worker's files share the module graph (and
    // the BLS caches it holds) instead of each importing it afresh. Measured here on 2 cores: the
    // unit phase took 268 s, not 377 s. The integration files keep their isolation.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
})
