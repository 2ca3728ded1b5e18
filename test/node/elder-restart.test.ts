/**
 * An elder restarted from its store.
 *
 * - Its ballots are in its store before they are sent (src/node/ballot-journal.ts), so an elder
 *   approved again in the generation it had voted in casts the same ballots, never different ones
 *   (equivocation). The journal on its own, then wired into a NodeShell that is one of four
 *   genesis elders (the test plays the other three with real `Agreement`s, as the elder model test
 *   does), killed after voting and restarted from an LMDB store.
 * - When no fellow elder answers its join requests (the whole section stopped), it resumes from
 *   its stored section: an elder again at the generation it had, asking the others for decisions
 *   it may have missed, approving members it knows and not answering joiners it does not yet.
 * - Its approvals carry a decision the joiner can check (signed by the section key or its parent),
 *   even when the member's own join was decided under an older key (the 30-process resume found it).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Schema } from 'effect'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeChange, DEFAULT_TIMING, memberToWire } from '../../src/consensus/index.ts'
import { nameXor, signClaim } from '../../src/register/names.ts'
import { NodeKeypair, threshold, toHex } from '../../src/crypto/index.ts'
import { ProofChain } from '../../src/knowledge/index.ts'
import { SECTION_TIMING } from '../../src/roles/constants.ts'
import { verifyDecision } from '../../src/roles/section/section.ts'
import { MAX_PER_GENERATION, StoreBallotJournal } from '../../src/roles/elder/ballot-journal.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { LmdbStore, MemoryStore } from '../../src/store/index.ts'
import { DecisionWire, encodeOwn, MemberWire, ProofChainWire, SignedSapWire, SuperMajorityWire, Uint, VoteWire } from '../../src/wire/index.ts'
import { asMember, dealKeys, extendChain, type Peer, signedDecision, signedSap, Subject } from '../model/node-harness.ts'
import { fourElders, PARAMS } from './four-elders.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-ballots-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))


/** A signed-looking vote: the journal stores ballots as they are, it does not check them. */
function vote(voter: number, generation: number, round: number, proposal: number): VoteWire {
  return { voter, generation, round, ballot: 'Propose', proposals: [new Uint8Array([proposal])], signature: new Uint8Array(64).fill(voter) }
}

