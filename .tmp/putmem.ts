// child: put a file with the given parallelism, print peak memory breakdown
import { readFileSync } from 'node:fs'
import { Client, decodeContactsFile } from '/work/main/src/client/index.ts'
const [contacts, file, par] = process.argv.slice(2)
const client = await Client.connect(decodeContactsFile(readFileSync(contacts!, 'utf8'), contacts!), { putParallelism: Number(par) })
const base = process.memoryUsage()
let peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }
const timer = setInterval(() => { const m = process.memoryUsage(); if (m.rss > peak.rss) peak = { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers } }, 20)
const t = performance.now()
const r = await client.put(file!)
clearInterval(timer)
const mb = (n: number) => Math.round(n / 1e6)
const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]
console.log(JSON.stringify({ par, mibPerS: +(r.sizeBytes / 1048576 / ((performance.now() - t) / 1000)).toFixed(1), baseRss: mb(base.rss), peakRss: mb(peak.rss), heapUsed: mb(peak.heapUsed), external: mb(peak.external), arrayBuffers: mb(peak.arrayBuffers), hwmMb: Math.round(Number(hwm) / 1024) }))
await client.close()
