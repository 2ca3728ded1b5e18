/**
 * Exhaustive checks of a statechart (issue 5): traverse every state reachable with a bounded set
 * of events (the spec's payload events, plus each active state's `after` delays, fired as the
 * clock would fire them), two snapshots being one state when their value and the spec's bounded
 * key of the context agree; then check
 *   - every declared state is reachable;
 *   - no deadlock: every reachable state that is not final has an enabled event;
 *   - no trap: from every reachable state a stable (or final) state is reachable;
 *   - the spec's invariants hold in every reachable state;
 *   - progress: in every reachable state that is not stable, each active leaf state has a way
 *     forward of the node's own — a timer, or an event the node makes itself — not only answers
 *     from other nodes (`progress.external`) or its own shutdown (`progress.shutdown`), unless the
 *     spec names it in `progress.awaits` with why waiting there cannot stall the protocol. (A node
 *     told to wait that has no timer to ask again waits forever when the answer is lost.)
 */
import { type AnyMachineSnapshot, type AnyStateMachine, type AnyStateNode, type EventObject, getNextSnapshot, type SnapshotFrom } from 'xstate'
import { getAdjacencyMap, getStateNodes } from 'xstate/graph'
import { replaying } from './replay.ts'

export interface MachineSpec {
  readonly name: string
  readonly machine: AnyStateMachine
  /**
   * For a machine whose context holds a mutable protocol object: builds a fresh input each time,
   * and the machine is traversed by replaying paths on it (replay.ts).
   */
  readonly replay?: () => unknown
  readonly input?: unknown
  /** Payload events tried in every state (bounded); `after` delays are added per state. */
  readonly events: ReadonlyArray<{ readonly type: string; readonly [field: string]: unknown }>
  /** The part of the context that matters to the protocol, bounded (counters capped). */
  readonly key: (snapshot: AnyMachineSnapshot) => unknown
  /** State ids (`machine.state.child`) where the machine may rest; final states always count. */
  readonly stable: ReadonlyArray<string>
  readonly invariants: ReadonlyArray<{ readonly name: string; readonly holds: (snapshot: AnyMachineSnapshot) => boolean }>
  /** Most states to visit (a bound that is hit is a finding). */
  readonly limit?: number
  readonly progress: ProgressSpec
}

/** Which events are not the node's own way forward (see the progress check above). */
export interface ProgressSpec {
  /** Events that come from other nodes: answers, messages, their decisions. */
  readonly external: ReadonlyArray<string>
  /** The node's own shutdown (`STOP`, `RETIRE`, `CLOSE`): a way out, not forward. */
  readonly shutdown: ReadonlyArray<string>
  /** States (ids) that may wait on others alone, each with why that cannot stall the protocol. */
  readonly awaits?: Readonly<Record<string, string>>
}

/** A spec typed by its machine's snapshot (the key and invariants read its context). */
export function defineSpec<M extends AnyStateMachine>(spec: Omit<MachineSpec, 'machine' | 'key' | 'invariants'> & {
  readonly machine: M
  readonly key: (snapshot: SnapshotFrom<M>) => unknown
  readonly invariants: ReadonlyArray<{ readonly name: string; readonly holds: (snapshot: SnapshotFrom<M>) => boolean }>
}): MachineSpec {
  return spec as unknown as MachineSpec
}

/** Whether the state with id `id` (`machine.state.child`) is active in `snapshot`. */
export function within(snapshot: { readonly _nodes: ReadonlyArray<{ readonly id: string }> }, id: string): boolean {
  return snapshot._nodes.some((node) => node.id === id)
}

export interface VerifyReport {
  readonly machine: string
  readonly states: number
  readonly reachableStates: number
  readonly transitions: number
  /** Distinct (state, context key) pairs visited. */
  readonly visited: number
  readonly deadlocks: string[]
  readonly unreachable: string[]
  readonly trapStates: string[]
  readonly invariantViolations: string[]
  /** Active leaf states, `state @ snapshot`, that can move on only when another node does. */
  readonly stalls: string[]
  /** Set when the traversal hit the spec's limit (then the other findings may be incomplete). */
  readonly truncated?: boolean
}

/** Findings in a report: what makes `safenet verify` exit non-zero. */
export function findings(report: VerifyReport): number {
  return report.deadlocks.length + report.unreachable.length + report.trapStates.length + report.invariantViolations.length + report.stalls.length + (report.truncated === true ? 1 : 0)
}

/** The `after` events the active states are waiting for, as the clock would send them. */
function delayedEvents(snapshot: AnyMachineSnapshot): EventObject[] {
  return (snapshot._nodes as AnyStateNode[]).flatMap((node) => (node.after as Array<{ eventType: string }>).map((t) => ({ type: t.eventType })))
}

export function eventsFor(spec: MachineSpec, snapshot: AnyMachineSnapshot): EventObject[] {
  return [...(spec.events as ReadonlyArray<EventObject>), ...delayedEvents(snapshot)]
}

/** An event's name in a traversal: a payload event by its place in the spec, not its contents. */
export function eventName(spec: MachineSpec): (event: EventObject) => string {
  return (event) => { const i = spec.events.indexOf(event); return i >= 0 ? `${event.type}#${i}` : event.type }
}

