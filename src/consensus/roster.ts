/**
 * The elders voting on a generation: their node keys (to check ballots) and the section's key
 * set (to check and combine BLS shares). `quorum` is the supermajority ⌊2n/3⌋+1 (5 of 7); tests
 * may weaken it to show the checkers catch what a wrong quorum allows.
 */
import { type NodePublicKey, type PublicKeySet, supermajority } from '../crypto/index.ts'

export interface Roster {
  /** Elders' node keys, by elder index (= BLS share index). */
  readonly elders: ReadonlyArray<NodePublicKey>
  readonly keySet: PublicKeySet
  /** Votes needed for a polka, a lock and a decision. */
  readonly quorum: number
}

export function makeRoster(elders: ReadonlyArray<NodePublicKey>, keySet: PublicKeySet, quorum = supermajority(elders.length)): Roster {
  return { elders, keySet, quorum }
}

/** Most Byzantine elders the quorum tolerates: n − quorum (2 of 7). */
export function faultTolerance(roster: Roster): number {
  return roster.elders.length - roster.quorum
}
