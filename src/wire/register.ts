/**
 * Register operations on the wire (issue 19; src/register): the same shapes as
 * `RegisterOp`, every field bounded by the register's own limits, so a holder decodes nothing
 * it would then refuse for size. Signatures and writers are checked by the register itself.
 */
import { Schema } from 'effect'
import { MAX_NAME_BYTES, MAX_PARENTS, MAX_VALUE_BYTES, MAX_WRITERS } from '../register/register.ts'
import { BoundedArray, BoundedBytes, BoundedString, Ed25519PublicKeyBytes, Ed25519SignatureBytes, Sha3Hash } from './primitives.ts'

/** Operations one message carries (a register's history goes in pages). */
export const MAX_OPS_PER_MESSAGE = 256

export const RegisterAddressWire = Schema.Struct({
  owner: Ed25519PublicKeyBytes,
  // UTF-16 units ≤ UTF-8 bytes: the register checks the byte bound itself.
  name: BoundedString(MAX_NAME_BYTES),
})

export const RegisterEntryWire = Schema.Struct({
  value: BoundedBytes(0, MAX_VALUE_BYTES, "a register entry's value"),
  parents: BoundedArray(Sha3Hash, MAX_PARENTS),
  author: Ed25519PublicKeyBytes,
  signature: Ed25519SignatureBytes,
})

export const RegisterOpWire = Schema.Union([
  Schema.Struct({
    kind: Schema.Literals(['create']),
    address: RegisterAddressWire,
    policy: Schema.Struct({ owner: Ed25519PublicKeyBytes, writers: BoundedArray(Ed25519PublicKeyBytes, MAX_WRITERS) }),
    signature: Ed25519SignatureBytes,
  }),
  Schema.Struct({
    kind: Schema.Literals(['write']),
    address: RegisterAddressWire,
    entry: RegisterEntryWire,
  }),
])
export type RegisterOpWire = typeof RegisterOpWire.Type

/** A page of a register's operations (a put, a read's answer, a replica's sync). */
export const RegisterOpsWire = BoundedArray(RegisterOpWire, MAX_OPS_PER_MESSAGE)
