// `vlens-mock proxy` as a user runs it (the real process, real HTTP), in front of stand-in upstreams,
// never the real service: one faithful to the description, one that deviates from it in four
// documented ways, and an echo server that shows what reached the upstream. What a user checks: the
// app's requests and the answers pass unchanged, the report names each deviation where it is with a
// suggestion, CI can gate on the verdict and the exit code, no credential is logged, reported or
// recorded, the recordings feed the sandbox as scenarios, and a recording can be proposed as an example.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVlensClient } from '../src/index.js';
import { startFaithfulServer } from './support/contract/faithful-server.mjs';
import { DEVIATIONS, UNLISTED_CODE, startDeviatingServer } from './support/contract/deviating-server.mjs';
import { ROOT, jpeg, startCli, type Running } from './proxy-helpers.js';

const KEYS = { apiKey: 'proxy-test-SECRET-key-5c1d', userToken: 'proxy-SECRET-user-token-88aa', adminToken: 'proxy-SECRET-admin-token-19fe' };
const PASSWORD = 'Sandbox!2026';
const SECRETS = [KEYS.apiKey, KEYS.userToken, KEYS.adminToken, PASSWORD];
const scratch = mkdtempSync(join(tmpdir(), 'vlens-proxy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const readAll = (dir: string) =>
  readdirSync(dir)
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(new URL(path, url), { method: 'POST', headers: { ApiKey: KEYS.apiKey, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('the proxy in front of a faithful stand-in', () => {
  let upstream: Awaited<ReturnType<typeof startFaithfulServer>>;
  let proxy: Running;
  const recordings = join(scratch, 'faithful');
  const reportFile = join(scratch, 'faithful.json');
  let exitCode: number | null;

  beforeAll(async () => {
    upstream = await startFaithfulServer(KEYS);
    proxy = await startCli(['proxy', '--upstream', upstream.url, '--port', '0', '--report', reportFile, '--record', recordings, '--fail-on-violation']);
    const vlens = createVlensClient({ baseUrl: proxy.url, apiKey: KEYS.apiKey, accessToken: KEYS.userToken });
    const result = await vlens.verifyIdentity({ idFront: jpeg(1), idBack: jpeg(2), faces: [jpeg(3), jpeg(4), jpeg(5)] });
    expect(result.status).toBe('verified');
    const login = await post(
      proxy.url,
      '/api/DigitalIdentity/Login',
      { phoneNumber: upstream.user.phoneNumber, password: PASSWORD, imei: '356938035643809' },
      { Accept: 'text/plain', TenancyName: 'acme' },
    );
    expect(login.status).toBe(200);
  });
  afterAll(() => upstream.stop());

  it("passes the typed client's whole verification through and finds every exchange conforming", async () => {
    const verdict = await fetch(`${proxy.url}/__vlens-proxy/verdict`);
    expect(verdict.status).toBe(200);
    expect(await verdict.json()).toEqual({ conforms: true, exchanges: 4, withViolations: 0, violations: 0 });
    const live = await (await fetch(`${proxy.url}/__vlens-proxy/report`)).json();
    expect(live.complete).toBe(false);
    expect(live.operations.map((entry: any) => [entry.operationId, entry.exchanges, entry.conforming])).toEqual([
      ['verifyIdFront', 1, 1],
      ['verifyIdBack', 1, 1],
      ['verifyLiveness', 1, 1],
      ['userLogin', 1, 1],
    ]);
  });

  it('exits 0 with --fail-on-violation, the report complete in its file', async () => {
    exitCode = await proxy.stop();
    expect(exitCode).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.complete).toBe(true);
    expect(report.totals).toMatchObject({ exchanges: 4, conforming: 4, withViolations: 0, recorded: 4, recordingsRefused: 0 });
    expect(proxy.stdout()).toMatch(/4 exchanges, 0 with violations/);
  });

  it('records each exchange redacted: images as stand-ins with size and SHA-256, no credential, no personal value', () => {
    const files = readdirSync(recordings).sort();
    expect(files).toEqual(['rec-000001-verifyIdFront-200.json', 'rec-000002-verifyIdBack-200.json', 'rec-000003-verifyLiveness-200.json', 'rec-000004-userLogin-200.json']);
    const front = JSON.parse(readFileSync(join(recordings, files[0]!), 'utf8'));
    const image = front.masked.find((entry: any) => entry.pointer === '/request/body/image');
    expect(image).toEqual({ pointer: '/request/body/image', kind: 'image', format: 'jpeg', bytes: 700, sha256: createHash('sha256').update(jpeg(1)).digest('hex') });
    const standIn = Buffer.from(front.request.body.image, 'base64');
    expect([...standIn.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(standIn.length).toBeLessThan(1000);
    expect(front.request.headers.apikey).toBe('<redacted>');
    expect(front.request.headers.authorization).toBe('<redacted>');
    const idNumber = front.response.body.data.idFrontData.idNumber;
    expect(idNumber).toMatch(/^2\d{13}$/);
    expect(idNumber).not.toBe('29403070101234');
    const all = readAll(recordings) + readFileSync(reportFile, 'utf8') + proxy.stdout() + proxy.stderr();
    for (const value of [...SECRETS, '29403070101234', 'منى', 'Mona', 'Mahmoud', upstream.user.phoneNumber, upstream.user.emailAddress, jpeg(1).toString('base64').slice(0, 40)]) {
      expect(all.includes(value), value).toBe(false);
    }
  });

  it('feeds the sandbox: vlens-mock --recordings serves each recording as a scenario, chosen with Prefer', async () => {
    const mock = await startCli(['--port', '0', '--quiet', '--recordings', recordings]);
    try {
      const catalog = await (await fetch(`${mock.url}/__vlens/scenarios`, { headers: { ApiKey: KEYS.apiKey } })).json();
      const front = catalog.operations.find((operation: any) => operation.operationId === 'verifyIdFront');
      expect(JSON.stringify(front)).toContain('rec-000001-verifyIdFront-200');
      const recorded = JSON.parse(readFileSync(join(recordings, 'rec-000001-verifyIdFront-200.json'), 'utf8'));
      const transactionId = crypto.randomUUID().toUpperCase();
      const answer = await post(
        mock.url,
        '/api/DigitalIdentity/verify/id/front',
        { image: jpeg(9).toString('base64'), transaction_id: transactionId },
        { Authorization: `Bearer ${KEYS.userToken}`, Prefer: 'example=rec-000001-verifyIdFront-200' },
      );
      expect(answer.status).toBe(200);
      const body = await answer.json();
      expect(body.data.idFrontData.name).toBe(recorded.response.body.data.idFrontData.name);
      // The sandbox fills its own transaction id in, as for every scenario.
      expect(body.data.idFrontData.transaction_id.toLowerCase()).toBe(transactionId.toLowerCase());
      // Without Prefer, the description's default scenario still answers.
      const plain = await post(mock.url, '/api/DigitalIdentity/verify/id/front', { image: jpeg(10).toString('base64') }, { Authorization: `Bearer ${KEYS.userToken}` });
      expect((await plain.json()).data.idFrontData.name).not.toBe(recorded.response.body.data.idFrontData.name);
    } finally {
      await mock.stop();
    }
  });

  it('proposes a recording as a named example: YAML to review, or a patch git applies; the description untouched', () => {
    const file = join(recordings, 'rec-000001-verifyIdFront-200.json');
    const printed = execFileSync(process.execPath, ['scripts/propose-example.mjs', file, '--name', 'seenThroughProxy'], { cwd: ROOT, encoding: 'utf8' });
    expect(printed).toMatch(/^# openapi\/paths\/api_DigitalIdentity_verify_id_front\.yaml, under post > responses > 200 > content > application\/json > examples:/);
    expect(printed).toMatch(/^ +seenThroughProxy:\n +summary: Seen through the proxy on \d{4}-\d\d-\d\d/m);
    const patch = join(scratch, 'front.patch');
    const before = execFileSync('git', ['status', '--porcelain', 'openapi'], { cwd: ROOT, encoding: 'utf8' });
    execFileSync(process.execPath, ['scripts/propose-example.mjs', file, '--name', 'seenThroughProxy', '--patch', patch], { cwd: ROOT });
    expect(execFileSync('git', ['status', '--porcelain', 'openapi'], { cwd: ROOT, encoding: 'utf8' })).toBe(before);
    expect(spawnSync('git', ['apply', '--check', patch], { cwd: ROOT }).status).toBe(0);
    expect(readFileSync(patch, 'utf8')).toMatch(/^\+ +seenThroughProxy:$/m);
  });
});

describe('the proxy in front of a stand-in that deviates from the description', () => {
  let upstream: Awaited<ReturnType<typeof startDeviatingServer>>;
  let proxy: Running;
  const recordings = join(scratch, 'deviating');
  const reportFile = join(scratch, 'deviating.md');
  let frontHeader: string | null = null;
  let report: any;

  beforeAll(async () => {
    upstream = await startDeviatingServer(KEYS);
    proxy = await startCli(['proxy', '--upstream', upstream.url, '--port', '0', '--report', reportFile, '--record', recordings, '--fail-on-violation', '--violations-header']);
    const user = { Authorization: `Bearer ${KEYS.userToken}` };
    const transactionId = crypto.randomUUID().toUpperCase();
    const front = await post(proxy.url, '/api/DigitalIdentity/verify/id/front', { image: jpeg(1).toString('base64'), transaction_id: transactionId, getExtractedData: true }, user);
    frontHeader = front.headers.get('x-vlens-proxy-violations');
    await post(proxy.url, '/api/DigitalIdentity/verify/id/back', { image: jpeg(2).toString('base64'), transaction_id: transactionId, getExtractedData: true }, user);
    await post(
      proxy.url,
      '/api/DigitalIdentity/verify/liveness/multi',
      { face_1: jpeg(3).toString('base64'), face_2: jpeg(4).toString('base64'), face_3: jpeg(5).toString('base64'), transaction_id: transactionId },
      user,
    );
    await post(proxy.url, '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone', { phoneNumber: upstream.user.phoneNumber });
    report = await (await fetch(`${proxy.url}/__vlens-proxy/report`)).json();
  });
  afterAll(() => upstream.stop());

  it('names each documented deviation at its JSON pointer, with what the description says, what was seen and a suggested change', () => {
    expect(report.totals).toMatchObject({ exchanges: 4, conforming: 0, withViolations: 4 });
    for (const [operationId, { rule, pointer }] of Object.entries(DEVIATIONS)) {
      const entry = report.operations.find((candidate: any) => candidate.operationId === operationId);
      const found = entry.violations.find((violation: any) => violation.rule === rule && violation.pointer === pointer);
      expect(found, `${operationId}: ${rule} at ${pointer} in ${JSON.stringify(entry.violations)}`).toBeDefined();
      expect(found.suggestion).toEqual(expect.any(String));
      expect(found.expected).toEqual(expect.any(String));
    }
    const back = report.operations.find((entry: any) => entry.operationId === 'verifyIdBack').violations.find((violation: any) => violation.rule === 'type');
    expect(back.expected).toBe('type string or null');
    expect(back.seen[0]).toMatch(/^integer number \d{14}$/);
    expect(back.seen[0]).not.toContain('29403070101234');
    expect(back.suggestion).toBe('widen the type at /data/idBackData/idNumber to string, null, integer');
    const liveness = report.operations.find((entry: any) => entry.operationId === 'verifyLiveness');
    expect(liveness.businessErrors).toEqual({ [String(UNLISTED_CODE)]: 1 });
    expect(liveness.violations.find((violation: any) => violation.rule === 'error-code').suggestion).toMatch(new RegExp(`^add ${UNLISTED_CODE} to openapi/error-codes.yaml`));
  });

  it('tells the app only when asked: X-Vlens-Proxy-Violations names the pointer and rule, never a value', () => {
    expect(frontHeader).toBe('1; response /data/idFrontData/IdNumber renamed-member');
  });

  it('answers the verdict 422 while running, and exits 3 with --fail-on-violation; the Markdown report is complete', async () => {
    const verdict = await fetch(`${proxy.url}/__vlens-proxy/verdict`);
    expect(verdict.status).toBe(422);
    expect(await proxy.stop()).toBe(3);
    const markdown = readFileSync(reportFile, 'utf8');
    expect(markdown).toMatch(/^# Traffic against the description: Vlens Digital Identity API /);
    expect(markdown).not.toContain('still running');
    for (const { pointer } of Object.values(DEVIATIONS)) expect(markdown).toContain(`\`${pointer}\``);
  });

  it('logs, reports and records no credential and no personal value', () => {
    const all = readAll(recordings) + readFileSync(reportFile, 'utf8') + JSON.stringify(report) + proxy.stdout() + proxy.stderr();
    for (const value of [...SECRETS, '29403070101234', 'منى', 'Mona', upstream.user.phoneNumber]) expect(all.includes(value), value).toBe(false);
  });

  it('the sandbox does not serve a recorded answer the proxy found breaking the description, and says why', async () => {
    const mock = await startCli(['--port', '0', '--quiet', '--recordings', recordings]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(mock.stderr()).toMatch(
        /recording rec-\d+-verifyIdFront-200\.json is not served: the proxy found its answer breaking the description \(renamed-member at \/data\/idFrontData\/IdNumber\)/,
      );
      const catalog = JSON.stringify(await (await fetch(`${mock.url}/__vlens/scenarios`, { headers: { ApiKey: KEYS.apiKey } })).json());
      expect(catalog).not.toContain('verifyIdFront-200');
    } finally {
      await mock.stop();
    }
  });
});

describe('what reaches the upstream and what comes back', () => {
  it('forwards the request as the app sent it (header spelling and case, credentials, body) and the answer as the upstream sent it (bytes, encoding, headers), adding only Via', async () => {
    const seen: { rawHeaders: string[]; body: Buffer; url: string }[] = [];
    const answer = gzipSync(Buffer.from(JSON.stringify({ data: { exists: false }, error_code: null, error_message: null, error_descriptions: null })));
    const echo = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ rawHeaders: request.rawHeaders, body: Buffer.concat(chunks), url: request.url ?? '' });
        response.writeHead(200, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Encoding': 'gzip',
          'X-Upstream-Trace': 'abc123',
          'Content-Length': String(answer.length),
        });
        response.end(answer);
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
    const proxy = await startCli(['proxy', '--upstream', upstreamUrl, '--port', '0', '--quiet']);
    try {
      const body = Buffer.from(JSON.stringify({ phoneNumber: '+201001234567' }));
      const headers = {
        ApiKey: KEYS.apiKey,
        TenancyName: 'acme',
        Accept_Language: 'ar',
        'X-Request-Id': 'D1B5F2C4-0000-4000-8000-000000000001',
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
        'Accept-Encoding': 'gzip',
      };
      const direct = await rawPost(upstreamUrl, '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone?x=1', headers, body);
      const proxied = await rawPost(proxy.url, '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone?x=1', headers, body);
      const [viaDirect, viaProxy] = seen;
      expect(viaProxy!.url).toBe(viaDirect!.url);
      expect(viaProxy!.body.equals(viaDirect!.body)).toBe(true);
      // Same names in the same spelling and order, same values; only Connection is the proxy's own,
      // and Via (RFC 9110 7.6.3: a proxy must send it) names the proxy's hop, at the end.
      const sent = (raw: string[]) => pairs(raw).filter(([name]) => name.toLowerCase() !== 'connection');
      const forwarded = sent(viaProxy!.rawHeaders);
      expect(forwarded.at(-1)?.[0]).toBe('Via');
      expect(forwarded.at(-1)?.[1]).toMatch(/^1\.1 vlens-mock-proxy-[0-9a-f]{12}$/);
      expect(forwarded.slice(0, -1)).toEqual(sent(viaDirect!.rawHeaders));
      expect(pairs(viaProxy!.rawHeaders)).toContainEqual(['Accept_Language', 'ar']);
      expect(proxied.status).toBe(direct.status);
      expect(proxied.body.equals(answer)).toBe(true);
      const shown = (h: IncomingHttpHeaders) =>
        Object.keys(h)
          .filter((name) => !['date', 'connection', 'keep-alive'].includes(name))
          .sort();
      expect(shown(proxied.headers)).toEqual(shown(direct.headers));
      expect(proxied.headers['x-upstream-trace']).toBe('abc123');
    } finally {
      await proxy.stop();
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it('answers 502 in the envelope when the upstream cannot be reached, and counts it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const proxy = await startCli(['proxy', '--upstream', `http://127.0.0.1:${port}`, '--port', '0', '--quiet']);
    try {
      const answer = await post(proxy.url, '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone', { phoneNumber: '+201001234567' });
      expect(answer.status).toBe(502);
      expect(await answer.json()).toEqual({
        data: null,
        error_code: 502,
        error_message: 'The proxy could not get an answer from the upstream (ECONNREFUSED).',
        error_descriptions: null,
      });
      expect((await (await fetch(`${proxy.url}/__vlens-proxy/report`)).json()).totals.upstreamFailures).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('refuses a bad invocation with exit 2 and says why', () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['mocks/cli.js', 'proxy', ...args], { cwd: ROOT, encoding: 'utf8' });
    expect(run([]).stderr).toMatch(/--upstream is required/);
    expect(run([]).status).toBe(2);
    const credentials = run(['--upstream', 'https://user:pw@api.vlenseg.com']);
    expect(credentials.status).toBe(2);
    expect(credentials.stderr).toMatch(/must not carry credentials/);
    expect(credentials.stderr).not.toContain('pw@');
    const report = run(['--upstream', 'http://127.0.0.1:1', '--report', 'out.txt']);
    expect(report.status).toBe(2);
    expect(report.stderr).toMatch(/\.json or a \.md file/);
  });
});

function pairs(raw: string[]): [string, string][] {
  const list: [string, string][] = [];
  for (let index = 0; index < raw.length; index += 2) list.push([raw[index]!, raw[index + 1]!]);
  return list;
}

function rawPost(base: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(path, base), { method: 'POST', headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
