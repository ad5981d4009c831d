// The mock without Node: `npm run build:binary` (a Node single executable holding the mock, Prism and
// the description) and `npm run build:image` (an OCI image of that binary). Built once here, then run
// as a user without Node would: from an empty folder with no node on PATH, and in Podman.
import { execFile } from "node:child_process";
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listOperations, loadBundle } from "../scripts/lib/description.mjs";
import { BINARY_PATH, LICENCES_PATH, RUNTIME_MAJOR, buildBinary } from "../scripts/build/binary.mjs";
import { IMAGE_NAME, IMAGE_PATH, IMAGE_PORT, IMAGE_USER, buildImage } from "../scripts/build/image.mjs";
import { createPodman, hasPodman } from "../scripts/build/podman.mjs";
import { NODE_VERSIONS } from "../scripts/ensure-node.mjs";
import { operation, send, validRequest } from "./mock-process.js";
import { healthy, runWholeFlow, start, type Started } from "./ship-process.js";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
const documentedTransactions = listOperations(loadBundle()).reduce((sum: number, { operation: op }: { operation: { responses: object } }) => sum + Object.keys(op.responses).length, 0);

// A user without Node: an empty folder, nothing on PATH.
const empty = mkdtempSync(join(tmpdir(), "vlens-binary-user-"));
const bareEnv = { PATH: "/nonexistent", HOME: empty };
let built: Awaited<ReturnType<typeof buildBinary>>;
let image: Promise<Awaited<ReturnType<typeof buildImage>>> | undefined;

beforeAll(async () => {
  built = await buildBinary({ log: () => {} });
  // The image is made from the binary: start it now, alongside the binary's own checks.
  if (hasPodman()) {
    image = buildImage();
    image.catch(() => {});
  }
}, 180_000);
// The image build runs in the background: let it finish (and remove its Podman store) even when the
// image tests are filtered out or fail.
afterAll(async () => {
  await image?.catch(() => {});
  rmSync(empty, { recursive: true, force: true });
}, 180_000);

async function contractMock(url: string) {
  const result = await run(process.execPath, ["scripts/contract/mock.mjs", "--url", url], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).catch((error) => error);
  return { code: result.code ?? 0, output: `${result.stdout}${result.stderr}` };
}

async function checkContract(url: string) {
  const { code, output } = await contractMock(url);
  expect(output).toContain(`Dredd: ${documentedTransactions} passed, 0 failed, 0 skipped (0 with a reason), ${documentedTransactions} transactions in `);
  expect(output).toContain("Respect: 3 passed, 0 failed, 0 skipped, 3 workflows in ");
  expect(code, output).toBe(0);
}

