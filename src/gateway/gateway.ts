/**
 * The web gateway (issue 19; DESIGN.md §10): the network served to an ordinary browser, on
 * 127.0.0.1 only. `http://[service.]name.safe.localhost:PORT/path` (browsers resolve `*.localhost`
 * to loopback) or `http://localhost:PORT/safe/[service.]name/path`; a content address works in
 * place of a name (`/safe/<64 hex>/path`). A name resolves through NRS to a content address: a
 * directory (its manifest: `index.html` for a folder) or a file. Files stream from the network;
 * a `Range` request is served by a range read, so a video seeks without the whole file fetched.
 *
 * Caching: what a content address or a fixed version (`?v=N`) serves never changes (`immutable`,
 * a year); a name's latest version is revalidated (`no-cache`, with the file's address as ETag).
 * Errors are pages that say what went wrong: an unknown name, a missing path, a version that does
 * not exist, a network that does not answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Client, decodeManifest, type Manifest, MANIFEST_MAGIC, NameFailed, type Resolved, SafeUrlInvalid } from '../client/index.ts'
import { contentType } from './content-types.ts'
import { errorPage, indexPage, listingPage } from './pages.ts'

/** Directory manifests kept decoded (immutable per address): the oldest goes past this. */
export const MAX_CACHED_MANIFESTS = 64
/** Name resolutions kept: a name's latest version is asked again after NAME_TTL_MS. */
export const MAX_CACHED_NAMES = 1_024
export const NAME_TTL_MS = 5_000
/** Manifests larger than this are not read (a page listing 100,000 files is someone else's job). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
/**
 * Files this small are kept whole once read (content addresses never change): pages, styles,
 * scripts and images are served from memory, up to MAX_FILE_CACHE_BYTES in all (the least
 * recently served goes first). Larger files stream from the network every time.
 */
export const MAX_CACHED_FILE_BYTES = 1024 * 1024
export const MAX_FILE_CACHE_BYTES = 64 * 1024 * 1024

const IMMUTABLE = 'public, max-age=31536000, immutable'
const HEX64 = /^[0-9a-f]{64}$/

export interface GatewayOptions {
  readonly client: Client
  /** 0: a free port. */
  readonly port: number
  readonly nameTtlMs?: number
}

export interface GatewayCounts {
  requests: number
  served: number
  ranges: number
  notModified: number
  errors: Record<number, number>
  manifestsEvicted: number
  namesEvicted: number
  /** Files served from memory, and files dropped from it for room. */
  fileCacheHits: number
  filesEvicted: number
}

/** Where a request points: a name (with its service and version) or a content address, and the path in it. */
interface Target {
  readonly host: string
  readonly path: string
  readonly version?: number
}

class HttpError extends Error {
  readonly status: number
  readonly title: string
  constructor(status: number, title: string, message: string) {
    super(message)
    this.status = status
    this.title = title
  }
}

export class Gateway {
  readonly counts: GatewayCounts = { requests: 0, served: 0, ranges: 0, notModified: 0, errors: {}, manifestsEvicted: 0, namesEvicted: 0, fileCacheHits: 0, filesEvicted: 0 }
  readonly #client: Client
  readonly #server: Server
  readonly #ttl: number
  /** What each address is: a directory's manifest, or a plain file (undefined); and its size either way. */
  readonly #manifests = new Map<string, Promise<{ manifest?: Manifest; sizeBytes: number }>>()
  readonly #names = new Map<string, { at: number; resolved: Promise<Resolved> }>()
  /** Small files by address, least recently served first; `#fileBytes` their total size. */
  readonly #files = new Map<string, { readonly bytes: Promise<Uint8Array>; readonly size: number }>()
  #fileBytes = 0

