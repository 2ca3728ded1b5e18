/** fast-check arbitraries shared by the property tests. */
import fc from 'fast-check'
import { Prefix, XorName } from '../../src/xor/index.ts'

export const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length })
export const xorName = bytes(32).map((b) => XorName.fromBytes(b))
/** Prefixes of up to 24 bits: deep enough for every network we will run, shallow enough to collide. */
export const prefix = fc.tuple(xorName, fc.integer({ min: 0, max: 24 })).map(([name, bits]) => Prefix.of(name, bits))
/** Prefixes of any length, including 256. */
export const anyPrefix = fc.tuple(xorName, fc.integer({ min: 0, max: 256 })).map(([name, bits]) => Prefix.of(name, bits))
