import { randomBytes } from 'node:crypto'
import { Packr } from 'msgpackr'
const opts = { useRecords: false, moreTypes: false, structuredClone: false, bundleStrings: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: false } as const
const packr = new Packr(opts)
const content = new Uint8Array(randomBytes(1 << 20))
const time = (what: string, f: () => unknown, n = 50) => { f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(what, ((performance.now() - t) / n).toFixed(3), 'ms') }
// current: payload pack + copy, envelope pack
time('current', () => { const p = new Uint8Array(packr.pack({ content })); return packr.pack({ version: 3, msgId: new Uint8Array(32), kind: 'ChunkPut', payload: p }) })
const scratch = Buffer.allocUnsafeSlow(8 << 20); scratch.fill(0)
const exact = (value: unknown) => { packr.useBuffer(scratch); const packed = packr.pack(value); const out = new Uint8Array(packed.length); out.set(packed); return out }
time('scratch', () => { const p = exact({ content }); return exact({ version: 3, msgId: new Uint8Array(32), kind: 'ChunkPut', payload: p }) })
const exactUnsafe = (value: unknown) => { packr.useBuffer(scratch); const packed = packr.pack(value); const out = Buffer.allocUnsafe(packed.length); packed.copy(out); return new Uint8Array(out.buffer, out.byteOffset, out.length) }
time('scratch allocUnsafe', () => { const p = exactUnsafe({ content }); return exactUnsafe({ version: 3, msgId: new Uint8Array(32), kind: 'ChunkPut', payload: p }) })
