/**
 * The node store (DESIGN.md §1): identity, knowledge, key shares and namespaced blobs that
 * survive a restart, on LMDB for real nodes and in memory for the simulator, one interface.
 *
 * @example
 * ```ts
 * import { LmdbStore } from './src/store/index.ts'
 * const store = LmdbStore.open(join(root, 'store'))   // StoreLocked if another node holds it
 * store.saveKnowledge({ tree: [{ sap, chain }] })     // durable on return
 * const knowledge = store.knowledge()                 // validated; StoreCorrupt if not
 * await store.close()
 * ```
 */
export * from './store.ts'
export { LmdbStore } from './lmdb-store.ts'
export { MemoryBacking, MemoryStore } from './memory-store.ts'
export { isAlive } from './directory-lock.ts'
