/**
 * `safenet sim --nodes N --seed S [--byzantine K] [--churn R] [--drop P] [--shrink R] [--json]` (and `--partition`) — grows a
 * whole network from genesis in the simulator and prints what the checkers found (issue 4).
 */
import { TraceRecorder } from '../inspect/recorder.ts'
import { type NetworkReport, runNetworkScenario, type SimProgress } from '../sim/scenarios/network.ts'

export interface NetworkSimArguments {
  readonly nodes: number
  readonly seed: number
  readonly byzantine: number
  readonly churn: number
  readonly drop: number
  readonly shrink: number
  readonly partition: boolean
  readonly data: number
  readonly verbose: boolean
  readonly why: boolean
  /** Write a trace the dashboard replays (`safenet dashboard FILE`). */
  readonly record?: string
}

export const NETWORK_SIM_USAGE = `safenet sim --nodes N --seed S [--byzantine K] [--churn R] [--drop P] [--shrink R] [--partition] [--data K] [--why] [--record FILE] [--json]

  --nodes N       grow a network from genesis to N nodes (joins spread over 10 virtual minutes),
                  let it settle, then send clients that know only the genesis key to random names
  --seed S        the run's seed (default 1): the same seed gives the same run
  --byzantine K   Byzantine elders per section at most, within f = ⌊(elders − 1)/3⌋ (default 0)
  --churn R       fraction of nodes that crash during growth while as many others join; half of
                  them come back with their key (default 0). Never more than f = 2 faulty elders
                  (crashed or acting Byzantine) in a section at once
  --drop P        probability a message is lost while faults last (default 0)
  --shrink R      after growth, fraction of nodes that leave for good over 5 virtual minutes:
                  the ones closest to a random name, so a region empties and its sections
                  merge with their siblings (default 0)
  --data K        a client stores K files (4 chunks each) from 20% to 90% of the growth window;
                  once the network has settled and replication had 150 s, every chunk's copies
                  on its 4 holders are counted and every chunk is read back
  --partition     cut the network in two halves (by address, at random) from 30% to 55% of
                  the growth window; nothing crosses until it heals
  --why           at the end, on stderr: each section that is not whole and why, and each node
                  still unjoined: what it sent and heard while joining, whom it asked last and
                  what they believe now
  --record FILE   write a trace of every actor's state changes, each decision and the nodes
                  every 5 virtual seconds (JSON lines; gzipped if FILE ends in .gz);
                  \`safenet dashboard FILE\` replays it in the browser on a timeline
  --verbose       progress of the run on stderr
  --json          print the report as one JSON object
  On a terminal, a progress line on stderr shows virtual time, nodes admitted, sections and
  whether faults are still on.`

/** The report's fields in the order issue 4 lists them, then the extras. */
export function networkJson(report: NetworkReport): Record<string, unknown> {
  const { nodes, sections, prefixesCoverSpace, sectionsWithFullElders, knowledgeConverged, splits, merges, relocations, decisions, agreementViolations, chainViolations, clientAeHopsMax, messagesPerJoin, virtualTimeMs, wallMs, data, ...extra } = report
  const dataFields = data === undefined ? {} : { chunksStored: data.chunksStored, chunksLost: data.chunksLost, underReplicated: data.underReplicated, readFailures: data.readFailures, data }
  return { nodes, sections, prefixesCoverSpace, sectionsWithFullElders, knowledgeConverged, splits, merges, relocations, decisions, agreementViolations, chainViolations, clientAeHopsMax, messagesPerJoin, virtualTimeMs, wallMs, ...dataFields, ...extra }
}

/** A run passes when nothing was violated and the network came out whole. */
export function networkPassed(report: NetworkReport): boolean {
  return report.agreementViolations === 0 && report.chainViolations === 0 && report.prefixesCoverSpace && report.knowledgeConverged && report.unjoined === 0
    && report.sectionsWithFullElders === report.sections && report.clientsAnswered === report.clients
    && (report.data === undefined || (report.data.chunksLost === 0 && report.data.underReplicated === 0 && report.data.readFailures === 0 && report.data.filesFailed === 0))
}

