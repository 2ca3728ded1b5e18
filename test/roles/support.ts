/**
 * Nodes for the role spec tests (`*.spec.test.ts`), on the model tests' harness: a node joining a
 * one-elder section the test plays, or the genesis elder of its own network.
 */
import { DEFAULT_PARAMETERS, type NetworkParameters } from '../../src/consensus/index.ts'
import { BlsSecretKey, NodeKeypair } from '../../src/crypto/index.ts'
import { dbcToWire, genesisDbc } from '../../src/dbc/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { dealKeys, signedSap, Subject } from '../model/node-harness.ts'

/** One elder is a section: no split, no half is ever full. */
export const PARAMS: NetworkParameters = { ...DEFAULT_PARAMETERS, elderCount: 1, recommendedSectionSize: 100, maxSectionSize: 200 }

/** A node that has started joining the section of elder `g` (played by the test). */
export function joiningNode(seed: number) {
  const random = new SeededRandom(seed)
  const elder = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'g' }
  const keys = dealKeys(0, random)
  const sap = signedSap(keys, [elder], 0)
  const s = new Subject({ addr: 's', keypair: NodeKeypair.fromSeed(random.bytes(32)), params: PARAMS, genesis: sap, random: random.fork('subject') })
  s.node.startJoining()
  return { s, elder, sap, keys, random, dst: s.dstFor(sap.sap.sectionKey().toBytes()) }
}

/**
 * A node that started a network as its sole elder, and a client the test plays. With `mint`, the
 * network has a genesis DBC, owned by `bank` (its one-time secret).
 */
export function genesisElder(seed: number, options: { readonly mint?: boolean } = {}) {
  const random = new SeededRandom(seed)
  const keypair = NodeKeypair.fromSeed(random.bytes(32))
  const keys = dealKeys(0, random)
  const sap = signedSap(keys, [{ keypair, addr: 's' }], 0)
  const bank = BlsSecretKey.random(random.fork('bank').byteSource())
  const genesis = options.mint === true ? genesisDbc(sap, keys.secret, bank.publicKey(), random.fork('nonce').bytes(32)) : undefined
  const s = new Subject({ addr: 's', keypair, params: PARAMS, genesis: sap, random: random.fork('subject'), ...(genesis === undefined ? {} : { genesisDbc: dbcToWire(genesis) }) })
  s.node.startGenesis(keys.share!(0), 255)
  const client = { keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: 'client' }
  return { s, sap, client, keys, bank, genesis }
}
