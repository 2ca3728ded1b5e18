/**
 * Model-based tests of machines/connection.machine.ts against the ConnectionPool (the runtime
 * every node sends through): paths from the machine drive the pool over a transport whose dials
 * the test completes or fails, on a virtual clock; after every step the pool's observable state
 * — its connection to the peer, frames handed to the transport, its totals — must be the model's.
 */
import { describe, expect, it } from 'vitest'
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import type { ConnectionContext, ConnectionEvent, ConnectionSettings } from '../../machines/connection.machine.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'
import { ConnectionPool } from '../../src/transport/connections.ts'
import { afterDelay, ModelPathFailure, modelPaths, runPaths, type SystemUnderTest } from '../../src/verify/model-test.ts'
import { runModel, spec } from './support.ts'

function pool(): SystemUnderTest {
  const settings = (spec('connection').input as { settings: ConnectionSettings }).settings
  const clock = new Scheduler()
  const transmitted: number[] = []
  let dialing: { done: (failure?: string) => void; signal: AbortSignal } | undefined
  let inbound: ((from: string, frame: Uint8Array) => void) | undefined
  const connections = new ConnectionPool({
    inner: { self: 'a', send: (_, frame) => { transmitted.push(frame[0]!) }, onFrame: (handler) => { inbound = handler } },
    clock, settings,
    dial: (_, done, signal) => { dialing = { done, signal } },
  })
  connections.onFrame(() => {})
  const completeDial = (failure?: string) => {
    if (dialing === undefined || dialing.signal.aborted) throw new Error('the model completes a dial the pool has not started')
    const { done } = dialing
    dialing = undefined
    done(failure)
  }
  return {
    exec(event: EventObject) {
      if (afterDelay(event) !== undefined) {
        if (clock.run({ maxTimeMs: Number.POSITIVE_INFINITY, maxEvents: 1 }) !== 'events') throw new Error(`the model's ${afterDelay(event)} timer fired; the pool had none armed`)
        return
      }
      switch (event.type) {
        case 'SEND': return connections.send('p', (event as ConnectionEvent & { type: 'SEND' }).frame)
        case 'DIALED': return completeDial()
        case 'DIAL_FAILED': return completeDial('refused')
        case 'LOST': return connections.lost('p', 'reset')
        case 'RECEIVED': return inbound!('p', Uint8Array.of(9))
        case 'CLOSE': return connections.close()
        default: throw new Error(`no way to carry out ${event.type}`)
      }
    },
    check(snapshot: AnyMachineSnapshot) {
      const model = snapshot.value as string
      const context = snapshot.context as ConnectionContext
      // A connection at rest (idle, or closed) is let go by the pool: no actor, no timers.
      expect(connections.states().p ?? 'released').toBe(model === 'idle' || model === 'closed' ? 'released' : model)
      expect(transmitted).toHaveLength(context.stats.sent)
      expect(connections.totals).toMatchObject({ sent: context.stats.sent, refused: context.stats.refused, dropped: context.stats.dropped, dials: context.stats.dials, failures: context.stats.failures })
      // A dial is outstanding exactly while the model dials (closing aborts it).
      expect(dialing !== undefined && !dialing.signal.aborted).toBe(model === 'dialing')
    },
  }
}

describe('model-based: connection machine → ConnectionPool', () => {
  it('every generated path runs on the pool with its state, frames and totals as the model says', () => {
    const { steps } = runModel('connection', pool)
    expect(steps).toBeGreaterThan(20)
  })
})

describe('model-based tests fail when the machine and the implementation part', () => {
  it('a broken copy of the machine (DIALED back to idle, so dialing again) fails on the pool at the first dial', async () => {
    const { connectionMachine } = await import('../fixtures/machines/connection-dialed-to-idle.machine.ts')
    const broken = { ...spec('connection'), machine: connectionMachine }
    const paths = modelPaths(broken, { maxSimple: 10 })
    expect(() => runPaths(broken, [...paths.shortest, ...paths.simple, ...paths.transitions], pool)).toThrow(ModelPathFailure)
    expect(() => runPaths(broken, [...paths.shortest, ...paths.simple, ...paths.transitions], pool)).toThrow(/step 2 of \[xstate.init → SEND → DIALED\], DIALED to "dialing"/)
  })
})
