/**
 * Payload schemas, one per message kind. A kind's payload is msgpack-encoded into the
 * envelope's `payload` bytes and decoded only after the envelope passed its checks.
 *
 * Later protocol layers (join, generation agreement, DKG, data, mint) add their kinds here;
 * the codec, the fuzz test and the round-trip tests pick every entry up from {@link Payloads}.
 */
import { Schema } from 'effect'
import {
  Address,
  BoundedString,
  Ed25519PublicKeyBytes,
  ShareIndex,
  BlsPublicKeyBytes,
  BlsSignatureBytes,
  BoundedArray,
  BoundedBytes,
  Ed25519SignatureBytes,
  FixedBytes,
  IntBetween,
  MAX_ELDERS,
  MAX_MEMBERS,
  PrefixWire,
  PublicKeySetBytes,
  Sha3Hash,
  Uint,
  XorNameBytes,
} from './primitives.ts'
import { MAX_FRAME_BYTES } from './envelope.ts'
import { RegisterAck, RegisterGet, RegisterPut, RegisterRefused, RegisterState, RegisterSync } from './register.ts'
import { MAX_LABEL_LENGTH } from '../register/names.ts'

export * from './sap.ts'
import { ProofChainWire, SapWire, SignedSapWire } from './sap.ts'
import { DbcWire, MAX_INPUTS, SpendKeyBytes, TransactionWire } from './dbc.ts'

/** A member as elders hand it to a joiner: what SectionMembers holds. */
export const MemberWire = Schema.Struct({ name: XorNameBytes, publicKey: Ed25519PublicKeyBytes, addr: Address, age: IntBetween(0, 255) })
export type MemberWire = typeof MemberWire.Type

/** A name or service label of NRS (its syntax is checked by src/register/names.ts). */
export const NameLabel = BoundedString(MAX_LABEL_LENGTH)

/**
 * A change of membership, as elders propose and decide it (DESIGN.md §6). Carried as a proposal
 * in generation agreement, so the same change must always encode to the same bytes.
 */
export const MembershipChangeWire = Schema.Union([
  Schema.TaggedStruct('Joined', {
    name: XorNameBytes,
    /** The joiner's Ed25519 key (name = SHA3 of it): elders need it to run DKG with the node. */
    publicKey: Ed25519PublicKeyBytes,
    addr: Address,
    /** 0 for a fresh joiner (its age is set from the decision); old age + 1 for a relocated one. */
    age: IntBetween(0, 255),
    /** The name the node had before a relocation, if it was relocated here. */
    previousName: Schema.optionalKey(XorNameBytes),
  }),
  Schema.TaggedStruct('Left', { name: XorNameBytes }),
  Schema.TaggedStruct('Relocated', { name: XorNameBytes, destination: XorNameBytes, age: IntBetween(0, 255) }),
  /** New elders and key for the same prefix, the SAP signed by the new key (DESIGN.md §7). */
  Schema.TaggedStruct('Handover', { sap: SignedSapWire }),
  /** The section becomes two, each child SAP signed by its new key (DESIGN.md §8). */
  Schema.TaggedStruct('Split', { zero: SignedSapWire, one: SignedSapWire }),
  /** Too few members: the section asks its sibling (this key) to take it in (DESIGN.md §8). */
  Schema.TaggedStruct('Merge', { sibling: BlsPublicKeyBytes }),
  /**
   * The sibling section `sectionKey` merges into ours: its members, as its key signed them
   * (`signature` over `mergeBytes`) when it asked us, then known by `sibling` (our key or an older
   * one); and its key's signature over `sibling` (`link`): the merged section descends from both.
   */
  Schema.TaggedStruct('Absorb', {
    sectionKey: BlsPublicKeyBytes,
    sibling: BlsPublicKeyBytes,
    members: BoundedArray(MemberWire, MAX_ELDERS),
    signature: BlsSignatureBytes,
    link: BlsSignatureBytes,
  }),
  /** A registrant claims a name (NRS, src/register/names.ts), signed by `owner` over `claimBytes`. */
  Schema.TaggedStruct('NameClaim', { name: NameLabel, owner: Ed25519PublicKeyBytes, signature: Ed25519SignatureBytes }),
  /**
   * A spentbook entry (issue 20, src/dbc): the owner of the DBC whose spend key is `spendKey`
   * spends it in transaction `txHash`, signed by that key over `spendBytes`.
   */
  Schema.TaggedStruct('Spend', { spendKey: SpendKeyBytes, txHash: Sha3Hash, signature: BlsSignatureBytes }),
])
export type MembershipChangeWire = typeof MembershipChangeWire.Type

