import { randomBytes } from 'node:crypto'
import { Packr } from 'msgpackr'
const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false, bundleStrings: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: false })
const time = (what: string, f: () => unknown, n = 30) => { f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(what, ((performance.now() - t) / n).toFixed(2), 'ms') }
const u8 = new Uint8Array(randomBytes(1 << 20))
const buf = randomBytes(1 << 20)
time('pack {u8}', () => packr.pack({ content: u8 }))
time('pack {buf}', () => packr.pack({ content: buf }))
time('pack u8', () => packr.pack(u8))
time('pack {u8} x2 keys', () => packr.pack({ a: 1, content: u8 }))
time('pack {buf} again', () => packr.pack({ content: buf }))
time('pack {u8} again', () => packr.pack({ content: u8 }))
