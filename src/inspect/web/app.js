// The safenet dashboard: one page for a live network (WebSocket /live) and for a recorded
// simulation (/trace, played on a timeline). Plain JavaScript, no build step, nothing loaded from
// outside the server that serves it.
/* global document, window, WebSocket, fetch, requestAnimationFrame, DOMParser, performance, location, CSS */

const SVG = 'http://www.w3.org/2000/svg'
/** Decisions kept in the list. */
const MAX_EVENTS = 200
/** The order a node's actors are listed in. */
const ROLE_ORDER = ['member', 'section', 'antiEntropy', 'vault', 'elder', 'agreement', 'dkg', 'connection']

const state = {
  mode: 'live',
  nodes: new Map(),
  health: {},
  actors: new Map(),
  events: [],
  counts: {},
  rates: new Map(),
  nodeRates: new Map(),
  selected: undefined,
  changed: new Set(),
  machines: [],
  t: 0,
  /** State changes applied since the page loaded (a test reads it: changes arrive live). */
  transitions: 0,
}
let previous
const $ = (id) => document.getElementById(id)

// --- Applying what the server (or the trace) says ---------------------------------------------

function applyStatus(message) {
  const before = previous
  state.t = message.t
  state.nodes = new Map(message.nodes.map((n) => [n.addr, n]))
  state.health = message.health ?? {}
  state.actors = new Map(message.actors.map((a) => [a.id, a]))
  state.counts = message.counts ?? {}
  if (message.decisions !== undefined) state.events = [...message.decisions].reverse()
  if (before !== undefined && message.t > before.t) {
    const seconds = (message.t - before.t) / 1000
    state.rates = rateByKind(before.nodes, message.nodes, seconds)
    state.nodeRates = new Map(message.nodes.map((n) => {
      const old = before.nodes.find((o) => o.addr === n.addr)
      return [n.addr, old?.messages && n.messages ? Math.max(0, (n.messages.sent - old.messages.sent) / seconds) : undefined]
    }))
  }
  previous = message
}

function rateByKind(before, after, seconds) {
  const sum = (nodes) => {
    const out = new Map()
    for (const n of nodes) for (const [kind, count] of Object.entries(n.messages?.sentByKind ?? {})) out.set(kind, (out.get(kind) ?? 0) + count)
    return out
  }
  const a = sum(before)
  const rates = new Map()
  for (const [kind, count] of sum(after)) rates.set(kind, Math.max(0, (count - (a.get(kind) ?? 0)) / seconds))
  return rates
}

function applyChange(message) {
  if (message.t > state.t) state.t = message.t
  if (message.type === 'transition') {
    state.actors.set(message.actor, { id: message.actor, node: message.node, machine: message.machine, value: message.value, since: message.t })
    state.changed.add(message.actor)
    state.transitions++
  } else if (message.type === 'stopped') {
    state.actors.delete(message.actor)
  } else if (message.type === 'decision') {
    state.events.unshift(message)
    if (state.events.length > MAX_EVENTS) state.events.length = MAX_EVENTS
  }
}

function apply(message) {
  switch (message.type) {
    case 'hello':
      return hello(message)
    case 'status':
      return applyStatus(message)
    case 'batch':
      for (const m of message.messages) applyChange(m)
      return
    default:
      return applyChange(message)
  }
}

function hello(message) {
  state.mode = message.mode
  state.machines = message.machines
  $('title').textContent = message.title
  if (message.mode === 'replay') void loadTrace()
}

// --- Live -------------------------------------------------------------------------------------

function connect(attempt = 0) {
  const ws = new WebSocket(`ws://${location.host}/live`)
  ws.onopen = () => {
    attempt = 0
    link(true, state.mode === 'replay' ? 'replay' : 'live')
  }
  ws.onmessage = (e) => {
    apply(JSON.parse(e.data))
    draw()
  }
  ws.onclose = () => {
    if (state.mode === 'replay' && trace !== undefined) return link(true, 'replay (server gone)')
    const wait = Math.min(5, 1 + attempt)
    link(false, `disconnected from the server: reconnecting in ${wait} s`)
    window.setTimeout(() => connect(attempt + 1), wait * 1000)
  }
}