describe('the ballot journal', () => {
  const key = new Uint8Array(48).fill(7)

  it('keeps our own ballots per generation, the newest two, and reads them back after a reopen', async () => {
    const path = join(dir, 'journal')
    let store = LmdbStore.open(path)
    const journal = new StoreBallotJournal(store)
    journal.cast(key, 2, { votes: [vote(2, 5, 0, 1), vote(3, 5, 0, 9)], supermajorities: [] })
    journal.cast(key, 2, { votes: [vote(2, 5, 0, 1), vote(2, 5, 1, 1)], supermajorities: [] })
    expect(journal.castIn(key, 5)?.votes.map((v) => [v.voter, v.round])).toEqual([[2, 0], [2, 1]])
    journal.cast(key, 2, { votes: [vote(2, 6, 0, 4)], supermajorities: [] })
    journal.cast(key, 2, { votes: [vote(2, 7, 0, 5)], supermajorities: [] })
    expect(journal.castIn(key, 5)).toBeUndefined()
    expect(journal.castIn(key, 6)?.votes).toHaveLength(1)
    // A ballot for a generation older than the two kept is not taken back in.
    journal.cast(key, 2, { votes: [vote(2, 4, 0, 5)], supermajorities: [] })
    expect(journal.castIn(key, 4)).toBeUndefined()
    await store.close()

    store = LmdbStore.open(path)
    const reopened = new StoreBallotJournal(store)
    expect(reopened.castIn(key, 7)?.votes[0]?.proposals).toEqual([new Uint8Array([5])])
    expect(reopened.castIn(new Uint8Array(48).fill(8), 7)).toBeUndefined()
    reopened.prune((hex) => hex !== toHex(key))
    expect(reopened.castIn(key, 7)).toBeUndefined()
    expect(store.blobCount('ballots')).toBe(0)
    await store.close()
  })

  it('writes each ballot once, as a blob of its own, and drops a generation\'s blobs when it leaves the newest two', () => {
    const store = MemoryStore.open()
    const journal = new StoreBallotJournal(store)
    const first = encodeOwn(VoteWire, vote(2, 5, 0, 1)).length
    journal.cast(key, 2, { votes: [vote(2, 5, 0, 1)], supermajorities: [] })
    const { writes, bytesWritten } = store.stats
    // The second cast writes only its new ballot: one write, one ballot's bytes and key.
    journal.cast(key, 2, { votes: [vote(2, 5, 0, 1), vote(2, 5, 1, 1)], supermajorities: [] })
    expect(store.stats.writes - writes).toBe(1)
    expect(store.stats.bytesWritten - bytesWritten).toBeLessThan(first + 100)
    expect(store.blobCount('ballots')).toBe(2)
    journal.cast(key, 2, { votes: [vote(2, 6, 0, 4)], supermajorities: [] })
    journal.cast(key, 2, { votes: [vote(2, 7, 0, 5), vote(2, 7, 1, 5)], supermajorities: [] })
    // Generation 5's two ballots are gone with it; 6 and 7 remain, and read back alike.
    expect(store.blobCount('ballots')).toBe(3)
    const reread = new StoreBallotJournal(store)
    expect(reread.castIn(key, 5)).toBeUndefined()
    expect(reread.castIn(key, 6)?.votes.map((v) => v.proposals)).toEqual([[new Uint8Array([4])]])
    expect(reread.castIn(key, 7)?.votes.map((v) => v.round)).toEqual([0, 1])
  })

  it('drops and counts the oldest own ballot of a generation past its bound, blob and all', () => {
    const store = MemoryStore.open()
    const journal = new StoreBallotJournal(store)
    for (let round = 0; round <= MAX_PER_GENERATION; round++) journal.cast(key, 2, { votes: [vote(2, 5, round, 1)], supermajorities: [] })
    expect(journal.evicted).toBe(1)
    expect(store.blobCount('ballots')).toBe(MAX_PER_GENERATION)
    expect(new StoreBallotJournal(store).castIn(key, 5)?.votes[0]?.round).toBe(1)
  })

  it('reads the one record per key that a store from before holds', () => {
    const store = MemoryStore.open()
    const Old = Schema.Struct({ generations: Schema.Array(Schema.Struct({ generation: Uint, votes: Schema.Array(VoteWire), supermajorities: Schema.Array(SuperMajorityWire) })) })
    store.putBlob('ballots', key, encodeOwn(Old, { generations: [{ generation: 9, votes: [vote(2, 9, 0, 3)], supermajorities: [] }] }))
    const journal = new StoreBallotJournal(store)
    expect(journal.castIn(key, 9)?.votes.map((v) => v.proposals)).toEqual([[new Uint8Array([3])]])
    expect(journal.unreadable).toBe(0)
  })

  it('counts a record that does not decode, and treats it as absent', () => {
    const store = MemoryStore.open()
    store.putBlob('ballots', key, new Uint8Array([1, 2, 3]))
    const journal = new StoreBallotJournal(store)
    expect(journal.castIn(key, 0)).toBeUndefined()
    expect(journal.unreadable).toBe(1)
    // A damaged ballot blob likewise: counted, and the key's other ballots still read.
    const other = new Uint8Array(48).fill(9)
    const writer = new StoreBallotJournal(store)
    writer.cast(other, 1, { votes: [vote(1, 3, 0, 1), vote(1, 3, 1, 1)], supermajorities: [] })
    const [first] = [...store.blobKeys('ballots')].filter((k) => k.length > 48 && k[0] === 9)
    store.putBlob('ballots', first!, new Uint8Array([0xc1]))
    const reader = new StoreBallotJournal(store)
    expect(reader.castIn(other, 3)?.votes.map((v) => v.round)).toEqual([1])
    expect(reader.unreadable).toBe(1)
  })
})


