/**
 * The client a program uses (DESIGN.md §10): a {@link ClientSession} over libp2p (or any
 * transport), with promises, bounded parallelism, and files — self-encrypted on the way out,
 * streamed, range-read and checked on the way in (src/data).
 *
 * Uploads: chunks come from the encryptor as fast as `putParallelism` puts complete (memory stays
 * at a few chunks per slot); a chunk whose put fails is put again on its own, up to
 * `chunkTries` requests, so one bad chunk never fails a whole upload; chunks an interrupted upload
 * already stored (an {@link UploadJournal}) are skipped. Downloads fetch `getParallelism` chunks
 * ahead, each from a holder with fallback to the others.
 */
import type { Register, RegisterAddress } from '../register/register.ts'
import { addToRegister, createRegister, readRegister, writeRegister } from './registers.ts'
import type { NameRecord } from './names.ts'
import { lookupName, registerName, type Resolved, resolveName, updateName } from './nrs.ts'
import { reissue, type Spendable } from './mint.ts'
import { type Dbc, dbcFromWire, genesisTrust, type MintTrust, type Transaction } from '../dbc/index.ts'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Schema } from 'effect'
import { DEFAULT_PARAMETERS, type NetworkParameters } from '../consensus/index.ts'
import { NodeKeypair, toHex } from '../crypto/index.ts'
import { type CheckedChunk, decryptStream, encryptStream, readDataMap, type DataMap, type EncryptOptions } from '../data/index.ts'
import { type ContactsFile } from '../knowledge/contacts-file.ts'
import { SignedSap } from '../knowledge/index.ts'
import { systemClock } from '../transport/system-clock.ts'
import { ConnectionPool } from '../transport/connections.ts'
import { Libp2pTransport } from '../transport/libp2p.ts'
import type { Transport } from '../transport/transport.ts'
import type { PayloadOf } from '../wire/index.ts'
import { type ClientCounts, ClientSession, type ClientTiming, type Holder, type RequestFailure } from './session.ts'

/** A chunk could not be stored with enough holders after every try. */
export class ChunkPutFailed extends Schema.TaggedError<ChunkPutFailed>()('ChunkPutFailed', {
  address: Schema.String,
  receipts: Schema.Number,
  message: Schema.String,
}) {}

/** A chunk could not be read from any holder. */
export class ChunkGetFailed extends Schema.TaggedError<ChunkGetFailed>()('ChunkGetFailed', {
  address: Schema.String,
  message: Schema.String,
}) {}

/** Bad input to a client operation: a path that is not there, a malformed address. */
/** A reissue the network refused or did not answer. */
export class ReissueFailed extends Schema.TaggedError<ReissueFailed>()('ReissueFailed', {
  message: Schema.String,
}) {}

export class ClientInputInvalid extends Schema.TaggedError<ClientInputInvalid>()('ClientInputInvalid', {
  message: Schema.String,
}) {}

/** Where an upload records the chunks already stored, so an interrupted upload resumes without sending them again. */
export interface UploadJournal {
  has(address: Uint8Array): boolean
  add(address: Uint8Array): void
}

/** How an upload or download is getting on. */
export interface Progress {
  readonly bytes: number
  readonly totalBytes: number
  readonly chunks: number
  /** Chunks skipped because an earlier, interrupted upload stored them. */
  readonly skipped: number
}

export interface PutOptions extends EncryptOptions {
  readonly journal?: UploadJournal
  readonly onProgress?: (progress: Progress) => void
}

export interface PutResult {
  /** The file's address: its root chunk's (`safe://<hex>`). */
  readonly address: Uint8Array
  readonly sizeBytes: number
  readonly chunks: number
  readonly skipped: number
}

export interface GetOptions {
  /** First byte (default 0). */
  readonly start?: number
  /** One past the last byte (default the file's size). */
  readonly end?: number
  readonly onProgress?: (progress: Progress) => void
}

export interface ClientOptions {
  readonly params?: NetworkParameters
  readonly timing?: ClientTiming
  /** Chunk puts in flight at once (default 8). */
  readonly putParallelism?: number
  /** Chunks fetched ahead while reading (default 8). */
  readonly getParallelism?: number
  /** Requests one chunk's put gets before an upload fails (default 3). */
  readonly chunkTries?: number
  /** What DBCs are checked against (issue 20): the network's genesis DBC's trust; from the contacts file when connecting. */
  readonly mintTrust?: MintTrust
}

