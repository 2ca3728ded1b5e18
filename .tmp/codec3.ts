import { randomBytes } from 'node:crypto'
import { Result } from 'effect'
import { NodeKeypair, sha256 } from '/work/main/src/crypto/index.ts'
import { encodePayload, encodeEnvelope, messageSigningBytes, PROTOCOL_VERSION } from '/work/main/src/wire/index.ts'
const content = new Uint8Array(randomBytes(1 << 20))
const kp = NodeKeypair.generate()
const time = (what: string, f: () => unknown, n = 30) => { f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(what, ((performance.now() - t) / n).toFixed(2), 'ms') }
time('encodePayload', () => encodePayload('ChunkPut', { content }))
const payload = Result.getOrThrow(encodePayload('ChunkPut', { content }))
const unsigned = { msgId: new Uint8Array(32), kind: 'ChunkPut' as const, dst: { name: new Uint8Array(32), sectionKey: new Uint8Array(48) }, payload }
time('signingBytes', () => messageSigningBytes('Client', unsigned))
time('sha256', () => sha256(payload))
time('sign', () => kp.sign(messageSigningBytes('Client', unsigned)))
const env = { version: PROTOCOL_VERSION, ...unsigned, auth: { _tag: 'Client' as const, publicKey: kp.publicKey.bytes, signature: kp.sign(messageSigningBytes('Client', unsigned)) } }
time('encodeEnvelope', () => encodeEnvelope(env))
time('alloc 1MiB', () => new Uint8Array(1 << 20))
time('allocUnsafe 1MiB', () => Buffer.allocUnsafe(1 << 20))
time('allocUnsafeSlow 1MiB', () => Buffer.allocUnsafeSlow(1 << 20))
