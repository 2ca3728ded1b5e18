/**
 * The browser the dashboard's tests drive: Debian's chromium through playwright-core (nothing
 * downloads a browser). Where it is not installed the tests say so and skip.
 */
import { existsSync } from 'node:fs'

export const CHROMIUM = '/usr/bin/chromium'
/** Flags a closed, headless machine needs (no sandbox as root, no background calls out). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Whether chromium is here; if not, says which test is skipped and why. */
export function chromiumOrSkip(test: string): boolean {
  const here = existsSync(CHROMIUM)
  if (!here) console.warn(`${test} skipped: ${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does)`)
  return here
}
