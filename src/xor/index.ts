/**
 * XOR space: names, prefixes, distance ordering and longest-prefix lookup (DESIGN.md §2).
 *
 * @example
 * ```ts
 * import { Prefix, PrefixMap, XorName } from './src/xor/index.ts'
 * const sections = new PrefixMap<string>().set(Prefix.parse('0'), 'left').set(Prefix.parse('1'), 'right')
 * sections.longestMatch(XorName.fromContent(Buffer.from('a chunk')))?.value // 'left' or 'right'
 * ```
 */
export { closest, InvalidXorName, sortByDistance, XOR_NAME_BITS, XOR_NAME_BYTES, XorName } from './xor-name.ts'
export { Prefix, sortPrefixesByDistance } from './prefix.ts'
export { PrefixMap, prefixesCoverSpace } from './prefix-map.ts'