/** The node's own round-0 votes of `generation`, as sent. */
function ownVotes(s: Subject, generation: number): VoteWire[] {
  return s.sentOf('AgreementVotes').flatMap((m) => m.payload.votes).filter((v) => v.voter === 0 && v.generation === generation && v.round === 0 && v.ballot === 'Propose')
}

describe('an elder restarted from its store', () => {
  /**
   * Run 1: the node is at generation 1 (the others decided generation 0) and votes for `Left g3`
   * (g3 said it leaves); then it is killed. Run 2: it restarts, is approved again at generation 1
   * as an elder, and g2 says it leaves too: a fresh proposal the node would vote for in round 0.
   */
  async function restartAfterVoting(journalled: boolean) {
    const t = fourElders()
    const [, g1, g2, g3] = t.elders
    const path = join(dir, `elder-${journalled ? 'journal' : 'none'}`)
    let store = LmdbStore.open(path)
    const first = t.subject(journalled ? new StoreBallotJournal(store) : undefined, 'run1')
    first.node.startGenesis(t.keys.share!(0), 10, [g1!, g2!, g3!].map((p) => asMember(p, 50)))
    const decision0 = t.decide(0, [{ kind: 'Joined', member: asMember(t.joiner, 5) }])
    first.deliver(g1!, 'DecisionAnnounce', { decision: decision0 })
    expect(first.node.section?.nextGeneration).toBe(1)
    first.deliver(g3!, 'Leaving', {})
    const before = ownVotes(first, 1)
    expect(before.length).toBeGreaterThan(0)
    first.node.crash()
    await store.close()

    store = LmdbStore.open(path)
    const second = t.subject(journalled ? new StoreBallotJournal(store) : undefined, 'run2')
    second.node.restore({ tree: [] }, [{ share: t.keys.share!(0), keySet: t.keys.keySet }])
    second.node.startJoining()
    const members = [t.elders[0]!, g1!, g2!, g3!].map((p) => asMember(p, p.addr === 's' ? 10 : 50))
    second.deliver(g1!, 'JoinApproved', {
      decision: decision0, sap: t.genesis.toWire(), proofChain: new ProofChain(t.genesis.sap.sectionKey()).toWire(),
      members: [...members, asMember(t.joiner, 5)].map(memberToWire), nextGeneration: 1,
    }, second.dstFor(t.genesis.sap.sectionKey().toBytes()))
    expect(second.node.isElder).toBe(true)
    second.deliver(g2!, 'Leaving', {})
    // Its ballots go out again with the next gossip.
    second.fire('agreement', DEFAULT_TIMING.gossipIntervalMs, 'gossip')
    const after = ownVotes(second, 1)
    await store.close()
    return { before, after }
  }

  it('casts again the round-0 vote it had cast, not one for what it hears of after the restart', async () => {
    const { before, after } = await restartAfterVoting(true)
    expect(after.length).toBeGreaterThan(0)
    for (const v of after) expect(v.proposals.map(toHex)).toEqual(before[0]!.proposals.map(toHex))
  })

  it('without the journal it equivocates: a different round-0 vote in the same generation (the check can fail)', async () => {
    const { before, after } = await restartAfterVoting(false)
    expect(after.length).toBeGreaterThan(0)
    expect(after.some((v) => v.proposals.map(toHex).join() !== before[0]!.proposals.map(toHex).join())).toBe(true)
  })
})

/** The join's retry timer, however long its round waits (5 s, 5 s, then 10 s: the backoff). */
const retry = (s: Subject) => s.fire('member', (ms) => ms !== SECTION_TIMING.tryJoinLaterMs, 'join retry')

