import { describe, expect, it } from 'vitest'
import { SignatureAggregator } from '../../src/consensus/index.ts'
import { SecretKeySet, threshold } from '../../src/crypto/index.ts'

const keys = SecretKeySet.random(threshold(7))
const keySet = keys.publicKeys()
const message = new TextEncoder().encode('a new SAP')
const share = (index: number, what = message) => keys.secretKeyShare(index).sign(what).toBytes()
const corrupt = (bytes: Uint8Array) => share(0, new TextEncoder().encode('something else')).slice(0, bytes.length)

function aggregator(now = { ms: 0 }, maxEntries = 8, expiryMs = 1_000) {
  return new SignatureAggregator({ maxEntries, expiryMs, now: () => now.ms })
}

describe('the signature aggregator', () => {
  it('combines at threshold + 1 shares (5 of 7) into the section signature, and answers done after', () => {
    const agg = aggregator()
    for (let i = 0; i < 4; i++) expect(agg.add(message, keySet, i, share(i)).kind).toBe('pending')
    const fifth = agg.add(message, keySet, 4, share(4))
    expect(fifth.kind).toBe('combined')
    if (fifth.kind !== 'combined') return
    expect(keySet.publicKey().verify(message, fifth.signature)).toBe(true)
    const late = agg.add(message, keySet, 5, share(5))
    expect(late.kind).toBe('done')
    expect(agg.counts).toMatchObject({ started: 1, combined: 1, badShares: 0 })
  })

  it('names a bad signer and leaves its share out, combining once enough valid shares are in', () => {
    const agg = aggregator()
    expect(agg.add(message, keySet, 0, corrupt(share(0))).kind).toBe('pending')
    for (let i = 1; i < 4; i++) expect(agg.add(message, keySet, i, share(i)).kind).toBe('pending')
    // Five shares, one bad: the combination fails its check, the shares are checked, index 0 is named and dropped.
    expect(agg.add(message, keySet, 4, share(4))).toEqual({ kind: 'pending', badSigners: [0] })
    expect(agg.counts.badShares).toBe(1)
    const sixth = agg.add(message, keySet, 5, share(5))
    expect(sixth.kind).toBe('combined')
    if (sixth.kind === 'combined') expect(keySet.publicKey().verify(message, sixth.signature)).toBe(true)
  })

  it('keeps shares of different messages and of different key sets apart', () => {
    const agg = aggregator()
    const other = SecretKeySet.random(threshold(7))
    for (let i = 0; i < 4; i++) {
      agg.add(message, keySet, i, share(i))
      agg.add(message, other.publicKeys(), i, other.secretKeyShare(i).sign(message).toBytes())
    }
    expect(agg.size).toBe(2)
    expect(agg.add(new TextEncoder().encode('another'), keySet, 4, share(4, new TextEncoder().encode('another'))).kind).toBe('pending')
    expect(agg.add(message, keySet, 4, share(4)).kind).toBe('combined')
  })

  it('refuses a share that does not decode, and counts it', () => {
    const agg = aggregator()
    expect(agg.add(message, keySet, 0, new Uint8Array([1, 2, 3])).kind).toBe('malformed')
    expect(agg.counts.malformed).toBe(1)
    expect(agg.size).toBe(0)
  })

  it('is bounded: past maxEntries the oldest entry goes, counted', () => {
    const dropped: string[] = []
    const agg = new SignatureAggregator({ maxEntries: 2, expiryMs: 1_000, now: () => 0, onDrop: (why) => dropped.push(why) })
    for (const text of ['a', 'b', 'c']) agg.add(new TextEncoder().encode(text), keySet, 0, share(0, new TextEncoder().encode(text)))
    expect(agg.size).toBe(2)
    expect(agg.counts.evicted).toBe(1)
    expect(dropped).toEqual(['evicted'])
  })

  it('expires an incomplete entry: its old shares no longer count', () => {
    const now = { ms: 0 }
    const agg = aggregator(now)
    for (let i = 0; i < 4; i++) agg.add(message, keySet, i, share(i))
    now.ms = 1_001
    expect(agg.add(message, keySet, 4, share(4)).kind).toBe('pending')
    expect(agg.counts.expired).toBe(1)
  })
})