function link(up, text) {
  const el = $('link')
  el.className = `link ${up ? 'up' : 'down'}`
  el.textContent = text
}

// --- Replay -----------------------------------------------------------------------------------

let trace
let playing = false

async function loadTrace() {
  const text = await (await fetch('/trace')).text()
  const lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
  const messages = lines.filter((m) => m.type !== 'meta' && m.type !== 'hello')
  messages.sort((a, b) => a.t - b.t)
  const keyframes = messages.map((m, i) => (m.type === 'status' ? i : -1)).filter((i) => i >= 0)
  const end = messages.length === 0 ? 0 : messages[messages.length - 1].t
  const meta = lines.find((m) => m.type === 'meta')
  trace = { messages, keyframes, start: messages[0]?.t ?? 0, end, meta }
  if (meta !== undefined) $('title').textContent = `replay: ${meta.title}`
  $('replay').hidden = false
  const timeline = $('timeline')
  timeline.min = String(trace.start)
  timeline.max = String(end)
  timeline.value = String(trace.start)
  timeline.oninput = () => {
    playing = false
    $('play').textContent = '▶ play'
    seek(Number(timeline.value))
  }
  $('play').onclick = () => {
    playing = !playing
    $('play').textContent = playing ? '❚❚ pause' : '▶ play'
    if (playing && Number(timeline.value) >= end) seek(trace.start)
    if (playing) play()
  }
  link(true, 'replay')
  seek(trace.start)
}

/** The picture at virtual time `t`: the last status before it, then every change up to it. */
function seek(t) {
  const { messages, keyframes } = trace
  let k = -1
  for (const i of keyframes) if (messages[i].t <= t) k = i
  previous = undefined
  state.events = []
  state.changed.clear()
  // The status before the keyframe gives the rates.
  const before = keyframes.filter((i) => i < k).pop()
  if (before !== undefined) applyStatus(messages[before])
  if (k >= 0) applyStatus(messages[k])
  for (let i = Math.max(0, k + 1); i < messages.length && messages[i].t <= t; i++) if (messages[i].type !== 'status') applyChange(messages[i])
  // Decisions: the latest ones up to t, whatever the keyframe.
  state.events = messages.filter((m) => m.type === 'decision' && m.t <= t).slice(-MAX_EVENTS).reverse()
  state.t = t
  $('timeline').value = String(t)
  $('clock').textContent = `t = ${(t / 1000).toFixed(1)} s of ${(trace.end / 1000).toFixed(1)} s`
  draw()
}

function play() {
  let last = performance.now()
  const step = (now) => {
    if (!playing) return
    const speed = Number($('speed').value)
    const t = Math.min(trace.end, Number($('timeline').value) + (now - last) * speed)
    last = now
    seek(t)
    if (t >= trace.end) {
      playing = false
      $('play').textContent = '▶ play'
      // The summary (what a test reads) is drawn now, not on the next frame, before the end is told.
      drawSummary()
      document.body.dataset.played = 'end'
      return
    }
    requestAnimationFrame(step)
  }
  requestAnimationFrame(step)
}

// --- Drawing ----------------------------------------------------------------------------------

let scheduled = false
function draw() {
  if (scheduled) return
  scheduled = true
  requestAnimationFrame(() => {
    scheduled = false
    drawSummary()
    drawSpace()
    drawNodes()
    drawNode()
    drawEvents()
    drawRates()
    state.changed.clear()
  })
}

function members() {
  return [...state.nodes.values()].filter((n) => !n.crashed && (n.role === 'adult' || n.role === 'elder') && n.prefix !== undefined)
}

