/**
 * The manager's machinery behind {@linkcode Cluster}: the transport host
 * the children meet at, the manager's router, the supervisor of the
 * children, and the order of start, reload and stop, whatever ends it — a
 * call, a signal, a child given up, or the process dying.
 *
 * @module
 */

import { onAbruptExit } from "./abrupt_exit.ts";
import { type Address, describe, isManagerOf, MANAGER, type Target, targetsOf } from "./address.ts";
import { childCommand } from "./child_command.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import type { ChildSpec } from "./child_slot.ts";
import { ControlSocket } from "./control_socket.ts";
import type { ControlStatus } from "./control_wire.ts";
import type { HostRecord } from "./broker.ts";
import {
  EVENT,
  MEMBERS,
  PONG,
  READY,
  RESEND,
  RUNNING,
  STOPPED,
  SYNC,
  SYNCED,
  TERM,
} from "./control.ts";
import { deadline } from "./deadline.ts";
import { ClosedError, SwitchboardError } from "./errors.ts";
import type { Layout } from "./layout.ts";
import { ManagerEvents } from "./manager_events.ts";
import type { RestartPolicy } from "./restart_policy.ts";
import { Router } from "./router.ts";
import type { EarlySignals, Heard } from "./early_signals.ts";
import { HeldSyncs } from "./held_syncs.ts";
import { lastAnswers } from "./last_answers.ts";
import { syncData } from "./manager_sync.ts";
import { handleSignals, signalExitCode } from "./signals.ts";
import type { Schemas } from "./schema.ts";
import { StartingChildren } from "./starting_children.ts";
import { Supervisor } from "./supervisor.ts";
import { TermGrace } from "./term_grace.ts";
import { exitIfOutputStalls, managerBegan } from "./stalled_output.ts";
import type { Endpoint, TransportHost } from "./transport.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { ChildStats } from "./stats.ts";
import { knownResidentBytes } from "./resident_memory.ts";

/** Everything the manager needs, validated. */
export interface ManagerConfig {
  /** The cluster's processes. */
  layout: Layout;
  /** How to start each child, by address. */
  children: ReadonlyMap<Address, ChildSpec>;
  /** The largest frame to send or accept. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** How long children may take to become ready, in ms. */
  startTimeout: number;
  /** How long children may take for each phase of their stop, in ms, unless one has its own. */
  stopTimeout: number;
  /** How to restart children that exit, unless one has its own; null: never. */
  restart: RestartPolicy | null;
  /** Whether a child given up stops the cluster (and rejects `closed`), unless it has its own. */
  escalate: boolean;
  /** Whether SIGINT, SIGTERM and SIGHUP are handled. */
  signals: boolean;
  /** Where the control socket listens, if anywhere (see `control_socket.ts`). */
  control?: string;
  /** In a cluster that spans hosts: every host, as the broker knows them now. */
  hosts?(): HostRecord[];
  /** The manager's schemas by action, if any. */
  schemas?: Schemas;
  /**
   * In a cluster that spans hosts: the host a process runs on, as the
   * membership says, so that another host's manager speaks only of its own.
   */
  hostOf?(address: Address): string | undefined;
  /**
   * The time the supervisor counts in, and the timer of a SIGTERM'd child's
   * grace (default: the machine's).
   */
  clock?: Clock;
}

/** Runs a cluster's children and the manager's end of their connections. */
export class Manager {
  /** The manager's router. */
  readonly router: Router;
  readonly #config: ManagerConfig;
  readonly #host: TransportHost;
  readonly #supervisor: Supervisor;
  /**
   * Marked handled, as a stream's `closed` is: a rejection reaches those
   * who await it, and ends no process that never looked (the child given
   * up is reported to `onError` all the same).
   */
  readonly #closed = handledLater(Promise.withResolvers<void>());
  /** Lifecycle events passed on: to this host's processes, and to and from the other hosts. */
  readonly #events: ManagerEvents;
  /** Why the cluster stopped on its own, when a child was given up. */
  #escalation: SwitchboardError | undefined;
  #stopping: Promise<void> | undefined;
  readonly #unhooks: (() => void)[] = [];
  /** What each child starting was told is being replaced, and missed of it. */
  readonly #starting = new StartingChildren();
  /** `$sync`s about children that do not listen yet, answered once they do. */
  readonly #heldSyncs = new HeldSyncs();
  /** The children that said `$term`, waiting out `TERM_GRACE`. */
  readonly #terms: TermGrace;
  /** Where `ctl.ts` asks for the status or a reload, with the `control` option. */
  readonly #control: ControlSocket | undefined;

