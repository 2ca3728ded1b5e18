/**
 * What `safenet verify` checks of each machine: the events it is driven with (bounded), the part
 * of its context that makes a state (bounded), where it may rest, and its invariants.
 */
import { antiEntropyMachine } from '../../machines/anti-entropy.machine.ts'
import { clientAggregatorMachine } from '../../machines/client-aggregator.machine.ts'
import { vaultMachine } from '../../machines/vault.machine.ts'
import { type MintFacts, mintNodeMachine } from '../../machines/mint-node.machine.ts'
import { connectionMachine, type ConnectionSettings } from '../../machines/connection.machine.ts'
import { elderMachine } from '../../machines/elder.machine.ts'
import { joinRetryDelay, maxRounds, memberMachine } from '../../machines/member.machine.ts'
import { SECTION_TIMING } from '../roles/constants.ts'
import { defineSpec, type MachineSpec, within } from './verify.ts'
import { agreementSpec, dkgSpec } from './protocol-specs.ts'
import { sectionSpec } from './section-spec.ts'

const cap = (n: number, max: number): number => Math.min(n, max)

const connectionSettings: ConnectionSettings = { maxQueuedFrames: 2, initialBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 3, idleMs: 1_000 }
const AE_MAX_REQUESTS = 3

/** Every combination of what a mint request may find. */
const MINT_FACTS: ReadonlyArray<MintFacts> = [true, false].flatMap((ours) => [true, false].flatMap((valid) => (['this', 'other', 'none'] as const).flatMap((decided) => [true, false].map((signedOther) => ({ ours, valid, decided, signedOther })))))

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
    // The node's timing (the model-based tests hold the node's timers to the model's).
    input: { joinRetryMs: SECTION_TIMING.joinRetryMs, backoffAfterRounds: SECTION_TIMING.joinBackoffAfterRounds, joinRetryMaxMs: SECTION_TIMING.joinRetryMaxMs, tryJoinLaterMs: SECTION_TIMING.tryJoinLaterMs, resumeAfterAttempts: 2 },
    events: [
      { type: 'JOIN', restored: false }, { type: 'JOIN', restored: true },
      ...['GENESIS', 'RESEND', 'JOIN_ELSEWHERE', 'LEFT_RECENTLY', 'TRY_LATER', 'REFUSED', 'APPROVED', 'RESUMED', 'PROMOTED', 'DEMOTED', 'RELOCATE', 'VOTED_OFF', 'STOP'].map((type) => ({ type })),
    ],
    key: (s) => ({ attempts: cap(s.context.attempts, 2), rounds: s.context.rounds, joined: s.context.joins > 0, stored: s.context.stored, unanswered: s.context.unanswered }),
    stable: ['member.adult', 'member.elder'],
    // Answers to our requests, and what the section decides about us, come from other nodes;
    // RESUMED is the role's own answer to `resume` (it takes up its store at once).
    progress: {
      external: ['RESEND', 'JOIN_ELSEWHERE', 'LEFT_RECENTLY', 'TRY_LATER', 'REFUSED', 'APPROVED', 'PROMOTED', 'DEMOTED', 'RELOCATE', 'VOTED_OFF'],
      shutdown: ['STOP'],
    },
    invariants: [
      // A member (adult or elder) has no join request outstanding: the counter was reset when approved.
      { name: 'a member has no join attempt pending', holds: (s) => !(within(s, 'member.adult') || within(s, 'member.elder')) || s.context.attempts === 0 },
      { name: 'a joining or relocating node has asked', holds: (s) => !(within(s, 'member.joining.requesting') || within(s, 'member.relocating.requesting')) || s.context.attempts > 0 },
      // Resuming is for a restarted elder nobody answered, after enough unanswered requests.
      { name: 'a node resumes only after unanswered requests', holds: (s) => !within(s, 'member.joining.resuming') || s.context.unanswered >= s.context.resumeAfterAttempts },
      { name: 'unanswered requests are counted only while we may resume', holds: (s) => s.context.unanswered <= s.context.resumeAfterAttempts },
      // The backoff's count is bounded (the wait is joinRetryMaxMs past it) and starts again for each join.
      { name: 'timed-out rounds are counted up to maxRounds', holds: (s) => s.context.rounds <= maxRounds(s.context) },
      { name: 'a member has no rounds of a join counted', holds: (s) => !(within(s, 'member.adult') || within(s, 'member.elder')) || s.context.rounds === 0 },
      { name: 'a joiner waits at most joinRetryMaxMs between rounds', holds: (s) => joinRetryDelay(s.context) <= s.context.joinRetryMaxMs },
      { name: 'a member no longer hopes to resume', holds: (s) => !(within(s, 'member.adult') || within(s, 'member.elder')) || !s.context.stored },
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
      { type: 'CHANGE_DUE', target: '', mode: 'elect' }, { type: 'CHANGE_DUE', target: 'a', mode: 'elect' }, { type: 'CHANGE_DUE', target: 'b', mode: 'split' },
      { type: 'CHANGE_DUE', target: 'm', mode: 'merge' },
      ...(['SAP_SHARE', 'SAP_SIGNED', 'DKG_ABANDONED', 'DKG_FAILED'] as const).flatMap((type) => [0, 1].map((session) => ({ type, session }))),
      { type: 'DECIDED' }, { type: 'LINKED' }, { type: 'RETIRE' },
    ],
    key: (s) => ({ target: s.context.target, mode: s.context.mode, due: s.context.due, round: cap(s.context.round, 2) }),
    stable: ['elder.serving.change.steady', 'elder.serving.change.proposing'],
    invariants: [
      { name: 'an elder change is under way only for a target', holds: (s) => !within(s, 'elder.serving.change.electing') || s.context.target !== '' },
      // The change region follows what the section says is due: nothing (steady) or that target.
      { name: 'steady only when nothing is due', holds: (s) => !within(s, 'elder.serving.change.steady') || s.context.due === '' },
      { name: 'a change under way is the one due', holds: (s) => within(s, 'elder.serving.change.steady') || within(s, 'elder.handingOver') || within(s, 'elder.linked') || within(s, 'elder.retired') || s.context.target === s.context.due },
      { name: 'merging only for a merge, electing only for an election or split', holds: (s) => (!within(s, 'elder.serving.change.merging') || s.context.mode === 'merge') && (!within(s, 'elder.serving.change.electing') || s.context.mode !== 'merge') },
      { name: "a split's second session runs only in a split", holds: (s) => !within(s, 'elder.serving.change.electing.sessions.one') || within(s, 'elder.serving.change.electing.sessions.one.unused') || s.context.mode === 'split' },
      { name: 'a handover has one session', holds: (s) => !within(s, 'elder.serving.change.electing.sessions.one.unused') || s.context.mode === 'elect' },
    ],
    // The candidates' SAP shares and failure reports come from them; a change falls due, and is
    // decided, with decisions of the section; the link comes from the collectors.
    progress: {
      external: ['SAP_SHARE', 'SAP_SIGNED', 'DKG_ABANDONED', 'DKG_FAILED', 'CHANGE_DUE', 'DECIDED', 'LINKED'],
      shutdown: ['RETIRE'],
      awaits: {
        'elder.serving.change.electing.sessions': 'the announcing region resends DkgStart every dkgStartResendMs to the candidates that have not sent their SAP share',
        'elder.serving.change.merging': 'it resends our merge shares to the sibling every dkgStartResendMs until the merge is decided',
        'elder.serving.due': 'notes what is due as the section decides: nothing of ours waits there',
      },
    },
  }),
  defineSpec({
    name: 'vault',
    machine: vaultMachine,
    input: { sweepIntervalMs: 60_000, coolIntervalMs: 60_000, fetchTimeoutMs: 10_000 },
    events: ['SERVE', 'RETIRE', 'CHANGED', 'MORE', 'RECONCILED', 'QUEUED', 'DRAINED', 'STOP'].map((type) => ({ type })),
    key: (s) => ({ slices: cap(s.context.slices, 2) }),
    stable: ['vault.idle', 'vault.serving.replication.settled', 'vault.stopped'],
    invariants: [
      { name: 'a settled vault has no reconcile under way', holds: (s) => !within(s, 'vault.serving.replication.settled') || s.context.slices === 0 },
      { name: 'a reconcile under way has looked at a slice', holds: (s) => !(within(s, 'vault.serving.replication.reconciling') || within(s, 'vault.serving.replication.yielding')) || s.context.slices >= 1 },
    ],
    // Membership changes come from the section; MORE / RECONCILED are the role's own answer to
    // `reconcile` (one slice, at once); fetch answers come from other members.
    progress: {
      external: ['SERVE', 'RETIRE', 'CHANGED', 'QUEUED', 'DRAINED'],
      shutdown: ['STOP'],
      awaits: {
        'vault.serving.fetching': 'fetches in flight move on to the next source every fetchTimeoutMs, and the role says DRAINED when none is left',
        'vault.serving.sweep': 'sweeps every sweepIntervalMs, for as long as it serves',
        'vault.serving.cache': 'cools every coolIntervalMs, for as long as it serves',
      },
    },
  }),
  defineSpec({
    name: 'mint-node',
    machine: mintNodeMachine,
    events: [
      ...['SERVE', 'RETIRE', 'SYNCED', 'UNSYNCED', 'STOP'].map((type) => ({ type })),
      // A write never finds anything signed (signing is for reissues).
      ...MINT_FACTS.filter((facts) => !facts.signedOther).map((facts) => ({ type: 'WRITE', facts })),
      ...MINT_FACTS.map((facts) => ({ type: 'REISSUE', facts })),
    ],
    key: (s) => s.context.last ?? null,
    // ~150 states × 41 events.
    limit: 20_000,
    stable: ['mintNode.idle', 'mintNode.serving.syncing', 'mintNode.serving.minting', 'mintNode.stopped'],
    invariants: [
      // The rule of the mint (issue 20): a share only for the decided transaction of each of our
      // inputs, never for a second one, never while the spentbook may be incomplete.
      {
        name: 'a reissue is signed only for ours, valid, decided for this transaction, and nothing else signed',
        holds: (s) => s.context.last?.verdict !== 'sign' || (s.context.last.request === 'REISSUE' && s.context.last.facts.ours && s.context.last.facts.valid && s.context.last.facts.decided === 'this' && !s.context.last.facts.signedOther),
      },
      {
        name: 'a spend is put forward only when ours, valid and undecided',
        holds: (s) => s.context.last?.verdict !== 'propose' || (s.context.last.request === 'WRITE' && s.context.last.facts.ours && s.context.last.facts.valid && s.context.last.facts.decided === 'none'),
      },
      { name: 'a double spend is told only when another transaction was decided or signed', holds: (s) => s.context.last?.verdict !== 'doubleSpend' || s.context.last.facts.decided === 'other' || s.context.last.facts.signedOther },
    ],
    // Requests come from clients; the term and the spentbook's completeness from the node (elder and section roles).
    progress: {
      external: ['SERVE', 'RETIRE', 'SYNCED', 'UNSYNCED', 'WRITE', 'REISSUE'],
      shutdown: ['STOP'],
    },
  }),
  defineSpec({
    name: 'client-aggregator',
    machine: clientAggregatorMachine,
    input: { needed: 2, maxAttempts: 3, maxBounces: 2, backoffMs: 1_000, deadlineMs: 60_000 },
    events: [{ type: 'LOCATED' }, { type: 'LOCATED', needed: 1 }, ...['ANSWER', 'REPLACE', 'STALE'].map((type) => ({ type })), { type: 'CANCEL', reason: 'closed' }],
    key: (s) => ({ answers: s.context.answers, attempts: s.context.attempts, bounces: s.context.bounces, needed: s.context.needed, retry: s.context.retry }),
    stable: ['clientAggregator.done', 'clientAggregator.failed'],
    invariants: [
      { name: 'done only with enough answers', holds: (s) => !within(s, 'clientAggregator.done') || s.context.answers >= s.context.needed },
      { name: 'never more than maxAttempts resends, nor maxBounces bounces', holds: (s) => s.context.attempts <= 3 && s.context.bounces <= 2 },
      { name: 'a failure says why', holds: (s) => !within(s, 'clientAggregator.failed') || s.context.failure !== '' },
      { name: 'what is enough never rises', holds: (s) => s.context.needed >= 1 && s.context.needed <= 2 },
    ],
    // Where to send and the answers come from the network; every wait is bounded by the backoff
    // and the deadline.
    progress: { external: ['LOCATED', 'ANSWER', 'REPLACE', 'STALE'], shutdown: ['CANCEL'] },
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
