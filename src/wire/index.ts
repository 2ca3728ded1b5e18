/**
 * The wire: envelope and authorities (DESIGN.md §5) as Effect Schemas, payload schemas per
 * message kind, and the msgpack frame codec with its 5 MiB limit.
 *
 * @example
 * ```ts
 * import { Result } from 'effect'
 * import { decode, newMsgId, nodeAuthority, seal } from './src/wire/index.ts'
 * const sealed = seal({ msgId: newMsgId(), kind: 'AeProbe', dst, payload: { sectionKey } }, nodeAuthority(keypair))
 * const message = decode(Result.getOrThrow(sealed).frame)   // Result<Message, DecodeError>
 * ```
 */
export * from './errors.ts'
export { Authority, ClientAuthority, Dst, Envelope, MAX_FRAME_BYTES, MAX_KIND_LENGTH, NodeAuthority, PROTOCOL_VERSION, SectionAuthority, SectionShareAuthority } from './envelope.ts'
export * from './primitives.ts'
export * from './payloads.ts'
export * from './register.ts'
export * from './dbc.ts'
export { decode, decodeEnvelope, decodePayload, decodeValue, encodeEnvelope, encodePayload, encodeOwn, encodeValue, type Message, newMsgId, seal, type Unsealed } from './codec.ts'
export {
  aggregationKey,
  clientAuthority,
  messageSigningBytes,
  nodeAuthority,
  sectionAuthority,
  sectionShareAuthority,
  sectionSigningBytes,
  verifyPeerAuthority,
  verifySectionShare,
} from './authority.ts'