  private constructor(options: GatewayOptions, server: Server) {
    this.#client = options.client
    this.#server = server
    this.#ttl = options.nameTtlMs ?? NAME_TTL_MS
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    const server = createServer()
    const gateway = new Gateway(options, server)
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      gateway.#serve(req, res).catch((error: unknown) => gateway.#fail(res, error))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, '127.0.0.1', () => resolve())
    })
    return gateway
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** Where a name is served. */
  urlFor(name: string): string {
    return `http://${name}.safe.localhost:${this.port}/`
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      throw new HttpError(405, 'Method not allowed', 'The gateway serves GET and HEAD.')
    }
    const url = new URL(req.url ?? '/', 'http://gateway.invalid')
    const target = targetOf(req.headers.host ?? '', url)
    if (target === undefined) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' })
      res.end(req.method === 'HEAD' ? undefined : indexPage(this.port))
      return
    }
    const { address, resolved } = await this.#locate(target)
    const fixed = resolved === undefined || target.version !== undefined
    const headers: Record<string, string> = { 'Cache-Control': fixed ? IMMUTABLE : 'no-cache' }
    if (resolved !== undefined) {
      headers['X-Safe-Name'] = resolved.service === '' ? resolved.name : `${resolved.service}.${resolved.name}`
      headers['X-Safe-Version'] = String(resolved.version)
      headers['X-Safe-Versions'] = String(resolved.versions)
      headers['X-Safe-Target'] = resolved.target
    }
    const { manifest, sizeBytes } = await this.#manifest(address)
    let file: { address: string; sizeBytes: number; path: string }
    if (manifest === undefined) {
      if (target.path !== '' && target.path !== '\0') throw new HttpError(404, 'Not found', `${describe(target)} is a single file, not a folder: it has no ${target.path}.`)
      file = { address, sizeBytes, path: '' }
    } else {
      const found = findInManifest(manifest, target.path)
      if (found.kind === 'redirect') {
        res.writeHead(301, { ...headers, Location: `${url.pathname}/${url.search}` })
        res.end()
        return
      }
      if (found.kind === 'missing') throw new HttpError(404, 'Not found', `${describe(target)} has no ${target.path === '' ? 'index.html' : target.path}.`)
      if (found.kind === 'listing') {
        res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' })
        res.end(req.method === 'HEAD' ? undefined : listingPage(describe(target), found.path, found.entries))
        this.counts.served++
        return
      }
      file = { address: found.address, sizeBytes: found.sizeBytes, path: found.path }
    }
    await this.#send(req, res, file, headers)
  }

  /** The content address a request points to, and how its name resolved (none for an address). */
  async #locate(target: Target): Promise<{ address: string; resolved?: Resolved }> {
    if (HEX64.test(target.host)) return { address: target.host }
    const key = `${target.host}?v=${target.version ?? ''}`
    const now = Date.now()
    let cached = this.#names.get(key)
    if (cached === undefined || (target.version === undefined && now - cached.at > this.#ttl)) {
      const resolved = this.#client.resolveName(`safe://${target.host}${target.version === undefined ? '' : `?v=${target.version}`}`)
      cached = { at: now, resolved }
      this.#names.delete(key)
      this.#names.set(key, cached)
      // A failure is not kept: the next request asks again.
      resolved.catch(() => this.#names.get(key) === cached && this.#names.delete(key))
      while (this.#names.size > MAX_CACHED_NAMES) {
        this.#names.delete(this.#names.keys().next().value!)
        this.counts.namesEvicted++
      }
    }
    const resolved = await cached.resolved
    return { address: resolved.target.slice('safe://'.length), resolved }
  }

  /** The manifest at `address`, or undefined for a plain file (decided from its first bytes). */
  #manifest(address: string): Promise<{ manifest?: Manifest; sizeBytes: number }> {
    let manifest = this.#manifests.get(address)
    if (manifest === undefined) {
      manifest = this.#readManifest(address)
      this.#manifests.set(address, manifest)
      manifest.catch(() => this.#manifests.delete(address))
      while (this.#manifests.size > MAX_CACHED_MANIFESTS) {
        this.#manifests.delete(this.#manifests.keys().next().value!)
        this.counts.manifestsEvicted++
      }
    }
    return manifest
  }

  async #readManifest(address: string): Promise<{ manifest?: Manifest; sizeBytes: number }> {
    const bytes = Buffer.from(address, 'hex')
    const { sizeBytes } = await this.#client.stat(bytes)
    const read = async (): Promise<Manifest | undefined> => {
      if (sizeBytes < MANIFEST_MAGIC.length || sizeBytes > MAX_MANIFEST_BYTES) return undefined
      // A small file is read whole at once (and kept: it may be the page itself); a large one's head first.
      if (sizeBytes <= MAX_CACHED_FILE_BYTES) return decodeManifest(await this.#small(address, sizeBytes))
      const head = await this.#client.getRange(bytes, 0, MANIFEST_MAGIC.length)
      if (new TextDecoder().decode(head) !== MANIFEST_MAGIC) return undefined
      return decodeManifest(await this.#client.getBytes(bytes))
    }
    const manifest = await read()
    return manifest === undefined ? { sizeBytes } : { manifest, sizeBytes }
  }

  /** A small file's bytes: from memory, or read whole and kept. */
  #small(address: string, sizeBytes: number): Promise<Uint8Array> {
    const held = this.#files.get(address)
    if (held !== undefined) {
      this.counts.fileCacheHits++
      this.#files.delete(address)
      this.#files.set(address, held)
      return held.bytes
    }
    const entry = { bytes: this.#client.getBytes(Buffer.from(address, 'hex')), size: sizeBytes }
    this.#files.set(address, entry)
    this.#fileBytes += sizeBytes
    // A read that failed is not kept: the next request reads again.
    entry.bytes.catch(() => this.#files.get(address) === entry && this.#drop(address))
    while (this.#fileBytes > MAX_FILE_CACHE_BYTES && this.#files.size > 1) {
      this.#drop(this.#files.keys().next().value!)
      this.counts.filesEvicted++
    }
    return entry.bytes
  }

  #drop(address: string): void {
    const entry = this.#files.get(address)
    if (entry === undefined) return
    this.#files.delete(address)
    this.#fileBytes -= entry.size
  }

  /** Sends a file: whole, or the one range asked for (206), or 304 if the browser has it. */
  async #send(req: IncomingMessage, res: ServerResponse, file: { address: string; sizeBytes: number; path: string }, headers: Record<string, string>): Promise<void> {
    const bytes = Buffer.from(file.address, 'hex')
    const size = file.sizeBytes
    const etag = `"${file.address}"`
    // Content on the network is public: a site's script may fetch another name's (another origin here).
    Object.assign(headers, { 'Content-Type': contentType(file.path), 'Accept-Ranges': 'bytes', ETag: etag, 'X-Content-Type-Options': 'nosniff', 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Content-Range, X-Safe-Version, X-Safe-Versions, X-Safe-Target' })
    if (req.headers['if-none-match'] === etag) {
      this.counts.notModified++
      res.writeHead(304, headers)
      res.end()
      return
    }
    let start = 0
    let end = size
    let status = 200
    const range = req.headers.range
    if (range !== undefined) {
      const parsed = parseRange(range, size)
      if (parsed === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${size}`)
        throw new HttpError(416, 'Range not satisfiable', `The file has ${size} bytes; the range asked for (${range}) is outside it.`)
      }
      if (parsed !== undefined) {
        ;({ start, end } = parsed)
        status = 206
        headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`
        this.counts.ranges++
      }
    }
    headers['Content-Length'] = String(end - start)
    if (req.method === 'HEAD' || end === start) {
      res.writeHead(status, headers)
      res.end()
      this.counts.served++
      return
    }
    if (size <= MAX_CACHED_FILE_BYTES) {
      const whole = await this.#small(file.address, size)
      res.writeHead(status, headers)
      this.counts.served++
      res.end(whole.subarray(start, end))
      return
    }
    const pieces = this.#client.get(bytes, { start, end })
    // The first piece before the headers: a file the network cannot give is an error page, not a cut-off 200.
    let piece = await pieces.next()
    res.writeHead(status, headers)
    this.counts.served++
    while (piece.done !== true) {
      if (res.destroyed) {
        await pieces.return(undefined)
        return
      }
      // A browser that seeks aborts the request: 'close' comes, never 'drain'.
      if (!res.write(piece.value)) await new Promise((resolve) => {
        res.once('drain', resolve)
        res.once('close', resolve)
      })
      piece = await pieces.next()
    }
    res.end()
  }

  #fail(res: ServerResponse, error: unknown): void {
    const { status, title, message } = asHttpError(error)
    this.counts.errors[status] = (this.counts.errors[status] ?? 0) + 1
    if (res.headersSent) {
      // Mid-file: all we can do is cut the response, which the browser sees as a failed load.
      res.destroy()
      return
    }
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(errorPage(status, title, message))
  }
}

function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  if (error instanceof NameFailed) {
    switch (error.reason) {
      case 'NotFound':
      case 'NoSuchService':
        return new HttpError(404, 'Unknown name', error.message)
      case 'NoSuchVersion':
        return new HttpError(404, 'No such version', error.message)
      case 'Invalid':
        return new HttpError(400, 'Not a valid name', error.message)
      default:
        return new HttpError(502, 'The network did not answer', error.message)
    }
  }
  if (error instanceof SafeUrlInvalid) return new HttpError(400, 'Not a valid name', error.message)
  const message = error instanceof Error ? error.message : String(error)
  if (/not found/i.test(message)) return new HttpError(404, 'Not found', message)
  return new HttpError(502, 'The network did not answer', message)
}

