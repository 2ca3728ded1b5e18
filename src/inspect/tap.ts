/**
 * The tap every actor of every role reports to (XState's `inspect` option, `NodeEnv.inspect`):
 * it keeps each live actor's current state, tells listeners of every state change (the dashboard's
 * live feed, the simulator's recorder) and of every decision a section applies, and forwards a
 * filtered, sanitised stream to `@statelyai/inspect` when `--inspect` is on.
 *
 * Cheap by design, since it runs inside every node: an XState event costs one map lookup; a
 * snapshot, a comparison of its state value with the last one; only a change becomes a message.
 */
import type { ActorRefLike, InspectionEvent, StateValue } from 'xstate'
import { decodeChange, type MembershipChange } from '../consensus/index.ts'
import type { ActorInspect } from '../roles/shell/components.ts'

/** Live actors the tap tracks at most (stopped ones are dropped); past it new actors are counted, not tracked. */
export const MAX_TAPPED_ACTORS = 20_000

/** Decisions (section and generation) remembered to tell each once; the oldest is forgotten. */
export const MAX_DECISIONS_REMEMBERED = 4_096

export interface ActorEntry {
  /** The actor's system id (`addr.name/role…`), unique per incarnation. */
  readonly id: string
  readonly node: string
  /** The machine's id: `member`, `section`, `dkg`, … (its drawing is `visualizations/<machine>.svg`). */
  readonly machine: string
  value: StateValue
  /** When it entered `value` (the tap's clock). */
  since: number
}

/** One change a decision made, as the dashboard lists it. */
export interface ChangeView {
  readonly kind: MembershipChange['kind'] | 'undecodable'
  readonly addr?: string
  readonly name?: string
  readonly age?: number
  readonly prefixes?: ReadonlyArray<string>
}

export type TapMessage =
  | { readonly type: 'transition'; readonly t: number; readonly node: string; readonly actor: string; readonly machine: string; readonly value: StateValue; readonly event: string }
  | { readonly type: 'stopped'; readonly t: number; readonly node: string; readonly actor: string }
  | { readonly type: 'decision'; readonly t: number; readonly node: string; readonly prefix: string; readonly generation: number; readonly changes: ReadonlyArray<ChangeView> }

/** Where the sanitised stream for Stately's inspector goes (`StatelyRelay`). */
export interface StatelySink {
  actor(entry: ActorEntry, definition: unknown, context: unknown): void
  snapshot(entry: ActorEntry, value: StateValue, context: unknown, event: unknown, changed: boolean): void
  event(entry: ActorEntry, event: unknown, source: string | undefined): void
}

export interface TapCounts {
  actors: number
  transitions: number
  snapshots: number
  events: number
  decisions: number
  /** Actors not tracked: {@link MAX_TAPPED_ACTORS} was reached. */
  untracked: number
}

export class ActorTap {
  readonly counts: TapCounts = { actors: 0, transitions: 0, snapshots: 0, events: 0, decisions: 0, untracked: 0 }
  readonly #now: () => number
  readonly #entries = new Map<string, ActorEntry>()
  readonly #byRef = new WeakMap<ActorRefLike, ActorEntry>()
  /** Each live actor's ref, by id: what a Stately sink attached later is told of first. */
  readonly #refs = new Map<string, ActorRefLike>()
  readonly #listeners = new Set<(message: TapMessage) => void>()
  /** Decisions already told, by section prefix and generation (every member applies each one). */
  readonly #decided = new Map<string, number>()
  #stately: StatelySink | undefined

  constructor(options: { now: () => number; stately?: StatelySink }) {
    this.#now = options.now
    this.#stately = options.stately
  }

  /** Sends the Stately stream to `sink` from now on (`undefined`: stops it), starting with every live actor. */
  set stately(sink: StatelySink | undefined) {
    this.#stately = sink
    if (sink === undefined) return
    for (const [id, ref] of this.#refs) {
      const entry = this.#entries.get(id)
      if (entry !== undefined) sink.actor(entry, (ref as unknown as { logic: { config?: unknown } }).logic.config, (ref.getSnapshot() as { context?: unknown }).context)
    }
  }

  /** The `inspect` callback for the actors of the node at `node`. */
  observe(node: string): ActorInspect {
    return (event) => this.#take(node, event)
  }

