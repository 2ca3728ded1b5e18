/**
 * The facts one role publishes for others (DESIGN.md §1): the node shell carries them, in order,
 * to the roles that subscribed, in the order the roles were made. They are what later roles build
 * on: the vault replicates on `membership-changed`, the mint learns which key share it holds on
 * `elders-changed`.
 */
import type { AppliedDecision, SectionView } from '../../consensus/index.ts'
import type { XorName } from '../../xor/index.ts'
import type { ProofChain, SignedSap } from '../../knowledge/index.ts'
import type { Kind } from '../../wire/index.ts'

export type ShellEvent =
  /** A member of our section sent us something (not a request to join again). */
  | { readonly type: 'heard'; readonly from: XorName; readonly kind: Kind }
  /** We have a section from now on: approved as a member, resumed from our store, or the genesis. */
  | { readonly type: 'section-started'; readonly view: SectionView }
  /** Our section applied a decision (one generation further). */
  | { readonly type: 'decision-applied'; readonly applied: AppliedDecision }
  /**
   * A handover or split was decided: new elders (and keys) from the next generation; `saps` the
   * new SAP(s), awaiting their chain link; `split` whether the section became two.
   */
  | { readonly type: 'elders-changed'; readonly applied: AppliedDecision; readonly saps: ReadonlyArray<SignedSap>; readonly split: boolean }
  /** The decision's changes to our members are applied (our own departure among them, perhaps). */
  | { readonly type: 'membership-changed'; readonly applied: AppliedDecision }
  /** Our section merged: into its sibling (`absorbed`) or by taking its sibling in. */
  | { readonly type: 'section-merged'; readonly sap: SignedSap; readonly absorbed: boolean }
  /** Our tree accepted a SAP it did not hold (with its chain from a key we trust). */
  | { readonly type: 'sap-learnt'; readonly sap: SignedSap; readonly chain: ProofChain }

export type ShellEventType = ShellEvent['type']
export type ShellEventOf<T extends ShellEventType> = Extract<ShellEvent, { type: T }>

/** Synchronous, ordered delivery of shell events: subscribers run in the order they subscribed. */
export class ShellEvents {
  readonly #subscribers = new Map<ShellEventType, Array<(event: ShellEvent) => void>>()

  on<T extends ShellEventType>(type: T, handler: (event: ShellEventOf<T>) => void): void {
    let list = this.#subscribers.get(type)
    if (list === undefined) this.#subscribers.set(type, (list = []))
    list.push(handler as (event: ShellEvent) => void)
  }

  emit(event: ShellEvent): void {
    for (const handler of this.#subscribers.get(event.type) ?? []) handler(event)
  }
}
