/**
 * How the `safenet` process runs V8: the flags its shebang passes (`env -S node …`), which every
 * process we start of it (a `--processes` testnet's nodes, the scripts' clients) gets too, and the
 * heap growth every `safenet` process sets for itself at start ({@link tuneHeap}).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'

/** The command's entry point. */
export const CLI_MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url))

/** The Node flags on `main.ts`'s shebang line (`#!/usr/bin/env -S node --max-semi-space-size=4`). */
export const CLI_NODE_FLAGS: ReadonlyArray<string> = readFileSync(CLI_MAIN, 'utf8').split('\n', 1)[0]!.split(' node ')[1]?.split(' ').filter(Boolean) ?? []

/**
 * V8 sizes the old generation's next limit from what survived the last full collection times a
 * factor it adapts between 1.1 and 4, and it settles low in a process that idles between bursts (a
 * node, between files) and whose full collections free little (its state lives long). A node
 * taking in chunks then ran a full collection every 4–7 MiB received, each marking its whole
 * 40 MB heap: a third of the nodes' CPU while a file went in, in V8's worker threads. With the
 * factor fixed at 2 a 100 MiB put ran 4–11 full collections across 25 nodes, not 55–129, and the
 * nodes' CPU per MiB fell from 160–230 ms to 80–118 ms (README, "Figures"). The memory reducer still
 * returns an idle process's memory.
 */
export const HEAP_GROWING_PERCENT = 100

/** Sets {@link HEAP_GROWING_PERCENT} for this process (a GC heuristic V8 reads at each collection). */
export function tuneHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
