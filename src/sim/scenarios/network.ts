/**
 * The whole network in the simulator (issue 4): a genesis node, N joiners spread over virtual
 * time, optional churn (nodes crash, others join), message loss, then a settling period; then
 * simulated clients that know only the genesis SAP must find the section responsible for a
 * random name by anti-entropy alone. Checkers watch every decision and every chain link.
 */
import { nodeView } from '../../inspect/views.ts'
import { Result } from 'effect'
import { DEFAULT_PARAMETERS, type Decision, decodeChange, valueId } from '../../consensus/index.ts'
import { BlsSecretKey, type BlsPublicKey, NodeKeypair, SecretKeySet, toHex } from '../../crypto/index.ts'
import { SectionAuthorityProvider, SignedSap } from '../../knowledge/index.ts'
import { StoreBallotJournal } from '../../roles/elder/ballot-journal.ts'
import { NodeShell } from '../../roles/shell/node-shell.ts'
import type { NodeObserver } from '../../roles/shell/components.ts'
import { NodePersistence } from '../../roles/shell/persistence.ts'
import { MemoryBacking, MemoryStore } from '../../store/index.ts'
import { type ConnectionTotals, ConnectionPool } from '../../transport/connections.ts'
import { decode } from '../../wire/index.ts'
import { Prefix, prefixesCoverSpace, XorName } from '../../xor/index.ts'
import { SimNetwork } from '../network.ts'
import { SeededRandom } from '../random.ts'
import { Scheduler } from '../scheduler.ts'
import { WirePeer } from '../../transport/wire-peer.ts'
import { diagnose, explainSections, measure } from './health.ts'
import { CLIENT_BOOTSTRAP_PEERS, runClients } from './clients.ts'
import { JoinerLog } from './joiners.ts'
import { JoinCost } from './join-cost.ts'
import { flip, reseal } from './world.ts'
import { NameRaces, type NameRacesReport } from './names.ts'
import { MintLoad, type MintLoadReport, simGenesisDbc } from './mint.ts'
import { dbcToWire } from '../../dbc/index.ts'
import { DATA_SETTLE_MS, DataLoad, type DataReport } from './data.ts'
import type { NetworkReport, NetworkScenarioOptions } from './network-report.ts'

export type { NetworkReport, NetworkScenarioOptions, SimProgress } from './network-report.ts'

const GENESIS_AGE = 255
/** When `partition` cuts the network, and heals it: fractions of the join window. */
const PARTITION_WINDOW = [0.3, 0.55] as const
/** Unjoined nodes `--why` explains one by one (the rest are counted). */
const JOINERS_EXPLAINED = 40

/**
 * How many Byzantine elders of a section of `elders` may act, `down` of them being down (crashed,
 * or back without serving): at most `limit`, and never past f = ⌊(elders − 1)/3⌋ faulty in all.
 * (Before this bound, 2 acted in the 3-elder genesis section, f = 0, and stalled it for good.)
 */
export function byzantineAllowed(elders: number, down: number, limit: number): number {
  return Math.max(0, Math.min(limit, Math.floor((elders - 1) / 3) - down))
}

