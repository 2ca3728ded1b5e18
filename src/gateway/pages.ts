/** The gateway's own pages: what it is (at `/`), and errors that say what went wrong. */

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · safenet gateway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f2f2f2;padding:0 .25rem;border-radius:3px}h1{font-size:1.5rem}.status{color:#888}</style>
</head><body>${body}</body></html>`
}

export function errorPage(status: number, title: string, message: string): string {
  return page(title, `<p class="status">${status}</p><h1>${escape(title)}</h1><p>${escape(message)}</p><p><a href="/">About this gateway</a></p>`)
}

export function indexPage(port: number): string {
  return page('safenet gateway', `<h1>safenet gateway</h1>
<p>This gateway serves the safenet network to this browser, on this machine only.</p>
<ul>
<li><code>http://NAME.safe.localhost:${port}/</code> or <code>http://localhost:${port}/safe/NAME/</code> — the site <code>safe://NAME</code></li>
<li><code>http://SERVICE.NAME.safe.localhost:${port}/</code> — its service <code>safe://SERVICE.NAME</code></li>
<li><code>?v=N</code> — version N of a name (1 is the first)</li>
<li><code>http://localhost:${port}/safe/ADDRESS/</code> — content by its 64-hex address</li>
</ul>
<p>Publish a site: <code>safenet files put ./site</code>, then <code>safenet nrs register NAME safe://ADDRESS</code>.</p>`)
}

/** A folder without an `index.html`: what it holds, folders first. */
export function listingPage(where: string, path: string, entries: ReadonlyArray<{ name: string; dir: boolean; sizeBytes?: number }>): string {
  const sorted = [...entries].sort((a, b) => Number(b.dir) - Number(a.dir) || a.name.localeCompare(b.name))
  const rows = sorted.map((e) => {
    const href = encodeURIComponent(e.name) + (e.dir ? '/' : '')
    return `<li><a href="${escape(href)}">${escape(e.name)}${e.dir ? '/' : ''}</a>${e.sizeBytes === undefined ? '' : ` <span class="status">${e.sizeBytes.toLocaleString('en')} bytes</span>`}</li>`
  })
  const title = `${where}/${path}`
  return page(title, `<h1>${escape(title)}</h1>${path === '' ? '' : '<p><a href="../">..</a></p>'}<ul>${rows.join('')}</ul>`)
}
