/**
 * SAP — Section Authority Provider (DESIGN.md §4): who a section is and which key speaks for it.
 *
 *   { prefix, publicKeySet, elders: [{ name, addr }], members: [NodeState], generation }
 *
 * signed by its own section key over canonical bytes (below), so any node holding a proof chain
 * to that key can trust it. Canonical: fields in a fixed order, elders and members sorted by
 * name, every variable-length field length-prefixed; the same SAP always has the same bytes.
 */
import { BlsSignature, concatBytes, domain, PublicKeySet, type BlsPublicKey, u64be } from '../crypto/index.ts'
import type { NodeStateWire, SapWire, SignedSapWire } from '../wire/index.ts'
import { Prefix, XorName } from '../xor/index.ts'

export type MembershipState = { readonly kind: 'Joined' } | { readonly kind: 'Left' } | { readonly kind: 'Relocated'; readonly destination: XorName }

export interface NodeState {
  readonly name: XorName
  readonly addr: string
  readonly age: number
  readonly state: MembershipState
}

export interface Elder {
  readonly name: XorName
  readonly addr: string
}

const SAP_DOMAIN = domain('safenet/sap/v1')
const textEncoder = new TextEncoder()

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u64be(bytes.length), bytes)
}

export class SectionAuthorityProvider {
  readonly prefix: Prefix
  readonly publicKeySet: PublicKeySet
  readonly elders: ReadonlyArray<Elder>
  readonly members: ReadonlyArray<NodeState>
  readonly generation: number
  #bytes: Uint8Array | undefined

  constructor(fields: { prefix: Prefix; publicKeySet: PublicKeySet; elders: ReadonlyArray<Elder>; members: ReadonlyArray<NodeState>; generation: number }) {
    this.prefix = fields.prefix
    this.publicKeySet = fields.publicKeySet
    this.elders = [...fields.elders].sort((a, b) => a.name.compare(b.name))
    this.members = [...fields.members].sort((a, b) => a.name.compare(b.name))
    this.generation = fields.generation
  }

  sectionKey(): BlsPublicKey {
    return this.publicKeySet.publicKey()
  }

  /** The bytes the section key signs. */
  signingBytes(): Uint8Array {
    if (this.#bytes !== undefined) return this.#bytes
    const parts: Uint8Array[] = [SAP_DOMAIN, u64be(this.prefix.bitCount), this.prefix.name.bytes, lengthPrefixed(this.publicKeySet.toBytes()), u64be(this.elders.length)]
    for (const elder of this.elders) parts.push(elder.name.bytes, lengthPrefixed(textEncoder.encode(elder.addr)))
    parts.push(u64be(this.members.length))
    for (const member of this.members) {
      parts.push(member.name.bytes, lengthPrefixed(textEncoder.encode(member.addr)), u64be(member.age))
      if (member.state.kind === 'Relocated') parts.push(Uint8Array.of(2), member.state.destination.bytes)
      else parts.push(Uint8Array.of(member.state.kind === 'Joined' ? 0 : 1))
    }
    parts.push(u64be(this.generation))
    this.#bytes = concatBytes(...parts)
    return this.#bytes
  }

  toWire(): SapWire {
    return {
      prefix: { bitCount: this.prefix.bitCount, name: this.prefix.name.bytes },
      publicKeySet: this.publicKeySet.toBytes(),
      elders: this.elders.map((e) => ({ name: e.name.bytes, addr: e.addr })),
      members: this.members.map((m) => ({
        name: m.name.bytes,
        addr: m.addr,
        age: m.age,
        state: m.state.kind === 'Relocated' ? { _tag: 'Relocated' as const, destination: m.state.destination.bytes } : { _tag: m.state.kind },
      })),
      generation: this.generation,
    }
  }

  /** From the wire; key material is decoded here (typed InvalidEncoding errors on bad points). */
  static fromWire(wire: SapWire): SectionAuthorityProvider {
    return new SectionAuthorityProvider({
      prefix: Prefix.of(XorName.fromBytes(wire.prefix.name), wire.prefix.bitCount),
      publicKeySet: PublicKeySet.fromBytes(wire.publicKeySet),
      elders: wire.elders.map((e) => ({ name: XorName.fromBytes(e.name), addr: e.addr })),
      members: wire.members.map(nodeStateFromWire),
      generation: wire.generation,
    })
  }
}

function nodeStateFromWire(wire: NodeStateWire): NodeState {
  const state: MembershipState = wire.state._tag === 'Relocated'
    ? { kind: 'Relocated', destination: XorName.fromBytes(wire.state.destination) }
    : { kind: wire.state._tag }
  return { name: XorName.fromBytes(wire.name), addr: wire.addr, age: wire.age, state }
}

/** A SAP with its section's signature. */
export class SignedSap {
  readonly sap: SectionAuthorityProvider
  readonly signature: BlsSignature

  constructor(sap: SectionAuthorityProvider, signature: BlsSignature) {
    this.sap = sap
    this.signature = signature
  }

  /** True iff the SAP is signed by its own section key. */
  verify(): boolean {
    return this.sap.sectionKey().verify(this.sap.signingBytes(), this.signature)
  }

  toWire(): SignedSapWire {
    return { sap: this.sap.toWire(), signature: this.signature.toBytes() }
  }

  static fromWire(wire: SignedSapWire): SignedSap {
    return new SignedSap(SectionAuthorityProvider.fromWire(wire.sap), BlsSignature.fromBytes(wire.signature))
  }
}
