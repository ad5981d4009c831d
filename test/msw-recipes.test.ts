// The recipes of docs/msw.md, run where they can be: the vitest recipe (setupServer, a tenant per test,
// a fresh sandbox per test, server.boundary for concurrent tests, faults) and the Playwright one
// (page.route to the handlers, a fresh sandbox per test, Chromium) each run by vitest on the Node that
// MSW 3 needs (this process is Node 20), as an app's own suite would; the handlers' own checks (base
// URLs, pass-through, seed, close) the same way. Every recipe compiles, the Jest and Storybook ones
// against declarations of the few Jest and Storybook functions they call. docs/msw.md quotes each
// recipe file exactly as it runs.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ensureNode } from "../scripts/ensure-node.mjs";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;

/** Runs vitest with the given Node in a folder of its own (its vitest.config.ts); resolves to its summary. */
async function vitestIn(folder: string) {
  const node = await ensureNode(22);
  try {
    const { stdout } = await run(node, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--root", join(ROOT, folder), "--reporter", "json"], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 180_000,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return JSON.parse(stdout);
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    throw new Error(`vitest in ${folder} failed:\n${summarise(stdout)}`);
  }
}

/** The failed tests of a JSON report, with their first message (or the output as it is). */
function summarise(stdout = "") {
  try {
    const report = JSON.parse(stdout);
    return report.testResults
      .flatMap((file: { assertionResults: { status: string; fullName: string; failureMessages: string[] }[]; message?: string }) => [
        ...(file.message ? [file.message] : []),
        ...file.assertionResults.filter((test) => test.status !== "passed").map((test) => `${test.fullName}: ${test.failureMessages[0]?.split("\n")[0]}`),
      ])
      .join("\n");
  } catch {
    return stdout.slice(-4000);
  }
}

const passed = (report: { testResults: { assertionResults: { fullName: string; status: string }[] }[] }) =>
  report.testResults.flatMap((file) => file.assertionResults.filter((test) => test.status === "passed").map((test) => test.fullName));

describe("the recipes run", () => {
  it("vitest: setupServer, a tenant per test, a fresh sandbox per test, server.boundary, faults", { timeout: 240_000 }, async () => {
    const report = await vitestIn("test/parity/recipes/vitest");
    expect(report.numFailedTests).toBe(0);
    expect(passed(report)).toHaveLength(7);
  });

  it("Playwright: page.route to the handlers in the test process, a fresh sandbox per test", { timeout: 240_000 }, async () => {
    const report = await vitestIn("test/parity/recipes/playwright");
    expect(report.numFailedTests).toBe(0);
    expect(passed(report)).toHaveLength(4);
  });

  it("the handlers' own checks: base URLs, pass-through, seed, close", { timeout: 240_000 }, async () => {
    const report = await vitestIn("test/parity/msw-node");
    expect(report.numFailedTests).toBe(0);
    expect(passed(report)).toHaveLength(6);
  });
});

describe("the recipes compile, and docs/msw.md quotes them as they are", () => {
  it("every recipe compiles (Jest and Storybook against declarations of their few functions used)", { timeout: 240_000 }, async () => {
    await expect(run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", join(ROOT, "test", "parity", "recipes", "tsconfig.json")], { cwd: ROOT })).resolves.toBeDefined();
  });

  it("each file docs/msw.md names is quoted whole, byte for byte", () => {
    const guide = readFileSync(join(ROOT, "docs", "msw.md"), "utf8");
    const quoted = [...guide.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map(([, path, text]) => ({ path: path!, text: text! }));
    expect(quoted.map(({ path }) => path).sort()).toEqual(
      [
        "test/parity/recipes/jest/jest.setup.ts",
        "test/parity/recipes/jest/verify.spec.ts",
        "test/parity/recipes/playwright/vlens-route.ts",
        "test/parity/recipes/storybook/preview.ts",
        "test/parity/recipes/storybook/verify-screen.stories.ts",
        "test/parity/recipes/vitest/verify.spec.ts",
        "test/parity/recipes/vitest/vitest.config.ts",
        "test/parity/recipes/vitest/vitest.setup.ts",
      ].sort(),
    );
    for (const { path, text } of quoted) expect(text, path).toBe(readFileSync(join(ROOT, path), "utf8"));
  });
});
