/**
 * A holder's acknowledgement of a register put: its node key's Ed25519 signature over
 * `safenet/register-ack/v1 ‖ name ‖ heads` (the register's heads as the holder holds them once it
 * applied the put). A client counts a write stored when its holders acknowledged heads that
 * include (or supersede) it.
 */
import { concatBytes, domain, type NodeKeypair, NodePublicKey } from '../crypto/index.ts'

export interface RegisterAck {
  readonly name: Uint8Array
  readonly heads: ReadonlyArray<Uint8Array>
  readonly size: number
  readonly holder: Uint8Array
  readonly signature: Uint8Array
}

const ACK_DOMAIN = domain('safenet/register-ack/v1')

export function ackBytes(name: Uint8Array, heads: ReadonlyArray<Uint8Array>): Uint8Array {
  return concatBytes(ACK_DOMAIN, name, ...heads)
}

export function signAck(keypair: NodeKeypair, name: Uint8Array, heads: ReadonlyArray<Uint8Array>, size: number): RegisterAck {
  return { name, heads, size, holder: keypair.publicKey.bytes, signature: keypair.sign(ackBytes(name, heads)) }
}

export function verifyAck(ack: RegisterAck): boolean {
  try {
    return NodePublicKey.fromBytes(ack.holder).verify(ackBytes(ack.name, ack.heads), ack.signature)
  } catch {
    return false
  }
}