// --- Anti-entropy (DESIGN.md §9) -------------------------------------------------------------

/** The original frame an AE answer bounces back, so the sender can resend it updated. */
const BouncedFrame = BoundedBytes(1, MAX_FRAME_BYTES, 'a bounced frame')

export const AeProbe = Schema.Struct({
  /** The key the prober holds for the receiver's section; an answer brings it up to date. */
  sectionKey: BlsPublicKeyBytes,
  /**
   * A member's probe of its own elder: SHA3 of the keys it holds for the sections in its sibling
   * region; when the elder's differ, it answers with its SAPs of them.
   */
  neighbours: Schema.optionalKey(Sha3Hash),
})
export const AeRetry = Schema.Struct({ sap: SignedSapWire, proofChain: ProofChainWire, bounced: BouncedFrame })
export const AeRedirect = Schema.Struct({ sap: SignedSapWire, proofChain: ProofChainWire, bounced: BouncedFrame })
export const AeUpdate = Schema.Struct({ sap: SignedSapWire, proofChain: ProofChainWire })

// --- Generation agreement (DESIGN.md §6; src/consensus) ---------------------------------------

/** Most proposals one vote may carry; a generation decides a handful of membership changes. */
export const MAX_PROPOSALS = 64
/** Largest single proposal (an encoded membership change or handover). */
export const MAX_PROPOSAL_BYTES = 4096

const Proposals = BoundedArray(BoundedBytes(1, MAX_PROPOSAL_BYTES, 'a proposal'), MAX_PROPOSALS)

/** A Propose (round 0) or Merge (round ≥ 1) vote, signed by the voter's node key. */
export const VoteWire = Schema.Struct({
  voter: IntBetween(0, MAX_ELDERS - 1),
  generation: Uint,
  round: Uint,
  ballot: Schema.Literals(['Propose', 'Merge']),
  proposals: Proposals,
  signature: Ed25519SignatureBytes,
})
export type VoteWire = typeof VoteWire.Type

/**
 * A SuperMajority ballot: the voter saw a supermajority of votes for `proposals` in `round`
 * (the `justification`), locks on them, and adds its BLS share over the decision bytes.
 */
export const SuperMajorityWire = Schema.Struct({
  voter: IntBetween(0, MAX_ELDERS - 1),
  generation: Uint,
  round: Uint,
  proposals: Proposals,
  justification: BoundedArray(VoteWire, MAX_ELDERS),
  /** Its share of the section's signature over the round-free decision bytes (`decisionBytes`). */
  share: BlsSignatureBytes,
  signature: Ed25519SignatureBytes,
})
export type SuperMajorityWire = typeof SuperMajorityWire.Type

/** A decided generation: the supermajority ballots and the section's combined signature. */
export const DecisionWire = Schema.Struct({
  generation: Uint,
  round: Uint,
  proposals: Proposals,
  supermajority: BoundedArray(SuperMajorityWire, MAX_ELDERS),
  /** The section's signature over the round-free decision bytes: what the decision's chance is drawn from, too. */
  signature: BlsSignatureBytes,
})
export type DecisionWire = typeof DecisionWire.Type

export const AgreementVotes = Schema.Struct({
  votes: BoundedArray(VoteWire, MAX_ELDERS * 2),
  supermajorities: BoundedArray(SuperMajorityWire, MAX_ELDERS * 2),
})
export const DecisionRequest = Schema.Struct({ generation: Uint })
export const DecisionAnnounce = Schema.Struct({ decision: DecisionWire })

