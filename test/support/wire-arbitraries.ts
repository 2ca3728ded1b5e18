/** fast-check arbitraries for every wire schema: one per payload kind, and envelopes. */
import fc from 'fast-check'
import type { Authority, Dst, Kind, PayloadOf } from '../../src/wire/index.ts'
import { Prefix, XorName } from '../../src/xor/index.ts'
import { bytes } from './arbitraries.ts'

const name = bytes(32)
const blsKey = bytes(48)
const blsSignature = bytes(96)
const address = fc.string({ maxLength: 60 })

export const prefixWire = fc.tuple(name, fc.integer({ min: 0, max: 256 })).map(([raw, bitCount]) => {
  const prefix = Prefix.of(XorName.fromBytes(raw), bitCount)
  return { bitCount: prefix.bitCount, name: prefix.name.bytes }
})

const publicKeySet = fc.integer({ min: 1, max: 8 }).chain((count) => bytes(48 * count))

const membershipState = fc.oneof(
  fc.constant({ _tag: 'Joined' as const }),
  fc.constant({ _tag: 'Left' as const }),
  name.map((destination) => ({ _tag: 'Relocated' as const, destination })),
)

const nodeState = fc.record({ name, addr: address, age: fc.integer({ min: 0, max: 255 }), state: membershipState })

export const sap = fc.record({
  prefix: prefixWire,
  publicKeySet,
  elders: fc.array(fc.record({ name, addr: address }), { minLength: 1, maxLength: 7 }),
  members: fc.array(nodeState, { maxLength: 20 }),
  generation: fc.nat(),
})

const signedSap = fc.record({ sap, signature: blsSignature })
const plainChain = fc.record({ root: blsKey, links: fc.array(fc.record({ key: blsKey, signature: blsSignature }), { maxLength: 5 }) })
const chainLink = fc.record({ key: blsKey, signature: blsSignature, also: fc.array(fc.record({ chain: plainChain, signature: blsSignature }), { maxLength: 1 }) }, { requiredKeys: ['key', 'signature'] })
const proofChain = fc.record({ root: blsKey, links: fc.array(chainLink, { maxLength: 5 }) })
const bounced = fc.uint8Array({ minLength: 1, maxLength: 200 })

const proposals = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 })
const voter = fc.integer({ min: 0, max: 63 })
const vote = fc.record({
  voter, generation: fc.nat(), round: fc.nat(), ballot: fc.constantFrom('Propose' as const, 'Merge' as const), proposals, signature: bytes(64),
})
const supermajority = fc.record({
  voter, generation: fc.nat(), round: fc.nat(), proposals, justification: fc.array(vote, { maxLength: 5 }), share: blsSignature, signature: bytes(64),
})

const index = fc.integer({ min: 0, max: 63 })
const dkgPart = fc.record({ sessionId: bytes(32), dealer: index, commitments: publicKeySet, shares: fc.array(bytes(80), { maxLength: 7 }), signature: bytes(64) })
const dkgAck = fc.record({
  sessionId: bytes(32), participant: index,
  entries: fc.array(fc.record({ dealer: index, commitments: bytes(32), ok: fc.boolean() }), { maxLength: 7 }), signature: bytes(64),
})
const dkgJustification = fc.record({ sessionId: bytes(32), dealer: index, accuser: index, share: bytes(32), signature: bytes(64) })

const decision = fc.record({ generation: fc.nat(), round: fc.nat(), proposals, supermajority: fc.array(supermajority, { maxLength: 3 }), signature: blsSignature })
const memberWire = fc.record({ name, publicKey: bytes(32), addr: address, age: fc.integer({ min: 0, max: 255 }) })
const relocation = fc.record({ decision, sectionKey: blsKey, proofChain, oldPublicKey: bytes(32), signature: bytes(64) })

