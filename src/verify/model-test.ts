/**
 * Model-based tests from the machine graphs (issue 5): `xstate/graph`'s path generators
 * (`getShortestPaths`, `getSimplePaths`, what its `createTestModel` is built on) over a machine,
 * traversed with the same bounded events and context key as `safenet verify` (a
 * {@link MachineSpec}), gives test paths — the shortest path to every state, and simple paths
 * (no state twice) over the machine's states — and each path drives a **system under test**: the
 * real implementation the machine stands for (a ConnectionPool, an Agreement, a DkgSession, the
 * pure section-state functions). At every step the system's observable state is checked against
 * the model's.
 *
 * To test your own variant of a machine, give its spec (ours with `machine` swapped, or your
 * own) and a {@link SystemUnderTest} factory to {@link modelPaths} and {@link runPaths}; see the
 * README's "Model-based tests" section.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import { getAdjacencyMap, getShortestPaths, type StatePath } from 'xstate/graph'
import { SeededRandom } from '../sim/random.ts'
import { recordingScope, replaying } from './replay.ts'
import { eventName, eventsFor, type MachineSpec } from './verify.ts'

export interface SystemUnderTest {
  /** Carries out the model's event on the system (a timer event: make that timer fire). */
  exec(event: EventObject): void
  /**
   * Throws when the system's observable state disagrees with the model's `snapshot`; `emitted`
   * is what the model emitted on this step (what the system should have done, e.g. sent).
   */
  check(snapshot: AnyMachineSnapshot, emitted: ReadonlyArray<EventObject>): void
}

/**
 * Thrown by {@link SystemUnderTest.exec} when the test cannot bring the event about in the
 * system's present situation (e.g. it would need a key only the system holds): the path stops
 * there, counted as cut, and the steps before it stand.
 */
export class Unproducible extends Error {
  override readonly name = 'Unproducible'
}

export type ModelPath = StatePath<AnyMachineSnapshot, EventObject>

export interface ModelPaths {
  /** The shortest path to every (state, context key) the traversal reaches. */
  readonly shortest: ModelPath[]
  /**
   * Simple paths (no state and context key twice), each a walk from the initial state that takes
   * a random untaken transition until it is stuck or `maxDepth` long: `maxSimple` walks, seeded,
   * duplicates dropped. (Enumerating every simple path, as `getSimplePaths` does, is exponential:
   * the dkg graph alone has 79 states and 1,216 transitions.)
   */
  readonly simple: ModelPath[]
  /**
   * Transition coverage: for each enabled transition of the graph (self-loops too, which the
   * other two never take), the shortest path to its source and then it; at most
   * `maxTransitions`, spread evenly.
   */
  readonly transitions: ModelPath[]
}

/** The delay an `after` event stands for (`xstate.after.<delay>.<state id>`), or undefined. */
export function afterDelay(event: EventObject): string | undefined {
  const match = /^xstate\.after\.([^.]+)\./.exec(event.type)
  return match?.[1]
}

/**
 * The timers the model has armed in `snapshot`, in ms: one per `after` delay of each active state
 * (a delay named in the machine's `delays` is worked out from the context). What a system that
 * implements the machine on a clock must have armed too.
 */
export function armedDelays(snapshot: AnyMachineSnapshot): number[] {
  const delays = (snapshot.machine.implementations.delays ?? {}) as Record<string, number | ((args: { context: unknown; event: EventObject }) => number)>
  const out: number[] = []
  for (const node of snapshot._nodes) {
    const seen = new Set<string>()
    for (const transition of node.after as ReadonlyArray<{ readonly eventType: string; readonly delay: number | string }>) {
      if (seen.has(transition.eventType)) continue
      seen.add(transition.eventType)
      const named = typeof transition.delay === 'string' ? delays[transition.delay] : transition.delay
      out.push(typeof named === 'function' ? named({ context: snapshot.context as unknown, event: { type: transition.eventType } }) : Number(named))
    }
  }
  return out.sort((a, b) => a - b)
}

/**
 * Paths that are not a prefix of another (xstate's TestModel deduplicates and describes paths by
 * stringifying events, and ours carry keys and bigints: so its generators are used directly).
 */
function withoutPrefixes(paths: ModelPath[], name: (event: EventObject) => string): ModelPath[] {
  const keys = paths.map((p) => p.steps.map((s) => name(s.event)).join('|'))
  return paths.filter((_, i) => !keys.some((other, j) => j !== i && other.length > keys[i]!.length && other.startsWith(`${keys[i]!}|`)))
}

function traversal(spec: MachineSpec, serialize: (snapshot: AnyMachineSnapshot) => string) {
  const logic = spec.replay === undefined ? spec.machine : replaying(spec.machine, spec.replay)
  const options = {
    events: (snapshot: AnyMachineSnapshot) => eventsFor(spec, snapshot),
    serializeState: serialize,
    serializeEvent: eventName(spec),
    ...(spec.input === undefined ? {} : { input: spec.input }),
    limit: spec.limit ?? 5_000,
  }
  return { logic: logic as never, options: options as never }
}

