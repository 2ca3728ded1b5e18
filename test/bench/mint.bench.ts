/**
 * The mint over a real loopback network (`npm run bench -- test/bench/mint.bench.ts`): 30 node
 * processes (`safenet testnet --nodes 30 --processes`, two sections), the clients in this process.
 * Figures (issue 20):
 *
 *  - Reissue latency, p50 and p95, 1 input → 2 outputs (a payment and its change): the spentbook
 *    entry written and decided in its section's agreement, then the mint's shares combined, the
 *    output DBCs built. One client, one reissue after another (each spends the last one's change).
 *  - Reissues per second with 8 clients at once, each spending its own DBCs one after another.
 *  - Baseline in the same run: a name registration (one claim decided in the same agreement, its
 *    record's shares combined: the same two steps of one round without the DBC checks), and a chunk
 *    read (the least any network read costs).
 *
 * Fedimint reports 0.7–1.8 s per reissue; the aim is a p50 under 150 ms.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { Client, decodeContactsFile } from '../../src/client/index.ts'
import { BlsSecretKey, NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { type Dbc, inputOf, NANOS_PER_TOKEN, outputsFor } from '../../src/dbc/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { Testnet } from '../../src/node/testnet.ts'
import { Wallet } from '../../src/wallet/wallet.ts'
import { figure, load, percentile, timed } from './report.ts'

const NODE_COUNT = 30
const SETTLE_TIMEOUT_MS = 180_000
const SEQUENTIAL = 30
const CLIENTS = 8
const CONCURRENT_EACH = 8
const NAMES = 10

const dir = mkdtempSync(join(tmpdir(), 'safenet-mint-bench-'))
let net: Testnet | undefined
const clients: Client[] = []

afterAll(async () => {
  for (const client of clients) await client.close()
  await net?.stop()
  rmSync(dir, { recursive: true, force: true })
}, 60_000)

/** A DBC and its one-time secret, held by the bench (no wallet folder: one-time keys at random). */
interface Coin {
  dbc: Dbc
  secret: BlsSecretKey
}

/** Reissues `coin` into a payment of 1 nano-token to a fresh key and the change to another; the change. */
async function spendOnce(client: Client, coin: Coin): Promise<Coin> {
  const change = BlsSecretKey.random()
  const paid = BlsSecretKey.random()
  const nonce = () => crypto.getRandomValues(new Uint8Array(32))
  const inputs = [inputOf(coin.dbc.content)]
  const outputs = outputsFor(inputs, [
    { owner: paid.publicKey(), amount: 1n, nonce: nonce() },
    { owner: change.publicKey(), amount: coin.dbc.content.amount - 1n, nonce: nonce() },
  ])
  const dbcs = await client.reissue({ inputs, outputs }, [coin])
  return { dbc: dbcs[1]!, secret: change }
}

const connect = async (): Promise<Client> => {
  const client = await Client.connect(decodeContactsFile(readFileSync(net!.contactsPath, 'utf8'), net!.contactsPath))
  clients.push(client)
  return client
}

