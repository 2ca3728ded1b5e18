/**
 * What every simulated node does at its edge, as a real node will: frames in, frames out,
 * through the wire codec, with the sender's Node authority checked against the link it came
 * from. Bad frames are typed errors, counted per kind — never a crash, never a silent drop.
 */
import { Result } from 'effect'
import type { NodeKeypair } from '../crypto/index.ts'
import type { PeerId, Transport } from '../transport/transport.ts'
import { type Dst, type Kind, type Message, nodeAuthority, type PayloadOf, seal, verifyPeerAuthority } from '../wire/index.ts'
import { decode } from '../wire/index.ts'

export interface PeerStats {
  sent: number
  received: number
  /** Refused inbound frames by error tag (`MalformedFrame`, `BadAuthority`, …). */
  refused: Record<string, number>
}

export class WirePeer {
  readonly transport: Transport
  readonly keypair: NodeKeypair
  readonly stats: PeerStats = { sent: 0, received: 0, refused: {} }
  readonly #msgIds: (length: number) => Uint8Array
  readonly #dst: Dst
  /** Peers that offended too often: their frames are dropped unread (and counted). */
  readonly #blocked = new Set<PeerId>()

  constructor(options: { transport: Transport; keypair: NodeKeypair; msgIds: (length: number) => Uint8Array; dst: Dst }) {
    this.transport = options.transport
    this.keypair = options.keypair
    this.#msgIds = options.msgIds
    this.#dst = options.dst
  }

  get id(): PeerId {
    return this.transport.self
  }

  /** Encodes once and sends the same frame to each peer. */
  send<K extends Kind>(to: ReadonlyArray<PeerId>, kind: K, payload: PayloadOf<K>): void {
    if (to.length === 0) return
    const sealed = seal({ msgId: this.#msgIds(32), kind, dst: this.#dst, payload }, nodeAuthority(this.keypair))
    if (Result.isFailure(sealed)) {
      // Our own message failed its schema or size: a bug, counted where it shows.
      this.#refuse(`outbound ${sealed.failure._tag}`)
      return
    }
    for (const peer of to) {
      this.stats.sent++
      this.transport.send(peer, sealed.success.frame)
    }
  }

  /** Stops listening to a peer that keeps sending what fails our checks (DESIGN.md §5). */
  block(peer: PeerId): void {
    this.#blocked.add(peer)
  }

  /** Decodes, checks the sender, and hands valid messages to `handler`. */
  listen(handler: (from: PeerId, message: Message) => void): void {
    this.transport.onFrame((from, frame) => {
      if (this.#blocked.has(from)) return this.#refuse('Blocked')
      const decoded = decode(frame)
      if (Result.isFailure(decoded)) return this.#refuse(decoded.failure._tag)
      const sender = verifyPeerAuthority(decoded.success.envelope)
      if (Result.isFailure(sender)) return this.#refuse(sender.failure._tag)
      if (sender.success.name.toHex() !== from) return this.#refuse('SenderMismatch')
      this.stats.received++
      handler(from, decoded.success)
    })
  }

  #refuse(tag: string): void {
    this.stats.refused[tag] = (this.stats.refused[tag] ?? 0) + 1
  }
}