/** What a request points to: by host (`[service.]name.safe.localhost`) or path (`/safe/[service.]name/…`). */
function targetOf(hostHeader: string, url: URL): Target | undefined {
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase()
  const v = url.searchParams.get('v')
  let version: number | undefined
  if (v !== null) {
    if (!/^[1-9][0-9]{0,8}$/.test(v)) throw new HttpError(400, 'Not a valid version', `?v= takes a version number from 1, not ${JSON.stringify(v)}.`)
    version = Number(v)
  }
  const withVersion = (t: Target): Target => (version === undefined ? t : { ...t, version })
  const path = safeDecode(url.pathname)
  if (host.endsWith('.safe.localhost')) return withVersion({ host: host.slice(0, -'.safe.localhost'.length), path: path.replace(/^\//, '') })
  const match = /^\/safe\/([^/]+)(\/.*)?$/.exec(path)
  if (match === null) {
    if (path === '/' || path === '') return undefined
    throw new HttpError(404, 'Not found', `${path} is not a safe:// path: open /safe/NAME/ or http://NAME.safe.localhost:PORT/.`)
  }
  // /safe/name (no slash): the folder's relative links need the slash.
  return withVersion({ host: match[1]!.toLowerCase(), path: match[2] === undefined ? '\0' : match[2].replace(/^\//, '') })
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    throw new HttpError(400, 'Bad path', `${path} is not a valid URL path.`)
  }
}

function describe(target: Target): string {
  return HEX64.test(target.host) ? `safe://${target.host.slice(0, 16)}…` : `safe://${target.host}${target.version === undefined ? '' : ` (version ${target.version})`}`
}

type Found =
  | { kind: 'file'; address: string; sizeBytes: number; path: string }
  | { kind: 'listing'; path: string; entries: Array<{ name: string; dir: boolean; sizeBytes?: number }> }
  | { kind: 'redirect' }
  | { kind: 'missing' }

/** A path in a directory: a file, a folder's `index.html` (or its listing without one), or a redirect to add the folder's slash. */
export function findInManifest(manifest: Manifest, requested: string): Found {
  if (requested === '\0') return { kind: 'redirect' }
  const path = requested.replace(/\/+$/, '')
  const slash = requested.endsWith('/') || path === ''
  const byPath = new Map(manifest.entries.map((e) => [e.path, e]))
  const entry = byPath.get(path)
  if (entry?.kind === 'file' && !slash) return { kind: 'file', address: entry.address!, sizeBytes: entry.sizeBytes!, path }
  const isFolder = path === '' || entry?.kind === 'dir' || manifest.entries.some((e) => e.path.startsWith(`${path}/`))
  if (!isFolder) return { kind: 'missing' }
  if (!slash) return { kind: 'redirect' }
  const index = byPath.get(path === '' ? 'index.html' : `${path}/index.html`)
  if (index?.kind === 'file') return { kind: 'file', address: index.address!, sizeBytes: index.sizeBytes!, path: index.path }
  // No index: what the folder holds, one level down.
  const inside = path === '' ? '' : `${path}/`
  const entries = new Map<string, { name: string; dir: boolean; sizeBytes?: number }>()
  for (const e of manifest.entries) {
    if (!e.path.startsWith(inside) || e.path === path) continue
    const [first, ...rest] = e.path.slice(inside.length).split('/')
    const dir = rest.length > 0 || e.kind === 'dir'
    if (!entries.has(first!)) entries.set(first!, { name: first!, dir, ...(dir || e.sizeBytes === undefined ? {} : { sizeBytes: e.sizeBytes }) })
  }
  return { kind: 'listing', path, entries: [...entries.values()] }
}

/** One range of `bytes=…` (suffix and open ranges too) as `[start, end)`; undefined to serve the whole file (several ranges, or a form we do not take). */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size }
  }
  const start = Number(match[1])
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size || last < start) return 'unsatisfiable'
  return { start, end: last + 1 }
}