describe('the mint over a 30-process loopback testnet', () => {
  test('reissue latency p50/p95 (1 → 2) and reissues per second with 8 clients, against a name registration and a chunk read', async () => {
    const startedMs = performance.now()
    net = await Testnet.start({ nodes: NODE_COUNT, dir, processes: true, logger: createLogger({ level: 'silent' }) })
    const settledMs = await net.settle(SETTLE_TIMEOUT_MS, startedMs)
    expect(net.health(), `not healthy after ${SETTLE_TIMEOUT_MS} ms`).toMatchObject({ healthy: true, why: '' })
    console.log(`${NODE_COUNT} node processes healthy in ${settledMs} ms (${net.health().sections} sections); ${load()}`)
    const client = await connect()

    // Coins: the faucet's genesis DBC reissued into one coin per client (and one for the sequential run), the change back.
    const faucet = Wallet.open(join(dir, 'node-00', 'faucet'))
    const keys = Array.from({ length: CLIENTS + 1 }, () => BlsSecretKey.random())
    const [genesis] = faucet.owned()
    const inputs = [inputOf(genesis!.dbc.content)]
    const coinAmount = 1_000n * NANOS_PER_TOKEN
    const payments = keys.map((k) => ({ owner: k.publicKey(), amount: coinAmount, nonce: crypto.getRandomValues(new Uint8Array(32)) }))
    // The rest to a key nobody keeps: the bench needs only its coins.
    payments.push({ owner: BlsSecretKey.random().publicKey(), amount: genesis!.dbc.content.amount - coinAmount * BigInt(keys.length), nonce: crypto.getRandomValues(new Uint8Array(32)) })
    const minted = await client.reissue({ inputs, outputs: outputsFor(inputs, payments) }, [genesis!])
    const coins: Coin[] = keys.map((secret, i) => ({ dbc: minted[i]!, secret }))

    // Baselines: a chunk read, and name registrations (a claim decided in agreement, its record's shares combined).
    const chunk = await client.put(new TextEncoder().encode('a chunk to read'))
    const chunkReads: number[] = []
    for (let i = 0; i < 30; i++) chunkReads.push(await timed(() => client.getChunk(chunk.address)))
    const chunkP50 = percentile(chunkReads, 50)
    figure('chunk read p50 (baseline)', chunkP50, 'ms')
    const owner = NodeKeypair.generate()
    const registrations: number[] = []
    for (let i = 0; i < NAMES; i++) registrations.push(await timed(() => client.registerName(owner, `mint-bench-${toHex(crypto.getRandomValues(new Uint8Array(4)))}`, `safe://${toHex(chunk.address)}`)))
    const registerP50 = percentile(registrations, 50)
    figure('name registration p50 (baseline)', registerP50, 'ms')

    // Latency: one client, one reissue after another.
    let coin = coins[CLIENTS]!
    const latencies: number[] = []
    for (let i = 0; i < SEQUENTIAL; i++) {
      const started = performance.now()
      coin = await spendOnce(client, coin)
      latencies.push(performance.now() - started)
    }
    figure('reissue 1→2 p50', percentile(latencies, 50), 'ms', { name: 'name registration', value: registerP50, higherIsBetter: false })
    figure('reissue 1→2 p95', percentile(latencies, 95), 'ms')
    figure('reissue 1→2 p50 / chunk read', percentile(latencies, 50) / chunkP50, '×')

    // Throughput: 8 clients at once, each its own coin chain.
    const concurrent = await Promise.all(Array.from({ length: CLIENTS }, () => connect()))
    const started = performance.now()
    const perClient = await Promise.all(concurrent.map(async (c, i) => {
      let mine = coins[i]!
      const times: number[] = []
      for (let n = 0; n < CONCURRENT_EACH; n++) {
        const t = performance.now()
        mine = await spendOnce(c, mine)
        times.push(performance.now() - t)
      }
      return times
    }))
    const seconds = (performance.now() - started) / 1000
    const all = perClient.flat()
    figure(`reissues per second, ${CLIENTS} clients`, all.length / seconds, '/s', { name: 'one client', value: 1000 / percentile(latencies, 50), higherIsBetter: true })
    figure(`reissue p50 with ${CLIENTS} clients`, percentile(all, 50), 'ms')
    figure(`reissue p95 with ${CLIENTS} clients`, percentile(all, 95), 'ms')
    // Where the tail comes from: the 8 clients' retries and the refusals that sent them into backoff.
    const refused: Record<string, number> = {}
    for (const c of concurrent) for (const [why, n] of Object.entries(c.counts.refused)) refused[why] = (refused[why] ?? 0) + n
    figure(`retries per reissue, ${CLIENTS} clients`, concurrent.reduce((sum, c) => sum + c.counts.retries, 0) / all.length, '')
    console.log(`refusals with ${CLIENTS} clients (${all.length} reissues): ${JSON.stringify(refused)}`)
    console.log(load())
  }, 900_000)
})