const nameLabel = fc.stringMatching(/^[a-z0-9]{1,20}$/)
const registerAddress = fc.record({ owner: bytes(32), name: fc.string({ maxLength: 20 }) })
const registerOp = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), address: registerAddress, policy: fc.record({ owner: bytes(32), writers: fc.array(bytes(32), { maxLength: 3 }) }), signature: bytes(64) }),
  fc.record({ kind: fc.constant('write' as const), address: registerAddress, entry: fc.record({ value: fc.uint8Array({ maxLength: 40 }), parents: fc.array(name, { maxLength: 3 }), author: bytes(32), signature: bytes(64) }) }),
)

const amount = bytes(8)
const dbcContent = fc.record({ owner: blsKey, amount, parents: fc.array(blsKey, { maxLength: 2 }), nonce: bytes(32) })
const txInput = fc.record({ spendKey: blsKey, amount, contentHash: bytes(32) })
const transaction = fc.record({ inputs: fc.array(txInput, { maxLength: 2 }), outputs: fc.array(dbcContent, { maxLength: 2 }) })
const dbc = fc.record({
  content: dbcContent,
  transaction: fc.record({ inputs: fc.array(txInput, { maxLength: 2 }), outputHashes: fc.array(bytes(32), { maxLength: 2 }) }),
  proofs: fc.array(fc.record({ sap: signedSap, proofChain, signature: blsSignature }), { maxLength: 1 }),
})
const decisionProof = fc.record({ sectionKey: blsKey, generation: fc.nat(), proposals, signature: blsSignature })
const spentEntry = fc.record({ spendKey: blsKey, txHash: bytes(32), signature: blsSignature, proof: decisionProof, proofChain })
const mintRefusal = fc.record({
  _tag: fc.constant('Refused' as const),
  reason: fc.constantFrom('NotOurs' as const, 'NotElder' as const, 'InvalidDbc' as const, 'InvalidTransaction' as const, 'BadSignature' as const, 'Busy' as const, 'NoMint' as const),
  message: fc.string({ maxLength: 40 }),
})

