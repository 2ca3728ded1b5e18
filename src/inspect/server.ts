/**
 * The dashboard's server (issue 18): on 127.0.0.1 only, everything the page loads served from
 * here (no CDN, no internet), and two WebSockets:
 *
 *   /live      the dashboard's feed: a `hello`, then the nodes' status every second (with every
 *              live actor and its state) and the tap's changes as they happen, in batches
 *   /inspect   the inspector relay: `@statelyai/inspect`'s messages (`--inspect`), the last actor
 *              and snapshot message of every live actor replayed to a viewer that joins late
 *
 * Pages: `/` the dashboard (live, or a recorded trace with `safenet dashboard FILE`), `/stately`
 * a bridge that shows the relay's stream in Stately's own inspector (that one needs internet).
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { StatelyInspectionEvent } from '@statelyai/inspect'
import { WebSocket, WebSocketServer } from 'ws'
import { SANITIZE_CUTS } from './sanitize.ts'
import { StatelyStream } from './stately.ts'
import type { ActorTap, TapMessage } from './tap.ts'
import type { NodeView } from './views.ts'

const WEB = fileURLToPath(new URL('./web/', import.meta.url))
const VISUALIZATIONS = fileURLToPath(new URL('../../visualizations/', import.meta.url))
/** How often the nodes' status is pushed. */
export const STATUS_PUSH_MS = 1_000
/** How often the tap's changes are pushed, batched. */
export const BATCH_PUSH_MS = 100
/** Changes one batch carries at most; the rest are counted (the next status push corrects the picture). */
export const MAX_BATCH = 5_000
/** A viewer whose socket holds more than this unsent is skipped until it drains (counted). */
export const MAX_VIEWER_BUFFER = 8 * 1_048_576
/** Decisions a viewer that joins late is shown. */
export const RECENT_DECISIONS = 200
/** Viewers connected at once, per socket path. */
export const MAX_VIEWERS = 32

/** What a live dashboard shows: a testnet's nodes, or one node's. */
export interface LiveSource {
  readonly title: string
  readonly tap: ActorTap
  nodes(): NodeView[]
  /** The network's health as the testnet judges it (sections, elders, why not healthy). */
  health(): Record<string, unknown>
}

export interface DashboardOptions {
  /** 0: any free port. */
  readonly port: number
  readonly live?: LiveSource
  /** A trace recorded by `safenet sim --record` to replay. */
  readonly trace?: string
  /** Relay `@statelyai/inspect`'s stream on /inspect (`--inspect`). */
  readonly inspect?: boolean
}

export interface DashboardCounts {
  pushed: number
  /** Changes left out of a batch past {@link MAX_BATCH}. */
  batchOverflow: number
  /** Messages not sent to a viewer whose socket was full ({@link MAX_VIEWER_BUFFER}). */
  slowViewer: number
  /** Viewers turned away past {@link MAX_VIEWERS}. */
  refusedViewers: number
}

export class DashboardServer {
  readonly counts: DashboardCounts = { pushed: 0, batchOverflow: 0, slowViewer: 0, refusedViewers: 0 }
  readonly stately: StatelyStream | undefined
  readonly #http: Server
  readonly #live = new WebSocketServer({ noServer: true })
  readonly #inspect = new WebSocketServer({ noServer: true })
  readonly #sockets = new Set<Socket>()
  readonly #options: DashboardOptions
  readonly #timers: NodeJS.Timeout[] = []
  readonly #unlisten: Array<() => void> = []
  #batch: TapMessage[] = []
  /** The newest decisions, for a viewer that joins late. */
  readonly #decisions: TapMessage[] = []
  /** The inspector relay's replay for late viewers: each live actor's actor message and latest snapshot. */
  readonly #inspectState = new Map<string, { actor: string; snapshot?: string }>()

