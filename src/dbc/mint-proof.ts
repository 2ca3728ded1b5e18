/**
 * What makes a DBC valid (issue 20; DESIGN.md §11): its content is an output of a transaction,
 * and for every input of that transaction the section responsible for the input's spend key
 * signed the transaction's hash — each signature with the SAP it was made under and that key's
 * chain from genesis, so a DBC minted under a key long since handed over or split stays valid.
 * The genesis DBC is the output of the one transaction without inputs, signed by the genesis key.
 */
import { type BlsPublicKey, type BlsSecretKey, type BlsSignature, bytesEqual, concatBytes, domain, toHex } from '../crypto/index.ts'
import { ProofChain, type SignedSap } from '../knowledge/index.ts'
import { contentHash, type DbcContent, GENESIS_AMOUNT, NONCE_BYTES, spendName, type TransactionSummary, transactionHash } from './dbc.ts'

const MINT_TAG = domain('safenet/dbc/mint/v1')

/** What a section's key signs to mint a transaction's outputs. */
export function mintBytes(txHash: Uint8Array): Uint8Array {
  return concatBytes(MINT_TAG, txHash)
}

/** One section's signature over a transaction, with the SAP of its key and the key's chain from genesis. */
export interface MintProof {
  readonly sap: SignedSap
  readonly chain: ProofChain
  readonly signature: BlsSignature
}

export interface Dbc {
  readonly content: DbcContent
  readonly transaction: TransactionSummary
  readonly proofs: ReadonlyArray<MintProof>
}

export type DbcFault = 'NotAnOutput' | 'BadChain' | 'BadSap' | 'BadSignature' | 'InputNotSigned' | 'BadGenesis'

/**
 * What a network's DBCs are checked against: its genesis key, and the hash of its one genesis
 * transaction (part of the genesis record: the genesis key signs no other transaction without
 * inputs that counts).
 */
export interface MintTrust {
  readonly genesisKey: BlsPublicKey
  readonly genesisTransaction: Uint8Array
}

/**
 * Why `dbc` is not valid for the network `trust` describes, or undefined if it is: its content is
 * one of its transaction's outputs, and each input is covered by a proof whose SAP's prefix holds
 * the input's spend name, whose key chains to genesis, and whose signature is over the transaction.
 */
export function dbcFault(dbc: Dbc, trust: MintTrust): DbcFault | undefined {
  const { genesisKey } = trust
  const own = contentHash(dbc.content)
  if (!dbc.transaction.outputHashes.some((h) => bytesEqual(h, own))) return 'NotAnOutput'
  const txHash = transactionHash(dbc.transaction)
  const message = mintBytes(txHash)
  for (const proof of dbc.proofs) {
    const key = proof.sap.sap.sectionKey()
    if (!proof.chain.root.equals(genesisKey) || !proof.chain.last().equals(key) || proof.chain.firstBrokenLink() !== -1) return 'BadChain'
    if (!proof.sap.verify()) return 'BadSap'
    if (!key.verify(message, proof.signature)) return 'BadSignature'
  }
  if (dbc.transaction.inputs.length === 0) {
    // The genesis DBC: the genesis record's transaction, signed by the genesis key, the whole supply.
    const genesis = dbc.proofs.length === 1 && dbc.proofs[0]!.chain.links.length === 0 && bytesEqual(txHash, trust.genesisTransaction)
    return genesis && dbc.content.amount === GENESIS_AMOUNT ? undefined : 'BadGenesis'
  }
  for (const input of dbc.transaction.inputs) {
    const name = spendName(input.spendKey)
    if (!dbc.proofs.some((p) => p.sap.sap.prefix.matches(name))) return 'InputNotSigned'
  }
  return undefined
}

/** The genesis DBC: the whole supply to `owner`, signed by the genesis section's key (`genesis` its SAP). */
export function genesisDbc(genesis: SignedSap, genesisSecret: BlsSecretKey, owner: BlsPublicKey, nonce: Uint8Array): Dbc {
  if (nonce.length !== NONCE_BYTES) throw new Error(`a nonce is ${NONCE_BYTES} bytes`)
  if (!genesisSecret.publicKey().equals(genesis.sap.sectionKey())) throw new Error(`the secret is not genesis key ${toHex(genesis.sap.sectionKey().toBytes()).slice(0, 16)}…'s`)
  const content: DbcContent = { owner, amount: GENESIS_AMOUNT, parents: [], nonce }
  const transaction: TransactionSummary = { inputs: [], outputHashes: [contentHash(content)] }
  const signature = genesisSecret.sign(mintBytes(transactionHash(transaction)))
  return { content, transaction, proofs: [{ sap: genesis, chain: new ProofChain(genesis.sap.sectionKey()), signature }] }
}


/**
 * The trust a network's genesis DBC gives (its transaction pinned): `dbc` must be the genesis
 * key's one output of a transaction without inputs, the whole supply. Undefined if it is not.
 */
export function genesisTrust(genesisKey: BlsPublicKey, dbc: Dbc): MintTrust | undefined {
  const trust = { genesisKey, genesisTransaction: transactionHash(dbc.transaction) }
  return dbc.transaction.inputs.length === 0 && dbcFault(dbc, trust) === undefined ? trust : undefined
}
