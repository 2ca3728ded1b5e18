import { loadavg } from 'node:os'

/** Prints benchmark figures as aligned lines: `figure  value unit  (ratio vs baseline)`. */
export function figure(name: string, value: number, unit: string, baseline?: { name: string; value: number; higherIsBetter: boolean }): void {
  const shown = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)
  let line = `FIGURE ${name.padEnd(44)} ${shown.padStart(10)} ${unit}`
  if (baseline !== undefined) {
    const ratio = baseline.higherIsBetter ? value / baseline.value : baseline.value / value
    line += `   ${ratio.toFixed(1)}× vs ${baseline.name}`
  }
  console.log(line)
}

/** The machine's load average over the last minute, as the benches print it beside their figures. */
export const load = (): string => `load ${loadavg()[0]!.toFixed(2)}`

/** The `p`th percentile of `samples` (nearest rank). */
export function percentile(samples: ReadonlyArray<number>, p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** How long `run` takes, in ms. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}
