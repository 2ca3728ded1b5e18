/**
 * The dkg role (DESIGN.md §7): this node as a candidate in the section's key generations. Each
 * session is a child actor of `dkg.machine.ts` (a split runs two): it waits until a supermajority
 * of the current elders asked (`DkgStart`), runs Joint-Feldman, gossips and catches up, and either
 * completes — our new key share signs the new SAP, sent to the collecting elders (`SapShare`) — or
 * is abandoned at its deadline, when we report who did not take part (`DkgFailure`).
 *
 * Key shares from completed sessions are kept by the new section key: the elder role serves with
 * one once its handover is decided, and a restarted node proves it kept its share.
 */
import { type DkgResult, DkgSession, type NonParticipation } from '../../consensus/index.ts'
import { type BlsPublicKey, NodePublicKey, type PublicKeySet, type SecretKeyShare, supermajority, threshold, toHex } from '../../crypto/index.ts'
import { SectionAuthorityProvider } from '../../knowledge/index.ts'
import type { DkgStartWire, Message, PayloadOf } from '../../wire/index.ts'
import { Prefix, XorName } from '../../xor/index.ts'
import { collectors, MAX_DKG_RUNS, SECTION_TIMING } from '../constants.ts'
import type { Role } from '../role.ts'
import type { NodeComponents } from '../shell/components.ts'
import { DkgHost, sessionOf } from './dkg-host.ts'

interface DkgRun {
  readonly start: DkgStartWire
  readonly host: DkgHost
}

export interface HeldShare {
  readonly share: SecretKeyShare
  readonly keySet: PublicKeySet
}

export class DkgRole implements Role {
  readonly name = 'dkg'
  readonly handles = ['DkgStart', 'DkgMessages', 'DkgCatchUp'] as const
  readonly #c: NodeComponents
  readonly #runs = new Map<string, DkgRun>()
  /** Key shares from completed DKGs, by the new section key (hex). */
  readonly #shares = new Map<string, HeldShare>()
  /** The section key whose elder we are but whose DKG we have not completed yet (messages lost). */
  #lateElder: string | undefined

  constructor(components: NodeComponents) {
    this.#c = components
    components.events.on('elders-changed', ({ saps, applied }) => {
      // Other DKG sessions of this section are over. The ones that made the new keys go on: a
      // candidate that has not completed yet (messages lost) still can, and the others answer it.
      const made = new Set(saps.map((x) => `${x.sap.prefix.toString()}:${x.sap.elders.map((e) => e.name.toHex()).join(',')}`))
      for (const [hex, run] of [...this.#runs]) {
        const prefix = Prefix.of(XorName.fromBytes(run.start.prefix.name), run.start.prefix.bitCount)
        if (made.has(`${prefix.toString()}:${run.start.candidates.map((c) => toHex(c)).join(',')}`)) continue
        run.host.stop()
        this.#runs.delete(hex)
      }
      const sap = applied.view.sap
      const isNewElder = sap.sap.elders.some((e) => e.name.equals(this.#c.name))
      this.#lateElder = isNewElder && this.shareFor(sap.sap.sectionKey()) === undefined ? toHex(sap.sap.sectionKey().toBytes()) : undefined
    })
  }

  states(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [hex, run] of this.#runs) {
      const snapshot = run.host.snapshot
      const missing = snapshot.matches('abandoned') ? [...snapshot.context.session.nonParticipants()].map(([i, why]) => `${run.start.addrs[i]}:${why}`) : []
      out[`dkg/${hex.slice(0, 8)}`] = { state: snapshot.value, starts: snapshot.context.starts.length, candidates: run.start.addrs.join(','), missing }
    }
    return out
  }

  /** Our share of `key`, if a DKG (or our store) gave us one. */
  shareFor(key: BlsPublicKey): HeldShare | undefined {
    return this.#shares.get(toHex(key.toBytes()))
  }

  /** Shares a previous run stored. */
  restoreShares(shares: ReadonlyArray<HeldShare>): void {
    for (const held of shares) this.#shares.set(toHex(held.keySet.publicKey().toBytes()), held)
  }

  stop(): void {
    this.stopAll()
  }

  stopAll(): void {
    for (const run of this.#runs.values()) run.host.stop()
    this.#runs.clear()
  }

  receive(_from: string, message: Message, sender: NodePublicKey): void {
    switch (message.kind) {
      case 'DkgStart':
        return this.onStart(sender, message.payload.start)
      case 'DkgMessages':
        return this.#onMessages(message.payload)
      case 'DkgCatchUp':
        return this.#onCatchUp(sender, message.payload)
      default:
        return
    }
  }

  /** A current elder asks us, a candidate, to run a DKG: the session's `dkg` actor counts the asks. */
  onStart(sender: NodePublicKey, start: DkgStartWire): void {
    const c = this.#c
    const section = c.view
    if (section === undefined) return
    const hex = toHex(start.sessionId)
    const self = start.candidates.findIndex((cand) => toHex(cand) === c.name.toHex())
    if (self < 0) return
    // A start names its sender by its place among the elders of the SAP it was made under
    // (`chainLength` is that SAP's generation): we can check it only if that SAP is ours and its
    // sender one of our elders. Otherwise it is not bad but out of step, and dropped. Made under
    // an earlier SAP, it is stale: the change it asked for was overtaken (a connection that queued
    // it while we were down delivers it once we are back; its sender has not seen the handover).
    // Made under a later SAP or by another section's elders (the sibling we merge into), it is
    // ahead of us: we have not taken up the decision that made its sender our elder, and its
    // elders send it again until we take part.
    if (start.chainLength !== section.sap.sap.generation || !section.sap.sap.elders.some((e) => e.name.equals(sender.name))) return
    // Keys of the current elders that are still members (one that left sends no start).
    const elders = section.sap.sap.elders.map((e) => section.members.get(e.name))
    const elderKeys = elders.map((m) => (m === undefined ? undefined : NodePublicKey.fromBytes(m.publicKey)))
    if (!DkgSession.verifyStart(start, elderKeys)) return c.refuse('bad-dkg-start')
    let run = this.#runs.get(hex)
    if (run === undefined) {
      run = this.#newRun(start, self, supermajority(elders.length))
      if (run === undefined) return
    }
    const wasRunning = !run.host.waitingForStart
    run.host.onDkgStart(start.elder)
    if (wasRunning || run.host.waitingForStart) return
    // A supermajority of our elders asked and the session runs: it replaces older ones for the prefix.
    for (const [other, r] of [...this.#runs]) {
      if (other !== hex && r.start.prefix.bitCount === start.prefix.bitCount && toHex(r.start.prefix.name) === toHex(start.prefix.name)) {
        r.host.stop()
        this.#runs.delete(other)
      }
    }
  }

  #newRun(start: DkgStartWire, self: number, startQuorum: number): DkgRun | undefined {
    const c = this.#c
    const hex = toHex(start.sessionId)
    const candidates = start.keys.map((k) => NodePublicKey.fromBytes(k))
    const session = new DkgSession({
      sessionId: start.sessionId, candidates, self, keypair: c.env.wire.keypair, threshold: threshold(candidates.length), randomBytes: c.env.randomBytes,
    })
    const host = new DkgHost({
      session,
      startQuorum,
      deadlineMs: SECTION_TIMING.dkgDeadlineMs,
      gossipIntervalMs: SECTION_TIMING.dkgGossipMs,
      ...c.actorOptions('dkg', `dkg/${hex.slice(0, 8)}#${c.nextEpoch()}`),
      candidates: start.addrs,
      self,
      send: (to, kind, payload) => c.send(to, kind, payload),
      onCompleted: (result) => this.#onComplete(run, result),
      onAbandoned: (nonParticipants) => this.#onAbandoned(run, nonParticipants),
    })
    const run: DkgRun = { start, host }
    this.#runs.set(hex, run)
    if (this.#runs.size > MAX_DKG_RUNS) {
      const [oldest, old] = this.#runs.entries().next().value!
      old.host.stop()
      this.#runs.delete(oldest)
      c.refuse('dkg-run-evicted')
    }
    host.start()
    return run
  }

  #onMessages(payload: PayloadOf<'DkgMessages'>): void {
    const hex = sessionOf(payload)
    if (hex === undefined) return
    this.#runs.get(hex)?.host.onMessages(payload)
  }

  #onCatchUp(sender: NodePublicKey, payload: PayloadOf<'DkgCatchUp'>): void {
    const run = this.#runs.get(toHex(payload.sessionId))
    if (run === undefined) return
    const from = run.start.candidates.findIndex((cand) => toHex(cand) === sender.name.toHex())
    if (from < 0) return this.#c.refuse('dkg-catch-up-from-non-candidate')
    run.host.onCatchUp(from, payload)
  }

  /** Tells the current elders who kept the session from completing (DESIGN.md §7). */
  #onAbandoned(run: DkgRun, nonParticipants: ReadonlyArray<readonly [number, NonParticipation]>): void {
    const c = this.#c
    const section = c.view
    if (section === undefined || nonParticipants.length === 0) return
    const payload = { sessionId: run.start.sessionId, nonParticipants: nonParticipants.map(([i]) => i) }
    c.send(section.sap.sap.elders.map((e) => e.addr), 'DkgFailure', payload)
    if (c.elder.serving) c.elder.onDkgFailure(c.env.wire.keypair.publicKey, payload)
  }

