// `npm start`, the vlens-mock bin and the ./mock entry as a consumer gets them: from the packed
// tarball, with Prism installed next to it, and without Prism.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SECRETS, operation, send, startMockProcess, validRequest } from './mock-process.js';

const INSTALL_HINT = 'npm install --save-dev @stoplight/prism-cli@5.14.x';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('vlens-mock (node mocks/cli.js)', () => {
  it('prints the URL, every operation and how to pick a scenario, then stops cleanly on SIGTERM', async () => {
    const mock = await startMockProcess();
    try {
      const banner = mock.stdout();
      expect(banner).toMatch(/^Vlens Digital Identity mock, sandbox \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
      for (const id of ['verifyIdFront', 'verifyLiveness', 'getStepImage', 'register']) {
        const { method, path } = operation(id);
        expect(banner).toContain(`${method} ${path}`);
      }
      expect(banner).toContain('Prefer: example=livenessFailed');
      expect(banner).toContain('Prefer: code=401, example=tokenExpired');
      expect(banner).toMatch(/401 unauthorized tokenExpired/);
      const answer = await send(mock.url, validRequest(operation('verifyIdFront')));
      expect(answer.status).toBe(200);
      await mock.waitForLine(/^POST \/api\/DigitalIdentity\/verify\/id\/front 200 extracted \d+\.\dms$/);
    } finally {
      expect(await mock.stop()).toBe(0);
    }
  });

  it('says which mode it runs in and which bearer tokens it takes: sandbox, --strict-tokens, --stateless', async () => {
    const banners: Record<string, string> = {};
    for (const [name, args] of Object.entries({ sandbox: [], strict: ['--strict-tokens'], stateless: ['--stateless'] })) {
      const mock = await startMockProcess(['--port', '0', ...args]);
      await mock.waitForLine(/^Ctrl\+C stops\.$/);
      banners[name] = mock.stdout();
      expect(await mock.stop()).toBe(0);
      expect(banners[name]).toContain(`${mock.url}/__vlens/health`);
    }
    const { sandbox, strict, stateless } = banners as Record<'sandbox' | 'strict' | 'stateless', string>;
    expect(sandbox).toMatch(/^Vlens Digital Identity mock, sandbox \(Prism/m);
    expect(sandbox).toMatch(/^Sandbox: users, tokens, transactions and images are kept per ApiKey/m);
    expect(sandbox).toMatch(/any other well-formed one as a fresh user \(or admin\) of the ApiKey; --strict-tokens refuses those/);

    expect(strict).toMatch(/^Vlens Digital Identity mock, sandbox \(Prism/m);
    expect(strict).toMatch(/^Bearer tokens: only those this sandbox issued \(Login, RefreshToken\); any other gets 401 \(--strict-tokens\)\.$/m);
    expect(strict).not.toMatch(/well-formed|accepted/i);

    expect(stateless).toMatch(/^Vlens Digital Identity mock, stateless replay \(Prism/m);
    expect(stateless).toMatch(/^Stateless replay \(--stateless\): every answer is a named example as written; no user, token, transaction or image is kept\.$/m);
    expect(stateless).toContain('Any ApiKey header and any well-formed "Authorization: Bearer <token>" are accepted.');
    expect(stateless).not.toMatch(/sandbox/i);
  });

  it('on --host 0.0.0.0 (as in the container image) says it listens on every interface, and the URL it shows answers', async () => {
    const mock = await startMockProcess(['--port', '0', '--host', '0.0.0.0']);
    try {
      await mock.waitForLine(/^Ctrl\+C stops\.$/);
      expect(mock.stdout()).toMatch(
        /^Vlens Digital Identity mock, sandbox \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:(\d+) \(on every interface, 0\.0\.0\.0, port \1\)$/m,
      );
      expect((await fetch(`${mock.url}/__vlens/health`)).status).toBe(200);
    } finally {
      expect(await mock.stop()).toBe(0);
    }
  });

  it('listens on PORT, and --port wins over PORT', async () => {
    const [fromEnv, fromFlag] = [await freePort(), await freePort()];
    const byEnv = await startMockProcess([], { PORT: String(fromEnv) });
    await byEnv.stop();
    expect(byEnv.url).toBe(`http://127.0.0.1:${fromEnv}`);
    const byFlag = await startMockProcess(['--port', String(fromFlag)], { PORT: String(fromEnv) });
    await byFlag.stop();
    expect(byFlag.url).toBe(`http://127.0.0.1:${fromFlag}`);
  });

  it('listens on the --host given', async () => {
    const mock = await startMockProcess(['--port', '0', '--host', '0.0.0.0']);
    try {
      expect((await send(mock.url, validRequest(operation('checkExistenceOfEmailOrPhone')))).status).toBe(200);
    } finally {
      await mock.stop();
    }
  });

  it('keeps quiet with --quiet, and refuses a bad port or a taken one with a clear message', async () => {
    const quiet = await startMockProcess(['--port', '0', '--quiet']);
    await send(quiet.url, validRequest(operation('register')));
    await quiet.stop();
    expect(quiet.stdout()).not.toMatch(/^POST /m);

    const bad = await run(process.execPath, ['mocks/cli.js', '--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the port must be a number from 0 to 65535');

    const taken = await startMockProcess();
    try {
      const clash = await run(process.execPath, ['mocks/cli.js', '--port', new URL(taken.url).port]);
      expect(clash.code).toBe(1);
      expect(clash.stderr).toMatch(/already in use/);
    } finally {
      await taken.stop();
    }
  });

  it('refuses a missing --recordings folder and an address not of this machine in one line, exit 2', async () => {
    for (const [args, reason] of [
      [['--recordings', join(tmpdir(), 'no-such-recordings-folder')], /^vlens-mock: --recordings .*no-such-recordings-folder: no such folder/],
      [['--host', '999.1.1.1'], /^vlens-mock: --host 999\.1\.1\.1: not an address of this machine, nor a name that resolves to one$/],
      [['--host', '192.0.2.77'], /^vlens-mock: --host 192\.0\.2\.77: not an address of this machine$/],
    ] as const) {
      const refused = await run(process.execPath, ['mocks/cli.js', '--port', '0', ...args]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr.trim()).toMatch(reason);
    }
  });

  it('warns once, on stderr, of a recording it cannot serve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlens-recordings-'));
    writeFileSync(join(dir, 'broken.json'), 'not json');
    const mock = await startMockProcess(['--port', '0', '--recordings', dir]);
    await mock.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(`${mock.stdout()}${mock.stderr()}`.match(/broken\.json is not served: not JSON/g)).toHaveLength(1);
    expect(mock.stderr()).toContain('broken.json is not served: not JSON');
  });

  it("is what npm start runs, and killing npm's PID (SIGTERM or SIGKILL) stops it and frees the port", async () => {
    await expectKillingFreesPort(() => startThroughNpm(['start', '--silent', '--', '--port', '0'], ROOT));
  });

  it('outlives its parent when not started by npm (a shell that started it in the background, a service)', async () => {
    // sh starts the mock in the background and exits at once; the mock must keep serving.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
    const shell = spawn('sh', ['-c', `"${process.execPath}" mocks/cli.js --port 0 --quiet > "${join(scratch, 'background.log')}" 2>&1 & echo $!`], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let pid = '';
    shell.stdout.on('data', (chunk) => (pid += chunk));
    await new Promise((done) => shell.once('exit', done));
    try {
      // The background job opens its log itself, possibly after the shell has exited.
      const log = () => (existsSync(join(scratch, 'background.log')) ? readFileSync(join(scratch, 'background.log'), 'utf8') : '');
      const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(log())?.[1]);
      await new Promise((done) => setTimeout(done, 500));
      expect((await send(url, validRequest(operation('checkExistenceOfEmailOrPhone')))).status).toBe(200);
    } finally {
      process.kill(Number(pid), 'SIGTERM');
    }
  });
});

const scratch = mkdtempSync(join(tmpdir(), 'vlens-mock-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((done) => setTimeout(done, 25));
  }
}

/** True once nothing listens on the port any more (the mock has exited), within a few seconds. */
async function portFreed(port: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return true;
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Starts the mock through npm, kills npm's PID (SIGTERM, then in a second run SIGKILL): the port must be freed. */
async function expectKillingFreesPort(start: () => ReturnType<typeof startThroughNpm>) {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const npm = await start();
    try {
      expect((await send(npm.url, validRequest(operation('checkExistenceOfEmailOrPhone')))).status).toBe(200);
      npm.child.kill(signal);
      await npm.exited;
      expect(await portFreed(npm.port), `${signal}: the port is still held after npm exited`).toBe(true);
    } finally {
      npm.cleanUp();
    }
  }
}

/**
 * `npm <args>` (npm start, npx) in its own process group, until the mock it starts prints its URL.
 * cleanUp kills whatever of the group is left, so a failing test leaves no mock behind.
 */
async function startThroughNpm(args: string[], cwd: string, command = 'npm') {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then(() => reject(new Error(`${command} ${args.join(' ')} exited before the mock listened: ${output}`)));
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    exited,
    cleanUp() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The whole group has already exited.
      }
    },
  };
}

