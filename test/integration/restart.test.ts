/**
 * Issue 6: 30 real node processes on 127.0.0.1 settle into a healthy network; 3 non-genesis nodes
 * are killed with SIGKILL and restarted from their roots: they come back under the same names,
 * rejoin, and the network is healthy again. Then the whole network stops (without leaving) and
 * starts again on the same directory: it resumes with the same names, sections and keys.
 *
 * Issue 20 on the same network (its two sections, its restarts): `safenet wallet` faucet → send →
 * receive → send onward (by a file, then through the payee's inbox), balances right at each step and the supply (every wallet's sum) equal to
 * the genesis DBC's; a reissue whose inputs lie in both sections; a DBC spent twice refused with
 * DoubleSpend — again after the whole network restarted, when a DBC paid before it still spends.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Client, decodeContactsFile } from '../../src/client/index.ts'
import { dbcFault, GENESIS_AMOUNT, inputOf, outputsFor, spendName } from '../../src/dbc/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { CLI_MAIN, CLI_NODE_FLAGS } from '../../src/node/process-flags.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { inboxAddress, inboxKey } from '../../src/wallet/inbox.ts'
import { parseWalletAddress, payment, Wallet } from '../../src/wallet/wallet.ts'

const dir = mkdtempSync(join(tmpdir(), 'safenet-restart-'))
let net: Testnet | undefined

afterAll(async () => {
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
})

// --- Wallets (issue 20) --------------------------------------------------------------------------

const wallets = join(dir, 'wallets')
const walletOf = (who: string) => join(wallets, who)

/** `safenet wallet …` against this network, its own process; its JSON output. */
function wallet(...args: string[]): Promise<{ status: number | null; json: Record<string, string>; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_NODE_FLAGS, CLI_MAIN, 'wallet', ...args, '--json', '--contacts', join(dir, 'contacts.json'), '--faucet', join(dir, 'node-00', 'faucet')], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, json: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>, stderr })
    })
  })
}

async function ok(...args: string[]): Promise<Record<string, string>> {
  const out = await wallet(...args)
  expect(out.status, `wallet ${args.join(' ')}: ${out.stderr}`).toBe(0)
  return out.json
}

/** Each wallet's balance in nanos, and the supply: their sum with the faucet's. */
function balances(): { alice: bigint; bob: bigint; carol: bigint; faucet: bigint; supply: bigint } {
  const of = (path: string) => Wallet.open(path).balance()
  const out = { alice: of(walletOf('alice')), bob: of(walletOf('bob')), carol: of(walletOf('carol')), faucet: of(join(dir, 'node-00', 'faucet')) }
  return { ...out, supply: out.alice + out.bob + out.carol + out.faucet }
}

const tokens = (n: number) => BigInt(Math.round(n * 1e9))

