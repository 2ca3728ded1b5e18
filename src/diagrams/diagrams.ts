/**
 * Diagrams of the statecharts in `machines/` (issue 5): a Mermaid `stateDiagram-v2` with nested
 * states, and Graphviz DOT rendered to SVG offline by Graphviz compiled to WebAssembly (no network,
 * no browser). Both are generated from the machine definitions, never drawn by hand; the SVG
 * carries the SHA3 of its DOT source, so a test can tell when a machine changed and its committed
 * diagram did not.
 *
 * What is drawn: every state (compound and parallel states as boxes around their children,
 * parallel regions separated, final states marked), initial states, and every transition with its
 * event, guard, `after` delay or `always`. A transition with no target (actions only) is a loop.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate'
import { sha3_256, toHex } from '../crypto/hash.ts'

interface Edge {
  readonly from: AnyStateNode
  readonly to: AnyStateNode
  readonly label: string
}

/** The path of a state below the machine's root, joined with `_` (the root is the machine id); Mermaid-safe. */
function idOf(node: AnyStateNode): string {
  return (node.path.length === 0 ? node.machine.id : node.path.join('_')).replace(/[^A-Za-z0-9_]/g, '_')
}

function labelOf(node: AnyStateNode): string {
  return node.path.length === 0 ? node.machine.id : node.key
}

function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>)
}

function isBox(node: AnyStateNode): boolean {
  return node.type === 'compound' || node.type === 'parallel'
}

/** `EVENT [guard]`, `after delay [guard]`, `always [guard]`. */
function transitionLabel(source: AnyStateNode, eventType: string, guard: unknown): string {
  const afterPrefix = 'xstate.after.'
  let label = eventType
  if (eventType === '') label = 'always'
  else if (eventType.startsWith(afterPrefix)) {
    const rest = eventType.slice(afterPrefix.length)
    label = `after ${rest.endsWith(`.${source.id}`) ? rest.slice(0, -(source.id.length + 1)) : rest}`
  }
  const name = typeof guard === 'string' ? guard : (guard as { type?: unknown } | undefined)?.type
  return typeof name === 'string' ? `${label} [${name}]` : label
}

function edgesOf(root: AnyStateNode): Edge[] {
  const edges: Edge[] = []
  const visit = (node: AnyStateNode): void => {
    const definitions = [
      ...[...(node.transitions as Map<string, Array<{ target?: AnyStateNode[]; guard?: unknown; eventType: string }>>).values()].flat(),
      ...((node.always ?? []) as Array<{ target?: AnyStateNode[]; guard?: unknown; eventType: string }>),
    ]
    for (const t of definitions) {
      const label = transitionLabel(node, t.eventType, t.guard)
      const targets = t.target === undefined || t.target.length === 0 ? [node] : t.target
      for (const to of targets) edges.push({ from: node, to, label })
    }
    for (const child of children(node)) visit(child)
  }
  visit(root)
  return edges
}

/** Whether `node` is a descendant of `box`. */
function inside(node: AnyStateNode, box: AnyStateNode): boolean {
  return node.path.length > box.path.length && box.path.every((key: string, i: number) => node.path[i] === key)
}

function initialOf(node: AnyStateNode): AnyStateNode[] {
  return [...((node.initial as { target?: ReadonlyArray<AnyStateNode> } | undefined)?.target ?? [])]
}

/** Mermaid `stateDiagram-v2`, nested. Deterministic: states in definition order. */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2']
  const emit = (node: AnyStateNode, indent: string): void => {
    const id = idOf(node)
    if (!isBox(node)) {
      lines.push(`${indent}state "${labelOf(node)}" as ${id}`)
      if (node.type === 'final') lines.push(`${indent}${id} --> [*]`)
      return
    }
    lines.push(`${indent}state ${id} {`)
    for (const initial of node.type === 'compound' ? initialOf(node) : []) lines.push(`${indent}  [*] --> ${idOf(initial)}`)
    children(node).forEach((child, i) => {
      if (node.type === 'parallel' && i > 0) lines.push(`${indent}  --`)
      emit(child, `${indent}  `)
    })
    lines.push(`${indent}}`)
  }
  emit(machine.root, '  ')
  lines.push(`  [*] --> ${idOf(machine.root)}`)
  for (const edge of edgesOf(machine.root)) lines.push(`  ${idOf(edge.from)} --> ${idOf(edge.to)} : ${edge.label}`)
  return `${lines.join('\n')}\n`
}

const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/** Graphviz DOT: compound and parallel states are clusters; edges to a box end at its border. */
export function toDot(machine: AnyStateMachine): string {
  const lines = [
    `digraph ${quote(machine.id)} {`,
    '  compound=true; rankdir=LR; fontname="Helvetica"; fontsize=11;',
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ]
  // A box is reached through its anchor: the point its initial arrow starts from.
  const anchor = (node: AnyStateNode): string => (isBox(node) ? `${idOf(node)}__anchor` : idOf(node))
  const emit = (node: AnyStateNode, indent: string): void => {
    const id = idOf(node)
    if (!isBox(node)) {
      const shape = node.type === 'final' ? ', peripheries=2' : ''
      lines.push(`${indent}${quote(id)} [label=${quote(labelOf(node))}${shape}];`)
      return
    }
    lines.push(`${indent}subgraph ${quote(`cluster_${id}`)} {`)
    lines.push(`${indent}  label=${quote(node.type === 'parallel' ? `${labelOf(node)} (parallel)` : labelOf(node))}; style=${node.type === 'parallel' ? 'dashed' : 'rounded'};`)
    lines.push(`${indent}  ${quote(anchor(node))} [shape=point, width=0.08];`)
    for (const initial of node.type === 'compound' ? initialOf(node) : []) {
      lines.push(`${indent}  ${quote(anchor(node))} -> ${quote(anchor(initial))}${isBox(initial) ? ` [lhead=${quote(`cluster_${idOf(initial)}`)}]` : ''};`)
    }
    for (const child of children(node)) emit(child, `${indent}  `)
    lines.push(`${indent}}`)
  }
  emit(machine.root, '  ')
  for (const edge of edgesOf(machine.root)) {
    const attributes = [`label=${quote(edge.label)}`]
    // An edge out of or into a box is clipped at the box (unless one end is inside the other).
    const nested = edge.from === edge.to || inside(edge.from, edge.to) || inside(edge.to, edge.from)
    if (isBox(edge.from) && !nested) attributes.push(`ltail=${quote(`cluster_${idOf(edge.from)}`)}`)
    if (isBox(edge.to) && !nested) attributes.push(`lhead=${quote(`cluster_${idOf(edge.to)}`)}`)
    lines.push(`  ${quote(anchor(edge.from))} -> ${quote(anchor(edge.to))} [${attributes.join(', ')}];`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}

/** The marker an SVG carries: the SHA3-256 of the DOT it was rendered from. */
export function dotHashComment(dot: string): string {
  return `<!-- safenet diagram: sha3-256 of the DOT source ${toHex(sha3_256(new TextEncoder().encode(dot)))} -->`
}

/** Renders DOT to SVG with Graphviz (WebAssembly, offline), marked with the DOT's hash. */
export async function renderSvg(dot: string): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz')
  const graphviz = await Graphviz.load()
  const svg = graphviz.dot(dot)
  const at = svg.indexOf('<svg')
  return `${svg.slice(0, at)}${dotHashComment(dot)}\n${svg.slice(at)}`
}
