/**
 * The libp2p transport (DESIGN.md §1, §5, §12): TCP, Noise, Yamux and Identify, and one protocol,
 * `/safenet/<network-id>/1`, that carries wire frames.
 *
 * Identity: a node's libp2p key is the seed of its first node key, so its address is stable for
 * life. Its *node* key can change (a relocated or balanced joiner takes a new name), so each
 * stream opens with a hello binding the two: the address the node is reached at (ending in the
 * peer id Noise authenticated), its current node key, and that key's signature over both. Every
 * frame on the stream is handed up with that key, and a message whose `Node` authority is any
 * other key is refused (src/sim/wire-peer.ts). A new node key rebinds: our streams are reopened
 * with a new hello.
 *
 * Each direction is one long-lived stream: the dialer opens it, says hello, then writes
 * length-prefixed frames. Replies go back on the other node's own stream to that address, so
 * "from" is always an address a reply can be sent to. A request is answered by a message, not on
 * the same stream: the protocol's messages are one-way by design (DESIGN.md §5).
 *
 * Everything is bounded and counted: frames over `maxFrameBytes` are refused before they are
 * sent or read; bytes queued for a peer that does not read stop at `maxQueuedBytesPerPeer`
 * (then `Backpressure` refusals); an inbound stream that breaks the framing is reset and
 * reported as an offence, for the node to disconnect a peer that keeps offending.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Connection, PeerId as Libp2pPeerId, Stream } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { Schema } from 'effect'
import { createLibp2p, type Libp2p } from 'libp2p'
import { concatBytes, domain, type NodeKeypair, NodePublicKey } from '../crypto/index.ts'
import { MAX_FRAME_BYTES } from '../wire/index.ts'
import type { Dialer } from './connections.ts'
import { countRefusal, type FrameHandler, type LossReporting, newTransportStats, type PeerId, type Refusal, type Transport, type TransportStats } from './transport.ts'

/** Every libp2p limit we rely on, set explicitly (README: "Transport limits"). */
export interface Libp2pLimits {
  /** Open connections in all; libp2p prunes beyond it. */
  readonly maxConnections: number
  /** Inbound connections still upgrading (Noise, Yamux) at once. */
  readonly maxIncomingPendingConnections: number
  /**
   * Inbound connections per second accepted from one host. libp2p's default (5) throttles a
   * loopback testnet, where every peer is the same host.
   */
  readonly inboundConnectionThreshold: number
  readonly dialTimeoutMs: number
  /** Streams of our protocol per connection, each way (one is used; a few cover reconnects). */
  readonly maxStreamsPerConnection: number
  /** `maxMessageBytes` (DESIGN.md §3). */
  readonly maxFrameBytes: number
  /** Bytes waiting for a peer that does not read before frames to it are refused. */
  readonly maxQueuedBytesPerPeer: number
  /** How long a disconnected offender's connections are refused. */
  readonly banMs: number
}

export const DEFAULT_LIBP2P_LIMITS: Libp2pLimits = {
  maxConnections: 512,
  maxIncomingPendingConnections: 64,
  inboundConnectionThreshold: 1_000,
  dialTimeoutMs: 10_000,
  maxStreamsPerConnection: 4,
  maxFrameBytes: MAX_FRAME_BYTES,
  maxQueuedBytesPerPeer: 16 * 1024 * 1024,
  banMs: 60_000,
}

/** A peer broke the transport's rules; the node counts these and disconnects repeat offenders. */
export class TransportOffence extends Schema.TaggedError<TransportOffence>()('TransportOffence', {
  peer: Schema.String,
  reason: Schema.String,
  message: Schema.String,
}) {}

/** The protocol id of a network. */
export function protocolFor(networkId: string): string {
  return `/safenet/${networkId}/1`
}

/** The peer id an address names (its `/p2p/` part), or undefined when it names none. */
export function peerIdOfAddress(address: string): string | undefined {
  const at = address.lastIndexOf('/p2p/')
  if (at < 0) return undefined
  const id = address.slice(at + 5)
  return /^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(id) ? id : undefined
}

