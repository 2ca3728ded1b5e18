import { describe, expect, it } from 'vitest'
import { SecretKeySet } from '../../src/crypto/index.ts'
import { checkIncoming, onBounce, ProofChain, routeFor, SectionAuthorityProvider, SectionTree, SignedSap, signLink } from '../../src/knowledge/index.ts'
import { Prefix, XorName } from '../../src/xor/index.ts'

function keys() {
  const set = SecretKeySet.random(1)
  return { set, secret: set.secretKey(), public: set.publicKeys().publicKey() }
}
type Keys = ReturnType<typeof keys>

function sap(prefix: Prefix, k: Keys, elderNames: XorName[] = [XorName.fromContent(Buffer.from(prefix.toBits() + 'e'))]): SignedSap {
  const s = new SectionAuthorityProvider({
    prefix, publicKeySet: k.set.publicKeys(), elders: elderNames.map((name) => ({ name, addr: '/ip4/127.0.0.1/tcp/1' })), members: [], generation: 1,
  })
  return new SignedSap(s, k.secret.sign(s.signingBytes()))
}

const link = (parent: Keys, child: Keys) => ({ key: child.public, signature: signLink(parent.secret, child.public) })
const nameIn = (bits: string) => {
  let name = XorName.fromContent(Buffer.from(bits))
  for (let i = 0; i < bits.length; i++) name = name.withBit(i, bits[i] === '1' ? 1 : 0)
  return name
}

describe('anti-entropy', () => {
  // The network: genesis split into 0 and 1; we are a node of section 0.
  const genesis = keys()
  const zero = keys()
  const one = keys()
  const ours = () => {
    const tree = SectionTree.fromGenesis(sap(Prefix.EMPTY, genesis))
    tree.update(sap(Prefix.parse('0'), zero), new ProofChain(genesis.public, [link(genesis, zero)]))
    tree.update(sap(Prefix.parse('1'), one), new ProofChain(genesis.public, [link(genesis, one)]))
    return tree
  }

  it('accepts a message sent with our current key', () => {
    const verdict = checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('0'), isElder: false, kind: 'ChunkGet', dst: { name: nameIn('01'), sectionKey: zero.public } })
    expect(verdict.kind).toBe('accept')
  })

  it('answers a stale key with Retry: our SAP and the chain from the key the sender had', () => {
    const verdict = checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('0'), isElder: false, kind: 'ChunkGet', dst: { name: nameIn('01'), sectionKey: genesis.public } })
    expect(verdict.kind).toBe('retry')
    if (verdict.kind !== 'retry') return
    expect(verdict.sap.sap.prefix.toBits()).toBe('0')
    expect(verdict.chain.root.equals(genesis.public)).toBe(true)
    expect(verdict.chain.last().equals(zero.public)).toBe(true)
  })

  it('redirects a name outside our prefix if we are an elder, drops it if we are an adult', () => {
    const dst = { name: nameIn('11'), sectionKey: genesis.public }
    const elder = checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('0'), isElder: true, kind: 'ChunkGet', dst })
    expect(elder.kind).toBe('redirect')
    if (elder.kind === 'redirect') expect(elder.sap.sap.prefix.toBits()).toBe('1')
    expect(checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('0'), isElder: false, kind: 'ChunkGet', dst }))
      .toEqual({ kind: 'drop', reason: 'outside-prefix-not-elder' })
  })

  it('never answers anti-entropy with anti-entropy', () => {
    const verdict = checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('0'), isElder: true, kind: 'AeRetry', dst: { name: nameIn('11'), sectionKey: genesis.public } })
    expect(verdict.kind).toBe('accept')
  })

  it('a client that knows only genesis reaches the right section through AE alone', () => {
    const client = SectionTree.fromGenesis(sap(Prefix.EMPTY, genesis))
    const target = nameIn('10')
    // The client sends to a node of section 0 (all it knows is the genesis key).
    let sentWith = genesis.public
    const answer = checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('0'), isElder: true, kind: 'ChunkGet', dst: { name: target, sectionKey: sentWith } })
    expect(answer.kind).toBe('redirect')
    if (answer.kind !== 'redirect') return
    const decision = onBounce({ tree: client, answer, dstName: target, sentWithKey: sentWith, attempt: 0, resendLimit: 5 })
    expect(decision.action).toBe('resend')
    if (decision.action !== 'resend') return
    expect(decision.sectionKey.equals(one.public)).toBe(true)
    expect(client.sectionFor(target)!.sap.prefix.toBits()).toBe('1')
    sentWith = decision.sectionKey
    const second = checkIncoming({ tree: ours(), ourPrefix: Prefix.parse('1'), isElder: true, kind: 'ChunkGet', dst: { name: target, sectionKey: sentWith } })
    expect(second.kind).toBe('accept')
  })

  it('loop guards: no progress, a rejected update, and the resend limit each drop the message', () => {
    const client = SectionTree.fromGenesis(sap(Prefix.EMPTY, genesis))
    const answer = { kind: 'retry' as const, sap: sap(Prefix.EMPTY, genesis), chain: new ProofChain(genesis.public) }
    expect(onBounce({ tree: client, answer, dstName: nameIn('0'), sentWithKey: genesis.public, attempt: 0, resendLimit: 5 }))
      .toMatchObject({ action: 'drop', reason: 'no-progress' })
    const stranger = keys()
    const forged = { kind: 'retry' as const, sap: sap(Prefix.parse('0'), stranger), chain: new ProofChain(stranger.public) }
    expect(onBounce({ tree: client, answer: forged, dstName: nameIn('0'), sentWithKey: genesis.public, attempt: 0, resendLimit: 5 }))
      .toMatchObject({ action: 'drop', reason: 'update-rejected' })
    const good = { kind: 'retry' as const, sap: sap(Prefix.parse('0'), zero), chain: new ProofChain(genesis.public, [link(genesis, zero)]) }
    expect(onBounce({ tree: client, answer: good, dstName: nameIn('0'), sentWithKey: genesis.public, attempt: 5, resendLimit: 5 }))
      .toMatchObject({ action: 'drop', reason: 'resend-limit' })
  })
})

