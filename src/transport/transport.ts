/**
 * The one Transport interface (DESIGN.md §1): the simulated network and libp2p both implement
 * it, and the node runtime uses nothing else. Frames are wire-encoded bytes; peers are named by
 * the address they are reached at (a simulated name, or a multiaddr ending in `/p2p/<id>`).
 */
export type PeerId = string

export type FrameHandler = (from: PeerId, frame: Uint8Array, keys?: ReadonlyArray<Uint8Array>) => void

export interface Transport {
  /** This endpoint's peer id. */
  readonly self: PeerId
  /** Queues `frame` for `to`. Never throws: an unreachable peer is a dropped frame, counted. */
  send(to: PeerId, frame: Uint8Array): void
  /**
   * Registers the handler for inbound frames (one handler; a second call replaces it). `keys` are
   * the node keys the sender proved it holds for the stream the frame came over, where the
   * transport authenticates (libp2p); a message's `Node` authority must be one of them.
   */
  onFrame(handler: FrameHandler): void
}

/** A transport that sees connections go (a reset, a crashed peer): the connection actors hear of it. */
export interface LossReporting {
  onLost(handler: (peer: PeerId, reason: string) => void): void
}

/**
 * Why a transport did not carry a frame, counted by reason in {@link TransportStats.refused}:
 *   - `FrameTooLarge`: over `maxMessageBytes`, refused before it is sent (or before it is read);
 *   - `Backpressure`: the peer is not reading and the bytes queued for it reached the bound;
 *   - `NotConnected`: sent with no connection up (the connection actor redials);
 *   - `Unreachable`: the peer is gone (crashed, partitioned, stopped);
 *   - `BadHello`, `StreamError`: an inbound stream that broke the framing rules.
 */
export type Refusal = 'FrameTooLarge' | 'Backpressure' | 'NotConnected' | 'Unreachable' | 'BadHello' | 'StreamError'

export interface TransportStats {
  framesSent: number
  bytesSent: number
  framesReceived: number
  bytesReceived: number
  readonly refused: Partial<Record<Refusal, number>>
}

export function newTransportStats(): TransportStats {
  return { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0, refused: {} }
}

export function countRefusal(stats: TransportStats, why: Refusal): void {
  stats.refused[why] = (stats.refused[why] ?? 0) + 1
}
