/**
 * Registers from a client (issue 19): create one, write to it, read it back. Reads rebuild the
 * register from the holder's operations and check every one (signatures, writers, parents) as a
 * holder does: a holder cannot forge an entry, only withhold.
 */
import { Schema } from 'effect'
import { type NodeKeypair, toHex } from '../crypto/index.ts'
import type { RegisterAck } from '../register/ack.ts'
import { createOp, Register, type RegisterAddress, registerName, type RegisterOp, RegisterOpRefused, writeOp } from '../register/register.ts'
import type { ClientSession } from './session.ts'

/** A register could not be created, written or read: which, and why. */
export class RegisterFailed extends Schema.TaggedError<RegisterFailed>()('RegisterFailed', {
  /** The register's name (its place in XOR space), hex. */
  register: Schema.String,
  message: Schema.String,
}) {}

function put(session: ClientSession, address: RegisterAddress, ops: ReadonlyArray<RegisterOp>, history: ReadonlyArray<RegisterOp> = []): Promise<RegisterAck[]> {
  const name = registerName(address)
  return new Promise((resolve, reject) => {
    session.putRegister(name, ops, (outcome) => (outcome.ok ? resolve(outcome.value) : reject(new RegisterFailed({ register: name.toHex(), message: `register ${name.toHex().slice(0, 16)}… not stored: ${outcome.failure.reason}` }))), history)
  })
}

/** Creates the register `name` of `owner`, writable by `writers` too; resolves once its holders acknowledged it. */
export async function createRegister(session: ClientSession, owner: NodeKeypair, name: string, writers: ReadonlyArray<Uint8Array> = []): Promise<RegisterAddress> {
  const op = createOp(owner, name, writers)
  await put(session, op.address, [op])
  return op.address
}

/** Reads a register: every operation its holder sends, checked; fails if it does not exist. */
export function readRegister(session: ClientSession, address: RegisterAddress): Promise<Register> {
  const name = registerName(address)
  return new Promise((resolve, reject) => {
    session.getRegister(name, (outcome) => {
      if (!outcome.ok) return reject(new RegisterFailed({ register: name.toHex(), message: `register ${name.toHex().slice(0, 16)}… could not be read: ${outcome.failure.reason}` }))
      const register = new Register(address)
      try {
        for (const op of outcome.value) register.apply(op)
      } catch (error) {
        if (!(error instanceof RegisterOpRefused)) throw error
        return reject(new RegisterFailed({ register: name.toHex(), message: `a holder sent an operation the register refuses: ${error.reason}: ${error.message}` }))
      }
      if (register.policy === undefined) return reject(new RegisterFailed({ register: name.toHex(), message: 'a holder sent a register without its create' }))
      resolve(register)
    })
  })
}

/**
 * Writes `value` to a register, superseding (merging) every head it has now; resolves with the
 * new entry's hash once the register's holders acknowledged it.
 */
export async function writeRegister(session: ClientSession, author: NodeKeypair, address: RegisterAddress, value: Uint8Array): Promise<{ readonly hash: string; readonly heads: ReadonlyArray<string> }> {
  const current = await readRegister(session, address)
  const op = writeOp(author, address, value, current.heads())
  // Checked here first: a write the register would refuse is not sent.
  try {
    current.accept(op)
  } catch (error) {
    if (!(error instanceof RegisterOpRefused)) throw error
    throw new RegisterFailed({ register: registerName(address).toHex(), message: `${error.reason}: ${error.message}` })
  }
  const acks = await put(session, address, [op], current.ops())
  return { hash: toHex(current.heads()[0]!), heads: (acks[0]?.heads ?? []).map(toHex) }
}
