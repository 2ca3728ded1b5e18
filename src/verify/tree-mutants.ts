/**
 * Single-transition mutants of the real machine files (issue 15): each mutant is one machine
 * file with one transition taken out — an `after` timer emptied, or one guarded branch deleted (so
 * the event falls through to the next branch) — written into a copy of the source tree, where the
 * fast checks run: `safenet verify` and the spec tests of the roles (`test/roles`). A mutant is
 * caught when either fails. Unlike a model-based test, whose model and node run the same chart,
 * these checks state the protocol apart from the chart, so a mutant that survives them is a gap.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The tests that state the protocol on the wire, apart from the charts: the roles' spec tests, and
 * the connection pool's (a connection dialled on demand, queued, backed off, let go when idle).
 */
export const SPEC_TESTS = ['test/roles', 'test/transport/connections.test.ts']

export interface TreeMutant {
  /** The machine file, relative to the tree's root. */
  readonly file: string
  /** What was taken out, as `line N: …`. */
  readonly what: string
  readonly text: string
}

/** The index just past the `}` closing the `{` at `open`. */
function closing(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++
    else if (text[i] === '}' && --depth === 0) return i + 1
  }
  throw new Error('unbalanced braces')
}

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length

/** Every single-transition mutant of one machine file's text. */
export function mutantsOf(file: string, text: string): TreeMutant[] {
  const out: TreeMutant[] = []
  // Each `after: { … }` emptied: the state loses its timers.
  for (const match of text.matchAll(/after: \{/g)) {
    const open = match.index + 'after: '.length
    const end = closing(text, open)
    out.push({ file, what: `line ${lineOf(text, match.index)}: after ${text.slice(open, end).replace(/\s+/g, ' ').slice(0, 60)} removed`, text: `${text.slice(0, open)}{}${text.slice(end)}` })
  }
  // Each guarded branch of a transition list deleted: its event falls through to the next branch.
  for (const match of text.matchAll(/^[ \t]*\{ guard: (?:'[A-Za-z]+'|(?:and|or|not)\([^\n]*?\)),[^\n]*\},?[ \t]*\n/gm)) {
    out.push({ file, what: `line ${lineOf(text, match.index)}: branch ${match[0].trim().slice(0, 60)} removed`, text: `${text.slice(0, match.index)}${text.slice(match.index + match[0].length)}` })
  }
  return out
}

/** The mutants of every machine file under `root/machines`. */
export function treeMutants(root: string): TreeMutant[] {
  return readdirSync(join(root, 'machines')).filter((name) => name.endsWith('.machine.ts')).sort()
    .flatMap((name) => mutantsOf(`machines/${name}`, readFileSync(join(root, 'machines', name), 'utf8')))
}

export interface MutantResult {
  readonly mutant: TreeMutant
  readonly caught: boolean
  /** Which fast check failed first: `verify` or `spec tests`. */
  readonly by?: string
}

/** A copy of the tree to mutate (sources, tests, config; node_modules linked). */
export function copyTree(root: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'safenet-mutant-'))
  for (const entry of ['machines', 'src', 'test', '.config', 'package.json', 'tsconfig.json']) cpSync(join(root, entry), join(copy, entry), { recursive: true })
  if (existsSync(join(root, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir')
  return copy
}

/** Runs the fast checks on each mutant in one copy of the tree (restoring the file after each). */
export function runTreeMutants(root: string, mutants: ReadonlyArray<TreeMutant>, log?: (line: string) => void): MutantResult[] {
  const copy = copyTree(root)
  const node = process.execPath
  try {
    return mutants.map((mutant) => {
      const path = join(copy, mutant.file)
      const original = readFileSync(path, 'utf8')
      writeFileSync(path, mutant.text)
      try {
        const verify = spawnSync(node, [join(copy, 'src/cli/main.ts'), 'verify'], { cwd: copy, encoding: 'utf8', timeout: 300_000 })
        let result: MutantResult
        if (verify.status !== 0) result = { mutant, caught: true, by: 'verify' }
        else {
          const vitest = join(copy, 'node_modules/vitest/vitest.mjs')
          const specs = spawnSync(node, [vitest, 'run', '--config', '.config/vitest.config.ts', ...SPEC_TESTS], { cwd: copy, encoding: 'utf8', timeout: 300_000 })
          result = specs.status !== 0 ? { mutant, caught: true, by: 'spec tests' } : { mutant, caught: false }
        }
        log?.(`${result.caught ? `caught by ${result.by}` : 'SURVIVED'}: ${mutant.file} ${mutant.what}`)
        return result
      } finally {
        writeFileSync(path, original)
      }
    })
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}
