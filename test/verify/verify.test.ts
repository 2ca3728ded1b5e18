import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createMachine } from 'xstate'
import { MACHINES } from '../../src/diagrams/machines.ts'
import { mutated } from '../../src/verify/mutate.ts'
import { findings, type MachineSpec, type VerifyReport, verifyMachine } from '../../src/verify/verify.ts'
import { specs } from '../../src/verify/specs.ts'

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 })
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/machines/${name}`, import.meta.url))

const spec = (name: string): MachineSpec => specs().find((s) => s.name === name)!

describe('safenet verify: exhaustive checks of the statecharts', () => {
  it('finds nothing wrong with the machines it models', () => {
    for (const s of specs()) {
      const report = verifyMachine(s)
      expect(report, s.name).toMatchObject({ deadlocks: [], unreachable: [], trapStates: [], invariantViolations: [], stalls: [] })
      expect(report.reachableStates, s.name).toBe(report.states)
      expect(report.transitions, s.name).toBeGreaterThan(report.states)
    }
  })

  // Mutants: one transition of a real machine removed or redirected; verify must catch each.
  it('catches a connection whose DIALED no longer connects (connected unreachable)', () => {
    const s = spec('connection')
    const machine = mutated(s.machine, ['dialing'], (state) => ({ ...state, on: { ...(state.on as object), DIALED: { target: 'idle' } } }))
    const report = verifyMachine({ ...s, machine })
    expect(report.unreachable).toContain('connection.connected')
    expect(findings(report)).toBeGreaterThan(0)
  })

  it('catches an anti-entropy catch-up whose retry lost its bound (the state space has no end)', () => {
    const s = spec('anti-entropy')
    const machine = mutated(s.machine, ['active', 'catchUp', 'requesting'], (state) => ({ ...state, after: { retry: { target: 'requesting', reenter: true } } }))
    const report = verifyMachine({ ...s, machine, limit: 200 })
    expect(report.truncated).toBe(true)
    expect(findings(report)).toBeGreaterThan(0)
  })

  it('catches an elder that goes back to steady once its sessions are signed (proposing unreachable)', () => {
    const s = spec('elder')
    const machine = mutated(s.machine, ['serving', 'change', 'electing', 'sessions'], (state) => ({ ...state, onDone: { target: '#elder.serving.change.steady' } }))
    const report = verifyMachine({ ...s, machine })
    expect(report.unreachable).toContain('elder.serving.change.proposing')
  })

  // Progress: a state that only others can move on. Each of these passed every other check.
  it('catches a member told TryJoinLater that never asks again (the tryJoinLater timer removed: a stall)', () => {
    const s = spec('member')
    const machine = mutated(s.machine, ['joining', 'waiting'], (state) => ({ ...state, after: {} }))
    const report = verifyMachine({ ...s, machine })
    expect(report).toMatchObject({ deadlocks: [], trapStates: [], invariantViolations: [] })
    expect(report.stalls.some((v) => v.startsWith('member.joining.waiting @'))).toBe(true)
  })

  it('catches a relocating member that stops retrying its join (the joinRetry timer removed: a stall)', () => {
    const s = spec('member')
    const machine = mutated(s.machine, ['relocating', 'requesting'], (state) => ({ ...state, after: {} }))
    const report = verifyMachine({ ...s, machine })
    expect(report.stalls.some((v) => v.startsWith('member.relocating.requesting @'))).toBe(true)
  })

  it('catches an elder that announces its DkgStart once and never again (the resend timer removed: a stall)', () => {
    const s = spec('elder')
    const machine = mutated(s.machine, ['serving', 'change', 'electing', 'announcing', 'announced'], (state) => ({ ...state, after: {} }))
    const report = verifyMachine({ ...s, machine })
    expect(report.stalls.some((v) => v.startsWith('elder.serving.change.electing.announcing.announced @'))).toBe(true)
  })

  it('catches a member approved without resetting its join attempts (invariant violated)', () => {
    const s = spec('member')
    const machine = mutated(s.machine, ['joining'], (state) => ({ ...state, on: { ...(state.on as object), APPROVED: { target: 'adult' } } }))
    const report = verifyMachine({ ...s, machine })
    expect(report.invariantViolations.some((v) => v.startsWith('a member has no join attempt pending'))).toBe(true)
  })

  it('catches a section machine that never splits (splitting unreachable)', () => {
    const s = spec('section')
    const machine = mutated(s.machine, ['member', 'evaluating'], (state) => ({
      ...state, always: (state.always as Array<{ guard?: string }>).filter((t) => t.guard !== 'splitDue'),
    }))
    const report = verifyMachine({ ...s, machine })
    expect(report.unreachable).toContain('section.member.splitting')
  })

  it('catches an agreement that stops voting on any DecisionAnnounce (invariant violated)', async () => {
    const { agreementMachine } = await import('../fixtures/machines/agreement-idles-early.machine.ts')
    const report = verifyMachine({ ...spec('agreement'), machine: agreementMachine })
    expect(report.invariantViolations.some((v) => v.startsWith('idle exactly when the last generation is decided'))).toBe(true)
  })

  it('catches a DKG that completes without its dealers qualified (invariant violated, abandoned unreachable)', async () => {
    const { dkgMachine } = await import('../fixtures/machines/dkg-completes-unqualified.machine.ts')
    const report = verifyMachine({ ...spec('dkg'), machine: dkgMachine })
    expect(report.invariantViolations.some((v) => v.startsWith('complete only with at least threshold+1 qualified dealers'))).toBe(true)
    expect(report.unreachable).toContain('dkg.abandoned')
  })

  it('safenet verify --json lists every machine with 0 findings; --machine with a broken copy exits 1', () => {
    const all = run('verify', '--json')
    expect(all.status, all.stderr).toBe(0)
    const reports = all.stdout.trim().split('\n').map((line) => JSON.parse(line) as VerifyReport)
    expect(reports.map((r) => r.machine).sort()).toEqual(MACHINES.map((m) => m.name).sort())
    for (const report of reports) expect(findings(report), report.machine).toBe(0)
    const broken = run('verify', '--json', '--machine', fixture('connection-dialed-to-idle.machine.ts'))
    expect(broken.status).toBe(1)
    expect(JSON.parse(broken.stdout) as VerifyReport).toMatchObject({ machine: 'connection', unreachable: ['connection.connected'] })
    const real = run('verify', '--machine', fileURLToPath(new URL('../../machines/connection.machine.ts', import.meta.url)))
    expect(real.status, real.stdout).toBe(0)
    const none = run('verify', '--machine', fileURLToPath(new URL('../../src/xor/index.ts', import.meta.url)))
    expect(none.status).toBe(2)
    expect(none.stderr).toMatch(/exports no state machine/)
  })

  it('finds a trap: a state from which no stable state can be reached', () => {
    const machine = createMachine({
      id: 'trap',
      initial: 'a',
      states: { a: { on: { GO: 'b', STAY: 'a' } }, b: { on: { SPIN: 'c' } }, c: { on: { SPIN: 'b' } } },
    })
    const report = verifyMachine({ name: 'trap', machine, events: [{ type: 'GO' }, { type: 'STAY' }, { type: 'SPIN' }], key: () => null, stable: ['trap.a'], invariants: [], progress: { external: [], shutdown: [] } })
    expect(report.trapStates).toHaveLength(2)
    expect(report.deadlocks).toEqual([])
    expect(findings(report)).toBe(2)
  })

})