export function verifyMachine(spec: MachineSpec): VerifyReport {
  const limit = spec.limit ?? 5_000
  const serialize = (snapshot: AnyMachineSnapshot): string => JSON.stringify({ value: snapshot.value as unknown, status: snapshot.status, key: spec.key(snapshot) })
  let truncated = false
  let adjacency: ReturnType<typeof getAdjacencyMap<AnyMachineSnapshot, EventObject, unknown>>
  try {
    adjacency = getAdjacencyMap(spec.replay === undefined ? spec.machine : replaying(spec.machine, spec.replay), {
      events: (snapshot: AnyMachineSnapshot) => eventsFor(spec, snapshot),
      serializeState: (snapshot: AnyMachineSnapshot) => serialize(snapshot),
      // Events may carry keys and decisions: named by their place in the spec, not by their contents.
      serializeEvent: eventName(spec),
      limit,
      ...(spec.input === undefined ? {} : { input: spec.input }),
    } as never) as typeof adjacency
  } catch (error) {
    // xstate/graph throws when the limit is reached.
    if (!(error instanceof Error) || !/limit/i.test(error.message)) throw error
    truncated = true
    adjacency = {} as typeof adjacency
  }

  const declared = getStateNodes(spec.machine.root).map((node) => node.id)
  const reached = new Set<string>()
  const stableIds = new Set(spec.stable)
  const edges = new Map<string, Set<string>>()
  const deadlocks: string[] = []
  const invariantViolations: string[] = []
  const stalls = new Set<string>()
  const stable = new Set<string>()
  let transitions = 0
  for (const [key, { state, transitions: next }] of Object.entries(adjacency)) {
    const snapshot = state as AnyMachineSnapshot
    for (const node of snapshot._nodes as AnyStateNode[]) reached.add(node.id)
    if (snapshot.status === 'done' || (snapshot._nodes as AnyStateNode[]).some((node) => stableIds.has(node.id))) stable.add(key)
    const targets = new Set<string>()
    for (const { event, state: after } of Object.values(next as Record<string, { event: EventObject; state: AnyMachineSnapshot }>)) {
      if (!snapshot.can(event)) continue
      transitions++
      targets.add(serialize(after))
    }
    edges.set(key, targets)
    if (snapshot.status !== 'done' && targets.size === 0) deadlocks.push(key)
    for (const invariant of spec.invariants) if (!invariant.holds(snapshot)) invariantViolations.push(`${invariant.name} @ ${key}`)
    if (snapshot.status !== 'done') for (const leaf of stalledLeaves(spec, snapshot)) stalls.add(`${leaf} @ ${key}`)
  }

  // Trap states: those from which no stable state can be reached (backward search from stable ones).
  const into = new Map<string, string[]>()
  for (const [from, targets] of edges) for (const to of targets) into.set(to, [...(into.get(to) ?? []), from])
  const canSettle = new Set(stable)
  const queue = [...stable]
  while (queue.length > 0) {
    for (const from of into.get(queue.pop()!) ?? []) {
      if (!canSettle.has(from)) {
        canSettle.add(from)
        queue.push(from)
      }
    }
  }
  const trapStates = [...edges.keys()].filter((key) => !canSettle.has(key))

  // A transient state (an unguarded `always` leaves it at once) is never seen at rest: it was
  // passed through when its parent was entered.
  for (const node of getStateNodes(spec.machine.root)) {
    const always = (node.always ?? []) as Array<{ guard?: unknown }>
    if (always.some((t) => t.guard === undefined) && node.parent !== undefined && (reached.has(node.parent.id) || node.parent === spec.machine.root)) reached.add(node.id)
  }

  return {
    machine: spec.name,
    states: declared.filter((id) => id !== spec.machine.root.id).length,
    reachableStates: [...reached].filter((id) => id !== spec.machine.root.id).length,
    transitions,
    visited: edges.size,
    deadlocks,
    unreachable: declared.filter((id) => id !== spec.machine.root.id && !reached.has(id)),
    trapStates,
    invariantViolations,
    stalls: [...stalls],
    ...(truncated ? { truncated } : {}),
  }
}

/**
 * The active leaf states of `snapshot` that have no way forward of the node's own: no timer on
 * them or their ancestors, and no event they or their ancestors take that is neither external
 * nor a shutdown (and enabled now, for the spec's payload events).
 */
function stalledLeaves(spec: MachineSpec, snapshot: AnyMachineSnapshot): string[] {
  const { external, shutdown, awaits = {} } = spec.progress
  const notOwn = new Set([...external, ...shutdown])
  const nodes = snapshot._nodes as AnyStateNode[]
  const stalled: string[] = []
  for (const leaf of nodes.filter((node) => node.type === 'atomic' || node.type === 'final')) {
    if (leaf.type === 'final') continue
    const line: AnyStateNode[] = []
    for (let node: AnyStateNode | undefined = leaf; node !== undefined; node = node.parent) line.push(node)
    if (line.some((node) => spec.stable.includes(node.id) || awaits[node.id] !== undefined)) continue
    const timed = line.some((node) => (node.after as unknown[]).length > 0)
    const own = line.some((node) => Object.keys(node.on as object).some((type) => !notOwn.has(type) && !type.startsWith('xstate.') && ownEventEnabled(spec, snapshot, type)))
    if (!timed && !own) stalled.push(leaf.id)
  }
  return stalled
}

/**
 * Whether the node can make event `type` now and it moves the machine on: one of the spec's events
 * of that type is enabled and leads to another state (an event that only queues, or loops on
 * the state it is in, is no way forward).
 */
function ownEventEnabled(spec: MachineSpec, snapshot: AnyMachineSnapshot, type: string): boolean {
  const candidates = (spec.events as ReadonlyArray<EventObject>).filter((event) => event.type === type)
  if (candidates.length === 0) return true
  const here = JSON.stringify(snapshot.value)
  return candidates.some((event) => snapshot.can(event) && JSON.stringify(getNextSnapshot(spec.machine, snapshot as never, event as never).value) !== here)
}
