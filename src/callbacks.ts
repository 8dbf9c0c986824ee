/**
 * `Callbacks`: a list of listeners that may be added to and removed from
 * while it is being called.
 *
 * @module
 */

/**
 * Listeners in registration order. Changes replace the array rather than
 * mutate it, so a call loop over {@linkcode Callbacks.list} is never
 * disturbed by a listener that adds or removes one.
 */
export class Callbacks<T> {
  #list: readonly T[] = [];

  /** The listeners now, in order. */
  get list(): readonly T[] {
    return this.#list;
  }

  /** How many listeners there are. */
  get size(): number {
    return this.#list.length;
  }

  /** Adds a listener; returns the function that removes it, once. */
  add(listener: T): () => void {
    this.#list = [...this.#list, listener];
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const index = this.#list.indexOf(listener);
      if (index !== -1) this.#list = this.#list.toSpliced(index, 1);
    };
  }
}
