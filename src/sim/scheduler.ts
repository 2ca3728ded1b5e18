/**
 * The simulator's event loop: one virtual timeline for message deliveries and actor timers.
 *
 * Events run in (time, sequence) order; the sequence number makes ties deterministic. The
 * scheduler doubles as the XState `Clock` given to `createActor`, so `after` delays in machines
 * fire in virtual time, interleaved with deliveries exactly as scheduled.
 */
import type { Clock } from '../transport/clock.ts'

export type { Clock }

interface Entry {
  readonly at: number
  readonly seq: number
  readonly run: () => void
  cancelled: boolean
}

export class Scheduler implements Clock {
  #now = 0
  #seq = 0
  readonly #heap: Entry[] = []
  #executed = 0

  /** Virtual milliseconds since the run began. */
  get now(): number {
    return this.#now
  }

  /** Events run so far. */
  get executed(): number {
    return this.#executed
  }

  get pending(): number {
    return this.#heap.length
  }

  /** Runs `run` after `delayMs` virtual milliseconds. Returns a handle for {@link cancel}. */
  schedule(delayMs: number, run: () => void): Entry {
    const entry: Entry = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, run, cancelled: false }
    this.#push(entry)
    return entry
  }

  cancel(handle: unknown): void {
    if (handle !== null && typeof handle === 'object' && 'cancelled' in handle) (handle as Entry).cancelled = true
  }

  // XState Clock.
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown {
    return this.schedule(timeout, fn)
  }

  clearTimeout(id: unknown): void {
    this.cancel(id)
  }

  /**
   * Runs events until `until` says stop (checked after each event), virtual time passes
   * `maxTimeMs`, or nothing is left. Returns why it stopped.
   */
  run(options: { maxTimeMs: number; until?: () => boolean; maxEvents?: number }): 'done' | 'idle' | 'time' | 'events' {
    const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY
    let events = 0
    for (;;) {
      if (options.until?.() === true) return 'done'
      const next = this.#pop()
      if (next === undefined) return 'idle'
      if (next.cancelled) continue
      if (next.at > options.maxTimeMs) {
        this.#push(next)
        this.#now = options.maxTimeMs
        return 'time'
      }
      this.#now = next.at
      this.#executed++
      next.run()
      if (++events >= maxEvents) return 'events'
    }
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(entry: Entry): void {
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  #pop(): Entry | undefined {
    const heap = this.#heap
    if (heap.length === 0) return undefined
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && this.#less(heap[left]!, heap[smallest]!)) smallest = left
        if (right < heap.length && this.#less(heap[right]!, heap[smallest]!)) smallest = right
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
        i = smallest
      }
    }
    return top
  }
}
