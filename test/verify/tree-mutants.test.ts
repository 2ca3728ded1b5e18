import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { mutantsOf, runTreeMutants } from '../../src/verify/tree-mutants.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const memberText = readFileSync(`${root}/machines/member.machine.ts`, 'utf8')

describe('single-transition mutants of the real machine files', () => {
  it('makes one mutant per after timer and per guarded branch, each with exactly that taken out', () => {
    const mutants = mutantsOf('machines/member.machine.ts', memberText)
    // The member chart: joining's and relocating's two timers each, and joining's two guarded branches (resume; count an unanswered request).
    expect(mutants.map((m) => m.what.replace(/^line \d+: /, '').replace(/ \{.*/, ''))).toEqual(['after', 'after', 'after', 'after', 'branch', 'branch'])
    expect(mutants[4]!.what).toContain("and(['canResume', 'unansweredLong'])")
    const tryLater = mutants[1]!
    const timers = (text: string) => text.split('tryJoinLater: { target').length - 1
    expect(timers(tryLater.text)).toBe(timers(memberText) - 1)
    expect(tryLater.text.length).toBeLessThan(memberText.length)
    expect(memberText).toContain('tryJoinLater: { target')
  })

  it("the issue's example is caught in a copy of the tree: the member chart without its tryJoinLater timer fails verify", () => {
    const mutant = mutantsOf('machines/member.machine.ts', memberText).find((m) => m.what.includes('tryJoinLater'))!
    const [result] = runTreeMutants(root, [mutant])
    expect(result).toMatchObject({ caught: true, by: 'verify' })
    // The real file is untouched.
    expect(readFileSync(`${root}/machines/member.machine.ts`, 'utf8')).toBe(memberText)
  }, 300_000)
})