describe('a 30-node network of processes', () => {
  it('heals after 3 nodes are SIGKILLed and restarted from their stores, under the same names', async () => {
    net = await Testnet.start({ nodes: 30, dir, processes: true, logger: createLogger({ level: 'silent' }) })
    const settledMs = await net.settle(300_000)
    expect(net.health()).toMatchObject({ healthy: true, why: '' })
    expect(net.health().sections).toBeGreaterThanOrEqual(2)
    console.log(`settled in ${settledMs} ms: ${JSON.stringify(net.health())}`)

    const victims = [7, 15, 23]
    await Promise.all(victims.map((i) => net!.kill(i)))
    // The names each had when it died: a node relocated (or voted off) a moment before takes a new
    // name, and writes its status as it saves the key, so status.json names the key in its store.
    const before = net.statuses()
    const names = victims.map((i) => before[i]!.name)
    const roles = victims.map((i) => before[i]!.role)
    const down = net.health()
    expect(down.healthy).toBe(false)
    expect(down.nodes).toBe(27)

    const restarted = performance.now()
    for (const i of victims) await net.startNode(i)
    const after = net.statuses()
    expect(victims.map((i) => after[i]!.name)).toEqual(names)
    const healedMs = await net.settle(240_000, restarted)
    console.log(`victims were ${roles.join(', ')}; healthy again ${healedMs} ms after the restarts: ${JSON.stringify(net.health())}`)
    expect(net.health()).toMatchObject({ healthy: true, nodes: 30, joined: 30 })
    const healed = net.statuses()
    for (const i of victims) {
      expect(healed[i]!.name).toBe(names[i === 7 ? 0 : i === 15 ? 1 : 2])
      expect(['adult', 'elder']).toContain(healed[i]!.role)
    }
  }, 900_000)

  it('pays with DBCs: faucet → send → receive → send onward, balances right and the supply whole; inputs in both sections; a second spend refused', async () => {
    expect(net?.health().healthy).toBe(true)
    const [, { address: bob }, { address: carol }] = await Promise.all([
      ok('faucet', '100', '--wallet', walletOf('alice')), ok('address', '--wallet', walletOf('bob')), ok('address', '--wallet', walletOf('carol')),
    ])
    expect(balances()).toMatchObject({ alice: tokens(100), supply: GENESIS_AMOUNT })

    const sent = await ok('send', '30', '--to', bob!, '--wallet', walletOf('alice'), '--out', join(dir, 'to-bob.dbc'))
    expect(sent).toMatchObject({ sent: '30', balance: '70' })
    expect(await ok('receive', join(dir, 'to-bob.dbc'), '--wallet', walletOf('bob'))).toMatchObject({ received: '30', balance: '30' })
    const [held, notOurs] = await Promise.all([wallet('receive', join(dir, 'to-bob.dbc'), '--wallet', walletOf('bob')), wallet('receive', join(dir, 'to-bob.dbc'), '--wallet', walletOf('carol'))])
    expect([held.json.error, notOurs.json.error]).toEqual(['AlreadyHeld', 'NotOurs'])
    expect(balances()).toMatchObject({ alice: tokens(70), bob: tokens(30), supply: GENESIS_AMOUNT })

    // Bob's wallet copied before he spends: the copies' DBC is then spent, and refused (now, and after the restart).
    cpSync(walletOf('bob'), walletOf('bob-copy'), { recursive: true })
    cpSync(walletOf('bob'), walletOf('bob-copy-2'), { recursive: true })
    // Through Carol's inbox this time: sealed to her, left in the register her address names.
    const left = await ok('send', '12.5', '--to', carol!, '--wallet', walletOf('bob'))
    expect(left.sent).toBe('12.5')
    expect(left.inbox).toMatch(/^[0-9a-f]{64}$/)
    expect(await ok('receive', '--inbox', '--wallet', walletOf('carol'))).toMatchObject({ received: '12.5', payments: 1, balance: '12.5' })
    expect(balances()).toMatchObject({ alice: tokens(70), bob: tokens(17.5), carol: tokens(12.5), supply: GENESIS_AMOUNT })
    const [again, poor] = await Promise.all([wallet('send', '1', '--to', carol!, '--wallet', walletOf('bob-copy')), wallet('send', '1000', '--to', carol!, '--wallet', walletOf('alice'))])
    expect(again.status).toBe(1)
    expect(again.json.error).toBe('DoubleSpend')
    expect(poor.json.error).toBe('InsufficientFunds')

    // A reissue whose inputs lie in both sections: Alice pays herself until she holds DBCs on both
    // sides, then spends one of each at once to Carol; the DBC carries both sections' proofs.
    const path = join(dir, 'contacts.json')
    const client = await Client.connect(decodeContactsFile(readFileSync(path, 'utf8'), path))
    try {
      const alice = Wallet.open(walletOf('alice'))
      const side = (o: { dbc: { content: { owner: { toBytes(): Uint8Array } } } }) => spendName(o.dbc.content.owner.toBytes()).bit(0)
      for (let i = 0; i < 12 && new Set(alice.owned().map(side)).size < 2; i++) {
        const { tx, inputs } = alice.plan(tokens(1), parseWalletAddress(alice.address))
        alice.settle(inputs, await client.reissue(tx, inputs))
      }
      const owned = alice.owned()
      const pair = [owned.find((o) => side(o) === 0)!, owned.find((o) => side(o) === 1)!]
      expect(pair.every((o) => o !== undefined)).toBe(true)
      const inputs = pair.map((o) => inputOf(o.dbc.content))
      const total = pair.reduce((sum, o) => sum + o.dbc.content.amount, 0n)
      const tx = { inputs, outputs: outputsFor(inputs, [payment(parseWalletAddress(carol!), total)]) }
      const [paid] = await client.reissue(tx, pair)
      expect(paid!.proofs.length).toBe(2)
      expect(dbcFault(paid!, client.mintTrust)).toBeUndefined()
      alice.settle(pair, [])
      Wallet.open(walletOf('carol')).deposit(paid!, client.mintTrust)
      // Anyone may write an inbox: what is not a payment to Carol is passed over, once.
      const inbox = parseWalletAddress(carol!)
      await client.writeRegister(inboxKey(inbox), inboxAddress(inbox), new TextEncoder().encode('not a payment'))
    } finally {
      await client.close()
    }
    expect(await ok('receive', '--inbox', '--wallet', walletOf('carol'))).toMatchObject({ received: '0', payments: 0, skipped: { Malformed: 1 } })
    expect(balances().supply).toBe(GENESIS_AMOUNT)
    console.log(`wallets: ${JSON.stringify(Object.fromEntries(Object.entries(balances()).map(([k, v]) => [k, v.toString()])))}`)
  }, 600_000)

  // Goes on from the network the tests above left healthy.
  it('resumes after the whole network stops: every node restarts from its store, the sections and keys are the ones it had', async () => {
    expect(net?.health().healthy).toBe(true)
    await net!.stop()
    const stopped = net!.statuses()
    expect(stopped.every((s) => !s.running)).toBe(true)

    // The names in the stores (a node writes its status as it takes a new name and saves the key).
    const names = stopped.map((s) => s.name)
    const restarted = performance.now()
    net = await Testnet.start({ nodes: 30, dir, processes: true, logger: createLogger({ level: 'silent' }) })
    expect(net.statuses().map((s) => s.name)).toEqual(names)
    const resumedMs = await net.settle(240_000, restarted)
    console.log(`resumed and healthy ${resumedMs} ms after the restart: ${JSON.stringify(net.health())}`)
    expect(net.health()).toMatchObject({ healthy: true, nodes: 30, joined: 30 })
    const after = net.statuses()
    // None was voted off while the others came back (SECTION_TIMING.resumeGraceMs) and took a new name.
    expect(after.map((s) => s.name)).toEqual(names)
    const keys = (statuses: typeof stopped) => [...new Set(statuses.map((s) => `${s.prefix}:${s.sectionKey}`))].sort()
    expect(keys(after)).toEqual(keys(stopped))

    // The mint after the restart: DBCs paid before it still spend, and the spentbook still refuses a second spend.
    const before = balances()
    const alice = (await ok('address', '--wallet', walletOf('alice'))).address!
    await ok('send', '2', '--to', alice, '--wallet', walletOf('carol'), '--out', join(dir, 'to-alice.dbc'))
    await ok('receive', join(dir, 'to-alice.dbc'), '--wallet', walletOf('alice'))
    expect(balances()).toMatchObject({ alice: before.alice + tokens(2), carol: before.carol - tokens(2), supply: GENESIS_AMOUNT })
    expect((await wallet('send', '1', '--to', alice, '--wallet', walletOf('bob-copy-2'))).json.error).toBe('DoubleSpend')
  }, 600_000)
})
