import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

describe('toolchain', () => {
  it('runs on the Node pinned in devDependencies (24.x), not the machine\'s own', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string>; engines: { node: string } }
    expect(pkg.devDependencies.node).toMatch(/^\^?24\./)
    expect(pkg.engines.node).toBe('>=22.19')
    expect(Number(process.versions.node.split('.')[0])).toBe(24)
  })
})
