/**
 * One process per store directory. LMDB lets many processes share an environment (its lock.mdb
 * coordinates them), which is exactly wrong for a node: two nodes on one root would sign as the
 * same identity and overwrite each other's knowledge. So the store takes `DIR/LOCK` first.
 *
 * The lock file holds its holder's pid. It appears with its content in one step (written under a
 * private name, then hard-linked into place, which fails if `LOCK` exists), so nobody reads a
 * half-written lock. A lock whose pid is not a live process is stale, its holder having died
 * without closing (SIGKILL, power loss), and is taken over.
 *
 * Two limits, both rare enough to leave to the message: a pid reused by an unrelated process
 * after a crash looks alive (the user removes `LOCK` by hand), and two processes taking over the
 * same stale lock at the same instant can both succeed, since remove-then-link is two steps.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StoreLocked, StoreOpenFailed } from './store.ts'

/** Stale locks we remove before giving up: another opener racing us may replace each one. */
const MAX_TAKEOVERS = 3

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

export function openFailed(path: string, cause: unknown, advice: string): StoreOpenFailed {
  const text = errorText(cause)
  return new StoreOpenFailed({ path, cause: text, message: `cannot open the store in ${path}: ${text}. ${advice}` })
}

/** Whether `pid` is a live process (one of another user's counts as live). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    // EPERM: it exists but belongs to another user, which still holds the directory.
    return (cause as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid in a lock file, or undefined if it is gone or holds no pid (not a lock we wrote). */
function holderOf(lockPath: string): number | undefined {
  try {
    const match = /^(\d+)\n$/.exec(readFileSync(lockPath, 'utf8'))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

export class DirectoryLock {
  readonly path: string

  private constructor(path: string) {
    this.path = path
  }

  /**
   * Takes `dir/LOCK` for this process.
   * @throws {StoreLocked} if a live process (this one included) holds it.
   * @throws {StoreOpenFailed} if the lock cannot be written.
   */
  static acquire(dir: string): DirectoryLock {
    const lockPath = join(dir, 'LOCK')
    const ownPath = join(dir, `LOCK.${process.pid}.tmp`)
    const advice = 'Check that the directory is writable by this user and on a filesystem with hard links.'
    try {
      writeFileSync(ownPath, `${process.pid}\n`)
      for (let takeover = 0; takeover <= MAX_TAKEOVERS; takeover++) {
        try {
          linkSync(ownPath, lockPath)
          return new DirectoryLock(lockPath)
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw openFailed(dir, cause, advice)
        }
        const holder = holderOf(lockPath)
        if (holder !== undefined && isAlive(holder)) {
          throw new StoreLocked({
            path: dir,
            pid: holder,
            message: `the store in ${dir} is in use by process ${holder}${holder === process.pid ? ' (this one)' : ''}: `
              + `is another node running on the same directory? Stop it first; if no such process is yours, remove ${lockPath}.`,
          })
        }
        rmSync(lockPath, { force: true })
      }
      throw openFailed(dir, new Error(`${lockPath} kept reappearing`), 'Another process is opening the same store; start one at a time.')
    } catch (cause) {
      if (cause instanceof StoreLocked || cause instanceof StoreOpenFailed) throw cause
      throw openFailed(dir, cause, advice)
    } finally {
      rmSync(ownPath, { force: true })
    }
  }

  /** Removes the lock if it is still ours (a user may have removed or replaced it by hand). */
  release(): void {
    if (holderOf(this.path) === process.pid) rmSync(this.path, { force: true })
  }
}
