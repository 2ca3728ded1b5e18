/**
 * Issue 6, bad peers: a peer that sends garbage frames, oversize frames or messages signed by a
 * key other than the one its stream is bound to gets typed errors logged, is disconnected (and
 * refused for a while) after repeated offences, and the node keeps serving everyone else.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { multiaddr } from '@multiformats/multiaddr'
import { Result } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { MAX_OFFENCES, RealNode } from '../../src/node/runtime.ts'
import { MemoryStore } from '../../src/store/index.ts'
import { Libp2pTransport } from '../../src/transport/libp2p.ts'
import { decode, nodeAuthority, seal } from '../../src/wire/index.ts'

const root = mkdtempSync(join(tmpdir(), 'safenet-bad-peer-'))
const lines: Array<Record<string, unknown>> = []
let node: RealNode
const peers: Libp2pTransport[] = []

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  node = await RealNode.start({ root, first: true, store: MemoryStore.open(), logger: createLogger({ level: 'info', destination }) })
})

afterAll(async () => {
  await Promise.all(peers.map((p) => p.stop()))
  await node.stop()
  rmSync(root, { recursive: true, force: true })
})

async function peer(): Promise<Libp2pTransport> {
  const transport = await Libp2pTransport.start({ keypair: NodeKeypair.generate(), networkId: node.networkId })
  peers.push(transport)
  return transport
}

async function connect(transport: Libp2pTransport): Promise<void> {
  await new Promise<void>((resolve, reject) => transport.dial(node.addr, (failure) => (failure === undefined ? resolve() : reject(new Error(failure))), new AbortController().signal))
}

function sealed(keypair: NodeKeypair): Uint8Array {
  const out = seal({ msgId: randomBytes(32), kind: 'ContactsRequest', dst: { name: new Uint8Array(32), sectionKey: new Uint8Array(48) }, payload: {} }, nodeAuthority(keypair))
  if (Result.isFailure(out)) throw new Error('seal failed')
  return out.success.frame
}

async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const offencesBy = (address: string, tag: string) => lines.filter((l) => l.peer === address && l.error === tag)
const disconnected = (address: string) => lines.some((l) => l.peer === address && l.msg === 'disconnecting a peer that keeps offending')

/** A peer asks for the contacts and gets them: the node is serving. */
async function served(): Promise<void> {
  const honest = await peer()
  const keypair = NodeKeypair.fromSeed(randomBytes(32))
  let answered = false
  honest.onFrame((_from, frame) => {
    const message = decode(frame)
    if (Result.isSuccess(message) && message.success.kind === 'Contacts') answered = true
  })
  const bound = await Libp2pTransport.start({ keypair, networkId: node.networkId })
  peers.push(bound)
  bound.onFrame((_from, frame) => {
    const message = decode(frame)
    if (Result.isSuccess(message) && message.success.kind === 'Contacts') answered = true
  })
  await connect(bound)
  bound.send(node.addr, sealed(keypair))
  await until(() => answered, 'an honest peer to be answered')
}

describe('bad peers', () => {
  it('garbage frames: MalformedFrame logged per frame, disconnected and refused after repeated offences', async () => {
    const bad = await peer()
    await connect(bad)
    for (let i = 0; i < MAX_OFFENCES; i++) bad.send(node.addr, randomBytes(200))
    await until(() => disconnected(bad.self), 'the garbage sender to be disconnected')
    expect(offencesBy(bad.self, 'MalformedFrame').length).toBe(MAX_OFFENCES)
    expect(node.transport.isBanned(bad.self)).toBe(true)
    // Refused when it comes back.
    await expect(connect(bad)).rejects.toThrow()
    await served()
  })

  it('messages signed by another key than the stream is bound to: SenderMismatch, then disconnected', async () => {
    const bad = await peer()
    await connect(bad)
    const other = NodeKeypair.generate()
    for (let i = 0; i < MAX_OFFENCES; i++) bad.send(node.addr, sealed(other))
    await until(() => disconnected(bad.self), 'the impostor to be disconnected')
    expect(offencesBy(bad.self, 'SenderMismatch').length).toBe(MAX_OFFENCES)
    await served()
  })

  it('an oversize frame is refused before it is read (FrameTooLarge); repeated, the peer is disconnected', async () => {
    const bad = await peer()
    for (let i = 0; i < MAX_OFFENCES; i++) {
      // A raw stream: a valid hello, then a length prefix of 6 MiB and the first bytes of the frame.
      const stream = await bad.node.dialProtocol(multiaddr(node.addr), bad.protocol)
      stream.send(bad.helloFrame())
      stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x03, ...randomBytes(1024)]))
      await until(() => offencesBy(bad.self, 'FrameTooLarge').length > i, 'the oversize frame to be refused')
    }
    await until(() => disconnected(bad.self), 'the oversize sender to be disconnected')
    expect(offencesBy(bad.self, 'FrameTooLarge').length).toBe(MAX_OFFENCES)
    await served()
  })
})
