/**
 * The `section` machine's spec: its context is a {@link SectionView} moved on by the pure
 * `applyDecisionToView`, so it is traversed with real views and decisions, bounded — three
 * starting views of prefix `0` (small: a merge is due; ordinary; big: a split is due) and, for
 * generations 1 to 3, a join, a leave, a `Merge` and an `Absorb` of the sibling `1`.
 */
import { sectionMachine } from '../../machines/section.machine.ts'
import { DEFAULT_PARAMETERS, type Decision, encodeChange, type Member, type MembershipChange, SectionMembers, splitFor } from '../consensus/index.ts'
import { NodeKeypair, SecretKeySet } from '../crypto/index.ts'
import { SectionAuthorityProvider, SignedSap } from '../knowledge/index.ts'
import { SeededRandom } from '../sim/random.ts'
import { Prefix } from '../xor/index.ts'
import { defineSpec, type MachineSpec, within } from './verify.ts'

const GENERATIONS = 3

export function sectionSpec(): MachineSpec {
  const random = new SeededRandom(5)
  const params = DEFAULT_PARAMETERS
  const zero = Prefix.EMPTY.pushed(0)
  const one = Prefix.EMPTY.pushed(1)
  // Members by where their name falls: 00, 01 (our halves) and 1 (the sibling).
  const pools = new Map<string, Member[]>([['00', []], ['01', []], ['1', []]])
  let n = 0
  while ([...pools.values()].some((pool) => pool.length < 16)) {
    const keypair = NodeKeypair.fromSeed(random.bytes(32))
    const bits = one.matches(keypair.name) ? '1' : zero.pushed(0).matches(keypair.name) ? '00' : '01'
    const pool = pools.get(bits)!
    if (pool.length < 16) pool.push({ name: keypair.name, publicKey: keypair.publicKey.bytes, addr: `n${n++}`, age: 5 + (n % 40) })
  }
  const keys = SecretKeySet.random(0, random.byteSource())
  const sign = (bytes: Uint8Array) => keys.secretKey().sign(bytes)
  const sapFor = (prefix: Prefix, members: Member[]) => {
    const elders = [...members].sort((a, b) => b.age - a.age).slice(0, params.elderCount)
    const sap = new SectionAuthorityProvider({ prefix, publicKeySet: keys.publicKeys(), elders: elders.map((m) => ({ name: m.name, addr: m.addr })), members: [], generation: 0 })
    return new SignedSap(sap, sign(sap.signingBytes()))
  }
  const viewOf = (members: Member[]) => ({ sap: sapFor(zero, members), members: new SectionMembers(zero, members, 0), nextGeneration: 1 })
  const ours = [...pools.get('00')!, ...pools.get('01')!]
  const views = [
    viewOf(ours.slice(0, 5)),
    viewOf([...pools.get('00')!.slice(0, 5), ...pools.get('01')!.slice(0, 5)]),
    viewOf([...pools.get('00')!.slice(0, 14), ...pools.get('01')!.slice(0, 14)]),
  ]
  const self = ours[0]!.name
  const sibling = sapFor(one, pools.get('1')!.slice(0, 4))
  const joiner = pools.get('01')![15]!
  const changes: MembershipChange[] = [
    { kind: 'Joined', member: { ...joiner, age: 0 } },
    { kind: 'Left', name: ours[1]!.name },
    { kind: 'Merge', sibling: sibling.sap.sectionKey() },
    { kind: 'Absorb', sectionKey: sibling.sap.sectionKey(), sibling: views[0]!.sap.sap.sectionKey(), members: pools.get('1')!.slice(0, 4), signature: sign(Uint8Array.of(1)), link: sign(Uint8Array.of(2)) },
  ]
  const decisions: Decision[] = []
  for (let generation = 1; generation <= GENERATIONS; generation++) {
    for (const change of changes) {
      decisions.push({ generation, round: 0, proposals: [encodeChange(change)], supermajority: [], signature: sign(Uint8Array.of(generation, decisions.length)).toBytes() })
    }
  }
  return defineSpec({
    name: 'section',
    machine: sectionMachine,
    input: { params },
    events: [
      ...views.map((view) => ({ type: 'START', view })),
      ...decisions.map((decision) => ({ type: 'APPLY', decision, self })),
      { type: 'LEAVE' },
    ],
    key: (s) => {
      const view = s.context.view
      return view === undefined ? null : {
        g: view.nextGeneration, size: view.members.size, prefix: view.members.prefix.toBits(), sap: view.sap.sap.prefix.toBits(),
        merging: view.merging !== undefined, elders: view.sap.sap.elders.length,
      }
    },
    stable: ['section.outside', 'section.member.steady'],
    // This chart records what is due; the elder machine drives each change on its own timers.
    progress: {
      external: ['APPLY', 'LEAVE'],
      shutdown: [],
      awaits: {
        'section.member.electing': 'the elder machine announces DkgStart on its resend timer until the new SAP is signed',
        'section.member.splitting': 'the elder machine announces both DkgStarts on its resend timer until both SAPs are signed',
        'section.member.shrunk': 'the elders propose Merge after the decision that shrank the section',
        'section.member.merging': 'the elder machine resends the merge shares on its timer until the sibling takes us in',
      },
    },
    invariants: [
      { name: 'outside holds no view', holds: (s) => !within(s, 'section.outside') || s.context.view === undefined },
      { name: 'splitting only with both halves at recommendedSectionSize', holds: (s) => !within(s, 'section.member.splitting') || splitFor(s.context.view!.members, params) !== undefined },
      { name: 'shrunk only below elderCount members', holds: (s) => !within(s, 'section.member.shrunk') || s.context.view!.members.size < params.elderCount },
      { name: 'merging only once a Merge is decided', holds: (s) => within(s, 'section.member.merging') === (s.context.view?.merging !== undefined) },
      { name: 'no relocation while merging', holds: (s) => s.context.view?.merging === undefined || (s.context.last?.relocations.length ?? 0) === 0 },
      {
        name: "the members' prefix is the SAP's, or its parent after an Absorb",
        holds: (s) => s.context.view === undefined || s.context.view.members.prefix.equals(s.context.view.sap.sap.prefix) || s.context.view.members.prefix.equals(s.context.view.sap.sap.prefix.popped()),
      },
    ],
    limit: 20_000,
  })
}
