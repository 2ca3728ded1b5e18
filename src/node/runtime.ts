/**
 * A real node (DESIGN.md §1, issue 6): the {@link NodeShell} the simulator runs, over libp2p,
 * with its knowledge in a {@link NodeStore}, wall-clock timers and pino logs.
 *
 * Starting: a node with an identity in its store comes back as itself (same key, same port, same
 * SAPs and key shares) and rejoins; its section approves it again if it is still a member, and
 * it serves as an elder again if it holds the share of its section's key. A new node starts a
 * network (`first`), or joins one from a contacts file or from a bootstrap peer's address (the
 * peer is asked for the contacts; its genesis is trusted on first use).
 *
 * While running it persists what it learns (debounced), writes `status.json` in its root every
 * second (`safenet node status` reads it), logs message accounting every 30 s, and disconnects
 * peers that keep sending what fails our checks. Stopping for good tells its elders it leaves.
 */
import { randomBytes } from 'node:crypto'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Result, Schema } from 'effect'
import { DEFAULT_PARAMETERS, type NetworkParameters } from '../consensus/index.ts'
import { type BlsSecretKey, type CacheName, cacheEvictions, NodeKeypair, type PublicKeySet, SecretKeySet, type SecretKeyShare, toHex } from '../crypto/index.ts'
import { SectionAuthorityProvider, SignedSap } from '../knowledge/index.ts'
import { type ContactsFile, ContactsFileInvalid, decodeContactsFile as decodeContactsText, encodeContactsFile } from '../knowledge/contacts-file.ts'
import type { Logger } from '../log/index.ts'
import { LmdbStore, type NodeStore } from '../store/index.ts'
import { ConnectionPool } from '../transport/connections.ts'
import { type Libp2pLimits, Libp2pTransport, peerIdOfAddress } from '../transport/libp2p.ts'
import { WirePeer } from '../transport/wire-peer.ts'
import { DbcWire, decodeValue, encodeOwn, type PayloadOf, SignedSapWire } from '../wire/index.ts'
import { type Dbc, dbcFromWire, dbcToWire, genesisDbc, genesisTrust } from '../dbc/index.ts'
import { parseWalletAddress, Wallet } from '../wallet/wallet.ts'
import { Prefix } from '../xor/index.ts'
import { StoreBallotJournal } from '../roles/elder/ballot-journal.ts'
import { NodePersistence } from '../roles/shell/persistence.ts'
import { NodeShell } from '../roles/shell/node-shell.ts'
import type { ActorInspect } from '../roles/shell/components.ts'
import { nodeView, type NodeView } from '../inspect/views.ts'
import type { VaultSettings } from '../roles/vault/vault.ts'
import { systemClock } from '../transport/system-clock.ts'

/** Age of the genesis node: the first elder stays the oldest. */
const GENESIS_AGE = 255
/** Offences from one peer within {@link OFFENCE_WINDOW_MS} before it is disconnected (and banned a while). */
export const MAX_OFFENCES = 5
const OFFENCE_WINDOW_MS = 60_000
const STATUS_EVERY_MS = 1_000
const ACCOUNTING_EVERY_MS = 30_000

/** A node could not start: what is wrong and what to do about it. */
export class NodeStartFailed extends Schema.TaggedError<NodeStartFailed>()('NodeStartFailed', {
  message: Schema.String,
}) {}

export { type ContactsFile, encodeContactsFile }

/** Reads a contacts file's text; a {@link NodeStartFailed} saying what is wrong if it is not one. */
export function decodeContactsFile(text: string, where: string): ContactsFile {
  try {
    return decodeContactsText(text, where)
  } catch (error) {
    if (error instanceof ContactsFileInvalid) throw new NodeStartFailed({ message: error.message })
    throw error
  }
}

export interface NodeOptions {
  /** The node's directory: its store, status.json. */
  readonly root: string
  /** Multiaddrs to listen on; default what the store says, else 127.0.0.1 on a free port. */
  readonly listen?: ReadonlyArray<string>
  readonly bootstrap?: ReadonlyArray<string>
  readonly contacts?: ContactsFile
  /** Start a new network as its genesis elder. */
  readonly first?: boolean
  readonly params?: NetworkParameters
  readonly logger: Logger
  readonly limits?: Partial<Libp2pLimits>
  /** Default: LMDB in `root`. */
  readonly store?: NodeStore
  /** The vault's storage limit (`--capacity`) and sweep interval, where they differ from `VAULT`'s. */
  readonly vault?: VaultSettings
  /** Watches every actor of the node at the given address, its connections' included (the dashboard's tap, `--inspect`). */
  readonly inspect?: (addr: string) => ActorInspect
}

