/**
 * The simulator's scenarios behind one interface, for the CLI and its worker threads.
 */
import { type AgreementRunResult, type AgreementScenarioOptions, runAgreement } from './agreement.ts'
import { type DkgRunResult, type DkgScenarioOptions, runDkg } from './dkg.ts'
import { type MintRunResult, type MintScenarioOptions, runMintSeed } from './mint-runs.ts'

export type ScenarioRequest =
  | { readonly name: 'agreement'; readonly options: Omit<AgreementScenarioOptions, 'log'> }
  | { readonly name: 'dkg'; readonly options: Omit<DkgScenarioOptions, 'log'> }
  | { readonly name: 'mint'; readonly options: MintScenarioOptions }

export type ScenarioRunResult =
  | { readonly name: 'agreement'; readonly result: AgreementRunResult }
  | { readonly name: 'dkg'; readonly result: DkgRunResult }
  | { readonly name: 'mint'; readonly result: MintRunResult }

export function runScenarioSeed(request: ScenarioRequest, seed: number, log?: (line: string) => void): ScenarioRunResult {
  const logging = log === undefined ? {} : { log }
  switch (request.name) {
    case 'agreement':
      return { name: 'agreement', result: runAgreement(seed, { ...request.options, ...logging }) }
    case 'dkg':
      return { name: 'dkg', result: runDkg(seed, { ...request.options, ...logging }) }
    case 'mint':
      return { name: 'mint', result: runMintSeed(seed, request.options, log) }
  }
}
