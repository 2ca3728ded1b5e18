/**
 * What `safenet verify` checks of each machine: the events it is driven with (bounded), the part
 * of its context that makes a state (bounded), where it may rest, and its invariants.
 */
import { antiEntropyMachine } from '../../machines/anti-entropy.machine.ts'
import { connectionMachine, type ConnectionSettings } from '../../machines/connection.machine.ts'
import { elderMachine } from '../../machines/elder.machine.ts'
import { memberMachine } from '../../machines/member.machine.ts'
import { defineSpec, type MachineSpec, within } from './verify.ts'
import { agreementSpec, dkgSpec } from './protocol-specs.ts'
import { sectionSpec } from './section-spec.ts'

const cap = (n: number, max: number): number => Math.min(n, max)

const connectionSettings: ConnectionSettings = { maxQueuedFrames: 2, initialBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 3, idleMs: 1_000 }
const AE_MAX_REQUESTS = 3

/** The specs, built on first use (the section spec makes keys). */
export function specs(): ReadonlyArray<MachineSpec> {
  built ??= [...SIMPLE_SPECS, sectionSpec(), agreementSpec(), dkgSpec()]
  return built
}
let built: ReadonlyArray<MachineSpec> | undefined

const SIMPLE_SPECS: ReadonlyArray<MachineSpec> = [
  defineSpec({
    name: 'member',
    machine: memberMachine,
    input: { joinRetryMs: 5_000, tryJoinLaterMs: 20_000 },
    events: ['GENESIS', 'JOIN', 'RESEND', 'TRY_LATER', 'APPROVED', 'PROMOTED', 'DEMOTED', 'RELOCATE', 'VOTED_OFF', 'STOP'].map((type) => ({ type })),
    key: (s) => ({ attempts: cap(s.context.attempts, 2), joined: s.context.joins > 0 }),
    stable: ['member.adult', 'member.elder'],
    // Answers to our requests, and what the section decides about us, come from other nodes.
    progress: { external: ['RESEND', 'TRY_LATER', 'APPROVED', 'PROMOTED', 'DEMOTED', 'RELOCATE', 'VOTED_OFF'], shutdown: ['STOP'] },
    invariants: [
      // A member (adult or elder) has no join request outstanding: the counter was reset when approved.
      { name: 'a member has no join attempt pending', holds: (s) => !(within(s, 'member.adult') || within(s, 'member.elder')) || s.context.attempts === 0 },
      { name: 'a joining or relocating node has asked', holds: (s) => !(within(s, 'member.joining.requesting') || within(s, 'member.relocating.requesting')) || s.context.attempts > 0 },
    ],
  }),
  defineSpec({
    name: 'anti-entropy',
    machine: antiEntropyMachine,
    input: { firstProbeMs: 1_000, probeIntervalMs: 10_000, neighbourEvery: 3, retryMs: 2_000, maxRequests: AE_MAX_REQUESTS },
    events: [
      ...(['accept', 'retry', 'redirect', 'drop'] as const).map((verdict) => ({ type: 'INCOMING', verdict })),
      ...(['resend', 'no-progress', 'update-rejected', 'resend-limit'] as const).map((verdict) => ({ type: 'BOUNCED', verdict })),
      ...['BEHIND', 'CAUGHT_UP', 'STOP'].map((type) => ({ type })),
    ],
    key: (s) => ({ tick: s.context.ticks % 3, requests: s.context.requests }),
    stable: ['antiEntropy.active.catchUp.inSync'],
    invariants: [{ name: 'catch-up asks at most maxRequests times', holds: (s) => s.context.requests <= AE_MAX_REQUESTS }],
    progress: {
      external: ['CAUGHT_UP', 'INCOMING', 'BOUNCED'],
      shutdown: ['STOP'],
      awaits: {
        'antiEntropy.active.gate': 'takes each message as it comes: nothing of ours waits there',
        'antiEntropy.active.sender': "takes each bounce as it comes: the member machine's retry timer sends again",
      },
    },
  }),
  defineSpec({
    name: 'elder',
    machine: elderMachine,
    input: { dkgStartResendMs: 5_000, watchIntervalMs: 10_000 },
    events: [
      { type: 'CHANGE_DUE', target: '' }, { type: 'CHANGE_DUE', target: 'a' }, { type: 'CHANGE_DUE', target: 'b' },
      { type: 'SAP_SHARE' }, { type: 'SAPS_READY' }, { type: 'DKG_ABANDONED' }, { type: 'DKG_FAILED' }, { type: 'DECIDED' }, { type: 'LINKED' }, { type: 'RETIRE' },
    ],
    key: (s) => ({ target: s.context.target, round: cap(s.context.round, 2) }),
    stable: ['elder.serving.change.steady', 'elder.serving.change.proposing'],
    invariants: [{ name: 'an elder change is under way only for a target', holds: (s) => !within(s, 'elder.serving.change.electing') || s.context.target !== '' }],
    // The candidates' SAP shares and failure reports come from them; a change falls due, and is
    // decided, with decisions of the section; the link comes from the collectors.
    progress: {
      external: ['SAP_SHARE', 'SAPS_READY', 'DKG_ABANDONED', 'DKG_FAILED', 'CHANGE_DUE', 'DECIDED', 'LINKED'],
      shutdown: ['RETIRE'],
      awaits: {
        'elder.serving.change.electing.progress': 'the announcing region resends DkgStart every dkgStartResendMs to the candidates that have not sent their SAP share',
        'elder.handingOver.collectingLinkShares': "the collectors pass the combined link to every old and new elder (AeUpdate), and a probe answer brings it otherwise (the anti-entropy machine's timer)",
      },
    },
  }),
  defineSpec({
    name: 'connection',
    machine: connectionMachine,
    input: { peer: 'p', settings: connectionSettings },
    events: [{ type: 'SEND', frame: Uint8Array.of(1) }, { type: 'DIALED' }, { type: 'DIAL_FAILED', reason: 'refused' }, { type: 'LOST', reason: 'reset' }, { type: 'RECEIVED' }, { type: 'CLOSE' }],
    key: (s) => ({ queued: s.context.queue.length, attempts: s.context.attempts }),
    stable: ['connection.idle', 'connection.connected'],
    // DIALED / DIAL_FAILED are the node's own dialer answering, which it always does (dial timeout).
    progress: { external: ['LOST', 'RECEIVED'], shutdown: ['CLOSE'] },
    invariants: [
      { name: 'the queue is bounded', holds: (s) => s.context.queue.length <= connectionSettings.maxQueuedFrames },
      { name: 'nothing waits while connected', holds: (s) => !within(s, 'connection.connected') || s.context.queue.length === 0 },
      { name: 'failed dials stay under maxAttempts', holds: (s) => s.context.attempts < connectionSettings.maxAttempts },
      { name: 'an idle connection holds no frames', holds: (s) => !within(s, 'connection.idle') || s.context.queue.length === 0 },
    ],
  }),
]
