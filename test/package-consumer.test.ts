// The package as consumers get it, installed the three ways the README gives, each into a fresh
// project, by npm 11 on Node 26 and with --strict-allow-scripts: the release tarball
// (scripts/release/tarball.mjs: no install script in its manifest; type-checked strict under
// NodeNext, run on Node 22, 24 and 26; publint and attw check it), by name from a registry
// (`npm publish <tarball>` to a local registry, then
// `npm install vlens-digital-identity @stoplight/prism-cli@5.14.x`: the client against the mock it
// ships, on Node 22, 24 and 26), and from git (`prepare` builds dist/, a script the consumer must
// allow: the allowScripts entry the install docs give). Node 22, 24 and 26 come from the npm
// registry (scripts/ensure-node.mjs).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPPORTED_MAJORS, ensureNode } from "../scripts/ensure-node.mjs";
import { INSTALL_SCRIPTS, packTarball } from "../scripts/release/tarball.mjs";
import { startLocalRegistry, type LocalRegistry } from "./ship-registry.js";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
const bin = (name: string) => join(ROOT, "node_modules/.bin", name);
const npmEnv = { ...process.env, npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" };
const quiet = { cwd: ROOT, env: npmEnv, maxBuffer: 32 * 1024 * 1024 };
const { name: PACKAGE, version: VERSION } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

const work = mkdtempSync(join(tmpdir(), "vlens-package-"));
let tarball: string;
let packed: { path: string }[];
/** The Node binaries the consumers run on, by major version: the supported ones (engines >=22). */
const nodes: Record<string, string> = {};
const MAJORS = SUPPORTED_MAJORS.map(String);
/** npm output lines that warn or fail: none is expected from any install. */
// Consumers run a supported Node: npm on Node 20 (this machine's) would warn that the package needs 22.
const NPM_CLI = realpathSync(join(dirname(realpathSync((await run("sh", ["-c", "command -v npm"])).stdout.trim())), "npm-cli.js"));
const node26 = ensureNode(26, { log: () => {} });
async function npmAsConsumer(args: string[], cwd: string) {
  const node = await node26;
  return run(node, [NPM_CLI, ...args], { ...quiet, cwd, env: { ...npmEnv, PATH: `${dirname(node)}:${process.env.PATH}` } });
}
const npmWarnings = (output: string) => output.split("\n").filter((line) => /^npm (warn|error)/i.test(line) || /install-scripts|allowScripts/i.test(line));

function freshProject(name: string, manifest: object = {}) {
  const project = join(work, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name, private: true, type: "module", ...manifest }));
  return project;
}

/**
 * This working tree as a git repository of one commit (tracked and new files, as `git add -A` would
 * take them), so the git install tests what is here, committed or not.
 */
async function gitSnapshot() {
  const repo = join(work, "repo.git-snapshot");
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], quiet);
  for (const file of stdout.split("\0").filter((path) => path && existsSync(join(ROOT, path)))) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(repo, file));
  }
  const git = (...args: string[]) => run("git", ["-c", "user.name=snapshot", "-c", "user.email=snapshot@example.com", ...args], { cwd: repo });
  await git("init", "--quiet");
  await git("add", "--all");
  await git("commit", "--quiet", "--message", "snapshot of the working tree");
  return repo;
}

// Installing from git installs every development dependency to run `prepare`: the longest step
// of this file (about a minute and a half), so it starts first and runs alongside the rest.
const fromGit = (async () => {
  const repo = await gitSnapshot();
  // npm 11 refuses, under --strict-allow-scripts, the prepare script of a git dependency the project
  // has not allowed; the key is the git URL, as the install docs say.
  const project = freshProject("from-git", { allowScripts: { [`git+file://${repo}`]: true } });
  const started = performance.now();
  const result = await npmAsConsumer(["install", `git+file://${repo}`, "--strict-allow-scripts", "--prefer-offline", "--no-audit", "--no-fund"], project);
  return { project, output: `${result.stdout}${result.stderr}`, seconds: (performance.now() - started) / 1000 };
})();
fromGit.catch(() => {});

