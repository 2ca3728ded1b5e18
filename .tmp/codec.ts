import { randomBytes } from 'node:crypto'
import { Result, Schema } from 'effect'
import { Payloads } from '/work/main/src/wire/payloads.ts'
import { encodePayload } from '/work/main/src/wire/codec.ts'
import { Unpackr } from 'msgpackr'
const content = new Uint8Array(randomBytes(1 << 20))
const bytes = Result.getOrThrow(encodePayload('ChunkPut', { content }))
const un = new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: false })
const dec = Schema.decodeUnknownResult(Payloads.ChunkPut)
const is = Schema.is(Payloads.ChunkPut)
let t = performance.now(); for (let i = 0; i < 50; i++) un.unpack(bytes); console.log('unpack', ((performance.now() - t) / 50).toFixed(3), 'ms')
const raw = un.unpack(bytes)
t = performance.now(); for (let i = 0; i < 50; i++) dec(raw); console.log('schema decode', ((performance.now() - t) / 50).toFixed(3), 'ms')
t = performance.now(); for (let i = 0; i < 50; i++) is(raw); console.log('schema is', ((performance.now() - t) / 50).toFixed(3), 'ms')
const small = un.unpack(Result.getOrThrow(encodePayload('ChunkPut', { content: content.subarray(0, 100) })))
t = performance.now(); for (let i = 0; i < 50; i++) dec(small); console.log('schema decode small', ((performance.now() - t) / 50).toFixed(3), 'ms')
t = performance.now(); for (let i = 0; i < 50; i++) encodePayload('ChunkPut', { content }); console.log('encodePayload', ((performance.now() - t) / 50).toFixed(3), 'ms')
import { Packr } from 'msgpackr'
const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false, bundleStrings: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: false })
t = performance.now(); for (let i = 0; i < 50; i++) packr.pack({ content }); console.log('packr.pack 1MiB', ((performance.now() - t) / 50).toFixed(3), 'ms')
t = performance.now(); for (let i = 0; i < 50; i++) is({ content }); console.log('is', ((performance.now() - t) / 50).toFixed(3), 'ms')
t = performance.now(); for (let i = 0; i < 50; i++) new Uint8Array(packr.pack({ content })); console.log('pack+copy', ((performance.now() - t) / 50).toFixed(3), 'ms')
const offer = { addresses: Array.from({ length: 64 }, () => new Uint8Array(randomBytes(32))), popular: false }
const ob = Result.getOrThrow(encodePayload('ChunkOffer', offer)); const oraw = un.unpack(ob)
const odec = Schema.decodeUnknownResult(Payloads.ChunkOffer)
t = performance.now(); for (let i = 0; i < 200; i++) odec(oraw); console.log('offer decode 64', ((performance.now() - t) / 200).toFixed(3), 'ms')
t = performance.now(); for (let i = 0; i < 200; i++) encodePayload('ChunkOffer', offer); console.log('offer encode 64', ((performance.now() - t) / 200).toFixed(3), 'ms')
