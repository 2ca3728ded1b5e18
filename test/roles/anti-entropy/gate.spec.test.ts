import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMETERS, type NetworkParameters } from '../../../src/consensus/index.ts'
import { NodeKeypair, SecretKeySet } from '../../../src/crypto/index.ts'
import { ProofChain } from '../../../src/knowledge/index.ts'
import { SeededRandom } from '../../../src/sim/random.ts'
import { dealKeys, signedSap, Subject } from '../../model/node-harness.ts'

/**
 * The anti-entropy gate (DESIGN.md §9) stated on the wire, apart from the chart that now decides
 * what follows each verdict: a message from outside for our prefix under our key goes on to its
 * role; one under another key is bounced with a Retry; a node that is not a member takes none
 * (counted); a bounce of our own join bringing the key we used (the bounce guard) is not resent.
 */
const PARAMS: NetworkParameters = { ...DEFAULT_PARAMETERS, elderCount: 1, recommendedSectionSize: 100, maxSectionSize: 200 }

function genesisElder() {
  const random = new SeededRandom(3)
  const keypair = NodeKeypair.fromSeed(random.bytes(32))
  const keys = dealKeys(0, random)
  const sap = signedSap(keys, [{ keypair, addr: 's' }], 0)
  const s = new Subject({ addr: 's', keypair, params: PARAMS, genesis: sap, random: random.fork('subject') })
  s.node.startGenesis(keys.share!(0), 255)
  const client = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'client' }
  return { s, sap, client, random }
}

describe('the anti-entropy gate, on the wire', () => {
  it('takes a client query for our prefix under our key: the client is answered', () => {
    const { s, sap, client } = genesisElder()
    s.deliver(client, 'ClientQuery', {}, { name: client.keypair.name.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
    expect(s.sentOf('ClientAnswer').map((m) => m.to)).toEqual([['client']])
  })

  it('bounces a query under a key we moved past or never saw with a Retry: our SAP and the chain to it', () => {
    const { s, sap, client } = genesisElder()
    const stranger = SecretKeySet.random(0).publicKeys().publicKey()
    s.deliver(client, 'ClientQuery', {}, { name: client.keypair.name.bytes, sectionKey: stranger.toBytes() })
    expect(s.sentOf('ClientAnswer')).toEqual([])
    const retries = s.sentOf('AeRetry')
    expect(retries.map((m) => m.to)).toEqual([['client']])
    expect(retries[0]!.payload.sap).toEqual(sap.toWire())
  })

  it('a node that is not a member takes nothing from outside', () => {
    const random = new SeededRandom(4)
    const elder = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'g' }
    const keys = dealKeys(0, random)
    const sap = signedSap(keys, [elder], 0)
    const s = new Subject({ addr: 's', keypair: NodeKeypair.fromSeed(random.bytes(32)), params: PARAMS, genesis: sap, random: random.fork('subject') })
    s.node.startJoining()
    const before = s.sent.length
    s.deliver(elder, 'ClientQuery', {}, { name: elder.keypair.name.bytes, sectionKey: sap.sap.sectionKey().toBytes() })
    expect(s.sent.slice(before)).toEqual([])
    expect(s.refused).toContain('not-a-member')
  })

  it('a bounce of our join that brings the key we used is not resent (the bounce guard); the retry timer sends later', () => {
    const random = new SeededRandom(5)
    const elder = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'g' }
    const keys = dealKeys(0, random)
    const sap = signedSap(keys, [elder], 0)
    const s = new Subject({ addr: 's', keypair: NodeKeypair.fromSeed(random.bytes(32)), params: PARAMS, genesis: sap, random: random.fork('subject') })
    s.node.startJoining()
    const requests = s.sentOf('JoinRequest').length
    s.deliver(elder, 'AeRetry', { sap: sap.toWire(), proofChain: new ProofChain(sap.sap.sectionKey()).toWire(), bounced: new Uint8Array(64) }, s.dstFor(sap.sap.sectionKey().toBytes()))
    expect(s.sentOf('JoinRequest')).toHaveLength(requests)
  })
})
