/**
 * Network knowledge (DESIGN.md §4): SAPs, the SectionsDAG of trusted keys with proof chains, and
 * the SectionTree with its update rules.
 */
export { type Elder, type MembershipState, type NodeState, SectionAuthorityProvider, SignedSap } from './sap.ts'
export { type ChainLink, type DagRejection, linkBytes, ProofChain, SectionsDAG, signLink } from './sections-dag.ts'
export { SectionTree, type UpdateOutcome, type UpdateRejection } from './section-tree.ts'
export { AE_KINDS, type AeVerdict, checkIncoming, decodeSapAndChain, onBounce, type ResendDecision, routeFor } from './anti-entropy.ts'
