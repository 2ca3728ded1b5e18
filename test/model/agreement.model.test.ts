/**
 * Model-based tests of machines/agreement.machine.ts against the Agreement protocol module driven
 * directly, as a runtime without the machine would: each path's events become the calls the
 * machine documents (ballots → onVotes, an announced decision → onDecision, the round timer →
 * roundTimeout, the gossip timer → gossip), on a fresh elder built like the spec's. After every
 * step the elder's observable state must be the model's: voting or finished, generation and
 * round, and the decisions it has put out, signature for signature.
 */
import { describe, expect, it } from 'vitest'
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import type { AgreementContext, AgreementEvent } from '../../machines/agreement.machine.ts'
import { type Agreement, type Decision, type Effects } from '../../src/consensus/index.ts'
import { toHex } from '../../src/crypto/index.ts'
import { afterDelay, modelPaths, runPaths, type SystemUnderTest } from '../../src/verify/model-test.ts'
import { decidedOn } from '../../src/verify/protocol-specs.ts'
import { within } from '../../src/verify/verify.ts'
import { runModel, spec } from './support.ts'

function elder(): SystemUnderTest {
  const { agreement } = spec('agreement').replay!() as { agreement: Agreement }
  const decided: Decision[] = []
  const take = (effects: Effects) => { decided.push(...effects.decided); return effects }
  take(agreement.start())
  return {
    exec(e: EventObject) {
      const delay = afterDelay(e)
      if (delay === 'roundTimeout') return void take(agreement.roundTimeout())
      if (delay === 'gossipInterval') return void take(agreement.gossip())
      const event = e as AgreementEvent
      switch (event.type) {
        case 'VOTES': return void take(agreement.onVotes(event.from, event.votes, event.supermajorities))
        case 'DECISION_ANNOUNCE': return void take(agreement.onDecision(event.decision))
        case 'DECISION_REQUEST': {
          // A laggard asking for a decided generation gets it, and only then.
          const effects = take(agreement.onDecisionRequest(event.from, event.generation))
          expect(effects.announce.map((a) => a.to)).toEqual(agreement.decision(event.generation) === undefined ? [] : [event.from])
          return
        }
        case 'PROPOSALS_READY': return void take(agreement.offer())
      }
      throw new Error(`no way to carry out ${e.type}`)
    },
    check(snapshot: AnyMachineSnapshot) {
      const model = (snapshot.context as AgreementContext).agreement
      expect(agreement.finished).toBe(within(snapshot, 'agreement.idle'))
      expect({ generation: agreement.generation, round: agreement.round }).toEqual({ generation: model.generation, round: model.round })
      const summary = (ds: ReadonlyArray<Decision>) => ds.map((d) => `${d.generation}:${toHex(d.signature)}`)
      expect(summary(decided)).toEqual(summary(decidedOn(snapshot)))
    },
  }
}

describe('model-based: agreement machine → Agreement', () => {
  it('every generated path runs on a fresh elder with its state and decisions as the model says', () => {
    const { steps } = runModel('agreement', elder)
    expect(steps).toBeGreaterThan(20)
  })
})

describe('model-based tests fail when the machine and the implementation part', () => {
  it('a broken copy of the machine (idle on any DecisionAnnounce) fails on the elder', async () => {
    const { agreementMachine } = await import('../fixtures/machines/agreement-idles-early.machine.ts')
    const broken = { ...spec('agreement'), machine: agreementMachine }
    const paths = modelPaths(broken, { maxSimple: 10 })
    expect(() => runPaths(broken, [...paths.shortest, ...paths.simple], elder)).toThrow(/DECISION_ANNOUNCE to "idle"/)
  })
})
