/**
 * Every statechart in `machines/`, by file name (`<name>.machine.ts`): what `safenet diagrams`
 * draws (and, with issue 5, what `safenet verify` checks). A test fails when a machine file is
 * missing here.
 */
import type { AnyStateMachine } from 'xstate'
import { agreementMachine } from '../../machines/agreement.machine.ts'
import { antiEntropyMachine } from '../../machines/anti-entropy.machine.ts'
import { clientAggregatorMachine } from '../../machines/client-aggregator.machine.ts'
import { connectionMachine } from '../../machines/connection.machine.ts'
import { dkgMachine } from '../../machines/dkg.machine.ts'
import { elderMachine } from '../../machines/elder.machine.ts'
import { memberMachine } from '../../machines/member.machine.ts'
import { sectionMachine } from '../../machines/section.machine.ts'
import { vaultMachine } from '../../machines/vault.machine.ts'
import { mintNodeMachine } from '../../machines/mint-node.machine.ts'

export const MACHINES: ReadonlyArray<{ readonly name: string; readonly machine: AnyStateMachine }> = [
  { name: 'agreement', machine: agreementMachine },
  { name: 'anti-entropy', machine: antiEntropyMachine },
  { name: 'client-aggregator', machine: clientAggregatorMachine },
  { name: 'connection', machine: connectionMachine },
  { name: 'dkg', machine: dkgMachine },
  { name: 'elder', machine: elderMachine },
  { name: 'member', machine: memberMachine },
  { name: 'section', machine: sectionMachine },
  { name: 'vault', machine: vaultMachine },
  { name: 'mint-node', machine: mintNodeMachine },
]
