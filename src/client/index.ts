/**
 * The safenet client (DESIGN.md §10): what a program uses to store and fetch data on the network.
 * It starts from a contacts file (the genesis key trusted on first use, as nodes do), keeps its own
 * section tree, follows anti-entropy for every request, writes each chunk to its holders and
 * waits for their signed receipts through the client aggregator
 * (`machines/client-aggregator.machine.ts`), and reads from the closest holders with fallback to
 * the others. Files are self-encrypted (src/data) and streamed both ways with bounded memory.
 *
 * @example Connect to a local testnet (`npm start`)
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { Client, decodeContactsFile } from 'safenet/src/client/index.ts'
 * const path = '.safenet/testnet/contacts.json'
 * const client = await Client.connect(decodeContactsFile(readFileSync(path, 'utf8'), path))
 * // … put, get …
 * await client.close()
 * ```
 *
 * @example put — store bytes, a stream or a file; the address is all a reader needs
 * ```ts
 * const { address } = await client.put(new TextEncoder().encode('hello, network'))
 * const photo = await client.put('./photo.jpg', { onProgress: (p) => console.log(p.bytes, '/', p.totalBytes) })
 * console.log(`safe://${Buffer.from(photo.address).toString('hex')}`)
 * ```
 *
 * @example get — stream a file back (every chunk checked against its address)
 * ```ts
 * import { createWriteStream } from 'node:fs'
 * import { Readable } from 'node:stream'
 * import { pipeline } from 'node:stream/promises'
 * await pipeline(Readable.from(client.get(photo.address)), createWriteStream('./copy.jpg'))
 * const text = new TextDecoder().decode(await client.getBytes(address))   // 'hello, network'
 * ```
 *
 * @example getRange — fetch only the chunks that cover a byte range
 * ```ts
 * const header = await client.getRange(photo.address, 0, 4096)
 * ```
 *
 * @example NRS — a name for content, versions kept
 * ```ts
 * await client.registerName(owner, 'mysite', `safe://${toHex(site.address)}`)   // version 1
 * await client.updateName(owner, 'mysite', `safe://${toHex(next.address)}`)     // version 2
 * (await client.resolveName('safe://mysite?v=1')).target                        // the first
 * ```
 *
 * @example reissue — pay with DBCs (issue 20; src/wallet keeps the keys and DBCs)
 * ```ts
 * const { tx, inputs } = wallet.plan(parseAmount('1.5')!, parseWalletAddress(recipient))
 * const outputs = await client.reissue(tx, inputs)   // rejects with DoubleSpend if an input was spent
 * wallet.settle(inputs, outputs)                     // our change kept; outputs[0] is the recipient's
 * ```
 *
 * @example putDirectory — a directory tree, as a manifest of paths to file addresses
 * ```ts
 * import { getDirectory, putDirectory, readManifest } from 'safenet/src/client/index.ts'
 * const site = await putDirectory(client, './site')
 * const manifest = await readManifest(client, site.address)   // undefined for a plain file
 * if (manifest !== undefined) await getDirectory(client, manifest, './site-copy')
 * ```
 */
export { ChunkGetFailed, ChunkPutFailed, Client, ClientInputInvalid, ReissueFailed, type ClientOptions, type GetOptions, type Progress, type PutOptions, type PutResult, type UploadJournal } from './client.ts'
export { decodeManifest, encodeManifest, getDirectory, type Manifest, MANIFEST_MAGIC, type ManifestEntry, MAX_MANIFEST_ENTRIES, putDirectory, readManifest, writeFile } from './directory.ts'
export { type ClientCounts, type ClientEnv, ClientSession, type ClientTiming, DEFAULT_CLIENT_TIMING, type Holder, MEMBERS_TTL_MS } from './session.ts'
export { type ContactsFile, ContactsFileInvalid, decodeContactsFile, encodeContactsFile } from '../knowledge/contacts-file.ts'
export { RegisterFailed } from './registers.ts'
export { type ReissueFailure, type Spendable, verifySpentEntry } from './mint.ts'
export { type NameRecord, verifyNameRecord } from './names.ts'
export { NameFailed, type NameFailureReason, type Resolved } from './nrs.ts'
export { parseSafeUrl, SafeUrlInvalid, type SafeUrl } from '../register/names.ts'
export { createOp, MAX_VALUE_BYTES, Register, type RegisterAddress, registerName, RegisterOpRefused, writeOp } from '../register/register.ts'
