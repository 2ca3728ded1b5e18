/**
 * Traversing a machine whose context holds a mutable protocol object (the `agreement` machine's
 * {@link Agreement}, the `dkg` machine's {@link DkgSession}). Graph traversal takes many
 * transitions from one snapshot; an action that mutates the object in place would leak each into
 * the next. Here no object is ever shared: a snapshot remembers the events that led to it, and
 * every transition builds a fresh object from `input()` and replays them, then the new event.
 *
 * So the real protocol code runs on every edge (no stand-in to drift from it), at the cost of
 * replaying the path (once per path: results are kept): fine for the short paths a bounded
 * traversal explores. `input` must build
 * the same object each time (seeded randomness), or replays would diverge.
 *
 * What the replay emitted along the way is kept too ({@link emittedOn}), for invariants that are
 * about outputs (e.g. at most one decision per generation).
 */
import type { ActorLogic, ActorScope, AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate'
import { createEmptyActor } from 'xstate'

interface Trace {
  readonly events: ReadonlyArray<EventObject>
  readonly emitted: ReadonlyArray<EventObject>
}

const traces = new WeakMap<object, Trace>()

/** Events emitted on the way to `snapshot` (initial entry included), oldest first. */
export function emittedOn(snapshot: object): ReadonlyArray<EventObject> {
  return traces.get(snapshot)?.emitted ?? []
}

/** Events that led to `snapshot` from the initial state. */
export function eventsTo(snapshot: object): ReadonlyArray<EventObject> {
  return traces.get(snapshot)?.events ?? []
}

/**
 * An actor scope that runs actions at once and records what they emit. Delayed events are not
 * scheduled: the traversal fires them itself, as events.
 */
export function recordingScope(emitted: EventObject[]): ActorScope<AnyMachineSnapshot, EventObject> {
  const self = createEmptyActor()
  const system = Object.create(self.system, { scheduler: { value: { schedule: () => {}, cancel: () => {}, cancelAll: () => {} } } }) as typeof self.system
  return {
    self, logger: () => {}, id: 'replay', sessionId: 'replay', system,
    defer: (fn: () => void) => fn(),
    stopChild: () => {},
    emit: (event: EventObject) => { emitted.push(event) },
    actionExecutor: (action: { exec?: (info: unknown, params: unknown) => void; info: unknown; params: unknown }) => action.exec?.(action.info, action.params),
  } as unknown as ActorScope<AnyMachineSnapshot, EventObject>
}

/** `machine` as actor logic whose every transition replays its path on a fresh `input()`. */
export function replaying(machine: AnyStateMachine, input: () => unknown): ActorLogic<AnyMachineSnapshot, EventObject, unknown> {
  // Each path is replayed once: snapshots are kept in a trie of the events that led to them (an
  // event with a payload by identity, a bare one — a timer — by type). No snapshot's object is
  // mutated after it is made, since every transition replays on a fresh one.
  interface Node { snapshot?: AnyMachineSnapshot; readonly next: Map<unknown, Node> }
  const root: Node = { next: new Map() }
  const run = (events: ReadonlyArray<EventObject>): AnyMachineSnapshot => {
    let node = root
    for (const event of events) {
      const key = Object.keys(event).length === 1 ? event.type : event
      let child = node.next.get(key)
      if (child === undefined) node.next.set(key, (child = { next: new Map() }))
      node = child
    }
    node.snapshot ??= replay(events)
    return node.snapshot
  }
  const replay = (events: ReadonlyArray<EventObject>): AnyMachineSnapshot => {
    const emitted: EventObject[] = []
    const scope = recordingScope(emitted)
    let snapshot = machine.getInitialSnapshot(scope as never, input()) as AnyMachineSnapshot
    for (const event of events) snapshot = machine.transition(snapshot, event, scope as never) as AnyMachineSnapshot
    traces.set(snapshot, { events, emitted })
    return snapshot
  }
  return {
    config: machine.config,
    transition: (snapshot: AnyMachineSnapshot, event: EventObject) => run([...eventsTo(snapshot), event]),
    getInitialSnapshot: () => run([]),
    getPersistedSnapshot: (snapshot: AnyMachineSnapshot) => machine.getPersistedSnapshot(snapshot),
    restoreSnapshot: (persisted: unknown, scope: unknown) => machine.restoreSnapshot(persisted as never, scope as never),
  }
}
