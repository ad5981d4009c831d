// `vlens-mock coverage`, the real CLI process against the real mock process: it prints a tenant's
// report in the form asked, gates on --min with its exit status, and never prints the ApiKey.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, type Caller } from './sandbox-helpers.js';

const run = promisify(execFile);

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
});
afterAll(async () => {
  await mock?.stop();
});

/** Runs `vlens-mock coverage <args>`; resolves with its exit code and output. */
async function coverage(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [CLI, 'coverage', ...args], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A tenant whose requests answered checkExistenceOfEmailOrPhone's notRegistered, and nothing else. */
async function oneAnswer(): Promise<Caller> {
  const caller = { url: mock.url, apiKey: `cli-SECRET-${randomUUID()}` };
  expect((await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } })).status).toBe(200);
  return caller;
}

describe('vlens-mock coverage', () => {
  it('prints the report and exits 1 below --min, 0 at or above it', async () => {
    const caller = await oneAnswer();
    const below = await coverage(['--url', mock.url, '--api-key', caller.apiKey, '--min', '0.8']);
    expect(below.code).toBe(1);
    expect(below.stdout).toMatch(/^Outcome coverage: 1 of \d+ \(0\.\d%\)\n/);
    expect(below.stdout).toMatch(/\n {2}checkExistenceOfEmailOrPhone +1\/\d+ +never: 200 alreadyRegistered, 400 invalidRequest/);
    expect(below.stderr).toMatch(/^vlens-mock coverage: 0\.\d% covered \(1 of \d+\), below the minimum of 80\.0%\n$/);
    // That operation alone, without faults: a minimum of exactly its share passes, one a hair above it fails.
    const report = (await call(caller, 'GET', '/__vlens/coverage', { query: { only: 'checkExistenceOfEmailOrPhone', faults: 'false' } })).body;
    const share = report.covered / report.total;
    const at = await coverage(['--url', mock.url, '--api-key', caller.apiKey, '--only', 'checkExistenceOfEmailOrPhone', '--no-faults', '--min', `${(share * 100).toFixed(4)}%`]);
    expect(at.code, at.stderr).toBe(0);
    expect(at.stderr).toContain('at or above the minimum');
    const just = await coverage(['--url', mock.url, '--api-key', caller.apiKey, '--only', 'checkExistenceOfEmailOrPhone', '--no-faults', '--min', String(share + 0.0001)]);
    expect(just.code).toBe(1);
    // Without --min there is no gate.
    expect((await coverage(['--url', mock.url, '--api-key', caller.apiKey])).code).toBe(0);
  });

  it('--format markdown, junit and json print what the sandbox answers to ?format=', async () => {
    const caller = await oneAnswer();
    const query = { only: 'checkExistenceOfEmailOrPhone,register', unhit: 'skip' };
    const markdown = await coverage(['--url', mock.url, '--api-key', caller.apiKey, '--only', query.only, '--format', 'markdown']);
    expect(markdown.stdout).toBe((await call(caller, 'GET', '/__vlens/coverage', { query: { only: query.only, format: 'markdown' } })).text);
    const junit = await coverage(['--url', mock.url, '--api-key', caller.apiKey, '--only', query.only, '--format', 'junit', '--unhit', 'skip']);
    expect(junit.stdout).toBe((await call(caller, 'GET', '/__vlens/coverage', { query: { ...query, format: 'junit' } })).text);
    const json = await coverage(['--url', mock.url, '--format', 'json'], { VLENS_API_KEY: caller.apiKey });
    expect(JSON.parse(json.stdout)).toEqual((await call(caller, 'GET', '/__vlens/coverage')).body);
  });

  it('a usage error exits 2, a sandbox that does not answer exits 1, and neither prints the key', async () => {
    const caller = await oneAnswer();
    const outputs: string[] = [];
    const expectExit = async (args: string[], code: number, message: RegExp) => {
      const result = await coverage(args, { VLENS_API_KEY: '' });
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr).toMatch(message);
      outputs.push(result.stdout, result.stderr);
    };
    await expectExit(['--url', mock.url], 2, /--api-key \(or \$VLENS_API_KEY\) names the tenant/);
    await expectExit(['--url', mock.url, '--api-key', caller.apiKey, '--min', '1.5'], 2, /--min must be a share from 0 to 1/);
    await expectExit(['--url', mock.url, '--api-key', caller.apiKey, '--format', 'pdf'], 2, /--format must be one of text, markdown, junit, json/);
    await expectExit(
      ['--url', mock.url, '--api-key', caller.apiKey, '--only', 'verifyFront'],
      2,
      /the sandbox refused: The API has no operation "verifyFront".*allowed: verifyIdFront/,
    );
    const closed = await closedPort();
    await expectExit(['--url', `http://127.0.0.1:${closed}`, '--api-key', caller.apiKey], 1, new RegExp(`http://127\\.0\\.0\\.1:${closed} did not answer: ECONNREFUSED`));
    for (const output of outputs) expect(output).not.toContain(caller.apiKey);
    const help = await coverage(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: vlens-mock coverage --api-key <key> [options]');
  });
});
