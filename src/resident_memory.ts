/**
 * How much memory a child process holds: its resident set size (RSS), as
 * Linux's `/proc/<pid>/status` says, for `maxMemory`. No dependency, no
 * process spawned: one read of a small in-memory file (about 50 µs on the
 * machine of 2026-12-07).
 *
 * @module
 */

/** One mebibyte, in bytes: the unit limits and usage are shown in. */
export const MEBIBYTE = 1024 * 1024;

/** The `VmRSS` line of `/proc/<pid>/status`, in kB (kibibytes, as the kernel means it). */
const VM_RSS = /^VmRSS:\s+(\d+) kB$/m;

/**
 * The resident set size of process `pid`, in bytes: what it holds in RAM
 * now, which the kernel's OOM killer weighs.
 *
 * @returns Undefined once the process is gone, or holds no memory any
 * more (a zombie not reaped yet has no `VmRSS`).
 * @throws {Deno.errors.NotCapable} Without `--allow-all` (see
 * {@linkcode checkMemoryReadable}).
 */
export function residentBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const kib = VM_RSS.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/**
 * Refuses to start a manager that could not read its children's memory,
 * at once, rather than fail at its first check: it reads its own
 * `/proc/<pid>/status` as it would a child's.
 *
 * @param os The system it runs on (a test gives another).
 * @throws {Deno.errors.NotSupported} On a system without `/proc` (only
 * Linux has it).
 * @throws {Deno.errors.NotCapable} When the manager may not read it:
 * Deno 2.9 lets a process read `/proc` only with `--allow-all`, whatever
 * `--allow-read` says.
 */
export function checkMemoryReadable(os: string = Deno.build.os): void {
  if (os !== "linux") {
    throw new Deno.errors.NotSupported(
      `Cluster.start(): "maxMemory" reads each child's memory in /proc, which Linux has and ` +
        `${os} does not: leave maxMemory out here`,
    );
  }
  try {
    if (residentBytes(Deno.pid) !== undefined) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    throw new Deno.errors.NotCapable(
      `Cluster.start(): "maxMemory" needs the manager to read each child's /proc/<pid>/status, ` +
        `which Deno allows only with --allow-all: run the manager with -A (--allow-read=/proc is ` +
        `not enough), or leave maxMemory out`,
      { cause: error },
    );
  }
  throw new Deno.errors.NotSupported(
    `Cluster.start(): "maxMemory" found no VmRSS in /proc/${Deno.pid}/status: this system does ` +
      `not say how much memory a process holds`,
  );
}

/** Bytes as mebibytes, for a message: "512 MiB", "612.3 MiB". */
export function mebibytes(bytes: number): string {
  return `${Number((bytes / MEBIBYTE).toFixed(1))} MiB`;
}

/**
 * The resident set size of process `pid` in bytes, if this process may
 * read it without asking: undefined off Linux, once the process is gone,
 * and without `--allow-all` (a `status` of the control socket then shows
 * none). Asked first, as Deno would otherwise prompt in a terminal.
 */
export function knownResidentBytes(pid: number, os: string = Deno.build.os): number | undefined {
  if (os !== "linux") return undefined;
  const path = `/proc/${pid}/status`;
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  try {
    return residentBytes(pid);
  } catch {
    // Granted --allow-read=/proc, which Deno 2.9 does not honour for /proc.
    return undefined;
  }
}