/** Test paths of `spec`'s machine: all shortest paths, and up to `maxSimple` simple paths. */
export function modelPaths(spec: MachineSpec, options: { readonly maxSimple: number; readonly maxTransitions?: number; readonly maxDepth?: number; readonly seed?: number }): ModelPaths {
  const { logic, options: traversalOptions } = traversal(spec, (s) => JSON.stringify({ value: s.value as unknown, status: s.status, key: spec.key(s) }))
  const name = eventName(spec)
  const toEach = getShortestPaths(logic, traversalOptions) as ModelPath[]
  const shortest = withoutPrefixes(toEach, name)

  // Walks: the next event is chosen on the graph (a transition to a state and key not yet on
  // the walk), the state it leads to is computed afresh from the walk's own state.
  const adjacency = getAdjacencyMap(logic, traversalOptions) as unknown as Record<string, { transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }> }>
  const serialize = (traversalOptions as unknown as { serializeState: (s: AnyMachineSnapshot) => string }).serializeState
  const machine = logic as unknown as { getInitialSnapshot: (scope: unknown, input: unknown) => AnyMachineSnapshot; transition: (s: AnyMachineSnapshot, e: EventObject, scope: unknown) => AnyMachineSnapshot }
  const scope = recordingScope([])
  const random = new SeededRandom(options.seed ?? 1)
  const simple = new Map<string, ModelPath>()
  for (let walk = 0; walk < options.maxSimple * 4 && simple.size < options.maxSimple; walk++) {
    let state = machine.getInitialSnapshot(scope, spec.input)
    const seen = new Set([serialize(state)])
    const steps: ModelPath['steps'] = [{ event: { type: 'xstate.init' }, state }]
    while (steps.length <= (options.maxDepth ?? 12)) {
      const next = Object.values(adjacency[serialize(state)]?.transitions ?? {}).filter((t) => !seen.has(serialize(t.state)))
      if (next.length === 0) break
      const { event } = next[random.int(next.length)]!
      state = machine.transition(state, event, scope)
      const key = serialize(state)
      if (seen.has(key)) break
      seen.add(key)
      steps.push({ event, state })
    }
    if (steps.length > 1) simple.set(steps.map((st) => name(st.event)).join('|'), { state, steps, weight: steps.length - 1 })
  }

  const edges: ModelPath[] = []
  for (const path of toEach) {
    for (const { event, state } of Object.values(adjacency[serialize(path.state)]?.transitions ?? {})) {
      if (path.state.can(event)) edges.push({ state, steps: [...path.steps, { event, state }], weight: path.weight + 1 })
    }
  }
  const stride = Math.max(1, edges.length / (options.maxTransitions ?? Number.POSITIVE_INFINITY))
  const transitions: ModelPath[] = []
  for (let i = 0; i < edges.length; i += stride) transitions.push(edges[Math.floor(i)]!)
  return { shortest, simple: [...simple.values()], transitions }
}

/** Where a path failed: the step, the event and the model's state there. */
export class ModelPathFailure extends Error {
  override readonly name = 'ModelPathFailure'
}

/**
 * Runs each path's events on a fresh system, checking it after each against the model's state
 * (computed afresh along the path: a graph's states stand for all with their key, and may differ
 * in the rest of their context) and what the model emitted on that step. Returns the steps run
 * and the paths cut short ({@link Unproducible}); throws a {@link ModelPathFailure}.
 */
export function runPaths(spec: MachineSpec, paths: ReadonlyArray<ModelPath>, create: () => SystemUnderTest): { steps: number; cut: number } {
  const { logic } = traversal(spec, () => '')
  const machine = logic as unknown as { getInitialSnapshot: (scope: unknown, input: unknown) => AnyMachineSnapshot; transition: (s: AnyMachineSnapshot, e: EventObject, scope: unknown) => AnyMachineSnapshot }
  let steps = 0
  let cut = 0
  for (const path of paths) {
    const system = create()
    const emitted: EventObject[] = []
    const scope = recordingScope(emitted)
    let state = machine.getInitialSnapshot(scope, spec.input)
    for (const [i, step] of path.steps.entries()) {
      const where = () => `step ${i} of [${path.steps.map((s) => s.event.type).join(' → ')}], ${step.event.type} to ${JSON.stringify(state.value)}`
      try {
        if (step.event.type !== 'xstate.init') {
          emitted.length = 0
          state = machine.transition(state, step.event, scope)
          system.exec(step.event)
        }
        system.check(state, [...emitted])
      } catch (error) {
        if (error instanceof Unproducible) {
          cut++
          break
        }
        throw new ModelPathFailure(`${where()}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
      }
      steps++
    }
  }
  return { steps, cut }
}
