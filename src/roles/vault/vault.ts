/**
 * The vault role (DESIGN.md §10): every member stores the chunks for which it is among the
 * `dataCopyCount` closest members of its section, and keeps them whole through churn. Run by
 * `vault.machine.ts` (reconcile slices, fetches, sweeps, cooling).
 *
 * - **Writes** come from clients straight to the holders (`ChunkPut`, past the anti-entropy gate):
 *   the content must hash to the address; a member among the `acceptRank` closest stores it (durable
 *   first) and answers a {@link signReceipt receipt} signed by its node key; a member further out
 *   answers `NotHolder` with who the closest are; a full vault answers `Full`.
 * - **Reads** (`ChunkGet`, from clients and members) are answered only after the address was
 *   recomputed from the stored bytes: a corrupt copy is dropped, fetched again from another holder,
 *   and never served.
 * - **Replication** is by offers: on every membership change (and each sweep), a vault walks its
 *   chunks slice by slice and offers each to the holders it does not know to hold it (`ChunkOffer`);
 *   a holder that lacks one fetches it from the offerer (bounded, with fallback to other sources)
 *   and confirms (`ChunkHave`). A copy we hold but no longer owe (a closer member joined, we were
 *   a stand-in for a full holder, a split put the chunk in our sibling's half, we were relocated)
 *   is dropped only once every holder confirmed its own: data is never lost to a handoff.
 * - **Popular data**: a chunk that clients read often is offered to the next-closest members as
 *   a popular copy, kept in memory while the holder keeps offering it (seed 001: sites speed up as
 *   they get more visitors); it goes when the chunk cools down.
 */
import { type RegisterCounts, RegisterHolder } from './registers.ts'
import { createActor, type Actor } from 'xstate'
import { vaultMachine } from '../../../machines/vault.machine.ts'
import type { Member, SectionMembers } from '../../consensus/index.ts'
import { bytesEqual, type NodePublicKey, sha3_256, toHex } from '../../crypto/index.ts'
import { MemoryStore } from '../../store/index.ts'
import { MAX_OFFER_ADDRESSES, type Message, type PayloadOf } from '../../wire/index.ts'
import { XorName } from '../../xor/index.ts'
import { dropOldest } from '../bounded.ts'
import { VAULT } from '../constants.ts'
import type { Role } from '../role.ts'
import type { NodeComponents } from '../shell/components.ts'
import { ChunkStore } from './chunk-store.ts'
import { signReceipt } from '../../data/receipt.ts'

/** What the vault has done, for `status.json`, the simulator's report and tests. */
export interface VaultCounts {
  stored: number
  served: number
  fetched: number
  offersSent: number
  /** Copies dropped because every holder confirmed its own. */
  handedOff: number
  /** Stored copies found not to hash to their address (by a read or a sweep), dropped and fetched again. */
  corruptFound: number
  refusedFull: number
  popularCopies: number
}

/** What a node may set of its vault: its storage limit, and (tests) how often it sweeps. */
export interface VaultSettings {
  readonly capacityBytes?: number
  readonly sweepIntervalMs?: number
}

interface Fetch {
  readonly address: Uint8Array
  /** Who offered it (or holds it), tried in turn. */
  readonly sources: Array<{ readonly addr: string; readonly name: string }>
  readonly popular: boolean
  /** Index of the source asked last, and the timeout ticks since (it moves on at the second). */
  tried: number
  ticks: number
}

interface PopularCopy {
  readonly content: Uint8Array
  expiresAt: number
}

type Holder = Pick<Member, 'name' | 'addr' | 'publicKey'>

