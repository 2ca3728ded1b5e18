/**
 * Membership of one section and the rules elders apply to it (DESIGN.md §6–§8), as pure
 * functions: what a join gets, who is relocated on churn, who should be elder, when to split.
 *
 * Every rule depends only on the agreed state (members, the decision's signature, the section
 * key), so all elders that applied the same decisions reach the same answers.
 */
import { Result } from 'effect'
import { BlsPublicKey, BlsSignature, concatBytes, domain, sha3_256, toHex } from '../crypto/index.ts'
import { SignedSap } from '../knowledge/sap.ts'
import { decodeValue, encodeValue, MembershipChangeWire, type MemberWire } from '../wire/index.ts'
import type { Prefix} from '../xor/index.ts';
import { XorName } from '../xor/index.ts'
import type { NetworkParameters } from './parameters.ts'

export interface Member {
  readonly name: XorName
  /** Ed25519 node key; `name` is SHA3 of it. */
  readonly publicKey: Uint8Array
  readonly addr: string
  readonly age: number
}

export type MembershipChange =
  | { readonly kind: 'Joined'; readonly member: Member; readonly previousName?: XorName }
  | { readonly kind: 'Left'; readonly name: XorName }
  | { readonly kind: 'Relocated'; readonly name: XorName; readonly destination: XorName; readonly age: number }
  | { readonly kind: 'Handover'; readonly sap: SignedSap }
  | { readonly kind: 'Split'; readonly zero: SignedSap; readonly one: SignedSap }
  /**
   * Too few members: we ask our sibling section (its key) to take us in (DESIGN.md §8). Naming
   * our own key calls a merge off (the sibling split before it took us in).
   */
  | { readonly kind: 'Merge'; readonly sibling: BlsPublicKey }
  /**
   * Our sibling `sectionKey` merges into us: its members, signed by its key over {@link mergeBytes},
   * and its key's signature over our key `sibling` (`link`): our keys from then on descend from both.
   */
  | {
    readonly kind: 'Absorb'; readonly sectionKey: BlsPublicKey; readonly sibling: BlsPublicKey; readonly members: ReadonlyArray<Member>
    readonly signature: BlsSignature; readonly link: BlsSignature
  }
  /**
   * A registrant claims a name (NRS, src/register/names.ts): not a change of membership, but
   * decided in the same agreement so that every elder knows which claim came first.
   */
  | { readonly kind: 'NameClaim'; readonly name: string; readonly owner: Uint8Array; readonly signature: Uint8Array }
  /**
   * A spentbook entry (issue 20, src/dbc): DBC `spendKey` is spent in transaction `txHash`, signed
   * by its owner. Decided in the agreement too: the first decided spend of a key is the only one.
   */
  | { readonly kind: 'Spend'; readonly spendKey: Uint8Array; readonly txHash: Uint8Array; readonly signature: Uint8Array }

export function memberToWire(m: Member): MemberWire {
  return { name: m.name.bytes, publicKey: m.publicKey, addr: m.addr, age: m.age }
}

export function memberFromWire(w: MemberWire): Member {
  return { name: XorName.fromBytes(w.name), publicKey: Uint8Array.from(w.publicKey), addr: w.addr, age: w.age }
}

const MERGE_DOMAIN = domain('safenet/merge/v1')

/** What a merging section's key signs: it, the sibling it merges into, and its members. */
export function mergeBytes(sectionKey: BlsPublicKey, sibling: BlsPublicKey, members: ReadonlyArray<Member>): Uint8Array {
  const sorted = [...members].sort((a, b) => a.name.compare(b.name))
  return concatBytes(MERGE_DOMAIN, sectionKey.toBytes(), sibling.toBytes(), sha3_256(...sorted.flatMap((m) => [m.name.bytes, m.publicKey, new TextEncoder().encode(m.addr), Uint8Array.of(m.age)])))
}

