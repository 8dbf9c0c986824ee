/**
 * A child's `$sync` round trips to its manager (README "Protocol",
 * `$sync`): the `$synced` comes after every `$event` the manager sent
 * before; asked `for` a sibling starting with the cluster, not before that
 * sibling joined (it listens then); asked `started`, not before the
 * cluster's start is over.
 *
 * @module
 */

/** @typedef {import("./address.mjs").Address} Address */

/** `$sync` round trips to the manager, by id. */
export class ManagerSync {
  #send;
  /** @type {Map<number, { answered: () => void, ended: () => void }>} */
  #waiting = new Map();
  #nextId = 0;

  /** @param {(data: object) => boolean} send Sends `$sync` with `data` to the manager; whether it could. */
  constructor(send) {
    this.#send = send;
  }

  /**
   * Asks the manager; `answered` at its `$synced`, or `ended` at once when
   * it cannot be asked, or once it is gone or this process closes.
   *
   * @param {{ for?: Address, started?: true }} question
   * @param {() => void} answered
   * @param {() => void} [ended] `answered` when not given: most askers go
   * on alike whether the manager answered or cannot.
   */
  ask(question, answered, ended = answered) {
    const id = this.#nextId++;
    if (!this.#send({ id, ...question })) return ended();
    this.#waiting.set(id, { answered, ended });
  }

  /**
   * The manager's `$synced`, with the id it was asked with.
   *
   * @param {unknown} data
   */
  synced(data) {
    const id = data?.id;
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    this.#waiting.delete(id);
    waiter.answered();
  }

  /** The manager is gone, or this process closes: nobody waits any more. */
  endAll() {
    const waiters = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const waiter of waiters) waiter.ended();
  }
}
