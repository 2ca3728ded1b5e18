/**
 * The dashboard's tap and sanitiser, on their own: what leaves a process is small and holds no
 * secret; the tap reports state changes (not every snapshot), stopped actors and each decision once.
 */
import { describe, expect, it } from 'vitest'
import { assign, createActor, createMachine, setup } from 'xstate'
import { SecretKeySet, toHex } from '../../src/crypto/index.ts'
import { describeContext, MAX_ITEMS, summarise } from '../../src/inspect/sanitize.ts'
import { StatelyStream } from '../../src/inspect/stately.ts'
import { isChildReport } from '../../src/inspect/ipc.ts'
import { ActorTap, type TapMessage } from '../../src/inspect/tap.ts'
import { Prefix, XorName } from '../../src/xor/index.ts'

describe('summarise', () => {
  it('turns bytes into their length, caps arrays, strings and depth', () => {
    const out = summarise({ frame: new Uint8Array(1000), list: Array.from({ length: 40 }, (_, i) => i), text: 'x'.repeat(500), deep: { a: { b: { c: { d: { e: 1 } } } } } }) as Record<string, unknown>
    expect(out.frame).toBe('[1000 bytes]')
    expect((out.list as unknown[]).length).toBe(MAX_ITEMS + 1)
    expect((out.list as unknown[]).at(-1)).toBe(`… ${40 - MAX_ITEMS} more`)
    expect((out.text as string).length).toBeLessThan(130)
    expect(JSON.stringify(out.deep)).toContain('…')
  })

  it('never shows a secret key share: a class instance is named, not opened', () => {
    const set = SecretKeySet.random(2)
    const share = set.secretKeyShare(1)
    const secretHex = toHex(share.toBytes())
    const text = JSON.stringify(summarise({ share, nested: [share], map: new Map([['k', share]]) }))
    expect(text).not.toContain(secretHex)
    expect(text).toContain('SecretKeyShare')
    expect(text).not.toMatch(/\{"0":/)
  })

  it('shows names, prefixes and section views by what is public and small', () => {
    const name = XorName.fromBytes(new Uint8Array(32).fill(0xab))
    expect(summarise(name)).toBe('abababab')
    expect(summarise(Prefix.parse('0110'))).toBe('"0110"')
    const view = { sap: { sap: { prefix: Prefix.parse('01'), elders: [1, 2, 3] } }, members: { size: 9 }, nextGeneration: 4 }
    expect(describeContext({ view, params: { elderCount: 7 } })).toEqual({ view: { prefix: '01', nextGeneration: 4, members: 9, elders: 3 }, params: { elderCount: 7 } })
  })
})

const toggle = createMachine({ id: 'toggle', initial: 'off', states: { off: { on: { FLIP: 'on', NOOP: {} } }, on: { on: { FLIP: 'off', NOOP: {} } } } })

describe('ActorTap', () => {
  it('tells each state change once, not each snapshot, and when an actor stops', () => {
    let now = 0
    const tap = new ActorTap({ now: () => now })
    const heard: TapMessage[] = []
    tap.listen((m) => heard.push(m))
    const actor = createActor(toggle, { systemId: 'n1.abcd/toggle', inspect: tap.observe('n1') })
    actor.start()
    now = 5
    actor.send({ type: 'NOOP' })
    actor.send({ type: 'FLIP' })
    actor.send({ type: 'NOOP' })
    expect(heard.map((m) => (m.type === 'transition' ? `${m.value as string}@${m.t}` : m.type))).toEqual(['off@0', 'on@5'])
    expect(tap.actors('n1')).toEqual([expect.objectContaining({ id: 'n1.abcd/toggle', machine: 'toggle', value: 'on', since: 5 })])
    actor.stop()
    expect(heard.at(-1)).toMatchObject({ type: 'stopped', actor: 'n1.abcd/toggle' })
    expect(tap.actors()).toEqual([])
    expect(tap.counts).toMatchObject({ actors: 1, transitions: 1 })
  })

  it('keeps nested state values apart and compares them by value', () => {
    const tap = new ActorTap({ now: () => 0 })
    const heard: TapMessage[] = []
    tap.listen((m) => heard.push(m))
    const machine = setup({ types: { context: {} as { n: number } } }).createMachine({
      id: 'pair', context: { n: 0 }, type: 'parallel',
      states: { a: { initial: 'x', states: { x: { on: { GO: 'y' } }, y: {} } }, b: { initial: 'p', states: { p: {} }, on: { COUNT: { actions: assign({ n: ({ context }) => context.n + 1 }) } } } },
    })
    const actor = createActor(machine, { systemId: 'n2/pair', inspect: tap.observe('n2') }).start()
    actor.send({ type: 'COUNT' })
    actor.send({ type: 'GO' })
    expect(heard.filter((m) => m.type === 'transition').map((m) => (m.type === 'transition' ? m.value : undefined))).toEqual([{ a: 'x', b: 'p' }, { a: 'y', b: 'p' }])
  })

  it("takes in what another process's tap reported: the same registry, each decision once", () => {
    const child = new ActorTap({ now: () => 7 })
    const parent = new ActorTap({ now: () => 0 })
    const relayed: TapMessage[] = []
    parent.listen((m) => relayed.push(m))
    child.listen((m) => {
      // As the IPC channel carries them: plain JSON.
      const report = JSON.parse(JSON.stringify({ type: 'tap', messages: [m] })) as unknown
      expect(isChildReport(report)).toBe(true)
      for (const message of (report as { messages: TapMessage[] }).messages) parent.ingest(message)
    })
    const actor = createActor(toggle, { systemId: 'p1/toggle', inspect: child.observe('p1') }).start()
    actor.send({ type: 'FLIP' })
    expect(parent.actors()).toEqual([expect.objectContaining({ id: 'p1/toggle', node: 'p1', machine: 'toggle', value: 'on' })])
    parent.ingest({ type: 'decision', t: 1, node: 'p1', prefix: '0', generation: 3, changes: [] })
    parent.ingest({ type: 'decision', t: 2, node: 'p2', prefix: '0', generation: 3, changes: [] })
    expect(relayed.filter((m) => m.type === 'decision')).toHaveLength(1)
    actor.stop()
    expect(parent.actors()).toEqual([])
    expect(isChildReport({ type: 'tap' })).toBe(false)
    expect(isChildReport('tap')).toBe(false)
  })

  it('sends the Stately stream sanitised, with unchanged snapshots at most once a second', () => {
    let now = 0
    const out: Array<{ type: string; snapshot?: { context: unknown } }> = []
    const stream = new StatelyStream((m) => out.push(m as never), () => now)
    const tap = new ActorTap({ now: () => now, stately: stream })
    const machine = setup({ types: { context: {} as { frame: Uint8Array } } }).createMachine({ id: 'holder', context: { frame: new Uint8Array(64) }, initial: 'a', states: { a: { on: { POKE: {} } } } })
    const actor = createActor(machine, { systemId: 'n3/holder', inspect: tap.observe('n3') }).start()
    for (let i = 0; i < 10; i++) actor.send({ type: 'POKE' })
    now = 1_500
    actor.send({ type: 'POKE' })
    const snapshots = out.filter((m) => m.type === '@xstate.snapshot')
    expect(out.filter((m) => m.type === '@xstate.actor')).toHaveLength(1)
    expect(snapshots).toHaveLength(2)
    expect(stream.counts.filtered).toBe(9)
    expect(JSON.stringify(out)).toContain('[64 bytes]')
    expect(JSON.stringify(out)).not.toMatch(/\{"0":/)
    expect(out[0]).toMatchObject({ type: '@xstate.actor', name: 'n3/holder', sessionId: 'n3/holder', rootId: 'n3/holder' })
  })
})
