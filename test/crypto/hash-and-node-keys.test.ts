import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidEncoding, NodeKeypair, NodePublicKey, sha3_256, toHex } from '../../src/crypto/index.ts'
import { XorName } from '../../src/xor/index.ts'

describe('SHA3-256', () => {
  it('matches the FIPS 202 vectors', () => {
    expect(toHex(sha3_256(new Uint8Array()))).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a')
    expect(toHex(sha3_256(Buffer.from('abc')))).toBe('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532')
  })

  it('hashes parts as their concatenation', () => {
    fc.assert(fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
      expect(toHex(sha3_256(a, b))).toBe(toHex(sha3_256(Buffer.concat([a, b]))))
    }))
  })
})

describe('Ed25519 node identities', () => {
  // RFC 8032 §7.1, test 2: one-byte message 0x72.
  const seed = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex')
  const publicKey = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'
  const signature = '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'

  it('reproduces the RFC 8032 vector', () => {
    const keypair = NodeKeypair.fromSeed(seed)
    expect(keypair.publicKey.toHex()).toBe(publicKey)
    expect(toHex(keypair.sign(Uint8Array.of(0x72)))).toBe(signature)
    expect(keypair.publicKey.verify(Uint8Array.of(0x72), Buffer.from(signature, 'hex'))).toBe(true)
  })

  it('names a node by SHA3-256 of its public key', () => {
    const keypair = NodeKeypair.fromSeed(seed)
    expect(keypair.name.equals(XorName.fromContent(Buffer.from(publicKey, 'hex')))).toBe(true)
  })

  it('rejects a signature of another message or by another key', () => {
    const a = NodeKeypair.generate()
    const b = NodeKeypair.generate()
    const message = Buffer.from('join me')
    const signed = a.sign(message)
    expect(a.publicKey.verify(message, signed)).toBe(true)
    expect(a.publicKey.verify(Buffer.from('join me!'), signed)).toBe(false)
    expect(b.publicKey.verify(message, signed)).toBe(false)
    expect(a.publicKey.verify(message, signed.subarray(0, 63))).toBe(false)
  })

  it('round-trips through its seed', () => {
    const a = NodeKeypair.generate()
    expect(NodeKeypair.fromSeed(a.seed()).publicKey.equals(a.publicKey)).toBe(true)
  })

  it('can grind a key whose name falls in a prefix', () => {
    const keypair = NodeKeypair.generateWhere((name) => name.bit(0) === 1 && name.bit(1) === 0)
    expect(keypair.name.bit(0)).toBe(1)
    expect(keypair.name.bit(1)).toBe(0)
  })

  it('refuses malformed public keys and seeds with typed errors', () => {
    expect(() => NodePublicKey.fromBytes(new Uint8Array(31))).toThrow(InvalidEncoding)
    expect(() => NodeKeypair.fromSeed(new Uint8Array(33))).toThrow(InvalidEncoding)
  })
})
