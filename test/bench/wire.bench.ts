/**
 * Wire benchmarks: encode and decode (with full schema validation) of a 1 KiB message,
 * messages/s. Baseline in the same run: JSON.stringify / JSON.parse of the same message with
 * bytes as base64, no validation. And the sealing of a 1 MiB chunk put (payload, envelope,
 * signing from a precomputed authority) against msgpackr packing the same two values in its own
 * buffers, as the codec did before it packed through one that stays mapped.
 */
import { Result } from 'effect'
import { Packr } from 'msgpackr'
import { describe, expect, test } from 'vitest'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { decode, type Dst, newMsgId, nodeAuthority, seal } from '../../src/wire/index.ts'
import { figure } from './report.ts'

describe('wire', () => {
  test('encode and decode a 1 KiB message', async ({ bench }) => {
    const node = NodeKeypair.generate()
    const dst: Dst = { name: new Uint8Array(32).fill(1), sectionKey: new Uint8Array(48).fill(2) }
    // An AeRetry bouncing a 230-byte frame: the whole frame comes to ~1 KiB.
    const message = {
      msgId: newMsgId(),
      kind: 'AeRetry' as const,
      dst,
      payload: {
        sap: {
          sap: {
            prefix: { bitCount: 0, name: new Uint8Array(32) },
            publicKeySet: new Uint8Array(48).fill(4),
            elders: [{ name: new Uint8Array(32).fill(5), addr: '/ip4/127.0.0.1/tcp/40001' }],
            members: [],
            generation: 7,
          },
          signature: new Uint8Array(96).fill(6),
        },
        proofChain: { root: new Uint8Array(48).fill(7), links: [] },
        bounced: new Uint8Array(230).fill(8),
      },
    }
    // Signing is measured separately (Ed25519 above); here the authority is precomputed.
    const auth = nodeAuthority(node)({ msgId: message.msgId, kind: message.kind, dst, payload: new Uint8Array(0) })
    const frame = Result.getOrThrow(seal(message, () => auth)).frame
    expect(frame.length).toBeGreaterThan(1000)
    expect(frame.length).toBeLessThan(1100)

    const encode = await bench('wire encode 1 KiB (validate + msgpack)', () => { seal(message, () => auth) }).run({ time: 1500 })
    const decodeRun = await bench('wire decode 1 KiB (msgpack + validate)', () => { decode(frame) }).run({ time: 1500 })

    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
    const jsonMessage = JSON.parse(JSON.stringify(message, (_k, v: unknown) => (v instanceof Uint8Array ? b64(v) : v))) as unknown
    const jsonText = JSON.stringify(jsonMessage)
    const jsonEncode = await bench('JSON.stringify baseline', () => { JSON.stringify(jsonMessage) }).run({ time: 1500 })
    const jsonDecode = await bench('JSON.parse baseline', () => { JSON.parse(jsonText) }).run({ time: 1500 })

    figure(`wire encode, ${frame.length}-byte frame`, encode.throughput.mean, 'msg/s', { name: 'JSON.stringify', value: jsonEncode.throughput.mean, higherIsBetter: true })
    figure(`wire decode, ${frame.length}-byte frame`, decodeRun.throughput.mean, 'msg/s', { name: 'JSON.parse', value: jsonDecode.throughput.mean, higherIsBetter: true })
    figure('wire encode MB/s', (encode.throughput.mean * frame.length) / 1e6, 'MB/s')
    figure('wire decode MB/s', (decodeRun.throughput.mean * frame.length) / 1e6, 'MB/s')
    expect(Result.isSuccess(decode(frame))).toBe(true)
  })

  test('seal a 1 MiB chunk put', async ({ bench }) => {
    const node = NodeKeypair.generate()
    const dst: Dst = { name: new Uint8Array(32).fill(1), sectionKey: new Uint8Array(48).fill(2) }
    const content = new Uint8Array(1024 * 1024).map((_, i) => (i * 7919) & 0xff)
    const message = { msgId: newMsgId(), kind: 'ChunkPut' as const, dst, payload: { content } }
    const auth = nodeAuthority(node)({ msgId: message.msgId, kind: message.kind, dst, payload: new Uint8Array(0) })
    const packr = new Packr({ useRecords: false, mapsAsObjects: true })
    const sealRun = await bench('seal 1 MiB', () => { seal(message, () => auth) }).run({ time: 1500 })
    // The codec before: the payload packed and copied out (a zeroed array), the envelope packed, both in msgpackr's buffers.
    const packRun = await bench('msgpackr, its own buffers', () => {
      const payload = new Uint8Array(packr.pack(message.payload))
      packr.pack({ version: 3, msgId: message.msgId, kind: message.kind, dst, auth, payload })
    }).run({ time: 1500 })
    figure('seal a 1 MiB ChunkPut', sealRun.latency.mean, 'ms', { name: 'the same packing in msgpackr\'s buffers', value: packRun.latency.mean, higherIsBetter: false })
    expect(Result.getOrThrow(seal(message, () => auth)).frame.length).toBeGreaterThan(content.length)
  })
})