// --- DKG (DESIGN.md §7; src/consensus/dkg-session.ts) -----------------------------------------

/** A dealt share encrypted to its recipient: X25519 ephemeral key, 32-byte scalar, Poly1305 tag. */
export const ENCRYPTED_SHARE_BYTES = 32 + 32 + 16

export const DkgStartWire = Schema.Struct({
  sessionId: Sha3Hash,
  prefix: PrefixWire,
  candidates: BoundedArray(XorNameBytes, MAX_ELDERS).check(Schema.isMinLength(1)),
  /** Each candidate's node key (its name is SHA3 of it) and address, in candidate order. */
  keys: BoundedArray(Ed25519PublicKeyBytes, MAX_ELDERS),
  addrs: BoundedArray(Address, MAX_ELDERS),
  generation: Uint,
  chainLength: Uint,
  /** Index of the sending elder among the current elders. */
  elder: IntBetween(0, MAX_ELDERS - 1),
  signature: Ed25519SignatureBytes,
})
export type DkgStartWire = typeof DkgStartWire.Type

export const DkgPartWire = Schema.Struct({
  sessionId: Sha3Hash,
  dealer: IntBetween(0, MAX_ELDERS - 1),
  commitments: PublicKeySetBytes,
  shares: BoundedArray(FixedBytes(ENCRYPTED_SHARE_BYTES, 'an encrypted DKG share'), MAX_ELDERS),
  signature: Ed25519SignatureBytes,
})
export type DkgPartWire = typeof DkgPartWire.Type

/** A participant's verdicts so far: for each dealer's commitments, its share checked out or not. */
export const DkgAckWire = Schema.Struct({
  sessionId: Sha3Hash,
  participant: IntBetween(0, MAX_ELDERS - 1),
  entries: BoundedArray(Schema.Struct({ dealer: IntBetween(0, MAX_ELDERS - 1), commitments: Sha3Hash, ok: Schema.Boolean }), MAX_ELDERS),
  signature: Ed25519SignatureBytes,
})
export type DkgAckWire = typeof DkgAckWire.Type

/** A dealer's answer to a complaint: the accuser's share, in the clear, for all to check. */
export const DkgJustificationWire = Schema.Struct({
  sessionId: Sha3Hash,
  dealer: IntBetween(0, MAX_ELDERS - 1),
  accuser: IntBetween(0, MAX_ELDERS - 1),
  share: FixedBytes(32, 'a DKG share'),
  signature: Ed25519SignatureBytes,
})
export type DkgJustificationWire = typeof DkgJustificationWire.Type

export const DkgStart = Schema.Struct({ start: DkgStartWire })
export const DkgMessages = Schema.Struct({
  parts: BoundedArray(DkgPartWire, MAX_ELDERS),
  acks: BoundedArray(DkgAckWire, MAX_ELDERS),
  justifications: BoundedArray(DkgJustificationWire, MAX_ELDERS * MAX_ELDERS),
})
export type DkgMessagesWire = typeof DkgMessages.Type
/** What the asker holds; the answer is what it lacks (DKG anti-entropy). */
export const DkgCatchUp = Schema.Struct({
  sessionId: Sha3Hash,
  /** The Part we hold from each dealer, by its commitments' hash: a different one is evidence. */
  parts: BoundedArray(Schema.Struct({ dealer: IntBetween(0, MAX_ELDERS - 1), commitments: Sha3Hash }), MAX_ELDERS),
  /** The verdict vector we hold from each participant, by size and hash (a conflict is evidence). */
  acks: BoundedArray(Schema.Struct({ participant: IntBetween(0, MAX_ELDERS - 1), entries: Uint, hash: Sha3Hash }), MAX_ELDERS),
  justifications: BoundedArray(Schema.Struct({ dealer: IntBetween(0, MAX_ELDERS - 1), accuser: IntBetween(0, MAX_ELDERS - 1) }), MAX_ELDERS * MAX_ELDERS),
})
export type DkgCatchUpWire = typeof DkgCatchUp.Type
/**
 * A candidate's report that a DKG session was abandoned at its deadline, naming the candidates
 * (by index) that kept it from completing; sent to the current elders, who vote off a candidate
 * that enough candidates name (DESIGN.md §7).
 */