/** The sections: the longest prefixes members hold (a stale member's shorter one is not a section). */
function sections() {
  const byPrefix = new Map()
  for (const n of members()) byPrefix.set(n.prefix, [...(byPrefix.get(n.prefix) ?? []), n])
  const prefixes = [...byPrefix.keys()].filter((p) => ![...byPrefix.keys()].some((o) => o !== p && o.startsWith(p))).sort()
  return prefixes.map((prefix) => {
    const nodes = byPrefix.get(prefix).sort((a, b) => (b.age ?? 0) - (a.age ?? 0) || a.addr.localeCompare(b.addr))
    const key = nodes.find((n) => n.isElder)?.key ?? nodes[0].key
    return { prefix, nodes, elders: nodes.filter((n) => n.isElder).length, key, generation: Math.max(...nodes.map((n) => n.generation ?? 0)) }
  })
}

function drawSummary() {
  const all = [...state.nodes.values()]
  const live = all.filter((n) => !n.crashed)
  const secs = sections()
  const h = state.health
  const healthy = h.healthy === undefined ? '' : h.healthy ? ' · healthy' : ` · not healthy: ${h.why}`
  $('summary').textContent = `${live.length} nodes · ${members().length} members · ${secs.length} sections (${secs.map((s) => s.elders).join('/')} elders)${healthy}`
  // What a test (or a script) reads off the page.
  document.body.dataset.sections = String(secs.length)
  document.body.dataset.members = String(members().length)
  document.body.dataset.chunks = String(all.reduce((sum, n) => sum + (n.vault?.chunks ?? 0), 0))
  document.body.dataset.transitions = String(state.transitions)
  document.body.dataset.elders = secs.map((s) => s.elders).join(',')
}

let lastPrefixes = ''
const freshUntil = new Map()

function drawSpace() {
  const secs = sections()
  const prefixes = secs.map((s) => s.prefix).join(' ')
  const now = performance.now()
  if (prefixes !== lastPrefixes) {
    const old = new Set(lastPrefixes.split(' '))
    if (lastPrefixes !== '') for (const s of secs) if (!old.has(s.prefix)) freshUntil.set(s.prefix, now + 4000)
    lastPrefixes = prefixes
  }
  const perRow = 8
  const boxW = perRow * 18 + 16
  const gap = 12
  const depth = Math.max(0, ...secs.map((s) => s.prefix.length))
  const rowH = 26
  const top = depth * rowH + 18
  const boxH = Math.max(54, ...secs.map((s) => 40 + Math.ceil(s.nodes.length / perRow) * 18))
  const width = Math.max(1, secs.length) * (boxW + gap) + gap
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('width', String(width))
  svg.setAttribute('height', String(top + boxH + 8))
  // The prefix tree: each prefix sits above the middle of the sections below it.
  const xOf = new Map()
  secs.forEach((s, i) => xOf.set(s.prefix, gap + i * (boxW + gap) + boxW / 2))
  for (let len = depth - 1; len >= 0; len--) {
    for (const p of new Set(secs.filter((s) => s.prefix.length > len).map((s) => s.prefix.slice(0, len)))) {
      const kids = [p + '0', p + '1'].filter((k) => xOf.has(k))
      if (kids.length === 0) continue
      xOf.set(p, kids.reduce((a, k) => a + xOf.get(k), 0) / kids.length)
      for (const k of kids) {
        const yk = k.length === depth || secs.some((s) => s.prefix === k) ? top : k.length * rowH + 10
        line(svg, xOf.get(p), len * rowH + 10, xOf.get(k), yk)
      }
    }
  }
  if (secs.length > 1 && xOf.has('')) text(svg, xOf.get('') + 6, 12, 'XOR space')
  secs.forEach((s, i) => {
    const x = gap + i * (boxW + gap)
    const g = el(svg, 'g', { 'data-prefix': s.prefix, class: 'section' })
    el(g, 'rect', { x, y: top, width: boxW, height: boxH, rx: 5, class: `section-box${(freshUntil.get(s.prefix) ?? 0) > now ? ' fresh' : ''}` })
    text(g, x + 6, top + 14, `"${s.prefix}"  key ${s.key ?? '?'}`)
    text(g, x + 6, top + 28, `gen ${s.generation} · ${s.elders} elders · ${s.nodes.length - s.elders} adults`)
    s.nodes.forEach((n, j) => {
      const cx = x + 14 + (j % perRow) * 18
      const cy = top + 44 + Math.floor(j / perRow) * 18
      const dot = el(g, 'g', { class: `dot ${n.isElder ? 'elder' : 'adult'}${n.addr === state.selected ? ' selected' : ''}`, 'data-addr': n.addr })
      el(dot, 'circle', { cx, cy, r: 7 })
      const label = el(dot, 'text', { x: cx, y: cy + 3 })
      label.textContent = String(n.age ?? '')
      const title = el(dot, 'title', {})
      title.textContent = `${short(n)} ${n.role} age ${n.age ?? '?'}`
      dot.addEventListener('click', () => select(n.addr))
    })
  })
  $('space').replaceChildren(svg)
}

