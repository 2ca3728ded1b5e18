/**
 * The role contract (DESIGN.md §1), in the js-libp2p capability style: a role is made from its
 * init and the node's components (`role(init)(components)`), declares the message kinds it
 * handles, receives them, starts and stops, and reports its actors' states. The node shell routes
 * each message to the one role that handles its kind; roles learn of each other's work through
 * the shell's typed events ({@link ShellEvent}) and the narrow services in the components.
 */
import type { NodePublicKey } from '../crypto/index.ts'
import type { Kind, Message, PayloadOf } from '../wire/index.ts'

export interface Role {
  /** The role's name, as its folder and its actors' system ids say it. */
  readonly name: string
  /** The message kinds this role handles (no two roles of a node handle one kind). */
  readonly handles: ReadonlyArray<Kind>
  /** A message of one of {@link handles}, past the shell's anti-entropy gate. */
  receive(from: string, message: Message, sender: NodePublicKey, frame: Uint8Array): void
  /** The node stops (a crash in the simulator, a shutdown in a real node): no more timers or sends. */
  stop(): void
  /** Each of this role's actors and the state it is in (logs, status, the inspector, tests). */
  states(): Record<string, unknown>
}

/**
 * Sends one message to peers by address: what a protocol machine's host (agreement, DKG) is
 * given — the shell's `send` in a node, an elder's wire in the simulator's scenarios.
 */
export type Send = <K extends Kind>(to: ReadonlyArray<string>, kind: K, payload: PayloadOf<K>) => void
