/**
 * What every node does at its edge, simulated or real: frames in, frames out,
 * through the wire codec, with the sender's Node authority checked against the link it came
 * from. Bad frames are typed errors, counted per kind — never a crash, never a silent drop.
 */
import { Result } from 'effect'
import { bytesEqual, type NodeKeypair, type NodePublicKey } from '../crypto/index.ts'
import type { PeerId, Transport } from './transport.ts'
import { type Dst, type Kind, type Message, nodeAuthority, type PayloadOf, seal, verifyPeerAuthority } from '../wire/index.ts'
import { decode } from '../wire/index.ts'

export interface PeerStats {
  sent: number
  /** Frames sent, by message kind. */
  sentByKind: Record<string, number>
  received: number
  /** Refused inbound frames by error tag (`MalformedFrame`, `BadAuthority`, …). */
  refused: Record<string, number>
}

export class WirePeer {
  readonly transport: Transport
  #keypair: NodeKeypair
  readonly stats: PeerStats = { sent: 0, sentByKind: {}, received: 0, refused: {} }
  readonly #msgIds: (length: number) => Uint8Array
  readonly #dst: Dst
  /** Whether a peer id is the sender's node name (true) or an address the name is unrelated to. */
  readonly #linkIsName: boolean
  /** Peers that offended too often: their frames are dropped unread (and counted). */
  readonly #blocked = new Set<PeerId>()

  /** Told of each inbound frame refused for what its sender did (a real node counts offences per peer). */
  readonly #onOffence: (peer: PeerId, tag: string) => void

  constructor(options: {
    transport: Transport
    keypair: NodeKeypair
    msgIds: (length: number) => Uint8Array
    dst: Dst
    linkIsName?: boolean
    onOffence?: (peer: PeerId, tag: string) => void
  }) {
    this.transport = options.transport
    this.#keypair = options.keypair
    this.#msgIds = options.msgIds
    this.#dst = options.dst
    this.#linkIsName = options.linkIsName ?? true
    this.#onOffence = options.onOffence ?? (() => {})
  }

  get keypair(): NodeKeypair {
    return this.#keypair
  }

  /** A node that takes a new name (balanced joining, relocation) signs with its new key from now on. */
  setKeypair(keypair: NodeKeypair): void {
    this.#keypair = keypair
  }

  get id(): PeerId {
    return this.transport.self
  }

  /** Encodes once and sends the same frame to each peer. */
  send<K extends Kind>(to: ReadonlyArray<PeerId>, kind: K, payload: PayloadOf<K>, dst: Dst = this.#dst): Uint8Array | undefined {
    if (to.length === 0) return undefined
    const sealed = seal({ msgId: this.#msgIds(32), kind, dst, payload }, nodeAuthority(this.#keypair))
    if (Result.isFailure(sealed)) {
      // Our own message failed its schema or size: a bug, counted where it shows.
      this.#refuse(`outbound ${kind} ${sealed.failure._tag}`)
      return undefined
    }
    this.stats.sentByKind[kind] = (this.stats.sentByKind[kind] ?? 0) + to.length
    this.sendFrame(to, sealed.success.frame)
    return sealed.success.frame
  }

  /** Sends an already sealed frame again (an anti-entropy resend of a bounced message). */
  sendFrame(to: ReadonlyArray<PeerId>, frame: Uint8Array): void {
    for (const peer of to) {
      this.stats.sent++
      this.transport.send(peer, frame)
    }
  }

  /** Stops listening to a peer that keeps sending what fails our checks (DESIGN.md §5). */
  block(peer: PeerId): void {
    this.#blocked.add(peer)
  }

  /**
   * Decodes, checks the sender, and hands valid messages to `handler`. Where the transport
   * authenticated the stream (`keys`), the message must be signed by one of those node keys.
   */
  listen(handler: (from: PeerId, message: Message, sender: NodePublicKey, frame: Uint8Array) => void): void {
    this.transport.onFrame((from, frame, keys) => {
      if (this.#blocked.has(from)) return this.#refuse('Blocked')
      const decoded = decode(frame)
      if (Result.isFailure(decoded)) return this.#offence(from, decoded.failure._tag)
      const sender = verifyPeerAuthority(decoded.success.envelope)
      if (Result.isFailure(sender)) return this.#offence(from, sender.failure._tag)
      if (this.#linkIsName && sender.success.name.toHex() !== from) return this.#offence(from, 'SenderMismatch')
      if (keys !== undefined && !keys.some((key) => bytesEqual(key, sender.success.bytes))) return this.#offence(from, 'SenderMismatch')
      this.stats.received++
      handler(from, decoded.success, sender.success, frame)
    })
  }

  #offence(from: PeerId, tag: string): void {
    this.#refuse(tag)
    this.#onOffence(from, tag)
  }

  /** Counts a message refused above the codec (by the protocol), by reason. */
  refuse(tag: string): void {
    this.#refuse(tag)
  }

  #refuse(tag: string): void {
    this.stats.refused[tag] = (this.stats.refused[tag] ?? 0) + 1
  }
}
