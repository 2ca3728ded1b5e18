/**
 * A holder's receipt for a chunk (DESIGN.md §10): its node key's Ed25519 signature over
 * `safenet/chunk-receipt/v1 ‖ address`. A client keeps receipts as proof of where its data went;
 * anyone can check one with the holder's public key (whose SHA3 is the holder's name).
 */
import { concatBytes, domain, type NodeKeypair, NodePublicKey } from '../crypto/index.ts'

/** A holder's receipt for the chunk at `address` (the wire's `ChunkReceipt`). */
export interface ChunkReceipt {
  readonly address: Uint8Array
  /** The holder's Ed25519 node key. */
  readonly holder: Uint8Array
  readonly signature: Uint8Array
}

const RECEIPT_DOMAIN = domain('safenet/chunk-receipt/v1')

export function receiptBytes(address: Uint8Array): Uint8Array {
  return concatBytes(RECEIPT_DOMAIN, address)
}

export function signReceipt(keypair: NodeKeypair, address: Uint8Array): ChunkReceipt {
  return { address, holder: keypair.publicKey.bytes, signature: keypair.sign(receiptBytes(address)) }
}

/** Whether `receipt` is a valid holder's signature over its address (a malformed key is not). */
export function verifyReceipt(receipt: ChunkReceipt): boolean {
  try {
    return NodePublicKey.fromBytes(receipt.holder).verify(receiptBytes(receipt.address), receipt.signature)
  } catch {
    return false
  }
}
