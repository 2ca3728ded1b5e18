import { describe, it } from 'vitest'
import { expectGrown60 } from '../support/network.ts'

/** Growth to 60 nodes, seed 2 (`npm run test:soak`; seed 1 runs in `npm test`). */
describe('a network grown from genesis, seed 2', () => {
  it('seed 2: 60 nodes split into sections with 7 oldest elders each, knowledge converges, no violation', () => expectGrown60(2), 240_000)
})