export const DkgFailure = Schema.Struct({
  sessionId: Sha3Hash,
  nonParticipants: BoundedArray(IntBetween(0, MAX_ELDERS - 1), MAX_ELDERS),
})


// --- Section life (DESIGN.md §6–§8) --------------------------------------------------------


/**
 * What a relocated node brings to its new section: the decision relocating it (signed by its old
 * section, whose key the chain proves from genesis), its old node key, and that key's signature
 * over its new name — so the destination knows the node, not a newcomer, took the name.
 */
export const RelocationProofWire = Schema.Struct({
  decision: DecisionWire,
  sectionKey: BlsPublicKeyBytes,
  proofChain: ProofChainWire,
  oldPublicKey: Ed25519PublicKeyBytes,
  signature: Ed25519SignatureBytes,
})
export type RelocationProofWire = typeof RelocationProofWire.Type

/** A node asks the section responsible for `dst.name` (its own name) to take it in. */
/**
 * `elderShare`: a restarted elder that kept its key share proves it (its share's signature over
 * its name and the section key), so it is approved again rather than voted off.
 */
export const JoinRequest = Schema.Struct({
  addr: Address,
  relocation: Schema.optionalKey(RelocationProofWire),
  elderShare: Schema.optionalKey(Schema.Struct({ index: IntBetween(0, 255), share: BlsSignatureBytes })),
})
export const JoinResponse = Schema.Struct({
  verdict: Schema.Union([
    Schema.TaggedStruct('TryJoinLater', {}),
    Schema.TaggedStruct('JoinElsewhere', { prefix: PrefixWire }),
    Schema.TaggedStruct('Rejected', { reason: BoundedString(64) }),
  ]),
})
/** The decision that made the node a member, the section's SAP and chain, and who the members are. */
export const JoinApproved = Schema.Struct({
  decision: DecisionWire,
  sap: SignedSapWire,
  proofChain: ProofChainWire,
  members: BoundedArray(MemberWire, MAX_MEMBERS),
  /** The generation after the members list (the approval may come a few decisions late). */
  nextGeneration: Uint,
  /**
   * The approving elder resumed from its store a while ago (its section stopped and is coming
   * back): how much longer it does not count its members' silence. A restarted elder takes up
   * the same grace, and none if its fellow elders never stopped.
   */
  graceMs: Schema.optionalKey(IntBetween(1, 600_000)),
  /** Names the section decided (NRS), when any: the new member asks for them (`NamesRequest`). */
  names: Schema.optionalKey(IntBetween(1, Number.MAX_SAFE_INTEGER)),
})
/** Decided generations, for the section's members (section-signed: anyone with the key checks them). */
export const SectionDecisions = Schema.Struct({ decisions: BoundedArray(DecisionWire, 32) })
/** A member that missed decisions asks an elder for those from `from` on. */
export const SectionDecisionsRequest = Schema.Struct({ from: Uint })
/** A new elder's share of the new key's signature over the new SAP (handover, split). */
export const SapShare = Schema.Struct({ sap: SapWire, index: ShareIndex, share: BlsSignatureBytes })
/** An elder's share of the old key's signature over a new key: the chain link (handover, split). */
export const LinkShare = Schema.Struct({ parent: BlsPublicKeyBytes, child: BlsPublicKeyBytes, index: ShareIndex, share: BlsSignatureBytes })
/**
 * An elder of a section that decided to merge: its share of the section's signature over
 * `mergeBytes(sectionKey, sibling, members)`, sent to the sibling's elders with the section's SAP
 * and chain (DESIGN.md §8).
 */
