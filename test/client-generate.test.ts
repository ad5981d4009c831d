// generated/ is derived from the description by `npm run generate`, committed, and must never be
// stale: this regenerates everything in memory and compares byte for byte.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expandRequiredAlternatives, generateFiles } from "../scripts/generate.mjs";
import { listScenarios, loadBundle, ROOT } from "../scripts/lib/description.mjs";
import { errorCodes, operationTable, scenarios } from "../src/schema.js";

describe("generated/", () => {
  it("is what `npm run generate` writes from the description today (run it if this fails)", async () => {
    const files = (await generateFiles()) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual([
      "generated/error-codes.ts",
      "generated/limits.ts",
      "generated/openapi.yaml",
      "generated/operations.ts",
      "generated/scenarios.ts",
      "generated/schema.ts",
    ]);
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(`${ROOT}${path}`, "utf8"), `${path} is stale: run npm run generate`).toBe(content);
    }
  });

  it("is byte-stable", async () => {
    const [first, second] = [await generateFiles(), await generateFiles()];
    expect(second).toEqual(first);
  });

  it("carries every operation, scenario and error code of the description", () => {
    const doc = loadBundle();
    const operations = listScenarios(doc);
    expect(Object.keys(operationTable)).toEqual(operations.map((operation: { operationId: string }) => operation.operationId));
    for (const { operationId, method, path, scenarios: named } of operations) {
      expect(operationTable[operationId as keyof typeof operationTable]).toMatchObject({ method, path });
      const generated = Object.values(scenarios[operationId as keyof typeof scenarios]).flat();
      expect(generated).toEqual(named.map((scenario: { name: string }) => scenario.name));
    }
    expect(Object.keys(errorCodes).map(Number)).toEqual(doc["x-vlens-error-codes"].map((entry: { code: number }) => entry.code));
  });

  it("gives each alternative of an anyOf of required keys the object's properties", () => {
    const schema = { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, anyOf: [{ required: ["a"] }, { required: ["b"] }] };
    expect(expandRequiredAlternatives({ nested: [schema] })).toEqual({
      nested: [
        {
          type: "object",
          anyOf: [
            { type: "object", properties: schema.properties, required: ["a"], additionalProperties: undefined },
            { type: "object", properties: schema.properties, required: ["b"], additionalProperties: undefined },
          ],
        },
      ],
    });
  });
});