/** The progress line a terminal shows (redrawn in place). */
export function progressLine(p: SimProgress): string {
  return `t=${(p.virtualMs / 1000).toFixed(0)} s virtual: ${p.admitted} of ${p.live} live nodes admitted, ${p.sections} sections, faults ${p.faults ? 'on' : 'off'}`
}

export function runNetworkSim(args: NetworkSimArguments, out: { json: boolean; progress?: boolean }): number {
  let drawn = false
  const recorder = args.record === undefined ? undefined : new TraceRecorder(args.record, { title: `sim --nodes ${args.nodes} --seed ${args.seed}`, seed: args.seed, nodes: args.nodes })
  const report = runNetworkScenario(args.seed, {
    ...(recorder === undefined ? {} : { recorder }),
    nodes: args.nodes,
    byzantine: args.byzantine,
    churn: args.churn,
    drop: args.drop,
    shrink: args.shrink,
    partition: args.partition,
    ...(args.data > 0 ? { data: args.data } : {}),
    ...(args.verbose ? { log: (line: string) => console.error(line) } : {}),
    ...(args.why ? { why: (line: string) => console.error(line) } : {}),
    ...(out.progress === true ? {
      progress: (p: SimProgress) => {
        process.stderr.write(`\r${progressLine(p).padEnd(100)}`)
        drawn = true
      },
    } : {}),
  })
  if (drawn) process.stderr.write('\n')
  if (recorder !== undefined) {
    recorder.close()
    console.error(`recorded ${recorder.counts.lines} lines (${(recorder.counts.bytes / 1_048_576).toFixed(1)} MiB before compression${recorder.counts.truncated > 0 ? `, ${recorder.counts.truncated} left out past the size limit` : ''}) to ${recorder.path}: npx safenet dashboard ${recorder.path}`)
  }
  if (out.json) {
    console.log(JSON.stringify(networkJson(report)))
  } else {
    console.log([
      `network: ${report.nodes} nodes in ${report.sections} sections (prefixes cover the space: ${report.prefixesCoverSpace}), ${report.sectionsWithFullElders} with 7 oldest elders`,
      `knowledge converged: ${report.knowledgeConverged}; ${report.splits} splits, ${report.merges} merges, ${report.relocations} relocations, ${report.decisions} decisions`,
      `violations: agreement ${report.agreementViolations}, chain ${report.chainViolations}; client AE hops at most ${report.clientAeHopsMax}`,
      `${report.messagesPerJoin} messages per join; a join's own: mean ${report.joinMessages.mean}, worst ${report.joinMessages.worst}; a relocation's: mean ${report.relocationMessages.mean}, worst ${report.relocationMessages.worst}`,
      `clients answered ${report.clientsAnswered} of ${report.clients}; ${report.virtualTimeMs} ms virtual (whole ${report.settledAfterFaultsMs === null ? 'never' : `${report.settledAfterFaultsMs} ms after the faults stopped`}), ${report.wallMs} ms wall`,
      ...(report.data === undefined ? [] : [`data: ${report.data.filesStored} files stored (${report.data.filesFailed} failed), ${report.data.chunksStored} chunks; lost ${report.data.chunksLost}, under-replicated ${report.data.underReplicated}, read failures ${report.data.readFailures}, extra copies ${report.data.extraCopies}`]),
      `trace ${report.traceHash}`,
    ].join('\n'))
  }
  if (!networkPassed(report)) console.error(`seed ${args.seed} failed; replay: npx safenet sim --nodes ${args.nodes} --seed ${args.seed} --byzantine ${args.byzantine} --churn ${args.churn} --drop ${args.drop} --shrink ${args.shrink}${args.partition ? ' --partition' : ''}${args.data > 0 ? ` --data ${args.data}` : ''} --why`)
  return networkPassed(report) ? 0 : 1
}