describe('an elder whose fellow elders are all down', () => {
  /** The node, an elder at generation 1 (its store says so), restarted and asking to rejoin. */
  function restarted() {
    const t = fourElders()
    const [, g1, g2, g3] = t.elders
    const first = t.subject(undefined, 'run1')
    first.node.startGenesis(t.keys.share!(0), 10, [g1!, g2!, g3!].map((p) => asMember(p, 50)))
    const decision0 = t.decide(0, [{ kind: 'Joined', member: asMember(t.joiner, 5) }])
    first.deliver(g1!, 'DecisionAnnounce', { decision: decision0 })
    expect(first.node.section?.nextGeneration).toBe(1)
    const knowledge = first.node.knowledge()
    first.node.crash()
    const s = t.subject(undefined, 'run2')
    s.node.restore(knowledge, [{ share: t.keys.share!(0), keySet: t.keys.keySet }])
    s.node.startJoining()
    return { t, s, others: [g1!, g2!, g3!], decision0 }
  }

  /** Proposals of `Left` the node has voted for. */
  const lefts = (s: Subject) => s.sentOf('AgreementVotes').flatMap((m) => m.payload.votes).flatMap((v) => v.proposals).map(decodeChange).filter((c) => c?.kind === 'Left')
  /** Advances the node's clock by `ms`, firing its elder watch timer every interval on the way. */
  const watchFor = (s: Subject, ms: number) => {
    const watch = SECTION_TIMING.probeIntervalMs
    for (let t = 0; t < ms; t += watch) {
      s.advance(watch)
      s.fire('elder', watch, 'watch')
    }
  }


  it('resumes from its store after 3 unanswered join requests, and catches up from the others', () => {
    const { t, s, others } = restarted()
    // It asks every fellow elder, not only the 3 closest to its name.
    expect(s.sentOf('JoinRequest').flatMap((m) => m.to).sort()).toEqual(others.map((p) => p.addr).sort())
    retry(s)
    retry(s)
    expect(s.node.role).toBe('joining')
    const mark = s.sent.length
    retry(s)
    expect(s.node.role).toBe('elder')
    expect(s.node.section?.nextGeneration).toBe(1)
    expect(s.node.section?.members.has(t.joiner.keypair.name)).toBe(true)
    expect(s.node.stats.resumed).toBe(1)
    const asked = s.sentOf('DecisionRequest', mark)
    expect(asked.flatMap((m) => m.to).sort()).toEqual(others.map((p) => p.addr).sort())
    expect(asked.every((m) => m.payload.generation === 1)).toBe(true)

    // A decision it had missed comes back from a fellow elder: it takes it and asks for the next.
    const mark2 = s.sent.length
    const y: Peer = { keypair: NodeKeypair.fromSeed(new Uint8Array(32).fill(9)), addr: 'y' }
    s.deliver(others[0]!, 'DecisionAnnounce', { decision: t.decide(1, [{ kind: 'Joined', member: asMember(y, 5) }]) })
    expect(s.node.section?.nextGeneration).toBe(2)
    expect(s.node.section?.members.has(y.keypair.name)).toBe(true)
    expect(s.sentOf('DecisionRequest', mark2).every((m) => m.payload.generation === 2)).toBe(true)
    expect(s.sentOf('DecisionRequest', mark2).length).toBeGreaterThan(0)

    // A member it knows is approved again at once; a joiner it does not know is not answered yet.
    const mark3 = s.sent.length
    s.deliver(t.joiner, 'JoinRequest', { addr: t.joiner.addr }, { name: t.joiner.keypair.name.bytes, sectionKey: t.genesis.sap.sectionKey().toBytes() })
    expect(s.sentOf('JoinApproved', mark3).map((m) => m.to)).toEqual([[t.joiner.addr]])
    const z: Peer = { keypair: NodeKeypair.fromSeed(new Uint8Array(32).fill(10)), addr: 'z' }
    s.deliver(z, 'JoinRequest', { addr: z.addr }, { name: z.keypair.name.bytes, sectionKey: t.genesis.sap.sectionKey().toBytes() })
    expect(s.refused).toContain('join-while-resuming')
    expect(s.sent.slice(mark3).filter((m) => m.to.includes('z'))).toEqual([])
  })

  it('counts its members\' silence only from SECTION_TIMING.resumeGraceMs after it resumed: they start again over a while', () => {
    const { s } = restarted()
    for (let i = 0; i < 3; i++) retry(s)
    expect(s.node.role).toBe('elder')
    // Nobody is heard from: a live section would vote off after silenceMs; resumed, it waits.
    watchFor(s, SECTION_TIMING.resumeGraceMs)
    expect(lefts(s)).toEqual([])
    watchFor(s, SECTION_TIMING.silenceMs + 2 * SECTION_TIMING.probeIntervalMs)
    expect(lefts(s).length).toBeGreaterThan(0)
  })

  it('approved again by an elder in its resume grace, of a section that decided nothing since its store (it stopped with it), it waits alike; by one that never stopped, or moved on, it does not', () => {
    // [nextGeneration, the approver's grace left, graced?]: a CI churn run restarted one elder for
    // 2 s; approved by fellow elders that never stopped, it took 120 s of grace and the node that
    // died meanwhile stayed a member for 150 s.
    for (const [nextGeneration, graceMs, graced] of [[1, 100_000, true], [1, undefined, false], [2, 100_000, false]] as const) {
      const { t, s, others, decision0 } = restarted()
      const members = [t.elders[0]!, ...others].map((p) => asMember(p, p.addr === 's' ? 10 : 50))
      s.deliver(others[0]!, 'JoinApproved', {
        decision: decision0, sap: t.genesis.toWire(), proofChain: new ProofChain(t.genesis.sap.sectionKey()).toWire(),
        members: [...members, asMember(t.joiner, 5)].map(memberToWire), nextGeneration, ...(graceMs === undefined ? {} : { graceMs }),
      }, s.dstFor(t.genesis.sap.sectionKey().toBytes()))
      expect(s.node.role).toBe('elder')
      watchFor(s, SECTION_TIMING.silenceMs + 2 * SECTION_TIMING.probeIntervalMs)
      expect(lefts(s).length > 0).toBe(!graced)
    }
  })

  it('approved by a section that has names, it neither votes for a claim nor signs a record until its names are in', () => {
    const { t, s, others, decision0 } = restarted()
    const members = [t.elders[0]!, ...others].map((p) => asMember(p, p.addr === 's' ? 10 : 50))
    s.deliver(others[0]!, 'JoinApproved', {
      decision: decision0, sap: t.genesis.toWire(), proofChain: new ProofChain(t.genesis.sap.sectionKey()).toWire(),
      members: [...members, asMember(t.joiner, 5)].map(memberToWire), nextGeneration: 1, names: 3,
    }, s.dstFor(t.genesis.sap.sectionKey().toBytes()))
    expect(s.node.role).toBe('elder')
    expect(s.node.sectionRegistry.complete).toBe(false)
    // It asked f + 1 fellow elders for the names.
    expect(s.sentOf('NamesRequest').flatMap((m) => m.to)).toHaveLength(3)
    // The section decided three names before (signed by its key): this elder does not know them yet.
    const owner = NodeKeypair.fromSeed(new Uint8Array(32).fill(9))
    const decided = signedDecision(t.keys, 0, ['a', 'b', 'c'].map((name) => ({ kind: 'NameClaim' as const, ...signClaim(owner, name) })))
    const dst = (name: string) => ({ name: nameXor(name).bytes, sectionKey: t.genesis.sap.sectionKey().toBytes() })
    let mark = s.sent.length
    s.deliver(t.joiner, 'NameRegister', signClaim(t.joiner.keypair, 'a'), dst('a'))
    s.deliver(t.joiner, 'NameLookup', { name: 'a' }, dst('a'))
    expect(s.sentOf('NameAnswer', mark).map((m) => m.payload.answer._tag)).toEqual(['Pending', 'Pending'])
    expect(s.refused.filter((r) => r === 'name-table-incomplete')).toHaveLength(2)
    expect(s.node.names.counts.nameShares).toBe(0)
    // Its sources answer: the names are in, checked against the section key; now it signs a's owner.
    const proof = { sectionKey: t.genesis.sap.sectionKey().toBytes(), generation: decided.generation, proposals: decided.proposals, signature: decided.signature }
    // One source's last page is not enough (it may be a Byzantine elder's, empty): f + 1 are.
    const asked = s.sentOf('NamesRequest').flatMap((m) => m.to)
    const source = (addr: string) => others.find((o) => o.addr === addr)!
    s.deliver(source(asked[0]!), 'NamesPage', { proofs: [], more: false })
    s.deliver(source(asked[1]!), 'NamesPage', { proofs: [proof], more: false })
    expect(s.node.sectionRegistry.complete).toBe(false)
    s.deliver(source(asked[2]!), 'NamesPage', { proofs: [], more: false })
    expect(s.node.sectionRegistry.complete).toBe(true)
    mark = s.sent.length
    s.deliver(t.joiner, 'NameRegister', signClaim(t.joiner.keypair, 'a'), dst('a'))
    const answers = s.sentOf('NameAnswer', mark)
    expect(answers.map((m) => m.payload.answer._tag)).toEqual(['Share'])
    const share = answers[0]!.payload.answer
    expect(share._tag === 'Share' && Buffer.from(share.owner).equals(Buffer.from(owner.publicKey.bytes))).toBe(true)
  })

  it('does not resume while a fellow elder answers: it waits to be approved', () => {
    const { s, others } = restarted()
    s.deliver(others[0]!, 'JoinResponse', { verdict: { _tag: 'TryJoinLater' } }, s.dstFor(s.node.tree.sectionFor(s.node.name)!.sap.sectionKey().toBytes()))
    // Its join timers fire (TryJoinLater's wait, then retries) as often as it takes to resume otherwise.
    for (let i = 0; i < 5; i++) s.fire('member', () => true, 'join timer')
    expect(s.sentOf('JoinRequest').length).toBeGreaterThan(3)
    expect(s.node.role).toBe('joining')
    expect(s.node.stats.resumed).toBe(0)
  })
})