export const MergeShare = Schema.Struct({
  sap: SignedSapWire,
  proofChain: ProofChainWire,
  sibling: BlsPublicKeyBytes,
  members: BoundedArray(MemberWire, MAX_ELDERS),
  index: ShareIndex,
  share: BlsSignatureBytes,
  /** The elder's share of the link: our key signing the sibling's, so the merged keys descend from ours too. */
  link: BlsSignatureBytes,
})
/** A client asks which section is responsible for `dst.name`; AE brings it there. */
export const ClientQuery = Schema.Struct({})
export const ClientAnswer = Schema.Struct({ prefix: PrefixWire, sectionKey: BlsPublicKeyBytes })

// --- Real nodes (issue 6) ----------------------------------------------------------------------

/** A node starting with only a peer's address (`--bootstrap`) asks it for the network contacts. */
export const ContactsRequest = Schema.Struct({})
/**
 * The network contacts: the genesis SAP (trusted on first use by a `--bootstrap` node) and the
 * SAPs the answering node holds, each with its chain from genesis.
 */
export const Contacts = Schema.Struct({
  genesis: SignedSapWire,
  sections: BoundedArray(Schema.Struct({ sap: SignedSapWire, proofChain: ProofChainWire }), 1024),
  /** The genesis DBC (issue 20): the whole supply, minted by the genesis key; its transaction is what every DBC is checked against. */
  genesisDbc: Schema.optionalKey(DbcWire),
})
/** A member stopping for good tells its elders, so they vote it off at once rather than after 30 s of silence. */
export const Leaving = Schema.Struct({})

// --- Data (DESIGN.md §10; src/roles/vault, src/client) -----------------------------------------

/**
 * Largest chunk content the wire carries: a self-encrypted chunk of `maxChunkBytes` (1 MiB,
 * src/data) stored uncompressed, plus its flag byte and AEAD tag, with room to spare for a root
 * chunk's data map. Well under `MAX_FRAME_BYTES` with the envelope around it.
 */
export const MAX_CHUNK_CONTENT_BYTES = 1024 * 1024 + 1024
/** Chunk addresses one offer or answer lists: 64 × 32 bytes, and a receiver's fetches stay bounded. */
export const MAX_OFFER_ADDRESSES = 64

const ChunkContentBytes = BoundedBytes(0, MAX_CHUNK_CONTENT_BYTES, 'chunk content')
const ChunkAddresses = BoundedArray(Sha3Hash, MAX_OFFER_ADDRESSES)

/** A client asks the section responsible for `dst.name` for its members, to find a chunk's holders. */
export const SectionMembersQuery = Schema.Struct({})
/** The members as the answering node agreed them at `generation`: holders are the closest to a chunk. */
export const SectionMembersAnswer = Schema.Struct({
  prefix: PrefixWire,
  sectionKey: BlsPublicKeyBytes,
  generation: Uint,
  members: BoundedArray(Schema.Struct({ name: XorNameBytes, publicKey: Ed25519PublicKeyBytes, addr: Address }), MAX_MEMBERS),
})
/** A client stores a chunk with one of its holders (`dst.name` is the chunk's address). */
export const ChunkPut = Schema.Struct({ content: ChunkContentBytes })
/**
 * A holder stored the chunk: its node key's signature over `safenet/chunk-receipt/v1 ‖ address`
 * (src/data/receipt.ts), a proof the client can keep.
 */
export const ChunkReceipt = Schema.Struct({ address: Sha3Hash, holder: Ed25519PublicKeyBytes, signature: Ed25519SignatureBytes })
/** A client or a member asks a holder for a chunk (`dst.name` is its address). */
export const ChunkGet = Schema.Struct({ address: Sha3Hash })
/** The chunk; its address was recomputed from these bytes before they were sent. */
export const ChunkContent = Schema.Struct({ address: Sha3Hash, content: ChunkContentBytes })
/**
 * A member stores a put of a chunk when it is among this many of its section's members closest to
 * the chunk (twice `dataCopyCount`, so a full or silent holder has stand-ins), and a `NotHolder`
 * refusal names them; clients send to no member further out. Both sides read it from here.
 */