  private constructor(http: Server, options: DashboardOptions) {
    this.#http = http
    this.#options = options
    const tap = options.live?.tap
    if (options.inspect === true && tap !== undefined) {
      this.stately = new StatelyStream((message) => this.#relay(message))
      tap.stately = this.stately
    }
    if (tap !== undefined) {
      this.#unlisten.push(tap.listen((message) => {
        if (message.type === 'stopped') {
          this.#inspectState.delete(message.actor)
          this.stately?.forget(message.actor)
        }
        if (message.type === 'decision') {
          this.#decisions.push(message)
          if (this.#decisions.length > RECENT_DECISIONS) this.#decisions.shift()
        }
        if (this.#live.clients.size === 0) return
        if (this.#batch.length >= MAX_BATCH) this.counts.batchOverflow++
        else this.#batch.push(message)
      }))
      this.#timers.push(setInterval(() => this.#flush(), BATCH_PUSH_MS), setInterval(() => this.#pushStatus(), STATUS_PUSH_MS))
    }
    http.on('request', (req, res) => this.#serve(req, res))
    http.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    http.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
      const wss = path === '/live' ? this.#live : path === '/inspect' && options.inspect === true ? this.#inspect : undefined
      if (wss === undefined) return socket.destroy()
      if (wss.clients.size >= MAX_VIEWERS) {
        this.counts.refusedViewers++
        return socket.destroy()
      }
      wss.handleUpgrade(req, socket, head, (ws) => (wss === this.#live ? this.#greet(ws) : this.#replayInspect(ws)))
    })
  }

  /** Listens on 127.0.0.1:`port` (0: any free port). */
  static async start(options: DashboardOptions): Promise<DashboardServer> {
    const http = createServer()
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(options.port, '127.0.0.1', () => {
        http.off('error', reject)
        resolve()
      })
    })
    return new DashboardServer(http, options)
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`
  }

  /** Viewers of the dashboard and of the inspector relay. */
  get viewers(): { live: number; inspect: number } {
    return { live: this.#live.clients.size, inspect: this.#inspect.clients.size }
  }

  /** Stops: every viewer disconnected, every timer cleared, the port closed. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer)
    for (const unlisten of this.#unlisten) unlisten()
    if (this.#options.live !== undefined && this.#options.live.tap !== undefined) this.#options.live.tap.stately = undefined
    for (const wss of [this.#live, this.#inspect]) {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    }
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
  }

  #hello(): Record<string, unknown> {
    return {
      type: 'hello',
      mode: this.#options.trace === undefined ? 'live' : 'replay',
      title: this.#options.live?.title ?? this.#options.trace ?? '',
      machines: machineDrawings(),
      inspect: this.stately !== undefined,
    }
  }

  #status(): Record<string, unknown> {
    const live = this.#options.live!
    return { type: 'status', t: Date.now(), nodes: live.nodes(), health: live.health(), actors: live.tap.actors(), counts: { tap: live.tap.counts, dashboard: this.counts, ...(this.stately === undefined ? {} : { inspect: this.stately.counts, sanitize: SANITIZE_CUTS }) } }
  }

  #greet(ws: WebSocket): void {
    send(ws, JSON.stringify(this.#hello()))
    if (this.#options.live !== undefined) send(ws, JSON.stringify({ ...this.#status(), decisions: this.#decisions }))
  }

  #pushStatus(): void {
    if (this.#live.clients.size === 0) return
    this.#broadcast(this.#live, JSON.stringify(this.#status()))
  }

  #flush(): void {
    if (this.#batch.length === 0) return
    const messages = this.#batch
    this.#batch = []
    this.#broadcast(this.#live, JSON.stringify({ type: 'batch', messages }))
  }

  #broadcast(wss: WebSocketServer, text: string): void {
    for (const ws of wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue
      if (ws.bufferedAmount > MAX_VIEWER_BUFFER) {
        this.counts.slowViewer++
        continue
      }
      this.counts.pushed++
      ws.send(text)
    }
  }

  /** Passes on an inspector message from elsewhere (a `--processes` testnet's node process). */
  relay(message: StatelyInspectionEvent): void {
    this.#relay(message)
  }

  #relay(message: StatelyInspectionEvent): void {
    const text = JSON.stringify(message)
    if (message.type === '@xstate.actor') this.#inspectState.set(message.sessionId, { actor: text })
    else if (message.type === '@xstate.snapshot') {
      const known = this.#inspectState.get(message.sessionId)
      if (known !== undefined) known.snapshot = text
    }
    this.#broadcast(this.#inspect, text)
  }

  #replayInspect(ws: WebSocket): void {
    for (const { actor, snapshot } of this.#inspectState.values()) {
      send(ws, actor)
      if (snapshot !== undefined) send(ws, snapshot)
    }
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'only GET\n')
    if (path === '/' || path === '/index.html') return file(res, `${WEB}index.html`, 'text/html; charset=utf-8')
    if (path === '/app.js') return file(res, `${WEB}app.js`, 'text/javascript; charset=utf-8')
    if (path === '/style.css') return file(res, `${WEB}style.css`, 'text/css; charset=utf-8')
    if (path === '/favicon.ico') return reply(res, 204, 'image/x-icon', '')
    if (path === '/stately') return reply(res, 200, 'text/html; charset=utf-8', bridgePage(this.port))
    if (path === '/api/state') return reply(res, 200, 'application/json', JSON.stringify(this.#options.live === undefined ? this.#hello() : { ...this.#hello(), ...this.#status(), type: 'state' }))
    if (path === '/trace' && this.#options.trace !== undefined) {
      const gz = this.#options.trace.endsWith('.gz')
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': statSync(this.#options.trace).size, ...(gz ? { 'content-encoding': 'gzip' } : {}) })
      createReadStream(this.#options.trace).pipe(res)
      return
    }
    const drawing = /^\/viz\/([a-z-]+)\.svg$/.exec(path)?.[1]
    if (drawing !== undefined && machineDrawings().includes(drawing)) return file(res, `${VISUALIZATIONS}${drawing}.svg`, 'image/svg+xml')
    reply(res, 404, 'text/plain', `not found: ${path}\n`)
  }
}

/** The statechart drawings there are (`visualizations/<name>.svg`). */
export function machineDrawings(): string[] {
  return existsSync(VISUALIZATIONS) ? readdirSync(VISUALIZATIONS).filter((f) => f.endsWith('.svg')).map((f) => f.slice(0, -4)) : []
}

function send(ws: WebSocket, text: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(text)
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(body)
}

function file(res: ServerResponse, path: string, type: string): void {
  reply(res, 200, type, readFileSync(path, 'utf8'))
}

/** Shows the relay's stream in Stately's inspector (framed from stately.ai: needs internet in the browser). */
function bridgePage(port: number): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>safenet — Stately inspector</title>
<style>html,body,iframe{margin:0;height:100%;width:100%;border:0}</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
const frame = document.getElementById('inspector')
const held = []
let connected = false
addEventListener('message', (e) => {
  if (e.data && e.data.type === '@statelyai.connected') {
    connected = true
    for (const m of held.splice(0)) frame.contentWindow.postMessage(m, '*')
  }
})
const ws = new WebSocket('ws://127.0.0.1:${port}/inspect')
ws.onmessage = (e) => {
  const m = JSON.parse(e.data)
  if (connected) frame.contentWindow.postMessage(m, '*')
  else held.push(m)
}
</script></body></html>`
}
