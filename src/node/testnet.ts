/**
 * A local network on 127.0.0.1 (issue 6; DESIGN.md §15 `safenet testnet`): N real nodes, in this
 * process or one OS process each, the first starting the network and the others joining from its
 * contacts. Everything lives under one directory:
 *
 *   D/testnet.json      who runs it (pid, mode) and each node's root and address
 *   D/contacts.json     the network contacts, for clients and further nodes
 *   D/node-NN/          each node's store, status.json, contacts.json (and node.log with --processes)
 *
 * Health is read from the nodes' own status: every node joined; the sections' prefixes cover the
 * whole space without overlap; each section's members agree on its key; each section has
 * `elderCount` elders, each of which reports serving as one; and no elder sees a split, an
 * election or a merge still due.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync, closeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DEFAULT_PARAMETERS, type NetworkParameters } from '../consensus/index.ts'
import { CLI_MAIN, CLI_NODE_FLAGS } from './process-flags.ts'
import type { Logger } from '../log/index.ts'
import { isAlive } from '../store/index.ts'
import { Prefix } from '../xor/index.ts'
import { decodeContactsFile, encodeContactsFile, type NodeStatus, RealNode, writeAtomically } from './runtime.ts'
import type { VaultSettings } from '../roles/vault/vault.ts'
import type { ActorInspect } from '../roles/shell/components.ts'
import type { NodeView } from '../inspect/views.ts'

export interface TestnetOptions {
  readonly nodes: number
  readonly dir: string
  /** One OS process per node (default: all in this process). */
  readonly processes?: boolean
  readonly logger: Logger
  readonly params?: NetworkParameters
  /** Milliseconds between starting one joiner and the next. */
  readonly staggerMs?: number
  /** Every node's vault settings (in process only): a storage limit, a faster sweep for tests. */
  readonly vault?: VaultSettings
  /** Watches every actor of every node (in process: the dashboard's tap). */
  readonly inspect?: (addr: string) => ActorInspect
  /** With `processes`: what each node process is started with besides (`SAFENET_TAP`: report its actors). */
  readonly childEnv?: Readonly<Record<string, string>>
  /** With `processes`: a message a node process sent (its actors' reports). */
  readonly onChildMessage?: (index: number, message: unknown) => void
}

/** What `--check` prints, and `testnet status` reports. */
export interface Health {
  readonly nodes: number
  readonly joined: number
  readonly sections: number
  readonly elders: number
  readonly prefixes: ReadonlyArray<string>
  readonly covered: boolean
  readonly healthy: boolean
  /** Why not healthy (empty when healthy). */
  readonly why: string
}

interface TestnetFile {
  readonly pid: number
  readonly processes: boolean
  readonly startedAt: string
  readonly nodes: ReadonlyArray<{ readonly root: string; readonly pid: number }>
}

export class Testnet {
  readonly dir: string
  readonly #options: TestnetOptions
  readonly #inProcess: RealNode[] = []
  readonly #children: ChildProcess[] = []
  readonly #roots: string[] = []
  #stopped = false

  private constructor(options: TestnetOptions) {
    this.#options = options
    this.dir = resolve(options.dir)
  }

  /** Starts the first node, writes the contacts, then starts the others (staggered). */
  static async start(options: TestnetOptions): Promise<Testnet> {
    const net = new Testnet(options)
    mkdirSync(net.dir, { recursive: true })
    try {
      await net.#startAll()
    } catch (error) {
      await net.stop()
      throw error
    }
    return net
  }

  get roots(): ReadonlyArray<string> {
    return this.#roots
  }

  get contactsPath(): string {
    return join(this.dir, 'contacts.json')
  }