export const CHUNK_ACCEPT_RANK = 8
/**
 * Why a chunk request was not served: `NotHolder` (not among the chunk's closest members by our
 * view: `holders` are who are), `Full` (our storage limit), `NotFound`, `BadAddress` (the content
 * does not hash to the address), `Busy` (a bound on work in progress was hit; ask again).
 */
export const ChunkRefused = Schema.Struct({
  address: Sha3Hash,
  reason: Schema.Literals(['NotHolder', 'Full', 'NotFound', 'BadAddress', 'Busy']),
  holders: BoundedArray(Schema.Struct({ name: XorNameBytes, publicKey: Ed25519PublicKeyBytes, addr: Address }), MAX_MEMBERS),
})
/**
 * A member that holds these chunks tells another that it should hold them too (by the sender's
 * view: after churn, a split, or because they are `popular` and get extra copies). The receiver
 * fetches what it lacks from the sender and answers {@link ChunkHave}.
 */
export const ChunkOffer = Schema.Struct({ addresses: ChunkAddresses, popular: Schema.Boolean })
/** The chunks of an offer the receiver now holds, and those it refused for want of room. */
export const ChunkHave = Schema.Struct({ have: ChunkAddresses, full: ChunkAddresses })

// --- Names (issue 19, NRS: src/register/names.ts) ------------------------------------------------

/** A client asks the elders of a name's section (`dst.name` its XorName) to register it. */
export const NameRegister = Schema.Struct({ name: NameLabel, owner: Ed25519PublicKeyBytes, signature: Ed25519SignatureBytes })
/** A client asks the elders of a name's section who owns it. */
export const NameLookup = Schema.Struct({ name: NameLabel })
/**
 * An elder's answer about a name: its share of the section key's signature over the record of the
 * name's owner (the first decided claim), with the SAP it signs under and that SAP's chain; or
 * that no claim was decided (`Unknown`), that the claim is in agreement (`Pending`: the share
 * follows), or why the request was refused.
 */
export const NameAnswer = Schema.Struct({
  name: NameLabel,
  answer: Schema.Union([
    Schema.TaggedStruct('Share', { owner: Ed25519PublicKeyBytes, sap: SignedSapWire, proofChain: ProofChainWire, index: ShareIndex, share: BlsSignatureBytes }),
    Schema.TaggedStruct('Unknown', {}),
    Schema.TaggedStruct('Pending', {}),
    Schema.TaggedStruct('Refused', { reason: Schema.Literals(['BadName', 'BadSignature', 'NotOurs', 'Busy']), message: BoundedString(256) }),
  ]),
})

/** The decided generation that holds a name's first claim, as its section key signed it: anyone with the key checks it. */
export const NameProofWire = Schema.Struct({ sectionKey: BlsPublicKeyBytes, generation: Uint, proposals: Proposals, signature: BlsSignatureBytes })
export type NameProofWire = typeof NameProofWire.Type
/** Names one page carries (a page also stops at 1 MiB). */
export const MAX_NAMES_PER_PAGE = 32
/** A new member asks an elder for the names its section decided before it joined, in XorName order after `after`. */
export const NamesRequest = Schema.Struct({ after: Schema.optionalKey(XorNameBytes) })
/** A page of them: each name's proof; `last` the page's last name, `more` whether more follow. */
export const NamesPage = Schema.Struct({ proofs: BoundedArray(NameProofWire, MAX_NAMES_PER_PAGE), last: Schema.optionalKey(XorNameBytes), more: Schema.Boolean })

// --- Mint (issue 20: src/dbc, src/roles/mint-node) -------------------------------------------------

