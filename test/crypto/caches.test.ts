import { describe, expect, it } from 'vitest'
import { CACHE_LIMITS, cacheEvictions } from '../../src/crypto/index.ts'
import { NodeKeypair } from '../../src/crypto/index.ts'

describe('crypto caches', () => {
  it('are bounded, and count what they evict: verified Ed25519 signatures past their limit', () => {
    const keypair = NodeKeypair.fromSeed(new Uint8Array(32).fill(7))
    const before = cacheEvictions['ed25519-verified']
    const extra = 10
    for (let i = 0; i < CACHE_LIMITS['ed25519-verified'] + extra; i++) {
      const message = Uint8Array.of(i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff)
      expect(keypair.publicKey.verify(message, keypair.sign(message))).toBe(true)
    }
    expect(cacheEvictions['ed25519-verified'] - before).toBeGreaterThanOrEqual(extra)
    expect(cacheEvictions['ed25519-verified'] - before).toBeLessThanOrEqual(CACHE_LIMITS['ed25519-verified'] + extra)
  })
})
