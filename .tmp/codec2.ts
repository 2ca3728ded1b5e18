import { randomBytes } from 'node:crypto'
import { Result } from 'effect'
import { NodeKeypair } from '/work/main/src/crypto/index.ts'
import { seal, decode, clientAuthority, verifyPeerAuthority } from '/work/main/src/wire/index.ts'
import { Uint8ArrayList } from 'uint8arraylist'
const content = new Uint8Array(randomBytes(1 << 20))
const kp = NodeKeypair.generate()
let t = performance.now()
let sealed
for (let i = 0; i < 20; i++) sealed = Result.getOrThrow(seal({ msgId: new Uint8Array(32), kind: 'ChunkPut', dst: { name: new Uint8Array(32), sectionKey: new Uint8Array(48) }, payload: { content } }, clientAuthority(kp)))
console.log('seal', ((performance.now() - t) / 20).toFixed(2), 'ms')
const frame = sealed!.frame
t = performance.now(); for (let i = 0; i < 50; i++) Result.getOrThrow(decode(frame)); console.log('decode plain', ((performance.now() - t) / 50).toFixed(3), 'ms')
// as from the stream: 64 KiB pieces, joined
const list = new Uint8ArrayList(); for (let at = 0; at < frame.length; at += 65536) list.append(frame.slice(at, at + 65536))
const joined = list.subarray()
t = performance.now(); for (let i = 0; i < 50; i++) Result.getOrThrow(decode(joined)); console.log('decode joined', ((performance.now() - t) / 50).toFixed(3), 'ms')
const m = Result.getOrThrow(decode(joined))
t = performance.now(); for (let i = 0; i < 50; i++) verifyPeerAuthority(m.envelope); console.log('verify', ((performance.now() - t) / 50).toFixed(3), 'ms')
t = performance.now(); for (let i = 0; i < 50; i++) { const l = new Uint8ArrayList(); for (let at = 0; at < frame.length; at += 65536) l.append(frame.subarray(at, at + 65536)); l.subarray() } console.log('join', ((performance.now() - t) / 50).toFixed(3), 'ms')
