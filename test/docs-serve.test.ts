// `npm run docs:serve`: the portal on localhost, as a static server that serves the built folder and
// nothing outside it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocs } from '../scripts/docs/build.mjs';
import { ROOT } from '../scripts/lib/description.mjs';

let parent: string;
let dir: string;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'vlens-docs-serve-'));
  dir = join(parent, 'site');
  mkdirSync(dir);
  writeFileSync(join(parent, 'secret.txt'), 'outside the served folder');
  await buildDocs({ outFile: join(dir, 'index.html') });
});

afterAll(() => {
  if (parent) rmSync(parent, { recursive: true, force: true });
});

/** A GET with the path sent as is (fetch would normalise the dot segments away). */
const rawStatus = (url: string, path: string) =>
  new Promise<number>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    get({ hostname, port, path }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    }).on('error', reject);
  });

describe('docs:serve', () => {
  it('serves the portal on a free port, refuses paths outside it, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/docs/serve.mjs'), '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const match = /docs portal on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`docs:serve exited with ${code}: ${output}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<title>Vlens Digital Identity API');
      expect((await fetch(new URL('index.html', url))).status).toBe(200);
      for (const outside of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/missing.html']) {
        expect(await rawStatus(url, outside), outside).toBe(404);
      }
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  // npm runs the script through `sh -c`, which does not pass signals on.
  it.each(['SIGTERM', 'SIGKILL'] as const)("stops when npm run docs:serve's own PID is killed (%s), freeing its port", async (signal) => {
    const npm = spawn('npm', ['run', 'docs:serve', '--silent', '--', '--dir', dir, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const read = (chunk: Buffer) => {
          output += chunk;
          const match = /docs portal on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (match) resolve(match[1]!);
        };
        npm.stdout.on('data', read);
        npm.stderr.on('data', read);
        npm.once('exit', (code) => reject(new Error(`npm exited with ${code} before serving: ${output}`)));
      });
      expect((await fetch(url)).status).toBe(200);
      const exited = new Promise((resolve) => npm.once('exit', resolve));
      npm.kill(signal);
      await exited;
      expect(await portFreed(Number(new URL(url).port)), `${signal}: the port is still held after npm exited`).toBe(true);
    } finally {
      try {
        // Whatever of npm's process group is left, so that a failing run leaves no server behind.
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // The whole group has already exited.
      }
    }
  });

  it('says what to do when there is nothing to serve', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vlens-docs-empty-'));
    try {
      const child = spawn(process.execPath, [join(ROOT, 'scripts/docs/serve.mjs'), '--dir', empty, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/index\.html is missing: run npm run docs first/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

/** True once nothing listens on the port any more (the server has exited), within a few seconds. */
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
