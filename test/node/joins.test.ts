/**
 * How an elder answers joiners (src/node/section-node.ts, #onJoinRequest), on one of four genesis
 * elders (four-elders.ts): a member at the address a join request comes from, under another name,
 * is that node before it took a new name (balanced joining sent it elsewhere while another elder
 * approved it), and is voted off at once instead of after 30 s of silence. Found in a 30-node
 * testnet: such ghosts blocked their address and, elected as elder candidates, stalled a DKG 30 s.
 */
import { describe, expect, it } from 'vitest'
import { encodeChange } from '../../src/consensus/index.ts'
import { NodeKeypair, toHex } from '../../src/crypto/index.ts'
import { asMember, type Peer } from '../model/node-harness.ts'
import { fourElders } from './four-elders.ts'

/** The node, an elder with `x` (at address 'x') a member, and what it proposes from now on. */
function elderWithMember() {
  const t = fourElders(41)
  const [, g1, g2, g3] = t.elders
  const s = t.subject(undefined, 'joins')
  s.node.startGenesis(t.keys.share!(0), 10, [g1!, g2!, g3!].map((p) => asMember(p, 50)))
  s.deliver(g1!, 'DecisionAnnounce', { decision: t.decide(0, [{ kind: 'Joined', member: asMember(t.joiner, 5) }]) })
  expect(s.node.section?.members.has(t.joiner.keypair.name)).toBe(true)
  const mark = s.sent.length
  const proposed = () => new Set(s.sentOf('AgreementVotes', mark).flatMap((m) => m.payload.votes).filter((v) => v.voter === 0).flatMap((v) => v.proposals.map(toHex)))
  return { t, s, proposed }
}

describe('an elder answering a join request', () => {
  it('votes off a member at the requesting address under another name: the same node, renamed', () => {
    const { t, s, proposed } = elderWithMember()
    const renamed: Peer = { keypair: NodeKeypair.fromSeed(new Uint8Array(32).fill(3)), addr: t.joiner.addr }
    s.deliver(renamed, 'JoinRequest', { addr: renamed.addr }, { name: renamed.keypair.name.bytes, sectionKey: t.genesis.sap.sectionKey().toBytes() })
    expect(proposed().has(toHex(encodeChange({ kind: 'Left', name: t.joiner.keypair.name })))).toBe(true)
  })

  it('does not for a request that only claims that address from another one', () => {
    const { t, s, proposed } = elderWithMember()
    const impostor: Peer = { keypair: NodeKeypair.fromSeed(new Uint8Array(32).fill(4)), addr: 'w' }
    s.deliver(impostor, 'JoinRequest', { addr: t.joiner.addr }, { name: impostor.keypair.name.bytes, sectionKey: t.genesis.sap.sectionKey().toBytes() })
    expect(proposed().has(toHex(encodeChange({ kind: 'Left', name: t.joiner.keypair.name })))).toBe(false)
    expect(s.sentOf('JoinResponse').some((m) => m.to.includes('w'))).toBe(true)
  })
})