  private constructor(
    host: TransportHost,
    router: Router,
    config: ManagerConfig,
    control: ControlSocket | undefined,
  ) {
    this.#host = host;
    this.#control = control;
    this.#config = config;
    this.router = router;
    this.#events = new ManagerEvents({
      router,
      starting: this.#starting,
      stopping: () => this.#stopping !== undefined,
      hostOf: config.hostOf,
    });
    // Stopped, it is counted out (`#stop`, which a failed start runs too).
    managerBegan();
    const clock = config.clock ?? SYSTEM_CLOCK;
    this.#supervisor = new Supervisor({
      clock,
      children: config.children,
      restart: config.restart,
      startTimeout: config.startTimeout,
      stopTimeout: config.stopTimeout,
      command: (address, spec) => {
        // Its requests to these wait for their new process, as others' do.
        const replacing = this.router.replacing().filter((other) => other !== address);
        this.#starting.told(address, replacing, this.router.layout);
        // What it sends these before they listen is held until they do.
        const starting = [...config.children.keys()].filter((child) =>
          child !== address && this.#supervisor.startingFirst(child)
        );
        return childCommand(address, spec, config, host, {
          members: this.router.layout.members(),
          replacing,
          starting,
        });
      },
      tell: (address, action, data) => router.sendControl(address, action, data),
      exiting: (address) => router.exiting(address),
      isConnected: (address) => router.connected().includes(address),
      released: (address) => host.released(address),
      announce: (event) => this.#events.announce(event),
      stoppingAlone: (address) => this.router.stopsAlone(address),
      report: (error) => router.listeners.report(error),
      gaveUp: (error) => this.#gaveUp(error),
    });
    this.#terms = new TermGrace({
      clock,
      stopping: () => this.#stopping !== undefined,
      isChild: (address) => config.children.has(address),
      pid: (address) => this.#supervisor.pid(address),
      restartAlone: (address, pid) => this.#supervisor.restartAlone(address, pid),
      report: (error) => router.listeners.report(error),
    });
  }

  /**
   * Opens the manager's endpoint on `host`, starts the children and
   * resolves once every one is ready.
   *
   * @param host Where the children meet; the manager closes it when it stops.
   * @param early Signals heard since the start began, before this manager
   * listens: acted on once it does.
   * @throws {Error} When a child exits before the cluster has started, or
   * is late; everything started is stopped again before this rejects.
   */
  static async start(
    config: ManagerConfig,
    host: TransportHost,
    early?: EarlySignals,
  ): Promise<Manager> {
    let endpoint: Endpoint | undefined;
    let manager: Manager | undefined;
    let control: ControlSocket | undefined;
    // What the endpoint reports goes to the console until the router exists.
    let report = (error: Error) => console.error(error);
    try {
      // First: a second manager given the same path is refused before any child starts.
      if (config.control !== undefined) control = await ControlSocket.listen(config.control);
      endpoint = await host.open(MANAGER, {
        maxPayload: config.maxFrameSize,
        report: (error) => {
          // A child that then fails to start says why, with this.
          if (manager) manager.#supervisor.noteTrouble(error);
          report(error);
        },
      });
      checkQueueLimit(config, endpoint.overhead);
      const router: Router = new Router({
        endpoint,
        layout: config.layout,
        maxFrameSize: config.maxFrameSize,
        requestTimeout: config.requestTimeout,
        highWaterMark: config.highWaterMark,
        maxQueuedBytes: config.maxQueuedBytes,
        schemas: config.schemas,
        // It listens: its siblings' messages held for it go (it holds them until ready).
        onJoined: (child) => manager!.#heldSyncs.release(child),
        control: {
          [READY]: { run: (_data, from) => manager!.#goAhead(from) },
          [RUNNING]: { run: (_data, from) => manager!.#supervisor.ready(from) },
          [STOPPED]: { run: (_data, from) => manager!.#supervisor.stopped(from) },
          [TERM]: { run: (_data, from) => manager!.#terms.heard(from) },
          // A child answered the watchdog (sent only with `hangTimeout` on).
          [PONG]: { run: (data, from) => manager!.#supervisor.answered(from, data) },
          // What happened to another host's children, from its manager.
          [EVENT]: { run: (data, from) => manager!.#events.eventFrom(from, data) },
          // Another host's manager, back from being cut off, asks for this host's events again.
          [RESEND]: { run: (_data, from) => manager!.#events.tellAgain(from) },
          // After every event sent to it before: see ManagerSync.
          [SYNC]: {
            // This host's children only: another host's manager has no use for it.
            run: (data, from) => {
              if (!isManagerOf(from)) manager!.#sync(from, data);
            },
          },
        },
      });
      report = (error) => router.listeners.report(error);
      manager = new Manager(host, router, config, control);
      manager.#serveControl();
      const heard = manager.#hook(early);
      const starting = manager.#supervisor.start();
      // Once its children are known: a reload waits for the start.
      if (heard?.stop !== undefined) void manager.stop();
      else if (heard?.reload) manager.#reloadOnSignal();
      await starting;
      manager.#heldSyncs.started();
    } catch (error) {
      if (manager) {
        await manager.stop();
      } else {
        await control?.close();
        endpoint?.close();
        await endpoint?.closed;
        await host.close();
      }
      throw error;
    }
    return manager;
  }

  /**
   * Settles once the cluster has stopped: resolves after `stop()` (or a
   * signal), rejects with the reason when a child given up stopped it.
   */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Marks the manager ready: held messages go out in the next task, after the caller's listeners are on. */
  readySoon(): void {
    this.router.ready();
  }

  /** The process id of a child, while it runs. */
  pid(address: Address): number | undefined {
    return this.#supervisor.pid(address);
  }

  /** Each child's pid, state and restarts. */
  childStats(): ChildStats[] {
    return this.#supervisor.stats();
  }

  /**
   * Answers the control socket's commands: `status`, from the children's
   * stats; `reload`, as {@linkcode reload}, of a target named as on a
   * command line (a string of digits that names no service is a worker id).
   */
  #serveControl(): void {
    this.#control?.serve({
      status: () => this.#controlStatus(),
      reload: (target) => {
        const named = typeof target === "string" && /^\d+$/.test(target) &&
            !this.#config.children.has(target)
          ? Number(target)
          : target;
        return this.reload(named);
      },
      report: (error) => this.router.listeners.report(error),
    });
  }

  /** What `status` answers: `stats()`'s children, with pids, uptimes and, when readable, RSS. */
  #controlStatus(): ControlStatus {
    const children = this.childStats().map((child) => {
      const uptime = this.#supervisor.uptime(child.address);
      const rss = child.pid === undefined ? undefined : knownResidentBytes(child.pid);
      return {
        ...child,
        ...(uptime === undefined ? {} : { uptime }),
        ...(rss === undefined ? {} : { rss }),
      };
    });
    const hosts = this.#config.hosts?.();
    return { pid: Deno.pid, children, ...(hosts ? { hosts } : {}) };
  }

  /**
   * Replaces children one at a time (default: every worker), each once the
   * one before is ready.
   */
  reload(to?: Target): Promise<void> {
    try {
      // By default this host's workers: another host's manager reloads its own.
      const targets = to === undefined
        ? [...this.#config.children.keys()].filter((address) => typeof address === "number")
        : targetsOf(to, "reload", "reload");
      for (const address of targets) {
        const host = this.#config.children.has(address) || isManagerOf(address)
          ? undefined
          : this.#config.hostOf?.(address);
        // Said so, not "not a child of this cluster": it is one, elsewhere.
        if (host !== undefined) {
          throw new TypeError(
            `Cannot reload ${
              describe(address)
            }: it runs on host "${host}", whose manager reloads it`,
          );
        }
      }
      if (this.#stopping) {
        throw new ClosedError("Cannot reload: the cluster is stopping");
      }
      return this.#supervisor.reload(targets);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops the cluster: the manager's stop handlers, then the children in
   * two phases (see {@linkcode Supervisor.stop}), then its last answers to
   * other hosts (see `last_answers.ts`), then the connections and what the
   * transport host made. Idempotent, also when called from the manager's
   * own stop handlers, which the stop runs before it returns.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    // Set before the stop begins: `#stop` runs the stop handlers' synchronous
    // code at once, and one that calls `stop()` (`close()`) must find it.
    // Before, each such call began another stop, until the stack overflowed.
    const stopping = Promise.withResolvers<void>();
    this.#stopping = stopping.promise;
    this.#stop().then(stopping.resolve, stopping.reject);
    return this.#stopping;
  }

  /**
   * Handles signals and an abrupt end of the process, until the cluster
   * stops. Returns those heard before (`early`), to act on as if heard now.
   */
  #hook(early: EarlySignals | undefined): Heard | undefined {
    this.#unhooks.push(onAbruptExit(() => this.#abandon("SIGTERM")));
    const heard = early?.end();
    if (!this.#config.signals) return undefined;
    this.#unhooks.push(handleSignals({
      stop: () => void this.stop(),
      stopNow: (signal) => {
        this.#abandon("SIGKILL");
        Deno.exit(signalExitCode(signal));
      },
      reload: () => this.#reloadOnSignal(),
    }, heard?.stop));
    return heard;
  }

  /**
   * A SIGHUP's reload: nobody awaits it, so what fails is said to `onError`;
   * but not that it could not be done after a start that failed, which the
   * start's own rejection says; nor that the cluster's stop refused it or
   * cut it short (a `ClosedError`): the stop was asked for, and nothing
   * failed (`systemctl reload`, then `stop`, logged an error).
   */
  #reloadOnSignal(): void {
    this.reload().catch((error) => {
      if (!this.#supervisor.started) return;
      if (error instanceof ClosedError && this.#stopping) return;
      this.router.listeners.report(error as Error);
    });
  }

  /** Ends everything at once, synchronously, for a process about to end. */
  #abandon(signal: "SIGTERM" | "SIGKILL"): void {
    this.#control?.abandon();
    this.#supervisor.abandon(signal);
    this.#host.abandon();
  }

  /** Hosts joined or left: see {@linkcode ManagerEvents.membersChanged}. */
  membersChanged(layout: Layout, event: LifecycleEvent, process?: string): void {
    this.#events.membersChanged(layout, event, process);
  }

  /** Another host is back from being cut off: see {@linkcode ManagerEvents.backFrom}. */
  backFrom(manager: string): void {
    this.#events.backFrom(manager);
  }

  /** Another host missed some of this host's messages: see {@linkcode ManagerEvents.missedBy}. */
  missedBy(manager: string): void {
    this.#events.missedBy(manager);
  }

  /**
   * A child said `$ready`: it hears what it missed while it started (hosts
   * that came or went, events about the processes it was told are being
   * replaced), then goes ahead.
   */
  #goAhead(child: Address): void {
    const missed = this.#starting.ready(child, this.router.layout);
    if (missed.layout) this.router.sendControl(child, MEMBERS, missed.layout.members());
    for (const event of missed.events) this.router.sendControl(child, EVENT, event);
    this.#supervisor.goAhead(child);
    this.#heldSyncs.release(child);
  }

  /**
   * A child's `$sync`: answered now, or, when it asks about a sibling that
   * starts with the cluster and has not joined yet, once that one does (a
   * child listens before it joins) or said `$ready`; or, when it asks
   * whether the start is over, once it is.
   */
  #sync(from: Address, data: unknown): void {
    const { for: about, started } = syncData(from, data);
    const answer = () => this.router.answerControl(from, SYNCED, data);
    if (started === true) return this.#heldSyncs.holdUntilStarted(answer);
    if (
      about !== undefined && !this.#stopping && this.#supervisor.startingFirst(about) &&
      !this.router.connected().includes(about)
    ) {
      this.#heldSyncs.hold(about, answer);
    } else {
      answer();
    }
  }

  #gaveUp(error: SwitchboardError): void {
    // A service's own `escalate`, else the cluster's.
    const own = error.peer === undefined ? undefined : this.#config.children.get(error.peer);
    if (!(own?.escalate ?? this.#config.escalate) || this.#stopping) return;
    this.#escalation = error;
    this.stop();
  }

  async #stop(): Promise<void> {
    this.#terms.clear();
    this.#events.stop();
    this.#supervisor.halt();
    this.#heldSyncs.releaseAll();
    this.router.refuseNewRequests();
    await this.#ownStopWork();
    await this.#supervisor.stop();
    // In a cluster that spans hosts: what it took of other hosts is answered.
    await lastAnswers(this.router, this.#config.stopTimeout);
    // After the children: a `status` meanwhile shows them stopping, and a
    // reload cut short by the stop has its answer written.
    await this.#control?.close();
    await this.router.close();
    await this.#host.close();
    for (const unhook of this.#unhooks) unhook();
    exitIfOutputStalls(this.#config.stopTimeout);
    if (this.#escalation) this.#closed.reject(this.#escalation);
    else this.#closed.resolve();
  }

  /**
   * The manager's own `onStop` handlers, within `stopTimeout` as a child's
   * are: one that never settles would leave the stop, and the children,
   * waiting for ever. One still running then runs on, unawaited.
   */
  async #ownStopWork(): Promise<void> {
    const { stopTimeout } = this.#config;
    await deadline(this.router.listeners.stopping(), stopTimeout, () =>
      new SwitchboardError(
        `The manager's stop handlers (onStop) did not finish within stopTimeout ` +
          `(${stopTimeout} ms): the children are stopped now`,
        { peer: MANAGER },
      )).catch((error) => this.router.listeners.report(error));
  }
}

/**
 * A queue must hold at least one message of the largest size, with what the
 * transport adds to it.
 *
 * @throws {TypeError} When `maxQueuedBytes` is below that.
 */
function checkQueueLimit(config: ManagerConfig, overhead: Endpoint["overhead"]): void {
  const { maxQueuedBytes, maxFrameSize } = config;
  if (maxQueuedBytes >= maxFrameSize + overhead) return;
  throw new TypeError(
    `"maxQueuedBytes" (${maxQueuedBytes}) must be at least "maxFrameSize" + ${overhead} (${
      maxFrameSize + overhead
    })`,
  );
}

/** `resolvers`, its promise marked handled: see `Manager.#closed`. */
function handledLater<T>(resolvers: PromiseWithResolvers<T>): PromiseWithResolvers<T> {
  resolvers.promise.catch(() => {});
  return resolvers;
}
