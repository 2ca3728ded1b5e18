/**
 * Four genesis elders for node tests: the node under test is `s`, elder 0 (node-harness.ts plays
 * it); the other three decide among themselves, with real `Agreement`s, what a test wants decided.
 */
import { Agreement, canonicalProposals, DEFAULT_PARAMETERS, type Decision, type Effects, encodeChange, makeRoster, type MembershipChange, type NetworkParameters } from '../../src/consensus/index.ts'
import { NodeKeypair, threshold } from '../../src/crypto/index.ts'
import type { BallotJournal } from '../../src/roles/elder/ballot-journal.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { dealKeys, type Peer, signedSap, Subject } from '../model/node-harness.ts'

export const PARAMS: NetworkParameters = { ...DEFAULT_PARAMETERS, elderCount: 4, recommendedSectionSize: 100, maxSectionSize: 200 }

export function fourElders(seed = 21) {
  const random = new SeededRandom(seed)
  const founders = Array.from({ length: 4 }, () => NodeKeypair.fromSeed(random.bytes(32))).sort((x, y) => x.name.compare(y.name))
  const elders: Peer[] = founders.map((keypair, i) => ({ keypair, addr: i === 0 ? 's' : `g${i}` }))
  const keys = dealKeys(threshold(4), random)
  const genesis = signedSap(keys, elders, 0)
  const joiner: Peer = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'x' }
  const roster = makeRoster(elders.map((p) => p.keypair.publicKey), keys.keySet)
  const decide = (generation: number, changes: ReadonlyArray<MembershipChange>): Decision => {
    const proposals = canonicalProposals(changes.map(encodeChange))
    const voters = [1, 2, 3].map((self) => new Agreement({
      roster, self, keypair: elders[self]!.keypair, share: keys.share!(self), isValid: () => true,
      proposalsFor: (g) => (g === generation ? proposals : undefined), firstGeneration: generation, lastGeneration: generation,
    }))
    return agree(voters, generation)
  }
  const subject = (ballots: BallotJournal | undefined, seed: string) =>
    new Subject({ addr: 's', keypair: founders[0]!, params: PARAMS, genesis, random: random.fork(seed), ...(ballots === undefined ? {} : { ballots }) })
  return { elders, keys, genesis, joiner, decide, subject }
}

/** Elders exchanging ballots over a perfect broadcast until one generation is decided (`voters[i]` is elder i + 1). */
export function agree(voters: ReadonlyArray<Agreement>, generation: number): Decision {
  const queue: Array<{ from: number; effects: Effects }> = voters.map((v, from) => ({ from, effects: v.start() }))
  for (let step = 0; step < 10_000; step++) {
    const decided = voters.find((v) => v.decision(generation) !== undefined)?.decision(generation)
    if (decided !== undefined) return decided
    const next = queue.shift()
    if (next === undefined) {
      voters.forEach((v, from) => queue.push({ from, effects: v.roundTimeout() }))
      continue
    }
    for (const ballot of next.effects.broadcast) {
      voters.forEach((v, i) => { if (i !== next.from) queue.push({ from: i, effects: v.onVotes(next.from + 1, ballot.votes, ballot.supermajorities) }) })
    }
  }
  throw new Error('the other elders did not decide')
}
