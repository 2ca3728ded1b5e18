/**
 * Crypto benchmarks (`npm run bench`). Figures: SHA3-256 MB/s on 1 MiB inputs, Ed25519 sign and
 * verify ops/s, BLS sign / verify / share sign / 5-of-7 combine+verify in ms/op. Baselines are
 * measured in the same run: pure-JS noble SHA3 and Ed25519 against the native node:crypto ones.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha3_256 as nobleSha3 } from '@noble/hashes/sha3.js'
import { describe, expect, test } from 'vitest'
import { BlsSecretKey, NodeKeypair, SecretKeySet, sha3_256, threshold } from '../../src/crypto/index.ts'
import { figure } from './report.ts'

const MiB = 1024 * 1024
let counter = 0
/** A message never signed before, so hash-to-G2 is not served from the cache. */
const freshMessage = () => new TextEncoder().encode(`bench message ${counter++} ${Math.random()}`)

describe('crypto', () => {
  test('SHA3-256 on 1 MiB inputs', async ({ bench }) => {
    const input = new Uint8Array(MiB).fill(0xab)
    const native = await bench('sha3-256 node:crypto 1 MiB', () => { sha3_256(input) }).run({ time: 1500 })
    const js = await bench('sha3-256 noble (pure JS) 1 MiB', () => { nobleSha3(input) }).run({ time: 1500 })
    figure('SHA3-256 (node:crypto, 1 MiB inputs)', native.throughput.mean, 'MB/s', { name: 'noble JS', value: js.throughput.mean, higherIsBetter: true })
    figure('SHA3-256 (noble JS baseline, 1 MiB inputs)', js.throughput.mean, 'MB/s')
    expect(native.throughput.mean).toBeGreaterThan(0)
  })

  test('Ed25519 sign and verify', async ({ bench }) => {
    const keypair = NodeKeypair.generate()
    const message = new Uint8Array(256).fill(3)
    const signature = keypair.sign(message)
    const nobleSecret = keypair.seed()
    const noblePublic = ed25519.getPublicKey(nobleSecret)
    const sign = await bench('ed25519 sign node:crypto', () => { keypair.sign(message) }).run({ time: 1000 })
    const verify = await bench('ed25519 verify node:crypto', () => { keypair.publicKey.verify(message, signature) }).run({ time: 1000 })
    const jsSign = await bench('ed25519 sign noble', () => { ed25519.sign(message, nobleSecret) }).run({ time: 1000 })
    const jsVerify = await bench('ed25519 verify noble', () => { ed25519.verify(signature, message, noblePublic) }).run({ time: 1000 })
    figure('Ed25519 sign (node:crypto)', sign.throughput.mean, 'ops/s', { name: 'noble JS', value: jsSign.throughput.mean, higherIsBetter: true })
    figure('Ed25519 verify (node:crypto)', verify.throughput.mean, 'ops/s', { name: 'noble JS', value: jsVerify.throughput.mean, higherIsBetter: true })
    expect(keypair.publicKey.verify(message, signature)).toBe(true)
  })

  test('BLS12-381 sign, verify, share sign, 5-of-7 combine+verify', async ({ bench }) => {
    const options = { time: 2000, iterations: 10, warmupIterations: 2 }
    const secretKey = BlsSecretKey.random()
    const publicKey = secretKey.publicKey()
    const fixed = freshMessage()
    const signature = secretKey.sign(fixed)

    const signCold = await bench('bls sign (new message: hash-to-G2 + mul)', () => { secretKey.sign(freshMessage()) }).run(options)
    const signWarm = await bench('bls sign (hash cached)', () => { secretKey.sign(fixed) }).run(options)
    const verify = await bench('bls verify (hash cached)', () => { publicKey.verify(fixed, signature) }).run(options)

    const keys = SecretKeySet.random(threshold(7))
    const keySet = keys.publicKeys()
    const shareKeys = Array.from({ length: 7 }, (_, i) => keys.secretKeyShare(i))
    const shareSign = await bench('bls share sign (hash cached)', () => { shareKeys[3]!.sign(fixed) }).run(options)
    const shares = [0, 2, 3, 5, 6].map((index) => ({ index, share: shareKeys[index]!.sign(fixed), signer: String(index) }))
    const combine = await bench('bls 5-of-7 combine + verify', () => { keySet.combine(fixed, shares) }).run(options)

    figure('BLS sign, new message (hash-to-G2 + mul)', signCold.period, 'ms/op')
    figure('BLS sign, message hash cached', signWarm.period, 'ms/op', { name: 'uncached', value: signCold.period, higherIsBetter: false })
    figure('BLS verify', verify.period, 'ms/op')
    figure('BLS share sign', shareSign.period, 'ms/op')
    figure('BLS 5-of-7 combine + verify', combine.period, 'ms/op', { name: '5 share verifies', value: 5 * verify.period, higherIsBetter: false })
    expect(publicKey.verify(fixed, signature)).toBe(true)
  })
})
