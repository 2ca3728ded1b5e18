import { describe, expect, it } from 'vitest'
import { type Bundle, type DkgMisbehaviour, DkgSession, dkgSessionId } from '../../src/consensus/index.ts'
import { NodeKeypair, threshold } from '../../src/crypto/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { Prefix } from '../../src/xor/index.ts'

/** Runs a session among `n` candidates over a perfect broadcast until nothing more is said. */
function runSession(n: number, options: { misbehaviour?: Map<number, DkgMisbehaviour>; silent?: Set<number>; checkShares?: boolean } = {}) {
  const random = new SeededRandom(99)
  const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(random.bytes(32)))
  const sessionId = dkgSessionId(Prefix.EMPTY, keypairs.map((k) => k.name.bytes), 1, 1)
  const sessions = keypairs.map((keypair, self) => new DkgSession({
    sessionId, candidates: keypairs.map((k) => k.publicKey), self, keypair, threshold: threshold(n),
    randomBytes: random.fork(`dealer-${self}`).byteSource(),
    ...(options.checkShares === undefined ? {} : { checkShares: options.checkShares }),
    ...(options.misbehaviour?.get(self) === undefined ? {} : { misbehaviour: options.misbehaviour.get(self)! }),
  }))
  const queue: Array<{ from: number; bundle: Bundle }> = []
  sessions.forEach((s, i) => { if (!options.silent?.has(i)) queue.push({ from: i, bundle: s.start() }) })
  for (let steps = 0; queue.length > 0 && steps < 10_000; steps++) {
    const { from, bundle } = queue.shift()!
    sessions.forEach((s, i) => {
      if (i === from || options.silent?.has(i)) return
      const answer = s.receive(bundle)
      if (answer.parts.length + answer.acks.length + answer.justifications.length > 0) queue.push({ from: i, bundle: answer })
    })
  }
  return sessions
}

describe('DkgSession (Joint-Feldman over signed, relayable messages)', () => {
  it('7 honest candidates all complete with one key set, and their shares match it', () => {
    const sessions = runSession(7)
    const keySet = sessions[0]!.result!.publicKeySet
    for (const s of sessions) {
      expect(s.result).toBeDefined()
      expect(s.result!.publicKeySet.equals(keySet)).toBe(true)
      expect(s.result!.secretKeyShare.publicKeyShare().equals(keySet.publicKeyShare(s.self))).toBe(true)
    }
  })

  it('false complaints are answered by revealed shares, and the session still completes', () => {
    const sessions = runSession(7, { misbehaviour: new Map([[2, { complainAboutAll: true }]]) })
    expect(sessions.every((s) => s.result !== undefined)).toBe(true)
    expect(new Set(sessions.map((s) => s.result!.publicKeySet.publicKey().toHex())).size).toBe(1)
  })

  it('a dealer of bad shares that will not answer blocks completion and is named', () => {
    const sessions = runSession(7, { misbehaviour: new Map([[4, { badSharesTo: new Set([0, 1, 2]) }]]) })
    expect(sessions[0]!.result).toBeUndefined()
    expect(sessions[0]!.nonParticipants().get(4)).toBe('unanswered-complaint')
    expect([...sessions[0]!.nonParticipants().keys()]).toEqual([4])
  })

  it('a silent candidate blocks completion and is named', () => {
    const sessions = runSession(7, { silent: new Set([6]) })
    expect(sessions[0]!.result).toBeUndefined()
    expect(sessions[0]!.nonParticipants().get(6)).toBe('no-part')
  })

  it('with share checks off, a bad dealer gets through and keys no longer match their key set', () => {
    const sessions = runSession(7, { checkShares: false, misbehaviour: new Map([[4, { badSharesTo: new Set([0]) }]]) })
    const honest = sessions[0]!
    expect(honest.result).toBeDefined()
    expect(honest.result!.secretKeyShare.publicKeyShare().equals(honest.result!.publicKeySet.publicKeyShare(0))).toBe(false)
  })

  it('catch-up: a candidate that heard nothing gets every message from one peer', () => {
    const sessions = runSession(7)
    const late = sessions[3]!
    const answer = sessions[1]!.answerCatchUp({ ...late.catchUpRequest(), parts: [], acks: [], justifications: [] })
    expect(answer?.parts).toHaveLength(7)
    expect(answer?.acks.length).toBeGreaterThanOrEqual(6)
    expect(sessions[1]!.answerCatchUp(sessions[1]!.catchUpRequest())).toBeUndefined()
  })
})

describe('DkgSession against a participant that tells different peers different verdicts', () => {
  it('every honest participant still completes with the same key, and the liar is named', () => {
    const n = 4
    const random = new SeededRandom(7)
    const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(random.bytes(32)))
    const sessionId = dkgSessionId(Prefix.EMPTY, keypairs.map((k) => k.name.bytes), 1, 1)
    const make = (self: number, misbehaviour?: DkgMisbehaviour) => new DkgSession({
      sessionId, candidates: keypairs.map((k) => k.publicKey), self, keypair: keypairs[self]!, threshold: threshold(n),
      randomBytes: random.fork(`d${self}-${misbehaviour === undefined ? 'a' : 'b'}`).byteSource(),
      ...(misbehaviour === undefined ? {} : { misbehaviour }),
    })
    const sessions = [make(0), make(1), make(2), make(3)]
    // Participant 3's twin signs the same Part but complains about every dealer: node 2 gets its
    // verdicts, nodes 0 and 1 get the honest ones.
    const twin = make(3, { complainAboutAll: true })
    const queue: Array<{ to: number; bundle: Bundle }> = []
    const send = (from: number, bundle: Bundle) => {
      for (let to = 0; to < n; to++) if (to !== from) queue.push({ to, bundle })
    }
    const honestPart = sessions[3]!.start()
    for (let i = 0; i < 3; i++) send(i, sessions[i]!.start())
    send(3, honestPart)
    twin.receive(honestPart)
    for (let steps = 0; queue.length > 0 && steps < 20_000; steps++) {
      const { to, bundle } = queue.shift()!
      const answer = sessions[to]!.receive(bundle)
      if (to === 3) {
        const lie = twin.receive(bundle)
        const honest = answer
        for (let peer = 0; peer < 3; peer++) {
          const chosen = peer === 2 ? { ...lie, parts: [] } : honest
          if (chosen.parts.length + chosen.acks.length + chosen.justifications.length > 0) queue.push({ to: peer, bundle: chosen })
        }
      } else if (answer.parts.length + answer.acks.length + answer.justifications.length > 0) {
        send(to, answer)
      }
      // Catch-up between the honest ones, as gossip would do.
      if (queue.length === 0) {
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
          if (a === b) continue
          const reply = sessions[b]!.answerCatchUp(sessions[a]!.catchUpRequest())
          if (reply !== undefined) queue.push({ to: a, bundle: reply })
        }
      }
    }
    const keys = [0, 1, 2].map((i) => sessions[i]!.result?.publicKeySet.publicKey().toHex())
    expect(keys.every((k) => k !== undefined && k === keys[0])).toBe(true)
    expect(sessions[2]!.nonParticipants().get(3)).toBe('equivocated')
  })
})