  #onComplete(run: DkgRun, result: DkgResult): void {
    const c = this.#c
    const start = run.start
    const keyHex = toHex(result.publicKeySet.publicKey().toBytes())
    this.#shares.set(keyHex, { share: result.secretKeyShare, keySet: result.publicKeySet })
    c.env.observer?.keyShare?.(c.self, result.secretKeyShare, result.publicKeySet)
    const view = c.view
    if (this.#lateElder === keyHex && view !== undefined && toHex(view.sap.sap.sectionKey().toBytes()) === keyHex) {
      // Our section handed over to this key before our part of the DKG completed: we take up
      // our place now, at the generation we are at (agreement catches us up).
      this.#lateElder = undefined
      c.elder.serve(result.secretKeyShare, result.publicKeySet, view.nextGeneration)
      return
    }
    // The new SAP, signed with our new share, for the current elders to combine.
    const sap = new SectionAuthorityProvider({
      prefix: Prefix.of(XorName.fromBytes(start.prefix.name), start.prefix.bitCount),
      publicKeySet: result.publicKeySet,
      elders: start.candidates.map((cand, i) => ({ name: XorName.fromBytes(cand), addr: start.addrs[i]! })),
      members: [],
      generation: start.generation,
    })
    const self = start.candidates.findIndex((cand) => toHex(cand) === c.name.toHex())
    // Renamed since the session started (voted off, it joins again as a new node): not one of
    // its candidates now, so no share of ours can sign their SAP (it failed the wire's schema:
    // `outbound SapShare InvalidOutbound`, 300 nodes seed 2 --partition).
    if (self < 0) return c.refuse('dkg-done-after-rename')
    const share = result.secretKeyShare.sign(sap.signingBytes())
    const payload = { sap: sap.toWire(), index: self, share: share.toBytes() }
    const section = c.view
    if (section === undefined) return
    c.send(collectors(section.sap.sap.elders).map((e) => e.addr), 'SapShare', payload)
    if (collectors(section.sap.sap.elders).some((e) => e.name.equals(c.name))) c.elder.onSapShare(payload)
  }
}