export function runNetworkScenario(seed: number, options: NetworkScenarioOptions): NetworkReport {
  const started = performance.now()
  const params = options.params ?? DEFAULT_PARAMETERS
  const joinWindowMs = options.joinWindowMs ?? 600_000
  const settleMs = options.settleMs ?? 900_000
  const drop = options.drop ?? 0
  const churn = options.churn ?? 0
  const log = options.log
  const random = new SeededRandom(seed)
  const scheduler = new Scheduler()
  const network = new SimNetwork({
    scheduler,
    random: random.fork('network'),
    link: { minDelayMs: 5, maxDelayMs: 60, drop, duplicate: drop / 4, reorder: drop / 2 },
    stableAfterMs: joinWindowMs,
  })
  const keyRandom = random.fork('keys')
  const msgIds = random.fork('msgids').byteSource()
  const dkgRandom = random.fork('dkg')

  // Genesis: a one-share key (threshold 0) and the genesis SAP signed by it.
  const genesisKeys = SecretKeySet.random(0, keyRandom.byteSource())
  const genesisKeypair = NodeKeypair.fromSeed(keyRandom.bytes(32))
  const genesisSap = new SectionAuthorityProvider({
    prefix: Prefix.EMPTY,
    publicKeySet: genesisKeys.publicKeys(),
    elders: [{ name: genesisKeypair.name, addr: 'n0' }],
    members: [],
    generation: 0,
  })
  const genesis = new SignedSap(genesisSap, genesisKeys.secretKey().sign(genesisSap.signingBytes()))
  // The mint: a genesis DBC for the bank, minted by the genesis key (its own random stream, so runs without it are unchanged).
  const mintRandom = options.mint === undefined ? undefined : random.fork('mint')
  const bank = mintRandom === undefined ? undefined : BlsSecretKey.random(mintRandom.byteSource())
  const minted = bank === undefined ? undefined : simGenesisDbc(genesis, genesisKeys.secretKey(), bank, mintRandom!)

  // Checkers.
  const decided = new Map<string, string>()
  let agreementViolations = 0
  let splits = 0
  let merges = 0
  let relocations = 0
  let joins = 0
  const links = new Map<string, string>()
  let chainViolations = 0
  const observer: NodeObserver<NodeShell> = {
    decided(node, sectionKey, decision: Decision) {
      const key = `${sectionKey}/${decision.generation}`
      const id = valueId(decision.proposals)
      network.record(`decided ${node.addr} ${key} ${decision.round} ${id}`, decision.signature)
      const seen = decided.get(key)
      if (seen === undefined) {
        decided.set(key, id)
        if (decision.proposals.some((p) => decodeChange(p)?.kind === 'Split')) splits++
        if (decision.proposals.some((p) => decodeChange(p)?.kind === 'Absorb')) merges++
        if (options.traceDecisions === true) {
          const changes = decision.proposals.map(decodeChange).map((c) => c === undefined ? '?' : c.kind === 'Joined' ? `Joined(${addrOf(c.member.name)})` : c.kind === 'Left' || c.kind === 'Relocated' ? `${c.kind}(${addrOf(c.name)})` : c.kind)
          log?.(`t=${scheduler.now} ${node.section?.sap.sap.prefix.toString() ?? '?'} gen ${decision.generation}: ${changes.join(' ')}`)
        }
      } else if (seen !== id) {
        agreementViolations++
        log?.(`agreement violation at ${key}`)
      }
    },
    link(parent: BlsPublicKey, child: BlsPublicKey, prefix: Prefix) {
      const key = `${toHex(parent.toBytes())}/${prefix.toString()}`
      const seen = links.get(key)
      const childHex = toHex(child.toBytes())
      if (joiners !== undefined) keyPrefixes.set(childHex, prefix.toString())
      if (seen === undefined) links.set(key, childHex)
      else if (seen !== childHex) {
        chainViolations++
        log?.(`chain fork under ${key}`)
      }
    },
    relocated(node) {
      relocations++
      relocatedNow.add(node.addr)
    },
    joined(node) {
      joins++
      joinCost.admitted(node.addr, relocatedNow.delete(node.addr))
    },
  }

  const nodes: NodeShell[] = []
  options.recorder?.watch(() => nodes.map((n) => nodeView(n)), () => scheduler.now)
  /** Each address's newest incarnation. */
  const byAddr = new Map<string, NodeShell>()
  // Which prefix each section key is of (from every chain link a node applied), for --why.
  const keyPrefixes = new Map<string, string>([[toHex(genesis.sap.sectionKey().toBytes()), Prefix.EMPTY.toString()]])
  const joiningAt = (addr: string): boolean => {
    const node = byAddr.get(addr)
    return node !== undefined && !node.crashed && node.role !== 'adult' && node.role !== 'elder'
  }
  // Each join's messages, always; what joiners sent and heard, for --why.
  const joinCost = new JoinCost(joiningAt)
  const relocatedNow = new Set<string>()
  network.tap((from, to, frame, fate) => joinCost.record(from, to, frame, fate))
  const joiners = options.why === undefined ? undefined : new JoinerLog({
    now: () => scheduler.now,
    joining: joiningAt,
    keyLabel: (key) => {
      const hex = toHex(key)
      return `key ${hex.slice(0, 8)} of ${keyPrefixes.get(hex) ?? 'a section unknown to the simulator'}`
    },
    note: (node) => byzantine.has(node) ? `; Byzantine${acting(node) ? ', acting' : ''}` : '',
  })
  if (joiners !== undefined) network.tap((from, to, frame, fate) => joiners.record(from, to, frame, fate))
  // Each node's store (what outlives a crash, as a real node's directory does) and what persists to it.
  const backings = new Map<string, MemoryBacking>()
  const persistences = new Map<NodeShell, NodePersistence>()
  const servedAgain = new Set<string>()
  const addrOf = (name: XorName): string => nodes.find((n) => n.name.equals(name))?.addr ?? name.toHex().slice(0, 6)
  const wires: WirePeer[] = []
  // Each node reaches its peers through connection actors: a dial succeeds at once unless the
  // peer is down; a crash resets the connections to it.
  const pools = new Map<string, ConnectionPool>()
  const connectionTotals: ConnectionTotals[] = []
  function crashNode(node: NodeShell): void {
    // Killed: what was written stays, what was about to be is lost, and the store is not closed.
    persistences.get(node)?.stop({ flush: false })
    const backing = backings.get(node.addr)
    if (backing !== undefined) backing.held = false
    node.crash()
    pools.get(node.addr)?.close()
    network.crash(node.addr)
  }
  function spawn(addr: string, keypair: NodeKeypair): NodeShell {
    const inner = network.endpoint(addr)
    const pool = new ConnectionPool({ inner, dial: (peer, done) => done(network.isCrashed(peer) ? 'unreachable' : undefined), clock: scheduler })
    pools.set(addr, pool)
    connectionTotals.push(pool.totals)
    const wire = new WirePeer({
      transport: pool, keypair, msgIds, linkIsName: false,
      dst: { name: new Uint8Array(32), sectionKey: genesis.sap.sectionKey().toBytes() },
    })
    wires.push(wire)
    const nodeRandom = keyRandom.fork(addr)
    // The node's store, wired as a real node's (src/node/runtime.ts): a restart opens it again.
    let backing = backings.get(addr)
    if (backing === undefined) backings.set(addr, backing = new MemoryBacking())
    const store = MemoryStore.open(backing)
    const journal = new StoreBallotJournal(store)
    // The keys whose shares this incarnation got back from its store: a ballot cast under one is
    // an elder serving again across its restart.
    const restored = new Set(store.shares().map((s) => toHex(s.sectionKey)))
    const persistence = new NodePersistence({
      store, journal, schedule: (delay, run) => scheduler.schedule(delay, run), cancel: (handle) => scheduler.cancel(handle),
    })
    // The checkers' observer, and a write of the knowledge soon after each change (a real node's).
    const persisting: NodeObserver<NodeShell> = {
      ...observer,
      decided: (n, sectionKey, decision) => {
        observer.decided(n, sectionKey, decision)
        persistence.persistSoon()
      },
      link: (parent, child, prefix) => {
        observer.link(parent, child, prefix)
        persistence.persistSoon()
      },
      joined: (n) => {
        observer.joined(n)
        persistence.persistSoon()
      },
      keyShare: (_n, share, keySet) => persistence.saveShare(share, keySet),
    }
    const node = new NodeShell({
      addr,
      params,
      genesis,
      ...(minted === undefined ? {} : { genesisDbc: dbcToWire(minted.dbc) }),
      env: {
        wire,
        clock: scheduler,
        schedule: (delay, run) => scheduler.schedule(delay, run),
        cancel: (handle) => scheduler.cancel(handle),
        randomBytes: dkgRandom.byteSource(),
        newKeypair: (matches) => {
          for (let i = 0; i < 1 << 22; i++) {
            const candidate = NodeKeypair.fromSeed(nodeRandom.bytes(32))
            if (matches(candidate.name)) return candidate
            if (i === 100_000) log?.(`${addr}: no key after 100000 tries`)
          }
          throw new Error('no key found for the prefix')
        },
        ballots: restored.size === 0 ? journal : {
          cast: (sectionKey, self, ballots) => {
            if (restored.has(toHex(sectionKey))) servedAgain.add(addr)
            journal.cast(sectionKey, self, ballots)
          },
          castIn: (sectionKey, generation) => journal.castIn(sectionKey, generation),
        },
        observer: persisting,
        store,
        ...(options.recorder === undefined ? {} : { inspect: options.recorder.observe(addr) }),
      },
    })
    wire.listen((from, message, sender, frame) => node.receive(from, message, sender, frame))
    persistence.attach(node)
    persistence.persistSoon()
    persistences.set(node, persistence)
    nodes.push(node)
    byAddr.set(addr, node)
    joinCost.started(addr)
    return node
  }

  // Byzantine nodes: a share of joiners; each misbehaves while it is one of the first K
  // Byzantine elders (by name) of its section, so no section ever has more than K acting so.
  // As an elder it sends SuperMajority ballots with broken BLS shares (the round's combiner
  // must find and drop them) and Decision announcements with broken signatures.
  const byzantine = new Set<NodeShell>()
  const byzantineRandom = random.fork('byzantine')
  // The partition (`options.partition`): each address's side, drawn when first asked.
  let partitioned = false
  const sides = random.fork('partition')
  const side = new Map<string, number>([['n0', 0]])
  const sideOf = (addr: string): number => {
    let s = side.get(addr)
    if (s === undefined) side.set(addr, s = sides.int(2))
    return s
  }
  const cutOff = (a: string, b: string): boolean => partitioned && sideOf(a) !== sideOf(b)
  // Never beyond the fault model (below): a section of E elders tolerates f = ⌊(E − 1)/3⌋ faulty,
  // and its elders that are down (crashed, or back without serving) count against f first.
  const acting = (node: NodeShell): boolean => {
    const section = node.section
    if (!node.isElder || section === undefined) return false
    const elders = section.sap.sap.elders
    const names = new Set([...byzantine].filter((b) => b.isElder && !b.crashed).map((b) => b.name.toHex()))
    const mine = elders.filter((e) => names.has(e.name.toHex())).map((e) => e.name.toHex()).sort()
    const down = elders.filter((e) => {
      const at = byAddr.get(e.addr)
      return at === undefined || at.crashed || !at.isElder || !at.name.equals(e.name) || cutOff(node.addr, e.addr)
    }).length
    return mine.indexOf(node.name.toHex()) < byzantineAllowed(elders.length, down, options.byzantine ?? 0)
  }
  function makeByzantine(node: NodeShell, wire: WirePeer): void {
    byzantine.add(node)
    network.intercept(node.addr, (_to, frame) => {
      if (!acting(node)) return [frame]
      const decoded = decode(frame)
      if (Result.isFailure(decoded)) return [frame]
      const message = decoded.success
      if (message.kind === 'AgreementVotes') {
        const payload = message.payload
        const bad = { ...payload, supermajorities: payload.supermajorities.map((sm) => (sm.voter === node.elderIndex ? { ...sm, share: flip(sm.share) } : sm)) }
        return [reseal(message, bad, wire.keypair, byzantineRandom, frame)]
      }
      if (message.kind === 'DecisionAnnounce') {
        const payload = message.payload
        return [reseal(message, { decision: { ...payload.decision, signature: flip(payload.decision.signature) } }, wire.keypair, byzantineRandom, frame)]
      }
      return [frame]
    })
  }

  const genesisNode = spawn('n0', genesisKeypair)
  persistences.get(genesisNode)!.saveShare(genesisKeys.secretKeyShare(0), genesisKeys.publicKeys())
  genesisNode.startGenesis(genesisKeys.secretKeyShare(0), GENESIS_AGE)

  // Joins spread over the window; churn crashes as many as it adds.
  const extra = Math.round(churn * options.nodes)
  const totalJoiners = options.nodes - 1 + extra
  const schedule = random.fork('schedule')
  for (let i = 1; i <= totalJoiners; i++) {
    const at = Math.floor((i / (totalJoiners + 1)) * joinWindowMs * (0.9 + schedule.next() * 0.1))
    const evil = (options.byzantine ?? 0) > 0 && schedule.chance((options.byzantine ?? 0) / (2 * params.recommendedSectionSize))
    scheduler.schedule(at, () => {
      const node = spawn(`n${i}`, NodeKeypair.fromSeed(keyRandom.bytes(32)))
      if (evil) makeByzantine(node, wires.at(-1)!)
      node.startJoining()
    })
  }
  // The fault model every BFT protocol assumes, and DESIGN.md's: at most f = 2 of a section's 7
  // elders faulty at any time. An elder counts as faulty while crashed (or restarted without its
  // key share) and still named by the SAP, or while acting Byzantine. Churn never crashes an
  // elder of a section that is at f already; adults are always fair game.
  function wouldExceedF(victim: NodeShell, byName: ReadonlyMap<string, NodeShell>): boolean {
    const sap = victim.section?.sap.sap
    if (!victim.isElder || sap === undefined) return false
    // Cut off by a partition, elders are faulty to each other: a section split across it is at f.
    if (sap.elders.some((e) => cutOff(victim.addr, e.addr))) return true
    const faulty = sap.elders.filter((e) => {
      const node = byName.get(e.name.toHex())
      return node === undefined || !node.isElder || (byzantine.has(node) && acting(node))
    }).length
    return faulty + 1 > Math.floor((sap.elders.length - 1) / 3)
  }

  // Half of the crashed nodes come back after 30–90 s with their key and their store (its SAPs,
  // their section as last stored, their key shares and ballots): the section either still has
  // them (they are approved again, and an elder that proves its share serves again) or voted
  // them off (they join anew).
  let crashed = 0
  let restarts = 0
  for (let i = 0; i < extra; i++) {
    scheduler.schedule(Math.floor(joinWindowMs * (0.2 + 0.8 * schedule.next())), () => {
      const byName = new Map(nodes.filter((n) => !n.crashed).map((n) => [n.name.toHex(), n]))
      const live = nodes.filter((n) => n !== genesisNode && !n.crashed && (n.role === 'adult' || n.role === 'elder') && !wouldExceedF(n, byName))
      if (live.length === 0) return
      const victim = live[schedule.int(live.length)]!
      if (options.traceDecisions === true) log?.(`t=${scheduler.now} crash ${victim.addr} (${victim.role} of ${victim.section?.sap.sap.prefix.toString() ?? '?'})`)
      crashNode(victim)
      crashed++
      if (!schedule.chance(0.5)) return
      const keypair = wires[nodes.indexOf(victim)]!.keypair
      scheduler.schedule(options.restartAfterMs ?? 30_000 + schedule.int(60_000), () => {
        network.restart(victim.addr)
        restarts++
        // As a real node starts (src/node/runtime.ts): what its store holds, then rejoining.
        spawn(victim.addr, keypair).startJoining()
      })
    })
  }

  // Shrink: after growth, the nodes closest to one random name leave for good, one at a time,
  // within the same fault model (an elder only while its section has fewer than f faulty).
  const leaving = Math.round((options.shrink ?? 0) * options.nodes)
  const shrinkWindowMs = leaving > 0 ? (options.shrinkWindowMs ?? 300_000) : 0
  const region = XorName.fromContent(random.fork('shrink').bytes(32))
  for (let i = 0; i < leaving; i++) {
    scheduler.schedule(joinWindowMs + Math.floor((i / leaving) * shrinkWindowMs), () => {
      const byName = new Map(nodes.filter((n) => !n.crashed).map((n) => [n.name.toHex(), n]))
      const victim = nodes.filter((n) => n !== genesisNode && !n.crashed && (n.role === 'adult' || n.role === 'elder') && !wouldExceedF(n, byName))
        .sort((a, b) => region.compareDistance(a.name, b.name))[0]
      if (victim === undefined) return
      if (options.traceDecisions === true) log?.(`t=${scheduler.now} leaves ${victim.addr} (${victim.role} of ${victim.section?.sap.sap.prefix.toString() ?? '?'})`)
      crashNode(victim)
      crashed++
    })
  }

  // A partition during growth: each address on a side at random (the genesis node on side 0).
  if (options.partition === true) {
    scheduler.schedule(Math.floor(joinWindowMs * PARTITION_WINDOW[0]), () => {
      partitioned = true
      network.partition(sideOf)
    })
    scheduler.schedule(Math.floor(joinWindowMs * PARTITION_WINDOW[1]), () => {
      partitioned = false
      network.heal()
    })
  }

  // Data: a client stores files from 20% to 90% of the growth window, through the churn.
  const dataLoad = (options.data ?? 0) > 0 ? new DataLoad({
    network, scheduler, random: random.fork('data'), genesis, params,
    bootstrap: () => nodes.slice(0, CLIENT_BOOTSTRAP_PEERS).map((n) => n.addr),
  }) : undefined
  // A chunk not stored is told with the progress log, or with --why.
  if (dataLoad !== undefined) dataLoad.log = log ?? options.why
  dataLoad?.schedule(options.data ?? 0, Math.floor(joinWindowMs * 0.2), Math.floor(joinWindowMs * 0.9))

  // Racing registrants of names: during growth if they start then (later joiners must learn the
  // names), else once the network settled.
  const nameRaces = options.names === undefined ? undefined : new NameRaces(options.names, {
    network, scheduler, random: random.fork('names'), genesis, params,
    bootstrap: () => nodes.slice(0, CLIENT_BOOTSTRAP_PEERS).map((n) => n.addr),
  })
  if (options.names?.startMs !== undefined) nameRaces!.start(() => nodes)
  // Double spends through the mint: during growth if they start then (handovers and splits), else once settled.
  const mintLoad = minted === undefined ? undefined : new MintLoad(options.mint!, {
    network, scheduler, random: mintRandom!.fork('load'), genesis, params,
    bootstrap: () => nodes.slice(0, CLIENT_BOOTSTRAP_PEERS).map((n) => n.addr),
  }, { dbc: minted.dbc, secret: bank! }, minted.trust)
  if (options.mint?.startMs !== undefined) mintLoad!.start(() => nodes)

  // Grow, then settle until the network is whole (checked every 10 virtual seconds).
  let progress = 0
  const report = (sections: number): void => {
    if (options.progress === undefined) return
    const live = nodes.filter((n) => !n.crashed)
    options.progress?.({ virtualMs: scheduler.now, admitted: live.filter((n) => n.role === 'adult' || n.role === 'elder').length, live: live.length, sections, faults: scheduler.now < joinWindowMs })
  }
  for (let t = 0; t < joinWindowMs; t += 10_000) {
    scheduler.run({ maxTimeMs: Math.min(joinWindowMs, t + 10_000) })
    options.recorder?.tick()
    if (options.progress !== undefined) report(measure(nodes).sections.length)
    if (log !== undefined && scheduler.now % 60_000 === 0) {
      const members = nodes.filter((n) => n.role === 'adult' || n.role === 'elder').length
      log(`growing: t=${scheduler.now} ms, ${members} of ${nodes.length} nodes joined, ${network.stats.sent} messages, ${(performance.now() - started).toFixed(0)} ms wall`)
    }
  }
  log?.(`after joins: t=${scheduler.now} ms, ${nodes.length} nodes, ${measure(nodes).sections.length} sections, ${(performance.now() - started).toFixed(0)} ms wall`)
  let settled = false
  const deadline = joinWindowMs + shrinkWindowMs + settleMs
  while (!settled && scheduler.now < deadline) {
    scheduler.run({ maxTimeMs: Math.min(deadline, scheduler.now + 10_000) })
    options.recorder?.tick()
    const m = measure(nodes)
    report(m.sections.length)
    settled = scheduler.now >= joinWindowMs + shrinkWindowMs && m.unjoined === 0 && m.converged && m.fullElders === m.sections.length
    if (log !== undefined && ++progress % 6 === 0) log(`settling: t=${scheduler.now} ms, ${m.sections.length} sections, full ${m.fullElders}, unjoined ${m.unjoined}, converged ${m.converged} ${m.why}`)
  }
  const virtualTimeMs = scheduler.now
  const sentBeforeClients = network.stats.sent
  const cost = joinCost.summary()
  const final = measure(nodes)
  if (log !== undefined && !settled) for (const line of diagnose(nodes, final.sections)) log(line)
  if (options.why !== undefined) {
    for (const line of explainSections(nodes, final.sections)) options.why(line)
    const unjoined = nodes.filter((n) => !n.crashed && n.role !== 'adult' && n.role !== 'elder' && byAddr.get(n.addr) === n)
    options.why(`${unjoined.length} live nodes not admitted${unjoined.length > JOINERS_EXPLAINED ? ` (the first ${JOINERS_EXPLAINED} explained)` : ''}`)
    for (const node of unjoined.slice(0, JOINERS_EXPLAINED)) for (const line of joiners!.explain(node, byAddr)) options.why(line)
  }

  // Data: replication catches up after the network settled, then every chunk is counted and read back.
  let data: DataReport | undefined
  if (dataLoad !== undefined) {
    scheduler.run({ maxTimeMs: scheduler.now + DATA_SETTLE_MS })
    // `--why` names each chunk short of its holders (and each lost or unread one).
    data = dataLoad.check(nodes, measure(nodes).sections, options.why ?? log)
  }

  // Clients: genesis and the first nodes' addresses, a random name each.
  const bootstrap = nodes.slice(0, CLIENT_BOOTSTRAP_PEERS).map((n) => n.addr)
  let names: NameRacesReport | undefined
  if (nameRaces !== undefined) {
    if (options.names?.startMs === undefined) nameRaces.start(() => nodes)
    scheduler.run({ maxTimeMs: Math.max(scheduler.now, nameRaces.endsAt) })
    names = nameRaces.check(nodes, options.why ?? log)
  }
  let mint: MintLoadReport | undefined
  if (mintLoad !== undefined) {
    if (options.mint?.startMs === undefined) mintLoad.start(() => nodes)
    scheduler.run({ maxTimeMs: scheduler.now + 1 })
    while (scheduler.now < mintLoad.endsAt && !mintLoad.done) scheduler.run({ maxTimeMs: Math.min(mintLoad.endsAt, scheduler.now + 10_000) })
    mint = mintLoad.check(nodes, options.why ?? log)
  }
  const clientResults = runClients(options.clients ?? 20, random.fork('clients'), network, scheduler, genesis, final.sections, bootstrap)
  if (options.why !== undefined) {
    for (const c of clientResults.unanswered) {
      const peer = byAddr.get(c.lastPeer)
      const state = peer === undefined ? 'unknown' : peer.crashed ? 'crashed' : `${peer.role}${peer.section === undefined ? '' : ` of ${peer.section.sap.sap.prefix.toString()} gen ${peer.section.nextGeneration}`}`
      options.why(`unanswered ${c.client} for ${c.target} (in ${c.responsible}): after ${c.hops} AE hops it last asked ${c.lastPeer} (${state}) and heard nothing`)
    }
  }
  return {
    seed,
    nodes: nodes.filter((n) => !n.crashed && (n.role === 'adult' || n.role === 'elder')).length,
    sections: final.sections.length,
    prefixesCoverSpace: prefixesCoverSpace(final.sections.map((s) => s.prefix)),
    sectionsWithFullElders: final.fullElders,
    knowledgeConverged: final.converged,
    splits,
    merges,
    relocations,
    decisions: decided.size,
    agreementViolations,
    chainViolations,
    clientAeHopsMax: clientResults.hopsMax,
    clients: options.clients ?? 20,
    clientsAnswered: clientResults.answered,
    clientRetries: clientResults.retries,
    messagesPerJoin: Math.round(sentBeforeClients / Math.max(1, joins)),
    joinMessages: cost.joins,
    relocationMessages: cost.relocations,
    virtualTimeMs,
    settledAfterFaultsMs: settled ? virtualTimeMs - joinWindowMs - shrinkWindowMs : null,
    wallMs: Math.round(performance.now() - started),
    joins,
    crashed,
    restarts,
    servedAgainFromStore: servedAgain.size,
    unjoined: final.unjoined,
    maxPrefixBits: Math.max(0, ...final.sections.map((s) => s.prefix.bitCount)),
    byzantineNodes: byzantine.size,
    connections: sumCounts<keyof ConnectionTotals>(connectionTotals),
    messagesByKind: sumCounts(wires.map((w) => w.stats.sentByKind)),
    refused: sumCounts(wires.map((w) => w.stats.refused)),
    traceHash: network.traceHash(),
    schedulerEvents: scheduler.executed,
    ...(data === undefined ? {} : { data }),
    ...(names === undefined ? {} : { names }),
    ...(mint === undefined ? {} : { mint }),
  }
}

function sumCounts<K extends string>(records: ReadonlyArray<Readonly<Record<K, number>>>): Record<K, number> {
  const out = {} as Record<K, number>
  for (const record of records) for (const [k, v] of Object.entries(record) as Array<[K, number]>) out[k] = (out[k] ?? 0) + v
  return out
}
