/**
 * Generation agreement (DESIGN.md §6): ballots, the per-generation voter, and the elder's
 * agreement across generations with catch-up.
 */
export * from './ballots.ts'
export { Agreement, type AgreementOptions, type Effects } from './agreement.ts'
export { DEFAULT_TIMING, GenerationVoter, type Outbound, type VoterOptions, type VoterStats, type VoterTiming } from './generation-voter.ts'
export { faultTolerance, makeRoster, type Roster } from './roster.ts'
export {
  type Bundle,
  type DkgMisbehaviour,
  type DkgRejection,
  type DkgResult,
  DkgSession,
  type DkgSessionOptions,
  dkgSessionId,
  type NonParticipation,
  signDkgStart,
  startSigningBytes,
} from './dkg-session.ts'
export {
  checkJoin,
  churnId,
  decodeChange,
  elderCandidates,
  encodeChange,
  isJoinOf,
  joinAge,
  type JoinVerdict,
  type Member,
  memberFromWire,
  type MembershipChange,
  memberToWire,
  mergeBytes,
  mergeDue,
  needsNewElders,
  relocations,
  SectionMembers,
  splitFor,
} from './membership.ts'
export { DEFAULT_PARAMETERS, type NetworkParameters } from './parameters.ts'
export { type AppliedDecision, applyDecisionToView, type ElderChangeDue, elderChangeDue, mayLeave, type SectionView, type StructuralChange } from './section-state.ts'
export { type AggregateOutcome, type AggregatorCounts, type AggregatorOptions, SignatureAggregator } from './signature-aggregator.ts'
