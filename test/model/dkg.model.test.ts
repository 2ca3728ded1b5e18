/**
 * Model-based tests of machines/dkg.machine.ts against the DkgSession protocol module driven
 * directly: DkgStart messages are counted to the quorum before dealing, DKG messages and catch-up
 * requests go to the session, the gossip timer re-sends and asks, the deadline abandons. After
 * every step the session must agree with the model: not dealt while waiting, a key exactly when
 * complete (the same key), the culprits named when abandoned, the same parts and verdicts held.
 */
import { describe, expect, it } from 'vitest'
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import type { DkgContext, DkgEvent } from '../../machines/dkg.machine.ts'
import type { DkgSession } from '../../src/consensus/index.ts'
import { afterDelay, modelPaths, runPaths, type SystemUnderTest } from '../../src/verify/model-test.ts'
import { within } from '../../src/verify/verify.ts'
import { runModel, spec } from './support.ts'

function candidate(): SystemUnderTest {
  const { session, startQuorum } = spec('dkg').replay!() as { session: DkgSession; startQuorum: number }
  const starts = new Set<number>()
  let abandoned = false
  return {
    exec(e: EventObject) {
      const delay = afterDelay(e)
      if (delay === 'deadline') {
        abandoned = true
        return
      }
      if (delay === 'gossipInterval') {
        session.gossip()
        session.catchUpRequest()
        return
      }
      const event = e as DkgEvent
      switch (event.type) {
        case 'START':
          starts.add(event.elder)
          if (starts.size >= startQuorum && !session.started) session.start()
          return
        case 'MESSAGES': return void session.receive(event.bundle)
        case 'CATCH_UP': {
          // The asker holds nothing: it gets everything we hold, or nothing if we hold nothing.
          const answer = session.answerCatchUp(event.request)
          const held = session.catchUpRequest()
          expect(answer?.parts.length ?? 0).toBe(held.parts.length)
          return
        }
      }
      throw new Error(`no way to carry out ${e.type}`)
    },
    check(snapshot: AnyMachineSnapshot) {
      const model = (snapshot.context as DkgContext).session
      expect(session.started).toBe(!within(snapshot, 'dkg.waitingForStart'))
      expect(session.result !== undefined).toBe(within(snapshot, 'dkg.complete'))
      expect(session.result?.publicKeySet.publicKey().toHex()).toBe(model.result?.publicKeySet.publicKey().toHex())
      if (within(snapshot, 'dkg.abandoned')) {
        expect(abandoned).toBe(true)
        expect(session.nonParticipants().size).toBeGreaterThan(0)
      }
      const held = (s: DkgSession) => { const r = s.catchUpRequest(); return { parts: r.parts.map((p) => p.dealer), acks: r.acks.map((a) => `${a.participant}:${a.entries}`) } }
      expect(held(session)).toEqual(held(model))
    },
  }
}

describe('model-based: dkg machine → DkgSession', () => {
  it('every generated path runs on a fresh candidate with its state, key and holdings as the model says', () => {
    const { steps } = runModel('dkg', candidate, { maxSimple: 25, maxTransitions: 150, maxDepth: 10 })
    expect(steps).toBeGreaterThan(50)
  })
})

describe('model-based tests fail when the machine and the implementation part', () => {
  it('a broken copy of the machine (complete on entering running) fails on the session', async () => {
    const { dkgMachine } = await import('../fixtures/machines/dkg-completes-unqualified.machine.ts')
    const broken = { ...spec('dkg'), machine: dkgMachine }
    const paths = modelPaths(broken, { maxSimple: 5, maxDepth: 6 })
    expect(() => runPaths(broken, paths.shortest, candidate)).toThrow(/to "complete"/)
  })
})
