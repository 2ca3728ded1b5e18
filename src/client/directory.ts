/**
 * Directories (DESIGN.md §10): a manifest listing every path under a directory with the address
 * of its file, itself stored as a file; the manifest's address is the directory's.
 *
 * Manifest (version 1): the UTF-8 line `safenet-directory/1` and a newline, then JSON
 * `{"entries":[{"path","kind","address","sizeBytes"}]}` — `path` relative, `/`-separated, NFC,
 * never `..` nor absolute; `kind` `file` (with its `address` in hex and `sizeBytes`) or `dir` (so
 * empty directories come back); entries sorted by path.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { toHex } from '../crypto/index.ts'
import { type Client, ClientInputInvalid, type Progress } from './client.ts'

export const MANIFEST_MAGIC = 'safenet-directory/1\n'
/** Entries one manifest holds; a larger tree is refused (counted by the caller) rather than stored half. */
export const MAX_MANIFEST_ENTRIES = 100_000
/** Files put at once while storing a directory. */
const FILES_AT_ONCE = 4

export interface ManifestEntry {
  readonly path: string
  readonly kind: 'file' | 'dir'
  readonly address?: string
  readonly sizeBytes?: number
}

export interface Manifest {
  readonly entries: ReadonlyArray<ManifestEntry>
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(MANIFEST_MAGIC + JSON.stringify({ entries: manifest.entries }))
}

/** The manifest in `bytes`, or undefined when they are not one (an ordinary file). */
export function decodeManifest(bytes: Uint8Array): Manifest | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  if (!text.startsWith(MANIFEST_MAGIC)) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text.slice(MANIFEST_MAGIC.length))
  } catch {
    return undefined
  }
  const entries = (raw as { entries?: unknown }).entries
  if (!Array.isArray(entries) || entries.length > MAX_MANIFEST_ENTRIES) return undefined
  const out: ManifestEntry[] = []
  for (const entry of entries as Array<Partial<ManifestEntry>>) {
    if (typeof entry.path !== 'string' || !safePath(entry.path)) return undefined
    if (entry.kind === 'dir') out.push({ path: entry.path, kind: 'dir' })
    else if (entry.kind === 'file' && typeof entry.address === 'string' && /^[0-9a-f]{64}$/.test(entry.address) && Number.isSafeInteger(entry.sizeBytes)) out.push({ path: entry.path, kind: 'file', address: entry.address, sizeBytes: entry.sizeBytes! })
    else return undefined
  }
  return { entries: out }
}

/** A relative path that stays inside the directory it is restored to. */
function safePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
}

/** Every file and directory under `root`, relative, sorted. */
async function walk(root: string): Promise<Array<{ path: string; kind: 'file' | 'dir'; full: string; sizeBytes: number }>> {
  const out: Array<{ path: string; kind: 'file' | 'dir'; full: string; sizeBytes: number }> = []
  const visit = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort()
    for (const name of names) {
      const full = join(dir, name)
      const info = await stat(full)
      const path = relative(root, full).split(sep).join('/').normalize('NFC')
      if (info.isDirectory()) {
        out.push({ path, kind: 'dir', full, sizeBytes: 0 })
        await visit(full)
      } else if (info.isFile()) {
        out.push({ path, kind: 'file', full, sizeBytes: info.size })
      }
      if (out.length > MAX_MANIFEST_ENTRIES) throw new ClientInputInvalid({ message: `${root} holds more than ${MAX_MANIFEST_ENTRIES} entries` })
    }
  }
  await visit(root)
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** Stores every file under `root` and a manifest of them; resolves with the manifest's address. */
export async function putDirectory(client: Client, root: string, onProgress?: (progress: Progress) => void): Promise<{ address: Uint8Array; files: number; sizeBytes: number }> {
  const info = await stat(root).catch(() => undefined)
  if (info === undefined || !info.isDirectory()) throw new ClientInputInvalid({ message: `${root} is not a directory` })
  const items = await walk(root)
  const totalBytes = items.reduce((sum, item) => sum + item.sizeBytes, 0)
  let bytes = 0
  let chunks = 0
  const entries = new Array<ManifestEntry>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      const item = items[i]!
      if (item.kind === 'dir') {
        entries[i] = { path: item.path, kind: 'dir' }
        continue
      }
      let before = 0
      const result = await client.put(item.full, {
        onProgress: (p) => {
          bytes += p.bytes - before
          before = p.bytes
          chunks++
          onProgress?.({ bytes, totalBytes, chunks, skipped: 0 })
        },
      })
      entries[i] = { path: item.path, kind: 'file', address: toHex(result.address), sizeBytes: result.sizeBytes }
    }
  }
  await Promise.all(Array.from({ length: FILES_AT_ONCE }, worker))
  const manifest = await client.put(encodeManifest({ entries }))
  return { address: manifest.address, files: entries.filter((e) => e.kind === 'file').length, sizeBytes: totalBytes }
}

/** The manifest at `address`, or undefined when it is a file. */
export async function readManifest(client: Client, address: Uint8Array): Promise<Manifest | undefined> {
  const { sizeBytes } = await client.stat(address)
  if (sizeBytes < MANIFEST_MAGIC.length) return undefined
  const head = await client.getRange(address, 0, MANIFEST_MAGIC.length)
  if (new TextDecoder().decode(head) !== MANIFEST_MAGIC) return undefined
  return decodeManifest(await client.getBytes(address))
}

/** Restores the directory at `address` under `out` (created), streaming each file to disk. */
export async function getDirectory(client: Client, manifest: Manifest, out: string, onProgress?: (progress: Progress) => void): Promise<{ files: number; sizeBytes: number }> {
  await mkdir(out, { recursive: true })
  const totalBytes = manifest.entries.reduce((sum, e) => sum + (e.sizeBytes ?? 0), 0)
  let bytes = 0
  let files = 0
  for (const entry of manifest.entries) {
    const target = join(out, ...entry.path.split('/'))
    if (entry.kind === 'dir') {
      await mkdir(target, { recursive: true })
      continue
    }
    await mkdir(join(target, '..'), { recursive: true })
    await writeFile(client, Buffer.from(entry.address!, 'hex'), target, (p) => onProgress?.({ ...p, bytes: bytes + p.bytes, totalBytes }))
    bytes += entry.sizeBytes ?? 0
    files++
  }
  return { files, sizeBytes: bytes }
}

/** Streams the file at `address` to `path`. */
export async function writeFile(client: Client, address: Uint8Array, path: string, onProgress?: (progress: Progress) => void): Promise<number> {
  let written = 0
  await pipeline(Readable.from(client.get(address, {
    onProgress: (p) => {
      written = p.bytes
      onProgress?.(p)
    },
  })), createWriteStream(path))
  return written
}
