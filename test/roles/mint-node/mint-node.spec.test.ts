/**
 * The MintNode role (issue 20) stated on the wire, apart from its chart: the genesis elder of its
 * own network (one elder: its share is the section key) and the clients the test plays. A spend of
 * the genesis DBC is written, decided and answered `Recorded` with a proof the client can check; a
 * second transaction for the key is `DoubleSpend` carrying the first; the decided transaction gets
 * a share that verifies, the same share when asked again; the other transaction gets none.
 */
import { describe, expect, it } from 'vitest'
import { BlsSecretKey, NodeKeypair, toHex } from '../../../src/crypto/index.ts'
import { dbcToWire, inputOf, mintBytes, outputsFor, signSpend, spendName, type Transaction, transactionHash, transactionToWire } from '../../../src/dbc/index.ts'
import { BlsSignature } from '../../../src/crypto/index.ts'
import { DEFAULT_TIMING } from '../../../src/consensus/index.ts'
import { genesisElder } from '../support.ts'

function mintNode(seed: number) {
  const { s, sap, client, bank, genesis } = genesisElder(seed, { mint: true })
  const g = genesis!
  const pay = (amount: bigint): Transaction => {
    const inputs = [inputOf(g.content)]
    const owner = BlsSecretKey.random().publicKey()
    const rest = BlsSecretKey.random().publicKey()
    return { inputs, outputs: outputsFor(inputs, [{ owner, amount, nonce: crypto.getRandomValues(new Uint8Array(32)) }, { owner: rest, amount: g.content.amount - amount, nonce: crypto.getRandomValues(new Uint8Array(32)) }]) }
  }
  const dst = { name: spendName(g.content.owner.toBytes()).bytes, sectionKey: sap.sap.sectionKey().toBytes() }
  const write = (tx: Transaction, from = client) => s.deliver(from, 'SpendWrite', { transaction: transactionToWire(tx), input: dbcToWire(g), signature: signSpend(bank, transactionHash(tx)).signature }, dst)
  const reissue = (tx: Transaction, from = client) => s.deliver(from, 'ReissueRequest', { transaction: transactionToWire(tx), inputs: [dbcToWire(g)] }, dst)
  return { s, sap, client, g, pay, write, reissue, dst }
}

describe('the mint-node role', () => {
  it('records the first spend of a key, refuses a second with the first entry, and signs only the recorded transaction, the same share each time', () => {
    const { s, sap, pay, write, reissue } = mintNode(1)
    const first = pay(5n)
    const second = pay(7n)
    write(first)
    expect(s.sentOf('SpendAnswer').map((m) => m.payload.answer._tag)).toEqual(['Pending'])
    // A lone elder decides on its next gossip tick: then Recorded, as the decision is applied.
    s.fire('agreement', DEFAULT_TIMING.gossipIntervalMs, 'gossip')
    const answers = s.sentOf('SpendAnswer').map((m) => m.payload.answer)
    expect(answers.map((a) => a._tag)).toEqual(['Pending', 'Recorded'])
    const recorded = answers[1]! as Extract<typeof answers[number], { _tag: 'Recorded' }>
    expect(toHex(recorded.entry.txHash)).toBe(toHex(transactionHash(first)))

    const mark = s.sent.length
    write(second, { keypair: NodeKeypair.generate(), addr: 'thief' })
    const [refused] = s.sentOf('SpendAnswer', mark)
    expect(refused?.to).toEqual(['thief'])
    expect(refused?.payload.answer).toMatchObject({ _tag: 'DoubleSpend' })
    expect(toHex((refused!.payload.answer as typeof recorded).entry.txHash)).toBe(toHex(transactionHash(first)))

    const before = s.sent.length
    reissue(first)
    reissue(first)
    const shares = s.sentOf('ReissueAnswer', before).map((m) => m.payload.answer)
    expect(shares.map((a) => a._tag)).toEqual(['Share', 'Share'])
    const [a, b] = shares as Array<Extract<typeof shares[number], { _tag: 'Share' }>>
    expect(toHex(a!.share)).toBe(toHex(b!.share))
    expect(sap.sap.sectionKey().verify(mintBytes(transactionHash(first)), BlsSignature.fromBytes(a!.share))).toBe(true)

    const after = s.sent.length
    reissue(second)
    const [other] = s.sentOf('ReissueAnswer', after)
    expect(other?.payload.answer).toMatchObject({ _tag: 'DoubleSpend' })
    expect(s.node.mint.counts).toMatchObject({ shares: 1, spendsProposed: 1 })
  })

  it('refuses a write not signed by the key it spends, a DBC that is not valid, and a reissue before its entry is decided', () => {
    const { s, g, pay, dst, client, reissue } = mintNode(2)
    const tx = pay(3n)
    s.deliver(client, 'SpendWrite', { transaction: transactionToWire(tx), input: dbcToWire(g), signature: signSpend(BlsSecretKey.random(), transactionHash(tx)).signature }, dst)
    const forged = { ...dbcToWire(g), content: { ...dbcToWire(g).content, nonce: new Uint8Array(32) } }
    s.deliver(client, 'SpendWrite', { transaction: transactionToWire(tx), input: forged, signature: new Uint8Array(96) }, dst)
    expect(s.sentOf('SpendAnswer').map((m) => m.payload.answer)).toMatchObject([{ _tag: 'Refused', reason: 'BadSignature' }, { _tag: 'Refused', reason: 'InvalidDbc' }])
    reissue(tx)
    expect(s.sentOf('ReissueAnswer').map((m) => m.payload.answer._tag)).toEqual(['NotSpent'])
    expect(s.node.mint.counts.shares).toBe(0)
  })
})
