// One parity suite (test/parity/suite.ts: register, login, front, back, liveness, link, images, step
// image, forced outcomes by Prefer, magic values and control, faults, reset, tenant isolation, capture
// before login, every control route) run unchanged in three places:
//   1. the Node server, `node mocks/cli.js --port 0`, over real HTTP, from this process;
//   2. the MSW handlers in a Node process (`setupServer`), a child `node` of the version MSW needs
//      (MSW 3 needs Node 22.12+; this process runs on the machine's Node 20), and MSW 2.x on Node 20;
//   3. the MSW handlers in Chromium (`setupWorker`): a page served from 127.0.0.1 registers MSW's
//      Service Worker and runs the suite with the typed client bundled; nothing leaves the machine
//      (Chromium resolves no host name but 127.0.0.1).
// The records, ids, tokens and times normalised, must be identical: any difference fails. The record of
// (1) is also held to what the flows mean (a spoof is rejected, a reset ends a hang...), so three
// places agreeing on a wrong answer fails too.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxControl } from '../mocks/control/client.js';
import { ensureNode } from '../scripts/ensure-node.mjs';
import { buildForBrowser, buildForNode, ROOT } from './parity/build.js';
import { runParity, type Observation } from './parity/suite.js';

const run = promisify(execFile);

let server: ChildProcess;
let serverUrl: string;
let fromServer: Observation[];

