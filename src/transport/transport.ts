/**
 * The one Transport interface (DESIGN.md §1): the simulated network and libp2p both implement
 * it, and the node runtime uses nothing else. Frames are wire-encoded bytes; peers are named by
 * their node name in hex.
 */
export type PeerId = string

export interface Transport {
  /** This endpoint's peer id. */
  readonly self: PeerId
  /** Queues `frame` for `to`. Never throws: an unreachable peer is a dropped frame, counted. */
  send(to: PeerId, frame: Uint8Array): void
  /** Registers the handler for inbound frames (one handler; a second call replaces it). */
  onFrame(handler: (from: PeerId, frame: Uint8Array) => void): void
}
