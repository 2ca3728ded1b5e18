import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { responsibleIndex } from '../../src/roles/section/care.ts'
import { XorName } from '../../src/xor/index.ts'

/**
 * Who watches whom (DESIGN.md §6: a silent member is voted off by the elder that looks after it).
 * Regression, seed 5 of `safenet sim --nodes 150 --byzantine 1 --churn 0.1 --drop 0.05 --shrink 0.3`:
 * with elders mapped by last byte, two crashed elders were each other's watcher, so neither was
 * ever voted off, nor the members they looked after.
 */
describe('watching', () => {
  const names = fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 2, maxLength: 7, selector: (b) => Buffer.from(b).toString('hex') })
    .map((list) => list.map((b) => ({ name: XorName.fromBytes(b) })))

  it('the elders watch each other in one ring: every elder is watched, by another, and all are reached', () => {
    fc.assert(fc.property(names, (elders) => {
      const watcher = elders.map((e) => responsibleIndex(e.name, elders))
      // Nobody watches itself; following watchers from elder 0 visits every elder once.
      expect(watcher.every((w, i) => w !== i)).toBe(true)
      const seen = new Set<number>()
      for (let i = 0; !seen.has(i); i = watcher[i]!) seen.add(i)
      expect(seen.size).toBe(elders.length)
    }))
  })

  it('an adult is looked after by some elder, by its last byte', () => {
    fc.assert(fc.property(names, fc.uint8Array({ minLength: 32, maxLength: 32 }), (elders, adult) => {
      const i = responsibleIndex(XorName.fromBytes(adult), elders)
      expect(i).toBe(adult[31]! % elders.length)
    }))
  })
})