function el(parent, name, attrs) {
  const node = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  parent.appendChild(node)
  return node
}

function line(svg, x1, y1, x2, y2) {
  el(svg, 'path', { d: `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`, class: 'tree-edge' })
}

function text(parent, x, y, content) {
  const t = el(parent, 'text', { x, y })
  t.textContent = content
  return t
}

/** A node's short label: its port (or its address's end) and name. */
function short(n) {
  const port = /\/tcp\/(\d+)/.exec(n.addr)?.[1]
  return `${port ?? n.addr.slice(-8)}·${n.name.slice(0, 6)}`
}

function select(addr) {
  state.selected = addr
  shownActors = ''
  draw()
}

function drawNodes() {
  const rows = [...state.nodes.values()].sort((a, b) => (a.prefix ?? '~').localeCompare(b.prefix ?? '~') || Number(b.isElder) - Number(a.isElder) || (b.age ?? 0) - (a.age ?? 0))
  const body = document.createElement('tbody')
  for (const n of rows) {
    const tr = document.createElement('tr')
    tr.dataset.addr = n.addr
    if (n.addr === state.selected) tr.classList.add('selected')
    if (n.crashed) tr.classList.add('crashed')
    const rate = state.nodeRates.get(n.addr)
    const cells = [short(n), n.isElder ? 'elder' : n.role, n.prefix === undefined ? '' : `"${n.prefix}"`, n.age ?? '', n.vault?.chunks ?? '', mib(n.vault?.usedBytes), n.vault?.popularHeld ?? '', rate === undefined ? '' : rate.toFixed(1), n.connections ?? '']
    cells.forEach((c, i) => {
      const td = document.createElement('td')
      td.textContent = String(c)
      if (i >= 3) td.className = 'num'
      tr.appendChild(td)
    })
    tr.addEventListener('click', () => select(n.addr))
    body.appendChild(tr)
  }
  $('nodes').tBodies[0].replaceWith(body)
}

