/**
 * `npm run test:integration`: the integration files in two lanes at once, each lane one vitest run
 * taking its files one after another. Most of these files wait on a network's timers (joins, DKG,
 * sweeps, a churn window) more than they compute, and on CI's 2 cores one file at a time left a
 * core idle for much of the phase's 571 s. The lanes are chosen so that the two 30-process networks
 * (the restart test's, the dashboard's) never run at once; a file not named below goes to lane B.
 * Each line is prefixed by its lane; exit 1 if either lane fails (or no file matches the filters).
 * Files directly in test/integration/ only.
 *
 *   node scripts/integration.ts [FILTER…]   (FILTER: passed to vitest, e.g. a file name)
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const DIR = 'test/integration'
/** Lane A: the two 30-process networks, one after the other. */
const LANE_A = ['restart.test.ts', 'dashboard.browser.test.ts']
/** Lane B starts with the longest of the rest; unnamed files follow, then the short ones. */
const LANE_B_FIRST = ['data-churn.test.ts', 'files.test.ts', 'web.browser.test.ts']
const LANE_B_LAST = ['netns.test.ts']

const all = readdirSync(`${root}/${DIR}`).filter((f) => f.endsWith('.test.ts')).sort()
const filters = process.argv.slice(2)
const chosen = (f: string) => filters.length === 0 || filters.some((filter) => `${DIR}/${f}`.includes(filter))
const laneA = LANE_A.filter((f) => all.includes(f) && chosen(f))
const rest = all.filter((f) => !LANE_A.includes(f) && !LANE_B_FIRST.includes(f) && !LANE_B_LAST.includes(f))
const laneB = [...LANE_B_FIRST, ...rest, ...LANE_B_LAST].filter((f) => all.includes(f) && chosen(f))
if (laneA.length + laneB.length === 0) {
  console.error(`integration: no test file in ${DIR} matches ${filters.join(' ')}`)
  process.exit(1)
}
const children = new Set<ReturnType<typeof spawn>>()
// A cancelled run stops the lanes too (each vitest stops its networks), not leaving them behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal)
    process.exitCode = 1
  })
}

function run(name: string, files: string[]): Promise<number> {
  if (files.length === 0) return Promise.resolve(0)
  const vitest = `${root}/node_modules/vitest/vitest.mjs`
  const paths = files.map((f) => `${DIR}/${f}`)
  return new Promise((resolve) => {
    // The lane's order is kept (.config/vitest.config.ts reads SAFENET_TEST_ORDER).
    const child = spawn(process.execPath, [vitest, 'run', '--config', '.config/vitest.config.ts', '--no-file-parallelism', ...paths], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SAFENET_TEST_ORDER: paths.join(',') } })
    const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
      let partial = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n')
        partial = lines.pop()!
        for (const line of lines) out.write(`[${name}] ${line}\n`)
      })
      stream.on('end', () => partial !== '' && out.write(`[${name}] ${partial}\n`))
    }
    children.add(child)
    prefix(child.stdout, process.stdout)
    prefix(child.stderr, process.stderr)
    child.on('error', (error) => {
      console.error(`[${name}] could not run vitest: ${error.message}`)
      resolve(1)
    })
    // 'close': the lane's output is all written before its exit is counted.
    child.on('close', (code, signal) => {
      children.delete(child)
      resolve(code ?? (signal === null ? 1 : 128))
    })
  })
}

const started = performance.now()
console.log(`lane A: ${laneA.join(', ') || '-'}\nlane B: ${laneB.join(', ') || '-'}`)
const codes = await Promise.all([run('A', laneA), run('B', laneB)])
console.log(`integration: lanes exited ${codes.join(', ')} after ${Math.round((performance.now() - started) / 1000)} s`)
process.exitCode = codes.every((c) => c === 0) ? 0 : 1
