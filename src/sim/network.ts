/**
 * The simulated network: endpoints implementing {@link Transport}, joined by links that delay,
 * drop, duplicate and reorder frames, split into partitions and heal, and lose crashed nodes.
 *
 * Every frame is bytes produced by the wire codec, so a schema bug shows here as it would on
 * TCP. Every delivery is folded into a trace hash: the same seed gives the same hash, which is
 * how determinism is tested. Faults apply until `stableAfterMs`; after it links only delay,
 * so "messages are eventually delivered" holds for the liveness checks.
 */
import { createHash } from 'node:crypto'
import { countRefusal, type LossReporting, newTransportStats, type PeerId, type Transport, type TransportStats } from '../transport/transport.ts'
import { MAX_FRAME_BYTES } from '../wire/envelope.ts'
import type { SeededRandom } from './random.ts'
import type { Scheduler } from './scheduler.ts'

export interface LinkFaults {
  /** Uniform delay per frame, in virtual ms. */
  readonly minDelayMs: number
  readonly maxDelayMs: number
  /** Probability a frame is lost. */
  readonly drop: number
  /** Probability a frame is delivered twice (the copy with its own delay). */
  readonly duplicate: number
  /** Probability a frame is held back up to 5 × maxDelayMs, overtaking order. */
  readonly reorder: number
}

/** Bytes in flight to a peer that is not reading (paused) before frames to it are refused. */
export const SIM_MAX_QUEUED_BYTES_PER_PEER = 16 * 1024 * 1024

export const DEFAULT_LINK: LinkFaults = { minDelayMs: 5, maxDelayMs: 50, drop: 0, duplicate: 0, reorder: 0 }

/** A Byzantine hook: what a node's outbound frame to `to` becomes (nothing, itself, or others). */
export type Interceptor = (to: PeerId, frame: Uint8Array) => ReadonlyArray<Uint8Array>

export interface NetworkStats {
  sent: number
  delivered: number
  dropped: number
  duplicated: number
  /** Frames to or from a crashed node, or across a partition. */
  unreachable: number
}

/** What became of a frame: lost to the link's faults, to a crash or partition, or delivered. */
export type FrameFate = 'dropped' | 'unreachable' | 'delivered'
export type FrameTap = (from: PeerId, to: PeerId, frame: Uint8Array, fate: FrameFate) => void