interface Link {
  readonly stream: Stream
  /** What waits for the stream to drain: each frame's length header, then the frame. */
  readonly queue: Uint8Array[]
  queued: number
  closing: boolean
}

export class Libp2pTransport implements Transport, LossReporting {
  readonly self: PeerId
  readonly protocol: string
  readonly stats: TransportStats = newTransportStats()
  readonly limits: Libp2pLimits
  readonly node: Libp2p
  readonly #links = new Map<PeerId, Link>()
  /** Inbound streams and the peer id each was authenticated as. */
  readonly #inbound = new Map<Stream, string>()
  readonly #banned: Map<string, number>
  /** The node keys our hellos bind, newest first (a new name is added; frames already sealed with an older key may still be queued). */
  #nodeKeys: NodeKeypair[]
  #hello: Uint8Array | undefined
  #handler: FrameHandler = () => {}
  #onLost: (peer: PeerId, reason: string) => void = () => {}
  #onOffence: (offence: TransportOffence) => void = () => {}
  #onError: (error: unknown) => void = () => {}
  #paused = false
  #stopped = false

  private constructor(node: Libp2p, protocol: string, limits: Libp2pLimits, banned: Map<string, number>, nodeKey: NodeKeypair) {
    this.node = node
    this.#nodeKeys = [nodeKey]
    this.protocol = protocol
    this.limits = limits
    this.#banned = banned
    const address = node.getMultiaddrs()[0]
    if (address === undefined) throw new Error('libp2p is listening on no address')
    this.self = address.toString()
  }

  /**
   * Starts libp2p with the identity `keypair` (the node's first key), listening on `listen`
   * (default an OS-chosen port on 127.0.0.1), and serves the network's protocol. Hellos present
   * `nodeKey` (default `keypair`).
   */
  static async start(options: { keypair: NodeKeypair; nodeKey?: NodeKeypair; networkId: string; listen?: ReadonlyArray<string>; limits?: Partial<Libp2pLimits> }): Promise<Libp2pTransport> {
    const limits = { ...DEFAULT_LIBP2P_LIMITS, ...options.limits }
    const banned = new Map<string, number>()
    const isBanned = (peer: Libp2pPeerId): boolean => (banned.get(peer.toString()) ?? 0) > Date.now()
    const node = await createLibp2p({
      privateKey: await generateKeyPairFromSeed('Ed25519', options.keypair.seed()),
      addresses: { listen: [...(options.listen ?? ['/ip4/127.0.0.1/tcp/0'])] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      connectionManager: {
        maxConnections: limits.maxConnections,
        maxIncomingPendingConnections: limits.maxIncomingPendingConnections,
        inboundConnectionThreshold: limits.inboundConnectionThreshold,
        dialTimeout: limits.dialTimeoutMs,
      },
      connectionGater: {
        denyDialPeer: isBanned,
        denyInboundEncryptedConnection: isBanned,
      },
    })
    const transport = new Libp2pTransport(node, protocolFor(options.networkId), limits, banned, options.nodeKey ?? options.keypair)
    await node.handle(transport.protocol, (stream, connection) => transport.#accept(stream, connection), {
      maxInboundStreams: limits.maxStreamsPerConnection,
      maxOutboundStreams: limits.maxStreamsPerConnection,
    })
    return transport
  }

  /** Frames from peers (after the hello; `from` is the address the peer said it is reached at). */
  onFrame(handler: FrameHandler): void {
    this.#handler = handler
  }

  /** Our stream to `peer` closed (it stopped, crashed, or reset it); the connection actor redials. */
  onLost(handler: (peer: PeerId, reason: string) => void): void {
    this.#onLost = handler
  }

  /** A peer broke the framing rules (its stream was reset). */
  onOffence(handler: (offence: TransportOffence) => void): void {
    this.#onOffence = handler
  }

  /** The frame handler threw: a bug above the transport, reported, not swallowed. */
  onError(handler: (error: unknown) => void): void {
    this.#onError = handler
  }

