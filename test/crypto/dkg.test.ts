import { describe, expect, it } from 'vitest'
import {
  combineQualified,
  deal,
  decryptShare,
  DecryptionFailed,
  encodeDealtShare,
  EncryptionKeypair,
  encryptDealtShare,
  encryptShare,
  InvalidParameters,
  NodeKeypair,
  openDealtShare,
  threshold,
  verifyDealtShare,
} from '../../src/crypto/index.ts'

const context = (dealer: number, recipient: number) => new TextEncoder().encode(`session-1/${dealer}/${recipient}`)

describe('share encryption (X25519 + ChaCha20-Poly1305)', () => {
  const recipient = EncryptionKeypair.generate()
  const plaintext = new Uint8Array(32).fill(7)

  it('decrypts for the recipient and the same context only', () => {
    const ciphertext = encryptShare(recipient.publicKey, plaintext, context(0, 1))
    expect(decryptShare(recipient, ciphertext, context(0, 1))).toEqual(plaintext)
    expect(() => decryptShare(recipient, ciphertext, context(0, 2))).toThrow(DecryptionFailed)
    expect(() => decryptShare(EncryptionKeypair.generate(), ciphertext, context(0, 1))).toThrow(DecryptionFailed)
  })

  it('detects any flipped bit and truncation', () => {
    const ciphertext = encryptShare(recipient.publicKey, plaintext, context(0, 1))
    for (const position of [0, 31, 32, 40, ciphertext.length - 1]) {
      const tampered = Uint8Array.from(ciphertext)
      tampered[position]! ^= 1
      expect(() => decryptShare(recipient, tampered, context(0, 1))).toThrow(DecryptionFailed)
    }
    expect(() => decryptShare(recipient, ciphertext.subarray(0, 40), context(0, 1))).toThrow(DecryptionFailed)
  })

  it('encrypts the same share differently each time (fresh ephemeral key)', () => {
    const a = encryptShare(recipient.publicKey, plaintext, context(0, 1))
    const b = encryptShare(recipient.publicKey, plaintext, context(0, 1))
    expect(Buffer.compare(a, b)).not.toBe(0)
  })
})

describe('Joint-Feldman DKG maths, 7 candidates', () => {
  const n = 7
  const t = threshold(n)
  const sessionKeys = Array.from({ length: n }, () => EncryptionKeypair.generate())
  const dealings = Array.from({ length: n }, () => deal(t, n))
  const ciphertexts = dealings.map((dealing, dealer) =>
    sessionKeys.map((key, recipient) => encryptDealtShare(dealing, recipient, key.publicKey, context(dealer, recipient))))

  it('every candidate opens and verifies every dealt share', () => {
    for (let dealer = 0; dealer < n; dealer++) {
      for (let recipient = 0; recipient < n; recipient++) {
        const check = openDealtShare(sessionKeys[recipient]!, recipient, dealings[dealer]!.commitments, ciphertexts[dealer]![recipient]!, context(dealer, recipient))
        expect(check.ok).toBe(true)
      }
    }
  })

  it('all candidates derive the same key set, and any 5 of their shares sign under it', () => {
    const results = sessionKeys.map((key, recipient) => combineQualified(recipient, dealings.map((dealing, dealer) => {
      const check = openDealtShare(key, recipient, dealing.commitments, ciphertexts[dealer]![recipient]!, context(dealer, recipient))
      if (!check.ok) throw new Error(`share ${dealer}→${recipient} failed: ${check.reason}`)
      return { commitments: dealing.commitments, share: check.share }
    })))
    const keySet = results[0]!.publicKeySet
    for (const result of results) expect(result.publicKeySet.equals(keySet)).toBe(true)
    const message = new TextEncoder().encode('new SAP')
    const shares = [6, 1, 4, 0, 3].map((i) => ({ index: i, share: results[i]!.secretKeyShare.sign(message), signer: `c${i}` }))
    const { signature, badSigners } = keySet.combine(message, shares)
    expect(badSigners).toEqual([])
    expect(keySet.publicKey().verify(message, signature)).toBe(true)
    // A key share is consistent with its public key share.
    expect(results[2]!.secretKeyShare.publicKeyShare().equals(keySet.publicKeyShare(2))).toBe(true)
  })

  it('a subset of qualified dealers still agrees on one key, different from the full set', () => {
    const qualified = [0, 2, 3, 5, 6]
    const forRecipient = (recipient: number) => combineQualified(recipient, qualified.map((dealer) => ({
      commitments: dealings[dealer]!.commitments, share: dealings[dealer]!.shares[recipient]!,
    })))
    expect(forRecipient(1).publicKeySet.equals(forRecipient(4).publicKeySet)).toBe(true)
    const full = combineQualified(1, dealings.map((d) => ({ commitments: d.commitments, share: d.shares[1]! })))
    expect(forRecipient(1).publicKeySet.equals(full.publicKeySet)).toBe(false)
  })

  it('a bad share fails the Feldman check when opened; the revealed true share passes it', () => {
    const badShare = dealings[3]!.shares[5]! + 1n
    expect(verifyDealtShare(dealings[3]!.commitments, 5, dealings[3]!.shares[5]!)).toBe(true)
    expect(verifyDealtShare(dealings[3]!.commitments, 5, badShare)).toBe(false)
    const badCiphertext = encryptShare(sessionKeys[5]!.publicKey, encodeDealtShare(badShare), context(3, 5))
    expect(openDealtShare(sessionKeys[5]!, 5, dealings[3]!.commitments, badCiphertext, context(3, 5))).toEqual({ ok: false, reason: 'not-committed' })
    expect(openDealtShare(sessionKeys[5]!, 5, dealings[3]!.commitments, ciphertexts[3]![5]!.subarray(1), context(3, 5))).toEqual({ ok: false, reason: 'undecryptable' })
    // A dealer answering the complaint reveals the share; anyone can check it against the commitments.
    expect(verifyDealtShare(dealings[3]!.commitments, 5, dealings[3]!.shares[5]!)).toBe(true)
  })

  it('node identities double as encryption keys: Ed25519 keys map to X25519', () => {
    const a = NodeKeypair.generate()
    const b = NodeKeypair.generate()
    expect(a.encryptionKeypair().publicKey).toEqual(a.publicKey.encryptionKey())
    const ciphertext = encryptShare(b.publicKey.encryptionKey(), Uint8Array.of(1, 2, 3), context(0, 1))
    expect(decryptShare(b.encryptionKeypair(), ciphertext, context(0, 1))).toEqual(Uint8Array.of(1, 2, 3))
    expect(() => decryptShare(a.encryptionKeypair(), ciphertext, context(0, 1))).toThrow(DecryptionFailed)
  })

  it('refuses impossible parameters', () => {
    expect(() => deal(7, 7)).toThrow(InvalidParameters)
    expect(() => deal(-1, 7)).toThrow(InvalidParameters)
    expect(() => combineQualified(0, [])).toThrow(InvalidParameters)
  })
})