/** Starts `node mocks/cli.js --port 0 --quiet` and resolves to its URL. */
function startServer(): Promise<string> {
  server = spawn(process.execPath, [join(ROOT, 'mocks', 'cli.js'), '--port', '0', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout!.on('data', (chunk) => {
      output += chunk;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    server.on('exit', (code) => reject(new Error(`the mock exited (${code}) before listening: ${output}`)));
  });
}

/** Runs a bundled runner with a given node and parses the record it prints. */
async function runInNode(node: string, runner: string): Promise<Observation[]> {
  const { stdout } = await run(node, [runner], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return JSON.parse(stdout);
}

/** The labels where two records differ, with both outcomes (empty when they are the same). */
function differences(expected: Observation[], actual: Observation[]) {
  const found: { label: string; expected: unknown; actual: unknown }[] = [];
  for (let index = 0; index < Math.max(expected.length, actual.length); index++) {
    const [label, want] = expected[index] ?? ['(missing)', undefined];
    const [, got] = actual[index] ?? ['(missing)', undefined];
    if (JSON.stringify(want) !== JSON.stringify(got)) found.push({ label, expected: want, actual: got });
  }
  return found;
}

const outcome = (record: Observation[], label: string) => {
  const found = record.find(([name]) => name === label);
  if (!found) throw new Error(`the record has no step "${label}"`);
  return found[1] as any;
};

beforeAll(async () => {
  serverUrl = await startServer();
  fromServer = await runParity({ baseUrl: serverUrl, control: (apiKey) => createSandboxControl({ baseUrl: serverUrl, apiKey }) });
}, 120_000);

afterAll(() => {
  server?.kill();
});

describe('the suite against the Node server (1) means what it says', () => {
  it('registers, logs in, verifies, links, serves the images', () => {
    expect(outcome(fromServer, 'register: Register')).toMatchObject({ ok: { accessToken: '<token 1>', user: { id: 1 } } });
    expect(outcome(fromServer, 'register: not twice')).toMatchObject({ error: { name: 'VlensApiError', status: 400, fields: ['phoneNumber'] } });
    expect(outcome(fromServer, 'verify: liveness')).toMatchObject({ ok: { status: 'verified', transactionId: '<uuid 2>' } });
    expect(outcome(fromServer, 'verify: the control API keeps the transaction')).toMatchObject({ ok: { id: '<uuid 2>', outcome: { state: 'verified' } } });
    expect(outcome(fromServer, 'images: GetStepImage gives back the latest first face as sent')).toEqual({ ok: { same: true, length: 856 } });
    expect(outcome(fromServer, 'link: capture before login (key only)')).toMatchObject({ ok: { status: 'captured' } });
    expect(outcome(fromServer, 'link: without a user token')).toEqual({ error: { name: 'VlensInputError', code: 'missing-token', field: 'accessToken' } });
    expect(outcome(fromServer, 'link: after login')).toMatchObject({ ok: { status: 'verified' } });
    expect(outcome(fromServer, "link: the transaction is the user's")).toMatchObject({ ok: { linked: true, user: { phoneNumber: '+201900000301' } } });
  });

  it('forces outcomes by Prefer, magic values and the control API', () => {
    expect(outcome(fromServer, 'prefer: liveness spoofDetected')).toMatchObject({ ok: { status: 'rejected', step: 'liveness' } });
    expect(outcome(fromServer, 'prefer: front cardNotDetected')).toMatchObject({ ok: { status: 'rejected', step: 'front', errorCode: 3011 } });
    expect(outcome(fromServer, 'prefer: 401 tokenExpired')).toMatchObject({ error: { status: 401 } });
    expect(outcome(fromServer, 'prefer: preferences separated by a semicolon are refused')).toMatchObject({ status: 400 });
    expect(outcome(fromServer, 'magic: phone code 33 spoofs the liveness')).toMatchObject({ ok: { status: 'rejected', step: 'liveness' } });
    expect(outcome(fromServer, 'magic: an email tag expires the back')).toMatchObject({ ok: { status: 'rejected', step: 'back', errorCode: 3010 } });
    expect(outcome(fromServer, 'control: the first flow meets the queue')).toMatchObject({ ok: { status: 'rejected', reasons: [{ kind: 'aml-match' }] } });
    expect(outcome(fromServer, 'control: the planned back')).toMatchObject({ error: { errorCode: 3010, isRejection: true } });
    expect(outcome(fromServer, 'control: an expired token')).toMatchObject({ error: { status: 401 } });
    expect(outcome(fromServer, 'control: the refreshed token works')).toMatchObject({ ok: { side: 'front' } });
    expect(outcome(fromServer, 'control: an unknown fault names the valid ones')).toMatchObject({
      status: 400,
      body: { field: 'fault', allowed: ['delay', 'hang', 'reset', 'html502', 'truncated'] },
    });
    expect(outcome(fromServer, 'control: a method a path does not take')).toMatchObject({ status: 405, allow: 'POST' });
    expect(outcome(fromServer, 'control: reset')).toMatchObject({ status: 204, body: null });
    expect(outcome(fromServer, 'control: the transaction, upper case')).toMatchObject({ status: 200, body: { steps: [{ step: 'front', operationId: 'ocrIdFront' }] } });
    expect(outcome(fromServer, 'control: plan its outcomes')).toMatchObject({ status: 200, body: { plannedOutcomes: { liveness: 'amlMatched' } } });
    expect(outcome(fromServer, 'control: an outcome of no step')).toMatchObject({ status: 400, type: 'application/problem+json;charset=utf-8' });
  });

  it("strikes every fault as a client sees it; reset and the caller's signal end a hang", () => {
    expect(outcome(fromServer, 'faults: delay')).toEqual({ ok: { exists: false } });
    expect(outcome(fromServer, 'faults: reset')).toEqual({ error: { name: 'VlensTransportError', kind: 'network', status: null } });
    expect(outcome(fromServer, 'faults: html502')).toEqual({ error: { name: 'VlensTransportError', kind: 'non-json', status: 502 } });
    expect(outcome(fromServer, 'faults: truncated')).toEqual({ error: { name: 'VlensTransportError', kind: 'truncated', status: 200 } });
    expect(outcome(fromServer, 'faults: the hung call reached the sandbox')).toBe(true);
    expect(outcome(fromServer, 'faults: the hung call')).toEqual({ error: { name: 'VlensTransportError', kind: 'network', status: null } });
    expect(outcome(fromServer, "faults: the caller's signal ends it")).toEqual({ error: { name: 'VlensTransportError', kind: 'aborted', status: null } });
  });

  it('keeps tenants apart and forgets one on reset', () => {
    expect(outcome(fromServer, "tenants: B does not know A's user")).toEqual({ ok: { exists: false } });
    expect(outcome(fromServer, "tenants: B's control does not see A's transaction")).toMatchObject({ error: { status: 404 } });
    expect(outcome(fromServer, "tenants: B's transaction has the back only")).toEqual({ ok: ['back'] });
    expect(outcome(fromServer, "tenants: A's transaction has the front only")).toEqual({ ok: ['front'] });
    expect(outcome(fromServer, "reset: A's user is gone")).toEqual({ ok: { exists: false } });
    expect(outcome(fromServer, 'reset: B is untouched')).toEqual({ ok: { exists: true } });
  });
});

describe('the MSW handlers in a Node process (2) answer as the Node server does', () => {
  it('MSW 3 on Node 22', async () => {
    const runner = await buildForNode('node-msw');
    expect(differences(fromServer, await runInNode(await ensureNode(22), runner))).toEqual([]);
  });

  it('MSW 3 on Node 24', async () => {
    const runner = await buildForNode('node-msw');
    expect(differences(fromServer, await runInNode(await ensureNode(24), runner))).toEqual([]);
  });

  it('MSW 2.x on Node 20', async () => {
    const runner = await buildForNode('node-msw', 'node-msw-v2', { msw: 'msw-v2' });
    expect(differences(fromServer, await runInNode(process.execPath, runner))).toEqual([]);
  });
});

describe('the MSW handlers in Chromium (3) answer as the Node server does', () => {
  let browser: Browser;
  let site: Server;
  let origin: string;

  beforeAll(async () => {
    // Each MSW major under its own path prefix (a Service Worker's scope is its folder), with the
    // worker script of that version: MSW checks the worker is its own.
    const files: Record<string, [string, string | Buffer]> = {};
    for (const [prefix, msw] of [
      ['/v3', 'msw'],
      ['/v2', 'msw-v2'],
    ] as const) {
      files[`${prefix}/`] = ['text/html', '<!doctype html><meta charset="utf-8"><title>parity</title><script src="parity.js"></script>'];
      files[`${prefix}/parity.js`] = ['text/javascript', await buildForBrowser('browser', { msw })];
      files[`${prefix}/mockServiceWorker.js`] = ['text/javascript', readFileSync(join(ROOT, 'node_modules', msw, 'lib', 'mockServiceWorker.js'))];
    }
    // The page's origin: the pages, the suite's scripts and MSW's worker scripts, nothing else.
    site = createServer((request, response) => {
      const file = files[request.url ?? ''];
      if (!file) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-store' }).end(file[1]);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
    // No name resolves but 127.0.0.1: a request the Service Worker lets through fails instead of leaving the machine.
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it.each([
    ['MSW 3', '/v3'],
    ['MSW 2.x', '/v2'],
  ])('%s: setupWorker in a page, the typed client bundled', async (_, prefix) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}${prefix}/`);
      const record = (await page.evaluate(() => (globalThis as unknown as { runParityInPage(): Promise<Observation[]> }).runParityInPage())) as Observation[];
      expect(differences(fromServer, record)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