  /**
   * From now on our hellos present `keypair` (we took a new name) with the keys before it. Our
   * open streams carry the old binding, so they are closed and reported lost: the connection
   * actors redial with the new hello.
   */
  bind(keypair: NodeKeypair): void {
    this.#nodeKeys = [keypair, ...this.#nodeKeys.filter((k) => !k.name.equals(keypair.name))].slice(0, MAX_BOUND_KEYS)
    this.#hello = undefined
    for (const [peer, link] of [...this.#links]) {
      this.#close(peer, link)
      this.#onLost(peer, 'rebinding to a new node key')
    }
  }

  send(to: PeerId, frame: Uint8Array): void {
    if (frame.length > this.limits.maxFrameBytes) return countRefusal(this.stats, 'FrameTooLarge')
    const link = this.#links.get(to)
    if (link === undefined || link.closing) {
      countRefusal(this.stats, 'NotConnected')
      this.#onLost(to, 'not connected')
      return
    }
    // The length goes in a write of its own: copying a 1 MiB frame behind it, once per peer a
    // put goes to, was a copy the stream's framing never needed.
    const header = lengthHeader(frame.length)
    if (link.queue.length > 0 || link.stream.writableNeedsDrain) {
      if (link.queued + header.length + frame.length > this.limits.maxQueuedBytesPerPeer) return countRefusal(this.stats, 'Backpressure')
      link.queue.push(header, frame)
      link.queued += header.length + frame.length
      if (link.queue.length === 2) void this.#drain(to, link)
    } else if (!this.#write(to, link, header) || !this.#write(to, link, frame)) {
      return
    }
    this.stats.framesSent++
    this.stats.bytesSent += frame.length
  }

  /** Bytes waiting for `peer` to read. */
  queuedBytes(peer: PeerId): number {
    const link = this.#links.get(peer)
    return link === undefined ? 0 : link.queued + link.stream.writeBufferLength
  }

  /** The {@link Dialer} for the connection actors: opens our stream to `peer` and says hello. */
  readonly dial: Dialer = (peer, done, signal) => {
    let address: Multiaddr
    try {
      address = multiaddr(peer)
    } catch {
      return done(`not a multiaddr: ${peer.slice(0, 80)}`)
    }
    if (peerIdOfAddress(peer) === undefined) return done(`${peer} names no /p2p/ peer id`)
    if (this.#stopped) return done('transport stopped')
    this.node.dialProtocol(address, this.protocol, { signal }).then((stream) => {
      if (signal.aborted || this.#stopped) {
        stream.abort(new Error('dial no longer wanted'))
        return
      }
      const old = this.#links.get(peer)
      if (old !== undefined) this.#close(peer, old)
      const link: Link = { stream, queue: [], queued: 0, closing: false }
      this.#links.set(peer, link)
      stream.addEventListener('close', (event) => {
        if (this.#links.get(peer) !== link) return
        this.#links.delete(peer)
        // Frames still waiting for the stream to drain die with it: counted, not dropped silently.
        this.#dropQueue(link)
        if (!link.closing && !this.#stopped) this.#onLost(peer, event.error?.message ?? 'stream closed')
      })
      if (this.#write(peer, link, this.helloFrame())) done()
      else done('hello not sent')
    }, (error: unknown) => done(error instanceof Error ? error.message : String(error)))
  }

  /** The length-prefixed hello our streams open with (tests write raw streams after it). Signed once per binding. */
  helloFrame(): Uint8Array {
    this.#hello ??= lengthPrefixed(hello(this.self, this.#nodeKeys))
    return this.#hello
  }

  /** Closes our stream to `peer` (the connection actor went idle). */
  hangUp(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link !== undefined) this.#close(peer, link)
  }

  /** Drops every connection to the peer behind `address` and refuses it for `banMs`. */
  async disconnect(address: PeerId, why: string): Promise<void> {
    const id = peerIdOfAddress(address)
    if (id === undefined) return
    this.#banned.set(id, Date.now() + this.limits.banMs)
    for (const [peer, link] of this.#links) if (peerIdOfAddress(peer) === id) this.#close(peer, link)
    for (const [stream, remote] of this.#inbound) if (remote === id) stream.abort(new Error(why))
    await this.node.hangUp(peerIdFromString(id)).catch((error: unknown) => this.#onError(error))
  }

  /** Whether the peer behind `address` is refused now. */
  isBanned(address: PeerId): boolean {
    const id = peerIdOfAddress(address)
    return id !== undefined && (this.#banned.get(id) ?? 0) > Date.now()
  }

  /** Stops reading inbound streams (tests of back-pressure); the peers' windows fill. */
  pauseReading(): void {
    this.#paused = true
    for (const stream of this.#inbound.keys()) stream.pause()
  }

  resumeReading(): void {
    this.#paused = false
    for (const stream of this.#inbound.keys()) stream.resume()
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    for (const [peer, link] of this.#links) this.#close(peer, link)
    await this.node.stop()
  }

  #accept(stream: Stream, connection: Connection): void {
    const remote = connection.remotePeer.toString()
    const decoder = new LengthPrefixedDecoder({ maxDataLength: this.limits.maxFrameBytes, maxBufferSize: this.limits.maxFrameBytes + 16 })
    stream.maxReadBufferLength = this.limits.maxFrameBytes * 2
    let from: PeerId | undefined
    let keys: ReadonlyArray<Uint8Array> | undefined
    this.#inbound.set(stream, remote)
    if (this.#paused) stream.pause()
    stream.addEventListener('close', () => this.#inbound.delete(stream))
    // The peer closed its stream (it went idle, or took a new name and reopened with a new hello).
    // We never write on an inbound stream, but it stays half-open, and counted against the
    // connection's stream limit, until we close our end too: after 4 such, libp2p would refuse
    // that peer's next stream and every frame it sent us would be lost.
    stream.addEventListener('remoteCloseWrite', () => {
      stream.close().catch(() => stream.abort(new Error('closed')))
    })
    const offend = (reason: Refusal, message: string): void => {
      countRefusal(this.stats, reason)
      this.#onOffence(new TransportOffence({ peer: from ?? `/p2p/${remote}`, reason, message }))
      stream.abort(new Error(message))
    }
    stream.addEventListener('message', (event) => {
      let frames: Generator<{ subarray(): Uint8Array }>
      try {
        frames = decoder.decode(event.data)
        for (const frame of frames) {
          const bytes = frame.subarray()
          if (from === undefined) {
            const said = readHello(bytes, remote)
            if ('why' in said) return offend('BadHello', said.why)
            from = said.address
            keys = said.keys
            continue
          }
          this.stats.framesReceived++
          this.stats.bytesReceived += bytes.length
          try {
            this.#handler(from, bytes, keys)
          } catch (error) {
            this.#onError(error)
          }
        }
      } catch (error) {
        // The decoder refuses a length prefix over maxFrameBytes before reading the frame.
        const oversize = error instanceof Error && (error.name === 'InvalidMessageLengthError' || error.name === 'InvalidDataLengthError' || error.message.startsWith('Buffer length limit exceeded'))
        offend(oversize ? 'FrameTooLarge' : 'StreamError', oversize ? `a frame over the ${this.limits.maxFrameBytes}-byte limit` : error instanceof Error ? error.message : String(error))
      }
    })
  }

  #write(peer: PeerId, link: Link, bytes: Uint8Array): boolean {
    try {
      link.stream.send(bytes)
      return true
    } catch (error) {
      countRefusal(this.stats, 'Unreachable')
      this.#close(peer, link)
      if (!this.#stopped) this.#onLost(peer, error instanceof Error ? error.message : String(error))
      return false
    }
  }

  async #drain(peer: PeerId, link: Link): Promise<void> {
    while (link.queue.length > 0 && !link.closing) {
      if (link.stream.writableNeedsDrain) {
        if (!(await drained(link.stream))) return // closed: its close listener reports the loss
        continue
      }
      const bytes = link.queue.shift()!
      link.queued -= bytes.length
      if (!this.#write(peer, link, bytes)) return
    }
  }

  #close(peer: PeerId, link: Link): void {
    link.closing = true
    this.#dropQueue(link)
    if (this.#links.get(peer) === link) this.#links.delete(peer)
    link.stream.close().catch(() => link.stream.abort(new Error('closed')))
  }

  #dropQueue(link: Link): void {
    for (let i = 0; i < link.queue.length; i += 2) countRefusal(this.stats, 'Unreachable')
    link.queue.length = 0
    link.queued = 0
  }
}

/**
 * Resolves true on the stream's next `drain`, false if it closes first. (`Stream.onDrain` in
 * @libp2p/utils 7.4 keeps its first promise, so every later wait resolves at once: a busy loop.)
 */
function drained(stream: Stream): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      resolve(ok)
    }
    const onDrain = done(true)
    const onClose = done(false)
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
  })
}

const HELLO_DOMAIN = domain('safenet/hello/v1')
const MAX_ADDRESS_BYTES = 512
/** Node keys one hello binds: the current one and those before it in this run. */
const MAX_BOUND_KEYS = 4
const BOUND_KEY_BYTES = 32 + 64

function helloSigned(address: Uint8Array): Uint8Array {
  return concatBytes(HELLO_DOMAIN, address)
}

/** `[u16 address length][address][u8 n][n × (32-byte node key, 64-byte signature over the address)]`. */
function hello(address: string, nodeKeys: ReadonlyArray<NodeKeypair>): Uint8Array {
  const bytes = new TextEncoder().encode(address)
  const out = new Uint8Array(3 + bytes.length + nodeKeys.length * BOUND_KEY_BYTES)
  new DataView(out.buffer).setUint16(0, bytes.length)
  out.set(bytes, 2)
  out[2 + bytes.length] = nodeKeys.length
  nodeKeys.forEach((key, i) => {
    const at = 3 + bytes.length + i * BOUND_KEY_BYTES
    out.set(key.publicKey.bytes, at)
    out.set(key.sign(helloSigned(bytes)), at + 32)
  })
  return out
}

/**
 * The hello of a stream from `remote`: an address that names `remote` (so replies reach the
 * node Noise authenticated) and the node keys that signed it; or why it is not one.
 */
function readHello(bytes: Uint8Array, remote: string): { address: string; keys: Uint8Array[] } | { why: string } {
  if (bytes.length < 3) return { why: `a hello of ${bytes.length} bytes` }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(0)
  const count = bytes[2 + length] ?? 0
  if (length > MAX_ADDRESS_BYTES || count < 1 || count > MAX_BOUND_KEYS || bytes.length !== 3 + length + count * BOUND_KEY_BYTES) {
    return { why: 'a hello whose lengths do not add up' }
  }
  const raw = bytes.subarray(2, 2 + length)
  const address = new TextDecoder('utf-8', { fatal: false }).decode(raw)
  try {
    multiaddr(address)
  } catch {
    return { why: 'a hello whose address is not a multiaddr' }
  }
  const id = peerIdOfAddress(address)
  if (id !== remote) return { why: `a hello naming ${id ?? 'no peer'} over a connection authenticated as ${remote}` }
  const keys: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const at = 3 + length + i * BOUND_KEY_BYTES
    const key = bytes.slice(at, at + 32)
    let signer: NodePublicKey
    try {
      signer = NodePublicKey.fromBytes(key)
    } catch {
      return { why: 'a hello with a malformed node key' }
    }
    if (!signer.verify(helloSigned(raw), bytes.subarray(at + 32, at + BOUND_KEY_BYTES))) return { why: 'a hello whose signature does not verify' }
    keys.push(key)
  }
  return { address, keys }
}

/** `frame` with its unsigned-varint length in front (the hello: small, written once). */
function lengthPrefixed(frame: Uint8Array): Uint8Array {
  const header = lengthHeader(frame.length)
  const out = new Uint8Array(header.length + frame.length)
  out.set(header)
  out.set(frame, header.length)
  return out
}

/** The unsigned-varint length that goes before a frame. */
function lengthHeader(frameLength: number): Uint8Array {
  let length = frameLength
  const header: number[] = []
  do {
    let byte = length & 0x7f
    length >>>= 7
    if (length > 0) byte |= 0x80
    header.push(byte)
  } while (length > 0)
  return Uint8Array.from(header)
}
