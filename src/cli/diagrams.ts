/**
 * `safenet diagrams [--out DIR] [--check]` — writes `<machine>.mmd` (Mermaid stateDiagram-v2) and
 * `<machine>.svg` (rendered offline by Graphviz/WebAssembly) for every statechart in `machines/`.
 * `--check` writes nothing and exits 1 when a committed diagram is out of date.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dotHashComment, renderSvg, toDot, toMermaid } from '../diagrams/diagrams.ts'
import { MACHINES } from '../diagrams/machines.ts'

export const DIAGRAMS_USAGE = `safenet diagrams [--out DIR] [--check]

  --out DIR   where to write <machine>.mmd and <machine>.svg (default visualizations/)
  --check     write nothing; list the diagrams that are missing or out of date, exit 1 if any`

/** Machines whose committed diagram in `dir` does not match the machine. */
export function staleDiagrams(dir: string): string[] {
  return MACHINES.filter(({ name, machine }) => {
    const mmd = join(dir, `${name}.mmd`)
    const svg = join(dir, `${name}.svg`)
    if (!existsSync(mmd) || !existsSync(svg)) return true
    return readFileSync(mmd, 'utf8') !== toMermaid(machine) || !readFileSync(svg, 'utf8').includes(dotHashComment(toDot(machine)))
  }).map(({ name }) => name)
}

export async function runDiagrams(options: { out: string; check: boolean }): Promise<number> {
  if (options.check) {
    const stale = staleDiagrams(options.out)
    for (const name of stale) console.log(`out of date: ${join(options.out, name)}.{mmd,svg}`)
    if (stale.length === 0) console.log(`${MACHINES.length} diagrams up to date in ${options.out}`)
    return stale.length === 0 ? 0 : 1
  }
  mkdirSync(options.out, { recursive: true })
  for (const { name, machine } of MACHINES) {
    writeFileSync(join(options.out, `${name}.mmd`), toMermaid(machine))
    writeFileSync(join(options.out, `${name}.svg`), await renderSvg(toDot(machine)))
    console.log(`wrote ${join(options.out, name)}.mmd and .svg`)
  }
  return 0
}
