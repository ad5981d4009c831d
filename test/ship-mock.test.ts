// The mock without Node: `npm run build:binary` (Node single executables for x64 and arm64 holding
// the mock, Prism and the description) and `npm run build:image` (one image of both, a manifest list).
// Built once here, then run as a user without Node would: from an empty folder with no node on PATH,
// in Podman with the commands docs/without-node.md gives, and the arm64 one under user-mode emulation.
import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, loadBundle } from '../scripts/lib/description.mjs';
import { BINARY_PATH, LICENCES_PATH, RUNTIME_MAJOR, binaryPath, buildBinary } from '../scripts/build/binary.mjs';
import { BINARY_IN_IMAGE, HEALTHCHECK, IMAGE_NAME, IMAGE_PATH, IMAGE_PORT, IMAGE_USER, buildImage } from '../scripts/build/image.mjs';
import { createPodman, hasPodman, restrictedLimits } from '../scripts/build/podman.mjs';
import { NODE_VERSIONS } from '../scripts/ensure-node.mjs';
import { operation, send, validRequest } from './mock-process.js';
import { healthy, runWholeFlow, start, type Started } from './ship-process.js';
import * as dashboard from '../mocks/ui/assets.js';

/** The dashboard's page and script, byte for byte what the package serves (mocks/ui/assets.js), with its policy. */
async function expectDashboard(url: string) {
  const page = await fetch(`${url}/__vlens/ui`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
  expect(await page.text()).toBe(dashboard.html);
  const script = await fetch(`${url}/__vlens/ui/app.js`);
  expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(await script.text()).toBe(dashboard.script);
}

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const documentedTransactions = listOperations(loadBundle()).reduce(
  (sum: number, { operation: op }: { operation: { responses: object } }) => sum + Object.keys(op.responses).length,
  0,
);

// A user without Node: an empty folder, nothing on PATH.
const empty = mkdtempSync(join(tmpdir(), 'vlens-binary-user-'));
// NODE_OPTIONS that stop a plain Node at start (the --require) or starve it (the heap): the binary ignores it.
const hostileNodeOptions = '--require /nonexistent/preload.cjs --max-old-space-size=8';
const bareEnv = { PATH: '/nonexistent', HOME: empty, NODE_OPTIONS: hostileNodeOptions };
const QEMU = ['/usr/bin/qemu-aarch64-static', '/usr/local/bin/qemu-aarch64-static'].find((path) => existsSync(path));
let image: Promise<Awaited<ReturnType<typeof buildImage>>> | undefined;

beforeAll(async () => {
  // One after the other: both are CPU-bound, and they share the licence file.
  for (const arch of ['x64', 'arm64'] as const) await buildBinary({ arch, log: () => {} });
  // The image is made from the binaries: start it now, alongside the binaries' own checks.
  if (hasPodman()) {
    image = buildImage();
    image.catch(() => {});
  }
}, 240_000);
// The image build runs in the background: let it finish (and remove its Podman store) even when the
// image tests are filtered out or fail.
afterAll(async () => {
  await image?.catch(() => {});
  rmSync(empty, { recursive: true, force: true });
}, 180_000);

async function contractMock(url: string) {
  const result = await run(process.execPath, ['scripts/contract/mock.mjs', '--url', url], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).catch((error) => error);
  return { code: result.code ?? 0, output: `${result.stdout}${result.stderr}` };
}

async function checkContract(url: string) {
  const { code, output } = await contractMock(url);
  expect(output).toContain(`Dredd: ${documentedTransactions} passed, 0 failed, 0 skipped (0 with a reason), ${documentedTransactions} transactions in `);
  expect(output).toContain('Respect: 3 passed, 0 failed, 0 skipped, 3 workflows in ');
  expect(code, output).toBe(0);
}

describe('npm run build:binary', () => {
  let mock: Started;
  let url: string;
  beforeAll(async () => {
    mock = start(BINARY_PATH, ['--port', '0'], { cwd: empty, env: bareEnv });
    url = (await mock.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  });
  afterAll(() => mock?.stop('SIGKILL'));

  it(`is one Linux x64 executable of Node ${RUNTIME_MAJOR}, with the licences of everything inside next to it`, async () => {
    accessSync(BINARY_PATH, constants.X_OK);
    // ELF header: magic, 64-bit class, little-endian, machine x86-64 (0x3e).
    const header = Buffer.alloc(20);
    const fd = openSync(BINARY_PATH, 'r');
    readSync(fd, header, 0, 20, 0);
    closeSync(fd);
    expect([header.subarray(0, 4).toString('latin1'), header[4], header[5], header.readUInt16LE(18)]).toEqual(['\x7fELF', 2, 1, 0x3e]);
    const licences = readFileSync(LICENCES_PATH, 'utf8');
    expect(licences).toContain('Permission is hereby granted, free of charge');
    expect(licences).toContain(`Node.js ${NODE_VERSIONS[RUNTIME_MAJOR]}`);
    for (const pkg of ['@stoplight/prism-cli', '@stoplight/prism-http', 'ajv', 'fp-ts', 'jsonc-parser', 'lodash']) expect(licences).toMatch(new RegExp(`^${pkg}@\\d`, 'm'));
    // Each bundled package has a section with its licence text or, where it ships none, its declared licence.
    const sections = licences.split(/\n-{78}\n/).slice(3);
    expect(sections.length).toBeGreaterThan(50);
    for (const section of sections) expect(section).toMatch(/^\n[^\n]+@\d[^\n]* \([^)]+\)\n\n\S/);
  });

  it('starts on a free port with no Node, no files around it and a NODE_OPTIONS that stops a plain Node, is ready by its health probe, and answers a capture call', async () => {
    // The same NODE_OPTIONS stops the Node the binary is made of: the test would notice a binary that obeyed it.
    const plain = await run(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: hostileNodeOptions } }).catch((error) => error);
    expect(plain.code).not.toBe(0);
    expect(mock.output()).toMatch(/^Vlens Digital Identity mock, sandbox \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    await healthy(url);
    const answer = await send(url, validRequest(operation('verifyIdFront')));
    expect(answer.status).toBe(200);
    expect(answer.body.data.idFrontData.idNumber).toEqual(expect.any(String));
    await mock.waitFor(/^POST \/api\/DigitalIdentity\/verify\/id\/front 200 extracted \d+\.\dms$/m, 5000);
    // Nothing printed on stderr: no SEA warning, no deprecation warning, no missing optional module.
    expect(mock.output()).not.toContain('stderr:');
  });

  it('serves a whole flow: registration, login, front, back, liveness, link, images; and the dashboard', async () => {
    await runWholeFlow(url);
    await expectDashboard(url);
  });

  it('`vlens-mock health` exits 0 against it, and 1 with a one-line reason where nothing answers or the answer is not 200', async () => {
    const probe = (args: string[]) =>
      run(BINARY_PATH, ['health', ...args], { cwd: empty, env: bareEnv }).then(
        ({ stderr }) => ({ code: 0, stderr }),
        (error) => ({ code: error.code as number, stderr: error.stderr as string }),
      );
    expect(await probe(['--url', url])).toEqual({ code: 0, stderr: '' });
    // No package.json beside it: the bundle carries its version.
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect((await run(BINARY_PATH, ['--version'], { cwd: empty, env: bareEnv })).stdout).toBe(`${version}\n`);
    // PORT names the port when --url is absent, as in the image.
    expect((await run(BINARY_PATH, ['health'], { cwd: empty, env: { ...bareEnv, PORT: new URL(url).port } }).catch((error) => error)).code ?? 0).toBe(0);
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const closed = await probe(['--url', `http://127.0.0.1:${port}`]);
    expect(closed).toEqual({ code: 1, stderr: `vlens-mock: health: http://127.0.0.1:${port}/__vlens/health is not reachable: ECONNREFUSED\n` });
    const notFound = await probe(['--url', `${url}/api`]);
    expect(notFound).toEqual({ code: 1, stderr: `vlens-mock: health: ${url}/api/__vlens/health answered HTTP 404\n` });
  });

  // Every documented transaction and three workflows: about 20 s on an idle machine, more on a busy one.
  it('passes contract:mock (Dredd and the Arazzo workflows) pointed at it', async () => {
    await checkContract(url);
  }, 180_000);

  it('stops on SIGTERM with exit code 0 and frees its port', async () => {
    const { code, signal } = await mock.stop('SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    await expect(fetch(url)).rejects.toThrow();
  });
});

/** The image's layer for `architecture`, unpacked into `dir` (the archive is an OCI layout of a Docker manifest list). */
async function unpackImage(architecture: string, dir: string) {
  const blob = async (digest: string) => (await run('tar', ['-xOf', IMAGE_PATH, `blobs/${digest.replace(':', '/')}`], { maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' })).stdout;
  const index = JSON.parse(String(await blob(JSON.parse((await run('tar', ['-xOf', IMAGE_PATH, 'index.json'])).stdout).manifests[0].digest)));
  const entry = index.manifests.find((manifest: any) => manifest.platform.architecture === architecture);
  const manifest = JSON.parse(String(await blob(entry.digest)));
  mkdirSync(dir, { recursive: true });
  for (const layer of manifest.layers) {
    writeFileSync(join(dir, '..', 'layer.tar.gz'), await blob(layer.digest));
    await run('tar', ['-xzf', join(dir, '..', 'layer.tar.gz'), '-C', dir]);
  }
  return { index, manifest };
}

// No arm64 machine here: the arm64 image's own files (binary, loader, libraries), run by qemu's
// user-mode emulator with the image's root as its library prefix. Emulated, it takes a few seconds
// more to start.
describe.skipIf(!hasPodman() || !QEMU)(`the arm64 image's binary under ${QEMU ?? 'qemu-aarch64-static (not installed: apt-get install qemu-user-static)'}`, () => {
  let rootfs = '';
  let mock: Started;
  let url = '';
  beforeAll(async () => {
    await image;
    rootfs = join(mkdtempSync(join(tmpdir(), 'vlens-arm64-')), 'rootfs');
    await unpackImage('arm64', rootfs);
    mock = start(QEMU!, ['-L', rootfs, join(rootfs, BINARY_IN_IMAGE), '--port', '0'], { cwd: empty, env: bareEnv });
    url = (await mock.waitFor(/listening on (http:\/\/\S+)/, 150_000))[1]!;
  }, 300_000);
  afterAll(() => {
    mock?.stop('SIGKILL');
    if (rootfs) rmSync(join(rootfs, '..'), { recursive: true, force: true });
  });

  it("is the arm64 binary built (an AArch64 ELF, the loader and libraries beside it from Debian's arm64 packages)", () => {
    const binary = readFileSync(join(rootfs, BINARY_IN_IMAGE));
    expect(binary.equals(readFileSync(binaryPath('arm64')))).toBe(true);
    // ELF machine 0xb7: AArch64.
    expect(binary.readUInt16LE(18)).toBe(0xb7);
    for (const file of ['lib/ld-linux-aarch64.so.1', 'lib/aarch64-linux-gnu/libc.so.6', 'lib/aarch64-linux-gnu/libstdc++.so.6', 'licenses/debian/libc6/copyright'])
      expect(existsSync(join(rootfs, file)), file).toBe(true);
  });

  it('starts with the hostile NODE_OPTIONS, answers its health probe, a capture call, and stops on SIGTERM', async () => {
    expect(mock.output()).toMatch(/^Vlens Digital Identity mock, sandbox \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    await healthy(url, 60_000);
    const probe = await run(QEMU!, ['-L', rootfs, join(rootfs, BINARY_IN_IMAGE), 'health', '--url', url], { env: bareEnv }).catch((error) => error);
    expect(probe.code ?? 0).toBe(0);
    const answer = await send(url, validRequest(operation('verifyIdFront')));
    expect(answer.status).toBe(200);
    expect(answer.body.data.idFrontData.idNumber).toEqual(expect.any(String));
    expect(await mock.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 120_000);
});

describe.skipIf(!hasPodman())('npm run build:image (Podman)', () => {
  let work = '';
  let podman: ReturnType<typeof createPodman>;
  let container = '';
  let url = '';
  const documented = readFileSync(join(ROOT, 'docs', 'without-node.md'), 'utf8');
  const documentedRuns = [...documented.matchAll(/^podman run .*$/gm)].map((match) => match[0]);

  // A Podman store of its own, made here rather than when the file is collected, so that a run
  // that filters these tests out leaves nothing behind. It sets no container limits: the documented
  // commands run as a user's would.
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vlens-image-test-'));
    podman = createPodman(join(work, 'podman'), { ulimits: false });
    await image;
    await podman(['load', '--quiet', '--input', IMAGE_PATH]);
  }, 240_000);
  afterAll(async () => {
    await podman?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  /** A documented `podman run` line, through sh (for its `$(ulimit -Hn)`), detached and on a free port. */
  const runDocumented = async (line: string) => {
    expect(line).toContain('-p 4010:4010');
    const command = line.replace(/^podman run /, `podman ${podman.storageArgs.join(' ')} run --detach `).replace('-p 4010:4010', '-p 127.0.0.1::4010');
    return run('sh', ['-c', command], { env: podman.env }).then(
      ({ stdout }) => ({ id: stdout.trim(), error: '' }),
      (error) => ({ id: '', error: String(error.stderr) }),
    );
  };

  it('is an image index of linux/amd64 and linux/arm64 whose images run the binary as an unprivileged user on [::]:4010, with a HEALTHCHECK', async () => {
    const index = JSON.parse((await run('tar', ['-xOf', IMAGE_PATH, 'index.json'])).stdout);
    expect(index.manifests.map((manifest: any) => manifest.annotations['org.opencontainers.image.ref.name'])).toEqual([IMAGE_NAME]);
    const list = JSON.parse((await run('tar', ['-xOf', IMAGE_PATH, `blobs/${index.manifests[0].digest.replace(':', '/')}`])).stdout);
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(list.manifests.map((manifest: any) => `${manifest.platform.os}/${manifest.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    const config = JSON.parse(await podman(['image', 'inspect', '--format', '{{json .Config}}', IMAGE_NAME]));
    // Podman shows the Docker-format health check beside the configuration, not in it.
    const healthcheck = JSON.parse(await podman(['image', 'inspect', '--format', '{{json .HealthCheck}}', IMAGE_NAME]));
    expect(config.User).toBe(`${IMAGE_USER.uid}:${IMAGE_USER.uid}`);
    expect(config.ExposedPorts).toEqual({ [`${IMAGE_PORT}/tcp`]: {} });
    expect(config.StopSignal).toBe('SIGTERM');
    expect(config.Entrypoint).toEqual([BINARY_IN_IMAGE, '--host', '::']);
    expect(config.Cmd ?? []).toEqual([]);
    expect(healthcheck).toEqual({ Test: ['CMD', ...HEALTHCHECK.command], Interval: 10e9, Timeout: 5e9, StartPeriod: 30e9, Retries: 3 });
    expect(Number(await podman(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', IMAGE_NAME]))).toBe(1);
  });

  it("docs/without-node.md's `podman run` commands: the plain one fails only where the host's limits are restricted, the one for such hosts serves", async () => {
    expect(documentedRuns).toEqual([`podman run --rm -p 4010:4010 ${IMAGE_NAME}`, `podman run --rm -p 4010:4010 --ulimit nofile=$(ulimit -Hn) --ulimit nproc=4096 ${IMAGE_NAME}`]);
    const plain = await runDocumented(documentedRuns[0]!);
    if (restrictedLimits()) {
      expect(plain.error).toMatch(/error setting rlimit type \d: operation not permitted/);
    } else {
      expect(plain.error).toBe('');
      await podman(['rm', '--force', plain.id]);
    }
    const restricted = await runDocumented(documentedRuns[1]!);
    expect(restricted.error).toBe('');
    container = restricted.id;
    url = `http://${(await podman(['port', container, String(IMAGE_PORT)])).trim()}`;
    await healthy(url);
  }, 60_000);

  it('serves the flow, the contract and the dashboard through the published port, not as root', async () => {
    const pid = (await podman(['inspect', '--format', '{{.State.Pid}}', container])).trim();
    expect(/^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.slice(1)).toEqual([String(IMAGE_USER.uid), String(IMAGE_USER.uid)]);
    expect((await podman(['top', container, 'user'])).trim().split('\n').slice(1)).toEqual([IMAGE_USER.name]);
    await runWholeFlow(url);
    await checkContract(url);
    await expectDashboard(url);
    expect(await podman(['logs', container])).toMatch(/^GET \/__vlens\/health 200 /m);
    expect(await podman(['logs', container])).toMatch(/^POST \/api\/DigitalIdentity\/verify\/liveness\/multi 200 documented /m);
  }, 240_000);

  it('listens on IPv6 and IPv4 inside the container, and its HEALTHCHECK reports healthy', async () => {
    expect(await podman(['logs', container])).toMatch(
      /^Vlens Digital Identity mock, sandbox \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:4010 \(on every interface, IPv6 and IPv4, ::, port 4010\)$/m,
    );
    for (const target of ['http://[::1]:4010', 'http://127.0.0.1:4010']) {
      await podman(['exec', container, BINARY_IN_IMAGE, 'health', '--url', target]);
    }
    const refused = await podman(['exec', container, BINARY_IN_IMAGE, 'health', '--url', 'http://[::1]:4011']).catch((error) => error);
    expect(refused.message).toContain('vlens-mock: health: http://[::1]:4011/__vlens/health is not reachable: ECONNREFUSED');
    await podman(['healthcheck', 'run', container]);
    expect((await podman(['inspect', '--format', '{{.State.Health.Status}}', container])).trim()).toBe('healthy');
  }, 60_000);

  it('falls back to 0.0.0.0, and says so, where the container has no IPv6 (socket(AF_INET6) refused with EAFNOSUPPORT)', async () => {
    const profile = join(work, 'no-ipv6.json');
    // Everything allowed but IPv6 sockets, refused as by a kernel without IPv6 (errno 97, EAFNOSUPPORT).
    writeFileSync(
      profile,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 10, op: 'SCMP_CMP_EQ' }] }],
      }),
    );
    const ipv4 = (
      await podman([
        'run',
        '--detach',
        '--ulimit',
        'nofile=4096:4096',
        '--ulimit',
        'nproc=4096:4096',
        '--security-opt',
        `seccomp=${profile}`,
        '--publish',
        `127.0.0.1::${IMAGE_PORT}`,
        IMAGE_NAME,
      ])
    ).trim();
    try {
      await healthy(`http://${(await podman(['port', ipv4, String(IMAGE_PORT)])).trim()}`);
      expect(await podman(['logs', ipv4])).toMatch(
        /listening on http:\/\/127\.0\.0\.1:4010 \(on every interface, 0\.0\.0\.0, port 4010; IPv4 only: IPv6 is not available here, so :: fell back to 0\.0\.0\.0\)$/m,
      );
      await podman(['healthcheck', 'run', ipv4]);
    } finally {
      await podman(['rm', '--force', '--time', '0', ipv4]);
    }
  }, 60_000);

  it('stops on SIGTERM (podman stop) with exit code 0, well before the kill timeout', async () => {
    // The documented command has --rm: the exit code is read by `podman wait` before the container goes.
    const exitCode = podman(['wait', container]);
    const started = Date.now();
    await podman(['stop', '--time', '20', container]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await exitCode).trim()).toBe('0');
  }, 60_000);
});
