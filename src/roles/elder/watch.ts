/**
 * Watching members (DESIGN.md §6 "faults"): each elder looks after some members (see
 * `section/care.ts`) and proposes `Left` for one it has not heard from for
 * `SECTION_TIMING.silenceMs`, checked on the elder machine's watch timer.
 */
import type { Member } from '../../consensus/index.ts'
import type { XorName } from '../../xor/index.ts'
import { SECTION_TIMING } from '../constants.ts'
import { responsibleElder } from '../section/care.ts'
import type { NodeComponents } from '../shell/components.ts'
import type { ElderRole } from './elder.ts'

export class Watch {
  readonly #c: NodeComponents
  readonly #elder: ElderRole
  /** When each member was last heard from. */
  readonly #lastHeard = new Map<string, number>()
  /** When this elder started looking after each member it looks after. */
  readonly #watchingSince = new Map<string, number>()
  /** Silence before this does not count ({@link graceUntil}). */
  #graceUntil = -Infinity

  constructor(components: NodeComponents, elder: ElderRole) {
    this.#c = components
    this.#elder = elder
  }

  heard(name: XorName): void {
    this.#lastHeard.set(name.toHex(), this.#c.env.clock.now)
  }

  /**
   * Silence before `until` does not count: after a resume from the store, the section's members
   * come back over a while (a host starting its nodes again), and none is voted off for that.
   */
  graceUntil(until: number): void {
    this.#graceUntil = Math.max(this.#graceUntil, until)
  }

  /** How much longer silence does not count (0: it does). */
  graceLeft(): number {
    return Math.max(0, this.#graceUntil - this.#c.env.clock.now)
  }

  /** Proposes `Left` for members this elder looks after that went silent. */
  checkSilence(): void {
    const now = this.#c.env.clock.now
    const watched = new Set<string>()
    for (const m of this.lookedAfter()) {
      const hex = m.name.toHex()
      watched.add(hex)
      // Silent since we started watching it (it may have come from another elder's care).
      const since = this.#watchingSince.get(hex) ?? now
      this.#watchingSince.set(hex, since)
      if (now - Math.max(since, this.#graceUntil, this.#lastHeard.get(hex) ?? -Infinity) > SECTION_TIMING.silenceMs) this.#elder.propose({ kind: 'Left', name: m.name })
    }
    for (const hex of [...this.#watchingSince.keys()]) if (!watched.has(hex)) this.#watchingSince.delete(hex)
    for (const hex of [...this.#lastHeard.keys()]) if (!watched.has(hex)) this.#lastHeard.delete(hex)
  }

  /** The members this elder looks after (passes decisions and news to, watches for silence). */
  lookedAfter(): Member[] {
    const c = this.#c
    return c.view!.members.members().filter((m) => !m.name.equals(c.name) && this.looksAfter(m.name))
  }

  /** Whether this node is the elder that looks after `name`. */
  looksAfter(name: XorName): boolean {
    const section = this.#c.view
    return section !== undefined && responsibleElder(name, section.sap.sap, section.members)?.name.equals(this.#c.name) === true
  }
}