export class VaultRole implements Role {
  readonly name = 'vault'
  readonly handles = ['SectionMembersQuery', 'SectionMembersAnswer', 'ChunkPut', 'ChunkReceipt', 'ChunkGet', 'ChunkContent', 'ChunkRefused', 'ChunkOffer', 'ChunkHave', 'RegisterPut', 'RegisterGet', 'RegisterSync', 'RegisterAck', 'RegisterState', 'RegisterRefused'] as const
  readonly counts: VaultCounts = { stored: 0, served: 0, fetched: 0, offersSent: 0, handedOff: 0, corruptFound: 0, refusedFull: 0, popularCopies: 0 }
  readonly #c: NodeComponents
  readonly #actor: Actor<typeof vaultMachine>
  readonly chunks: ChunkStore
  /** The registers this member holds (src/roles/vault/registers.ts). */
  readonly registers: RegisterHolder
  /** Who we know holds each chunk (they confirmed, or offered it to us), by chunk and name (hex). */
  readonly #confirmed = new Map<string, Set<string>>()
  /** Each chunk's holders when we last reconciled it (short names): confirmations hold only while they do. */
  readonly #holdersKey = new Map<string, string>()
  /** Members that said they are full for a chunk: the next closest holds it instead. */
  readonly #full = new Map<string, Set<string>>()
  /** Other sections' members, by section key, as their elders told us (see {@link #candidates}). */
  readonly #outside = new Map<string, { readonly members: ReadonlyArray<Holder>; readonly at: number }>()
  readonly #outsideAsked = new Map<string, number>()
  readonly #queue = new Map<string, Fetch>()
  readonly #inflight = new Map<string, Fetch>()
  #reconcileAfter: Uint8Array | undefined
  #sweepAfter: Uint8Array | undefined
  readonly #reads = new Map<string, number>()
  readonly #popularOffered = new Map<string, number>()
  readonly #cache = new Map<string, PopularCopy>()
  #cacheBytes = 0

