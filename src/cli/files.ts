/**
 * `safenet files put|get|ls` (DESIGN.md §15): store a file or a directory on the network, fetch it
 * back, list a directory — through the client library (src/client), from a contacts file.
 */
import { createHash } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { toHex } from '../crypto/index.ts'
import { Client, ClientInputInvalid, getDirectory, type Progress, putDirectory, readManifest, type UploadJournal, writeFile } from '../client/index.ts'
import { decodeContactsFile } from '../knowledge/contacts-file.ts'

export const FILES_USAGE = `usage: safenet files put PATH [--contacts FILE] [--json]
       safenet files get safe://ADDRESS [OUT] [--contacts FILE] [--json]
       safenet files ls safe://ADDRESS [--contacts FILE] [--json]

  put    self-encrypts and stores a file, or a directory (each file, and a manifest of their
         paths), and prints its address, safe://<64 hex digits>. An upload that was interrupted
         resumes: chunks it already stored are skipped (its journal is in .safenet/client).
  get    fetches a file to OUT (default: standard output), or a directory into OUT (default
         ./<first 16 digits of the address>); every chunk is checked against its address
  ls     lists a directory's paths and sizes, or says it is a file and its size

  --contacts FILE   the network to use (default .safenet/testnet/contacts.json, the local testnet's)
  --json            print one JSON object; otherwise a progress bar on a terminal, then a summary`

export class FilesUsageError extends Error {}

const DEFAULT_CONTACTS = join('.safenet', 'testnet', 'contacts.json')
const JOURNALS = join('.safenet', 'client', 'uploads')

/**
 * A client of the network a contacts file names (`--contacts`, default the local testnet's); a
 * missing file is `usage`'s error, saying how to get one.
 */
export async function connectClient(flag: string | undefined, usage: new (message: string) => Error): Promise<Client> {
  const path = flag ?? DEFAULT_CONTACTS
  if (!existsSync(path)) throw new usage(`${path}: no contacts file${flag === undefined ? ' (start a local testnet with `npm start`, or pass --contacts)' : ''}`)
  return Client.connect(decodeContactsFile(readFileSync(path, 'utf8'), path))
}

/** `safe://<64 hex>` (or the bare hex) → the address. */
export function parseAddress(text: string): Uint8Array {
  const hex = text.startsWith('safe://') ? text.slice('safe://'.length) : text
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new FilesUsageError(`${JSON.stringify(text)} is not a safe:// address (safe:// and 64 hex digits)`)
  return Buffer.from(hex, 'hex')
}

export function formatAddress(address: Uint8Array): string {
  return `safe://${toHex(address)}`
}

export async function runFiles(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      contacts: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(FILES_USAGE)
    return 0
  }
  const [action, target, out] = positionals
  if (action !== 'put' && action !== 'get' && action !== 'ls') throw new FilesUsageError(`expected put, get or ls, got ${JSON.stringify(action ?? '')}`)
  if (target === undefined) throw new FilesUsageError(action === 'put' ? 'put needs a PATH' : `${action} needs a safe:// address`)
  if (positionals.length > (action === 'get' ? 3 : 2)) throw new FilesUsageError(`too many arguments: ${positionals.slice(action === 'get' ? 3 : 2).join(' ')}`)
  const address = action === 'put' ? undefined : parseAddress(target)
  if (action === 'put' && !existsSync(target)) throw new FilesUsageError(`${target}: no such file or directory`)
  const client = await connectClient(values.contacts, FilesUsageError)
  const bar = !values.json && process.stderr.isTTY ? new ProgressBar() : undefined
  try {
    if (action === 'put') return await put(client, target, values.json, bar)
    if (action === 'get') return await get(client, address!, out, values.json, bar)
    return await list(client, address!, values.json)
  } catch (error) {
    if (error instanceof ClientInputInvalid) throw new FilesUsageError(error.message)
    throw error
  } finally {
    bar?.end()
    await client.close()
  }
}

async function put(client: Client, path: string, json: boolean, bar: ProgressBar | undefined): Promise<number> {
  const started = performance.now()
  const onProgress = (p: Progress): void => bar?.draw(p, started)
  if (statSync(path).isDirectory()) {
    const result = await putDirectory(client, path, onProgress)
    return done(json, { address: formatAddress(result.address), kind: 'directory', files: result.files, sizeBytes: result.sizeBytes, seconds: seconds(started) })
  }
  const journal = fileJournal(path)
  const result = await client.put(path, { journal, onProgress })
  journal.finish()
  return done(json, { address: formatAddress(result.address), kind: 'file', sizeBytes: result.sizeBytes, chunks: result.chunks, skipped: result.skipped, seconds: seconds(started) })
}

