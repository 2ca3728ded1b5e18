/**
 * Crypto benchmarks (`npm run bench`). Figures: SHA3-256 MB/s on 1 MiB inputs, Ed25519 sign and
 * verify ops/s, BLS sign / verify / share sign / 5-of-7 combine+verify in ms/op. Baselines are
 * measured in the same run: pure-JS noble SHA3 and Ed25519 against the native node:crypto ones.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha3_256 as nobleSha3 } from '@noble/hashes/sha3.js'
import { describe, expect, test } from 'vitest'
import {
  BlsSecretKey, BlsSignature, forgetCombined, forgetVerifiedBls, forgetVerifiedEd25519, interpolateSignature, lagrangeAtZero, NodeKeypair, SecretKeySet,
  sha3_256, threshold,
} from '../../src/crypto/index.ts'
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
    // Nodes cache signatures that verified; the figure is a real check each time.
    const verify = await bench('ed25519 verify node:crypto', () => { forgetVerifiedEd25519(); keypair.publicKey.verify(message, signature) }).run({ time: 1000 })
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
    // Signed again: the message's fixed-window table makes this additions only (see signingBase).
    const signWarm = await bench('bls sign (signed before: hash and table cached)', () => { secretKey.sign(fixed) }).run(options)
    const verify = await bench('bls verify (hash cached)', () => { forgetVerifiedBls(); publicKey.verify(fixed, signature) }).run(options)

    const keys = SecretKeySet.random(threshold(7))
    const keySet = keys.publicKeys()
    const shareKeys = Array.from({ length: 7 }, (_, i) => keys.secretKeyShare(i))
    const shareSign = await bench('bls share sign (hash cached)', () => { shareKeys[3]!.sign(fixed) }).run(options)
    const shares = [0, 2, 3, 5, 6].map((index) => ({ index, share: shareKeys[index]!.sign(fixed), signer: String(index) }))
    const combine = await bench('bls 5-of-7 combine + verify', () => { forgetCombined(); forgetVerifiedBls(); keySet.combine(fixed, shares) }).run(options)

    figure('BLS sign, new message (hash-to-G2 + mul)', signCold.period, 'ms/op')
    figure('BLS sign, message signed before (table)', signWarm.period, 'ms/op', { name: 'new message', value: signCold.period, higherIsBetter: false })
    figure('BLS verify', verify.period, 'ms/op')
    figure('BLS share sign, message signed before', shareSign.period, 'ms/op')
    figure('BLS 5-of-7 combine + verify', combine.period, 'ms/op', { name: '5 share verifies', value: 5 * verify.period, higherIsBetter: false })
    expect(publicKey.verify(fixed, signature)).toBe(true)
  })

  test('BLS: 7 shares of one message (table from the 2nd), interpolation by Strauss–Shamir', async ({ bench }) => {
    const options = { time: 3000, iterations: 5, warmupIterations: 1 }
    const keys = SecretKeySet.random(threshold(7))
    const shareKeys = Array.from({ length: 7 }, (_, i) => keys.secretKeyShare(i))
    // What a section's 7 elders do in one process (the simulator): each signs the same decision.
    const seven = await bench('7 share signatures of one new message', () => {
      const m = freshMessage()
      for (const k of shareKeys) k.sign(m)
    }).run(options)
    // Baseline: the same 7 constant-time multiplications of H(m) with no table.
    const plain = await bench('7 multiplications of H(m), no table', () => {
      const h = bls12_381.G2.hashToCurve(freshMessage())
      for (const k of shareKeys) h.multiply(k.scalar)
    }).run(options)
    figure('BLS 7 share signatures of one message', seven.period, 'ms/op', { name: 'no table', value: plain.period, higherIsBetter: false })

    const m = freshMessage()
    const shares = [0, 2, 3, 5, 6].map((index) => ({ index, share: shareKeys[index]!.sign(m) }))
    const strauss = await bench('interpolate 5 shares (Strauss–Shamir)', () => { interpolateSignature(shares) }).run(options)
    const naive = await bench('interpolate 5 shares (5 multiplications)', () => {
      const lambdas = lagrangeAtZero(shares.map((x) => BigInt(x.index + 1)))
      let sum = bls12_381.G2.Point.ZERO
      shares.forEach((x, i) => { sum = sum.add(x.share.point.multiplyUnsafe(lambdas[i]!)) })
      return sum
    }).run(options)
    figure('BLS interpolate 5 shares', strauss.period, 'ms/op', { name: '5 multiplications', value: naive.period, higherIsBetter: false })
    expect(keys.publicKeys().publicKey().verify(m, interpolateSignature(shares))).toBe(true)
    expect(interpolateSignature(shares).equals(new BlsSignature(bls12_381.G2.hashToCurve(m).multiply(keys.secretKey().scalar)))).toBe(true)
  })
})