function mib(bytes) {
  if (bytes === undefined) return ''
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`
}

// --- One node's actors, each on its statechart ------------------------------------------------

const drawings = new Map()
let shownActors = ''

async function drawing(machine) {
  const file = machine.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  if (!drawings.has(file)) drawings.set(file, fetch(`/viz/${file}.svg`).then((r) => (r.ok ? r.text() : '')))
  return drawings.get(file)
}

function drawNode() {
  const n = state.nodes.get(state.selected)
  const panel = $('node')
  if (n === undefined) {
    $('node-title').textContent = state.selected === undefined ? 'click a node in the picture or the table' : 'gone'
    return
  }
  $('node-title').textContent = `${short(n)} — ${n.isElder ? 'elder' : n.role}${n.prefix === undefined ? '' : ` of "${n.prefix}"`}`
  const actors = [...state.actors.values()].filter((a) => a.node === n.addr)
    .sort((a, b) => ROLE_ORDER.indexOf(a.machine) - ROLE_ORDER.indexOf(b.machine) || a.id.localeCompare(b.id))
  const roles = actors.filter((a) => a.machine !== 'connection')
  const conns = actors.filter((a) => a.machine === 'connection')
  // The connections share one drawing: every state one of them is in is marked.
  const links = conns.length === 0 ? [] : [{ id: `${n.addr}/connections`, node: n.addr, machine: 'connection', label: `${conns.length} connections` }]
  const ids = [...roles, ...links].map((a) => a.id).join(' ')
  if (ids !== shownActors) {
    shownActors = ids
    panel.replaceChildren(info(n), ...roles.map(actorBox), ...links.map(actorBox), connections(conns))
  } else {
    panel.firstChild.replaceWith(info(n))
    panel.lastChild.replaceWith(connections(conns))
  }
  for (const a of roles) void highlight(a, [a.value], stateText(a.value))
  for (const a of links) void highlight(a, conns.map((c) => c.value), [...countBy(conns.map((c) => stateText(c.value)))].map(([s, c]) => `${c} ${s}`).join(', '))
}

function info(n) {
  const div = document.createElement('div')
  div.className = 'kv'
  const v = n.vault ?? {}
  div.textContent = `name ${n.name.slice(0, 16)}… · age ${n.age ?? '?'} · key ${n.key ?? '?'} · gen ${n.generation ?? '?'} · ${n.memberCount ?? '?'} members · chunks ${v.chunks ?? 0} (${mib(v.usedBytes)}) · stored ${v.stored ?? 0} served ${v.served ?? 0} fetched ${v.fetched ?? 0} · popular copies ${v.popularHeld ?? 0}` +
    (n.messages === undefined ? '' : ` · sent ${n.messages.sent} received ${n.messages.received}`) + (n.rssMb === undefined ? '' : ` · ${n.rssMb} MB`)
  return div
}

/** An actor's id without its node's address: `member`, `elder/1a2b3c4d#3`, `connection/…`. */
function actorLabel(a) {
  const rest = a.id.startsWith(a.node) ? a.id.slice(a.node.length) : a.id
  return rest.replace(/^\.[0-9a-f]+\//, '').replace(/^\//, '')
}

function actorBox(a) {
  const box = document.createElement('div')
  box.className = 'actor'
  box.dataset.actor = a.id
  box.dataset.machine = a.machine
  const h = document.createElement('h3')
  const name = document.createElement('span')
  name.textContent = a.label ?? actorLabel(a)
  const value = document.createElement('span')
  value.className = 'state'
  h.append(name, value)
  const chart = document.createElement('div')
  chart.className = 'chart'
  box.append(h, chart)
  return box
}

/** Marks the states in `values` (and the compound states around them) on the actor's drawing. */
async function highlight(a, values, shown) {
  const box = document.querySelector(`.actor[data-actor="${CSS.escape(a.id)}"]`)
  if (box === null) return
  const label = box.querySelector('.state')
  if (label.textContent !== shown) {
    label.textContent = shown
    box.dataset.state = shown
    if (state.changed.has(a.id)) {
      label.classList.remove('changed')
      void label.offsetWidth
      label.classList.add('changed')
    }
  }
  const chart = box.querySelector('.chart')
  if (chart.childElementCount === 0) {
    const svgText = await drawing(a.machine)
    if (svgText === '' || chart.childElementCount > 0) return
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml')
    chart.appendChild(document.importNode(doc.documentElement, true))
  }
  const marks = { leaves: new Set(), ancestors: new Set() }
  for (const value of values) paths(value, '', marks)
  const { leaves, ancestors } = marks
  for (const g of chart.querySelectorAll('g.node, g.cluster')) {
    const title = g.querySelector(':scope > title')?.textContent ?? ''
    g.classList.toggle('current', g.classList.contains('node') && leaves.has(title))
    g.classList.toggle('active', g.classList.contains('cluster') && ancestors.has(title.replace(/^cluster_/, '')))
  }
}

/** A state value's leaf paths (`a_b`) and the compound states above them. */
function paths(value, prefix = '', out = { leaves: new Set(), ancestors: new Set() }) {
  if (typeof value === 'string') {
    out.leaves.add(safe(prefix + value))
    return out
  }
  for (const [k, v] of Object.entries(value ?? {})) {
    out.ancestors.add(safe(prefix + k))
    paths(v, `${prefix}${k}_`, out)
  }
  return out
}

function safe(id) {
  return id.replace(/[^A-Za-z0-9_]/g, '_')
}

function stateText(value) {
  if (typeof value === 'string') return value
  return Object.entries(value ?? {}).map(([k, v]) => (typeof v === 'string' ? `${k}.${v}` : `${k}.{${stateText(v)}}`)).join(', ')
}

function connections(conns) {
  const details = document.createElement('details')
  const summary = document.createElement('summary')
  const byState = countBy(conns.map((c) => stateText(c.value)))
  summary.textContent = `${conns.length} connections: ${[...byState].map(([s, c]) => `${c} ${s}`).join(', ')}`
  details.appendChild(summary)
  const table = document.createElement('table')
  for (const c of conns) {
    const tr = table.insertRow()
    tr.insertCell().textContent = actorLabel(c).replace(/^connection\//, '')
    tr.insertCell().textContent = stateText(c.value)
  }
  details.appendChild(table)
  details.open = openConnections
  details.addEventListener('toggle', () => (openConnections = details.open))
  return details
}
let openConnections = false

function countBy(items) {
  const out = new Map()
  for (const item of items) out.set(item, (out.get(item) ?? 0) + 1)
  return out
}

// --- Decisions, rates, counters ----------------------------------------------------------------

function drawEvents() {
  const list = document.createElement('ol')
  list.id = 'events'
  const names = new Map([...state.nodes.values()].map((n) => [n.name, n]))
  for (const e of state.events.slice(0, 60)) {
    const li = document.createElement('li')
    const t = document.createElement('span')
    t.className = 't'
    t.textContent = clock(e.t)
    li.appendChild(t)
    const what = e.changes.length === 0 ? 'no change' : e.changes.map((c) => describe(c, names)).join('; ')
    const body = document.createElement('span')
    body.className = `kind-${e.changes[0]?.kind ?? 'none'}`
    body.textContent = `"${e.prefix}" gen ${e.generation}: ${what}`
    li.appendChild(body)
    list.appendChild(li)
  }
  $('events').replaceWith(list)
}

function describe(c, names) {
  const who = c.addr !== undefined ? short({ addr: c.addr, name: c.name ?? '' }) : c.name !== undefined ? (names.has(c.name) ? short(names.get(c.name)) : c.name.slice(0, 8)) : ''
  switch (c.kind) {
    case 'Joined': return `${who} joined (age ${c.age})`
    case 'Relocated': return `${who} relocated (age ${c.age})`
    case 'Left': return `${who} left`
    case 'Split': return `split into ${c.prefixes.map((p) => `"${p}"`).join(' and ')}`
    case 'Handover': return 'handover to new elders'
    default: return c.kind
  }
}

function clock(t) {
  if (state.mode === 'replay') return `${(t / 1000).toFixed(1)} s`
  return new Date(t).toLocaleTimeString()
}

function drawRates() {
  const rates = [...state.rates].filter(([, r]) => r > 0).sort((a, b) => b[1] - a[1]).slice(0, 16)
  fill('rates', rates.map(([k, r]) => [k, r.toFixed(1)]))
  const conns = countBy([...state.actors.values()].filter((a) => a.machine === 'connection').map((a) => stateText(a.value)))
  fill('conns', [...conns])
  const counters = []
  for (const [group, values] of Object.entries(state.counts ?? {})) for (const [k, v] of Object.entries(values ?? {})) counters.push([`${group} ${k}`, v])
  fill('counters', counters)
}

function fill(id, rows) {
  const body = document.createElement('tbody')
  for (const [k, v] of rows) {
    const tr = body.insertRow()
    tr.insertCell().textContent = k
    const td = tr.insertCell()
    td.textContent = String(v)
    td.className = 'num'
  }
  $(id).tBodies[0].replaceWith(body)
}

connect()
