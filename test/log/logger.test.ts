import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { actorLogger, createLogger, InvalidLogLevel, logLevelFromEnv } from '../../src/log/index.ts'

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  return { lines, destination }
}

describe('logging', () => {
  it('reads the level from SAFENET_LOG, defaulting to info', () => {
    expect(logLevelFromEnv({})).toBe('info')
    expect(logLevelFromEnv({ SAFENET_LOG: 'DEBUG ' })).toBe('debug')
    expect(logLevelFromEnv({ SAFENET_LOG: 'silent' })).toBe('silent')
  })

  it('refuses an unknown level with a typed error that lists the valid ones', () => {
    expect(() => logLevelFromEnv({ SAFENET_LOG: 'loud' })).toThrow(InvalidLogLevel)
    expect(() => logLevelFromEnv({ SAFENET_LOG: 'loud' })).toThrow(/trace, debug, info/)
  })

  it('writes JSON lines, and an actor logger tags each line with its systemId', async () => {
    const { lines, destination } = capture()
    const root = createLogger({ level: 'debug', destination, base: { node: 'a1b2c3' } })
    actorLogger(root, 'a1b2c3/elder/1').info({ generation: 4 }, 'decided')
    root.trace('not shown at debug')
    root.flush()
    await new Promise((resolve) => setImmediate(resolve))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 'info', node: 'a1b2c3', systemId: 'a1b2c3/elder/1', generation: 4, msg: 'decided' })
  })
})