export const payloads: { [K in Kind]: fc.Arbitrary<PayloadOf<K>> } = {
  JoinRequest: fc.record({ addr: address, relocation: fc.option(relocation, { nil: undefined }), elderShare: fc.option(fc.record({ index: fc.integer({ min: 0, max: 255 }), share: blsSignature }), { nil: undefined }) })
    .map(({ addr, relocation, elderShare }) => ({ addr, ...(relocation === undefined ? {} : { relocation }), ...(elderShare === undefined ? {} : { elderShare }) })),
  JoinResponse: fc.record({
    verdict: fc.oneof(
      fc.constant({ _tag: 'TryJoinLater' as const }),
      prefixWire.map((prefix) => ({ _tag: 'JoinElsewhere' as const, prefix })),
      fc.string({ maxLength: 64 }).map((reason) => ({ _tag: 'Rejected' as const, reason })),
    ),
  }),
  JoinApproved: fc.record({ decision, sap: signedSap, proofChain, members: fc.array(memberWire, { maxLength: 5 }), nextGeneration: fc.nat(), graceMs: fc.integer({ min: 1, max: 600_000 }), names: fc.integer({ min: 1, max: 1_000_000 }) }, { requiredKeys: ['decision', 'sap', 'proofChain', 'members', 'nextGeneration'] }),
  SectionDecisions: fc.record({ decisions: fc.array(decision, { maxLength: 3 }) }),
  SectionDecisionsRequest: fc.record({ from: fc.nat() }),
  SapShare: fc.record({ sap, index, share: blsSignature }),
  LinkShare: fc.record({ parent: blsKey, child: blsKey, index, share: blsSignature }),
  MergeShare: fc.record({ sap: signedSap, proofChain, sibling: blsKey, members: fc.array(memberWire, { maxLength: 5 }), index, share: blsSignature, link: blsSignature }),
  ClientQuery: fc.constant({}),
  ClientAnswer: fc.record({ prefix: prefixWire, sectionKey: blsKey }),
  ContactsRequest: fc.constant({}),
  Contacts: fc.record({ genesis: signedSap, sections: fc.array(fc.record({ sap: signedSap, proofChain }), { maxLength: 3 }), genesisDbc: dbc }, { requiredKeys: ['genesis', 'sections'] }),
  Leaving: fc.constant({}),
  SectionMembersQuery: fc.constant({}),
  SectionMembersAnswer: fc.record({ prefix: prefixWire, sectionKey: blsKey, generation: fc.nat(), members: fc.array(fc.record({ name, publicKey: bytes(32), addr: address }), { maxLength: 5 }) }),
  ChunkPut: fc.record({ content: fc.uint8Array({ maxLength: 300 }) }),
  ChunkReceipt: fc.record({ address: name, holder: bytes(32), signature: bytes(64) }),
  ChunkGet: fc.record({ address: name }),
  ChunkContent: fc.record({ address: name, content: fc.uint8Array({ maxLength: 300 }) }),
  ChunkRefused: fc.record({
    address: name, reason: fc.constantFrom('NotHolder' as const, 'Full' as const, 'NotFound' as const, 'BadAddress' as const, 'Busy' as const),
    holders: fc.array(fc.record({ name, publicKey: bytes(32), addr: address }), { maxLength: 5 }),
  }),
  ChunkOffer: fc.record({ addresses: fc.array(name, { maxLength: 5 }), popular: fc.boolean() }),
  ChunkHave: fc.record({ have: fc.array(name, { maxLength: 5 }), full: fc.array(name, { maxLength: 5 }) }),
  RegisterPut: fc.record({ ops: fc.array(registerOp, { maxLength: 3 }) }),
  RegisterAck: fc.record({ name, heads: fc.array(name, { maxLength: 3 }), size: fc.nat(), holder: bytes(32), signature: bytes(64) }),
  RegisterGet: fc.record({ from: fc.nat() }),
  RegisterState: fc.record({ name, from: fc.nat(), total: fc.nat(), ops: fc.array(registerOp, { maxLength: 3 }) }),
  RegisterRefused: fc.record({
    name, reason: fc.constantFrom('NotHolder' as const, 'NotFound' as const, 'NotWriter' as const, 'UnknownParent' as const, 'BadSignature' as const),
    message: fc.string({ maxLength: 40 }), holders: fc.array(fc.record({ name, publicKey: bytes(32), addr: address }), { maxLength: 3 }),
  }),
  RegisterSync: fc.record({ ops: fc.array(registerOp, { maxLength: 3 }) }),
  NameRegister: fc.record({ name: nameLabel, owner: bytes(32), signature: bytes(64) }),
  SpendWrite: fc.record({ transaction, input: dbc, signature: blsSignature }),
  SpendAnswer: fc.record({ spendKey: blsKey, answer: fc.oneof(
    spentEntry.map((entry) => ({ _tag: 'Recorded' as const, entry })),
    spentEntry.map((entry) => ({ _tag: 'DoubleSpend' as const, entry })),
    fc.constant({ _tag: 'Pending' as const }),
    mintRefusal,
  ) }),
  ReissueRequest: fc.record({ transaction, inputs: fc.array(dbc, { maxLength: 2 }) }),
  ReissueAnswer: fc.record({ txHash: bytes(32), answer: fc.oneof(
    fc.record({ _tag: fc.constant('Share' as const), sap: signedSap, proofChain, index: fc.integer({ min: 0, max: 63 }), share: blsSignature }),
    spentEntry.map((entry) => ({ _tag: 'DoubleSpend' as const, entry })),
    blsKey.map((spendKey) => ({ _tag: 'NotSpent' as const, spendKey })),
    mintRefusal,
  ) }),
  NameLookup: fc.record({ name: nameLabel }),
  NamesRequest: fc.record({ after: name }, { requiredKeys: [] }),
  NamesPage: fc.record({
    proofs: fc.array(fc.record({ sectionKey: blsKey, generation: fc.nat(), proposals, signature: blsSignature }), { maxLength: 3 }),
    last: name, more: fc.boolean(),
  }, { requiredKeys: ['proofs', 'more'] }),
  NameAnswer: fc.record({
    name: nameLabel,
    answer: fc.oneof(
      fc.record({ _tag: fc.constant('Share' as const), owner: bytes(32), sap: signedSap, proofChain, index: fc.integer({ min: 0, max: 63 }), share: blsSignature }),
      fc.constant({ _tag: 'Unknown' as const }),
      fc.constant({ _tag: 'Pending' as const }),
      fc.record({ _tag: fc.constant('Refused' as const), reason: fc.constantFrom('BadName' as const, 'BadSignature' as const, 'NotOurs' as const, 'Busy' as const), message: fc.string({ maxLength: 40 }) }),
    ),
  }),
  DkgStart: fc.record({
    start: fc.record({
      sessionId: bytes(32), prefix: prefixWire, candidates: fc.array(name, { minLength: 1, maxLength: 7 }),
      keys: fc.array(bytes(32), { maxLength: 7 }), addrs: fc.array(address, { maxLength: 7 }),
      generation: fc.nat(), chainLength: fc.nat(), elder: index, signature: bytes(64),
    }),
  }),
  DkgMessages: fc.record({ parts: fc.array(dkgPart, { maxLength: 2 }), acks: fc.array(dkgAck, { maxLength: 3 }), justifications: fc.array(dkgJustification, { maxLength: 3 }) }),
  DkgCatchUp: fc.record({
    sessionId: bytes(32), parts: fc.array(fc.record({ dealer: index, commitments: bytes(32) }), { maxLength: 7 }),
    acks: fc.array(fc.record({ participant: index, entries: fc.nat(), hash: bytes(32) }), { maxLength: 7 }),
    justifications: fc.array(fc.record({ dealer: index, accuser: index }), { maxLength: 5 }),
  }),
  DkgFailure: fc.record({ sessionId: bytes(32), nonParticipants: fc.array(index, { maxLength: 7 }) }),
  AgreementVotes: fc.record({ votes: fc.array(vote, { maxLength: 4 }), supermajorities: fc.array(supermajority, { maxLength: 2 }) }),
  DecisionRequest: fc.record({ generation: fc.nat() }),
  DecisionAnnounce: fc.record({ decision }),
  AeProbe: fc.record({ sectionKey: blsKey, neighbours: fc.option(bytes(32), { nil: undefined }) })
    .map(({ sectionKey, neighbours }) => (neighbours === undefined ? { sectionKey } : { sectionKey, neighbours })),
  AeRetry: fc.record({ sap: signedSap, proofChain, bounced }),
  AeRedirect: fc.record({ sap: signedSap, proofChain, bounced }),
  AeUpdate: fc.record({ sap: signedSap, proofChain }),
}

export const dst: fc.Arbitrary<Dst> = fc.record({ name, sectionKey: blsKey })

export const authority: fc.Arbitrary<Authority> = fc.oneof(
  fc.record({ _tag: fc.constant('Client' as const), publicKey: bytes(32), signature: bytes(64) }),
  fc.record({ _tag: fc.constant('Node' as const), name, publicKey: bytes(32), signature: bytes(64) }),
  fc.record({ _tag: fc.constant('SectionShare' as const), publicKeySet, index: fc.integer({ min: 0, max: 63 }), share: blsSignature }),
  fc.record({ _tag: fc.constant('Section' as const), sectionKey: blsKey, signature: blsSignature }),
)

/** Any message: a kind, its payload, and envelope fields. */
export const message = fc.constantFrom(...(Object.keys(payloads) as Kind[])).chain((kind) =>
  fc.record({
    msgId: bytes(32),
    kind: fc.constant(kind),
    dst,
    auth: authority,
    payload: payloads[kind] as fc.Arbitrary<PayloadOf<Kind>>,
  }))

/** Replaces Buffers (what msgpackr decodes bin to) by plain Uint8Arrays for deep comparison. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}