/** What `safenet node status` shows; written to `status.json` every second. */
export interface NodeStatus {
  readonly pid: number
  readonly running: boolean
  readonly name: string
  readonly addr: string
  readonly networkId: string
  readonly role: string
  readonly prefix: string | undefined
  readonly sectionKey: string | undefined
  readonly generation: number | undefined
  readonly elders: ReadonlyArray<string>
  readonly members: number | undefined
  /** The node's age as its section agreed it (once a member). */
  readonly age: number | undefined
  readonly isElder: boolean
  readonly startedAt: string
  readonly updatedAt: string
  readonly rssMb: number
  readonly connections: number
  readonly transport: Libp2pTransport['stats']
  readonly messages: { sent: number; received: number; refused: Record<string, number>; sentByKind: Record<string, number> }
  readonly offenders: number
  readonly actors: Record<string, unknown>
  /** Entries the crypto caches evicted in this process (`src/crypto/caches.ts`): a bound too small for the load shows here. */
  readonly cacheEvictions: Readonly<Record<CacheName, number>>
  /** The ballot journal's damaged blobs skipped and own ballots dropped past its per-generation bound. */
  readonly ballotJournal: { readonly unreadable: number; readonly evicted: number }
  /** The vault: its storage limit and usage, chunks held and what it did (src/roles/vault). */
  readonly vault: ReturnType<NodeShell['vault']['status']>
}

export class RealNode {
  readonly section: NodeShell
  readonly transport: Libp2pTransport
  readonly networkId: string
  readonly #store: NodeStore
  readonly #persistence: NodePersistence
  readonly #wire: WirePeer
  readonly #pool: ConnectionPool
  readonly #log: Logger
  readonly #root: string
  readonly #startedAt = new Date().toISOString()
  readonly #timers: ReturnType<typeof setInterval>[] = []
  readonly #offences = new Map<string, number[]>()
  #stopped = false

  private constructor(parts: { section: NodeShell; transport: Libp2pTransport; networkId: string; store: NodeStore; persistence: NodePersistence; wire: WirePeer; pool: ConnectionPool; log: Logger; root: string }) {
    this.section = parts.section
    this.transport = parts.transport
    this.networkId = parts.networkId
    this.#store = parts.store
    this.#persistence = parts.persistence
    this.#wire = parts.wire
    this.#pool = parts.pool
    this.#log = parts.log
    this.#root = parts.root
  }

  static async start(options: NodeOptions): Promise<RealNode> {
    const store = options.store ?? LmdbStore.open(options.root)
    try {
      return await RealNode.#start(options, store)
    } catch (error) {
      await store.close()
      throw error
    }
  }

