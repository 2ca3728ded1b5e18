/** `safenet gateway` (issue 19): the network served to a browser on 127.0.0.1 (src/gateway). */
import { parseArgs } from 'node:util'
import { Gateway } from '../gateway/gateway.ts'
import { connectClient } from './files.ts'

export const DEFAULT_GATEWAY_PORT = 8080

export const GATEWAY_USAGE = `usage: safenet gateway [--port P] [--contacts FILE]

Serves the network to an ordinary browser, on 127.0.0.1 only, until Ctrl-C:
  http://NAME.safe.localhost:P/          the site safe://NAME (SERVICE.NAME.safe.localhost for a service)
  http://localhost:P/safe/NAME/          the same, by path; ?v=N for version N
  http://localhost:P/safe/ADDRESS/       content by its address

  --port P          the port (default ${DEFAULT_GATEWAY_PORT}; 0 for a free one)
  --contacts FILE   the network (default .safenet/testnet/contacts.json)`

export class GatewayUsageError extends Error {}

export async function runGateway(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      contacts: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(GATEWAY_USAGE)
    return 0
  }
  if (positionals.length > 0) throw new GatewayUsageError(`unexpected arguments: ${positionals.join(' ')}`)
  const port = values.port === undefined ? DEFAULT_GATEWAY_PORT : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new GatewayUsageError(`--port takes a port number (0–65535), not ${JSON.stringify(values.port)}`)
  const client = await connectClient(values.contacts, GatewayUsageError)
  let gateway: Gateway
  try {
    gateway = await Gateway.start({ client, port })
  } catch (error) {
    await client.close()
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new GatewayUsageError(`port ${port} is taken: pass --port (0 for a free one)`)
    throw error
  }
  console.log(`gateway on http://localhost:${gateway.port}/ — open http://NAME.safe.localhost:${gateway.port}/ (Ctrl-C stops it)`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await gateway.close()
  await client.close()
  const c = gateway.counts
  console.log(`gateway stopped: ${c.requests} requests, ${c.served} served (${c.ranges} ranges, ${c.fileCacheHits} from memory, ${c.notModified} not modified), errors ${JSON.stringify(c.errors)}`)
  return 0
}
