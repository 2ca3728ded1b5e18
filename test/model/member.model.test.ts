/**
 * Model-based tests of machines/member.machine.ts against a NodeShell (node-harness.ts): each
 * event of a path is brought about by what the network would send the node —
 *
 *   JOIN / GENESIS   the node starts joining / starts the network as its genesis elder
 *   RESEND           an AeRetry bringing a newer key of the section (the test's section moves on)
 *   JOIN_ELSEWHERE   JoinResponse JoinElsewhere (the elders want it under a new name)
 *   LEFT_RECENTLY    JoinResponse Rejected left-recently (it joins again under a new name)
 *   REFUSED          JoinResponse Rejected address-in-use (the retry timer stays)
 *   TRY_LATER        JoinResponse TryJoinLater
 *   JOIN restored, RESUMED  a restarted elder with a store: not produced here (the elder-restart
 *                    tests and the joining spec tests take that path)
 *   APPROVED         JoinApproved with the section-signed decision that made it a member
 *   PROMOTED         a DkgStart naming it; it runs the DKG, sends its SapShare; the section
 *                    decides the Handover to the new SAP (and sends the link)
 *   DEMOTED          an elder: older members join; it runs the elder change itself (DkgStart to
 *                    the new elder, who the test plays, SapShare back, Handover); otherwise a
 *                    Handover of the section to another key
 *   RELOCATE         a decision relocating it
 *   VOTED_OFF        a decision voting it off, as an adult (as an elder the node is its SAP's
 *                    only one, which mayLeave keeps: DESIGN.md §6)
 *   STOP             the node crashes
 *   timers           the node's member timer of that delay fires
 *
 * and after every step the node's role, eldership, membership, join requests (one per
 * `sendJoin` the model emitted), joins reported and armed timers must be the model's.
 *
 * The section runs with one elder (elderCount 1), so that the node, once it is the elder, decides
 * alone and the DKGs it takes part in have one candidate. The test holds every section key except
 * the ones the node made as sole elder: a step that needs one is cut (Unproducible).
 */
import { describe, expect, it } from 'vitest'
import type { AnyMachineSnapshot, EventObject } from 'xstate'
import { DEFAULT_PARAMETERS, DkgSession, dkgSessionId, type Member, type MembershipChange, memberToWire, type NetworkParameters, signDkgStart } from '../../src/consensus/index.ts'
import { BlsSecretKey, NodeKeypair, NodePublicKey, SignatureShare, threshold } from '../../src/crypto/index.ts'
import { ProofChain, SectionAuthorityProvider, SignedSap } from '../../src/knowledge/index.ts'
import { SECTION_TIMING } from '../../src/roles/constants.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { afterDelay, armedDelays, ModelPathFailure, type SystemUnderTest, Unproducible } from '../../src/verify/model-test.ts'
import { Prefix, XorName } from '../../src/xor/index.ts'
import { asMember, countOf, dealKeys, extendChain, type HeldKeys, type Peer, signedDecision, signedSap, Subject } from './node-harness.ts'
import { broken, runBroken, runModel, spec } from './support.ts'

/** One elder per section, and no splits: the node can be that elder, deciding alone. */
const PARAMS: NetworkParameters = { ...DEFAULT_PARAMETERS, elderCount: 1, recommendedSectionSize: 100, maxSectionSize: 200 }

/** The section as the test plays it: its key (if the test holds it), SAP, chain, elder, members. */
interface Played {
  keys: HeldKeys | undefined
  sap: SignedSap
  chain: ProofChain
  elder: Peer
  members: Member[]
  next: number
}


class MemberSystem implements SystemUnderTest {
  // The same seed for every path: paths that share a prefix share keys and signatures, which the
  // node's verification cache then checks once.
  readonly #random = new SeededRandom(1)
  #subject: Subject | undefined
  #played: Played | undefined
  /** Peers the test plays, by address. */
  readonly #peers = new Map<string, Peer>()
  #joinAttempts = 0
  #observed = { joined: 0, relocated: 0 }
  #lastApproval: { payload: unknown; dst: Uint8Array } | undefined
  #age = 0
  #joiners = 0
  /** Bounces resent so far (the bounce guard allows aeResendLimit per retry interval). */
  #bounces = 0

