/**
 * What the dashboard shows of one node, read from its shell (the simulator's and a real node's
 * alike) plus what only a real node knows (its transport, its process): the same record in a live
 * push and in a recorded trace.
 */
import type { NodeShell } from '../roles/shell/node-shell.ts'
import { toHex } from '../crypto/index.ts'

export interface NodeView {
  readonly addr: string
  /** The node's name, hex (it changes when the node relocates; `addr` does not). */
  readonly name: string
  readonly role: string
  readonly crashed: boolean
  readonly prefix?: string
  /** The first 8 hex digits of the section key the node holds. */
  readonly key?: string
  readonly generation?: number
  readonly age?: number
  readonly isElder: boolean
  /** Members of the node's section, as its view says. */
  readonly memberCount?: number
  readonly vault: ReturnType<NodeShell['vault']['status']>
  /** A real node's: messages sent and received, sent by kind, refused by reason. */
  readonly messages?: { readonly sent: number; readonly received: number; readonly sentByKind: Readonly<Record<string, number>>; readonly refused: Readonly<Record<string, number>> }
  readonly connections?: number
  readonly rssMb?: number
}

/** What the dashboard shows of a node, from its shell; `extra` adds what a real node knows. */
export function nodeView(shell: NodeShell, extra: Partial<Pick<NodeView, 'messages' | 'connections' | 'rssMb'>> = {}): NodeView {
  const view = shell.section
  const sap = view?.sap.sap
  const me = shell.asMember()
  const vault = shell.vault.status()
  return {
    addr: shell.addr,
    name: shell.name.toHex(),
    role: shell.role,
    crashed: shell.crashed,
    ...(sap === undefined ? {} : { prefix: sap.prefix.toBits(), key: toHex(sap.sectionKey().toBytes()).slice(0, 8) }),
    ...(view === undefined ? {} : { generation: view.nextGeneration, memberCount: view.members.size }),
    ...(me === undefined ? {} : { age: me.age }),
    isElder: shell.isElder,
    vault,
    ...extra,
  }
}
