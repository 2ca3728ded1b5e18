/**
 * Simulated clients (issue 4): each knows the genesis SAP and a few bootstrap addresses (as a
 * contacts file lists), asks for a random name, and follows Retry / Redirect by anti-entropy
 * alone until the responsible section answers. A peer that stays silent (crashed, or not a member
 * any more: the genesis node may be relocating) is passed over for the next.
 */
import { Result } from 'effect'
import { ClientSession } from '../../client/session.ts'
import type { NetworkParameters } from '../../consensus/index.ts'
import { NodeKeypair } from '../../crypto/index.ts'
import { onBounce, SectionTree, type SignedSap, decodeSapAndChain } from '../../knowledge/index.ts'
import { clientAuthority, decode, type Dst, seal, verifyPeerAuthority } from '../../wire/index.ts'
import { XorName } from '../../xor/index.ts'
import type { SimNetwork } from '../network.ts'
import type { SeededRandom } from '../random.ts'
import type { Scheduler } from '../scheduler.ts'
import type { SectionSummary } from './health.ts'

/** How long a client waits for an answer in all, and for any reply before it asks the next elder. */
export const CLIENT_DEADLINE_MS = 30_000
export const CLIENT_RETRY_MS = 5_000
/** Bootstrap addresses a client knows besides the genesis elders: the first nodes started. */
export const CLIENT_BOOTSTRAP_PEERS = 8

/** Where the scenarios' client sessions live: the network, its clock and randomness, genesis, and the peers to ask first. */
export interface ClientWorld {
  readonly network: SimNetwork
  readonly scheduler: Scheduler
  readonly random: SeededRandom
  readonly genesis: SignedSap
  readonly params: NetworkParameters
  /** The addresses a client knows besides genesis (the first nodes'). */
  readonly bootstrap: () => ReadonlyArray<string>
}

/** A client session (the one a real client runs) at endpoint `id`. */
export function simSession(world: ClientWorld, id: string): ClientSession {
  return new ClientSession({
    transport: world.network.endpoint(id),
    clock: world.scheduler,
    keypair: NodeKeypair.fromSeed(world.random.bytes(32)),
    randomBytes: world.random.fork(id).byteSource(),
    genesis: world.genesis,
    params: world.params,
    bootstrap: world.bootstrap(),
  })
}

/** A client that got no answer: where it was when it gave up. */
export interface UnansweredClient {
  readonly client: string
  readonly target: string
  readonly hops: number
  readonly lastPeer: string
  readonly responsible: string
}

/** Clients that know only genesis: each asks for a random name, following Retry/Redirect. */
export function runClients(
  count: number,
  random: SeededRandom,
  network: SimNetwork,
  scheduler: Scheduler,
  genesis: SignedSap,
  sections: ReadonlyArray<SectionSummary>,
  bootstrap: ReadonlyArray<string> = [],
): { hopsMax: number; answered: number; retries: number; unanswered: UnansweredClient[] } {
  const unanswered: UnansweredClient[] = []
  let hopsMax = 0
  let answered = 0
  let retries = 0
  for (let i = 0; i < count; i++) {
    const keypair = NodeKeypair.fromSeed(random.bytes(32))
    const transport = network.endpoint(`client${i}`)
    const tree = SectionTree.fromGenesis(genesis)
    const target = XorName.fromBytes(random.bytes(32))
    let hops = 0
    let done = false
    let sentWithKey = genesis.sap.sectionKey()
    let lastPeer = ''
    let lastSendAt = scheduler.now
    // The elders of the SAP we send under, closest to the target first: a silent one (crashed,
    // or named by a stale SAP a peer redirected us with) is passed over for the next.
    let candidates: string[] = []
    const send = (peer: string): void => {
      lastPeer = peer
      lastSendAt = scheduler.now
      const dst: Dst = { name: target.bytes, sectionKey: sentWithKey.toBytes() }
      const sealed = seal({ msgId: random.bytes(32), kind: 'ClientQuery', dst, payload: {} }, clientAuthority(keypair))
      if (Result.isSuccess(sealed)) transport.send(peer, sealed.success.frame)
    }
    // Found with `--nodes 300 --seed 2 --partition`: the genesis node was relocating at the end and
    // all 20 clients, knowing only it, heard nothing. The bootstrap peers come after the elders.
    const byDistance = (sap: SignedSap): string[] => {
      const elders = [...sap.sap.elders].sort((a, b) => target.compareDistance(a.name, b.name)).map((e) => e.addr)
      return [...elders, ...bootstrap.filter((addr) => !elders.includes(addr))]
    }
    transport.onFrame((_from, frame) => {
      const decoded = decode(frame)
      if (Result.isFailure(decoded) || Result.isFailure(verifyPeerAuthority(decoded.success.envelope))) return
      const message = decoded.success
      if (message.kind === 'ClientAnswer') {
        done = true
        return
      }
      if (message.kind !== 'AeRetry' && message.kind !== 'AeRedirect') return
      const bounce = decodeSapAndChain(message.payload)
      if (bounce === undefined) return
      const { sap, chain } = bounce
      hops++
      // Clients follow as many bounces as the prefix depth needs (bounded well above it).
      const next = onBounce({ tree, answer: { kind: message.kind === 'AeRetry' ? 'retry' : 'redirect', sap, chain }, dstName: target, sentWithKey, attempt: hops - 1, resendLimit: 64 })
      if (next.action === 'drop') return
      sentWithKey = next.sectionKey
      if (next.to !== 'same-node') candidates = byDistance(sap)
      send(next.to === 'same-node' ? lastPeer : sap.sap.elders.find((e) => e.name.equals(next.to as XorName))!.addr)
    })
    candidates = byDistance(genesis)
    send(candidates[0]!)
    const deadline = scheduler.now + CLIENT_DEADLINE_MS
    while (!done && scheduler.now < deadline) {
      // The client's own timer (a network with nothing else scheduled still moves on to it).
      const wake = scheduler.schedule(Math.min(deadline, lastSendAt + CLIENT_RETRY_MS) - scheduler.now, () => {})
      scheduler.run({ maxTimeMs: Math.min(deadline, lastSendAt + CLIENT_RETRY_MS), until: () => done })
      scheduler.cancel(wake)
      if (done || scheduler.now < lastSendAt + CLIENT_RETRY_MS || scheduler.now >= deadline) continue
      // Silence: the next elder of the same SAP, under the same key.
      retries++
      send(candidates[(candidates.indexOf(lastPeer) + 1) % candidates.length]!)
    }
    if (!done) unanswered.push({ client: `client${i}`, target: target.toHex().slice(0, 8), hops, lastPeer, responsible: sections.find((s) => s.prefix.matches(target))?.prefix.toString() ?? '?' })
    if (done) {
      answered++
      const responsible = sections.find((s) => s.prefix.matches(target))
      if (responsible !== undefined && tree.sectionFor(target)?.sap.prefix.equals(responsible.prefix) !== true) hopsMax = Math.max(hopsMax, 99)
      hopsMax = Math.max(hopsMax, hops)
    }
  }
  return { hopsMax, answered, retries, unanswered }
}
