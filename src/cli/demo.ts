/**
 * `safenet demo` — what `npm start` runs until the simulator and real nodes exist: the
 * foundations of a section, end to end, with real keys and real maths.
 *
 *  1. nodes make Ed25519 identities; their names are points in XOR space;
 *  2. the space splits into sections by prefix until halves would be too small;
 *  3. one section's elders run Joint-Feldman DKG with encrypted shares → one BLS section key;
 *  4. any supermajority (5 of 7) of elders signs a statement; 4 cannot; a corrupt share is named;
 *  5. an elder's message crosses the wire codec and is verified; a damaged frame is a typed error.
 */
import { Result } from 'effect'
import {
  combineQualified,
  CombineFailed,
  deal,
  EncryptionKeypair,
  encryptDealtShare,
  interpolateSignature,
  NodeKeypair,
  openDealtShare,
  supermajority,
  threshold,
} from '../crypto/index.ts'
import { decode, newMsgId, nodeAuthority, seal, verifyPeerAuthority } from '../wire/index.ts'
import { closest, Prefix, PrefixMap, prefixesCoverSpace, XorName } from '../xor/index.ts'

export interface DemoOptions {
  readonly nodes: number
  readonly elders: number
  /** Split a section when both halves would keep at least this many members. */
  readonly minSectionSize: number
}

export interface DemoReport {
  readonly nodes: number
  readonly sections: ReadonlyArray<{ prefix: string; members: number }>
  readonly prefixesCoverSpace: boolean
  readonly chunk: { name: string; section: string; holders: string[] }
  readonly dkg: {
    section: string
    elders: string[]
    threshold: number
    sectionKey: string
    allEldersAgree: boolean
    encryptedSharesBytes: number
    ms: number
  }
  readonly signing: {
    signers: number
    verified: boolean
    belowThresholdVerified: boolean
    corruptShareFrom: string
    blamed: string[]
    ms: number
  }
  readonly wire: {
    kind: string
    frameBytes: number
    decoded: boolean
    senderVerified: boolean
    truncatedFrameError: string
  }
}

function section<T extends { name: XorName }>(members: ReadonlyArray<T>, prefix: Prefix): T[] {
  return members.filter((m) => prefix.matches(m.name))
}

export function runDemo(options: DemoOptions): DemoReport {
  // 1. Identities.
  const nodes = Array.from({ length: options.nodes }, () => NodeKeypair.generate())

  // 2. Split by prefix while both halves keep `minSectionSize` members (DESIGN.md §8's rule).
  const sections = new PrefixMap<NodeKeypair[]>()
  const pending = [Prefix.EMPTY]
  while (pending.length > 0) {
    const prefix = pending.pop()!
    const members = section(nodes, prefix)
    const zero = section(members, prefix.pushed(0))
    const one = section(members, prefix.pushed(1))
    if (zero.length >= options.minSectionSize && one.length >= options.minSectionSize) pending.push(prefix.pushed(0), prefix.pushed(1))
    else sections.set(prefix, members)
  }

  // A chunk is stored by the 4 members closest to its name in the section that owns the name.
  const chunkName = XorName.fromContent(new TextEncoder().encode('hello, autonomous network'))
  const owner = sections.longestMatch(chunkName)!
  const holders = closest(chunkName, owner.value.map((n) => n.name), 4)

  // 3. DKG among the elders of the largest section.
  const [electedPrefix, electedMembers] = [...sections.entries()].map((e) => [e.prefix, e.value] as const)
    .sort((a, b) => b[1].length - a[1].length)[0]!
  const elders = [...electedMembers].sort((a, b) => a.name.compare(b.name)).slice(0, options.elders)
  const n = elders.length
  const t = threshold(n)
  const dkgStart = performance.now()
  const sessionKeys = elders.map(() => EncryptionKeypair.generate())
  const dealings = elders.map(() => deal(t, n))
  const context = (dealer: number, recipient: number) => new TextEncoder().encode(`demo-session/${dealer}/${recipient}`)
  let encryptedSharesBytes = 0
  const ciphertexts = dealings.map((dealing, dealer) => sessionKeys.map((key, recipient) => {
    const ciphertext = encryptDealtShare(dealing, recipient, key.publicKey, context(dealer, recipient))
    encryptedSharesBytes += ciphertext.length
    return ciphertext
  }))
  const outcomes = sessionKeys.map((key, recipient) => combineQualified(recipient, dealings.map((dealing, dealer) => {
    const check = openDealtShare(key, recipient, dealing.commitments, ciphertexts[dealer]![recipient]!, context(dealer, recipient))
    if (!check.ok) throw new Error(`dealer ${dealer} gave elder ${recipient} a bad share (${check.reason})`)
    return { commitments: dealing.commitments, share: check.share }
  })))
  const keySet = outcomes[0]!.publicKeySet
  const dkgMs = performance.now() - dkgStart

  // 4. Threshold signing.
  const signStart = performance.now()
  const statement = new TextEncoder().encode(`SAP ${electedPrefix.toString()} generation 1`)
  const shares = outcomes.map((o, index) => ({ index, share: o.secretKeyShare.sign(statement), signer: elders[index]!.name.toString() }))
  const quorum = supermajority(n)
  const combined = keySet.combine(statement, shares.slice(0, quorum))
  const verified = keySet.publicKey().verify(statement, combined.signature)
  const belowThresholdVerified = keySet.publicKey().verify(statement, interpolateSignature(shares.slice(0, quorum - 1)))
  const corrupt = { ...shares[1]!, share: shares[2]!.share }
  let blamed: string[] = []
  try {
    blamed = keySet.combine(statement, [shares[0]!, corrupt, ...shares.slice(2, quorum)]).badSigners
  } catch (error) {
    if (!(error instanceof CombineFailed)) throw error
    blamed = [...error.badSigners]
  }
  const signMs = performance.now() - signStart

  // 5. The wire.
  const sender = elders[0]!
  const sealed = Result.getOrThrow(seal(
    { msgId: newMsgId(), kind: 'AeProbe', dst: { name: chunkName.bytes, sectionKey: keySet.publicKey().toBytes() }, payload: { sectionKey: keySet.publicKey().toBytes() } },
    nodeAuthority(sender),
  ))
  const decoded = decode(sealed.frame)
  const senderVerified = Result.isSuccess(decoded) && Result.isSuccess(verifyPeerAuthority(decoded.success.envelope))
  const truncated = decode(sealed.frame.subarray(0, sealed.frame.length - 7))

  return {
    nodes: nodes.length,
    sections: [...sections.entries()].map((e) => ({ prefix: e.prefix.toBits(), members: e.value.length }))
      .sort((a, b) => a.prefix.localeCompare(b.prefix)),
    prefixesCoverSpace: prefixesCoverSpace(sections.prefixes()),
    chunk: { name: chunkName.toHex(), section: owner.prefix.toBits(), holders: holders.map((h) => h.toString()) },
    dkg: {
      section: electedPrefix.toBits(),
      elders: elders.map((e) => e.name.toString()),
      threshold: t,
      sectionKey: keySet.publicKey().toHex(),
      allEldersAgree: outcomes.every((o) => o.publicKeySet.equals(keySet)),
      encryptedSharesBytes,
      ms: Math.round(dkgMs),
    },
    signing: {
      signers: quorum,
      verified,
      belowThresholdVerified,
      corruptShareFrom: corrupt.signer,
      blamed,
      ms: Math.round(signMs),
    },
    wire: {
      kind: 'AeProbe',
      frameBytes: sealed.frame.length,
      decoded: Result.isSuccess(decoded),
      senderVerified,
      truncatedFrameError: Result.isFailure(truncated) ? `${truncated.failure._tag}: ${truncated.failure.message}` : 'none',
    },
  }
}

