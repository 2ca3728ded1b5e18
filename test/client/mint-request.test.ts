/**
 * A client's reissue shares across a handover (issue 20; src/client/elders.ts): the shares of one
 * section key combine only with each other, so an elder whose share the client holds under the key
 * before a handover is asked again under the new one, and the new key's elders are asked, not the
 * old key's. Found with `safenet sim --scenario mint --byzantine 2 --seed 171`: a racer held one
 * elder's share under the old key, was bounced to the new key, and never asked that elder again;
 * the other elders' shares were not enough, and its retries went to nobody until it gave up.
 */
import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { MintRequest } from '../../src/client/mint.ts'
import { ClientSession } from '../../src/client/session.ts'
import { DEFAULT_PARAMETERS } from '../../src/consensus/index.ts'
import { BlsSecretKey, NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { dbcToWire, genesisDbc, inputOf, type MintProof, mintBytes, outputsFor, transactionHash, transactionToWire } from '../../src/dbc/index.ts'
import { ProofChain, type SignedSap } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { Scheduler } from '../../src/sim/scheduler.ts'
import { decode, type Dst, type Kind, nodeAuthority, type PayloadOf, seal } from '../../src/wire/index.ts'
import { dealKeys, extendChain, type HeldKeys, type Peer, signedSap } from '../model/node-harness.ts'

function handover(seed: number) {
  const random = new SeededRandom(seed)
  const [a, b, c] = ['a', 'b', 'c'].map((addr): Peer => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr })) as [Peer, Peer, Peer]
  // Before: elders a and b (2 shares combine); after the handover: a, b and c (2 of 3 combine).
  const k1 = dealKeys(1, random)
  const sap1 = signedSap(k1, [a, b], 0)
  const k2 = dealKeys(1, random)
  const sap2 = signedSap(k2, [a, b, c], 1)
  const chain1 = new ProofChain(sap1.sap.sectionKey())
  const chain2 = extendChain(chain1, k1, sap2)

  const bank = BlsSecretKey.random(random.fork('bank').byteSource())
  const g = genesisDbc(sap1, k1.secret, bank.publicKey(), random.bytes(32))
  const inputs = [inputOf(g.content)]
  const tx = { inputs, outputs: outputsFor(inputs, [{ owner: BlsSecretKey.random(random.byteSource()).publicKey(), amount: g.content.amount, nonce: random.bytes(32) }]) }
  const txHash = transactionHash(tx)

  const clock = new Scheduler()
  const sent: Array<{ to: string; kind: Kind; sectionKey: string; frame: Uint8Array }> = []
  let receive: (from: string, frame: Uint8Array) => void = () => {}
  const session = new ClientSession({
    transport: {
      self: 'client',
      send: (to, frame) => {
        const message = decode(frame)
        if (Result.isSuccess(message)) sent.push({ to, kind: message.success.kind, sectionKey: toHex(message.success.envelope.dst.sectionKey), frame })
      },
      onFrame: (handler) => {
        receive = handler
      },
    },
    clock,
    keypair: NodeKeypair.fromSeed(random.bytes(32)),
    randomBytes: random.fork('client').byteSource(),
    genesis: sap1,
    params: DEFAULT_PARAMETERS,
  })
  const msgIds = random.fork('msgids').byteSource()
  const deliver = <K extends Kind>(from: Peer, kind: K, payload: PayloadOf<K>) => {
    const dst: Dst = { name: new Uint8Array(32), sectionKey: sap1.sap.sectionKey().toBytes() }
    const sealed = seal({ msgId: msgIds(32), kind, dst, payload }, nodeAuthority(from.keypair))
    if (Result.isFailure(sealed)) throw new Error(`the test's ${kind} does not seal`)
    receive(from.addr, sealed.success.frame)
  }
  /** `elder`'s share of the transaction under `sap`'s key. */
  const share = (elder: Peer, sap: SignedSap, keys: HeldKeys, chain: ProofChain) => {
    const index = sap.sap.elders.findIndex((e) => e.name.equals(elder.keypair.name))
    deliver(elder, 'ReissueAnswer', { txHash, answer: { _tag: 'Share', sap: sap.toWire(), proofChain: chain.toWire(), index, share: keys.share!(index).sign(mintBytes(txHash)).toBytes() } })
  }
  const outcome: { value?: Parameters<MintRequest['done']>[0] } = {}
  const request = new MintRequest(session, { transaction: transactionToWire(tx), inputs: [dbcToWire(g)] }, txHash, g.content.owner.toBytes(), (o) => {
    outcome.value = o
  })
  const key = (sap: SignedSap) => toHex(sap.sap.sectionKey().toBytes())
  const advance = (ms: number) => clock.run({ maxTimeMs: clock.now + ms })
  return { a, b, c, sap1, sap2, k1, k2, chain1, chain2, sent, deliver, share, request, outcome, key, advance }
}

const proofKey = (outcome: { value?: { ok: boolean; value?: unknown } }) => {
  const value = outcome.value?.ok === true ? (outcome.value.value as MintProof) : undefined
  return value === undefined || !('sap' in value) ? undefined : toHex(value.sap.sap.sectionKey().toBytes())
}

describe("a reissue's shares across a handover", () => {
  it('asks again under the new key an elder whose share it holds under the old one, and combines the new key\'s shares', () => {
    const { a, b, sap1, sap2, k1, k2, chain1, chain2, sent, deliver, share, request, outcome, key } = handover(171)
    request.start()
    expect(sent.map((s) => [s.to, s.sectionKey]).sort()).toEqual([['a', key(sap1)], ['b', key(sap1)]])
    // a signs under the old key; b has handed over and bounces the request to the new key.
    share(a, sap1, k1, chain1)
    deliver(b, 'AeRetry', { sap: sap2.toWire(), proofChain: chain2.toWire(), bounced: sent.find((s) => s.to === 'b')!.frame })
    const resent = sent.slice(2)
    expect(resent.every((s) => s.kind === 'ReissueRequest' && s.sectionKey === key(sap2))).toBe(true)
    expect(resent.map((s) => s.to).sort()).toEqual(['a', 'b', 'c'])
    // Two shares under the new key combine (c stays silent): a's old share never counted there.
    share(a, sap2, k2, chain2)
    share(b, sap2, k2, chain2)
    expect(outcome.value?.ok).toBe(true)
    expect(proofKey(outcome)).toBe(key(sap2))
  })

  it("asks the new key's elders when a share's SAP moved the client's tree on", () => {
    const { a, c, sap1, sap2, k2, chain2, sent, share, request, outcome, key, advance } = handover(172)
    request.start()
    // a answers under the new key (b stays silent): the client learns the new SAP from the share.
    share(a, sap2, k2, chain2)
    const before = sent.length
    advance(2_500)
    const resent = sent.slice(before)
    expect(resent.map((s) => s.to).sort()).toEqual(['b', 'c'])
    expect(resent.every((s) => s.sectionKey === key(sap2))).toBe(true)
    expect(key(sap1)).not.toBe(key(sap2))
    share(c, sap2, k2, chain2)
    expect(proofKey(outcome)).toBe(key(sap2))
  })
})
