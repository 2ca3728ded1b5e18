/**
 * Model-based tests of machines/anti-entropy.machine.ts against a NodeShell (node-harness.ts):
 * the node joins a section the test plays (its elder, its key) and is approved; then each event of
 * a path is brought about as the network would —
 *
 *   BEHIND      a decision arrives ahead of the node's next generation (the test holds one back)
 *   CAUGHT_UP   the decisions held back arrive (or, with none held back, the next one)
 *   STOP        the node crashes
 *   timers      the node's anti-entropy timer of that delay fires (probe, catch-up retry)
 *
 * and after every step the node's probes (`AeProbe` to its elder) and catch-up requests
 * (`SectionDecisionsRequest`) must be the ones the model emitted on that step, its armed timers
 * the model's, and, when nothing is held back, its next generation the section's.
 */
import { describe, expect, it } from 'vitest'
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import { DEFAULT_PARAMETERS, type Decision, type Member, memberToWire } from '../../src/consensus/index.ts'
import { NodeKeypair } from '../../src/crypto/index.ts'
import { ProofChain } from '../../src/knowledge/index.ts'
import { AE_MAX_REQUESTS, SECTION_TIMING } from '../../src/roles/constants.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { afterDelay, armedDelays, ModelPathFailure, type SystemUnderTest } from '../../src/verify/model-test.ts'
import type { MachineSpec } from '../../src/verify/verify.ts'
import { asMember, countOf, dealKeys, type Peer, signedDecision, signedSap, Subject } from './node-harness.ts'
import { broken, runBroken, runModel, spec } from './support.ts'

/** Stands for the node's first probe delay (jittered by the node) in the model's input. */
const FIRST_PROBE = 7_777

/** The machine as the node runs it: its timing and its number of catch-up requests. */
function nodeSpec(machine = spec('anti-entropy').machine): MachineSpec {
  const base = spec('anti-entropy')
  return {
    ...base,
    // The gate and sender regions take one message each, with no state of their own to drive: they
    // are stated on the wire in test/roles/anti-entropy/gate.spec.test.ts.
    events: base.events.filter((e) => e.type !== 'INCOMING' && e.type !== 'BOUNCED'),
    machine,
    input: { firstProbeMs: FIRST_PROBE, probeIntervalMs: SECTION_TIMING.probeIntervalMs, neighbourEvery: 3, retryMs: SECTION_TIMING.catchUpRetryMs, maxRequests: AE_MAX_REQUESTS },
  }
}

class AntiEntropySystem implements SystemUnderTest {
  readonly #s: Subject
  readonly #random = new SeededRandom(7)
  readonly #keys = dealKeys(0, this.#random)
  readonly #elder: Peer
  #next: number
  /** Decisions the test holds back (the node is behind on them), oldest first. */
  readonly #withheld: Decision[] = []
  readonly #firstProbe: number
  #mark = 0
  #joiners = 0

  constructor() {
    this.#elder = { keypair: NodeKeypair.fromSeed(this.#random.bytes(32)), addr: 'g' }
    const genesis = signedSap(this.#keys, [this.#elder], 0)
    const s = new Subject({ addr: 's', keypair: NodeKeypair.fromSeed(this.#random.bytes(32)), params: DEFAULT_PARAMETERS, genesis, random: this.#random.fork('subject') })
    this.#s = s
    s.node.startJoining()
    const self: Member = { name: s.node.name, publicKey: s.keypair().publicKey.bytes, addr: 's', age: 7 }
    const decision = signedDecision(this.#keys, 0, [{ kind: 'Joined', member: self }])
    this.#next = 1
    s.deliver(this.#elder, 'JoinApproved', {
      decision, sap: genesis.toWire(), proofChain: new ProofChain(genesis.sap.sectionKey()).toWire(), members: [asMember(this.#elder, 6), self].map(memberToWire), nextGeneration: this.#next,
    }, s.dstFor(genesis.sap.sectionKey().toBytes()))
    if (s.node.role !== 'adult') throw new Error(`the node was not approved: ${s.node.role}`)
    const first = s.timers('antiEntropy').armed
    if (first.length !== 1) throw new Error(`a new member has its first probe armed, and only that: ${first.join(', ')}`)
    this.#firstProbe = first[0]!
    this.#mark = s.sent.length
  }

  exec(event: EventObject): void {
    const s = this.#s
    const delay = afterDelay(event)
    if (delay === 'retry') return s.fire('antiEntropy', SECTION_TIMING.catchUpRetryMs, delay)
    if (delay !== undefined) return s.fire('antiEntropy', (ms) => ms !== SECTION_TIMING.catchUpRetryMs, delay)
    switch (event.type) {
      case 'BEHIND':
        if (this.#withheld.length === 0) this.#withheld.push(this.#decision())
        return this.#deliver([this.#decision()])
      case 'CAUGHT_UP': {
        const held = this.#withheld.splice(0)
        return this.#deliver(held.length > 0 ? held : [this.#decision()])
      }
      case 'STOP':
        return s.node.crash()
      default:
        throw new Error(`no way to bring about ${event.type}`)
    }
  }

  check(snapshot: AnyMachineSnapshot, emitted: ReadonlyArray<EventObject>): void {
    const s = this.#s
    const stopped = snapshot.value === 'stopped'
    expect(s.node.crashed).toBe(stopped)
    expect(s.sentOf('AeProbe', this.#mark)).toHaveLength(countOf(emitted, 'probe'))
    expect(s.sentOf('SectionDecisionsRequest', this.#mark)).toHaveLength(countOf(emitted, 'requestDecisions'))
    this.#mark = s.sent.length
    const armed = stopped ? [] : s.timers('antiEntropy').armed.map((ms) => (ms === this.#firstProbe ? FIRST_PROBE : ms))
    expect(armed.sort((a, b) => a - b)).toEqual(armedDelays(snapshot))
    if (!stopped && this.#withheld.length === 0) expect(s.node.section?.nextGeneration).toBe(this.#next)
  }

  /** The section's next decision: someone joins. */
  #decision(): Decision {
    const joiner = { keypair: NodeKeypair.fromSeed(this.#random.bytes(32)), addr: `y${++this.#joiners}` }
    return signedDecision(this.#keys, this.#next++, [{ kind: 'Joined', member: asMember(joiner, 6) }])
  }

  #deliver(decisions: Decision[]): void {
    this.#s.deliver(this.#elder, 'SectionDecisions', { decisions })
  }
}

describe('model-based: anti-entropy machine → NodeShell', () => {
  it('every generated path runs on a member, with its probes, catch-up requests and timers as the model says', () => {
    const { steps } = runModel('anti-entropy', () => new AntiEntropySystem(), { spec: nodeSpec() })
    expect(steps).toBeGreaterThan(50)
  }, 120_000)
})

describe('anti-entropy model-based tests fail when the machine and the node part', () => {
  it('a copy that gives up catching up at the first retry fails on the node', () => {
    expect(runBroken(broken(nodeSpec(), ['active', 'catchUp', 'requesting'], (state) => ({ ...state, after: { retry: { target: 'inSync' } } })), () => new AntiEntropySystem())).toThrow(ModelPathFailure)
  }, 60_000)
})
