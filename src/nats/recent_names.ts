/**
 * `RecentNames`: the latest host names of a kind, at most so many, the
 * oldest forgotten first. What a host keeps of names it cannot trust to be
 * few: hosts that come and go under new names (a container's, say), or
 * names anyone who may publish to its subject can make up.
 *
 * @module
 */

/** The latest names noted, at most `most`, the oldest forgotten first. */
export class RecentNames {
  readonly #names = new Set<string>();
  readonly #most: number;

  constructor(most: number) {
    this.#most = most;
  }

  /**
   * Notes `name` as the latest.
   *
   * @returns The name forgotten to make room, if one was.
   */
  note(name: string): string | undefined {
    this.#names.delete(name);
    this.#names.add(name);
    if (this.#names.size <= this.#most) return undefined;
    const [oldest] = this.#names;
    this.#names.delete(oldest);
    return oldest;
  }

  /** Whether `name` is remembered. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Forgets `name`; whether it was remembered. */
  take(name: string): boolean {
    return this.#names.delete(name);
  }
}