describe('as a consumer installs it (from the packed tarball)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlens-mock-consumer-'));
  const withPrism = join(dir, 'with-prism');
  const withoutPrism = join(dir, 'without-prism');
  const installed = (project: string) => join(project, 'node_modules', 'vlens-digital-identity');
  let packedFiles: string[] = [];

  beforeAll(() => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    packedFiles = packed.files.map((file: { path: string }) => file.path);
    for (const project of [withPrism, withoutPrism]) {
      mkdirSync(installed(project), { recursive: true });
      execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', installed(project), '--strip-components=1']);
      writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
    }
    // The package's own dependencies, as npm would install them next to it (linked from this
    // repository's node_modules), and Prism, the optional peer, only where the test says so.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const project of [withPrism, withoutPrism]) {
      for (const name of Object.keys(manifest.dependencies)) {
        mkdirSync(dirname(join(project, 'node_modules', name)), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules', name), join(project, 'node_modules', name));
      }
    }
    mkdirSync(join(withPrism, 'node_modules', '@stoplight'));
    symlinkSync(join(ROOT, 'node_modules', '@stoplight', 'prism-cli'), join(withPrism, 'node_modules', '@stoplight', 'prism-cli'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the mock, its types and the description it serves', () => {
    for (const file of [
      'mocks/index.js',
      'dist/mocks/index.d.ts',
      'mocks/sandbox.js',
      'dist/mocks/sandbox.d.ts',
      'mocks/cli.js',
      'mocks/node/server.js',
      'mocks/engine/sandbox.js',
      'generated/openapi.yaml',
    ]) {
      expect(packedFiles).toContain(file);
    }
    // The mock ships as JavaScript (the dashboard's page in a generated module), and the example seed as
    // the JSON `--seed-file` reads; its types are generated from it into dist/mocks/.
    expect(packedFiles).toContain('mocks/seeds/example.json');
    expect(packedFiles.filter((file) => file.startsWith('mocks/') && !/\.js$/.test(file) && file !== 'mocks/seeds/example.json')).toEqual([]);
    expect(packedFiles.filter((file) => file.startsWith('dist/mocks/') && !/\.d\.ts$/.test(file))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed(withPrism), 'package.json'), 'utf8'));
    expect(manifest.bin['vlens-mock'].replace(/^\.\//, '')).toBe('mocks/cli.js');
    expect(manifest.exports['./mock']).toEqual({ types: './dist/mocks/index.d.ts', default: './mocks/index.js' });
    expect(manifest.exports['./sandbox']).toEqual({ types: './dist/mocks/sandbox.d.ts', default: './mocks/sandbox.js' });
  });

  it('imports vlens-digital-identity/mock and serves the shipped description', async () => {
    writeFileSync(
      join(withPrism, 'consumer.mjs'),
      `import { startMock } from 'vlens-digital-identity/mock';
const mock = await startMock({ port: 0 });
const response = await fetch(mock.url + '/api/DigitalIdentity/Register', { method: 'POST', headers: { ApiKey: 'k', 'Content-Type': 'application/json' }, body: '{}' });
console.log(JSON.stringify({ url: mock.url, status: response.status }));
await mock.stop();
`,
    );
    const result = await run(process.execPath, ['consumer.mjs'], { cwd: withPrism });
    expect(result.stderr).toBe('');
    const { url, status } = JSON.parse(result.stdout);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(status).toBe(400);
  });

  it('runs the vlens-mock bin from the installed package', async () => {
    const mock = await startMockProcess(['--port', '0'], {}, [join(installed(withPrism), 'mocks', 'cli.js')]);
    try {
      expect((await send(mock.url, validRequest(operation('verifyLiveness')))).status).toBe(200);
    } finally {
      await mock.stop();
    }
  });

  it("prints the installed package's version with --version and -v, and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v']) {
      expect(execFileSync(process.execPath, [join(installed(withPrism), 'mocks', 'cli.js'), flag], { encoding: 'utf8' })).toBe(`${version}\n`);
    }
  });

  it("runs as npx vlens-mock, and killing npx's PID (SIGTERM or SIGKILL) stops it and frees the port", async () => {
    // What npm does when it installs the package: a link to the bin in node_modules/.bin.
    mkdirSync(join(withPrism, 'node_modules', '.bin'), { recursive: true });
    symlinkSync('../vlens-digital-identity/mocks/cli.js', join(withPrism, 'node_modules', '.bin', 'vlens-mock'));
    await expectKillingFreesPort(() => startThroughNpm(['--no-install', 'vlens-mock', '--port', '0'], withPrism, 'npx'));
  });

  it('serves every named example without Prism, and says exactly what to install for a generated answer', async () => {
    const mock = await startMockProcess(['--port', '0', '--quiet'], { NODE_PATH: '' }, [join(installed(withoutPrism), 'mocks', 'cli.js')]);
    try {
      expect(mock.stdout()).toContain('Prism not installed');
      expect((await send(mock.url, validRequest(operation('verifyLiveness')))).status).toBe(200);
      const request = validRequest(operation('verifyLiveness'));
      const generated = await send(mock.url, { ...request, headers: { ...request.headers, Prefer: 'dynamic=true' } });
      expect(generated.status).toBe(501);
      expect(generated.body.error_message).toContain(INSTALL_HINT);
      for (const secret of SECRETS) expect(generated.text).not.toContain(secret);
    } finally {
      await mock.stop();
    }
    expect(mock.stderr()).toBe('');
  });
});
