/**
 * A node's connections (DESIGN.md §1, §12): one `connection` actor per peer it sends to, running
 * `machines/connection.machine.ts` over any {@link Transport} — the simulated network now, libp2p
 * later. Frames to a peer wait in the actor's bounded queue while it dials or backs off, and go in
 * order once connected; a connection with no traffic for `idleMs` closes and its actor is
 * stopped, so a node holds actors only for the peers it talks to. Everything counted.
 */
import { type Actor, createActor, type InspectionEvent } from 'xstate'
import type { Clock } from './clock.ts'
import { type ConnectionSettings, connectionMachine, DEFAULT_CONNECTION_SETTINGS } from '../../machines/connection.machine.ts'
import type { FrameHandler, LossReporting, PeerId, Transport } from './transport.ts'

/**
 * How a connection is opened: `done` is called once, now or later, with the outcome. `signal`
 * aborts when the pool no longer wants the connection (it was closed while dialing): the dialer
 * should stop, and an outcome after that is ignored.
 */
export type Dialer = (peer: PeerId, done: (failure?: string) => void, signal: AbortSignal) => void

export interface ConnectionTotals {
  /** Frames handed to the transport. */
  sent: number
  /** Frames refused because a queue was full. */
  refused: number
  /** Queued frames given up after `maxAttempts` failed dials, or on close. */
  dropped: number
  dials: number
  failures: number
  /** Connections lost while connected (the peer went away). */
  lost: number
}

export class ConnectionPool implements Transport {
  readonly self: PeerId
  readonly totals: ConnectionTotals = { sent: 0, refused: 0, dropped: 0, dials: 0, failures: 0, lost: 0 }
  readonly #inner: Transport
  readonly #dial: Dialer
  readonly #hangUp: (peer: PeerId) => void
  readonly #clock: Clock
  readonly #inspect: ((event: InspectionEvent) => void) | undefined
  readonly #settings: ConnectionSettings
  readonly #actors = new Map<PeerId, Actor<typeof connectionMachine>>()
  #epoch = 0

  /**
   * `hangUp` closes the transport's connection when its actor lets it go (idle, closed). A
   * transport that reports lost connections has them passed to {@link lost}.
   */
  constructor(options: { inner: Transport & Partial<LossReporting>; dial: Dialer; hangUp?: (peer: PeerId) => void; clock: Clock; settings?: ConnectionSettings; inspect?: (event: InspectionEvent) => void }) {
    this.self = options.inner.self
    this.#inner = options.inner
    options.inner.onLost?.((peer, reason) => this.lost(peer, reason))
    this.#dial = options.dial
    this.#hangUp = options.hangUp ?? (() => {})
    this.#clock = options.clock
    this.#inspect = options.inspect
    this.#settings = options.settings ?? DEFAULT_CONNECTION_SETTINGS
  }

  /** Connections with an actor now (dialing, backing off, connected, or idle with frames queued). */
  get open(): number {
    return this.#actors.size
  }

  /** The state of each connection, by peer. */
  states(): Record<PeerId, unknown> {
    return Object.fromEntries([...this.#actors].map(([peer, actor]) => [peer, actor.getSnapshot().value]))
  }

  send(to: PeerId, frame: Uint8Array): void {
    this.#connection(to).send({ type: 'SEND', frame })
  }

  onFrame(handler: FrameHandler): void {
    this.#inner.onFrame((from, frame, keys) => {
      this.#actors.get(from)?.send({ type: 'RECEIVED' })
      handler(from, frame, keys)
    })
  }

  /** The transport saw the connection to `peer` go (reset, peer crashed). */
  lost(peer: PeerId, reason: string): void {
    const actor = this.#actors.get(peer)
    if (actor?.getSnapshot().value !== 'connected') return
    this.totals.lost++
    actor.send({ type: 'LOST', reason })
  }

  /** Closes every connection (queued frames are counted as dropped). */
  close(): void {
    for (const actor of [...this.#actors.values()]) actor.send({ type: 'CLOSE' })
  }

  #connection(peer: PeerId): Actor<typeof connectionMachine> {
    const existing = this.#actors.get(peer)
    if (existing !== undefined) return existing
    let dial: AbortController | undefined
    const machine = connectionMachine.provide({
      actions: {
        dial: () => {
          const attempt = (dial = new AbortController())
          this.#dial(peer, (failure) => {
            if (attempt.signal.aborted || dial !== attempt) return
            dial = undefined
            actor.send(failure === undefined ? { type: 'DIALED' } : { type: 'DIAL_FAILED', reason: failure })
          }, attempt.signal)
        },
        transmit: (_, { frames }) => {
          for (const frame of frames) this.#inner.send(peer, frame)
        },
        hangUp: () => {
          dial?.abort()
          dial = undefined
          this.#hangUp(peer)
        },
      },
    })
    const actor = createActor(machine, { input: { peer, settings: this.#settings }, clock: this.#clock, systemId: `${this.self}/connection/${peer}#${++this.#epoch}`, ...(this.#inspect === undefined ? {} : { inspect: this.#inspect }) })
    // A connection back in idle with nothing queued (closed for idleness, lost, or given up) is
    // let go: idle holds no timer, so nothing keeps the actor once the pool forgets it.
    let counted = { sent: 0, refused: 0, dropped: 0, dials: 0, failures: 0 }
    let used = false
    actor.subscribe((snapshot) => {
      const stats = snapshot.context.stats
      this.totals.sent += stats.sent - counted.sent
      this.totals.refused += stats.refused - counted.refused
      this.totals.dropped += stats.dropped - counted.dropped
      this.totals.dials += stats.dials - counted.dials
      this.totals.failures += stats.failures - counted.failures
      counted = { ...stats }
      if (snapshot.value !== 'idle') used = true
      const done = snapshot.status === 'done' || (used && snapshot.value === 'idle' && snapshot.context.queue.length === 0)
      if (done && this.#actors.get(peer) === actor) this.#actors.delete(peer)
    })
    this.#actors.set(peer, actor)
    actor.start()
    return actor
  }
}