beforeAll(async () => {
  const installing = Promise.all(MAJORS.map(async (major) => (nodes[major] = await ensureNode(Number(major), { log: () => {} }))));
  const info = await packTarball({ out: work });
  tarball = info.path;
  packed = info.files;
  await installing;
}, 180_000);

afterAll(async () => {
  await fromGit.catch(() => {});
  rmSync(work, { recursive: true, force: true });
}, 300_000);

describe("the tarball", () => {
  it("holds the built client, its types, the mock, the bundled description and the licence, and nothing else", () => {
    const paths = packed.map((file) => file.path);
    for (const needed of [
      "package.json",
      "README.md",
      "CHANGELOG.md",
      "LICENSE",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/schema.js",
      "dist/src/schema.d.ts",
      "dist/src/failure.js",
      "dist/generated/schema.d.ts",
      "dist/generated/error-codes.js",
      "generated/openapi.yaml",
      "mocks/index.js",
      "dist/mocks/index.d.ts",
      "mocks/sandbox.js",
      "dist/mocks/sandbox.d.ts",
    ]) {
      expect(paths, needed).toContain(needed);
    }
    const allowed =
      /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/(src|generated)\/[\w-]+\.(js|d\.ts)|dist\/mocks\/([\w-]+\/)*[\w-]+\.d\.ts|generated\/openapi\.yaml|mocks\/([\w-]+\/)*[\w-]+\.js|mocks\/seeds\/example\.json)$/;
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
  let installOutput: string;
  beforeAll(async () => {
    project = freshProject("consumer");
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          types: [],
          skipLibCheck: false,
          outDir: "out",
        },
        include: ["consumer.ts"],
      }),
    );
    writeFileSync(join(project, "consumer.ts"), CONSUMER);
    const installed = await npmAsConsumer(["install", tarball, "--strict-allow-scripts", "--prefer-offline", "--no-audit", "--no-fund"], project);
    installOutput = `${installed.stdout}${installed.stderr}`;
  }, 120_000);

  it("installs under --strict-allow-scripts with no warning: the packed manifest has no install script", () => {
    expect(npmWarnings(installOutput)).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(project, "node_modules", PACKAGE, "package.json"), "utf8"));
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
    // The repository's own manifest keeps `prepare`: a git install needs it.
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.prepare).toBe("npm run build");
  });

  it("exports its package.json (import with a JSON attribute, and require)", async () => {
    const script = `import manifest from "${PACKAGE}/package.json" with { type: "json" };
import { createRequire } from "node:module";
console.log(JSON.stringify([manifest.version, createRequire(import.meta.url)("${PACKAGE}/package.json").version]));`;
    writeFileSync(join(project, "manifest.mjs"), script);
    const { stdout } = await run(nodes["22"]!, ["manifest.mjs"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual([VERSION, VERSION]);
  });

  it("type-checks under strict with module and moduleResolution NodeNext", async () => {
    const result = await run(bin("tsc"), ["-p", project], quiet).catch((error) => error);
    expect(result.stdout ?? "").toBe("");
    expect(result.code ?? 0).toBe(0);
  });

  it.each(MAJORS)("runs on Node %s: verifies through an injected fetch and reports typed errors", async (major) => {
    const { stdout } = await run(nodes[major]!, [join(project, "out/consumer.js")], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      node: expect.stringMatching(new RegExp(`^v${major}\\.`)),
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

describe("published to a registry, then installed by name with Prism", () => {
  let registry: LocalRegistry;
  let project: string;
  let publishOutput: string;
  let dryRun: { stdout: string; stderr: string };
  beforeAll(async () => {
    const { stdout: upstream } = await run("npm", ["config", "get", "registry"], quiet);
    registry = await startLocalRegistry(PACKAGE, upstream.trim());
    // What a maintainer runs first; against the local registry, so that it needs no npm login.
    dryRun = await run("npm", ["publish", tarball, "--dry-run", "--json", ...registry.npmArgs], quiet);
    // The tarball tested above, as `npm publish` uploads it.
    const published = await run("npm", ["publish", tarball, "--ignore-scripts", ...registry.npmArgs], quiet);
    publishOutput = `${published.stdout}${published.stderr}`;
    // Prism 5.14 pulls in @scarf/scarf, whose postinstall reports the install to its vendor: the
    // consumer denies it (what the install docs say), and --strict-allow-scripts is then satisfied.
    project = freshProject("from-registry", { allowScripts: { "@scarf/scarf": false } });
    writeFileSync(join(project, "mock-consumer.mjs"), MOCK_CONSUMER);
    writeFileSync(join(project, "msw-consumer.mjs"), MSW_CONSUMER);
    // MSW too, as docs/msw.md installs it: the optional peer of vlens-digital-identity/msw.
    await npmAsConsumer(
      ["install", PACKAGE, "@stoplight/prism-cli@5.14.x", "msw@^3.0.5", "--strict-allow-scripts", "--prefer-offline", "--no-audit", "--no-fund", ...registry.npmArgs],
      project,
    );
  }, 180_000);
  afterAll(() => registry?.close());

  it("npm publish --dry-run is clean (no warning) and lists exactly the tested tarball's files", () => {
    const { stdout, stderr } = dryRun;
    expect(stderr.split("\n").filter((line) => /^npm (warn|error)/i.test(line))).toEqual([]);
    const listed = (JSON.parse(stdout)[PACKAGE] ?? JSON.parse(stdout)).files.map((file: { path: string }) => file.path).sort();
    expect(listed).toEqual(packed.map((file) => file.path).sort());
    expect(publishOutput).toContain(`+ ${PACKAGE}@${VERSION}`);
  });

  it("installs by name from the registry, with Prism 5.14 next to it", () => {
    expect(registry.served).toContain(`PUT /${PACKAGE}`);
    expect(registry.served).toContain(`GET /${PACKAGE}`);
    // (The tarball itself may come from npm's cache: the tarball project installed the same bytes.)
    const manifest = (name: string) => JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8"));
    expect(manifest(PACKAGE).version).toBe(VERSION);
    expect(manifest("@stoplight/prism-cli").version).toMatch(/^5\.14\./);
    // The bytes installed are the tarball tested above.
    const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8"));
    expect(lock.packages[`node_modules/${PACKAGE}`].integrity).toBe(`sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`);
  });

  it.each(MAJORS)(
    "on Node %s, the client verifies an identity against the mock the package ships",
    async (major) => {
      const { stdout, stderr } = await run(nodes[major]!, ["mock-consumer.mjs"], { cwd: project });
      expect(JSON.parse(stdout)).toEqual({
        node: expect.stringMatching(new RegExp(`^v${major}\\.`)),
        prism: expect.stringMatching(/^5\.14\./),
        status: "verified",
        transactionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        refused: 401,
      });
      expect(stderr.split("\n").filter((line) => line && !/DeprecationWarning|--trace-deprecation/.test(line))).toEqual([]);
    },
    60_000,
  );

  it.each(MAJORS)(
    "with MSW installed beside it, on Node %s MSW's setupServer serves the sandbox the package ships",
    async (major) => {
      const { stdout, stderr } = await run(nodes[major]!, ["msw-consumer.mjs"], { cwd: project });
      expect(JSON.parse(stdout)).toEqual({ msw: expect.stringMatching(/^3\./), status: "verified", spoof: "rejected", journal: 2 });
      expect(stderr.split("\n").filter((line) => line && !/DeprecationWarning|--trace-deprecation|ExperimentalWarning/.test(line))).toEqual([]);
    },
    60_000,
  );
});

describe("installed from git (npm install git+<url>)", () => {
  it("builds dist/ with the prepare script, allowed by the consumer's allowScripts entry, under --strict-allow-scripts, and the installed package works", async () => {
    const { project, output } = await fromGit;
    const installed = join(project, "node_modules", PACKAGE);
    for (const file of ["dist/src/index.js", "dist/src/index.d.ts", "dist/generated/error-codes.js", "generated/openapi.yaml", "mocks/cli.js", "LICENSE"]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    // What npm packed from the clone follows package.json "files": no sources, no tests.
    expect(existsSync(join(installed, "src"))).toBe(false);
    expect(existsSync(join(installed, "test"))).toBe(false);
    expect(npmWarnings(output)).toEqual([]);
    // The consumer compiled in the tarball project, run against the git install.
    cpSync(join(work, "consumer", "out"), join(project, "out"), { recursive: true });
    const { stdout } = await run(process.execPath, [join(project, "out/consumer.js")], { cwd: project });
    expect(JSON.parse(stdout)).toMatchObject({ status: "verified", errorName: "VlensApiError", errorCode: 3011 });
  }, 300_000);
});

// What a test suite of a user writes: the mock the package ships, the client against it.
const MOCK_CONSUMER = `
import { createVlensClient, VlensApiError } from "vlens-digital-identity";
import { startMock } from "vlens-digital-identity/mock";
import { createRequire } from "node:module";

const image = (seed) => Buffer.from(Array.from({ length: 64 }, (_, index) => (index < 2 ? [0xff, 0xd8][index] : (seed * 31 + index * 7) % 256))).toString("base64");
const mock = await startMock({ port: 0 });
try {
  const vlens = createVlensClient({ baseUrl: mock.url, apiKey: "consumer-key", accessToken: "header.payload.signature" });
  const result = await vlens.verifyIdentity({ idFront: image(1), idBack: image(2), faces: [image(3), image(4), image(5)] });
  const refused = await vlens
    .scanIdFront({ image: image(1) }, { scenario: { code: 401, example: "unauthorized" } })
    .catch((error) => (error instanceof VlensApiError ? error.status : String(error)));
  const prism = createRequire(import.meta.url)("@stoplight/prism-cli/package.json").version;
  console.log(JSON.stringify({ node: process.version, prism, status: result.status, transactionId: result.transactionId, refused }));
} finally {
  await mock.stop();
}
`;

// What a test process of a user writes with MSW (docs/msw.md): no server, the app's own base URL.
const MSW_CONSUMER = `
import { setupServer } from "msw/node";
import { createVlensClient } from "vlens-digital-identity";
import { vlensSandbox } from "vlens-digital-identity/msw";
import { createRequire } from "node:module";

const jpeg = (seed) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed]);
const sandbox = vlensSandbox();
const server = setupServer(...sandbox.handlers);
server.listen({ onUnhandledRequest: "error" });
try {
  const vlens = createVlensClient({ apiKey: "msw-consumer", accessToken: "header.payload.signature" });
  const images = { idFront: jpeg(1), idBack: jpeg(2), faces: [jpeg(3), jpeg(4), jpeg(5)] };
  const verified = await vlens.verifyIdentity(images);
  await sandbox.control("msw-consumer").queueOutcome({ operationId: "verifyLiveness", scenario: "spoofDetected" });
  const spoofed = await vlens.verifyIdentity(images);
  const journal = (await sandbox.control("msw-consumer").requests({ operationId: "verifyLiveness" })).requests.length;
  const msw = createRequire(import.meta.url)("msw/package.json").version;
  console.log(JSON.stringify({ msw, status: verified.status, spoof: spoofed.status, journal }));
} finally {
  server.close();
  sandbox.close();
}
`;

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
  // No Node types in this project (types: []): the consumer code is runtime-neutral.
  node: (globalThis as { process?: { version: string } }).process?.version,
  status: outcome.status,
  transactionId: outcome.transactionId,
  errorName: error.name,
  errorCode: error.errorCode,
  userMessage: error.entry?.userMessage,
  catalogueSize: Object.keys(errorCodes).length,
  prefer: scenarioHeaders("verifyIdFront", { code: 401, example: "tokenExpired" }).Prefer,
}));
`;
