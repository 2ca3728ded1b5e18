/**
 * Registers from a client (issue 19): create one, write to it, read it back. Reads rebuild the
 * register from the holder's operations and check every one (signatures, writers, parents) as a
 * holder does: a holder cannot forge an entry, only withhold.
 */
import { Schema } from 'effect'
import { type NodeKeypair, toHex } from '../crypto/index.ts'
import type { RegisterAck } from '../register/ack.ts'
import { createOp, entryHash, RefusalReason, Register, type RegisterAddress, registerName, type RegisterOp, RegisterOpRefused, writeOp } from '../register/register.ts'
import type { ClientSession } from './session.ts'

/** A register could not be created, written or read: which, and why. */
export class RegisterFailed extends Schema.TaggedError<RegisterFailed>()('RegisterFailed', {
  /** The register's name (its place in XOR space), hex. */
  register: Schema.String,
  message: Schema.String,
  /** Why the register refused the operation, when it did (`Full`, `AlreadyCreated`, …). */
  refused: Schema.optional(RefusalReason),
  /** A read: its holders answered that they do not have the register. */
  notFound: Schema.optional(Schema.Boolean),
}) {}

/** Times a put is made before it fails, as an upload tries a chunk (a churning section can outlast one request's attempts). */
export const REGISTER_PUT_TRIES = 3

/**
 * Puts operations with the register's holders; a put that ran out of attempts is made again (the
 * same operations: a holder that has them already just acknowledges), one the register refused is not.
 */
async function put(session: ClientSession, address: RegisterAddress, ops: ReadonlyArray<RegisterOp>, history: ReadonlyArray<RegisterOp> = []): Promise<RegisterAck[]> {
  const name = registerName(address)
  for (let tries = 1; ; tries++) {
    const outcome = await new Promise<Parameters<Parameters<ClientSession['putRegister']>[2]>[0]>((resolve) => session.putRegister(name, ops, resolve, history))
    if (outcome.ok) return outcome.value
    const refused = RefusalReason.literals.find((reason) => outcome.failure.reason.startsWith(`${reason}: `))
    if (refused !== undefined || tries >= REGISTER_PUT_TRIES) {
      throw new RegisterFailed({ register: name.toHex(), message: `register ${name.toHex().slice(0, 16)}… not stored: ${outcome.failure.reason}${tries > 1 ? ` (${tries} tries)` : ''}`, ...(refused === undefined ? {} : { refused }) })
    }
  }
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
      if (!outcome.ok) {
        const notFound = outcome.failure.notFound !== undefined
        return reject(new RegisterFailed({ register: name.toHex(), message: `register ${name.toHex().slice(0, 16)}… could not be read: ${outcome.failure.reason}`, ...(notFound ? { notFound } : {}) }))
      }
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

/**
 * Adds `value` to `owner`'s register `name` as an entry superseding nothing (a branch of its own),
 * creating the register first if it is not there: one put, no read. For a register used as a set
 * (a wallet's inbox, written by anyone who derives its key): a write merging every head would be
 * refused once there are more than MAX_PARENTS branches. If the register exists with another
 * policy (made first by someone else), the owner's entry goes in all the same.
 */
export async function addToRegister(session: ClientSession, owner: NodeKeypair, name: string, value: Uint8Array): Promise<{ readonly hash: string }> {
  const create = createOp(owner, name)
  const op = writeOp(owner, create.address, value, [])
  try {
    await put(session, create.address, [create, op])
  } catch (error) {
    if (!(error instanceof RegisterFailed) || error.refused !== 'AlreadyCreated') throw error
    await put(session, create.address, [op])
  }
  return { hash: toHex(entryHash(create.address, op.entry)) }
}