describe('routing a message by what the tree holds and what a bounce brought', () => {
  // Regression (safenet sim --nodes 300 --seed 3 --byzantine 2 --churn 0.2 --drop 0.05): a joiner
  // that knew `10` was redirected to `1` for a name `11…`; its tree would not store `1` (a prefix
  // above one it knows), so it went back to genesis, was redirected to `1` again, 1,065 times.
  const genesis = keys()
  const one = keys()
  const oneZero = keys()
  const zeroKeys = keys()
  const tree = () => {
    const t = SectionTree.fromGenesis(sap(Prefix.EMPTY, genesis))
    t.update(sap(Prefix.parse('10'), oneZero), new ProofChain(genesis.public, [link(genesis, one), link(one, oneZero)]))
    return t
  }
  const hint = { sap: sap(Prefix.parse('1'), one), chain: new ProofChain(genesis.public, [link(genesis, one)]) }

  it('the tree alone keeps no SAP for `1` once it knows `10`: it routes `11…` to genesis', () => {
    const t = tree()
    expect(t.update(hint.sap, hint.chain)).toEqual({ status: 'ignored', reason: 'stale' })
    expect(routeFor(t, nameIn('11'))?.sap.prefix.toBits()).toBe('')
  })

  it('a proven bounced SAP that matches the name more closely routes it', () => {
    expect(routeFor(tree(), nameIn('11'), hint)?.sap.prefix.toBits()).toBe('1')
    // Not for a name it does not cover, nor over a closer SAP the tree holds.
    expect(routeFor(tree(), nameIn('01'), hint)?.sap.prefix.toBits()).toBe('')
    expect(routeFor(tree(), nameIn('10'), hint)?.sap.prefix.toBits()).toBe('10')
  })

  it('an unproven one does not: a broken link, or a SAP its key did not sign', () => {
    const forged = { sap: sap(Prefix.parse('1'), one), chain: new ProofChain(genesis.public, [link(zeroKeys, one)]) }
    expect(routeFor(tree(), nameIn('11'), forged)?.sap.prefix.toBits()).toBe('')
    const unsigned = { sap: new SignedSap(hint.sap.sap, zeroKeys.secret.sign(hint.sap.sap.signingBytes())), chain: hint.chain }
    expect(routeFor(tree(), nameIn('11'), unsigned)?.sap.prefix.toBits()).toBe('')
  })
})
