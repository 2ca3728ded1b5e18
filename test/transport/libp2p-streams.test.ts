/**
 * A peer that closes its stream to us and opens another, again and again (idle close and redial;
 * a new name, so a new hello), is still heard: each closed inbound stream is closed on our side
 * too, so half-open streams do not pile up against the per-connection stream limit (4). Before the
 * fix, the 5th stream was refused and every frame on it counted `Unreachable` at the sender.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { DEFAULT_LIBP2P_LIMITS, Libp2pTransport } from '../../src/transport/libp2p.ts'

const running: Libp2pTransport[] = []
afterAll(async () => {
  await Promise.all(running.map((t) => t.stop()))
})

async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('libp2p streams', () => {
  it('a peer that reopens its stream more times than the stream limit is still heard', async () => {
    const a = await Libp2pTransport.start({ keypair: NodeKeypair.generate(), networkId: 'streams' })
    const b = await Libp2pTransport.start({ keypair: NodeKeypair.generate(), networkId: 'streams' })
    running.push(a, b)
    const received: number[] = []
    b.onFrame((_from, frame) => received.push(frame[0]!))
    const times = DEFAULT_LIBP2P_LIMITS.maxStreamsPerConnection * 3
    for (let i = 0; i < times; i++) {
      await new Promise<void>((resolve, reject) => a.dial(b.self, (failure) => (failure === undefined ? resolve() : reject(new Error(failure))), AbortSignal.timeout(5_000)))
      a.send(b.self, new Uint8Array([i]))
      await until(() => received.length === i + 1, `frame ${i} on stream ${i + 1}`)
      if (i % 2 === 0) a.hangUp(b.self)
      else a.bind(NodeKeypair.generate())
    }
    expect(received).toEqual(Array.from({ length: times }, (_, i) => i))
    expect(a.stats.refused.Unreachable ?? 0).toBe(0)
  })
})