const DEFAULTS = { putParallelism: 8, getParallelism: 8, chunkTries: 3 }

export class Client {
  readonly session: ClientSession
  readonly #options: Required<Pick<ClientOptions, 'putParallelism' | 'getParallelism' | 'chunkTries'>>
  readonly #close: () => Promise<void>
  readonly #mintTrust: MintTrust | undefined

  constructor(session: ClientSession, options: ClientOptions = {}, close: () => Promise<void> = () => Promise.resolve()) {
    this.session = session
    this.#mintTrust = options.mintTrust
    this.#options = { ...DEFAULTS, ...options }
    this.#close = close
  }

  /**
   * Connects to the network a contacts file names, over libp2p on 127.0.0.1 (or `listen`): a
   * fresh client key, the genesis trusted on first use, the file's SAPs each checked against it.
   */
  static async connect(contacts: ContactsFile, options: ClientOptions & { readonly listen?: ReadonlyArray<string> } = {}): Promise<Client> {
    const keypair = NodeKeypair.generate()
    const transport = await Libp2pTransport.start({ keypair, networkId: contacts.networkId, ...(options.listen === undefined ? {} : { listen: options.listen }) })
    const clock = systemClock()
    const pool = new ConnectionPool({ inner: transport, dial: transport.dial, hangUp: (peer) => transport.hangUp(peer), clock })
    const session = Client.session(pool, clock, keypair, contacts, options)
    const mintTrust = options.mintTrust ?? Client.mintTrust(contacts)
    return new Client(session, { ...options, ...(mintTrust === undefined ? {} : { mintTrust }) }, async () => {
      pool.close()
      await transport.stop()
    })
  }

  /** A session over any transport and clock (the simulator's, a test's). */
  static session(transport: Transport, clock: ClientSession['env']['clock'], keypair: NodeKeypair, contacts: ContactsFile, options: ClientOptions = {}): ClientSession {
    let genesis: SignedSap
    try {
      genesis = SignedSap.fromWire(contacts.contacts.genesis)
    } catch {
      throw new ClientInputInvalid({ message: 'the contacts file\'s genesis SAP does not decode' })
    }
    const session = new ClientSession({
      transport, clock, keypair,
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      genesis,
      params: options.params ?? DEFAULT_PARAMETERS,
      bootstrap: contacts.peers,
      ...(options.timing === undefined ? {} : { timing: options.timing }),
    })
    session.learn(contacts.contacts.sections)
    return session
  }

  /** The trust the contacts' genesis DBC gives (undefined: the network has none, or it is not the genesis key's). */
  static mintTrust(contacts: ContactsFile): MintTrust | undefined {
    const wire = contacts.contacts.genesisDbc
    if (wire === undefined) return undefined
    try {
      return genesisTrust(SignedSap.fromWire(contacts.contacts.genesis).sap.sectionKey(), dbcFromWire(wire))
    } catch {
      return undefined
    }
  }

