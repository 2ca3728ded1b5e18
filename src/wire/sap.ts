/**
 * Sections on the wire (DESIGN.md §4): members' states, SAPs and proof chains — what payloads of
 * every layer carry (knowledge, agreement, data, DBCs), apart so that `dbc.ts` needs no payloads.
 */
import { Schema } from 'effect'
import { Address, BlsPublicKeyBytes, BlsSignatureBytes, BoundedArray, IntBetween, MAX_CHAIN_LINKS, MAX_ELDERS, MAX_MEMBERS, PrefixWire, PublicKeySetBytes, Uint, XorNameBytes } from './primitives.ts'

// --- Network knowledge (DESIGN.md §4) -------------------------------------------------------

/** A member's state in its section (DESIGN.md §6): Joined, Left, or Relocated towards a name. */
export const MembershipState = Schema.Union([
  Schema.TaggedStruct('Joined', {}),
  Schema.TaggedStruct('Left', {}),
  Schema.TaggedStruct('Relocated', { destination: XorNameBytes }),
])

export const NodeStateWire = Schema.Struct({
  name: XorNameBytes,
  addr: Address,
  /** Node age: grows by one per relocation; decides elder candidacy (DESIGN.md §6). */
  age: IntBetween(0, 255),
  state: MembershipState,
})
export type NodeStateWire = typeof NodeStateWire.Type

export const ElderWire = Schema.Struct({ name: XorNameBytes, addr: Address })

/** Section authority provider: who the section is and which key speaks for it. */
export const SapWire = Schema.Struct({
  prefix: PrefixWire,
  publicKeySet: PublicKeySetBytes,
  elders: BoundedArray(ElderWire, MAX_ELDERS).check(Schema.isMinLength(1)),
  members: BoundedArray(NodeStateWire, MAX_MEMBERS),
  generation: Uint,
})
export type SapWire = typeof SapWire.Type

/** A SAP with the section's combined signature over its canonical bytes (src/knowledge). */
export const SignedSapWire = Schema.Struct({ sap: SapWire, signature: BlsSignatureBytes })
export type SignedSapWire = typeof SignedSapWire.Type

/** A path in the SectionsDAG: each link's key is signed by the previous key (the root first). */
const PlainChainWire = Schema.Struct({
  root: BlsPublicKeyBytes,
  links: BoundedArray(Schema.Struct({ key: BlsPublicKeyBytes, signature: BlsSignatureBytes }), MAX_CHAIN_LINKS),
})

/** How many sections can merge into one key: the two children of the merged prefix. */
export const MAX_CO_PARENTS = 1

export const ProofChainWire = Schema.Struct({
  root: BlsPublicKeyBytes,
  links: BoundedArray(Schema.Struct({
    key: BlsPublicKeyBytes,
    signature: BlsSignatureBytes,
    /**
     * A merged key's other parent (DESIGN.md §8): that parent's chain (from a key the receiver
     * trusts) and its signature over this link's key. One level: its own links carry none.
     */
    also: Schema.optionalKey(BoundedArray(Schema.Struct({ chain: PlainChainWire, signature: BlsSignatureBytes }), MAX_CO_PARENTS)),
  }), MAX_CHAIN_LINKS),
})
export type ProofChainWire = typeof ProofChainWire.Type

