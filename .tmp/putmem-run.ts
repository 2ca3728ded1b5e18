import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '/work/main/src/log/index.ts'
import { Testnet } from '/work/main/src/node/testnet.ts'
const dir = mkdtempSync(join(tmpdir(), 'pm-'))
const net = await Testnet.start({ nodes: 12, processes: true, dir: join(dir, 'net'), logger: createLogger({ level: 'silent' }) })
await net.settle(180_000)
for (const [i, par] of (process.env.PARS ?? '8,4,2').split(',').entries()) {
  const file = join(dir, `f${i}.bin`); writeFileSync(file, randomBytes(Number(process.env.MIB ?? 128) * 1048576))
  const out = spawnSync(process.execPath, [...(process.env.FLAGS ? process.env.FLAGS.split(' ') : []), '/work/main/.tmp/putmem.ts', net.contactsPath, file, par], { encoding: 'utf8' })
  console.log(out.stdout.trim(), out.stderr.slice(-300))
}
await net.stop()
