/**
 * The anti-entropy gate (DESIGN.md §9) for messages from outside the section — joins and client
 * queries: accepted when addressed to our prefix under our current key; otherwise answered with
 * Retry (our SAP and the chain from the key they used) or Redirect (the closest SAP we know), or
 * dropped with a counted reason. Adults redirect too: a client holding a stale SAP whose elders
 * were demoted still gets closer. Messages between members are checked by their own rules.
 */
import { BlsPublicKey } from '../../crypto/index.ts'
import { checkIncoming } from '../../knowledge/index.ts'
import type { Message } from '../../wire/index.ts'
import { XorName } from '../../xor/index.ts'
import type { NodeComponents } from './components.ts'

/** Whether `message` may go on to its role; if not, it was answered or counted. */
export function passesGate(c: NodeComponents, from: string, message: Message, frame: Uint8Array): boolean {
  const section = c.view
  if (section === undefined || c.member.state === 'joining' || c.member.state === 'left') {
    c.refuse('not-a-member')
    return false
  }
  let sectionKey: BlsPublicKey | undefined
  try {
    sectionKey = BlsPublicKey.fromBytes(message.envelope.dst.sectionKey)
  } catch {
    sectionKey = undefined
  }
  // Our section view may be ahead of our tree (the new key's link still on its way).
  if (sectionKey !== undefined && sectionKey.equals(section.sap.sap.sectionKey()) && section.sap.sap.prefix.matches(XorName.fromBytes(message.envelope.dst.name))) return true
  const verdict = checkIncoming({
    tree: c.tree,
    ourPrefix: section.sap.sap.prefix,
    isElder: true,
    kind: message.kind,
    dst: { name: XorName.fromBytes(message.envelope.dst.name), sectionKey },
  })
  if (verdict.kind === 'accept') {
    // Our SAP may be ahead of our tree (link still being signed): then the key we hold is current.
    return true
  }
  if (verdict.kind === 'drop') {
    c.refuse(`ae-${verdict.reason}`)
    return false
  }
  // A Retry towards our own key, when our tree lags our section view, would loop: accept instead.
  if (verdict.kind === 'retry' && sectionKey !== undefined && sectionKey.equals(section.sap.sap.sectionKey())) return true
  const kind = verdict.kind === 'retry' ? 'AeRetry' : 'AeRedirect'
  c.send([from], kind, { sap: verdict.sap.toWire(), proofChain: verdict.chain.toWire(), bounced: frame })
  return false
}
