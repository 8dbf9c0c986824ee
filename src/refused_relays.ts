/**
 * What a child sent another host that its manager could not send on (the
 * window to that host full, say), refused to the child: gathered until the
 * end of the task, one report a target, reason and action, with their
 * count, as other hosts' refusals are (`remote_outcomes.ts`). Told one at
 * a time, a burst of 2,000 past the window cost the child some 1,500
 * frames and as many `onError` calls.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";

/** Tells `from` the text of a refusal, and how many payloads for `to` its manager had by then. */
export type TellRefused = (from: Address, to: Address, text: string, seen: number) => void;

type Gathered = {
  from: Address;
  to: Address;
  action: string | undefined;
  why: string;
  count: number;
  seen: number;
};

/** Refusals of what children relay, gathered until the end of the task. */
export class RefusedRelays {
  readonly #tell: TellRefused;
  readonly #gathered = new Map<string, Gathered>();

  constructor(tell: TellRefused) {
    this.#tell = tell;
  }

  /**
   * One more message from `from` to `to` refused for `why`.
   *
   * @param seen How many payloads for `to` the manager had from `from`, this one included:
   * what the child sent after it is answered on its own.
   */
  add(from: Address, to: Address, action: string | undefined, why: string, seen: number): void {
    const key = JSON.stringify([from, to, action ?? null, why]);
    const gathered = this.#gathered.get(key);
    if (gathered !== undefined) {
      gathered.count++;
      gathered.seen = seen;
      return;
    }
    if (this.#gathered.size === 0) queueMicrotask(() => this.#tellAll());
    this.#gathered.set(key, { from, to, action, why, count: 1, seen });
  }

  #tellAll(): void {
    const gathered = [...this.#gathered.values()];
    this.#gathered.clear();
    for (const { from, to, action, why, count, seen } of gathered) {
      const what = count > 1
        ? `${count} messages`
        : action === undefined
        ? "A message"
        : `Message "${action}"`;
      const verb = count > 1 ? "were" : "was";
      this.#tell(
        from,
        to,
        `${what} from ${describe(from)} to ${describe(to)} ${verb} not delivered: ${why}`,
        seen,
      );
    }
  }
}
