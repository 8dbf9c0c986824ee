/**
 * The signals a server's manager answers, as process managers send them:
 * SIGINT (a terminal's Ctrl-C) and SIGTERM (systemd, Kubernetes, `kill`)
 * stop the cluster gracefully, and a second one stops it at once; SIGHUP
 * reloads the workers.
 *
 * @module
 */

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
 * called; `stopping` when a first SIGINT or SIGTERM came already, so that
 * the next stops at once. Signal listeners do not keep the process alive.
 */
export function handleSignals(actions: SignalActions, stopping = false): () => void {
  const onStop = new Map(STOP_SIGNALS.map((signal) => [signal, () => {
    if (stopping) return actions.stopNow(signal);
    stopping = true;
    actions.stop(signal);
  }]));
  const onReload = () => actions.reload();
  for (const [signal, listener] of onStop) Deno.addSignalListener(signal, listener);
  Deno.addSignalListener("SIGHUP", onReload);
  return () => {
    for (const [signal, listener] of onStop) Deno.removeSignalListener(signal, listener);
    Deno.removeSignalListener("SIGHUP", onReload);
  };
}

/** The exit code of a process that ended on `signal`, as a shell reports it: 128 + its number. */
export function signalExitCode(signal: Deno.Signal): number {
  return 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1);
}
