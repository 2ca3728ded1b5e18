/**
 * One elder's generation agreement on the wire (DESIGN.md §6): the `agreement.machine.ts` actor
 * around an {@link Agreement}, with what it transmits turned into messages — ballots to the other
 * elders (`AgreementVotes`, journalled first), decisions announced to one elder or to all
 * (`DecisionAnnounce`), decisions asked for (`DecisionRequest`) — and the messages of those kinds
 * turned into its events. Decided generations go to `onDecided`.
 *
 * The elder role hosts one per term; the simulator's agreement and DKG scenarios host one per
 * simulated elder, so what is sent, and in which order, is the same code in all three.
 */
import { type Actor, createActor, type SnapshotFrom } from 'xstate'
import { type AgreementEvent, agreementMachine } from '../../../machines/agreement.machine.ts'
import type { Agreement, Decision, Effects } from '../../consensus/index.ts'
import type { Clock } from '../../transport/clock.ts'
import type { Message, PayloadOf } from '../../wire/index.ts'
import type { Send } from '../role.ts'
import type { ActorInspect } from '../shell/components.ts'

export interface AgreementHostInit {
  readonly agreement: Agreement
  /** The clock the machine's round and gossip timers run on. */
  readonly clock: Clock
  readonly systemId: string
  readonly inspect?: ActorInspect
  /** Addresses of the elders, by their place in the roster (ours at `self`). */
  readonly elders: ReadonlyArray<string>
  /** Our place among the elders (= BLS share index). */
  readonly self: number
  readonly send: Send
  /** Records our own ballots before they are sent, so a restart never casts different ones. */
  readonly journal?: (ballots: Effects['broadcast'][number]) => void
  /** A generation decided (in order); called after the messages of the same step were sent. */
  readonly onDecided: (decision: Decision) => void
  /** An elder whose ballots the agreement ignores from now on: the runtime may stop listening to it. */
  readonly onIgnored?: (from: number) => void
}

export class AgreementHost {
  readonly agreement: Agreement
  readonly #actor: Actor<typeof agreementMachine>
  readonly #onIgnored: ((from: number) => void) | undefined
  /** Set by {@link stop}: what the actor transmits after that is not sent, and what arrives is not taken. */
  #stopped = false

  constructor(init: AgreementHostInit) {
    const { agreement, elders, self, send, journal, onDecided } = init
    this.agreement = agreement
    this.#onIgnored = init.onIgnored
    const others = elders.filter((_, i) => i !== self)
    this.#actor = createActor(agreementMachine, { input: { agreement }, clock: init.clock, systemId: init.systemId, ...(init.inspect === undefined ? {} : { inspect: init.inspect }) })
    this.#actor.on('transmit', ({ effects }) => {
      if (this.#stopped) return
      // The order is part of the protocol's trace: each ballot set journalled, then sent; then
      // announcements, requests, and last the decisions (applying one may end this host).
      for (const ballots of effects.broadcast) {
        journal?.(ballots)
        send(others, 'AgreementVotes', ballots)
      }
      for (const { to, decision } of effects.announce) send(to === undefined ? others : [elders[to]!], 'DecisionAnnounce', { decision })
      for (const { to, generation } of effects.request) send([elders[to]!], 'DecisionRequest', { generation })
      for (const decision of effects.decided) onDecided(decision)
    })
  }

  /** Starts voting: the machine casts its first ballots for the first generation. */
  start(): void {
    this.#actor.start()
  }

  /** Stops for good (a term ends, a node crashes): nothing more is sent or taken. */
  stop(): void {
    this.#stopped = true
    this.#actor.stop()
  }

  get snapshot(): SnapshotFrom<typeof agreementMachine> {
    return this.#actor.getSnapshot()
  }

  /** What the elder role reports of it in `states()`. */
  state(): { state: unknown; generation: number; round: number } {
    return { state: this.snapshot.value, generation: this.agreement.generation, round: this.agreement.round }
  }

  /** There are proposals for the current generation now. */
  proposalsReady(): void {
    this.#take({ type: 'PROPOSALS_READY' })
  }

  /** Ballots from the elder at place `from`. */
  onVotes(from: number, payload: PayloadOf<'AgreementVotes'>): void {
    if (this.#stopped) return
    this.#take({ type: 'VOTES', from, votes: payload.votes, supermajorities: payload.supermajorities })
    if (this.#onIgnored !== undefined && this.agreement.ignores(from)) this.#onIgnored(from)
  }

  /** A decision announced by the elder at place `from` (checked by the agreement before it is taken). */
  onAnnounce(from: number, decision: Decision): void {
    this.#take({ type: 'DECISION_ANNOUNCE', from, decision })
  }

  /** The elder at place `from` asks for the decision of `generation`. */
  onDecisionRequest(from: number, generation: number): void {
    this.#take({ type: 'DECISION_REQUEST', from, generation })
  }

  /** Passes a message of the agreement's kinds from the elder at place `from`; false for other kinds. */
  receive(from: number, message: Message): boolean {
    switch (message.kind) {
      case 'AgreementVotes':
        this.onVotes(from, message.payload)
        return true
      case 'DecisionAnnounce':
        this.onAnnounce(from, message.payload.decision)
        return true
      case 'DecisionRequest':
        this.onDecisionRequest(from, message.payload.generation)
        return true
      default:
        return false
    }
  }

  #take(event: AgreementEvent): void {
    if (!this.#stopped) this.#actor.send(event)
  }
}