async function get(client: Client, address: Uint8Array, out: string | undefined, json: boolean, bar: ProgressBar | undefined): Promise<number> {
  const started = performance.now()
  const manifest = await readManifest(client, address)
  if (manifest !== undefined) {
    const dir = out ?? `./${toHex(address).slice(0, 16)}`
    const result = await getDirectory(client, manifest, dir, (p) => bar?.draw(p, started))
    return done(json, { address: formatAddress(address), kind: 'directory', out: resolve(dir), files: result.files, sizeBytes: result.sizeBytes, seconds: seconds(started) })
  }
  const { sizeBytes } = await client.stat(address)
  if (out === undefined) {
    await pipeline(Readable.from(client.get(address)), process.stdout)
    return 0
  }
  await writeFile(client, address, out, (p) => bar?.draw({ ...p, totalBytes: sizeBytes }, started))
  return done(json, { address: formatAddress(address), kind: 'file', out: resolve(out), sizeBytes, seconds: seconds(started) })
}

async function list(client: Client, address: Uint8Array, json: boolean): Promise<number> {
  const manifest = await readManifest(client, address)
  if (manifest === undefined) {
    const { sizeBytes } = await client.stat(address)
    if (json) console.log(JSON.stringify({ address: formatAddress(address), kind: 'file', sizeBytes }))
    else console.log(`${formatAddress(address)}: a file of ${sizeBytes} bytes`)
    return 0
  }
  if (json) console.log(JSON.stringify({ address: formatAddress(address), kind: 'directory', entries: manifest.entries }))
  else for (const entry of manifest.entries) console.log(entry.kind === 'dir' ? `${entry.path}/` : `${String(entry.sizeBytes).padStart(12)}  ${entry.path}`)
  return 0
}

function seconds(started: number): number {
  return Math.round(performance.now() - started) / 1000
}

interface Done {
  readonly address: string
  readonly kind: 'file' | 'directory'
  readonly sizeBytes: number
  readonly seconds: number
  readonly files?: number
  readonly out?: string
  readonly chunks?: number
  readonly skipped?: number
}

function done(json: boolean, result: Done): number {
  if (json) {
    console.log(JSON.stringify(result))
  } else {
    const mib = result.sizeBytes / 1048576
    const rate = result.seconds > 0 ? ` (${(mib / result.seconds).toFixed(1)} MiB/s)` : ''
    console.log(result.address)
    console.error(`${result.kind} of ${mib.toFixed(2)} MiB${result.files === undefined ? '' : ` in ${result.files} files`}${result.out === undefined ? '' : ` → ${result.out}`} in ${result.seconds} s${rate}`)
  }
  return 0
}

/** The chunks an upload of `path` (as it is now: size and modification time) stored, one hex address per line. */
function fileJournal(path: string): UploadJournal & { finish(): void } {
  const info = statSync(path)
  const id = createHash('sha3-256').update(`${resolve(path)}\0${info.size}\0${info.mtimeMs}`).digest('hex').slice(0, 32)
  mkdirSync(JOURNALS, { recursive: true })
  const file = join(JOURNALS, `${id}.log`)
  const stored = new Set(existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line)) : [])
  return {
    has: (address) => stored.has(toHex(address)),
    add: (address) => {
      stored.add(toHex(address))
      appendFileSync(file, `${toHex(address)}\n`)
    },
    finish: () => rmSync(file, { force: true }),
  }
}

/** A progress line on a terminal: bytes, chunks and MiB/s, redrawn in place. */
class ProgressBar {
  #drawnAt = 0

  draw(p: Progress, started: number): void {
    const now = performance.now()
    if (now - this.#drawnAt < 100) return
    this.#drawnAt = now
    const mib = p.bytes / 1048576
    const rate = mib / Math.max(0.001, (now - started) / 1000)
    const width = 30
    const filled = p.totalBytes > 0 ? Math.round((Math.min(p.bytes, p.totalBytes) / p.totalBytes) * width) : 0
    const total = p.totalBytes > 0 ? ` / ${(p.totalBytes / 1048576).toFixed(1)}` : ''
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mib.toFixed(1)}${total} MiB  ${p.chunks} chunks${p.skipped > 0 ? ` (${p.skipped} already stored)` : ''}  ${rate.toFixed(1)} MiB/s `)
  }

  end(): void {
    if (this.#drawnAt > 0) process.stderr.write('\n')
  }
}
