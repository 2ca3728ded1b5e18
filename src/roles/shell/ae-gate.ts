/**
 * The anti-entropy gate (DESIGN.md §9) for messages from outside the section — joins and client
 * queries: accepted when addressed to our prefix under our current key; otherwise answered with
 * Retry (our SAP and the chain from the key they used) or Redirect (the closest SAP we know), or
 * dropped with a counted reason. Adults redirect too: a client holding a stale SAP whose elders
 * were demoted still gets closer. Messages between members are checked by their own rules.
 */
import { BlsPublicKey } from '../../crypto/index.ts'
import { checkIncoming, type ProofChain, type SignedSap } from '../../knowledge/index.ts'
import type { Message } from '../../wire/index.ts'
import { XorName } from '../../xor/index.ts'
import type { NodeComponents } from './components.ts'

/**
 * Whether `message` may go on to its role; if not, it was answered or counted. The verdict is
 * worked out here; what follows from it is the anti-entropy chart's (its `gate` region).
 */
export function passesGate(c: NodeComponents, from: string, message: Message, frame: Uint8Array): boolean {
  const verdict = gateVerdict(c, message)
  const outcome = c.antiEntropy.judge(verdict.kind)
  if (outcome === 'accept') return true
  if (outcome === 'drop') {
    c.refuse(verdict.kind === 'drop' ? verdict.reason : 'gate-closed')
    return false
  }
  // The machine's answer, with what the verdict brings (our SAP for a Retry, the closest for a Redirect).
  if (verdict.kind === 'retry' || verdict.kind === 'redirect') {
    c.send([from], outcome === 'retry' ? 'AeRetry' : 'AeRedirect', { sap: verdict.sap.toWire(), proofChain: verdict.chain.toWire(), bounced: frame })
  }
  return false
}

type Verdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop'; readonly reason: string }
  | { readonly kind: 'retry' | 'redirect'; readonly sap: SignedSap; readonly chain: ProofChain }

/** DESIGN.md §9's verdict on a message from outside the section, with our current key. */
function gateVerdict(c: NodeComponents, message: Message): Verdict {
  const section = c.view
  if (section === undefined || c.member.state === 'joining' || c.member.state === 'left') return { kind: 'drop', reason: 'not-a-member' }
  let sectionKey: BlsPublicKey | undefined
  try {
    sectionKey = BlsPublicKey.fromBytes(message.envelope.dst.sectionKey)
  } catch {
    sectionKey = undefined
  }
  // Our section view may be ahead of our tree (the new key's link still on its way).
  if (sectionKey !== undefined && sectionKey.equals(section.sap.sap.sectionKey()) && section.sap.sap.prefix.matches(XorName.fromBytes(message.envelope.dst.name))) return { kind: 'accept' }
  const verdict = checkIncoming({
    tree: c.tree,
    ourPrefix: section.sap.sap.prefix,
    isElder: true,
    kind: message.kind,
    dst: { name: XorName.fromBytes(message.envelope.dst.name), sectionKey },
  })
  // Our SAP may be ahead of our tree (link still being signed): then the key we hold is current.
  if (verdict.kind === 'accept') return { kind: 'accept' }
  if (verdict.kind === 'drop') return { kind: 'drop', reason: `ae-${verdict.reason}` }
  // A Retry towards our own key, when our tree lags our section view, would loop: accept instead.
  if (verdict.kind === 'retry' && sectionKey !== undefined && sectionKey.equals(section.sap.sap.sectionKey())) return { kind: 'accept' }
  return verdict
}
