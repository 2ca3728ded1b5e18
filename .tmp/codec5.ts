import { randomBytes } from 'node:crypto'
import { encodePayload } from '/work/main/src/wire/index.ts'
const content = new Uint8Array(randomBytes(1 << 20))
for (let i = 0; i < 300; i++) encodePayload('ChunkPut', { content })
