/**
 * A large file through the command line with bounded memory (issue 17):
 *   node scripts/large-file.ts [--mib 1024] [--nodes 12]
 * starts a testnet on 127.0.0.1 (its nodes in this process), writes a file of random bytes,
 * `safenet files put`s it and `safenet files get`s it back in child processes, and prints each
 * child's peak resident memory (VmHWM) and speed, and whether the bytes came back the same.
 * Exit 0 when they did and both peaks are at most 300 MB.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CLI_MAIN, CLI_NODE_FLAGS } from '../src/node/process-flags.ts'
import { createLogger } from '../src/log/index.ts'
import { Testnet } from '../src/node/testnet.ts'

const PEAK_LIMIT_MB = 300
const { values } = parseArgs({ options: { mib: { type: 'string' }, nodes: { type: 'string' } } })
const mib = Number(values.mib ?? 1024)
const dir = mkdtempSync(join(tmpdir(), 'safenet-large-file-'))

/** Runs the CLI with `args`; its stdout, exit code, wall time and peak RSS (VmHWM, MB). */
function run(args: string[]): Promise<{ stdout: string; code: number | null; seconds: number; peakMb: number }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, [...CLI_NODE_FLAGS, CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    let peakKb = 0
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
    const sample = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (match !== null) peakKb = Math.max(peakKb, Number(match[1]))
      } catch {
        // exited between samples
      }
    }, 100)
    child.on('exit', (code) => {
      clearInterval(sample)
      resolve({ stdout, code, seconds: (performance.now() - started) / 1000, peakMb: Math.round(peakKb / 1024) })
    })
  })
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer)
  return hash.digest('hex')
}

const net = await Testnet.start({ nodes: Number(values.nodes ?? 12), dir: join(dir, 'net'), logger: createLogger({ level: 'silent' }) })
try {
  if ((await net.settle(180_000)) === undefined) throw new Error(`the testnet did not settle: ${net.health().why}`)
  const input = join(dir, 'input.bin')
  const out = createWriteStream(input)
  for (let i = 0; i < mib; i++) if (!out.write(randomBytes(1024 * 1024))) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  await new Promise<void>((resolve) => out.end(() => resolve()))
  const put = await run(['files', 'put', input, '--contacts', net.contactsPath, '--json'])
  const address = (JSON.parse(put.stdout) as { address: string }).address
  const output = join(dir, 'output.bin')
  const get = await run(['files', 'get', address, output, '--contacts', net.contactsPath, '--json'])
  const same = put.code === 0 && get.code === 0 && (await sha256Of(input)) === (await sha256Of(output))
  const report = {
    mib, same,
    put: { seconds: Math.round(put.seconds), mibPerSecond: Math.round((mib / put.seconds) * 10) / 10, peakRssMb: put.peakMb },
    get: { seconds: Math.round(get.seconds), mibPerSecond: Math.round((mib / get.seconds) * 10) / 10, peakRssMb: get.peakMb },
    peakLimitMb: PEAK_LIMIT_MB,
  }
  console.log(JSON.stringify(report))
  process.exitCode = same && put.peakMb <= PEAK_LIMIT_MB && get.peakMb <= PEAK_LIMIT_MB ? 0 : 1
} finally {
  await net.stop()
  rmSync(dir, { recursive: true, force: true })
}
