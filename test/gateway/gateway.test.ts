/**
 * The gateway's own rules (issue 19), without a network: which file a path serves in a directory
 * (index files, redirects to a folder's slash, listings, missing paths), the byte ranges it takes,
 * and content types by extension.
 */
import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../src/client/index.ts'
import { contentType } from '../../src/gateway/content-types.ts'
import { findInManifest, parseRange } from '../../src/gateway/gateway.ts'

const a = (n: number) => n.toString(16).padStart(64, '0')
const site: Manifest = {
  entries: [
    { path: 'index.html', kind: 'file', address: a(1), sizeBytes: 10 },
    { path: 'docs/index.html', kind: 'file', address: a(2), sizeBytes: 20 },
    { path: 'media/clip.mp4', kind: 'file', address: a(3), sizeBytes: 30 },
    { path: 'media/deep/x.png', kind: 'file', address: a(4), sizeBytes: 40 },
    { path: 'empty', kind: 'dir' },
  ],
}

describe('a path in a directory', () => {
  it('serves a folder its index.html, a file itself, and redirects a folder without its slash', () => {
    expect(findInManifest(site, '')).toMatchObject({ kind: 'file', address: a(1), path: 'index.html' })
    expect(findInManifest(site, 'docs/')).toMatchObject({ kind: 'file', address: a(2) })
    expect(findInManifest(site, 'docs')).toEqual({ kind: 'redirect' })
    expect(findInManifest(site, '\0')).toEqual({ kind: 'redirect' })
    expect(findInManifest(site, 'media/clip.mp4')).toMatchObject({ kind: 'file', address: a(3), sizeBytes: 30 })
  })

  it('lists a folder without an index, one level down, and says a missing path is missing', () => {
    expect(findInManifest(site, 'media/')).toEqual({ kind: 'listing', path: 'media', entries: [{ name: 'clip.mp4', dir: false, sizeBytes: 30 }, { name: 'deep', dir: true }] })
    expect(findInManifest(site, 'empty/')).toEqual({ kind: 'listing', path: 'empty', entries: [] })
    expect(findInManifest(site, 'nothing.html')).toEqual({ kind: 'missing' })
    expect(findInManifest(site, 'media/clip.mp4/')).toEqual({ kind: 'missing' })
  })
})

describe('byte ranges', () => {
  it('takes one range, open or suffix, clamped to the file; refuses what is outside it', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 100 })
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 1000 })
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 1000 })
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 1000 })
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 1000 })
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable')
    expect(parseRange('bytes=50-10', 1000)).toBe('unsatisfiable')
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable')
    // Several ranges, or another unit: the whole file (as the HTTP spec allows).
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeUndefined()
    expect(parseRange('items=0-1', 1000)).toBeUndefined()
  })
})

describe('content types', () => {
  it('come from the extension, bytes when unknown', () => {
    expect(contentType('index.html')).toBe('text/html; charset=utf-8')
    expect(contentType('media/clip.MP4')).toBe('video/mp4')
    expect(contentType('app.js')).toBe('text/javascript; charset=utf-8')
    expect(contentType('a.dir/README')).toBe('application/octet-stream')
    expect(contentType('archive.tar.gz')).toBe('application/gzip')
  })
})