  /** What DBCs on this network are checked against; {@link ClientInputInvalid} if the contacts named no genesis DBC. */
  get mintTrust(): MintTrust {
    if (this.#mintTrust === undefined) throw new ClientInputInvalid({ message: 'the contacts file names no genesis DBC: this network does not mint' })
    return this.#mintTrust
  }

  /**
   * Reissues `inputs` (DBCs with their one-time secrets) into `tx`'s outputs: the spentbook entries
   * written, the mint's proofs gathered; resolves with the output DBCs in `tx.outputs`' order.
   * Rejects with `DoubleSpend` (an input spent in another transaction) or {@link ReissueFailed}.
   */
  reissue(tx: Transaction, inputs: ReadonlyArray<Spendable>): Promise<Dbc[]> {
    return new Promise((resolve, reject) => {
      reissue(this.session, tx, inputs, (outcome) => {
        if (outcome.ok) return resolve(outcome.dbcs)
        const failure = outcome.failure
        if (failure.kind === 'DoubleSpend') return reject(failure.error)
        reject(new ReissueFailed({ message: failure.kind === 'Refused' ? failure.message : `the network did not answer: ${failure.failure.reason}` }))
      })
    })
  }

  get counts(): ClientCounts {
    return this.session.counts
  }

  /** Stores one chunk with its holders; resolves with their signed receipts. */
  putChunk(address: Uint8Array, content: Uint8Array): Promise<PayloadOf<'ChunkReceipt'>[]> {
    return new Promise((resolve, reject) => {
      this.session.putChunk(address, content, (outcome) => (outcome.ok ? resolve(outcome.value) : reject(putFailed(address, outcome.failure))))
    })
  }

  /** Reads one chunk (its address checked). */
  getChunk(address: Uint8Array): Promise<Uint8Array> {
    return this.#getChecked(address).then((chunk) => chunk.content)
  }

  /** {@link getChunk} as the decryptor takes it: the address already checked, not hashed again. */
  #getChecked(address: Uint8Array): Promise<CheckedChunk> {
    return new Promise((resolve, reject) => {
      this.session.getChunk(address, (outcome) => (outcome.ok ? resolve(outcome.value) : reject(new ChunkGetFailed({ address: toHex(address), message: `chunk ${toHex(address)} could not be read: ${outcome.failure.reason}` }))))
    })
  }

  /**
   * Who holds a chunk: its section's members, closest first (the first `dataCopyCount` are its
   * holders), and the addresses of those that answered with it (a diagnostic).
   */
  probeChunk(address: Uint8Array): Promise<{ members: ReadonlyArray<Holder>; holding: ReadonlySet<string> }> {
    return new Promise((resolve, reject) => {
      this.session.probeChunk(address, (outcome) => (outcome.ok ? resolve(outcome.value) : reject(new ChunkGetFailed({ address: toHex(address), message: `the members of chunk ${toHex(address)}'s section did not all answer: ${outcome.failure.reason}` }))))
    })
  }

