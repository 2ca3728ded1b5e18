/**
 * The simulator's scenarios behind one interface, for the CLI and its worker threads.
 */
import { type AgreementRunResult, type AgreementScenarioOptions, runAgreement } from './agreement.ts'
import { type DkgRunResult, type DkgScenarioOptions, runDkg } from './dkg.ts'

export type ScenarioRequest =
  | { readonly name: 'agreement'; readonly options: Omit<AgreementScenarioOptions, 'log'> }
  | { readonly name: 'dkg'; readonly options: Omit<DkgScenarioOptions, 'log'> }

export type ScenarioRunResult =
  | { readonly name: 'agreement'; readonly result: AgreementRunResult }
  | { readonly name: 'dkg'; readonly result: DkgRunResult }

export function runScenarioSeed(request: ScenarioRequest, seed: number, log?: (line: string) => void): ScenarioRunResult {
  const logging = log === undefined ? {} : { log }
  return request.name === 'agreement'
    ? { name: 'agreement', result: runAgreement(seed, { ...request.options, ...logging }) }
    : { name: 'dkg', result: runDkg(seed, { ...request.options, ...logging }) }
}
