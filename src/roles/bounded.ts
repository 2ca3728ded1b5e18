/**
 * The roles' bounded memories: a Map or Set kept in insertion order, whose oldest entries go
 * once it holds more than its bound — each one counted by `onDrop` (a refusal tag, usually).
 */
export function dropOldest(collection: Map<string, unknown> | Set<string>, bound: number, onDrop?: () => void): void {
  while (collection.size > bound) {
    collection.delete(collection.keys().next().value!)
    onDrop?.()
  }
}

/** Adds `key` to a bounded set (see {@link dropOldest}); whether it was there already. */
export function addBounded(set: Set<string>, key: string, bound: number, onDrop?: () => void): boolean {
  if (set.has(key)) return true
  set.add(key)
  dropOldest(set, bound, onDrop)
  return false
}
