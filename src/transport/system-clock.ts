/**
 * Wall-clock time for real nodes: the same {@link Clock} shape the simulator's virtual clock has,
 * so actors and timers are driven the same way in both runtimes.
 */
import type { Clock } from '../transport/clock.ts'

export interface SystemClock extends Clock {
  /** Milliseconds since this clock was made (monotonic). */
  readonly now: number
  schedule(delayMs: number, run: () => void): unknown
  cancel(handle: unknown): void
}

export function systemClock(): SystemClock {
  const origin = performance.now()
  const set = (fn: () => void, ms: number): unknown => {
    const timer = setTimeout(fn, Math.max(0, ms))
    timer.unref?.()
    return timer
  }
  const clear = (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>)
  return {
    get now() {
      return performance.now() - origin
    },
    setTimeout: set,
    clearTimeout: clear,
    schedule: (delayMs, run) => set(run, delayMs),
    cancel: clear,
  }
}