  /** Tells `listener` of every change from now on; returns how to stop. */
  listen(listener: (message: TapMessage) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The live actors (of one node, or all). */
  actors(node?: string): ActorEntry[] {
    const all = [...this.#entries.values()]
    return node === undefined ? all : all.filter((e) => e.node === node)
  }

  /**
   * Takes in a change another process's tap reported (a `--processes` testnet's nodes): the
   * actors and decisions of every process in one place.
   */
  ingest(message: TapMessage): void {
    switch (message.type) {
      case 'transition': {
        const known = this.#entries.get(message.actor)
        if (known === undefined) {
          if (this.#entries.size >= MAX_TAPPED_ACTORS) {
            this.counts.untracked++
            return
          }
          this.counts.actors++
          this.#entries.set(message.actor, { id: message.actor, node: message.node, machine: message.machine, value: message.value, since: message.t })
        } else {
          this.counts.transitions++
          known.value = message.value
          known.since = message.t
        }
        return this.#tell(message)
      }
      case 'stopped':
        this.#entries.delete(message.actor)
        return this.#tell(message)
      case 'decision': {
        if (!this.#firstTime(`${message.prefix}@${message.generation}`, message.generation)) return
        this.counts.decisions++
        return this.#tell(message)
      }
    }
  }

  #take(node: string, ev: InspectionEvent): void {
    switch (ev.type) {
      case '@xstate.snapshot':
        return this.#snapshot(node, ev)
      case '@xstate.event': {
        this.counts.events++
        const entry = this.#byRef.get(ev.actorRef)
        if (entry === undefined) return
        if (entry.machine === 'section' && ev.event.type === 'APPLY') this.#decision(entry, ev.actorRef, ev.event as unknown as AppliedEvent)
        this.#stately?.event(entry, ev.event, ev.sourceRef === undefined ? undefined : this.#byRef.get(ev.sourceRef)?.id)
        return
      }
      default:
        return
    }
  }

  #snapshot(node: string, ev: Extract<InspectionEvent, { type: '@xstate.snapshot' }>): void {
    this.counts.snapshots++
    const snapshot = ev.snapshot as { status?: string; value?: StateValue; context?: unknown }
    let entry = this.#byRef.get(ev.actorRef)
    if (entry === undefined) {
      if (snapshot.status !== 'active' || snapshot.value === undefined) return
      if (this.#entries.size >= MAX_TAPPED_ACTORS) {
        this.counts.untracked++
        return
      }
      const logic = (ev.actorRef as unknown as { logic: { id?: string; config?: unknown } }).logic
      const ref = ev.actorRef as ActorRefLike & { systemId?: string; sessionId: string }
      const id = ref.systemId ?? `${node}/${ref.sessionId}`
      entry = { id, node, machine: logic.id ?? 'actor', value: snapshot.value, since: this.#now() }
      this.#entries.set(id, entry)
      this.#refs.set(id, ev.actorRef)
      this.#byRef.set(ev.actorRef, entry)
      this.counts.actors++
      this.#stately?.actor(entry, logic.config, snapshot.context)
      this.#tell({ type: 'transition', t: entry.since, node, actor: id, machine: entry.machine, value: snapshot.value, event: ev.event.type })
      return
    }
    if (snapshot.status !== 'active') {
      this.#entries.delete(entry.id)
      this.#refs.delete(entry.id)
      this.#byRef.delete(ev.actorRef)
      this.#tell({ type: 'stopped', t: this.#now(), node: entry.node, actor: entry.id })
      return
    }
    const value = snapshot.value ?? entry.value
    const changed = value !== entry.value && (typeof value !== 'object' || JSON.stringify(value) !== JSON.stringify(entry.value))
    this.#stately?.snapshot(entry, value, snapshot.context, ev.event, changed)
    if (!changed) return
    entry.value = value
    entry.since = this.#now()
    this.counts.transitions++
    this.#tell({ type: 'transition', t: entry.since, node: entry.node, actor: entry.id, machine: entry.machine, value, event: ev.event.type })
  }

  #decision(entry: ActorEntry, ref: ActorRefLike, event: AppliedEvent): void {
    // The view the decision applies to: the section's before it.
    const context = (ref.getSnapshot() as { context?: { view?: { sap: { sap: { prefix: { toBits(): string } } }; nextGeneration: number } } }).context
    const view = context?.view
    if (view === undefined || view.nextGeneration !== event.decision.generation) return
    const prefix = view.sap.sap.prefix.toBits()
    if (!this.#firstTime(`${prefix}@${event.decision.generation}`, event.decision.generation)) return
    this.counts.decisions++
    this.#tell({ type: 'decision', t: this.#now(), node: entry.node, prefix, generation: event.decision.generation, changes: event.decision.proposals.map(describeChange) })
  }

  /** Whether a decision is told for the first time (every member of the section applies it). */
  #firstTime(key: string, generation: number): boolean {
    if (this.#decided.has(key)) return false
    this.#decided.set(key, generation)
    // Bounded: only the newest decisions matter for de-duplication.
    if (this.#decided.size > MAX_DECISIONS_REMEMBERED) this.#decided.delete(this.#decided.keys().next().value!)
    return true
  }

  #tell(message: TapMessage): void {
    for (const listener of this.#listeners) listener(message)
  }
}

interface AppliedEvent {
  readonly decision: { readonly generation: number; readonly proposals: ReadonlyArray<Uint8Array> }
}

/** A decided change as the dashboard lists it: who, and what. */
export function describeChange(bytes: Uint8Array): ChangeView {
  const change = decodeChange(bytes)
  if (change === undefined) return { kind: 'undecodable' }
  switch (change.kind) {
    case 'Joined':
      return { kind: change.kind, addr: change.member.addr, name: change.member.name.toHex(), age: change.member.age }
    case 'Left':
      return { kind: change.kind, name: change.name.toHex() }
    case 'Relocated':
      return { kind: change.kind, name: change.name.toHex(), age: change.age }
    case 'Handover':
      return { kind: change.kind, prefixes: [change.sap.sap.prefix.toBits()] }
    case 'Split':
      return { kind: change.kind, prefixes: [change.zero.sap.prefix.toBits(), change.one.sap.prefix.toBits()] }
    default:
      return { kind: change.kind }
  }
}
