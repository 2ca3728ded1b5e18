import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { DemoReport } from '../../src/cli/demo.ts'

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 })

describe('safenet command', () => {
  it('runs the demo end to end and reports every property as it must be', () => {
    const result = run('demo', '--json', '--nodes', '48')
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as DemoReport
    expect(report.nodes).toBe(48)
    expect(report.prefixesCoverSpace).toBe(true)
    expect(report.sections.reduce((sum, s) => sum + s.members, 0)).toBe(48)
    expect(report.chunk.holders).toHaveLength(4)
    expect(report.dkg.elders).toHaveLength(7)
    expect(report.dkg.threshold).toBe(4)
    expect(report.dkg.allEldersAgree).toBe(true)
    expect(report.signing).toMatchObject({ signers: 5, verified: true, belowThresholdVerified: false })
    expect(report.signing.blamed).toEqual([report.signing.corruptShareFrom])
    expect(report.wire).toMatchObject({ decoded: true, senderVerified: true })
    expect(report.wire.truncatedFrameError).toMatch(/^MalformedFrame: /)
  })

  it('prints help, and refuses unknown commands and bad options with exit code 2', () => {
    const help = run('--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/usage: safenet <command>/)
    expect(help.stdout).toMatch(/demo/)
    const unknown = run('frobnicate')
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/)
    const bad = run('demo', '--nodes', 'many')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--nodes must be an integer/)
    const tooMany = run('demo', '--elders', '9', '--nodes', '5')
    expect(tooMany.status).toBe(2)
    const why = run('sim', '--scenario', 'agreement', '--why')
    expect(why.status).toBe(2)
    expect(why.stderr).toMatch(/--why explains a whole network run: use it with --nodes/)
  })

  it('files: a missing path, a malformed address or no contacts file is a clear usage error (exit 2); a file that is not a contacts file, exit 1', () => {
    const missing = run('files', 'put', '/nonexistent/safenet-file')
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/\/nonexistent\/safenet-file: no such file or directory/)
    const malformed = run('files', 'get', 'safe://not-an-address')
    expect(malformed.status).toBe(2)
    expect(malformed.stderr).toMatch(/is not a safe:\/\/ address/)
    const noContacts = run('files', 'ls', `safe://${'ab'.repeat(32)}`, '--contacts', '/nonexistent/contacts.json')
    expect(noContacts.status).toBe(2)
    expect(noContacts.stderr).toMatch(/no contacts file/)
    expect(run('files', 'frob', 'x').status).toBe(2)
    const root = mkdtempSync(join(tmpdir(), 'safenet-cli-'))
    const notContacts = join(root, 'contacts.json')
    writeFileSync(notContacts, 'hello')
    const bad = run('files', 'ls', `safe://${'ab'.repeat(32)}`, '--contacts', notContacts)
    rmSync(root, { recursive: true, force: true })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/is not JSON: expected a contacts file/)
  })

  it('nrs and gateway: a bad name, URL, address, port or arity is a clear usage error (exit 2), before any network is asked', () => {
    const cases: Array<[string[], RegExp]> = [
      [['nrs', 'register', 'My_Site', `safe://${'ab'.repeat(32)}`], /"My_Site" is not a valid name/],
      [['nrs', 'register', 'mysite', 'safe://nowhere'], /a name points to content/],
      [['nrs', 'update', 'a.b.mysite', `safe://${'ab'.repeat(32)}`], /name or service\.name, not 3 labels/],
      [['nrs', 'resolve', 'safe://mysite?v=0'], /\?v= takes a version number from 1/],
      [['nrs', 'resolve'], /resolve takes 1 argument/],
      [['nrs', 'frob', 'x'], /expected register, update, resolve, whois/],
      [['nrs', 'whois', 'mysite', '--contacts', '/nonexistent/contacts.json'], /no contacts file/],
      [['gateway', '--port', '70000'], /--port takes a port number/],
      [['gateway', 'extra'], /unexpected arguments: extra/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
    }
  })

  it('wallet and sim --scenario mint: clear usage errors (exit 2) before any network is asked; a missing wallet is a typed error (exit 1)', () => {
    const cases: Array<[string[], RegExp]> = [
      [['wallet', 'send', '1.5'], /send needs --to ADDRESS/],
      [['wallet', 'send', 'ten', '--to', 'ab'], /is not an amount/],
      [['wallet', 'faucet', '1.0000000001'], /is not an amount/],
      [['wallet', 'steal'], /expected address, balance, send, receive, faucet/],
      [['wallet', 'receive'], /receive takes a FILE, or --inbox/],
      [['wallet', 'receive', 'pay.dbc', '--inbox'], /a FILE or --inbox, not both/],
      [['wallet', 'send', '1', '--to', 'ab', '--inbox'], /--inbox goes with receive/],
      [['sim', '--scenario', 'mint', '--rounds', '0'], /--rounds must be/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
    }
    const none = run('wallet', 'balance', '--wallet', '/nonexistent/wallet', '--json')
    expect(none.status).toBe(1)
    expect(JSON.parse(none.stdout)).toMatchObject({ error: 'NoWallet' })
    const badAddress = run('wallet', 'send', '1', '--to', 'not-an-address', '--wallet', '/nonexistent/wallet', '--json')
    expect(badAddress.status).toBe(1)
    expect(JSON.parse(badAddress.stdout)).toMatchObject({ error: 'NoWallet' })
  })

  it('node and testnet: clear usage errors (exit 2), and a clear error for a root with no node (exit 1)', () => {
    const noRoot = run('node')
    expect(noRoot.status).toBe(2)
    expect(noRoot.stderr).toMatch(/--root DIR is required/)
    const twoWays = run('node', '--root', '/tmp/x', '--first', '--contacts', 'c.json')
    expect(twoWays.status).toBe(2)
    expect(twoWays.stderr).toMatch(/one of --first, --bootstrap and --contacts/)
    const badNodes = run('testnet', '--nodes', '0')
    expect(badNodes.status).toBe(2)
    expect(badNodes.stderr).toMatch(/--nodes must be an integer from 1 to 200/)
    const empty = run('node', 'status', '--root', '/nonexistent/safenet-root')
    expect(empty.status).toBe(1)
    expect(empty.stderr).toMatch(/no status\.json: no node has run there/)
    const root = mkdtempSync(join(tmpdir(), 'safenet-cli-'))
    const alone = run('node', '--root', root)
    rmSync(root, { recursive: true, force: true })
    expect(alone.status).toBe(1)
    expect(alone.stderr).toMatch(/start a network with --first, or join one with --bootstrap/)
  })
})
