import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setup } from 'xstate'
import { staleDiagrams } from '../../src/cli/diagrams.ts'
import { renderSvg, toDot, toMermaid } from '../../src/diagrams/diagrams.ts'
import { MACHINES } from '../../src/diagrams/machines.ts'

const root = join(import.meta.dirname, '..', '..')

describe('diagrams of the statecharts (safenet diagrams)', () => {
  it('every machine file in machines/ is drawn', () => {
    const files = readdirSync(join(root, 'machines')).filter((f) => f.endsWith('.machine.ts')).map((f) => f.replace('.machine.ts', '')).sort()
    expect(MACHINES.map((m) => m.name).sort()).toEqual(files)
  })

  it('the committed diagrams in visualizations/ match the machines (run `safenet diagrams` after changing one)', () => {
    expect(staleDiagrams(join(root, 'visualizations'))).toEqual([])
  })

  it('a changed machine makes its committed diagram stale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'safenet-diagrams-'))
    for (const { name, machine } of MACHINES) {
      writeFileSync(join(dir, `${name}.mmd`), toMermaid(machine))
      writeFileSync(join(dir, `${name}.svg`), `<!-- no render -->`)
    }
    // The SVG carries the hash of its source: a placeholder is stale.
    expect(staleDiagrams(dir)).toEqual(MACHINES.map((m) => m.name))
    const committed = join(root, 'visualizations')
    for (const { name } of MACHINES) writeFileSync(join(dir, `${name}.svg`), readFileSync(join(committed, `${name}.svg`), 'utf8'))
    expect(staleDiagrams(dir)).toEqual([])
    // One transition redirected in the member machine's diagram source.
    const mmd = readFileSync(join(dir, 'member.mmd'), 'utf8')
    writeFileSync(join(dir, 'member.mmd'), mmd.replace('adult --> elder : PROMOTED', 'adult --> left : PROMOTED'))
    expect(staleDiagrams(dir)).toEqual(['member'])
  })

  it('draws nesting, parallel regions, initial and final states, guards and delays', async () => {
    const machine = setup({ guards: { ready: () => true }, delays: { tick: 100 } }).createMachine({
      id: 'sample',
      initial: 'a',
      states: {
        a: { on: { GO: { target: 'b', guard: 'ready' } }, after: { tick: 'a' } },
        b: {
          type: 'parallel',
          states: { x: { initial: 'x1', states: { x1: { always: 'x2' }, x2: {} } }, y: { initial: 'y1', states: { y1: { on: { END: '#sample.done' } } } } },
        },
        done: { type: 'final' },
      },
    })
    const mmd = toMermaid(machine)
    expect(mmd).toContain('a --> b : GO [ready]')
    expect(mmd).toContain('a --> a : after tick')
    expect(mmd).toContain('b_x_x1 --> b_x_x2 : always')
    expect(mmd).toContain('b_y_y1 --> done : END')
    expect(mmd).toMatch(/state b \{\n {6}state b_x \{[\s\S]*\n {6}--\n {6}state b_y \{/)
    expect(mmd).toContain('done --> [*]')
    const svg = await renderSvg(toDot(machine))
    expect(svg.startsWith('<?xml')).toBe(true)
    for (const label of ['GO [ready]', 'after tick', 'always', 'END', 'b (parallel)', 'x1', 'y1', 'done']) expect(svg).toContain(label)
  })
})
