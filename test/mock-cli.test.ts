// `npm start`, the vlens-mock bin and the ./mock entry as a consumer gets them: from the packed
// tarball, with Prism installed next to it, and without Prism.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      expect(banner).toMatch(/^Vlens Digital Identity mock \(Prism 5\.14\.\d+\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
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

  it('is what npm start runs', async () => {
    const child = spawn('npm', ['start', '--silent', '--', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${stdout}`)));
      });
      expect((await send(url, validRequest(operation('checkExistenceOfEmailOrPhone')))).status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });
});

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
    // Prism as the consumer would install it next to the package (its own dependencies resolve from
    // its real location).
    mkdirSync(join(withPrism, 'node_modules', '@stoplight'));
    symlinkSync(join(ROOT, 'node_modules', '@stoplight', 'prism-cli'), join(withPrism, 'node_modules', '@stoplight', 'prism-cli'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the mock, its types and the description it serves', () => {
    for (const file of ['mocks/index.js', 'mocks/index.d.ts', 'mocks/cli.js', 'mocks/server.js', 'generated/openapi.yaml']) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((file) => file.startsWith('mocks/') && !/\.(js|d\.ts)$/.test(file))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed(withPrism), 'package.json'), 'utf8'));
    expect(manifest.bin['vlens-mock'].replace(/^\.\//, '')).toBe('mocks/cli.js');
    expect(manifest.exports['./mock']).toEqual({ types: './mocks/index.d.ts', default: './mocks/index.js' });
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

  it('says exactly what to install when Prism is missing', async () => {
    const cli = await run(process.execPath, [join(installed(withoutPrism), 'mocks', 'cli.js')], { cwd: withoutPrism, env: { NODE_PATH: '' } });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(INSTALL_HINT);
    expect(cli.stdout).toBe('');

    writeFileSync(
      join(withoutPrism, 'consumer.mjs'),
      `import { startMock } from 'vlens-digital-identity/mock';
await startMock().catch((error) => console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message })));
`,
    );
    const result = await run(process.execPath, ['consumer.mjs'], { cwd: withoutPrism, env: { NODE_PATH: '' } });
    const error = JSON.parse(result.stdout);
    expect(error).toMatchObject({ name: 'PrismMissingError', code: 'PRISM_MISSING' });
    expect(error.message).toContain(INSTALL_HINT);
    for (const secret of SECRETS) expect(result.stdout).not.toContain(secret);
  });
});
