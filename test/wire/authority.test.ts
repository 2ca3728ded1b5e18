import { Result } from 'effect'
import { describe, expect, it } from 'vitest'
import { NodeKeypair, SecretKeySet, SignatureShare } from '../../src/crypto/index.ts'
import {
  aggregationKey,
  clientAuthority,
  decode,
  type Dst,
  type Envelope,
  newMsgId,
  nodeAuthority,
  seal,
  sectionAuthority,
  sectionShareAuthority,
  sectionSigningBytes,
  verifyPeerAuthority,
  verifySectionShare,
} from '../../src/wire/index.ts'

const keys = SecretKeySet.random(4)
const sectionKey = keys.publicKeys().publicKey()
const dst: Dst = { name: new Uint8Array(32).fill(1), sectionKey: sectionKey.toBytes() }
const probe = { msgId: newMsgId(), kind: 'AeProbe' as const, dst, payload: { sectionKey: sectionKey.toBytes() } }

function roundTrip(frame: Uint8Array): Envelope {
  return Result.getOrThrow(decode(frame)).envelope
}

describe('peer authorities', () => {
  const node = NodeKeypair.generate()

  it('a Node authority verifies and yields the sender key', () => {
    const { frame } = Result.getOrThrow(seal(probe, nodeAuthority(node)))
    const verified = verifyPeerAuthority(roundTrip(frame))
    expect(Result.isSuccess(verified) && verified.success.name.equals(node.name)).toBe(true)
  })

  it('a Client authority verifies', () => {
    const client = NodeKeypair.generate()
    const { frame } = Result.getOrThrow(seal(probe, clientAuthority(client)))
    expect(Result.isSuccess(verifyPeerAuthority(roundTrip(frame)))).toBe(true)
  })

  it('refuses a node name that is not the hash of the key', () => {
    const { envelope } = Result.getOrThrow(seal(probe, nodeAuthority(node)))
    const lying = { ...envelope, auth: { ...envelope.auth, name: new Uint8Array(32) } } as Envelope
    const result = verifyPeerAuthority(lying)
    expect(Result.isFailure(result) && result.failure.message).toMatch(/name is not SHA3-256/)
  })

  it('refuses a signature moved to another destination or payload', () => {
    const { envelope } = Result.getOrThrow(seal(probe, nodeAuthority(node)))
    const redirected = { ...envelope, dst: { ...dst, name: new Uint8Array(32).fill(2) } }
    expect(Result.isFailure(verifyPeerAuthority(redirected))).toBe(true)
    const otherPayload = { ...envelope, payload: Uint8Array.from([...envelope.payload.subarray(0, -1), envelope.payload.at(-1)! ^ 1]) }
    expect(Result.isFailure(verifyPeerAuthority(otherPayload))).toBe(true)
    const otherMsgId = { ...envelope, msgId: newMsgId() }
    expect(Result.isFailure(verifyPeerAuthority(otherMsgId))).toBe(true)
  })

  it('refuses a message signed by another key than the one it names', () => {
    const other = NodeKeypair.generate()
    const { envelope } = Result.getOrThrow(seal(probe, nodeAuthority(node)))
    const signedByOther = Result.getOrThrow(seal(probe, nodeAuthority(other))).envelope
    const forged = { ...envelope, auth: { ...envelope.auth, signature: (signedByOther.auth as { signature: Uint8Array }).signature } } as Envelope
    expect(Result.isFailure(verifyPeerAuthority(forged))).toBe(true)
  })
})

describe('section authorities', () => {
  it('shares from different envelopes aggregate into the section signature over kind ‖ payload', () => {
    const publicKeys = keys.publicKeys()
    const envelopes = [0, 2, 3, 5, 6].map((index) =>
      roundTrip(Result.getOrThrow(seal({ ...probe, msgId: newMsgId() }, sectionShareAuthority(publicKeys, keys.secretKeyShare(index)))).frame))
    for (const envelope of envelopes) expect(Result.isSuccess(verifySectionShare(envelope))).toBe(true)
    // Same content ⇒ same aggregation key, whatever the msgId.
    const keysSeen = new Set(envelopes.map((e) => Buffer.from(aggregationKey(e.kind, e.payload, sectionKey.toBytes())).toString('hex')))
    expect(keysSeen.size).toBe(1)

    const signed = sectionSigningBytes('AeProbe', envelopes[0]!.payload)
    const { signature } = publicKeys.combine(signed, envelopes.map((e) => {
      const auth = e.auth as { index: number; share: Uint8Array }
      return { index: auth.index, share: SignatureShare.fromBytes(auth.share), signer: String(auth.index) }
    }))
    expect(sectionKey.verify(signed, signature)).toBe(true)
    const { envelope } = Result.getOrThrow(seal(probe, sectionAuthority(sectionKey.toBytes(), signature)))
    expect(envelope.auth._tag).toBe('Section')
  })

  it('refuses a share that was made for another payload', () => {
    const publicKeys = keys.publicKeys()
    const { envelope } = Result.getOrThrow(seal(probe, sectionShareAuthority(publicKeys, keys.secretKeyShare(1))))
    const moved = { ...envelope, kind: 'AeUpdate' }
    expect(Result.isFailure(verifySectionShare(moved))).toBe(true)
  })
})