  static async #start(options: NodeOptions, store: NodeStore): Promise<RealNode> {
    const identity = store.identity()
    let networkId: string
    let genesis: SignedSap | undefined
    const contacts = options.contacts?.contacts
    if (identity !== undefined) {
      networkId = identity.networkId
      genesis = decodeGenesis(identity.genesis)
    } else if (options.first === true) {
      networkId = toHex(randomBytes(8))
    } else if (options.contacts !== undefined) {
      networkId = options.contacts.networkId
      genesis = genesisFrom(options.contacts.contacts.genesis)
    } else if ((options.bootstrap?.length ?? 0) > 0) {
      networkId = await discoverNetworkId(options.bootstrap!, options.limits)
    } else {
      throw new NodeStartFailed({ message: `${options.root} holds no node yet: start a network with --first, or join one with --bootstrap MULTIADDR or --contacts FILE` })
    }
    const seed = identity?.seed ?? new Uint8Array(randomBytes(32))
    const transportKey = NodeKeypair.fromSeed(seed)
    const nodeKey = identity?.nodeSeed === undefined ? transportKey : NodeKeypair.fromSeed(identity.nodeSeed)
    const listen = options.listen ?? (identity?.listen.length ? identity.listen : undefined)
    const transport = await Libp2pTransport.start({ keypair: transportKey, nodeKey, networkId, listen, limits: options.limits })
    try {
      return await RealNode.#assemble({ options, store, networkId, genesis, contacts, seed, transport, nodeKey, fresh: identity === undefined })
    } catch (error) {
      await transport.stop()
      throw error
    }
  }

  static async #assemble(a: {
    options: NodeOptions; store: NodeStore; networkId: string; genesis: SignedSap | undefined; contacts: PayloadOf<'Contacts'> | undefined
    seed: Uint8Array; transport: Libp2pTransport; nodeKey: NodeKeypair; fresh: boolean
  }): Promise<RealNode> {
    const { options, store, transport } = a
    const clock = systemClock()
    const inspect = options.inspect?.(transport.self)
    const log = options.logger.child({ node: a.nodeKey.name.toHex().slice(0, 8) })
    const pool = new ConnectionPool({ inner: transport, dial: transport.dial, hangUp: (peer) => transport.hangUp(peer), clock, ...(inspect === undefined ? {} : { inspect }) })
    const journal = new StoreBallotJournal(store)
    // The node, once made, writes contacts.json beside its store each time it persists.
    const persistence = new NodePersistence({
      store, journal, schedule: (delayMs, run) => clock.schedule(delayMs, run), cancel: (handle) => clock.cancel(handle),
      onPersist: (contacts) => made.node?.writeContacts(contacts),
    })
    // The node, once made: the callbacks below are wired before it exists.
    const made: { node?: RealNode } = {}
    const wire = new WirePeer({
      transport: pool,
      keypair: a.nodeKey,
      msgIds: (n) => new Uint8Array(randomBytes(n)),
      dst: { name: new Uint8Array(32), sectionKey: new Uint8Array(48) },
      linkIsName: false,
      onOffence: (peer, tag) => made.node?.offence(peer, tag, 'a message that failed its checks'),
    })
    transport.onOffence((offence) => made.node?.offence(offence.peer, offence.reason, offence.message))
    transport.onError((error) => log.error({ err: error }, 'a frame handler threw'))

    // Who the network is: genesis from the store or contacts file, asked of a bootstrap peer, or made.
    let genesis = a.genesis
    let contacts = a.contacts
    let genesisShare: { share: SecretKeyShare; keySet: PublicKeySet } | undefined
    // The genesis DBC (issue 20): the whole supply, minted by the genesis key at the network's start.
    let genesisDbcWire = storedGenesisDbc(store)
    if (genesis === undefined && options.first === true && a.fresh) {
      const keys = SecretKeySet.random(0)
      const sap = new SectionAuthorityProvider({ prefix: Prefix.EMPTY, publicKeySet: keys.publicKeys(), elders: [{ name: a.nodeKey.name, addr: transport.self }], members: [], generation: 0 })
      genesis = new SignedSap(sap, keys.secretKey().sign(sap.signingBytes()))
      genesisShare = { share: keys.secretKeyShare(0), keySet: keys.publicKeys() }
      genesisDbcWire = dbcToWire(mintGenesis(genesis, keys.secretKey(), join(options.root, 'faucet')))
      log.info({ faucet: join(options.root, 'faucet') }, 'minted the genesis DBC to the faucet wallet')
    }
    if (genesis === undefined) ({ contacts, genesis } = await askContacts(wire, options.bootstrap ?? [], log))
    genesisDbcWire ??= contacts?.genesisDbc
    // Kept and passed on only if it is the genesis key's (a peer's bad one is not made ours for good).
    if (genesisDbcWire !== undefined && !isGenesisDbc(genesis, genesisDbcWire)) {
      log.warn('the genesis DBC in the store or the contacts is not the genesis key\'s: ignored')
      genesisDbcWire = undefined
    }
    if (genesisDbcWire !== undefined) store.putBlob(GENESIS_DBC_NAMESPACE, GENESIS_DBC_KEY, encodeOwn(DbcWire, genesisDbcWire))
    else log.warn('no genesis DBC in the store or the contacts: this node will not mint')

    const section = new NodeShell({
      addr: transport.self,
      params: options.params ?? DEFAULT_PARAMETERS,
      genesis,
      ...(genesisDbcWire === undefined ? {} : { genesisDbc: genesisDbcWire }),
      env: {
        wire: {
          get keypair() {
            return wire.keypair
          },
          send: (to, kind, payload, dst) => wire.send(to, kind, payload, dst),
          refuse: (tag) => wire.refuse(tag),
          setKeypair: (keypair) => {
            wire.setKeypair(keypair)
            transport.bind(keypair)
            const current = store.identity()
            if (current !== undefined) store.saveIdentity({ ...current, nodeSeed: keypair.seed() })
            // status.json names the node as its store does: a reader never sees the old name after it
            // is gone from the store (a relocated node killed a moment later comes back as the new one).
            made.node?.writeStatus()
            log.info({ name: keypair.name.toHex() }, 'took a new name')
          },
        },
        clock,
        schedule: (delayMs, run) => clock.schedule(delayMs, run),
        cancel: (handle) => clock.cancel(handle),
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
        newKeypair: (matches) => NodeKeypair.generateWhere(matches),
        ballots: journal,
        store,
        ...(options.vault === undefined ? {} : { vault: options.vault }),
        ...(inspect === undefined ? {} : { inspect }),
        observer: {
          decided: (_node, sectionKey, decision) => {
            log.debug({ sectionKey: sectionKey.slice(0, 16), generation: decision.generation, proposals: decision.proposals.length }, 'decided')
            persistence.persistSoon()
          },
          link: () => persistence.persistSoon(),
          joined: (n) => {
            log.info({ role: n.role, prefix: n.section?.sap.sap.prefix.toBits() }, 'joined')
            persistence.persistSoon()
          },
          relocated: (_n, age) => log.info({ age }, 'relocated'),
          keyShare: (_n, share, keySet) => {
            persistence.saveShare(share, keySet)
            log.info({ sectionKey: toHex(keySet.publicKey().toBytes()).slice(0, 16) }, 'key share stored')
          },
        },
      },
    })
    const node = new RealNode({ section, transport, networkId: a.networkId, store, persistence, wire, pool, log, root: options.root })
    made.node = node
    wire.listen((from, message, sender, frame) => section.receive(from, message, sender, frame))

    if (a.fresh) {
      store.saveIdentity({ seed: a.seed, networkId: a.networkId, genesis: encodeOwn(SignedSapWire, genesis.toWire()), listen: [transport.self.replace(/\/p2p\/[^/]+$/, '')] })
    }
    if (genesisShare !== undefined) persistence.saveShare(genesisShare.share, genesisShare.keySet)
    // What an earlier run knew, then what the contacts say.
    const { refusedSaps: refused, badShares } = persistence.attach(section, contacts)
    if (badShares > 0) log.warn({ badShares }, 'stored key shares do not decode; ignored')
    if (refused > 0) log.warn({ refused }, 'SAPs from the store or contacts did not verify against our genesis; ignored')

    if (genesisShare !== undefined) {
      section.startGenesis(genesisShare.share, GENESIS_AGE)
      log.info({ addr: transport.self, networkId: a.networkId }, 'started a new network')
    } else {
      section.startJoining()
      log.info({ addr: transport.self, networkId: a.networkId, restarted: !a.fresh, known: section.tree.size }, a.fresh ? 'joining' : 'restarted from the store; rejoining')
    }
    node.#run()
    persistence.persistSoon()
    return node
  }

  get addr(): string {
    return this.transport.self
  }

  /** Counts an offence by the peer behind `address`; disconnects it after {@link MAX_OFFENCES}. */
  offence(address: string, tag: string, message: string): void {
    const id = peerIdOfAddress(address) ?? address
    const now = Date.now()
    const recent = (this.#offences.get(id) ?? []).filter((t) => now - t < OFFENCE_WINDOW_MS)
    recent.push(now)
    this.#offences.set(id, recent)
    this.#log.warn({ peer: address, error: tag, offences: recent.length }, message)
    if (recent.length >= MAX_OFFENCES && !this.transport.isBanned(address)) {
      this.#log.warn({ peer: address, offences: recent.length }, 'disconnecting a peer that keeps offending')
      this.#offences.delete(id)
      void this.transport.disconnect(address, `${recent.length} offences`)
    }
  }

  /** This node's contacts file: what a client or a new node needs to reach the network through it. */
  contactsFile(contacts = this.section.contacts()): ContactsFile {
    return { networkId: this.networkId, peers: [this.addr], contacts }
  }

  /** Writes `contacts.json` beside the store (what the persistence just saved). */
  writeContacts(contacts: PayloadOf<'Contacts'>): void {
    writeAtomically(join(this.#root, 'contacts.json'), encodeContactsFile(this.contactsFile(contacts)))
  }

  status(): NodeStatus {
    const view = this.section.section
    const sap = view?.sap.sap
    return {
      pid: process.pid,
      running: !this.#stopped,
      name: this.section.name.toHex(),
      addr: this.addr,
      networkId: this.networkId,
      role: this.section.role,
      prefix: sap?.prefix.toBits(),
      sectionKey: sap === undefined ? undefined : toHex(sap.sectionKey().toBytes()),
      generation: view?.nextGeneration,
      elders: sap?.elders.map((e) => e.name.toHex()) ?? [],
      members: view?.members.size,
      age: this.section.asMember()?.age,
      isElder: this.section.isElder,
      startedAt: this.#startedAt,
      updatedAt: new Date().toISOString(),
      rssMb: processRssMb(),
      connections: this.#pool.open,
      transport: this.transport.stats,
      messages: this.#messages(),
      offenders: this.#offences.size,
      actors: this.section.actorStates(),
      cacheEvictions: { ...cacheEvictions },
      ballotJournal: { unreadable: this.#persistence.journal.unreadable, evicted: this.#persistence.journal.evicted },
      vault: this.section.vault.status(),
    }
  }

  /** What the dashboard shows of this node. */
  view(): NodeView {
    return nodeView(this.section, { messages: this.#messages(), connections: this.#pool.open, rssMb: processRssMb() })
  }

  #messages(): NodeStatus['messages'] {
    const { sent, received, refused, sentByKind } = this.#wire.stats
    return { sent, received, refused, sentByKind }
  }

  #run(): void {
    this.writeStatus()
    this.#timers.push(setInterval(() => this.writeStatus(), STATUS_EVERY_MS))
    this.#timers.push(setInterval(() => {
      const status = this.status()
      this.#log.info({ role: status.role, prefix: status.prefix, generation: status.generation, sent: this.#wire.stats.sentByKind, received: status.messages.received, refused: status.messages.refused, rssMb: status.rssMb, connections: status.connections }, 'accounting')
    }, ACCOUNTING_EVERY_MS))
    for (const timer of this.#timers) timer.unref()
  }

  /** Writes status.json now (also each {@link STATUS_EVERY_MS}, and when the node takes a new name). */
  writeStatus(): void {
    try {
      writeAtomically(join(this.#root, 'status.json'), `${JSON.stringify(this.status())}\n`)
    } catch (error) {
      this.#log.warn({ err: error }, 'status.json not written')
    }
  }

  /**
   * Stops: `leave` (SIGINT/SIGTERM) tells our elders we are gone for good and gives the message a
   * moment to go; otherwise the node just stops, as if killed, but with its store closed cleanly.
   */
  async stop(options: { leave?: boolean } = {}): Promise<void> {
    if (this.#stopped) return
    for (const timer of this.#timers) clearInterval(timer)
    this.#persistence.stop({ flush: true })
    if (options.leave === true) {
      this.section.leave()
      await new Promise((resolve) => setTimeout(resolve, 300))
    } else {
      this.section.crash()
    }
    this.#stopped = true
    this.writeStatus()
    this.#pool.close()
    await this.transport.stop()
    await this.#store.close()
    this.#log.info('stopped')
  }
}

/** This process's resident memory, MB to one decimal. */
function processRssMb(): number {
  return Math.round((process.memoryUsage.rss() / 1_048_576) * 10) / 10
}

/** Readers never see half a file: written aside, then renamed over. */
export function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text)
  renameSync(`${path}.tmp`, path)
}

const GENESIS_DBC_NAMESPACE = 'genesis-dbc'
const GENESIS_DBC_KEY = Uint8Array.of(0)

function storedGenesisDbc(store: NodeStore): DbcWire | undefined {
  const bytes = store.getBlob(GENESIS_DBC_NAMESPACE, GENESIS_DBC_KEY)
  if (bytes === undefined) return undefined
  const decoded = decodeValue(DbcWire, bytes)
  return Result.isSuccess(decoded) ? decoded.success : undefined
}

function isGenesisDbc(genesis: SignedSap, wire: DbcWire): boolean {
  try {
    return genesisTrust(genesis.sap.sectionKey(), dbcFromWire(wire)) !== undefined
  } catch {
    return false
  }
}

/** The genesis DBC, owned by the faucet wallet made in `faucetDir` (a local testnet's source of tokens) and deposited there. */
function mintGenesis(genesis: SignedSap, genesisSecret: BlsSecretKey, faucetDir: string): Dbc {
  const faucet = Wallet.create(faucetDir)
  const nonce = new Uint8Array(randomBytes(32))
  const dbc = genesisDbc(genesis, genesisSecret, parseWalletAddress(faucet.address).derive(nonce), nonce)
  faucet.deposit(dbc, genesisTrust(genesis.sap.sectionKey(), dbc)!)
  return dbc
}

/** The genesis SAP, if it is signed by its own key (checked once, wherever it came from). */
function genesisFrom(wire: PayloadOf<'Contacts'>['genesis']): SignedSap {
  let sap: SignedSap
  try {
    sap = SignedSap.fromWire(wire)
  } catch (error) {
    throw new NodeStartFailed({ message: `the genesis SAP does not decode: ${error instanceof Error ? error.message : String(error)}` })
  }
  if (!sap.verify()) throw new NodeStartFailed({ message: 'the genesis SAP is not signed by its own key' })
  return sap
}

function decodeGenesis(bytes: Uint8Array): SignedSap {
  const wire = decodeValue(SignedSapWire, bytes)
  if (Result.isFailure(wire)) throw new NodeStartFailed({ message: `the genesis SAP does not decode: ${wire.failure.message}` })
  return genesisFrom(wire.success)
}

/** Asks the bootstrap peers for the network contacts, each in turn, a few times. */
async function askContacts(wire: WirePeer, bootstrap: ReadonlyArray<string>, log: Logger): Promise<{ contacts: PayloadOf<'Contacts'>; genesis: SignedSap }> {
  return new Promise((resolve, reject) => {
    let settled = false
    wire.listen((from, message) => {
      if (settled || message.kind !== 'Contacts') return
      let genesis: SignedSap
      try {
        genesis = genesisFrom(message.payload.genesis)
      } catch (error) {
        return log.warn({ peer: from, err: error }, 'contacts with a bad genesis; ignored')
      }
      settled = true
      clearInterval(timer)
      resolve({ contacts: message.payload, genesis })
    })
    let attempt = 0
    const ask = (): void => {
      if (settled) return
      if (attempt >= bootstrap.length * 5) {
        settled = true
        clearInterval(timer)
        return reject(new NodeStartFailed({ message: `no contacts from ${bootstrap.join(', ')} after ${attempt} requests: is a node of this network running there?` }))
      }
      wire.send([bootstrap[attempt % bootstrap.length]!], 'ContactsRequest', {})
      attempt++
    }
    const timer = setInterval(ask, 2_000)
    ask()
  })
}

/**
 * The network id a bootstrap peer serves, read from the protocols it lists over Identify: a
 * throwaway libp2p node dials it, so our own identity is not spent on a peer we do not know yet.
 */
async function discoverNetworkId(bootstrap: ReadonlyArray<string>, limits?: Partial<Libp2pLimits>): Promise<string> {
  const probe = await Libp2pTransport.start({ keypair: NodeKeypair.generate(), networkId: 'probe', limits })
  try {
    for (const address of bootstrap) {
      const id = peerIdOfAddress(address)
      if (id === undefined) continue
      try {
        const connection = await probe.node.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) })
        for (let i = 0; i < 50; i++) {
          const peer = await probe.node.peerStore.get(connection.remotePeer).catch(() => undefined)
          const protocol = peer?.protocols.find((p) => /^\/safenet\/[^/]+\/1$/.test(p) && p !== probe.protocol)
          if (protocol !== undefined) return protocol.split('/')[2]!
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      } catch {
        continue
      }
    }
  } finally {
    await probe.stop()
  }
  throw new NodeStartFailed({ message: `none of ${bootstrap.join(', ')} answered as a safenet node (an address must end in /p2p/<peer id>)` })
}