export function formatDemo(report: DemoReport): string {
  const lines: string[] = []
  const ok = (flag: boolean) => (flag ? 'yes' : 'NO')
  lines.push(`safenet demo — ${report.nodes} nodes with Ed25519 identities, named by SHA3-256 of their keys`)
  lines.push('')
  lines.push(`XOR space split into ${report.sections.length} sections (prefixes cover the space: ${ok(report.prefixesCoverSpace)}):`)
  for (const s of report.sections) lines.push(`  ${`Prefix(${s.prefix})`.padEnd(16)} ${String(s.members).padStart(4)} members`)
  lines.push(`chunk ${report.chunk.name.slice(0, 12)}… belongs to Prefix(${report.chunk.section}); held by the 4 closest members: ${report.chunk.holders.join(' ')}`)
  lines.push('')
  const d = report.dkg
  lines.push(`DKG in Prefix(${d.section}): ${d.elders.length} stand-in elders, lowest names (${d.elders.join(' ')}), threshold ${d.threshold}`)
  lines.push(`  Joint-Feldman, shares encrypted with X25519 + ChaCha20-Poly1305 (${d.encryptedSharesBytes} bytes), ${d.ms} ms`)
  lines.push(`  section key ${d.sectionKey.slice(0, 24)}…  every elder derived the same key set: ${ok(d.allEldersAgree)}`)
  const s = report.signing
  lines.push(`threshold signing (${s.ms} ms):`)
  lines.push(`  ${s.signers} of ${d.elders.length} shares combine to a signature valid under the section key: ${ok(s.verified)}`)
  lines.push(`  ${s.signers - 1} shares verify: ${s.belowThresholdVerified ? 'YES (broken!)' : 'no, as it must be'}`)
  lines.push(`  a corrupt share from ${s.corruptShareFrom} is named: ${s.blamed.join(', ') || 'nobody (broken!)'}`)
  const w = report.wire
  lines.push(`wire: a signed ${w.kind} frame of ${w.frameBytes} bytes decodes: ${ok(w.decoded)}, sender verified: ${ok(w.senderVerified)}`)
  lines.push(`  the same frame cut short gives a typed error: ${w.truncatedFrameError.slice(0, 110)}`)
  return lines.join('\n')
}