export class SimNetwork {
  readonly #scheduler: Scheduler
  readonly #random: SeededRandom
  readonly #handlers = new Map<PeerId, (from: PeerId, frame: Uint8Array) => void>()
  readonly #crashed = new Set<PeerId>()
  readonly #interceptors = new Map<PeerId, Interceptor>()
  #partition: ((peer: PeerId) => number | undefined) | undefined
  #linkFaults: (from: PeerId, to: PeerId) => LinkFaults
  readonly #stableAfterMs: number
  readonly #trace = createHash('sha3-256')
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, unreachable: 0 }
  /** Each endpoint's own counts, as a real transport keeps them. */
  readonly #endpointStats = new Map<PeerId, TransportStats>()
  /** Peers not reading: frames to them wait, in order, and count against the sender's bound. */
  readonly #paused = new Map<PeerId, Array<{ from: PeerId; frame: Uint8Array }>>()
  /** When the last frame on each link (`from>to`) arrives: links are FIFO, as TCP is. */
  readonly #lastArrival = new Map<string, number>()
  readonly #lostHandlers = new Map<PeerId, (peer: PeerId, reason: string) => void>()
  /** Bytes each sender has in flight or waiting at a paused peer, by `from>to`. */
  readonly #waiting = new Map<string, number>()
  #tap: FrameTap | undefined

  constructor(options: {
    scheduler: Scheduler
    random: SeededRandom
    link?: LinkFaults | ((from: PeerId, to: PeerId) => LinkFaults)
    /** After this virtual time, no drops, duplicates, reordering or partitions. */
    stableAfterMs?: number
  }) {
    this.#scheduler = options.scheduler
    this.#random = options.random
    const link = options.link ?? DEFAULT_LINK
    this.#linkFaults = typeof link === 'function' ? link : () => link
    this.#stableAfterMs = options.stableAfterMs ?? Number.POSITIVE_INFINITY
  }

  /**
   * `self`'s end of the network. `onLost` hears of peers that crash, as a real transport sees
   * its connections to them reset.
   */
  endpoint(self: PeerId): Transport & LossReporting & { readonly stats: TransportStats } {
    const stats = this.statsOf(self)
    return {
      self,
      stats,
      onLost: (handler) => {
        this.#lostHandlers.set(self, handler)
      },
      send: (to, frame) => this.#send(self, to, frame),
      onFrame: (handler) => {
        this.#handlers.set(self, handler)
      },
    }
  }

  /** The counts of `peer`'s endpoint (kept across restarts). */
  statsOf(peer: PeerId): TransportStats {
    let stats = this.#endpointStats.get(peer)
    if (stats === undefined) this.#endpointStats.set(peer, (stats = newTransportStats()))
    return stats
  }

  /** `peer` stops reading: frames to it wait (back-pressure tests) until {@link resume}. */
  pause(peer: PeerId): void {
    if (!this.#paused.has(peer)) this.#paused.set(peer, [])
  }

  resume(peer: PeerId): void {
    const waiting = this.#paused.get(peer)
    this.#paused.delete(peer)
    for (const { from, frame } of waiting ?? []) this.#deliver(from, peer, frame, `${from}>${peer}`)
  }

  /** Bytes `from` has in flight to `to` or waiting for it to read. */
  queuedBytes(from: PeerId, to: PeerId): number {
    return this.#waiting.get(`${from}>${to}`) ?? 0
  }

  /** A crashed node neither sends nor receives until {@link restart}. */
  crash(peer: PeerId): void {
    this.#crashed.add(peer)
    this.#lostHandlers.delete(peer)
    for (const [other, lost] of this.#lostHandlers) if (other !== peer) lost(peer, 'peer crashed')
  }

  restart(peer: PeerId): void {
    this.#crashed.delete(peer)
  }

  isCrashed(peer: PeerId): boolean {
    return this.#crashed.has(peer)
  }

  /**
   * Frames cross only within a group; peers in no group are isolated. Groups are lists of peers,
   * or a function giving each peer's side (asked at each frame, so peers that come later have one).
   */
  partition(groups: ReadonlyArray<ReadonlyArray<PeerId>> | ((peer: PeerId) => number | undefined)): void {
    if (typeof groups === 'function') {
      this.#partition = groups
      return
    }
    const sides = new Map<PeerId, number>()
    groups.forEach((group, index) => group.forEach((peer) => sides.set(peer, index)))
    this.#partition = (peer) => sides.get(peer)
  }

  heal(): void {
    this.#partition = undefined
  }

  /**
   * Shows `tap` what becomes of every frame, besides the taps before it (the simulator counts
   * each join's messages, and `--why` keeps joiners' traffic). Only watches: it draws no randomness and changes nothing, so traces are the same with it.
   */
  tap(tap: FrameTap): void {
    const before = this.#tap
    this.#tap = before === undefined ? tap : (from, to, frame, fate) => {
      before(from, to, frame, fate)
      tap(from, to, frame, fate)
    }
  }

  /** Replaces `peer`'s outbound frames through `interceptor` (Byzantine strategies). */
  intercept(peer: PeerId, interceptor: Interceptor): void {
    this.#interceptors.set(peer, interceptor)
  }

  /**
   * Folds an event that is not a delivery (a decision a node applied, say) into the trace, at
   * the current virtual time, so the hash covers what the nodes did with what they received.
   */
  record(label: string, bytes: Uint8Array): void {
    const header = Buffer.alloc(8)
    header.writeDoubleBE(this.#scheduler.now)
    this.#trace.update(header).update(label).update(createHash('sha3-256').update(bytes).digest())
  }

  /** SHA3-256 over every delivery so far: (time, from, to, SHA3(frame)), and every recorded event. */
  traceHash(): string {
    return this.#trace.copy().digest('hex')
  }

  #reachable(from: PeerId, to: PeerId): boolean {
    if (this.#crashed.has(from) || this.#crashed.has(to)) return false
    if (this.#partition === undefined || this.#scheduler.now >= this.#stableAfterMs) return true
    const a = this.#partition(from)
    return a !== undefined && a === this.#partition(to)
  }

  #send(from: PeerId, to: PeerId, frame: Uint8Array): void {
    const stats = this.statsOf(from)
    if (frame.length > MAX_FRAME_BYTES) return countRefusal(stats, 'FrameTooLarge')
    if (this.#paused.has(to) && this.queuedBytes(from, to) + frame.length > SIM_MAX_QUEUED_BYTES_PER_PEER) return countRefusal(stats, 'Backpressure')
    stats.framesSent++
    stats.bytesSent += frame.length
    const interceptor = this.#interceptors.get(from)
    const frames = interceptor === undefined ? [frame] : interceptor(to, frame)
    for (const out of frames) this.#transmit(from, to, out)
  }

  #transmit(from: PeerId, to: PeerId, frame: Uint8Array): void {
    this.stats.sent++
    if (!this.#reachable(from, to)) {
      this.stats.unreachable++
      countRefusal(this.statsOf(from), 'Unreachable')
      this.#tap?.(from, to, frame, 'unreachable')
      return
    }
    const faults = this.#linkFaults(from, to)
    const stable = this.#scheduler.now >= this.#stableAfterMs
    if (!stable && this.#random.chance(faults.drop)) {
      this.stats.dropped++
      this.#tap?.(from, to, frame, 'dropped')
      return
    }
    const copies = !stable && this.#random.chance(faults.duplicate) ? 2 : 1
    if (copies === 2) this.stats.duplicated++
    const link = `${from}>${to}`
    for (let i = 0; i < copies; i++) {
      let delay = faults.minDelayMs + this.#random.next() * (faults.maxDelayMs - faults.minDelayMs)
      if (!stable && this.#random.chance(faults.reorder)) delay += this.#random.next() * 5 * faults.maxDelayMs
      else {
        // In order behind the link's last frame, unless this one is reordered on purpose.
        delay = Math.max(delay, (this.#lastArrival.get(link) ?? 0) - this.#scheduler.now)
        this.#lastArrival.set(link, this.#scheduler.now + delay)
      }
      this.#inFlight(link, frame.length)
      this.#scheduler.schedule(delay, () => this.#deliver(from, to, frame, link))
    }
  }

  /** Bytes on `link` (`from>to`) in flight or waiting at a paused peer. */
  #inFlight(key: string, bytes: number): void {
    const now = (this.#waiting.get(key) ?? 0) + bytes
    if (now === 0) this.#waiting.delete(key)
    else this.#waiting.set(key, now)
  }

  #deliver(from: PeerId, to: PeerId, frame: Uint8Array, link: string): void {
    const paused = this.#paused.get(to)
    if (paused !== undefined && this.#handlers.has(to) && this.#reachable(from, to)) {
      paused.push({ from, frame })
      return
    }
    this.#inFlight(link, -frame.length)
    // A node that crashed (or a partition that formed) while the frame was in flight loses it.
    if (!this.#reachable(from, to)) {
      this.stats.unreachable++
      this.#tap?.(from, to, frame, 'unreachable')
      return
    }
    const handler = this.#handlers.get(to)
    if (handler === undefined) {
      this.stats.unreachable++
      this.#tap?.(from, to, frame, 'unreachable')
      return
    }
    this.#tap?.(from, to, frame, 'delivered')
    this.stats.delivered++
    const received = this.statsOf(to)
    received.framesReceived++
    received.bytesReceived += frame.length
    const header = Buffer.alloc(8)
    header.writeDoubleBE(this.#scheduler.now)
    this.#trace.update(header).update(from).update('>').update(to).update(createHash('sha3-256').update(frame).digest())
    handler(from, frame)
  }
}
