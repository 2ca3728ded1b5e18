/**
 * One candidate's DKG session on the wire (DESIGN.md §7): the `dkg.machine.ts` actor around a
 * {@link DkgSession}, with what it emits turned into messages — its Joint-Feldman parts, acks and
 * justifications to the other candidates (`DkgMessages`), answers to one candidate's catch-up
 * (`DkgMessages`), and what it holds, for others to fill in (`DkgCatchUp`) — and the messages of
 * those kinds, and the current elders' `DkgStart`s, turned into its events. A completed or
 * abandoned session is told to the owner, which knows what to do with a key share or a failure.
 *
 * The dkg role hosts one per session; the simulator's DKG scenario one per simulated candidate.
 */
import { type Actor, createActor, type SnapshotFrom } from 'xstate'
import { dkgMachine } from '../../../machines/dkg.machine.ts'
import type { DkgResult, DkgSession, NonParticipation } from '../../consensus/index.ts'
import { toHex } from '../../crypto/index.ts'
import type { Clock } from '../../transport/clock.ts'
import type { DkgCatchUpWire, DkgMessagesWire } from '../../wire/index.ts'
import type { Send } from '../role.ts'
import type { ActorInspect } from '../shell/components.ts'

export interface DkgHostInit {
  readonly session: DkgSession
  /** DkgStarts needed from distinct current elders before the session runs (their supermajority). */
  readonly startQuorum: number
  readonly deadlineMs: number
  readonly gossipIntervalMs: number
  /** The clock the machine's deadline and gossip timers run on. */
  readonly clock: Clock
  readonly systemId: string
  readonly inspect?: ActorInspect
  /** Addresses of the candidates, by their place in the session (ours at `self`). */
  readonly candidates: ReadonlyArray<string>
  /** Our place among the candidates. */
  readonly self: number
  readonly send: Send
  /**
   * Whom a catch-up request goes to, of the other candidates: all of them unless told (the
   * simulator asks one at a time, in turn).
   */
  readonly catchUpFrom?: (others: ReadonlyArray<string>) => ReadonlyArray<string>
  readonly onCompleted: (result: DkgResult) => void
  /** The deadline passed first: who kept the session from completing (it still listens, and may complete late). */
  readonly onAbandoned: (nonParticipants: ReadonlyArray<readonly [number, NonParticipation]>) => void
}

export class DkgHost {
  readonly #actor: Actor<typeof dkgMachine>

  constructor(init: DkgHostInit) {
    const { candidates, self, send } = init
    const others = candidates.filter((_, i) => i !== self)
    const catchUpFrom = init.catchUpFrom ?? ((all) => all)
    this.#actor = createActor(dkgMachine, {
      input: { session: init.session, startQuorum: init.startQuorum, deadlineMs: init.deadlineMs, gossipIntervalMs: init.gossipIntervalMs },
      clock: init.clock,
      systemId: init.systemId,
      ...(init.inspect === undefined ? {} : { inspect: init.inspect }),
    })
    this.#actor.on('broadcast', ({ bundle }) => send(others, 'DkgMessages', bundle))
    this.#actor.on('reply', ({ to, bundle }) => send([candidates[to] ?? ''], 'DkgMessages', bundle))
    this.#actor.on('catchUp', ({ request }) => send(catchUpFrom(others), 'DkgCatchUp', request))
    this.#actor.on('completed', ({ result }) => init.onCompleted(result))
    this.#actor.on('abandoned', ({ nonParticipants }) => init.onAbandoned(nonParticipants))
  }

  /** Starts the actor: it waits for a supermajority of the current elders to ask. */
  start(): void {
    this.#actor.start()
  }

  stop(): void {
    this.#actor.stop()
  }

  get snapshot(): SnapshotFrom<typeof dkgMachine> {
    return this.#actor.getSnapshot()
  }

  /** Whether too few current elders have asked yet for the session to run. */
  get waitingForStart(): boolean {
    return this.snapshot.matches('waitingForStart')
  }

  /** A current elder (by its place among the elders) asked us to run the session. */
  onDkgStart(elder: number): void {
    this.#actor.send({ type: 'START', elder })
  }

  /** Parts, acks and justifications of this session, from any candidate. */
  onMessages(bundle: DkgMessagesWire): void {
    this.#actor.send({ type: 'MESSAGES', bundle })
  }

  /** The candidate at place `from` says what it holds: we send it what it lacks. */
  onCatchUp(from: number, request: DkgCatchUpWire): void {
    this.#actor.send({ type: 'CATCH_UP', from, request })
  }
}

/** The session (hex) a `DkgMessages` bundle belongs to, named by its first message. */
export function sessionOf(bundle: DkgMessagesWire): string | undefined {
  const sessionId = bundle.parts[0]?.sessionId ?? bundle.acks[0]?.sessionId ?? bundle.justifications[0]?.sessionId
  return sessionId === undefined ? undefined : toHex(sessionId)
}
