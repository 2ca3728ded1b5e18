/**
 * Register operations on the wire (issue 19; src/register): the same shapes as
 * `RegisterOp`, every field bounded by the register's own limits, so a holder decodes nothing
 * it would then refuse for size. Signatures and writers are checked by the register itself.
 */
import { Schema } from 'effect'
import { MAX_NAME_BYTES, MAX_PARENTS, MAX_VALUE_BYTES, MAX_WRITERS } from '../register/register.ts'
import { Address, BoundedArray, BoundedBytes, BoundedString, Ed25519PublicKeyBytes, Ed25519SignatureBytes, MAX_MEMBERS, Sha3Hash, Uint, XorNameBytes } from './primitives.ts'

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

/** Heads an acknowledgement lists (concurrent writes not yet merged). */
export const MAX_ACK_HEADS = 64

/** A client stores register operations with a holder (`dst.name` is the register's name): a create, writes. */
export const RegisterPut = Schema.Struct({ ops: RegisterOpsWire })
/**
 * A holder applied the put and stored the register: its node key's signature over
 * `safenet/register-ack/v1 ‖ name ‖ heads` (src/register/ack.ts), the heads it holds now.
 */
export const RegisterAck = Schema.Struct({ name: XorNameBytes, heads: BoundedArray(Sha3Hash, MAX_ACK_HEADS), size: Uint, holder: Ed25519PublicKeyBytes, signature: Ed25519SignatureBytes })
/** A client reads a register (`dst.name` is its name): its operations in log order from `from`. */
export const RegisterGet = Schema.Struct({ from: Uint })
/** A page of a register's operations in log order (create first), from `from`, of `total`. */
export const RegisterState = Schema.Struct({ name: XorNameBytes, from: Uint, total: Uint, ops: RegisterOpsWire })
/**
 * Why a register request was not served: a refusal of the register itself (`BadSignature`,
 * `NotWriter`, `UnknownParent`, … see src/register), or `NotHolder` (`holders` are who are),
 * `NotFound`, `Full` (our storage limit).
 */
export const RegisterRefused = Schema.Struct({
  name: XorNameBytes,
  reason: Schema.Literals(['BadSignature', 'NotWriter', 'WrongRegister', 'TooLarge', 'TooManyParents', 'UnknownParent', 'NotCreated', 'AlreadyCreated', 'Full', 'Malformed', 'NotHolder', 'NotFound']),
  message: BoundedString(256),
  holders: BoundedArray(Schema.Struct({ name: XorNameBytes, publicKey: Ed25519PublicKeyBytes, addr: Address }), MAX_MEMBERS),
})
/** A holder passes a register's operations to another holder (after a write, on churn, in the sweep). */
export const RegisterSync = Schema.Struct({ ops: RegisterOpsWire })
