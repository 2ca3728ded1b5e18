/**
 * The receiving end of files.bench.ts's transport baseline, in a process of its own as every node
 * is: a {@link Libp2pTransport} (TCP, Noise, Yamux: what nodes and clients speak) that counts the
 * frames it is sent and, once it has `bytes` of them, tells its parent the CPU milliseconds (all of
 * its threads) it spent from the first frame to the last.
 */
import { NodeKeypair } from '../../src/crypto/index.ts'
import { Libp2pTransport } from '../../src/transport/libp2p.ts'

const expected = Number(process.argv[2])
const transport = await Libp2pTransport.start({ keypair: NodeKeypair.generate(), networkId: 'transport-bench' })
const cpuMs = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}
let received = 0
let startedMs = 0
transport.onFrame((_from, frame) => {
  if (received === 0) startedMs = cpuMs()
  received += frame.length
  if (received >= expected) process.send!({ cpuMs: cpuMs() - startedMs })
})
process.send!({ address: transport.self })
process.on('disconnect', () => void transport.stop().then(() => process.exit(0)))
