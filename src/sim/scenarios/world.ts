/**
 * The world both section scenarios start from: n elders with seeded node keys and a section key
 * set, on a simulated network whose faults stop at `faultsUntilMs`, each behind a WirePeer.
 */
import { Result } from 'effect'
import { makeRoster, type Roster } from '../../consensus/index.ts'
import { NodeKeypair, SecretKeySet, threshold } from '../../crypto/index.ts'
import type { PeerId } from '../../transport/transport.ts'
import { type Message, nodeAuthority, seal } from '../../wire/index.ts'
import { SimNetwork } from '../network.ts'
import { SeededRandom } from '../random.ts'
import { Scheduler } from '../scheduler.ts'
import { WirePeer } from '../../transport/wire-peer.ts'

export interface World {
  readonly random: SeededRandom
  readonly scheduler: Scheduler
  readonly network: SimNetwork
  readonly keypairs: ReadonlyArray<NodeKeypair>
  readonly keySet: SecretKeySet
  readonly roster: Roster
  readonly peers: ReadonlyArray<PeerId>
  readonly wire: ReadonlyArray<WirePeer>
}

export function createWorld(seed: number, options: { elders: number; drop: number; faultsUntilMs: number; quorum?: number | undefined }): World {
  const n = options.elders
  const random = new SeededRandom(seed)
  const scheduler = new Scheduler()
  const network = new SimNetwork({
    scheduler,
    random: random.fork('network'),
    link: { minDelayMs: 5, maxDelayMs: 60, drop: options.drop, duplicate: options.drop / 4, reorder: options.drop / 2 },
    stableAfterMs: options.faultsUntilMs,
  })
  const keyRandom = random.fork('keys')
  const keypairs = Array.from({ length: n }, () => NodeKeypair.fromSeed(keyRandom.bytes(32)))
  // A weakened quorum weakens the key with it: q shares must be able to sign a decision.
  const keySet = SecretKeySet.random(options.quorum === undefined ? threshold(n) : options.quorum - 1, keyRandom.byteSource())
  const roster = makeRoster(keypairs.map((k) => k.publicKey), keySet.publicKeys(), options.quorum)
  const peers = keypairs.map((k) => k.name.toHex())
  const dst = { name: new Uint8Array(32), sectionKey: roster.keySet.publicKey().toBytes() }
  const msgIds = random.fork('msgids')
  const wire = keypairs.map((keypair, i) => new WirePeer({ transport: network.endpoint(peers[i]!), keypair, msgIds: msgIds.byteSource(), dst }))
  return { random, scheduler, network, keypairs, keySet, roster, peers, wire }
}

/** A copy of `bytes` with its last bit flipped: a signature that no longer verifies. */
export function flip(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[out.length - 1]! ^= 0x01
  return out
}

/** Re-encodes `message` with another payload, signed by `keypair` (for Byzantine interceptors). */
export function reseal(message: Message, payload: unknown, keypair: NodeKeypair, random: SeededRandom, fallback: Uint8Array): Uint8Array {
  const sealed = seal({ msgId: random.bytes(32), kind: message.kind, dst: message.envelope.dst, payload } as never, nodeAuthority(keypair))
  return Result.isSuccess(sealed) ? sealed.success.frame : fallback
}