describe('an approval a joiner can check', () => {
  it('carries a decision signed by the section key or its parent, not the join decided two keys ago', () => {
    // Stored: x joined at generation 0 under K0; handovers to K1 (generation 1) and K2 (generation 2).
    const random = new SeededRandom(31)
    const founders = Array.from({ length: 4 }, () => NodeKeypair.fromSeed(random.bytes(32))).sort((a, b) => a.name.compare(b.name))
    const elders: Peer[] = founders.map((keypair, i) => ({ keypair, addr: i === 0 ? 's' : `g${i}` }))
    const x: Peer = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'x' }
    const [k0, k1, k2] = [dealKeys(threshold(4), random), dealKeys(threshold(4), random), dealKeys(threshold(4), random)]
    const [sap0, sap1, sap2] = [signedSap(k0, elders, 0), signedSap(k1, elders, 1), signedSap(k2, elders, 2)]
    const chain = extendChain(extendChain(new ProofChain(sap0.sap.sectionKey()), k0, sap1), k1, sap2)
    const members = [...elders.map((p, i) => asMember(p, i === 0 ? 10 : 50)), asMember(x, 5)]
    const decisions = [
      signedDecision(k0, 0, [{ kind: 'Joined', member: asMember(x, 5) }]),
      signedDecision(k0, 1, [{ kind: 'Handover', sap: sap1 }]),
      signedDecision(k1, 2, [{ kind: 'Handover', sap: sap2 }]),
    ]
    const s = new Subject({ addr: 's', keypair: founders[0]!, params: PARAMS, genesis: sap0, random: random.fork('subject') })
    s.node.restore({
      tree: [{ sap: encodeOwn(SignedSapWire, sap2.toWire()), chain: encodeOwn(ProofChainWire, chain.toWire()) }],
      section: {
        sap: encodeOwn(SignedSapWire, sap2.toWire()),
        members: members.map((m) => encodeOwn(MemberWire, memberToWire(m))),
        nextGeneration: 3,
        decisions: decisions.map((d) => encodeOwn(DecisionWire, d)),
      },
    }, [{ share: k2.share!(0), keySet: k2.keySet }])
    s.node.startJoining()
    for (let i = 0; i < 3; i++) retry(s)
    expect(s.node.role).toBe('elder')

    const mark = s.sent.length
    s.deliver(x, 'JoinRequest', { addr: x.addr }, { name: x.keypair.name.bytes, sectionKey: sap2.sap.sectionKey().toBytes() })
    const approval = s.sentOf('JoinApproved', mark)
    expect(approval).toHaveLength(1)
    // Resumed from its store, it is in its grace, and passes the rest of it on with the approval.
    expect(approval[0]!.payload.graceMs).toBeGreaterThan(SECTION_TIMING.resumeGraceMs - 60_000)
    const decision = approval[0]!.payload.decision
    expect(decision.generation).toBe(2)
    expect(verifyDecision(sap1.sap.sectionKey(), decision)).toBe(true)
  })
})

