/**
 * What each joiner sent and heard while it was not yet a member (`safenet sim --why`): every
 * frame to or from a node that is joining, counted by kind and fate, the newest few kept whole.
 * At the end of a run it explains each node still unjoined: its attempts, what each got back
 * (nothing, Retry, Redirect, TryJoinLater, refused and why, approved), whom it asked last and
 * what they believe now. Fed by the simulated network's tap, so it changes nothing it watches.
 */
import { Result } from 'effect'
import { decode, type Message } from '../../wire/index.ts'
import { Prefix, XorName } from '../../xor/index.ts'
import type { NodeShell } from '../../roles/shell/node-shell.ts'
import type { FrameFate } from '../network.ts'

/** Frames kept whole per joiner (the newest); older ones are only counted. */
export const JOINER_RECENT_FRAMES = 12

interface Entry {
  readonly at: number
  readonly out: boolean
  readonly peer: string
  readonly kind: string
  readonly detail: string
  readonly fate: FrameFate
}

interface JoinerRecord {
  readonly counts: Map<string, number>
  readonly recent: Entry[]
  firstAt: number
  lastRequestAt: number
  lastAnswerAt: number
  /** The peers the newest round of join requests went to (requests within 1 s of each other). */
  lastAsked: string[]
}

const prefixOf = (wire: { readonly bitCount: number; readonly name: Uint8Array }): string => Prefix.of(XorName.fromBytes(wire.name), wire.bitCount).toString()

/** A short account of a message as a joiner sees it. */
function describe(message: Message, keyLabel: (sectionKey: Uint8Array) => string): { kind: string; detail: string } {
  switch (message.kind) {
    case 'JoinRequest': {
      const p = message.payload
      return { kind: p.relocation === undefined ? 'JoinRequest' : 'JoinRequest(relocation)', detail: `under ${keyLabel(message.envelope.dst.sectionKey)}${p.elderShare === undefined ? '' : ', proving its elder share'}` }
    }
    case 'AeRetry':
    case 'AeRedirect':
    case 'AeUpdate': {
      const sap = message.payload.sap.sap
      return { kind: message.kind, detail: `SAP ${prefixOf(sap.prefix)} gen ${sap.generation}` }
    }
    case 'JoinResponse': {
      const verdict = message.payload.verdict
      const why = verdict._tag === 'Rejected' ? `: ${verdict.reason}` : verdict._tag === 'JoinElsewhere' ? ` → ${prefixOf(verdict.prefix)}` : ''
      return { kind: `JoinResponse.${verdict._tag}`, detail: `${verdict._tag}${why}` }
    }
    case 'JoinApproved':
      return { kind: 'JoinApproved', detail: `SAP ${prefixOf(message.payload.sap.sap.prefix)} gen ${message.payload.sap.sap.generation}, next generation ${message.payload.nextGeneration}` }
    default:
      return { kind: message.kind, detail: '' }
  }
}

export class JoinerLog {
  readonly #now: () => number
  readonly #joining: (addr: string) => boolean
  readonly #keyLabel: (sectionKey: Uint8Array) => string
  readonly #note: (node: NodeShell) => string
  readonly #records = new Map<string, JoinerRecord>()

  /**
   * `joining`: whether the node at an address is joining now; `keyLabel`: names a section key;
   * `note`: what the simulator knows of a peer that the peer does not say (e.g. that it is Byzantine).
   */
  constructor(options: { now: () => number; joining: (addr: string) => boolean; keyLabel: (sectionKey: Uint8Array) => string; note?: (node: NodeShell) => string }) {
    this.#now = options.now
    this.#joining = options.joining
    this.#keyLabel = options.keyLabel
    this.#note = options.note ?? (() => '')
  }

  /** The network's tap: keeps the frames a joiner sends, and those delivered to one. */
  record(from: string, to: string, frame: Uint8Array, fate: FrameFate): void {
    const sending = this.#joining(from)
    const receiving = fate === 'delivered' && this.#joining(to)
    if (!sending && !receiving) return
    const decoded = decode(frame)
    if (Result.isFailure(decoded)) return
    const { kind, detail } = describe(decoded.success, this.#keyLabel)
    const at = this.#now()
    if (sending) this.#add(from, { at, out: true, peer: to, kind, detail, fate })
    if (receiving) this.#add(to, { at, out: false, peer: from, kind, detail, fate })
  }

  #add(addr: string, entry: Entry): void {
    let record = this.#records.get(addr)
    if (record === undefined) this.#records.set(addr, record = { counts: new Map(), recent: [], firstAt: entry.at, lastRequestAt: -1, lastAnswerAt: -1, lastAsked: [] })
    const key = `${entry.out ? 'sent' : 'heard'} ${entry.kind}${entry.out && entry.fate !== 'delivered' ? ` (${entry.fate})` : ''}`
    record.counts.set(key, (record.counts.get(key) ?? 0) + 1)
    record.recent.push(entry)
    if (record.recent.length > JOINER_RECENT_FRAMES) record.recent.shift()
    if (entry.out && entry.kind.startsWith('JoinRequest')) {
      if (entry.at - record.lastRequestAt > 1_000) record.lastAsked = []
      record.lastAsked.push(entry.peer)
      record.lastRequestAt = entry.at
    }
    if (!entry.out && (entry.kind.startsWith('Ae') || entry.kind.startsWith('Join'))) record.lastAnswerAt = entry.at
  }

  /**
   * Why `node` is not a member: what it sent and heard, its newest frames, and the peers it last
   * asked as they are now (`byAddr`: each address's newest incarnation).
   */
  explain(node: NodeShell, byAddr: ReadonlyMap<string, NodeShell>): string[] {
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
    const states = node.actorStates()
    const lines = [`unjoined ${node.addr} (${node.role}; name ${node.name.toHex().slice(0, 8)}; member chart ${JSON.stringify(states.member ?? states)})`]
    const record = this.#records.get(node.addr)
    if (record === undefined) {
      lines.push('  sent and heard nothing while joining')
      return lines
    }
    const counts = [...record.counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ')
    lines.push(`  since t=${seconds(record.firstAt)}: ${counts}`)
    const now = this.#now()
    lines.push(`  last join request t=${record.lastRequestAt < 0 ? '-' : seconds(record.lastRequestAt)}; last answer t=${record.lastAnswerAt < 0 ? '- (never answered)' : `${seconds(record.lastAnswerAt)} (${seconds(now - record.lastAnswerAt)} before the end)`}`)
    for (const e of record.recent) lines.push(`    t=${seconds(e.at)} ${e.out ? '→' : '←'} ${e.peer} ${e.kind}${e.detail === '' ? '' : ` [${e.detail}]`}${e.out ? ` ${e.fate}` : ''}`)
    for (const addr of record.lastAsked) {
      const peer = byAddr.get(addr)
      const belief = peer === undefined ? 'unknown' : peer.crashed ? 'crashed' : `${peer.role}${peer.section === undefined ? '' : ` of ${peer.section.sap.sap.prefix.toString()} gen ${peer.section.nextGeneration}`}, ${peer.tree.saps().length} SAPs known${this.#note(peer)}`
      lines.push(`  asked last: ${addr}: ${belief}`)
      // What its actors are doing (an elder's agreement round and what it proposes).
      if (peer !== undefined && !peer.crashed && peer.isElder) lines.push(`    its actors: ${JSON.stringify(peer.actorStates())}`)
    }
    return lines
  }
}
