/**
 * Seals to a BLS public key (src/crypto/bls-seal.ts): what a wallet's inbox payments travel in.
 * Only the key's secret opens a seal, only under its context, and any change to it is refused.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BLS_SEAL_OVERHEAD, BlsSecretKey, DecryptionFailed, openBlsSeal, sealToBlsKey } from '../../src/crypto/index.ts'
import { SeededRandom } from '../../src/sim/random.ts'

const random = new SeededRandom(7)
const alice = BlsSecretKey.random(random.byteSource())
const bob = BlsSecretKey.random(random.byteSource())
const context = new TextEncoder().encode('test/context')

describe('a seal to a BLS key', () => {
  it('opens with the recipient\'s secret to the same bytes, whatever they are', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (plaintext) => {
      const sealed = sealToBlsKey(alice.publicKey(), plaintext, context)
      expect(sealed.length).toBe(plaintext.length + BLS_SEAL_OVERHEAD)
      expect(openBlsSeal(alice, sealed, context)).toEqual(plaintext)
    }), { numRuns: 20 })
  })

  it('is fresh each time (a new ephemeral key), and a child key\'s secret opens a seal to the child', () => {
    const plaintext = new TextEncoder().encode('a DBC')
    expect(sealToBlsKey(alice.publicKey(), plaintext, context)).not.toEqual(sealToBlsKey(alice.publicKey(), plaintext, context))
    const index = random.bytes(32)
    expect(openBlsSeal(alice.derive(index), sealToBlsKey(alice.publicKey().derive(index), plaintext, context), context)).toEqual(plaintext)
  })

  it('is refused with DecryptionFailed for another key, another context, a changed byte or a short input', () => {
    const sealed = sealToBlsKey(alice.publicKey(), new TextEncoder().encode('paid to alice'), context)
    expect(() => openBlsSeal(bob, sealed, context)).toThrow(DecryptionFailed)
    expect(() => openBlsSeal(alice, sealed, new TextEncoder().encode('another'))).toThrow(DecryptionFailed)
    for (const at of [0, 47, 48, sealed.length - 1]) {
      const changed = Uint8Array.from(sealed)
      changed[at]! ^= 1
      expect(() => openBlsSeal(alice, changed, context)).toThrow(DecryptionFailed)
    }
    expect(() => openBlsSeal(alice, sealed.subarray(0, BLS_SEAL_OVERHEAD - 1), context)).toThrow(DecryptionFailed)
  })
})
