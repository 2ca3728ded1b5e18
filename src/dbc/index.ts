/** DBCs (issue 20): the model, the mint proofs, the spentbook entries and their bytes. See README.md. */
export * from './dbc.ts'
export * from './mint-proof.ts'
export * from './spend.ts'
export * from './codec.ts'
