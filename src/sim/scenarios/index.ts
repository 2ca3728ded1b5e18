/**
 * The simulator's scenarios behind one interface, for the CLI and its worker threads.
 */
import { type AgreementRunResult, type AgreementScenarioOptions, runAgreement } from './agreement.ts'

export type ScenarioRequest = { readonly name: 'agreement'; readonly options: Omit<AgreementScenarioOptions, 'log'> }

export type ScenarioRunResult = { readonly name: 'agreement'; readonly result: AgreementRunResult }

export function runScenarioSeed(request: ScenarioRequest, seed: number, log?: (line: string) => void): ScenarioRunResult {
  return { name: 'agreement', result: runAgreement(seed, { ...request.options, ...(log === undefined ? {} : { log }) }) }
}
