import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { DemoReport } from '../../src/cli/demo.ts'

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 })

describe('safenet command', () => {
  it('runs the demo end to end and reports every property as it must be', () => {
    const result = run('demo', '--json', '--nodes', '48')
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as DemoReport
    expect(report.nodes).toBe(48)
    expect(report.prefixesCoverSpace).toBe(true)
    expect(report.sections.reduce((sum, s) => sum + s.members, 0)).toBe(48)
    expect(report.chunk.holders).toHaveLength(4)
    expect(report.dkg.elders).toHaveLength(7)
    expect(report.dkg.threshold).toBe(4)
    expect(report.dkg.allEldersAgree).toBe(true)
    expect(report.signing).toMatchObject({ signers: 5, verified: true, belowThresholdVerified: false })
    expect(report.signing.blamed).toEqual([report.signing.corruptShareFrom])
    expect(report.wire).toMatchObject({ decoded: true, senderVerified: true })
    expect(report.wire.truncatedFrameError).toMatch(/^MalformedFrame: /)
  })

  it('prints help, and refuses unknown commands and bad options with exit code 2', () => {
    const help = run('--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/usage: safenet <command>/)
    expect(help.stdout).toMatch(/demo/)
    const unknown = run('frobnicate')
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/)
    const bad = run('demo', '--nodes', 'many')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--nodes must be an integer/)
    const tooMany = run('demo', '--elders', '9', '--nodes', '5')
    expect(tooMany.status).toBe(2)
  })
})