  async #startAll(): Promise<void> {
    const { nodes, processes = false } = this.#options
    for (let i = 0; i < nodes; i++) this.#roots.push(join(this.dir, `node-${String(i).padStart(2, '0')}`))
    for (const root of this.#roots) mkdirSync(root, { recursive: true })
    const restarting = existsSync(join(this.#roots[0]!, 'data.mdb'))
    await this.startNode(0, { first: !restarting })
    // The contacts come from the first node once it has written them.
    const first = join(this.#roots[0]!, 'contacts.json')
    await waitFor(() => existsSync(first), 20_000, 'the first node to write its contacts')
    const contacts = decodeContactsFile(readFileSync(first, 'utf8'), first)
    writeAtomically(this.contactsPath, encodeContactsFile(contacts))
    this.#writeFile(processes)
    for (let i = 1; i < nodes; i++) {
      await new Promise((r) => setTimeout(r, this.#options.staggerMs ?? 400))
      if (this.#stopped) return
      await this.startNode(i, { wait: false })
    }
    // Processes start in parallel (each takes a second or more to load); all are up before we go on.
    await waitFor(() => this.#roots.every((root, i) => this.#children[i] === undefined || readStatus(root)?.pid === this.#children[i].pid), 120_000, 'every node process to start')
    this.#writeFile(processes)
  }

  /**
   * Starts node `i` from its root (again, after {@link kill}: a restart from its store). A node
   * process is waited for until it has written its status, unless `wait` is false.
   */
  async startNode(i: number, options: { first?: boolean; wait?: boolean } = {}): Promise<void> {
    const root = this.#roots[i]!
    const contacts = options.first === true || !existsSync(this.contactsPath) ? undefined : decodeContactsFile(readFileSync(this.contactsPath, 'utf8'), this.contactsPath)
    if (this.#options.processes === true) {
      const args = [CLI_MAIN, 'node', '--root', root, ...(options.first === true ? ['--first'] : contacts === undefined ? [] : ['--contacts', this.contactsPath])]
      const log = openSync(join(root, 'node.log'), 'a')
      // In a process group of its own, so a Ctrl-C at the terminal reaches the testnet only, which
      // stops its nodes without leaving (a node that gets SIGINT itself leaves for good).
      const child = spawn(process.execPath, [...CLI_NODE_FLAGS, ...args], { stdio: ['ignore', log, log, 'ipc'], detached: true, env: { ...process.env, SAFENET_LOG: process.env.SAFENET_LOG ?? 'info', ...this.#options.childEnv } })
      closeSync(log)
      this.#children[i] = child
      const onMessage = this.#options.onChildMessage
      if (onMessage !== undefined) child.on('message', (message) => onMessage(i, message))
      // Wait until it has written its first status (it listens and has a name by then).
      if (options.wait === false) return
      await waitFor(() => existsSync(join(root, 'status.json')) && readStatus(root)?.pid === child.pid, 30_000, `node ${i} to start`)
    } else {
      this.#inProcess[i] = await RealNode.start({
        root, first: options.first === true, contacts, logger: this.#options.logger, params: this.#options.params ?? DEFAULT_PARAMETERS,
        ...(this.#options.vault === undefined ? {} : { vault: this.#options.vault }),
        ...(this.#options.inspect === undefined ? {} : { inspect: this.#options.inspect }),
      })
    }
  }

  /** Kills node `i` without a word (SIGKILL with --processes; an abrupt stop in process). */
  async kill(i: number): Promise<void> {
    const child = this.#children[i]
    if (child !== undefined) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
      return
    }
    await this.#inProcess[i]?.stop({ leave: false })
  }

  /** Each node's status: read from the node in this process, or from its status.json. */
  statuses(): NodeStatus[] {
    return this.#roots.flatMap((root, i) => {
      const node = this.#inProcess[i]
      if (node !== undefined) return [node.status()]
      const status = readStatus(root)
      return status === undefined ? [] : [status]
    })
  }

  /** What the dashboard shows of each node: from the node in this process, or from its status.json. */
  views(): NodeView[] {
    return this.#roots.flatMap((root, i) => {
      const node = this.#inProcess[i]
      if (node !== undefined) return [node.view()]
      const status = readStatus(root)
      return status === undefined ? [] : [viewFromStatus(status)]
    })
  }

  health(): Health {
    return assess(this.statuses(), this.#roots.length, (this.#options.params ?? DEFAULT_PARAMETERS).elderCount)
  }

  /** Waits until healthy; returns how long it took, or undefined after `timeoutMs`. */
  async settle(timeoutMs: number, since = performance.now()): Promise<number | undefined> {
    while (performance.now() - since < timeoutMs) {
      if (this.health().healthy) return Math.round(performance.now() - since)
      await new Promise((r) => setTimeout(r, 250))
    }
    return undefined
  }

  /** Median resident memory per node (in process: the process's RSS shared by its nodes). */
  rssMbPerNodeMedian(): number {
    if (this.#options.processes !== true) return Math.round((process.memoryUsage.rss() / 1_048_576 / Math.max(1, this.#roots.length)) * 10) / 10
    const values = this.statuses().filter((s) => s.running).map((s) => s.rssMb).sort((a, b) => a - b)
    return values.length === 0 ? 0 : values[Math.floor(values.length / 2)]!
  }

  /**
   * Stops every node without leaving (the network pauses; started again on the same directory it
   * resumes): children are told by closing their IPC channel, then SIGTERM after 5 s, SIGKILL
   * after 10 s; none is left running.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await Promise.all(this.#inProcess.map((node) => node?.stop({ leave: false })))
    await Promise.all(this.#children.map(async (child) => {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      if (child.connected) child.disconnect()
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }))
  }

  #writeFile(processes: boolean): void {
    const file: TestnetFile = {
      pid: process.pid,
      processes,
      startedAt: new Date().toISOString(),
      nodes: this.#roots.map((root, i) => ({ root, pid: this.#children[i]?.pid ?? process.pid })),
    }
    writeAtomically(join(this.dir, 'testnet.json'), `${JSON.stringify(file, null, 2)}\n`)
  }
}

/** What the dashboard shows of a node in another process, from its status.json. */
export function viewFromStatus(s: NodeStatus): NodeView {
  return {
    addr: s.addr, name: s.name, role: s.role, crashed: !s.running || !isAlive(s.pid), isElder: s.isElder, vault: s.vault,
    messages: s.messages, connections: s.connections, rssMb: s.rssMb,
    ...(s.prefix === undefined ? {} : { prefix: s.prefix }),
    ...(s.sectionKey === undefined ? {} : { key: s.sectionKey.slice(0, 8) }),
    ...(s.generation === undefined ? {} : { generation: s.generation }),
    ...(s.members === undefined ? {} : { memberCount: s.members }),
    ...(s.age === undefined ? {} : { age: s.age }),
  }
}

/** A node's last written status, or undefined if there is none (yet) or it does not parse. */
export function readStatus(root: string): NodeStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'status.json'), 'utf8')) as NodeStatus
  } catch {
    return undefined
  }
}

/** The roots of the testnet in `dir`, from its testnet.json. */
export function testnetRoots(dir: string): { file: TestnetFile; roots: string[] } {
  const path = join(dir, 'testnet.json')
  if (!existsSync(path)) throw new Error(`${path} does not exist: no testnet was started with --dir ${dir}`)
  const file = JSON.parse(readFileSync(path, 'utf8')) as TestnetFile
  return { file, roots: file.nodes.map((n) => n.root) }
}

/** The health of a network from its nodes' statuses (see the module comment). */
export function assess(statuses: ReadonlyArray<NodeStatus>, expected: number, elderCount: number): Health {
  const live = statuses.filter((s) => s.running && isAlive(s.pid))
  const members = live.filter((s) => (s.role === 'adult' || s.role === 'elder') && s.prefix !== undefined)
  const byPrefix = new Map<string, NodeStatus[]>()
  for (const s of members) byPrefix.set(s.prefix!, [...(byPrefix.get(s.prefix!) ?? []), s])
  // A prefix some stale member still holds after its section split is not a section.
  const prefixes = [...byPrefix.keys()].filter((p) => ![...byPrefix.keys()].some((o) => o !== p && o.startsWith(p))).sort()
  const parsed = prefixes.map((p) => Prefix.parse(p))
  const overlap = parsed.some((p, i) => parsed.some((o, j) => i !== j && p.isCompatible(o)))
  const covered = !overlap && parsed.reduce((sum, p) => sum + 2 ** -p.bitCount, 0) === 1
  let elders = 0
  let why = ''
  const fail = (reason: string): void => {
    if (why === '') why = reason
  }
  if (live.length < expected) fail(`${expected - live.length} of ${expected} nodes are not running`)
  if (members.length < live.length) fail(`${live.length - members.length} nodes have not joined`)
  if (!covered) fail(`the prefixes ${JSON.stringify(prefixes)} do not cover the space exactly`)
  const byName = new Map(live.map((s) => [s.name, s]))
  for (const prefix of prefixes) {
    const section = byPrefix.get(prefix)!
    const newest = section.reduce((a, b) => ((b.generation ?? 0) > (a.generation ?? 0) ? b : a))
    if (section.some((s) => s.sectionKey !== newest.sectionKey)) fail(`section "${prefix}": members hold different section keys`)
    const serving = newest.elders.filter((e) => byName.get(e)?.isElder === true && byName.get(e)?.sectionKey === newest.sectionKey)
    elders += serving.length
    if (newest.elders.length !== elderCount || serving.length !== elderCount) fail(`section "${prefix}": ${serving.length} of ${newest.elders.length} elders serving, ${elderCount} wanted`)
    // Settled: no elder sees a split, an election or a merge due (a network of 30 that has every
    // node joined but not yet split is on its way, not there).
    const busy = section.filter((s) => s.isElder).map((s) => changeDue(s)).find((due) => due !== undefined)
    if (busy !== undefined) fail(`section "${prefix}": ${busy}`)
  }
  return { nodes: live.length, joined: members.length, sections: prefixes.length, elders, prefixes, covered, healthy: why === '', why }
}

/** The change an elder's section actor sees due (`splitting`, `electing`, …), if any. */
function changeDue(status: NodeStatus): string | undefined {
  const state = (status.actors.section as { state?: unknown } | undefined)?.state
  const member = typeof state === 'object' && state !== null ? (state as { member?: unknown }).member : undefined
  return typeof member === 'string' && member !== 'steady' ? `${member} (by ${status.name.slice(0, 8)}'s view)` : undefined
}

async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
