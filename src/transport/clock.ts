/**
 * Time as both runtimes give it to actors: XState's clock interface (`createActor(machine,
 * { clock })`). The simulator's scheduler implements it in virtual time, a real node's system
 * clock in wall-clock time, so `after` delays in machines fire the same way in both.
 */
export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown
  clearTimeout(id: unknown): void
}