  constructor(components: NodeComponents) {
    this.#c = components
    const settings = components.env.vault ?? {}
    const store = components.env.store ?? MemoryStore.open()
    this.chunks = new ChunkStore(store, settings.capacityBytes ?? VAULT.defaultCapacityBytes)
    this.registers = new RegisterHolder({
      c: components, ranked: (name) => this.#ranked(name), rank: (name, ranked) => this.#rank(name, ranked), acceptRank: VAULT.acceptRank, sectionKey: () => this.#sectionKey(),
    }, store)
    this.#actor = createActor(vaultMachine, {
      input: { sweepIntervalMs: settings.sweepIntervalMs ?? VAULT.sweepIntervalMs, coolIntervalMs: VAULT.coolIntervalMs, fetchTimeoutMs: VAULT.fetchTimeoutMs },
      ...components.actorOptions('vault', 'vault'),
    })
    this.#actor.on('reconcile', ({ fresh }) => this.#reconcileSlice(fresh))
    this.#actor.on('fetchTimeouts', () => this.#onFetchTimeouts())
    this.#actor.on('sweep', () => this.#sweep())
    this.#actor.on('cool', () => this.#cool())
    components.events.on('membership-changed', ({ applied }) => this.#onMembership(membersOf(applied.view.members)))
    components.events.on('section-started', ({ view }) => this.#onMembership(membersOf(view.members)))
    components.events.on('section-merged', () => this.#onMembership(components.view === undefined ? [] : membersOf(components.view.members)))
  }

  states(): Record<string, unknown> {
    return { vault: this.#actor.getSnapshot().value }
  }

  /** What `status.json` shows: the limit, the usage and the counts. */
  status(): { capacityBytes: number; usedBytes: number; chunks: number; popularHeld: number; fetchesPending: number; writesPending: number; writeFailures: number; registers: number } & VaultCounts & RegisterCounts {
    return {
      capacityBytes: this.chunks.capacityBytes, usedBytes: this.chunks.usedBytes, chunks: this.chunks.count, popularHeld: this.#cache.size,
      fetchesPending: this.#queue.size + this.#inflight.size, writesPending: this.chunks.writesPending, writeFailures: this.chunks.writeFailures, ...this.counts,
      registers: this.registers.held, ...this.registers.counts,
    }
  }

  /** Whether we hold a popular (extra, in-memory) copy of `address`. */
  holdsPopularCopy(address: Uint8Array): boolean {
    return this.#cache.has(toHex(address))
  }

  run(): void {
    this.#actor.start()
    this.#onMembership(this.#c.view === undefined ? [] : membersOf(this.#c.view.members))
  }

  stop(): void {
    this.#actor.send({ type: 'STOP' })
    this.#actor.stop()
  }

  receive(from: string, message: Message, sender: NodePublicKey): void {
    switch (message.kind) {
      case 'SectionMembersQuery':
        return this.#onMembersQuery(from)
      case 'ChunkPut':
        return this.#onPut(from, message.envelope.dst.name, message.payload.content)
      case 'ChunkGet':
        // Reads by clients (anyone but our members, whose reads are replication) make a chunk popular.
        return this.#onGet(from, message.payload.address, this.#c.view?.members.has(sender.name) !== true)
      case 'ChunkContent':
        return this.#onContent(message.payload.address, message.payload.content)
      case 'ChunkRefused':
        return this.#onFetchRefused(message.payload.address)
      case 'ChunkOffer':
        return this.#onOffer(from, sender, message.payload)
      case 'ChunkHave':
        return this.#onHave(sender, message.payload)
      case 'SectionMembersAnswer':
        return this.#onMembersAnswer(sender, message.payload)
      case 'RegisterPut':
        return this.registers.onPut(from, message.envelope.dst.name, message.payload.ops)
      case 'RegisterGet':
        return this.registers.onGet(from, message.envelope.dst.name, message.payload.from)
      case 'RegisterSync':
        // Only a member of our section passes registers to us.
        if (this.#c.view?.members.has(sender.name) !== true) return this.#c.refuse('register-sync-not-member')
        return this.registers.onSync(message.payload.ops)
      default:
        // Answers meant for clients.
        return this.#c.refuse(`unexpected ${message.kind}`)
    }
  }

  // --- Who holds what -----------------------------------------------------------------------------

  /**
   * The members a chunk's holders are chosen from: our section's; for a chunk outside it (a split
   * gave it to our sibling, we were relocated, we came back under a new name), the members of the
   * section responsible by our tree, as one of its elders told us. Until we know them, none: the
   * chunk waits (kept) for the next reconcile.
   */
  #candidates(name: XorName): ReadonlyArray<Holder> {
    const view = this.#c.view
    if (view !== undefined && view.members.prefix.matches(name) && view.members.has(this.#c.name)) return membersOf(view.members)
    const sap = this.#c.tree.sectionFor(name)
    if (sap === undefined) return []
    const key = toHex(sap.sap.sectionKey().toBytes())
    const known = this.#outside.get(key)
    const now = this.#c.env.clock.now
    if (known !== undefined && now - known.at < VAULT.outsideMembersTtlMs) return known.members
    const asked = this.#outsideAsked.get(key)
    if (asked === undefined || now - asked >= VAULT.outsideQueryIntervalMs) {
      this.#outsideAsked.set(key, now)
      dropOldest(this.#outsideAsked, VAULT.maxOutsideSections)
      const elder = [...sap.sap.elders].sort((a, b) => name.compareDistance(a.name, b.name))[Math.floor(now / VAULT.outsideQueryIntervalMs) % sap.sap.elders.length]
      if (elder !== undefined) this.#c.send([elder.addr], 'SectionMembersQuery', {}, { name: name.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
    }
    return known?.members ?? []
  }

  /** Another section's members, from one of its elders (by our tree): the holders of what we hold in its range. */
  #onMembersAnswer(sender: NodePublicKey, answer: PayloadOf<'SectionMembersAnswer'>): void {
    const key = toHex(answer.sectionKey)
    const sap = this.#c.tree.saps().find((s) => toHex(s.sap.sectionKey().toBytes()) === key)
    if (sap === undefined || !sap.sap.elders.some((e) => e.name.equals(sender.name))) return this.#c.refuse('vault-members-unasked')
    const members: Holder[] = []
    for (const m of answer.members) if (bytesEqual(sha3_256(m.publicKey), m.name)) members.push({ name: XorName.fromBytes(m.name), publicKey: m.publicKey, addr: m.addr })
    this.#outside.set(key, { members, at: this.#c.env.clock.now })
    dropOldest(this.#outside, VAULT.maxOutsideSections)
    this.#actor.send({ type: 'CHANGED' })
  }

  /** The candidates closest to `name` first. */
  #ranked(name: XorName): Holder[] {
    return [...this.#candidates(name)].sort((a, b) => name.compareDistance(a.name, b.name))
  }

  /** The `dataCopyCount` closest candidates that did not say they are full for this chunk. */
  #holders(name: XorName, ranked = this.#ranked(name)): Holder[] {
    const full = this.#full.get(name.toHex())
    return ranked.filter((m) => full?.has(m.name.toHex()) !== true).slice(0, this.#c.params.dataCopyCount)
  }

  #rank(name: XorName, ranked = this.#ranked(name)): number {
    const at = ranked.findIndex((m) => m.name.equals(this.#c.name))
    return at < 0 ? Number.POSITIVE_INFINITY : at
  }

  /** Serving while we are a member of a section; what we hold stays in the store meanwhile. */
  #onMembership(members: ReadonlyArray<Member>): void {
    if (!members.some((m) => m.name.equals(this.#c.name))) return void this.#actor.send({ type: 'RETIRE' })
    this.#actor.send({ type: 'SERVE' })
    this.#actor.send({ type: 'CHANGED' })
  }

  // --- Reconciling: offers and handoffs -----------------------------------------------------------

  #reconcileSlice(fresh: boolean): void {
    if (fresh) this.registers.reconcile(true)
    if (fresh) this.#reconcileAfter = undefined
    const slice = this.chunks.slice(this.#reconcileAfter, VAULT.reconcileSliceChunks)
    const offers = new Map<string, Uint8Array[]>()
    for (const address of slice) {
      const name = XorName.fromBytes(address)
      const ranked = this.#ranked(name)
      const holders = this.#holders(name, ranked)
      // Holders that changed may include a member that dropped its copy while it was not one (we
      // still count it as holding): what we knew of who holds the chunk starts afresh.
      const hex = name.toHex()
      const holdersKey = holders.map((h) => h.name.toHex().slice(0, 16)).join()
      if (this.#holdersKey.get(hex) !== holdersKey) {
        this.#holdersKey.set(hex, holdersKey)
        this.#confirmed.delete(hex)
      }
      const confirmed = this.#confirmed.get(hex)
      for (const holder of holders) {
        if (holder.name.equals(this.#c.name) || confirmed?.has(holder.name.toHex()) === true) continue
        let list = offers.get(holder.addr)
        if (list === undefined) offers.set(holder.addr, (list = []))
        list.push(address)
      }
      this.#handOffIfDone(address, holders)
    }
    for (const [addr, addresses] of offers) this.#offer(addr, addresses, false)
    this.#reconcileAfter = slice.at(-1)
    this.#actor.send({ type: slice.length < VAULT.reconcileSliceChunks ? 'RECONCILED' : 'MORE' })
  }

  #offer(addr: string, addresses: ReadonlyArray<Uint8Array>, popular: boolean): void {
    for (let i = 0; i < addresses.length; i += MAX_OFFER_ADDRESSES) {
      this.counts.offersSent++
      this.#c.send([addr], 'ChunkOffer', { addresses: addresses.slice(i, i + MAX_OFFER_ADDRESSES), popular })
    }
  }

  /** Drops our copy of a chunk we no longer owe, once each of its holders confirmed its own. */
  #handOffIfDone(address: Uint8Array, holders: ReadonlyArray<Holder>): void {
    if (holders.length === 0 || holders.some((h) => h.name.equals(this.#c.name))) return
    const confirmed = this.#confirmed.get(toHex(address))
    if (!holders.every((h) => confirmed?.has(h.name.toHex()) === true)) return
    this.chunks.delete(address)
    this.#forget(toHex(address))
    this.counts.handedOff++
  }

  #forget(hex: string): void {
    this.#confirmed.delete(hex)
    this.#full.delete(hex)
    this.#holdersKey.delete(hex)
  }

  #confirm(hex: string, name: string): void {
    let set = this.#confirmed.get(hex)
    if (set === undefined) this.#confirmed.set(hex, (set = new Set()))
    set.add(name)
  }

  #onOffer(from: string, sender: NodePublicKey, offer: PayloadOf<'ChunkOffer'>): void {
    const have: Uint8Array[] = []
    const full: Uint8Array[] = []
    const offerer = sender.name.toHex()
    for (const address of offer.addresses) {
      const hex = toHex(address)
      const name = XorName.fromBytes(address)
      // The offerer holds it: no need to offer it back.
      this.#confirm(hex, offerer)
      const copy = this.#cache.get(hex)
      if (this.chunks.has(address) || (offer.popular && copy !== undefined)) {
        if (offer.popular && copy !== undefined) copy.expiresAt = this.#c.env.clock.now + VAULT.popularTtlMs
        have.push(address)
        continue
      }
      const rank = this.#rank(name)
      if (rank >= (offer.popular ? this.#c.params.dataCopyCount + VAULT.popularExtraCopies : VAULT.acceptRank)) continue
      if (!offer.popular && !this.chunks.fits(1)) {
        full.push(address)
        continue
      }
      this.#enqueue(address, [{ addr: from, name: offerer }], offer.popular)
    }
    if (have.length > 0 || full.length > 0) this.#c.send([from], 'ChunkHave', { have, full })
    this.#pump()
  }

  #onHave(sender: NodePublicKey, answer: PayloadOf<'ChunkHave'>): void {
    const who = sender.name.toHex()
    for (const address of answer.have) {
      this.#confirm(toHex(address), who)
      if (this.chunks.has(address)) this.#handOffIfDone(address, this.#holders(XorName.fromBytes(address)))
    }
    for (const address of answer.full) {
      const hex = toHex(address)
      let set = this.#full.get(hex)
      if (set === undefined) this.#full.set(hex, (set = new Set()))
      set.add(who)
    }
    // A full holder: the next closest is owed the chunk now.
    if (answer.full.length > 0) this.#actor.send({ type: 'CHANGED' })
  }

  // --- Fetching what we should hold ---------------------------------------------------------------

  #enqueue(address: Uint8Array, sources: Fetch['sources'], popular: boolean): void {
    const hex = toHex(address)
    const known = this.#inflight.get(hex) ?? this.#queue.get(hex)
    if (known !== undefined) {
      for (const source of sources) if (!known.sources.some((s) => s.addr === source.addr)) known.sources.push(source)
      return
    }
    if (sources.length === 0) return
    if (this.#queue.size >= VAULT.maxPendingFetches) return this.#c.refuse('vault-fetch-queue-full')
    this.#queue.set(hex, { address, sources: [...sources], popular, tried: -1, ticks: 0 })
  }

  #pump(): void {
    while (this.#inflight.size < VAULT.fetchParallelism && this.#queue.size > 0) {
      const [hex, fetch] = this.#queue.entries().next().value!
      this.#queue.delete(hex)
      this.#inflight.set(hex, fetch)
      this.#ask(fetch)
    }
    this.#actor.send({ type: this.#inflight.size > 0 ? 'QUEUED' : 'DRAINED' })
  }

  /** Asks the next source; false when every source was tried. */
  #ask(fetch: Fetch): boolean {
    fetch.tried++
    const source = fetch.sources[fetch.tried]
    if (source === undefined) return false
    fetch.ticks = 0
    this.#c.send([source.addr], 'ChunkGet', { address: fetch.address }, { name: fetch.address, sectionKey: this.#sectionKey() })
    return true
  }

  #sectionKey(): Uint8Array {
    return (this.#c.view?.sap.sap.sectionKey() ?? this.#c.genesisKey).toBytes()
  }

  /** The current source failed: the next one, or give up (offered again by the next reconcile). */
  #nextSource(hex: string, fetch: Fetch): void {
    if (this.#ask(fetch)) return
    this.#inflight.delete(hex)
    this.#c.refuse('vault-fetch-failed')
  }

  /** Every `fetchTimeoutMs`: a request asked before the last tick and still unanswered goes to its next source. */
  #onFetchTimeouts(): void {
    for (const [hex, fetch] of [...this.#inflight]) if (++fetch.ticks >= 2) this.#nextSource(hex, fetch)
    this.#pump()
  }

  #onFetchRefused(address: Uint8Array): void {
    const hex = toHex(address)
    const fetch = this.#inflight.get(hex)
    if (fetch === undefined) return this.#c.refuse('vault-late-refusal')
    this.#nextSource(hex, fetch)
    this.#pump()
  }

  #onContent(address: Uint8Array, content: Uint8Array): void {
    const hex = toHex(address)
    const fetch = this.#inflight.get(hex)
    if (fetch === undefined) return this.#c.refuse('vault-late-content')
    if (!bytesEqual(sha3_256(content), address)) {
      this.#c.refuse('vault-fetched-corrupt')
      this.#nextSource(hex, fetch)
      return this.#pump()
    }
    this.#inflight.delete(hex)
    // Everyone who offered it hears we hold it (once it is on disk: a holder told so may drop its
    // own copy), or that we could not take it after all.
    const answer = (stored: boolean): void => {
      const have = stored ? { have: [address], full: [] } : { have: [], full: [address] }
      for (const source of fetch.sources) {
        this.#confirm(hex, source.name)
        this.#c.send([source.addr], 'ChunkHave', have)
      }
    }
    if (fetch.popular) {
      this.#keepPopular(hex, content)
      answer(true)
    } else {
      const outcome = this.chunks.put(address, content, (ok) => {
        // A failed write is not answered: the offerers offer it again at their next reconcile.
        if (ok) answer(true)
      })
      if (outcome === 'stored') this.counts.fetched++
      if (outcome === 'full') {
        this.counts.refusedFull++
        answer(false)
      }
    }
    this.#pump()
  }

  // --- Client requests ----------------------------------------------------------------------------

  #onMembersQuery(from: string): void {
    const view = this.#c.view
    if (view === undefined) return
    this.#c.send([from], 'SectionMembersAnswer', {
      prefix: { bitCount: view.sap.sap.prefix.bitCount, name: view.sap.sap.prefix.name.bytes },
      sectionKey: view.sap.sap.sectionKey().toBytes(),
      generation: view.nextGeneration,
      members: membersOf(view.members).map(holderWire),
    })
  }

  #refuse(to: string, address: Uint8Array, reason: PayloadOf<'ChunkRefused'>['reason'], holders: ReadonlyArray<Holder> = []): void {
    this.#c.send([to], 'ChunkRefused', { address, reason, holders: holders.map(holderWire) }, { name: address, sectionKey: this.#sectionKey() })
  }

  #onPut(from: string, address: Uint8Array, content: Uint8Array): void {
    if (!bytesEqual(sha3_256(content), address)) return this.#refuse(from, address, 'BadAddress')
    const name = XorName.fromBytes(address)
    const ranked = this.#ranked(name)
    if (this.#rank(name, ranked) >= VAULT.acceptRank) return this.#refuse(from, address, 'NotHolder', ranked.slice(0, VAULT.acceptRank))
    const receipt = (): void => this.#c.send([from], 'ChunkReceipt', signReceipt(this.#c.env.wire.keypair, address), { name: address, sectionKey: this.#sectionKey() })
    // The receipt goes once the chunk is on disk: a receipt is a promise the chunk survives us.
    const outcome = this.chunks.put(address, content, (ok) => (ok ? receipt() : this.#refuse(from, address, 'Busy')))
    if (outcome === 'full') {
      this.counts.refusedFull++
      return this.#refuse(from, address, 'Full', ranked.slice(0, VAULT.acceptRank))
    }
    if (outcome === 'stored') this.counts.stored++
  }

  #onGet(from: string, address: Uint8Array, byClient: boolean): void {
    const hex = toHex(address)
    const name = XorName.fromBytes(address)
    const read = this.chunks.read(address)
    if (typeof read === 'object') {
      this.counts.served++
      this.#c.send([from], 'ChunkContent', { address, content: read.content }, { name: address, sectionKey: this.#sectionKey() })
      if (byClient) this.#countRead(hex, address)
      return
    }
    if (read === 'corrupt') this.#repair(address)
    const copy = this.#cache.get(hex)
    if (copy !== undefined) {
      this.counts.served++
      return this.#c.send([from], 'ChunkContent', { address, content: copy.content }, { name: address, sectionKey: this.#sectionKey() })
    }
    const ranked = this.#ranked(name)
    this.#refuse(from, address, this.#rank(name, ranked) < VAULT.acceptRank ? 'NotFound' : 'NotHolder', ranked.slice(0, VAULT.acceptRank))
  }

  /** Our copy did not hash to its address: it is gone; a good one is fetched from the other holders. */
  #repair(address: Uint8Array): void {
    this.counts.corruptFound++
    const name = XorName.fromBytes(address)
    const others = this.#ranked(name).slice(0, VAULT.acceptRank).filter((m) => !m.name.equals(this.#c.name))
    this.#forget(toHex(address))
    this.#enqueue(address, others.map((m) => ({ addr: m.addr, name: m.name.toHex() })), false)
    this.#pump()
  }

  // --- Integrity sweep ----------------------------------------------------------------------------

  #sweep(): void {
    this.registers.reconcile(false)
    const batch = this.chunks.slice(this.#sweepAfter, VAULT.sweepBatchChunks)
    for (const address of batch) {
      if (this.chunks.read(address) === 'corrupt') this.#repair(address)
      // Who we know holds it is asked again (the recheck that follows offers it to every holder):
      // a holder that dropped its copy while its view differed from ours — or lost it — is found
      // within one sweep of the chunk, even if we never saw the holders change.
      this.#confirmed.delete(toHex(address))
    }
    this.#sweepAfter = batch.length < VAULT.sweepBatchChunks ? undefined : batch.at(-1)
  }

  // --- Popular data -------------------------------------------------------------------------------

  #countRead(hex: string, address: Uint8Array): void {
    const reads = (this.#reads.get(hex) ?? 0) + 1
    this.#reads.delete(hex)
    this.#reads.set(hex, reads)
    dropOldest(this.#reads, VAULT.maxTrackedReads, () => this.#c.refuse('vault-reads-evicted'))
    if (reads < VAULT.popularReads) return
    const now = this.#c.env.clock.now
    const offered = this.#popularOffered.get(hex)
    if (offered !== undefined && now - offered < VAULT.coolIntervalMs) return
    this.#popularOffered.set(hex, now)
    dropOldest(this.#popularOffered, VAULT.maxTrackedReads)
    const name = XorName.fromBytes(address)
    const extra = this.#ranked(name).slice(this.#c.params.dataCopyCount, this.#c.params.dataCopyCount + VAULT.popularExtraCopies)
    for (const member of extra) if (!member.name.equals(this.#c.name)) this.#offer(member.addr, [address], true)
  }

  #keepPopular(hex: string, content: Uint8Array): void {
    if (this.#cache.has(hex)) return
    this.#cache.set(hex, { content, expiresAt: this.#c.env.clock.now + VAULT.popularTtlMs })
    this.#cacheBytes += content.length
    this.counts.popularCopies++
    while (this.#cacheBytes > VAULT.cacheBytes && this.#cache.size > 0) {
      const [oldest, copy] = this.#cache.entries().next().value!
      this.#cache.delete(oldest)
      this.#cacheBytes -= copy.content.length
      this.#c.refuse('vault-cache-evicted')
    }
  }

  /** Read counts halve; popular copies not offered again lately go. */
  #cool(): void {
    for (const [hex, reads] of [...this.#reads]) {
      if (reads <= 1) this.#reads.delete(hex)
      else this.#reads.set(hex, Math.floor(reads / 2))
    }
    const now = this.#c.env.clock.now
    for (const [hex, copy] of [...this.#cache]) {
      if (copy.expiresAt > now) continue
      this.#cache.delete(hex)
      this.#cacheBytes -= copy.content.length
    }
  }
}

/** A view's members as a list, made once per (immutable) members object: reconciling ranks them for every chunk. */
const memberLists = new WeakMap<SectionMembers, Member[]>()
function membersOf(members: SectionMembers): Member[] {
  let list = memberLists.get(members)
  if (list === undefined) memberLists.set(members, (list = members.members()))
  return list
}

function holderWire(m: Holder): { name: Uint8Array; publicKey: Uint8Array; addr: string } {
  return { name: m.name.bytes, publicKey: m.publicKey, addr: m.addr }
}
