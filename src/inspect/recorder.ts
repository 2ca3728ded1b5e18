/**
 * `safenet sim … --record FILE`: a trace of a simulated run the dashboard replays
 * (`safenet dashboard FILE`). JSON lines, the same messages the live dashboard gets:
 *
 *   {"type":"meta", "title", "seed", "nodes", "version"}
 *   {"type":"status", "t", "nodes": [NodeView…], "actors": [ActorEntry…]}    every KEYFRAME_MS
 *   {"type":"transition"|"stopped"|"decision", "t", …}                     as they happen
 *
 * `t` is virtual time (ms). The recorder only observes: a recorded run is the same run (its
 * trace hash does not change). A name ending in `.gz` is gzipped.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import type { ActorInspect } from '../roles/shell/components.ts'
import { ActorTap, type TapMessage } from './tap.ts'
import type { NodeView } from './views.ts'

/** Virtual time between two keyframes (full pictures a replay seeks from). */
export const KEYFRAME_MS = 5_000
/** A trace's size at most; past it the rest of the run is not recorded (the trace says so at its end). */
export const MAX_TRACE_BYTES = 512 * 1_048_576
export const TRACE_VERSION = 1

export interface TraceMeta {
  readonly title: string
  readonly seed?: number
  readonly nodes?: number
}

export class TraceRecorder {
  readonly tap: ActorTap
  readonly path: string
  /** Messages written, and those left out past {@link MAX_TRACE_BYTES}. */
  readonly counts = { lines: 0, bytes: 0, truncated: 0 }
  #now: () => number = () => 0
  readonly #gzip: boolean
  readonly #parts: string[] = []
  #fd: number | undefined
  #pending: string[] = []
  #pendingBytes = 0
  #nodes: () => NodeView[] = () => []
  #nextKeyframe = 0
  #closed = false

  constructor(path: string, meta: TraceMeta) {
    this.path = path
    this.#gzip = path.endsWith('.gz')
    if (!this.#gzip) this.#fd = openSync(path, 'w')
    this.tap = new ActorTap({ now: () => this.#now() })
    this.#write({ type: 'meta', version: TRACE_VERSION, ...meta })
    this.tap.listen((message) => this.#take(message))
  }

  /** The tap for the actors of the node at `addr`. */
  observe(addr: string): ActorInspect {
    return this.tap.observe(addr)
  }

  /** Where the keyframes' node pictures come from, and the run's (virtual) clock. */
  watch(nodes: () => NodeView[], now: () => number): void {
    this.#nodes = nodes
    this.#now = now
  }

  /** Writes a keyframe if one is due (the run calls this as virtual time passes, changes or none). */
  tick(): void {
    if (this.#now() >= this.#nextKeyframe) this.keyframe()
  }

  keyframe(): void {
    const t = this.#now()
    this.#nextKeyframe = (Math.floor(t / KEYFRAME_MS) + 1) * KEYFRAME_MS
    this.#write({ type: 'status', t, nodes: this.#nodes(), actors: this.tap.actors(), counts: { tap: this.tap.counts } })
  }

  /** A last keyframe, then the file is complete. */
  close(): void {
    if (this.#closed) return
    this.keyframe()
    this.#flush()
    this.#closed = true
    if (this.#fd !== undefined) closeSync(this.#fd)
    else {
      const fd = openSync(this.path, 'w')
      writeSync(fd, gzipSync(this.#parts.join('')))
      closeSync(fd)
    }
  }

  #take(message: TapMessage): void {
    if (message.t >= this.#nextKeyframe) this.keyframe()
    this.#write(message)
  }

  #write(message: object): void {
    if (this.#closed) return
    const line = `${JSON.stringify(message)}\n`
    if (this.counts.bytes + line.length > MAX_TRACE_BYTES) {
      this.counts.truncated++
      return
    }
    this.counts.lines++
    this.counts.bytes += line.length
    this.#pending.push(line)
    this.#pendingBytes += line.length
    if (this.#pendingBytes > 1_048_576) this.#flush()
  }

  #flush(): void {
    const text = this.#pending.join('')
    this.#pending = []
    this.#pendingBytes = 0
    if (this.#fd !== undefined) writeSync(this.#fd, text)
    else this.#parts.push(text)
  }
}
