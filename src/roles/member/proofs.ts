/**
 * What a member signs to prove who it was: a relocating node's old key signs its new name, and a
 * restarted elder's key share signs its name and the section key (it kept its share, so it is
 * approved again and serves again).
 */
import { type BlsPublicKey, concatBytes, domain } from '../../crypto/index.ts'
import type { XorName } from '../../xor/index.ts'

const RELOCATE_DOMAIN = domain('safenet/relocate/v1')
const ELDER_REJOIN_DOMAIN = domain('safenet/elder-rejoin/v1')

/** What a relocating node's old key signs: its new name. */
export function relocationBytes(newName: XorName): Uint8Array {
  return concatBytes(RELOCATE_DOMAIN, newName.bytes)
}

/** What a restarted elder's key share signs to be approved again as an elder. */
export function elderRejoinBytes(name: XorName, sectionKey: BlsPublicKey): Uint8Array {
  return concatBytes(ELDER_REJOIN_DOMAIN, name.bytes, sectionKey.toBytes())
}
