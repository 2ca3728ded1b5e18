/**
 * Collecting signature shares until threshold + 1 are in, then combining them (the bad ones are
 * found and left out).
 */
import { type BlsSignature, type PublicKeySet, SignatureShare } from '../../crypto/index.ts'
import type { NodeComponents } from '../shell/components.ts'

export interface Aggregation {
  readonly shares: Map<number, SignatureShare>
  done: boolean
}

/**
 * Adds one share to an aggregation; once threshold + 1 are in, combines them (the bad ones are
 * found and left out) and marks it done. The signature, the first time it combines.
 */
export function aggregate(c: NodeComponents, agg: Aggregation, payload: { index: number; share: Uint8Array }, keySet: PublicKeySet, message: () => Uint8Array, refusal: string): BlsSignature | undefined {
  if (agg.done) return undefined
  try {
    agg.shares.set(payload.index, SignatureShare.fromBytes(payload.share))
  } catch {
    c.refuse(refusal)
    return undefined
  }
  if (agg.shares.size < keySet.threshold + 1) return undefined
  const signature = combineShares(keySet, message(), agg.shares)
  if (signature !== undefined) agg.done = true
  return signature
}

function combineShares(keySet: PublicKeySet, message: Uint8Array, shares: ReadonlyMap<number, SignatureShare>): BlsSignature | undefined {
  try {
    const { signature } = keySet.combine(message, [...shares].map(([index, share]) => ({ index, share, signer: String(index) })))
    return signature
  } catch {
    return undefined
  }
}
