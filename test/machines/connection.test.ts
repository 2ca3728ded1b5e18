import { describe, expect, it } from 'vitest'
import { createActor } from 'xstate'
import { type ConnectionSettings, connectionMachine } from '../../machines/connection.machine.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'

const settings: ConnectionSettings = { maxQueuedFrames: 3, initialBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 4, idleMs: 1_000 }

function connection() {
  const clock = new Scheduler()
  const log: string[] = []
  const actor = createActor(connectionMachine.provide({
    actions: {
      dial: (_, { peer }) => { log.push(`dial ${peer} @${clock.now}`) },
      transmit: (_, { frames }) => { log.push(`send ${frames.map((f) => f[0]).join(',')}`) },
      hangUp: (_, { peer }) => { log.push(`hang up ${peer} @${clock.now}`) },
    },
  }), { input: { peer: 'p', settings }, clock })
  actor.start()
  return { clock, log, actor }
}

const frame = (n: number) => Uint8Array.of(n)

describe('connection machine', () => {
  it('dials on the first send, queues meanwhile, and flushes in order once connected', () => {
    const { log, actor } = connection()
    actor.send({ type: 'SEND', frame: frame(1) })
    actor.send({ type: 'SEND', frame: frame(2) })
    expect(actor.getSnapshot().value).toBe('dialing')
    actor.send({ type: 'DIALED' })
    actor.send({ type: 'SEND', frame: frame(3) })
    expect(log).toEqual(['dial p @0', 'send 1,2', 'send 3'])
    expect(actor.getSnapshot().context.stats.sent).toBe(3)
  })

  it('backs off exponentially between failed dials, capped, and gives up after maxAttempts', () => {
    const { clock, log, actor } = connection()
    actor.send({ type: 'SEND', frame: frame(1) })
    for (let i = 0; i < 3; i++) {
      actor.send({ type: 'DIAL_FAILED', reason: 'refused' })
      clock.run({ maxTimeMs: clock.now + 10_000, until: () => actor.getSnapshot().value === 'dialing' })
    }
    expect(log.filter((l) => l.startsWith('dial'))).toEqual(['dial p @0', 'dial p @100', 'dial p @300', 'dial p @700'])
    actor.send({ type: 'DIAL_FAILED', reason: 'refused' })
    expect(actor.getSnapshot().value).toBe('idle')
    expect(actor.getSnapshot().context.stats).toMatchObject({ dropped: 1, failures: 4 })
  })

  it('dials at once when the peer it is backing off from sends a frame (it is back), and delivers what waited', () => {
    const { clock, log, actor } = connection()
    actor.send({ type: 'SEND', frame: frame(1) })
    actor.send({ type: 'DIAL_FAILED', reason: 'refused' })
    clock.run({ maxTimeMs: 150, until: () => actor.getSnapshot().value === 'dialing' })
    actor.send({ type: 'DIAL_FAILED', reason: 'refused' })
    expect(actor.getSnapshot().value).toBe('backoff')
    clock.run({ maxTimeMs: clock.now + 50 })
    actor.send({ type: 'RECEIVED' })
    expect(actor.getSnapshot().value).toBe('dialing')
    expect(log.filter((l) => l.startsWith('dial'))).toEqual(['dial p @0', 'dial p @100', 'dial p @150'])
    // A frame does not reset the count of failed dials: a peer we cannot reach is given up as before.
    expect(actor.getSnapshot().context.attempts).toBe(2)
    actor.send({ type: 'DIALED' })
    expect(log.at(-1)).toBe('send 1')
  })

  it('refuses frames beyond the queue bound and counts them', () => {
    const { actor } = connection()
    for (let i = 0; i < 5; i++) actor.send({ type: 'SEND', frame: frame(i) })
    expect(actor.getSnapshot().context.queue).toHaveLength(3)
    expect(actor.getSnapshot().context.stats.refused).toBe(2)
  })

  it('closes an idle connection, and dials again on demand', () => {
    const { clock, log, actor } = connection()
    actor.send({ type: 'SEND', frame: frame(1) })
    actor.send({ type: 'DIALED' })
    clock.run({ maxTimeMs: 500 })
    actor.send({ type: 'RECEIVED' })
    clock.run({ maxTimeMs: 1_400 })
    expect(actor.getSnapshot().value).toBe('connected')
    clock.run({ maxTimeMs: 2_000 })
    expect(actor.getSnapshot().value).toBe('idle')
    expect(log).toContain('hang up p @1500')
    actor.send({ type: 'SEND', frame: frame(2) })
    expect(actor.getSnapshot().value).toBe('dialing')
  })

  it('a lost connection rests until the next send redials it; closing drops what waits', () => {
    const { actor } = connection()
    actor.send({ type: 'SEND', frame: frame(1) })
    actor.send({ type: 'DIALED' })
    actor.send({ type: 'LOST', reason: 'reset' })
    expect(actor.getSnapshot().value).toBe('idle')
    actor.send({ type: 'SEND', frame: frame(2) })
    expect(actor.getSnapshot().value).toBe('dialing')
    actor.send({ type: 'CLOSE' })
    expect(actor.getSnapshot().status).toBe('done')
    expect(actor.getSnapshot().context.stats.dropped).toBe(1)
  })
})
