/**
 * The wallet (issue 20; src/wallet): a main key in a folder (mode 600, never printed), the DBCs
 * paid to it found by their one-time keys (`address.derive(nonce)`), deposits checked (valid on
 * this network, ours, not held or spent already), payments planned from the largest DBCs with the
 * change back to a fresh key of ours, and one spend at a time. The genesis trust check too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BlsSecretKey, DecryptionFailed, NodeKeypair } from '../../src/crypto/index.ts'
import { checkTransaction, type Dbc, genesisDbc, genesisTrust, inputOf, mintBytes, summarise, transactionHash } from '../../src/dbc/index.ts'
import { ProofChain } from '../../src/knowledge/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'
import { inboxAddress, inboxEntry, inboxKey, parseInboxEntry, sealPayment } from '../../src/wallet/inbox.ts'
import { parseWalletAddress, payment, Wallet, WalletError } from '../../src/wallet/wallet.ts'
import { dealKeys, type Peer, signedSap } from '../model/node-harness.ts'

const random = new SeededRandom(21)
const elders: Peer[] = Array.from({ length: 4 }, (_, i) => ({ keypair: NodeKeypair.fromSeed(random.bytes(32)), addr: `e${i}` }))
const k0 = dealKeys(2, random)
const genesis = signedSap(k0, elders, 0)
const dir = mkdtempSync(join(tmpdir(), 'safenet-wallet-'))

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Mints the genesis DBC to `wallet` (the whole supply) and the trust it gives. */
function fund(wallet: Wallet): { dbc: Dbc; trust: NonNullable<ReturnType<typeof genesisTrust>> } {
  const nonce = random.bytes(32)
  const dbc = genesisDbc(genesis, k0.secret, parseWalletAddress(wallet.address).derive(nonce), nonce)
  return { dbc, trust: genesisTrust(genesis.sap.sectionKey(), dbc)! }
}

/** Two new wallets, the first holding the genesis DBC. */
function fundedPair(first: string, second: string): { a: Wallet; b: Wallet; dbc: Dbc; trust: NonNullable<ReturnType<typeof genesisTrust>> } {
  const a = Wallet.create(join(dir, first))
  const b = Wallet.create(join(dir, second))
  const { dbc, trust } = fund(a)
  a.deposit(dbc, trust)
  return { a, b, dbc, trust }
}

/** Signs `tx` with the genesis section's key: what the mint does once the spends are decided. */
function mint(tx: ReturnType<Wallet['plan']>['tx']): Dbc[] {
  checkTransaction(tx)
  const proof = { sap: genesis, chain: new ProofChain(genesis.sap.sectionKey()), signature: k0.secret.sign(mintBytes(transactionHash(tx))) }
  return tx.outputs.map((content) => ({ content, transaction: summarise(tx), proofs: [proof] }))
}

