/**
 * Anti-entropy (DESIGN.md §9): how a node answers a message sent with stale or wrong knowledge,
 * and how the sender learns from the answer — as pure functions over the SectionTree, for the
 * anti-entropy machine and the client to use.
 *
 * Receiver, on every incoming message, before its payload is decoded:
 *   1. `dst.name` outside our prefix → an elder answers Redirect with the closest SAP it knows and
 *      its chain; an adult drops the message.
 *   2. `dst.sectionKey` is our current key → accept.
 *   3. otherwise → Retry with our SAP and the chain from `dst.sectionKey` (or from genesis).
 * Sender, on an answer: apply the update; resend (Retry: to the same node; Redirect: to the elder
 * of the new SAP closest to `dst.name`). Loop guards: anti-entropy messages are never answered
 * with anti-entropy; a bounce whose key equals the one the message was sent with is dropped; a
 * message is resent at most `resendLimit` times.
 */
import type { BlsPublicKey } from '../crypto/index.ts'
import type { ProofChainWire, SignedSapWire } from '../wire/index.ts'
import type { Prefix, XorName } from '../xor/index.ts'
import { SignedSap } from './sap.ts'
import { ProofChain } from './sections-dag.ts'
import type { SectionTree, UpdateOutcome } from './section-tree.ts'

/** Message kinds that are anti-entropy themselves, and so are never bounced. */
export const AE_KINDS: ReadonlySet<string> = new Set(['AeProbe', 'AeRetry', 'AeRedirect', 'AeUpdate'])

export type AeVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'redirect' | 'retry'; readonly sap: SignedSap; readonly chain: ProofChain }
  | { readonly kind: 'drop'; readonly reason: 'outside-prefix-not-elder' | 'no-chain' }

/** The chain from `from` (if we trust it and it precedes `to`) or else from genesis, to `to`. */
function chainFor(tree: SectionTree, from: BlsPublicKey | undefined, to: BlsPublicKey): ProofChain | undefined {
  if (from !== undefined && tree.dag.has(from)) {
    const chain = tree.dag.proofChain(from, to)
    if (chain !== undefined) return chain
  }
  return tree.dag.chainFromGenesis(to)
}

/** What a node does with an incoming message addressed to `dst`. */
export function checkIncoming(options: {
  readonly tree: SectionTree
  readonly ourPrefix: Prefix
  readonly isElder: boolean
  readonly kind: string
  readonly dst: { readonly name: XorName; readonly sectionKey: BlsPublicKey | undefined }
}): AeVerdict {
  const { tree, ourPrefix, dst } = options
  if (AE_KINDS.has(options.kind)) return { kind: 'accept' }
  if (!ourPrefix.matches(dst.name)) {
    if (!options.isElder) return { kind: 'drop', reason: 'outside-prefix-not-elder' }
    const closest = tree.sectionFor(dst.name)
    const chain = closest === undefined ? undefined : chainFor(tree, dst.sectionKey, closest.sap.sectionKey())
    if (closest === undefined || chain === undefined) return { kind: 'drop', reason: 'no-chain' }
    return { kind: 'redirect', sap: closest, chain }
  }
  const ours = tree.get(ourPrefix)
  if (ours === undefined) return { kind: 'drop', reason: 'no-chain' }
  if (dst.sectionKey !== undefined && dst.sectionKey.equals(ours.sap.sectionKey())) return { kind: 'accept' }
  const chain = chainFor(tree, dst.sectionKey, ours.sap.sectionKey())
  if (chain === undefined) return { kind: 'drop', reason: 'no-chain' }
  return { kind: 'retry', sap: ours, chain }
}

export type ResendDecision =
  | { readonly action: 'resend'; readonly to: 'same-node' | XorName; readonly sectionKey: BlsPublicKey; readonly attempt: number }
  | { readonly action: 'drop'; readonly reason: 'update-rejected' | 'no-progress' | 'resend-limit' | 'no-elder'; readonly outcome?: UpdateOutcome }

/**
 * The sender's side: learns from a Retry or Redirect and says whether and where to resend the
 * bounced message. `attempt` counts the resends of this message so far.
 */
export function onBounce(options: {
  readonly tree: SectionTree
  readonly answer: { readonly kind: 'retry' | 'redirect'; readonly sap: SignedSap; readonly chain: ProofChain }
  readonly dstName: XorName
  readonly sentWithKey: BlsPublicKey | undefined
  readonly attempt: number
  readonly resendLimit: number
}): ResendDecision {
  const { tree, answer } = options
  if (options.attempt >= options.resendLimit) return { action: 'drop', reason: 'resend-limit' }
  const outcome = tree.update(answer.sap, answer.chain)
  if (outcome.status === 'rejected') return { action: 'drop', reason: 'update-rejected', outcome }
  const key = answer.sap.sap.sectionKey()
  if (options.sentWithKey !== undefined && key.equals(options.sentWithKey)) return { action: 'drop', reason: 'no-progress' }
  if (answer.kind === 'retry') return { action: 'resend', to: 'same-node', sectionKey: key, attempt: options.attempt + 1 }
  const elders = answer.sap.sap.elders
  if (elders.length === 0) return { action: 'drop', reason: 'no-elder' }
  const closest = [...elders].sort((a, b) => options.dstName.compareDistance(a.name, b.name))[0]!
  return { action: 'resend', to: closest.name, sectionKey: key, attempt: options.attempt + 1 }
}

/**
 * The SAP and proof chain an AE message carries (Retry, Redirect, Update, a join approval), with
 * their key material decoded; undefined when a key or signature is not a valid point.
 */
export function decodeSapAndChain(wire: { readonly sap: SignedSapWire; readonly proofChain: ProofChainWire }): { sap: SignedSap; chain: ProofChain } | undefined {
  try {
    return { sap: SignedSap.fromWire(wire.sap), chain: ProofChain.fromWire(wire.proofChain) }
  } catch {
    return undefined
  }
}

/**
 * The SAP to send a message for `name` to: the tree's, or `hint` (a bounce's SAP and chain) when it
 * matches `name` more closely and proves itself as the tree would check it. A tree does not store
 * a SAP of a prefix above sections it knows elsewhere (that could roll them back), yet such a SAP
 * still routes closer: without it a joiner that knows `1011` and is redirected to `1` for a name
 * `1110…` would go back to genesis forever.
 */
export function routeFor(tree: SectionTree, name: XorName, hint?: { readonly sap: SignedSap; readonly chain: ProofChain }): SignedSap | undefined {
  const known = tree.sectionFor(name)
  if (hint === undefined || !hint.sap.sap.prefix.matches(name) || hint.sap.sap.prefix.bitCount <= (known?.sap.prefix.bitCount ?? -1)) return known
  const { sap, chain } = hint
  const proven = tree.dag.has(chain.root) && chain.last().equals(sap.sap.sectionKey()) && chain.firstBrokenLink() === -1 && sap.verify()
  return proven ? sap : known
}
