/**
 * Scenario 12's schemas, shared by the manager and the workers. Any
 * Standard Schema works here (`z.object({ width: z.number().positive() })`
 * with Zod); this one is written by hand, so the examples need no package.
 *
 * @module
 */

import type { Schemas, StandardSchemaV1 } from "../mod.ts";

/** `{ width }`, a positive number of pixels. */
const size: StandardSchemaV1<{ width: number }> = {
  "~standard": {
    version: 1,
    vendor: "examples",
    validate(value) {
      const width = (value as { width?: unknown } | null)?.width;
      if (typeof width === "number" && width > 0) return { value: { width } };
      return { issues: [{ message: "Expected a positive number", path: ["width"] }] };
    },
  },
};

export const schemas = { resizeRequest: size } satisfies Schemas;