  exec(event: EventObject): void {
    const delay = afterDelay(event)
    if (delay !== undefined) {
      // The member actor arms one timer at a time; check() holds its delay to the model's (the
      // join retry's grows with the rounds of a join).
      return this.#s.fire('member', delay === 'joinRetry' ? () => true : SECTION_TIMING.tryJoinLaterMs, delay)
    }
    if (event.type === 'JOIN' && (event as { restored?: boolean }).restored === true) throw new Unproducible('a fresh node has no store to resume from')
    if (event.type === 'RESUMED') throw new Unproducible('only a restarted elder resumes')
    if (event.type === 'JOIN' || event.type === 'GENESIS') {
      if (this.#subject !== undefined) throw new Unproducible('a node is started once')
      return this.#start(event.type === 'GENESIS')
    }
    if (this.#subject === undefined) {
      if (event.type !== 'STOP') throw new Unproducible('a node not started hears nothing')
      this.#create(false)
    }
    const s = this.#s
    const role = s.node.role
    switch (event.type) {
      case 'STOP':
        return s.node.crash()
      case 'RESEND':
        return this.#bounce()
      case 'JOIN_ELSEWHERE':
        return s.deliver(this.#elder, 'JoinResponse', { verdict: { _tag: 'JoinElsewhere', prefix: { bitCount: 0, name: Prefix.EMPTY.name.bytes } } }, s.dstFor(this.#p.sap.sap.sectionKey().toBytes()))
      case 'LEFT_RECENTLY':
      case 'REFUSED':
        return s.deliver(this.#elder, 'JoinResponse', { verdict: { _tag: 'Rejected', reason: event.type === 'REFUSED' ? 'address-in-use' : 'left-recently' } }, s.dstFor(this.#p.sap.sap.sectionKey().toBytes()))
      case 'TRY_LATER':
        return s.deliver(this.#elder, 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, s.dstFor(this.#p.sap.sap.sectionKey().toBytes()))
      case 'APPROVED':
        if (role === 'joining' || role === 'relocating') return this.#approve()
        // A member hears its approval again (elders may send it twice).
        if (this.#lastApproval === undefined) throw new Unproducible('never approved: no approval to hear again')
        return s.deliver(this.#elder, 'JoinApproved', this.#lastApproval.payload as never, { name: this.#lastApproval.dst, sectionKey: this.#p.sap.sap.sectionKey().toBytes() })
      case 'PROMOTED':
        if (role !== 'adult') throw new Unproducible('only an adult is made an elder')
        if (!this.#p.members.some((m) => m.name.equals(this.#elder.keypair.name))) throw new Unproducible('the section has no elder left to start a DKG')
        return this.#promote()
      case 'DEMOTED':
        return role === 'elder' ? this.#demote() : this.#rekey()
      case 'RELOCATE':
        if (role === 'elder') throw new Unproducible('an elder is not relocated')
        return this.#decide([{ kind: 'Relocated', name: s.node.name, destination: XorName.fromBytes(this.#random.bytes(32)), age: this.#age }])
      case 'VOTED_OFF':
        // The node as elder is its section's only one: nobody may vote it off, or its SAP could
        // never sign a successor (mayLeave keeps threshold + 1 of a SAP's elders members).
        if (role === 'elder') throw new Unproducible('the only elder of its SAP is not voted off')
        return this.#decide([{ kind: 'Left', name: s.node.name }])
      default:
        throw new Error(`no way to bring about ${event.type}`)
    }
  }

  check(snapshot: AnyMachineSnapshot, emitted: ReadonlyArray<EventObject>): void {
    const value = snapshot.value as string | Record<string, string>
    const model = typeof value === 'string' ? value : Object.keys(value)[0]!
    const s = this.#subject
    if (s === undefined) {
      expect(model).toBe('idle')
      return
    }
    this.#sync()
    const node = s.node
    expect(node.role).toBe(model === 'idle' ? 'joining' : model)
    expect(node.isElder).toBe(model === 'elder')
    expect(node.crashed).toBe(model === 'left')
    // (A stopped node keeps its last view: the section has not voted it off yet.)
    if (model !== 'left') expect(node.asMember() !== undefined).toBe(model === 'adult' || model === 'elder')
    // One join request per `sendJoin` (counted where the node sends it: an elder voted off in a
    // one-elder section has nobody else to send it to).
    expect(node.stats.joinAttempts - this.#joinAttempts).toBe(countOf(emitted, 'sendJoin'))
    this.#joinAttempts = node.stats.joinAttempts
    const joined = emitted.filter((e) => e.type === 'joined') as Array<{ type: 'joined'; relocated: boolean }>
    expect(s.observed.joined - this.#observed.joined).toBe(joined.length)
    expect(s.observed.relocated - this.#observed.relocated).toBe(joined.filter((e) => e.relocated).length)
    this.#observed = { ...s.observed }
    // The request loop's timers (retrying while requesting, waiting after TryJoinLater): the model's.
    const armed = node.crashed ? [] : s.timers('member').armed
    expect(armed.sort((a, b) => a - b)).toEqual(armedDelays(snapshot))
  }

  get #s(): Subject {
    return this.#subject!
  }

  get #p(): Played {
    return this.#played!
  }

  get #elder(): Peer {
    return this.#p.elder
  }

  #create(genesis: boolean): Subject {
    const keypair = this.#peer('s').keypair
    const keys = dealKeys(0, this.#random)
    const elder = genesis ? { keypair, addr: 's' } : this.#peer('g')
    const sap = signedSap(keys, [elder], 0)
    const subject = new Subject({ addr: 's', keypair, params: PARAMS, genesis: sap, random: this.#random.fork('subject') })
    this.#subject = subject
    this.#played = { keys, sap, chain: new ProofChain(sap.sap.sectionKey()), elder, members: genesis ? [] : [asMember(elder, 6)], next: 0 }
    return subject
  }

  #start(genesis: boolean): void {
    const s = this.#create(genesis)
    if (!genesis) return s.node.startJoining()
    this.#age = 6
    s.node.startGenesis(this.#p.keys!.share!(0), this.#age)
  }

  #peer(addr: string): Peer {
    const peer = { keypair: NodeKeypair.fromSeed(this.#random.bytes(32)), addr }
    this.#peers.set(addr, peer)
    return peer
  }

  #held(): HeldKeys {
    const keys = this.#p.keys
    if (keys === undefined) throw new Unproducible('the section key is one the node made as sole elder')
    return keys
  }

  /** The test's section follows the node's view while the node is a member. */
  #sync(): void {
    const view = this.#s.node.section
    if (view === undefined || !view.sap.sap.sectionKey().equals(this.#p.sap.sap.sectionKey())) return
    this.#p.members = view.members.members()
    this.#p.next = view.nextGeneration
  }

  /** The section decides `changes`; the node hears of it from its elder. */
  #decide(changes: ReadonlyArray<MembershipChange>): void {
    const p = this.#p
    const decision = signedDecision(this.#held(), p.next, changes)
    p.next++
    for (const c of changes) {
      if (c.kind === 'Left' || c.kind === 'Relocated') p.members = p.members.filter((m) => !m.name.equals(c.name))
    }
    this.#s.deliver(this.#elder, 'SectionDecisions', { decisions: [decision] })
  }

  #approve(): void {
    const s = this.#s
    const p = this.#p
    const relocated = s.node.role === 'relocating'
    this.#age = relocated ? this.#age + 1 : Math.max(0, ...p.members.map((m) => m.age)) + 1
    const self = { name: s.node.name, publicKey: s.keypair().publicKey.bytes, addr: 's', age: this.#age }
    const decision = signedDecision(this.#held(), p.next, [{ kind: 'Joined', member: self }])
    p.members = [...p.members.filter((m) => m.addr !== 's'), self]
    p.next++
    const payload = { decision, sap: p.sap.toWire(), proofChain: p.chain.toWire(), members: p.members.map(memberToWire), nextGeneration: p.next }
    this.#lastApproval = { payload, dst: s.node.name.bytes }
    s.deliver(p.elder, 'JoinApproved', payload, s.dstFor(p.sap.sap.sectionKey().toBytes()))
  }

  /** Our elder asks the node to run the DKG for the next elders (it alone); the section hands over. */
  #promote(): void {
    const s = this.#s
    const p = this.#p
    const keys = this.#held()
    const view = s.node.section!
    const mark = s.sent.length
    const names = [s.node.name.bytes]
    const start = signDkgStart(p.elder.keypair, {
      sessionId: dkgSessionId(Prefix.EMPTY, names, view.members.generation, view.sap.sap.generation),
      prefix: { bitCount: 0, name: Prefix.EMPTY.name.bytes }, candidates: names, keys: [s.keypair().publicKey.bytes], addrs: ['s'],
      generation: view.members.generation, chainLength: view.sap.sap.generation, elder: 0,
    })
    s.deliver(p.elder, 'DkgStart', { start })
    const shared = s.sentOf('SapShare', mark)[0]
    if (shared === undefined) throw new Error('the node ran the DKG it was asked to and sent no SapShare')
    const sap = SectionAuthorityProvider.fromWire(shared.payload.sap)
    const signature = sap.publicKeySet.combine(sap.signingBytes(), [{ index: shared.payload.index, share: SignatureShare.fromBytes(shared.payload.share), signer: 's' }]).signature
    const handed = new SignedSap(sap, signature)
    this.#decide([{ kind: 'Handover', sap: handed }])
    const chain = extendChain(p.chain, keys, handed)
    s.deliver(p.elder, 'AeUpdate', { sap: handed.toWire(), proofChain: chain.toWire() })
    this.#played = { ...p, keys: undefined, sap: handed, chain, elder: { keypair: s.keypair(), addr: 's' } }
  }

  /**
   * While the node asks to join, the section moves to a newer key (ours), and an elder bounces the
   * node's request with it. Past the bounce guard's limit a bounce is not resent: cut.
   */
  #bounce(): void {
    const s = this.#s
    const p = this.#p
    if (s.node.role !== 'joining' && s.node.role !== 'relocating') throw new Unproducible('only a joiner is bounced')
    if (this.#bounces >= s.node.params.aeResendLimit) throw new Unproducible('past the bounce guard')
    this.#bounces++
    const keys = dealKeys(0, this.#random)
    const sap = signedSap(keys, [p.elder], p.sap.sap.generation + 1)
    const chain = extendChain(p.chain, this.#held(), sap)
    const dst = s.dstFor(p.sap.sap.sectionKey().toBytes())
    this.#played = { ...p, keys, sap, chain }
    s.deliver(p.elder, 'AeRetry', { sap: sap.toWire(), proofChain: chain.toWire(), bounced: new Uint8Array(64) }, dst)
  }

  /** The section hands over to a key of the test's (the node is not among its elders). */
  #rekey(): void {
    const s = this.#s
    const p = this.#p
    const old = this.#held()
    const keys = dealKeys(0, this.#random)
    const elder = this.#peer(`e${++this.#joiners}`)
    const sap = signedSap(keys, [elder], p.sap.sap.generation + 1)
    this.#decide([{ kind: 'Handover', sap }])
    const chain = extendChain(p.chain, old, sap)
    s.deliver(p.elder, 'AeUpdate', { sap: sap.toWire(), proofChain: chain.toWire() })
    this.#played = { ...this.#p, keys, sap, chain, elder }
  }

  /**
   * The node, sole elder, hands over: members older than it join until its elder change is due;
   * the new elder (played by the test) runs its one-candidate DKG and sends its SapShare.
   */
  #demote(): void {
    const s = this.#s
    let start = s.sentOf('DkgStart').at(-1)
    for (let i = 0; start === undefined && i < 20; i++) {
      const joiner = this.#peer(`x${++this.#joiners}`)
      s.deliver(joiner, 'JoinRequest', { addr: joiner.addr }, { name: joiner.keypair.name.bytes, sectionKey: s.node.section!.sap.sap.sectionKey().toBytes() })
      this.#settle()
      start = s.sentOf('DkgStart').at(-1)
    }
    if (start === undefined) throw new Error('members older than the elder joined and it started no elder change')
    const wire = start.payload.start
    const candidate = this.#peers.get(wire.addrs[0]!)
    if (candidate === undefined) throw new Error(`the elder change names ${wire.addrs.join(',')}, not a node the test plays`)
    const session = new DkgSession({
      sessionId: wire.sessionId, candidates: wire.keys.map((k) => NodePublicKey.fromBytes(k)), self: 0, keypair: candidate.keypair, threshold: threshold(wire.keys.length), randomBytes: this.#random.byteSource(),
    })
    session.start()
    const result = session.result
    if (result === undefined) throw new Error('a one-candidate DKG did not complete on start')
    const keys: HeldKeys = { keySet: result.publicKeySet, secret: BlsSecretKey.fromScalar(result.secretKeyShare.scalar) }
    const sap = signedSap(keys, [candidate], wire.generation)
    s.deliver(candidate, 'SapShare', { sap: sap.sap.toWire(), index: 0, share: result.secretKeyShare.sign(sap.sap.signingBytes()).toBytes() })
    this.#settle()
    const chain = s.node.tree.dag.chainFromGenesis(sap.sap.sectionKey())
    if (chain === undefined) throw new Error('the node handed over without linking the new key')
    this.#played = { ...this.#p, keys, sap, chain, elder: candidate }
  }

  /** Lets the node's agreement and DKG timers run (never its member timers) until it is quiet. */
  #settle(): void {
    const s = this.#s
    for (let i = 0; i < 50; i++) {
      const fired = s.timers('agreement').fire(() => true) || s.timers('dkg').fire((ms) => ms === SECTION_TIMING.dkgGossipMs)
      if (!fired) return
    }
  }
}

describe('model-based: member machine → NodeShell', () => {
  it('every generated path runs on a node, with its role, requests, joins and timers as the model says', () => {
    const { steps } = runModel('member', () => new MemberSystem())
    expect(steps).toBeGreaterThan(50)
  }, 120_000)
})

describe('member model-based tests fail when the machine and the node part', () => {
  it('a copy where an adult voted off stays a member (VOTED_OFF → adult) fails on the node', () => {
    expect(runBroken(broken(spec('member'), ['adult'], (state) => ({ ...state, on: { ...(state.on as object), VOTED_OFF: 'adult' } })), () => new MemberSystem())).toThrow(/VOTED_OFF to "adult": expected 'joining' to be 'adult'/)
  }, 60_000)

  it('a copy whose join requests are not retried fails on the node at the first retry', () => {
    expect(runBroken(broken(spec('member'), ['joining'], (state) => ({ ...state, states: { ...(state.states as object), requesting: { entry: ['countAttempt', 'sendJoin'] } } })), () => new MemberSystem())).toThrow(ModelPathFailure)
  }, 60_000)
})