describe('a wallet', () => {
  it('keeps its key in a mode-600 file, opens it again, and refuses a folder without one', () => {
    const a = Wallet.create(join(dir, 'a'))
    expect(statSync(join(dir, 'a', 'key')).mode & 0o777).toBe(0o600)
    expect(Wallet.open(join(dir, 'a')).address).toBe(a.address)
    expect(Wallet.create(join(dir, 'a')).address).toBe(a.address)
    expect(a.address).toMatch(/^[0-9a-f]{96}$/)
    expect(readFileSync(join(dir, 'a', 'key'), 'utf8')).not.toContain(a.address)
    expect(() => Wallet.open(join(dir, 'none'))).toThrow(expect.objectContaining({ reason: 'NoWallet' }))
    expect(() => parseWalletAddress('abc')).toThrow(WalletError)
  })

  it('takes in a DBC paid to it once; refuses another wallet\'s, one of another network, and one held already', () => {
    const a = Wallet.create(join(dir, 'b'))
    const other = Wallet.create(join(dir, 'c'))
    const { dbc, trust } = fund(a)
    expect(() => other.deposit(dbc, trust)).toThrow(expect.objectContaining({ reason: 'NotOurs' }))
    const foreign = { genesisKey: dealKeys(2, random).keySet.publicKey(), genesisTransaction: trust.genesisTransaction }
    expect(() => a.deposit(dbc, foreign)).toThrow(expect.objectContaining({ reason: 'InvalidDbc' }))
    expect(a.deposit(dbc, trust)).toBe(dbc.content.amount)
    expect(() => a.deposit(dbc, trust)).toThrow(expect.objectContaining({ reason: 'AlreadyHeld' }))
    expect(a.balance()).toBe(dbc.content.amount)
  })

  it('plans a payment from its largest DBCs with the change to itself; the recipient finds its secret; spent inputs leave', () => {
    const { a, b, dbc, trust } = fundedPair('d', 'e')
    const { tx, inputs } = a.plan(1_500_000_000n, parseWalletAddress(b.address))
    expect(inputs).toHaveLength(1)
    expect(tx.outputs.map((o) => o.amount)).toEqual([1_500_000_000n, dbc.content.amount - 1_500_000_000n])
    const [paid, change] = mint(tx)
    a.settle(inputs, [paid!, change!])
    expect(a.balance()).toBe(dbc.content.amount - 1_500_000_000n)
    expect(existsSync(join(dir, 'd', 'spent'))).toBe(true)
    expect(a.secretOf(paid!.content)).toBeUndefined()
    expect(b.secretOf(paid!.content)?.publicKey().equals(paid!.content.owner)).toBe(true)
    expect(b.deposit(paid!, trust)).toBe(1_500_000_000n)
    // One-time keys: no two payments to one address share an owner key.
    const to = parseWalletAddress(b.address)
    expect(payment(to, 1n).owner.equals(payment(to, 1n).owner)).toBe(false)
    expect(() => b.plan(2_000_000_000n, parseWalletAddress(a.address))).toThrow(expect.objectContaining({ reason: 'InsufficientFunds' }))
    expect(() => b.plan(0n, parseWalletAddress(a.address))).toThrow(expect.objectContaining({ reason: 'BadAmount' }))
    // A DBC found spent by the network leaves what the wallet may spend.
    b.markSpent(paid!)
    expect(b.balance()).toBe(0n)
    expect(inputOf(paid!.content).amount).toBe(1_500_000_000n)
  })

  it('keeps a transaction pending until it is minted: its inputs are not planned again, and settling it drops it', () => {
    const { a, b, dbc } = fundedPair('g', 'h')
    const { tx, inputs } = a.plan(2n, parseWalletAddress(b.address))
    a.savePending(tx)
    // Its answer was lost: the next payment must not spend the same DBC in another transaction.
    expect(a.pending().map((p) => transactionHash(p.tx))).toEqual([transactionHash(tx)])
    expect(a.pending()[0]!.inputs).toHaveLength(1)
    expect(() => a.plan(1n, parseWalletAddress(b.address))).toThrow(expect.objectContaining({ reason: 'InsufficientFunds' }))
    const outputs = mint(tx)
    a.settle(inputs, outputs, tx)
    expect(a.pending()).toEqual([])
    // What it paid is kept in sent/, its change in dbcs/.
    expect(existsSync(join(dir, 'g', 'sent', `${outputs[0]!.content.owner.toHex()}.dbc`))).toBe(true)
    expect(a.balance()).toBe(dbc.content.amount - 2n)
  })

  it('spends one at a time: a second spend while the first runs is Busy, and the lock goes with the first', async () => {
    const a = Wallet.create(join(dir, 'f'))
    let inner: unknown
    await a.locked(async () => {
      inner = await a.locked(() => Promise.resolve('twice')).catch((error: unknown) => error)
    })
    expect(inner).toMatchObject({ reason: 'Busy' })
    await expect(a.locked(() => Promise.resolve('again'))).resolves.toBe('again')
  })

  it('an inbox: found from the address alone, its payments sealed so that only the payee opens them; what it took in is not taken again', () => {
    const { a, b, trust } = fundedPair('i', 'j')
    const to = parseWalletAddress(b.address)
    // Anyone who knows the address finds (and may write) the inbox; another address has another.
    expect(inboxAddress(to)).toEqual(inboxAddress(parseWalletAddress(b.address)))
    expect(inboxAddress(to).owner).toEqual(inboxKey(to).publicKey.bytes)
    expect(inboxAddress(to).owner).not.toEqual(inboxAddress(parseWalletAddress(a.address)).owner)
    const { tx, inputs } = a.plan(7n, to)
    const [paid, change] = mint(tx)
    a.settle(inputs, [paid!, change!])
    const sealed = sealPayment(paid!, to)
    expect(() => a.openPayment(sealed)).toThrow(DecryptionFailed)
    expect(b.deposit(b.openPayment(sealed), trust)).toBe(7n)
    // Entries: a file address behind a version byte; anything else is not one.
    const file = random.bytes(32)
    expect(parseInboxEntry(inboxEntry(file))).toEqual(file)
    expect(parseInboxEntry(file)).toBeUndefined()
    expect(parseInboxEntry(Uint8Array.of(2, ...file))).toBeUndefined()
    expect(b.inboxSeen().size).toBe(0)
    b.markInboxSeen('ab'.repeat(32))
    b.markInboxSeen('cd'.repeat(32))
    b.markInboxSeen('ab'.repeat(32))
    expect([...Wallet.open(join(dir, 'j')).inboxSeen()].sort()).toEqual(['ab'.repeat(32), 'cd'.repeat(32)])
    expect([1, 2, 3].map(() => b.markInboxUnreadable('ef'.repeat(32)))).toEqual([1, 2, 3])
    // A payment is owed to the payee's inbox from when it is minted until it is delivered (or handed over as a file).
    expect(a.owed()).toEqual([])
    a.owe(paid!, to)
    const owed = Wallet.open(join(dir, 'i')).owed()
    expect(owed.map((o) => [o.dbc.content.owner.toHex(), o.to.toHex()])).toEqual([[paid!.content.owner.toHex(), to.toHex()]])
    a.delivered(paid!)
    expect(a.owed()).toEqual([])
  })

  it('the genesis trust: only the genesis key\'s DBC without inputs counts', () => {
    const owner = BlsSecretKey.random(random.byteSource())
    const g = genesisDbc(genesis, k0.secret, owner.publicKey(), random.bytes(32))
    expect(genesisTrust(genesis.sap.sectionKey(), g)).toBeDefined()
    expect(genesisTrust(dealKeys(2, random).keySet.publicKey(), g)).toBeUndefined()
    expect(genesisTrust(genesis.sap.sectionKey(), { ...g, content: { ...g.content, amount: 1n } })).toBeUndefined()
  })
})