/** The canonical bytes of a change: what elders put in their proposals. */
export function encodeChange(change: MembershipChange): Uint8Array {
  let wire: MembershipChangeWire
  switch (change.kind) {
    case 'Joined':
      wire = {
        _tag: 'Joined', name: change.member.name.bytes, publicKey: change.member.publicKey, addr: change.member.addr, age: change.member.age,
        ...(change.previousName === undefined ? {} : { previousName: change.previousName.bytes }),
      }
      break
    case 'Left':
      wire = { _tag: 'Left', name: change.name.bytes }
      break
    case 'Relocated':
      wire = { _tag: 'Relocated', name: change.name.bytes, destination: change.destination.bytes, age: change.age }
      break
    case 'Handover':
      wire = { _tag: 'Handover', sap: change.sap.toWire() }
      break
    case 'Split':
      wire = { _tag: 'Split', zero: change.zero.toWire(), one: change.one.toWire() }
      break
    case 'Merge':
      wire = { _tag: 'Merge', sibling: change.sibling.toBytes() }
      break
    case 'Absorb':
      wire = {
        _tag: 'Absorb', sectionKey: change.sectionKey.toBytes(), sibling: change.sibling.toBytes(),
        members: [...change.members].sort((a, b) => a.name.compare(b.name)).map(memberToWire), signature: change.signature.toBytes(),
        link: change.link.toBytes(),
      }
      break
    case 'NameClaim':
      wire = { _tag: 'NameClaim', name: change.name, owner: change.owner, signature: change.signature }
      break
    case 'Spend':
      wire = { _tag: 'Spend', spendKey: change.spendKey, txHash: change.txHash, signature: change.signature }
      break
  }
  return Result.getOrThrow(encodeValue(MembershipChangeWire, wire))
}

/** Whether proposal `bytes` is a `Joined` for `name`. */
export function isJoinOf(bytes: Uint8Array, name: XorName): boolean {
  const change = decodeChange(bytes)
  return change?.kind === 'Joined' && change.member.name.equals(name)
}

/** Decodes a proposal; undefined when it is not a well-formed membership change. */
export function decodeChange(bytes: Uint8Array): MembershipChange | undefined {
  const decoded = decodeValue(MembershipChangeWire, bytes)
  if (Result.isFailure(decoded)) return undefined
  const wire = decoded.success
  try {
    switch (wire._tag) {
      case 'Joined':
        return {
          kind: 'Joined',
          member: { name: XorName.fromBytes(wire.name), publicKey: Uint8Array.from(wire.publicKey), addr: wire.addr, age: wire.age },
          ...(wire.previousName === undefined ? {} : { previousName: XorName.fromBytes(wire.previousName) }),
        }
      case 'Left':
        return { kind: 'Left', name: XorName.fromBytes(wire.name) }
      case 'Relocated':
        return { kind: 'Relocated', name: XorName.fromBytes(wire.name), destination: XorName.fromBytes(wire.destination), age: wire.age }
      case 'Handover':
        return { kind: 'Handover', sap: SignedSap.fromWire(wire.sap) }
      case 'Split':
        return { kind: 'Split', zero: SignedSap.fromWire(wire.zero), one: SignedSap.fromWire(wire.one) }
      case 'Merge':
        return { kind: 'Merge', sibling: BlsPublicKey.fromBytes(wire.sibling) }
      case 'Absorb':
        return {
          kind: 'Absorb', sectionKey: BlsPublicKey.fromBytes(wire.sectionKey), sibling: BlsPublicKey.fromBytes(wire.sibling),
          members: wire.members.map(memberFromWire), signature: BlsSignature.fromBytes(wire.signature), link: BlsSignature.fromBytes(wire.link),
        }
      case 'NameClaim':
        return { kind: 'NameClaim', name: wire.name, owner: Uint8Array.from(wire.owner), signature: Uint8Array.from(wire.signature) }
      case 'Spend':
        return { kind: 'Spend', spendKey: Uint8Array.from(wire.spendKey), txHash: Uint8Array.from(wire.txHash), signature: Uint8Array.from(wire.signature) }
    }
  } catch {
    // Key material that is not a valid point (InvalidEncoding): not a well-formed change.
    return undefined
  }
}

/** Names that left recently are refused a rejoin under the same name; bounded memory. */
const RECENTLY_LEFT_LIMIT = 1024

/** A section's agreed members. Immutable: applying a decision gives the next state. */
export class SectionMembers {
  readonly prefix: Prefix
  readonly generation: number
  readonly #members: ReadonlyMap<string, Member>
  readonly #recentlyLeft: ReadonlyArray<string>

  constructor(prefix: Prefix, members: Iterable<Member> = [], generation = 0, recentlyLeft: ReadonlyArray<string> = []) {
    this.prefix = prefix
    this.generation = generation
    this.#members = new Map([...members].map((m) => [m.name.toHex(), m]))
    this.#recentlyLeft = recentlyLeft
  }

  get size(): number {
    return this.#members.size
  }

