/**
 * The types that match the wire: a protocol whose data types hold what
 * the codec refuses (functions, symbols, bigints, Maps, Sets, other typed
 * arrays) is a type
 * error where the protocol is used, naming the action. Kept shallow (six
 * levels down at most) so that editors stay fast.
 *
 * @module
 */

/**
 * What in `T` cannot be sent, in words, or `never` when all of it can.
 * (`Depth` counts the levels walked; past six it stops looking.)
 *
 * @example Why a type cannot be sent
 * ```ts
 * import type { Refusal } from "@switchboard/switchboard";
 *
 * const why: Refusal<{ when: Date; run: () => void }> = "a function";
 * const fine: [Refusal<{ when: Date; body: Uint8Array }>] extends [never] ? true : false = true;
 * console.assert(why === "a function" && fine);
 * ```
 */
export type Refusal<T, Depth extends unknown[] = []> = 0 extends 1 & T ? never
  : Depth["length"] extends 6 ? never
  // What the codec carries as it is (`wire_values.ts`).
  : T extends string | number | boolean | null | undefined | Uint8Array | Date | RegExp | Error
    ? never
  : T extends (...args: never[]) => unknown ? "a function"
  : T extends symbol ? "a symbol"
  : T extends bigint ? "a bigint"
  : T extends { toJSON(...args: never[]): unknown } ? never
  : T extends ReadonlyMap<unknown, unknown> ? "a Map"
  : T extends ReadonlySet<unknown> ? "a Set"
  : T extends ArrayBufferView | ArrayBufferLike ? "a typed array other than Uint8Array"
  : T extends readonly (infer E)[] ? Refusal<E, [...Depth, 0]>
  : T extends object ? { [K in keyof T]-?: Refusal<T[K], [...Depth, 0]> }[keyof T]
  : never;

/**
 * A protocol as the wire allows it: each action's data type where it can
 * be sent, else a message saying why. A protocol `P` passes when `P`
 * extends `Carried<P>`; `Peer<P>`, `connect<P>` and `Cluster.start<P>`
 * require it.
 *
 * @example A protocol that holds a function
 * ```ts
 * import type { Carried } from "@switchboard/switchboard";
 *
 * type Good = { save: { name: string; body: Uint8Array; at: Date } };
 * const ok: Carried<Good> = { save: { name: "a", body: new Uint8Array(), at: new Date() } };
 * type Bad = { run: { callback: () => void } };
 * // Carried<Bad>["run"] is 'Action "run" holds a function, which cannot be sent'.
 * const message: Carried<Bad>["run"] = 'Action "run" holds a function, which cannot be sent';
 * console.assert(ok.save.name === "a" && message.startsWith("Action"));
 * ```
 */
export type Carried<P> = {
  [A in keyof P]: [Refusal<P[A]>] extends [never] ? P[A]
    : `Action "${A & string}" holds ${Refusal<P[A]>}, which cannot be sent`;
};
