/**
 * The signals a server's manager answers, as process managers send them:
 * SIGINT (a terminal's Ctrl-C) and SIGTERM (systemd, Kubernetes, `kill`)
 * stop the cluster gracefully, and a second one stops it at once; SIGHUP
 * reloads the workers.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK } from "./clock.ts";

/**
 * In a terminal (a standard stream of the manager is one), a second SIGINT
 * or SIGTERM this soon (ms) after the first is the same one: a terminal's
 * Ctrl-C goes to the whole foreground process group, and `deno task`, in
 * that group too, forwards what it got to the manager, which then hears
 * it twice, 0.14–2.8 ms apart here. A person's second Ctrl-C comes far
 * later. Elsewhere (a supervisor, a script, a test) a second signal always
 * means one: no time keeps a copy and a prompt second apart there.
 */
export const SAME_SIGNAL_WITHIN = 100;

/** What the manager does on each signal. */
export interface SignalActions {
  /** The first SIGINT or SIGTERM: stop gracefully. */
  stop(signal: Deno.Signal): void;
  /** A second one, while stopping: stop at once. */
  stopNow(signal: Deno.Signal): void;
  /** SIGHUP: reload the workers. */
  reload(): void;
}

const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Listens for SIGINT, SIGTERM and SIGHUP until the returned function is
 * called; `firstStop`, the time on `clock` of a first SIGINT or SIGTERM
 * that came already, so that the next stops at once (unless it is the
 * same one, heard twice: see {@linkcode SAME_SIGNAL_WITHIN}). Signal
 * listeners do not keep the process alive.
 */
export function handleSignals(
  actions: SignalActions,
  firstStop?: number,
  clock: Clock = SYSTEM_CLOCK,
): () => void {
  const window = inTerminal() ? SAME_SIGNAL_WITHIN : 0;
  const stops = new StopSignals(firstStop, clock, window);
  const onStop = new Map(STOP_SIGNALS.map((signal) => [signal, () => {
    const which = stops.heard();
    if (which === "second") return actions.stopNow(signal);
    if (which !== "first") return;
    actions.stop(signal);
    // A copy that came meanwhile is heard only now: the stop may have run
    // code for a while (the manager's onStop handlers, up to their await).
    stops.handled();
  }]));
  const onReload = () => actions.reload();
  for (const [signal, listener] of onStop) Deno.addSignalListener(signal, listener);
  Deno.addSignalListener("SIGHUP", onReload);
  return () => {
    for (const [signal, listener] of onStop) Deno.removeSignalListener(signal, listener);
    Deno.removeSignalListener("SIGHUP", onReload);
  };
}

/** Tells a first SIGINT or SIGTERM, the same one heard twice, and a second one apart. */
export class StopSignals {
  #first: number | undefined;
  readonly #clock: Clock;
  readonly #window: number;

  /**
   * @param first When a first one came already, on `clock`.
   * @param window How soon after the first (or after it was handled) one is
   * that first one heard twice, in ms; 0: never.
   */
  constructor(first?: number, clock: Clock = SYSTEM_CLOCK, window = SAME_SIGNAL_WITHIN) {
    this.#first = first;
    this.#clock = clock;
    this.#window = window;
  }

  /**
   * The first one was handled, which may have taken a while (the manager's
   * `onStop` handlers run their synchronous code): a copy that came
   * meanwhile is heard only now, so the window counts from now.
   */
  handled(): void {
    this.#first = this.#clock.now();
  }

  /** Which one the one heard now is (see {@linkcode SAME_SIGNAL_WITHIN}). */
  heard(): "first" | "same" | "second" {
    const now = this.#clock.now();
    if (this.#first === undefined) {
      this.#first = now;
      return "first";
    }
    return now - this.#first < this.#window ? "same" : "second";
  }
}

/**
 * Whether the manager runs in a terminal, where a person presses Ctrl-C:
 * one of its standard streams is one (a task may redirect its stdin).
 */
function inTerminal(): boolean {
  return Deno.stdin.isTerminal() || Deno.stdout.isTerminal() || Deno.stderr.isTerminal();
}

/** The exit code of a process that ended on `signal`, as a shell reports it: 128 + its number. */
export function signalExitCode(signal: Deno.Signal): number {
  return 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1);
}