  members(): Member[] {
    return [...this.#members.values()].sort((a, b) => a.name.compare(b.name))
  }

  get(name: XorName): Member | undefined {
    return this.#members.get(name.toHex())
  }

  has(name: XorName): boolean {
    return this.#members.has(name.toHex())
  }

  leftRecently(name: XorName): boolean {
    return this.#recentlyLeft.includes(name.toHex())
  }

  /** The merged section's members: ours and the sibling's, under the parent prefix. */
  absorb(sibling: ReadonlyArray<Member>, generation: number): SectionMembers {
    const parent = this.prefix.popped()
    const absorbed = sibling.filter((m) => parent.matches(m.name) && !this.prefix.matches(m.name))
    return new SectionMembers(parent, [...this.#members.values(), ...absorbed], generation, this.#recentlyLeft)
  }

  /** Members per child half: [bit 0, bit 1] at bit `prefix.bitCount`. */
  halves(): [Member[], Member[]] {
    const zero: Member[] = []
    const one: Member[] = []
    for (const member of this.members()) (this.prefix.childBit(member.name) === 0 ? zero : one).push(member)
    return [zero, one]
  }

  /** The state after a decided generation's changes (changes that do not apply are skipped). */
  apply(changes: ReadonlyArray<MembershipChange>, generation: number): SectionMembers {
    const members = new Map(this.#members)
    const left = [...this.#recentlyLeft]
    for (const change of changes) {
      if (change.kind === 'Joined') {
        if (this.prefix.matches(change.member.name)) members.set(change.member.name.toHex(), change.member)
      } else if ((change.kind === 'Left' || change.kind === 'Relocated') && members.delete(change.name.toHex())) {
        left.push(change.name.toHex())
      }
    }
    return new SectionMembers(this.prefix, members.values(), generation, left.slice(-RECENTLY_LEFT_LIMIT))
  }
}

// --- Joining (DESIGN.md §6) ----------------------------------------------------------------------

export type JoinVerdict =
  | { readonly kind: 'Approve' }
  | { readonly kind: 'TryJoinLater' }
  | { readonly kind: 'JoinElsewhere'; readonly prefix: Prefix }
  | { readonly kind: 'Rejected'; readonly reason: 'outside-prefix' | 'already-member' | 'address-in-use' | 'left-recently' }

/**
 * What elders answer a joiner: every check of DESIGN.md §6, then balanced joining — a name in the
 * fuller half is sent to the emptier one, so halves stay even and a section splits as soon as it
 * holds 2 × recommendedSectionSize members. Relocated nodes are not redirected: relocation, not
 * the join, decides where a node grows old.
 */
export function checkJoin(
  section: SectionMembers, joiner: { name: XorName; addr: string; relocated: boolean }, parameters: NetworkParameters, options: { recentlyLeft?: boolean } = {},
): JoinVerdict {
  if (!section.prefix.matches(joiner.name)) return { kind: 'Rejected', reason: 'outside-prefix' }
  if (section.has(joiner.name)) return { kind: 'Rejected', reason: 'already-member' }
  if (section.members().some((m) => m.addr === joiner.addr)) return { kind: 'Rejected', reason: 'address-in-use' }
  if (options.recentlyLeft !== false && section.leftRecently(joiner.name)) return { kind: 'Rejected', reason: 'left-recently' }
  const halves = section.halves()
  const bit = section.prefix.childBit(joiner.name)
  const mine = halves[bit].length
  const other = halves[bit === 0 ? 1 : 0].length
  if (mine >= parameters.maxSectionSize) return { kind: 'TryJoinLater' }
  if (!joiner.relocated && mine > other) return { kind: 'JoinElsewhere', prefix: section.prefix.pushed(bit === 0 ? 1 : 0) }
  return { kind: 'Approve' }
}

/**
 * The age a fresh joiner starts at. Before the first split (the genesis section) joiners get
 * 6 + (hash of the join decision mod 94), so the first elders are stable; after it, minAdultAge.
 * `seed` is the decision's {@link decisionSeed} (the same at every member).
 */
export function joinAge(section: SectionMembers, seed: Uint8Array, parameters: NetworkParameters, joiner?: XorName): number {
  if (section.prefix.bitCount > 0) return parameters.minAdultAge
  // Per joiner, so that several joiners decided together do not all get one age.
  const hash = joiner === undefined ? sha3_256(seed) : sha3_256(seed, joiner.bytes)
  return 6 + (new DataView(hash.buffer, hash.byteOffset, hash.byteLength).getUint32(0) % 94)
}

// --- Ageing and relocation (DESIGN.md §6) ---------------------------------------------------------

/** churnId = SHA3 of the decision's seed ({@link decisionSeed}: from the section's round-free decision signature, DESIGN.md §6). */
export function churnId(seed: Uint8Array): XorName {
  return XorName.fromContent(seed)
}

/**
 * Who is relocated by a churn event: adults (non-elders) with age ≤ trailingZeros(churnId), the
 * ones closest to SHA3(churnId), at most min(size − recommended, maxRelocationsPerChurn); none in
 * the genesis section or a section with fewer than elderCount elders. Each goes to the name
 * SHA3(name ‖ churnId): it joins the section responsible for that name, one year older.
 */
export function relocations(
  section: SectionMembers,
  elders: ReadonlyArray<XorName>,
  seed: Uint8Array,
  parameters: NetworkParameters,
): Array<{ name: XorName; destination: XorName }> {
  if (section.prefix.bitCount === 0 || elders.length < parameters.elderCount) return []
  const limit = Math.min(section.size - parameters.recommendedSectionSize, parameters.maxRelocationsPerChurn)
  if (limit <= 0) return []
  const churn = churnId(seed)
  const zeros = churn.trailingZeros()
  const elderSet = new Set(elders.map((e) => e.toHex()))
  const target = XorName.fromContent(churn.bytes)
  return section.members()
    .filter((m) => !elderSet.has(m.name.toHex()) && m.age <= zeros)
    .sort((a, b) => target.compareDistance(a.name, b.name))
    .slice(0, limit)
    .map((m) => ({ name: m.name, destination: XorName.fromContent(m.name.bytes, churn.bytes) }))
}

// --- Elders (DESIGN.md §7) -------------------------------------------------------------------------

/**
 * The elderCount oldest members; ties go to current elders, then to the smaller
 * SHA3(name ‖ current section key), which a joiner cannot predict.
 */
export function elderCandidates(section: SectionMembers, currentElders: ReadonlyArray<XorName>, sectionKey: Uint8Array, parameters: NetworkParameters): Member[] {
  const current = new Set(currentElders.map((e) => e.toHex()))
  const tiebreak = new Map(section.members().map((m) => [m.name.toHex(), toHex(sha3_256(m.name.bytes, sectionKey))]))
  return section.members().sort((a, b) => {
    if (a.age !== b.age) return b.age - a.age
    const aCurrent = current.has(a.name.toHex())
    const bCurrent = current.has(b.name.toHex())
    if (aCurrent !== bCurrent) return aCurrent ? -1 : 1
    return tiebreak.get(a.name.toHex())! < tiebreak.get(b.name.toHex())! ? -1 : 1
  }).slice(0, parameters.elderCount)
}

/**
 * Whether the elders must change: an elder is missing (left or relocated), too few elders while
 * more members could serve, or an older member than the youngest elder exists.
 */
export function needsNewElders(section: SectionMembers, currentElders: ReadonlyArray<XorName>, parameters: NetworkParameters): boolean {
  if (currentElders.some((e) => !section.has(e))) return true
  if (currentElders.length < Math.min(parameters.elderCount, section.size)) return true
  const youngestElder = Math.min(...currentElders.map((e) => section.get(e)!.age))
  const elderSet = new Set(currentElders.map((e) => e.toHex()))
  return section.members().some((m) => !elderSet.has(m.name.toHex()) && m.age > youngestElder)
}

// --- Split and merge (DESIGN.md §8) ---------------------------------------------------------------

/** A section below elderCount members (not the root) should merge with its sibling. */
export function mergeDue(section: SectionMembers, parameters: NetworkParameters): boolean {
  return section.prefix.bitCount > 0 && section.size < parameters.elderCount
}

/** The two child prefixes with their members when both halves reach recommendedSectionSize. */
export function splitFor(section: SectionMembers, parameters: NetworkParameters): { zero: SectionMembers; one: SectionMembers } | undefined {
  const [zero, one] = section.halves()
  if (zero.length < parameters.recommendedSectionSize || one.length < parameters.recommendedSectionSize) return undefined
  return {
    zero: new SectionMembers(section.prefix.pushed(0), zero, section.generation),
    one: new SectionMembers(section.prefix.pushed(1), one, section.generation),
  }
}