describe("npm run build:binary", () => {
  let mock: Started;
  let url: string;
  beforeAll(async () => {
    mock = start(BINARY_PATH, ["--port", "0"], { cwd: empty, env: bareEnv });
    url = (await mock.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  });
  afterAll(() => mock?.stop("SIGKILL"));

  it(`is one Linux x64 executable of Node ${RUNTIME_MAJOR}, with the licences of everything inside next to it`, async () => {
    accessSync(BINARY_PATH, constants.X_OK);
    // ELF header: magic, 64-bit class, little-endian, machine x86-64 (0x3e).
    const header = Buffer.alloc(20);
    const fd = openSync(BINARY_PATH, "r");
    readSync(fd, header, 0, 20, 0);
    closeSync(fd);
    expect([header.subarray(0, 4).toString("latin1"), header[4], header[5], header.readUInt16LE(18)]).toEqual(["\x7fELF", 2, 1, 0x3e]);
    const licences = readFileSync(LICENCES_PATH, "utf8");
    expect(licences).toContain("Permission is hereby granted, free of charge");
    expect(licences).toContain(`Node.js ${NODE_VERSIONS[RUNTIME_MAJOR]}`);
    for (const pkg of ["@stoplight/prism-cli", "@stoplight/prism-http", "ajv", "fp-ts", "jsonc-parser", "lodash"]) expect(licences).toMatch(new RegExp(`^${pkg}@\\d`, "m"));
    // Each bundled package has a section with its licence text or, where it ships none, its declared licence.
    const sections = licences.split(/\n-{78}\n/).slice(3);
    expect(sections.length).toBeGreaterThan(50);
    for (const section of sections) expect(section).toMatch(/^\n[^\n]+@\d[^\n]* \([^)]+\)\n\n\S/);
  });

  it("starts on a free port with no Node and no files around it, is ready by its health probe, and answers a capture call", async () => {
    expect(mock.output()).toMatch(/^Vlens Digital Identity mock, sandbox \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    await healthy(url);
    const answer = await send(url, validRequest(operation("verifyIdFront")));
    expect(answer.status).toBe(200);
    expect(answer.body.data.idFrontData.idNumber).toEqual(expect.any(String));
    await mock.waitFor(/^POST \/api\/DigitalIdentity\/verify\/id\/front 200 extracted \d+\.\dms$/m, 5000);
    // Nothing printed on stderr: no SEA warning, no deprecation warning, no missing optional module.
    expect(mock.output()).not.toContain("stderr:");
  });

  it("serves a whole flow: registration, login, front, back, liveness, link, images", async () => {
    await runWholeFlow(url);
  });

  // Every documented transaction and three workflows: about 20 s on an idle machine, more on a busy one.
  it("passes contract:mock (Dredd and the Arazzo workflows) pointed at it", async () => {
    await checkContract(url);
  }, 180_000);

  it("stops on SIGTERM with exit code 0 and frees its port", async () => {
    const { code, signal } = await mock.stop("SIGTERM");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe.skipIf(!hasPodman())("npm run build:image (Podman)", () => {
  let work = "";
  let podman: ReturnType<typeof createPodman>;
  let container = "";
  let url = "";

  // A Podman store of its own, made here rather than when the file is collected, so that a run
  // that filters these tests out leaves nothing behind.
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "vlens-image-test-"));
    podman = createPodman(join(work, "podman"));
    await image;
    await podman(["load", "--quiet", "--input", IMAGE_PATH]);
  }, 180_000);
  afterAll(async () => {
    await podman?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("is an OCI archive whose image runs the binary as an unprivileged user, with no argument, on port 4010", async () => {
    const index = JSON.parse((await run("tar", ["-xOf", IMAGE_PATH, "index.json"])).stdout);
    expect(index.manifests.map((manifest: any) => manifest.annotations["org.opencontainers.image.ref.name"])).toEqual([IMAGE_NAME]);
    const config = JSON.parse(await podman(["image", "inspect", "--format", "{{json .Config}}", IMAGE_NAME]));
    expect(config.User).toBe(`${IMAGE_USER.uid}:${IMAGE_USER.uid}`);
    expect(config.ExposedPorts).toEqual({ [`${IMAGE_PORT}/tcp`]: {} });
    expect(config.StopSignal).toBe("SIGTERM");
    expect(config.Cmd ?? []).toEqual([]);
    expect(Number(await podman(["image", "inspect", "--format", "{{len .RootFS.Layers}}", IMAGE_NAME]))).toBe(1);
  });

  it("runs with no argument, is reached through the published port, and serves the flow and the contract", async () => {
    container = (await podman(["run", "--detach", "--publish", `127.0.0.1::${IMAGE_PORT}`, IMAGE_NAME])).trim();
    const hostPort = (await podman(["port", container, String(IMAGE_PORT)])).trim();
    url = `http://${hostPort}`;
    // The readiness probe the README's CI recipes use.
    await healthy(url);
    // Not root: the process's real and effective uid, read from the host's /proc.
    const pid = (await podman(["inspect", "--format", "{{.State.Pid}}", container])).trim();
    expect(/^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.slice(1)).toEqual([String(IMAGE_USER.uid), String(IMAGE_USER.uid)]);
    expect((await podman(["top", container, "user"])).trim().split("\n").slice(1)).toEqual([IMAGE_USER.name]);
    await runWholeFlow(url);
    await checkContract(url);
    expect(await podman(["logs", container])).toMatch(/^GET \/__vlens\/health 200 /m);
    expect(await podman(["logs", container])).toMatch(/^POST \/api\/DigitalIdentity\/verify\/liveness\/multi 200 documented /m);
  }, 240_000);

  it("stops on SIGTERM (podman stop) with exit code 0, well before the kill timeout", async () => {
    const started = Date.now();
    await podman(["stop", "--time", "20", container]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await podman(["inspect", "--format", "{{.State.ExitCode}}", container])).trim()).toBe("0");
    await podman(["rm", container]);
  }, 60_000);
});