describe('an elder approved again after a restart (not resumed)', () => {
  it('approves a restarted member with the decision it holds, asks for its newest, and uses that once it has it', () => {
    // K0 → K1 → K2; the section is at generation 4. g1 approves s again with generation 2's
    // decision (signed by K1, the parent: s can check it), so s holds no decision of generation 3.
    const random = new SeededRandom(32)
    const founders = Array.from({ length: 4 }, () => NodeKeypair.fromSeed(random.bytes(32))).sort((a, b) => a.name.compare(b.name))
    const elders: Peer[] = founders.map((keypair, i) => ({ keypair, addr: i === 0 ? 's' : `g${i}` }))
    const [x, y]: Peer[] = ['x', 'y'].map((addr) => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr }))
    const [k0, k1, k2] = [dealKeys(threshold(4), random), dealKeys(threshold(4), random), dealKeys(threshold(4), random)]
    const [sap0, sap1, sap2] = [signedSap(k0, elders, 0), signedSap(k1, elders, 1), signedSap(k2, elders, 2)]
    const chain = extendChain(extendChain(new ProofChain(sap0.sap.sectionKey()), k0, sap1), k1, sap2)
    const members = [...elders.map((p, i) => asMember(p, i === 0 ? 10 : 50)), asMember(x!, 5), asMember(y!, 5)]
    const decision2 = signedDecision(k1, 2, [{ kind: 'Handover', sap: sap2 }])
    const decision3 = signedDecision(k2, 3, [{ kind: 'Joined', member: asMember(y!, 5) }])
    const s = new Subject({ addr: 's', keypair: founders[0]!, params: PARAMS, genesis: sap0, random: random.fork('subject') })
    s.node.restore({ tree: [{ sap: encodeOwn(SignedSapWire, sap2.toWire()), chain: encodeOwn(ProofChainWire, chain.toWire()) }] }, [{ share: k2.share!(0), keySet: k2.keySet }])
    s.node.startJoining()
    let mark = s.sent.length
    s.deliver(elders[1]!, 'JoinApproved', {
      decision: decision2, sap: sap2.toWire(), proofChain: chain.toWire(), members: members.map(memberToWire), nextGeneration: 4,
    }, s.dstFor(sap2.sap.sectionKey().toBytes()))
    expect(s.node.role).toBe('elder')
    expect(s.sentOf('DecisionRequest', mark).map((m) => m.payload.generation)).toContain(3)

    // x restarted too: approved at once, with the one decision s holds (x checks it against K1).
    mark = s.sent.length
    s.deliver(x!, 'JoinRequest', { addr: x!.addr }, { name: x!.keypair.name.bytes, sectionKey: sap2.sap.sectionKey().toBytes() })
    expect(s.sentOf('JoinApproved', mark).map((m) => m.payload.decision.generation)).toEqual([2])

    // Generation 3's decision comes back: kept, and the next approval carries it.
    s.deliver(elders[1]!, 'DecisionAnnounce', { decision: decision3 })
    mark = s.sent.length
    s.deliver(x!, 'JoinRequest', { addr: x!.addr }, { name: x!.keypair.name.bytes, sectionKey: sap2.sap.sectionKey().toBytes() })
    const approval = s.sentOf('JoinApproved', mark)
    expect(approval.map((m) => m.payload.decision.generation)).toEqual([3])
    expect(verifyDecision(sap2.sap.sectionKey(), approval[0]!.payload.decision)).toBe(true)
  })
})
