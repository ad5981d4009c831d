// The package as consumers get it: build, pack, install the tarball into a fresh project, then
// type-check (strict, NodeNext) and run a small consumer. publint and attw check the tarball.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
const bin = (name: string) => join(ROOT, "node_modules/.bin", name);
const quiet = { cwd: ROOT, env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" } };

let work: string;
let tarball: string;
let packed: { path: string }[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "vlens-package-"));
  await run("npm", ["run", "build"], quiet);
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], quiet);
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  packed = info!.files;
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  it("holds the built client, its types, the mock and the bundled description, and nothing else", () => {
    const paths = packed.map((file) => file.path);
    for (const needed of [
      "package.json",
      "README.md",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/schema.js",
      "dist/src/schema.d.ts",
      "dist/src/failure.js",
      "dist/generated/schema.d.ts",
      "dist/generated/error-codes.js",
      "generated/openapi.yaml",
      "mocks/index.js",
      "mocks/index.d.ts",
    ]) {
      expect(paths, needed).toContain(needed);
    }
    const allowed = /^(package\.json|README\.md|LICENSE|dist\/(src|generated)\/[\w-]+\.(js|d\.ts)|generated\/openapi\.yaml|mocks\/(sandbox\/)?[\w-]+\.(js|d\.ts))$/;
    expect(paths.filter((path) => !allowed.test(path))).toEqual([]);
  });

  it("is clean for publint (strict)", async () => {
    const bytes = readFileSync(tarball);
    const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) }, strict: true, level: "suggestion" });
    expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg)}`)).toEqual([]);
  });

  it("has types that resolve for ESM consumers (attw, esm-only profile)", async () => {
    const result = await run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "json"], quiet).catch((error) => error);
    const { problems } = JSON.parse(result.stdout) as { problems: Record<string, { kind: string; entrypoint: string; resolutionKind: string }[]> };
    // The esm-only profile leaves require() and node10 resolution out: this package is ESM only.
    const relevant = Object.values(problems)
      .flat()
      .filter((problem) => !["node10", "node16-cjs"].includes(problem.resolutionKind));
    expect(relevant).toEqual([]);
    expect(result.code ?? 0).toBe(0);
  });
});

describe("a fresh NodeNext project that installs the tarball", () => {
  let project: string;
  beforeAll(async () => {
    project = join(work, "consumer");
    await run("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2022", "DOM"], types: [], skipLibCheck: false, outDir: "out" },
        include: ["consumer.ts"],
      }),
    );
    writeFileSync(join(project, "consumer.ts"), CONSUMER);
    await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { ...quiet, cwd: project });
  }, 120_000);

  it("type-checks under strict with module and moduleResolution NodeNext", async () => {
    const result = await run(bin("tsc"), ["-p", project], quiet).catch((error) => error);
    expect(result.stdout ?? "").toBe("");
    expect(result.code ?? 0).toBe(0);
  });

  it("runs: verifies through an injected fetch and reports typed errors", async () => {
    const { stdout } = await run(process.execPath, [join(project, "out/consumer.js")], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      status: "verified",
      transactionId: "81f404b3-d7dc-4f08-b4fe-934853c86282",
      errorName: "VlensApiError",
      errorCode: 3011,
      userMessage: "Error, Please make sure the document is in a good lighting condition and well focused.",
      catalogueSize: expect.any(Number),
      prefer: "code=401, example=tokenExpired",
    });
  });
});

// The consumer: what a user of the package writes. Its @ts-expect-error lines prove the shipped types
// still reject a misspelt scenario and a wrong body.
const CONSUMER = `
import { createVlensClient, scenarioHeaders, VlensApiError, type VerificationOutcome } from "vlens-digital-identity";
import { errorCodes, type components, type paths } from "vlens-digital-identity/schema";

const transaction = "81f404b3-d7dc-4f08-b4fe-934853c86282";
const envelope = (data: unknown, extra: object = {}) => ({ data, error_code: null, error_message: null, error_descriptions: null, ...extra });
const answers: Record<string, unknown> = {
  "/api/DigitalIdentity/verify/id/front": envelope({ idFrontData: { idNumber: "29001012101235", transaction_id: transaction } }),
  "/api/DigitalIdentity/verify/id/back": envelope({ idBackData: { idNumber: "29001012101235" } }),
  "/api/DigitalIdentity/verify/liveness/multi": envelope({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: true }, { services: { liveness: true } }),
};
let failFront = false;
// Called like globalThis.fetch.
const fetch = async (input: string | Request, init?: RequestInit) => {
  const path = new URL(new Request(input, init).url).pathname;
  const body = failFront ? envelope(null, { error_code: 3011, error_message: "Card Not Detected" }) : answers[path];
  return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
};

const vlens = createVlensClient({ apiKey: "consumer-key", accessToken: () => "consumer-token", fetch });
const image = "/9j/4AAQSkZJRg==";
const outcome: VerificationOutcome = await vlens.verifyIdentity({ idFront: image, idBack: new Uint8Array([1, 2, 3]), faces: [image, "/9j/4AAQSkZJRw==", "/9j/4AAQSkZJRA=="] });

failFront = true;
let error: unknown;
try {
  await vlens.scanIdFront({ image });
} catch (caught) {
  error = caught;
}
if (!(error instanceof VlensApiError)) throw new Error("expected a VlensApiError");

type Liveness = paths["/api/DigitalIdentity/verify/liveness/multi"]["post"];
const body: components["schemas"]["LivenessRequest"] = { face_1: image, face_2: image, face_3: image, transaction_id: transaction };
void (body satisfies Liveness["requestBody"]["content"]["application/json"]);
// Never called: type checks only.
export function wrongOnPurpose() {
  // @ts-expect-error a misspelt scenario does not compile for consumers either
  void vlens.scanIdFront({ image }, { scenario: "cardNotDetectd" });
  // @ts-expect-error nor a misspelt body field
  void vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image, transactionId: transaction } });
}

console.log(JSON.stringify({
  status: outcome.status,
  transactionId: outcome.transactionId,
  errorName: error.name,
  errorCode: error.errorCode,
  userMessage: error.entry?.userMessage,
  catalogueSize: Object.keys(errorCodes).length,
  prefer: scenarioHeaders("verifyIdFront", { code: 401, example: "tokenExpired" }).Prefer,
}));
`;
