/**
 * A worker thread running simulator runs for `safenet sim --jobs N`: each run is independent
 * and reproducible from its seed, so seeds can be spread over cores and the results merged in
 * seed order — the same report as one thread, sooner.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { runScenarioSeed, type ScenarioRequest } from './scenarios/index.ts'

const request = workerData as { scenario: ScenarioRequest; seeds: number[] }
for (const seed of request.seeds) {
  parentPort!.postMessage(runScenarioSeed(request.scenario, seed))
}
