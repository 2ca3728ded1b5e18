import { runAgreement } from './src/sim/scenarios/agreement.ts'
const t = performance.now()
for (let seed = 1; seed <= 10; seed++) runAgreement(seed, { elders: 7, byzantine: 2, drop: 0.1 })
console.log('ms per run', (performance.now() - t) / 10)
