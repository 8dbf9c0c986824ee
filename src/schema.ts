/**
 * Runtime validation, opt in: a schema per action in the Standard Schema
 * form (https://standardschema.dev), the interface Zod, Valibot, ArkType
 * and others implement, so any of them can be given and none is needed
 * here. The interface is copied from the spec, as it asks.
 *
 * @module
 */

import type { Carried } from "./carried_types.ts";
import { formatDataPath } from "./data_path.ts";
import { inWords } from "./shown.ts";

/**
 * A schema in the Standard Schema form, version 1: what `schemas` accepts
 * (a Zod, Valibot or ArkType schema is one).
 *
 * @example A schema written by hand
 * ```ts
 * import type { StandardSchemaV1 } from "@switchboard/switchboard";
 *
 * const name: StandardSchemaV1<string> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "hand",
 *     validate: (value) =>
 *       typeof value === "string" ? { value } : { issues: [{ message: "Expected a string" }] },
 *   },
 * };
 * console.assert(!("issues" in name["~standard"].validate("ada")));
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

/** The types of the Standard Schema spec. */
export declare namespace StandardSchemaV1 {
  /** The properties a schema carries under `~standard`. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version of the spec: 1. */
    readonly version: 1;
    /** The library that made the schema. */
    readonly vendor: string;
    /** Validates a value: its output, or the issues found. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** The input and output types, for inference only. */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** What `validate` gives. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  /** A value that passed. */
  export interface SuccessResult<Output> {
    /** The value, as the schema outputs it. */
    readonly value: Output;
    /** Absent on success. */
    readonly issues?: undefined;
  }
  /** A value that failed. */
  export interface FailureResult {
    /** What is wrong. */
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One thing wrong with a value. */
  export interface Issue {
    /** What is wrong, in words. */
    readonly message: string;
    /** Where, from the value's root. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A step of an issue's path. */
  export interface PathSegment {
    /** The key. */
    readonly key: PropertyKey;
  }
  /** The input and output types of a schema. */
  export interface Types<Input = unknown, Output = Input> {
    /** What it accepts. */
    readonly input: Input;
    /** What it gives. */
    readonly output: Output;
  }
  /** The output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema["~standard"]["types"]
  >["output"];
}

/**
 * Schemas by action: each process validates the data it sends and
 * receives for an action that has one.
 *
 * @example Schemas for two actions (with Zod: `{ saveRequest: z.string(), … }`)
 * ```ts
 * import type { Schemas, StandardSchemaV1 } from "@switchboard/switchboard";
 *
 * function typeOf<T>(type: string): StandardSchemaV1<T> {
 *   return {
 *     "~standard": {
 *       version: 1,
 *       vendor: "example",
 *       validate: (value) =>
 *         typeof value === type ? { value: value as T } : { issues: [{ message: `Expected ${type}` }] },
 *     },
 *   };
 * }
 *
 * export const schemas = {
 *   saveRequest: typeOf<string>("string"),
 *   saveResponse: typeOf<number>("number"),
 * } satisfies Schemas;
 * ```
 */
export type Schemas = Readonly<Record<string, StandardSchemaV1>>;

/**
 * Schemas for a protocol written by hand: for each action of `P`, a schema
 * whose output is that action's data type, as listeners get it. What
 * `Cluster.start<P>()` and `connect<P>()` take as `schemas`, so that a
 * schema that says another thing than the protocol is a type error. A
 * schema that transforms (its input type differs from its output) fits an
 * action typed to hold its output, e.g. `string | number` for a string
 * turned into a number.
 *
 * @example Schemas checked against a protocol
 * ```ts
 * import type { SchemasFor, StandardSchemaV1 } from "@switchboard/switchboard";
 *
 * type Chat = { say: { text: string }; typing: undefined };
 *
 * const say: StandardSchemaV1<{ text: string }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => ({ value: value as { text: string } }),
 *   },
 * };
 * export const schemas: SchemasFor<Chat> = { say }; // `typing` has none
 * // A schema of { text: number } for "say" would be a type error.
 * ```
 */
export type SchemasFor<P> = { readonly [A in keyof P]?: StandardSchemaV1<unknown, P[A]> };

/**
 * The protocol that schemas describe: each action's data is its schema's
 * output type. Senders are checked against the input, listeners get the
 * output: for a schema that transforms (its input type differs from its
 * output), write that action's type by hand.
 *
 * @example Infer the protocol from the schemas
 * ```ts
 * import type { Peer, SchemaProtocol, StandardSchemaV1 } from "@switchboard/switchboard";
 *
 * const name: StandardSchemaV1<{ name: string }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => ({ value: value as { name: string } }),
 *   },
 * };
 * const schemas = { greet: name };
 *
 * export function greet(peer: Peer<SchemaProtocol<typeof schemas>>): number {
 *   return peer.sendMessage("greet", { name: "Ada" }); // { name: 5 } is a type error
 * }
 * ```
 */
export type SchemaProtocol<S extends Schemas> = {
  [A in keyof S]: StandardSchemaV1.InferOutput<S[A]>;
};

/**
 * The protocol that schemas describe, as {@linkcode SchemaProtocol}, when
 * it can be carried; else each action's data type says what cannot be
 * sent ({@linkcode Carried}), so that sending it is a type error that says
 * why. What `Cluster.start({ schemas })` and `connect({ schemas })` infer.
 *
 * @example The protocol of two schemas
 * ```ts
 * import type { CarriedSchemaProtocol, StandardSchemaV1 } from "@switchboard/switchboard";
 *
 * const name: StandardSchemaV1<{ name: string }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => ({ value: value as { name: string } }),
 *   },
 * };
 * type Greetings = CarriedSchemaProtocol<{ greet: typeof name }>;
 * const greeting: Greetings["greet"] = { name: "Ada" };
 * console.assert(greeting.name === "Ada");
 * ```
 */
export type CarriedSchemaProtocol<S extends Schemas> = SchemaProtocol<S> extends
  Carried<SchemaProtocol<S>> ? SchemaProtocol<S> : Carried<SchemaProtocol<S>>;

/** What checking data against an action's schema found. */
export type Checked = { value: unknown } | { problem: string; issues: readonly ValidationIssue[] };

/**
 * One thing wrong with a message's data, where.
 *
 * @example Say where a message's data is wrong
 * ```ts
 * import { ValidationError, type ValidationIssue } from "@switchboard/switchboard";
 *
 * export function where(error: unknown): string[] {
 *   if (!(error instanceof ValidationError)) return [];
 *   return error.issues.map((issue: ValidationIssue) =>
 *     `${issue.path.map(String).join(".")}: ${issue.message}`
 *   );
 * }
 *
 * const issues: ValidationIssue[] = [{ message: "Expected string", path: ["user", "name"] }];
 * console.assert(where(new ValidationError("Bad data", "greet", issues))[0] === "user.name: Expected string");
 * ```
 */
export interface ValidationIssue {
  /** What is wrong, as the schema says it. */
  readonly message: string;
  /** Where, from `data`: keys and indexes. */
  readonly path: readonly PropertyKey[];
}

/**
 * Refuses a `schemas` option that is not schemas by action, as it is given
 * (a schema missing its `~standard` would otherwise fail every message of
 * its action, and a `schemas` that is no object would check nothing).
 *
 * @returns The schemas.
 * @throws {TypeError} Naming the action whose schema is not one.
 */
export function checkSchemas(schemas: unknown, where: string): Schemas | undefined {
  if (schemas === undefined || schemas === null) return undefined;
  if (typeof schemas !== "object" || Array.isArray(schemas)) {
    throw new TypeError(
      `${where}: "schemas" must be an object of schemas by action, got ${
        Array.isArray(schemas) ? "an array" : typeof schemas
      }`,
    );
  }
  for (const [action, schema] of Object.entries(schemas)) {
    // Left out, as an action without a schema.
    if (schema === undefined) continue;
    const props = (schema as { "~standard"?: { version?: unknown; validate?: unknown } } | null)
      ?.["~standard"];
    if (props?.version !== 1 || typeof props.validate !== "function") {
      throw new TypeError(
        `${where}: the schema of "${action}" is not one in the Standard Schema form ` +
          '(version 1, with a "~standard" that has a validate function)',
      );
    }
  }
  return schemas as Schemas;
}

/**
 * Checks `data` against the schema of `action`, if it has one.
 *
 * @returns The schema's output (the data itself without a schema), or
 * what is wrong: `data.name: Expected string` and the issues.
 */
export function checkData(schemas: Schemas, action: string, data: unknown): Checked {
  if (!Object.hasOwn(schemas, action) || schemas[action] === undefined) return { value: data };
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schemas[action]["~standard"].validate(data);
  } catch (error) {
    // Shown whatever it is: thrown out of here, a check at the receiver
    // would close the connection the data came on.
    return failed([{ message: `its schema threw: ${inWords(error)}`, path: [] }]);
  }
  try {
    return readResult(result);
  } catch (error) {
    // A schema that breaks the interface fails the data, as one that throws does.
    return failed([{
      message: `its schema returned no valid result: ${inWords(error)}`,
      path: [],
    }]);
  }
}

/**
 * A schema's result as Switchboard takes it: its output, or its issues.
 *
 * @throws {TypeError} When it is not a result the interface allows.
 */
function readResult(result: unknown): Checked {
  if (typeof result !== "object" || result === null) {
    throw new TypeError(`${String(result)} is not a result`);
  }
  if (typeof (result as { then?: unknown }).then === "function") {
    (result as Promise<unknown>).then(undefined, () => {});
    return failed([{
      message: "its schema validates asynchronously, and Switchboard validates as it sends",
      path: [],
    }]);
  }
  const { issues, value } = result as { issues?: unknown; value?: unknown };
  if (issues === undefined) return { value };
  if (!Array.isArray(issues)) throw new TypeError("its issues are not a list");
  return failed(issues.map((issue: unknown) => {
    const { message, path = [] } = issue as { message?: unknown; path?: unknown };
    if (!Array.isArray(path)) throw new TypeError("an issue's path is not a list");
    return {
      message: String(message),
      path: path.map((step: unknown) =>
        typeof step === "object" && step !== null ? (step as { key: PropertyKey }).key : step
      ) as ValidationIssue["path"],
    };
  }));
}

function failed(issues: ValidationIssue[]): Checked {
  // Issues, even none, mean it failed (Standard Schema): the reason is not left blank.
  if (issues.length === 0) {
    return { problem: "data: its schema failed it, giving no issue", issues };
  }
  const problem = issues.map((issue) => `${formatDataPath(issue.path)}: ${issue.message}`).join(
    "; ",
  );
  return { problem, issues };
}