  /** A chunk put, tried again on its own when it fails. */
  async #putChunkPersistently(address: Uint8Array, content: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.putChunk(address, content)
        return
      } catch (error) {
        if (attempt >= this.#options.chunkTries) throw error
      }
    }
  }

  /**
   * Self-encrypts and stores `source` (bytes, or a stream of `sizeBytes` bytes, or a file path):
   * resolves with the file's address once every chunk has its receipts.
   */
  async put(source: Uint8Array | string | { readonly stream: AsyncIterable<Uint8Array>; readonly sizeBytes: number }, options: PutOptions = {}): Promise<PutResult> {
    let stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
    let sizeBytes: number
    if (source instanceof Uint8Array) {
      stream = [source]
      sizeBytes = source.length
    } else if (typeof source === 'string') {
      const info = await stat(source).catch((error: unknown) => {
        throw new ClientInputInvalid({ message: `${source}: ${error instanceof Error ? error.message : String(error)}` })
      })
      if (!info.isFile()) throw new ClientInputInvalid({ message: `${source} is not a file` })
      sizeBytes = info.size
      stream = createReadStream(source, { highWaterMark: 1024 * 1024 })
    } else {
      stream = source.stream
      sizeBytes = source.sizeBytes
    }
    const chunks = encryptStream(stream, sizeBytes, options)
    const inFlight = new Set<Promise<void>>()
    let failure: Error | undefined
    let done = 0
    let skipped = 0
    let bytes = 0
    const report = (): void => options.onProgress?.({ bytes: Math.min(bytes, sizeBytes), totalBytes: sizeBytes, chunks: done, skipped })
    let result: IteratorResult<{ address: Uint8Array; content: Uint8Array }, { address: Uint8Array; sizeBytes: number }>
    while (!(result = await chunks.next()).done) {
      const chunk = result.value
      if (failure !== undefined) break
      if (options.journal?.has(chunk.address) === true) {
        skipped++
        done++
        bytes += chunk.content.length
        report()
        continue
      }
      const put = this.#putChunkPersistently(chunk.address, chunk.content).then(() => {
        options.journal?.add(chunk.address)
        done++
        bytes += chunk.content.length
        report()
      }, (error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error))
      }).finally(() => inFlight.delete(put))
      inFlight.add(put)
      if (inFlight.size >= this.#options.putParallelism) await Promise.race(inFlight)
    }
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
    if (result.done !== true) throw new Error('the encryptor stopped early')
    return { address: result.value.address, sizeBytes, chunks: done, skipped }
  }

  /** The file at `address`: its size and data map (one root fetch, and its levels). */
  async stat(address: Uint8Array): Promise<{ readonly sizeBytes: number; readonly map: DataMap }> {
    const map = await readDataMap(address, (a) => this.#getChecked(a))
    return { sizeBytes: map.kind === 'inline' ? map.bytes.length : map.sizeBytes, map }
  }

  /** Streams the file at `address` (or the range `[start, end)`), fetching only the chunks needed, each checked. */
  async *get(address: Uint8Array, options: GetOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    let bytes = 0
    let chunks = 0
    const fetch = async (a: Uint8Array): Promise<CheckedChunk> => {
      const content = await this.#getChecked(a)
      chunks++
      return content
    }
    const range = { ...(options.start === undefined ? {} : { start: options.start }), ...(options.end === undefined ? {} : { end: options.end }) }
    for await (const piece of decryptStream(address, fetch, { parallelism: this.#options.getParallelism, ...range })) {
      bytes += piece.length
      options.onProgress?.({ bytes, totalBytes: 0, chunks, skipped: 0 })
      yield piece
    }
  }

  /** The file at `address` as bytes (for small files; large ones stream with {@link get}). */
  async getBytes(address: Uint8Array, options: GetOptions = {}): Promise<Uint8Array> {
    const pieces: Uint8Array[] = []
    for await (const piece of this.get(address, options)) pieces.push(piece)
    return Buffer.concat(pieces)
  }

  /** Bytes `[start, end)` of the file at `address`: only the chunks covering them are fetched. */
  getRange(address: Uint8Array, start: number, end: number): Promise<Uint8Array> {
    return this.getBytes(address, { start, end })
  }

  /** Creates the register `name` owned by `owner` (writable by `writers` too), stored with its holders. */
  createRegister(owner: NodeKeypair, name: string, writers: ReadonlyArray<Uint8Array> = []): Promise<RegisterAddress> {
    return createRegister(this.session, owner, name, writers)
  }

  /** Writes `value` to a register, merging its current heads; `RegisterFailed` if the register refuses it. */
  writeRegister(author: NodeKeypair, address: RegisterAddress, value: Uint8Array): Promise<{ readonly hash: string; readonly heads: ReadonlyArray<string> }> {
    return writeRegister(this.session, author, address, value)
  }

  /** Adds `value` to `owner`'s register `name` as a branch of its own, creating the register if need be (see {@link addToRegister}). */
  addToRegister(owner: NodeKeypair, name: string, value: Uint8Array): Promise<{ readonly hash: string }> {
    return addToRegister(this.session, owner, name, value)
  }

  /** Reads a register, every operation checked: its heads (`read()`) and history (`log()`). */
  readRegister(address: RegisterAddress): Promise<Register> {
    return readRegister(this.session, address)
  }

  /** Registers `name` for `owner` pointing at `target` (`safe://<address>`); `NameFailed` (`NameTaken`, …) if not. */
  registerName(owner: NodeKeypair, name: string, target: string): Promise<{ record: NameRecord; version: number }> {
    return registerName(this.session, owner, name, target)
  }

  /** Points `[service.]name`, which `owner` owns, at `target`: a new version. */
  updateName(owner: NodeKeypair, host: string, target: string): Promise<{ version: number }> {
    return updateName(this.session, owner, host, target)
  }

  /** Who owns `name` (its record, checked), or undefined. */
  lookupName(name: string): Promise<NameRecord | undefined> {
    return lookupName(this.session, name)
  }

  /** Resolves `safe://[service.]name[/path][?v=N]` to a content address. */
  resolveName(url: string): Promise<Resolved> {
    return resolveName(this.session, url)
  }

  async close(): Promise<void> {
    this.session.close()
    await this.#close()
  }
}

function putFailed(address: Uint8Array, failure: RequestFailure): ChunkPutFailed {
  return new ChunkPutFailed({ address: toHex(address), receipts: failure.answers, message: `chunk ${toHex(address)} was not stored: ${failure.reason} (${failure.answers} receipts)` })
}