/** A spentbook entry's decision as its section key signed it (the same proof as a name's). */
export const SpendProofWire = NameProofWire
/** The entry decided for a spend key: its transaction, the owner's signature, the decision, and the chain from genesis of the key that signed it. */
export const SpentEntryWire = Schema.Struct({ spendKey: SpendKeyBytes, txHash: Sha3Hash, signature: BlsSignatureBytes, proof: SpendProofWire, proofChain: ProofChainWire })
export type SpentEntryWire = typeof SpentEntryWire.Type
/** Why an elder will not write a spend or sign a reissue. */
const MintRefusal = Schema.Struct({
  reason: Schema.Literals(['NotOurs', 'NotElder', 'InvalidDbc', 'InvalidTransaction', 'BadSignature', 'Busy', 'NoMint']),
  message: BoundedString(256),
})
/**
 * A client writes the spentbook entry of one input (`dst.name` its spend name) to the elders of
 * its section: the input DBC and the whole transaction come with it, so that an elder puts
 * forward only the spend of a valid DBC in a valid transaction.
 */
export const SpendWrite = Schema.Struct({ transaction: TransactionWire, input: DbcWire, signature: BlsSignatureBytes })
/** The entry decided for the spend key: this transaction's (`Recorded`), another's (`DoubleSpend`), still in agreement, or refused. */
export const SpendAnswer = Schema.Struct({
  spendKey: SpendKeyBytes,
  answer: Schema.Union([
    Schema.TaggedStruct('Recorded', { entry: SpentEntryWire }),
    Schema.TaggedStruct('DoubleSpend', { entry: SpentEntryWire }),
    Schema.TaggedStruct('Pending', {}),
    Schema.TaggedStruct('Refused', MintRefusal.fields),
  ]),
})
/** A client asks the elders of each input's section to sign `transaction` (its inputs' DBCs with it). */
export const ReissueRequest = Schema.Struct({ transaction: TransactionWire, inputs: BoundedArray(DbcWire, MAX_INPUTS) })
/**
 * An elder's answer: its share of the section key's signature over the transaction (`mintBytes`),
 * with the SAP and chain it signs under; an input of ours spent in another transaction; an input
 * whose entry is not decided yet (`NotSpent`: write it first); or refused.
 */
export const ReissueAnswer = Schema.Struct({
  txHash: Sha3Hash,
  answer: Schema.Union([
    Schema.TaggedStruct('Share', { sap: SignedSapWire, proofChain: ProofChainWire, index: ShareIndex, share: BlsSignatureBytes }),
    Schema.TaggedStruct('DoubleSpend', { entry: SpentEntryWire }),
    Schema.TaggedStruct('NotSpent', { spendKey: SpendKeyBytes }),
    Schema.TaggedStruct('Refused', MintRefusal.fields),
  ]),
})

/** Every message kind and the schema of its payload. */
export const Payloads = {
  AeProbe,
  AeRetry,
  AeRedirect,
  AeUpdate,
  AgreementVotes,
  DecisionRequest,
  DecisionAnnounce,
  DkgStart,
  DkgMessages,
  DkgCatchUp,
  DkgFailure,
  JoinRequest,
  JoinResponse,
  JoinApproved,
  SectionDecisions,
  SectionDecisionsRequest,
  SapShare,
  LinkShare,
  MergeShare,
  ClientQuery,
  ClientAnswer,
  ContactsRequest,
  Contacts,
  Leaving,
  SectionMembersQuery,
  SectionMembersAnswer,
  ChunkPut,
  ChunkReceipt,
  ChunkGet,
  ChunkContent,
  ChunkRefused,
  ChunkOffer,
  ChunkHave,
  RegisterPut,
  RegisterAck,
  RegisterGet,
  RegisterState,
  RegisterRefused,
  RegisterSync,
  NameRegister,
  NameLookup,
  NameAnswer,
  NamesRequest,
  NamesPage,
  SpendWrite,
  SpendAnswer,
  ReissueRequest,
  ReissueAnswer,
} as const

export type Kind = keyof typeof Payloads
export type PayloadOf<K extends Kind> = (typeof Payloads)[K]['Type']
export const KINDS = Object.keys(Payloads) as ReadonlyArray<Kind>

export function isKind(kind: string): kind is Kind {
  return Object.hasOwn(Payloads, kind)
}
