// The mock under attack (issue "Hostile input"), each attack against the real process over real
// sockets: request-targets that once stopped it, bodies that swelled it, floods that grew it, slow
// clients, requests Node refuses before our code, a stop with requests in flight, pages of other
// origins, and secrets under every name. Each must get an envelope and leave the mock serving, within
// its stated memory bound, with no secret in what it shows. The figures (requests, answers by status,
// non-envelope answers, longest answer, memory) are printed for the release note; no timing is asserted.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, image, register, type Caller } from './sandbox-helpers.js';

// longestMs: requests sent whole and at once, under 1 MB (issue 17's goal: < 100 ms); longestLargeMs:
// the 28 MB bodies; a slow client's request (the 408s) is counted but not timed, its time is its own.
const figures = { sent: 0, byStatus: new Map<number, number>(), notEnvelope: 0, longestMs: 0, longestLargeMs: 0, secretsSeen: 0 };
afterAll(() => {
  console.log(
    `hostile-mock figures: ${figures.sent} requests; by status ${JSON.stringify(Object.fromEntries([...figures.byStatus].sort(([a], [b]) => a - b)))}; ` +
      `${figures.notEnvelope} answers not in the envelope; longest ${figures.longestMs.toFixed(1)} ms (under 1 MB, sent at once), ` +
      `${figures.longestLargeMs.toFixed(1)} ms (28 MB bodies, two at a time); ${figures.secretsSeen} secrets seen`,
  );
});

/** Sends raw bytes on a new connection; resolves to the whole answer once the mock closes or `ms` passed. */
function raw(url: string, text: string | Buffer, { ms = 3000, endWrite = false } = {}): Promise<{ text: string; status: number | null; closed: boolean; elapsed: number }> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    // The answer's time is until its first byte: a kept-alive connection stays open after it.
    let answered: number | undefined;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ text: received, status: status ? Number(status) : null, closed, elapsed: (answered ?? performance.now()) - started });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('data', (chunk) => {
      answered ??= performance.now();
      received += chunk.toString('latin1');
    });
    socket.on('close', () => done(true));
    socket.on('error', (error) => (received ? done(true) : reject(error)));
    socket.write(text, () => endWrite && socket.end());
  });
}

/** The body of a raw answer, parsed; counts the answer in the figures. */
function record(answer: { text: string; status: number | null; elapsed: number }, { timed = true } = {}) {
  figures.sent += 1;
  if (answer.status !== null) figures.byStatus.set(answer.status, (figures.byStatus.get(answer.status) ?? 0) + 1);
  if (timed) figures.longestMs = Math.max(figures.longestMs, answer.elapsed);
  const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
  let parsed: any = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not JSON
  }
  const envelope = parsed !== null && typeof parsed === 'object' && 'data' in parsed && 'error_code' in parsed && 'error_message' in parsed;
  if (!envelope) figures.notEnvelope += 1;
  return { body: parsed, envelope };
}

/** A fetch's answer, counted in the figures like a raw one (status, envelope, time). */
async function counted(started: number, answer: Promise<Response>) {
  const response = await answer;
  const text = await response.text();
  figures.sent += 1;
  figures.byStatus.set(response.status, (figures.byStatus.get(response.status) ?? 0) + 1);
  figures.longestMs = Math.max(figures.longestMs, performance.now() - started);
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (!(parsed !== null && typeof parsed === 'object' && 'data' in parsed && 'error_code' in parsed && 'error_message' in parsed)) figures.notEnvelope += 1;
}

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

describe('any request-target', () => {
  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0', '--quiet']);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  const targets = [
    '//',
    '///',
    '//?a=1',
    '/\\',
    '//api//DigitalIdentity',
    '//evil.example/x',
    '\\\\',
    '/%',
    '/%zz',
    '*',
    'http://',
    'http://[::1',
    `/${'a/'.repeat(2000)}`,
    '/?%',
    '/api/DigitalIdentity/verify/id/front//',
    '/..%2f..%2fetc/passwd',
    '/\u00ff',
  ];
  it.each(targets)('%j gets an answer in the envelope, and the mock goes on', async (target) => {
    const answer = await raw(mock.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nApiKey: hostile-key\r\nConnection: close\r\n\r\n`);
    const { envelope } = record(answer);
    expect(answer.status, answer.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(envelope, answer.text.slice(0, 300)).toBe(true);
    expect(mock.child.exitCode).toBeNull();
    expect((await fetch(`${mock.url}/__vlens/health`)).status).toBe(200);
  });
});

describe('bodies that once froze or swelled it', () => {
  let mock: MockProcess;
  let caller: Caller;
  let token: string;
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0', '--quiet']);
    caller = { url: mock.url, apiKey: `bodies-${randomUUID()}` };
    token = (await register(caller)).token;
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it('a 240 KB email is refused for its length, by its length alone', async () => {
    const email = `${'a'.repeat(120_000)}@${'.'.repeat(120_000)}x`;
    const started = performance.now();
    const answer = await call(caller, 'POST', PATHS.exists, { body: { email } });
    figures.sent += 1;
    figures.longestMs = Math.max(figures.longestMs, performance.now() - started);
    expect(answer.status).toBe(400);
    expect(answer.body.error_descriptions).toEqual([{ field: 'email', message: 'The email field must be at most 256 characters long.' }]);
  });

  it('28 MB bodies of bad items, two at a time, name at most 20 problems each; nothing of them is kept', async () => {
    const members = Object.fromEntries(Array.from({ length: 1_400_000 }, (_, index) => [`m${index}`, index]));
    const text = JSON.stringify({ image: image('swell'), ...members });
    expect(text.length).toBeGreaterThan(20_000_000);
    const post = async () => {
      const started = performance.now();
      const response = await fetch(`${mock.url}${PATHS.front}`, {
        method: 'POST',
        headers: { ApiKey: caller.apiKey, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: text,
      });
      const body = await response.json();
      figures.sent += 1;
      figures.longestLargeMs = Math.max(figures.longestLargeMs, performance.now() - started);
      expect(response.status).toBe(400);
      expect(body.error_descriptions.length).toBeLessThanOrEqual(21);
      expect(body.error_descriptions.at(-1).message).toMatch(/only its first problem was looked for|more problem/);
    };
    const sizes: number[] = [];
    for (let round = 0; round < 3; round++) {
      await Promise.all([post(), post()]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      sizes.push(rss(mock.child.pid!));
    }
    console.log(`28 MB refusals, two at a time, three rounds: RSS after each ${sizes.map((size) => `${Math.round(size / 1e6)} MB`).join(', ')}`);
    // Once 4 GB for one such body, and out of heap for two: now bounded, round after round (a refusal
    // that kept its body or its errors would add hundreds of megabytes a round).
    for (const size of sizes) expect(size).toBeLessThan(1536 * 1024 * 1024);
    // The journal keeps a sketch of the refused bodies, not the bodies.
    const journal = await call(caller, 'GET', '/__vlens/requests', { query: { limit: '6' } });
    expect(JSON.stringify(journal.body).length).toBeLessThan(60_000);
    expect((await fetch(`${mock.url}/__vlens/health`)).status).toBe(200);
  }, 180_000);
});

describe('floods within the stated memory bound', () => {
  let mock: MockProcess;
  // Small limits, so that a bounded flood reaches every bound: M <= images + journal + records + tenants' overhead.
  const limits = { imageBudgetMb: 4, tenants: 20 };
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0', '--quiet', '--image-budget-mb', String(limits.imageBudgetMb), '--max-tenants', String(limits.tenants)]);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it('refused requests keep nothing but a bounded journal entry; unknown paths make no tenant', async () => {
    const keeper: Caller = { url: mock.url, apiKey: `keeper-${randomUUID()}` };
    const user = await register(keeper);
    const kept = await call(keeper, 'POST', PATHS.front, { token: user.token, body: { image: image('kept') } });
    const transactionId = kept.body.data.idFrontData.transaction_id;
    const before = rss(mock.child.pid!);

    // Unknown paths with a thousand keys: no tenant is made, so none is evicted.
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, index) => counted(performance.now(), fetch(`${mock.url}/no/such/path/${index}`, { headers: { ApiKey: `flood-${batch}-${index}` } }))),
      );
    }
    expect((await call(keeper, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(200);

    // Refused requests with bearers the sandbox never issued, 16 KB each: no user is kept for them.
    const bigToken = `${'A'.repeat(8000)}.${'B'.repeat(8000)}`;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          counted(
            performance.now(),
            fetch(`${mock.url}${PATHS.front}`, {
              method: 'POST',
              headers: { ApiKey: keeper.apiKey, Authorization: `Bearer ${bigToken}${batch}x${index}`, 'Content-Type': 'application/json' },
              body: '{"image": 5}',
            }),
          ),
        ),
      );
    }
    // 1,000 headers on one request: a bounded journal entry.
    const headers = Object.fromEntries(Array.from({ length: 900 }, (_, index) => [`x-header-${index}`, `value-${index}-${'v'.repeat(30)}`]));
    await fetch(`${mock.url}${PATHS.exists}`, { method: 'POST', headers: { ...headers, ApiKey: keeper.apiKey, 'Content-Type': 'application/json' }, body: '{}' }).catch(() => null);
    const journal = await call(keeper, 'GET', '/__vlens/requests');
    for (const entry of journal.body.requests) expect(JSON.stringify(entry).length).toBeLessThan(16_384);
    expect(JSON.stringify(journal.body)).not.toContain('AAAAAAAAAAAAAAAA');

    const after = rss(mock.child.pid!);
    console.log(`flood (1,000 unknown paths, 1,000 refused 16 KB bearers, 900 headers): RSS ${Math.round(before / 1e6)} MB -> ${Math.round(after / 1e6)} MB`);
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
    // The keeper's user is still the only one: a refused bearer made none.
    const names = await call(keeper, 'GET', PATHS.images, { token: 'admin.probe.token', query: { emailOrPhoneNumber: user.phoneNumber } });
    expect(names.body.data.idFrontImage).toMatch(/^user1_/);
  }, 120_000);
});

describe('pages of other origins', () => {
  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0', '--quiet', '--allow-origin', 'https://qa.example.com']);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it('the API answers any origin, without credentials; the control API only loopback, listed and its own origins', async () => {
    const key = `cors-${randomUUID()}`;
    const api = await fetch(`${mock.url}${PATHS.exists}`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example', ApiKey: key, 'Content-Type': 'application/json' },
      body: '{"phoneNumber":"+201001234567"}',
    });
    expect(api.headers.get('access-control-allow-origin')).toBe('*');
    expect(api.headers.get('access-control-allow-credentials')).toBeNull();

    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example:80']) {
      const preflight = await fetch(`${mock.url}/__vlens/reset`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'apikey' },
      });
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull();
      const read = await fetch(`${mock.url}/__vlens/requests`, { headers: { Origin: origin, ApiKey: key } });
      expect(read.status, origin).toBe(403);
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
      expect((await read.json()).detail).toContain('--allow-origin');
    }
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://qa.example.com', mock.url]) {
      const read = await fetch(`${mock.url}/__vlens/requests`, { headers: { Origin: origin, ApiKey: key } });
      expect(read.status, origin).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe(origin);
      expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});

describe('slow clients and requests Node answers before our code', () => {
  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0', '--quiet', '--header-timeout', '1', '--request-timeout', '2', '--max-connections', '64']);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it('a client too slow with its headers or its body gets 408 in the envelope', async () => {
    const slowHeaders = await raw(mock.url, 'POST /api/DigitalIdentity/Register HTTP/1.1\r\nHost: x\r\n', { ms: 6000 });
    expect(record(slowHeaders, { timed: false }).envelope).toBe(true);
    expect(slowHeaders.status).toBe(408);
    const slowBody = await raw(mock.url, `POST ${PATHS.exists} HTTP/1.1\r\nHost: x\r\nApiKey: k\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"phone`, {
      ms: 8000,
    });
    expect(record(slowBody, { timed: false }).envelope).toBe(true);
    expect(slowBody.status).toBe(408);
  });

  it('a few hundred slow connections leave room for the others', async () => {
    const sockets: Socket[] = [];
    const { hostname, port } = new URL(mock.url);
    for (let index = 0; index < 300; index++) {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {});
      socket.write('GET /__vlens/health HTTP/1.1\r\nHost: x\r\n');
      sockets.push(socket);
      if (index % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      for (let probe = 0; probe < 5; probe++) {
        const answer = await fetch(`${mock.url}/__vlens/health`, { signal: AbortSignal.timeout(5000) });
        expect(answer.status).toBe(200);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('a declared length over the ceiling is refused at once, before the body comes', async () => {
    const answer = await raw(
      mock.url,
      `POST ${PATHS.front} HTTP/1.1\r\nHost: x\r\nApiKey: k\r\nAuthorization: Bearer a.b.c\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n`,
      { ms: 1500 },
    );
    expect(answer.status).toBe(413);
    expect(record(answer).body).toMatchObject({
      error_code: 413,
      error_descriptions: [{ field: 'body', message: 'The request body is 999999999 bytes; at most 30000000 are accepted.' }],
    });
  });

  it('an expectation Node does not meet, and a thousand headers, get the envelope with CORS headers', async () => {
    const expectation = await raw(mock.url, `POST ${PATHS.exists} HTTP/1.1\r\nHost: x\r\nExpect: x-weird\r\nContent-Length: 2\r\n\r\n{}`);
    expect(expectation.status).toBe(417);
    expect(record(expectation).envelope).toBe(true);
    expect(expectation.text.toLowerCase()).toContain('access-control-allow-origin: *');
    // 1,200 headers: answered as usual (Node keeps the first 2,000); past Node's 16 KB of headers, 431 in the envelope.
    const many = Array.from({ length: 1200 }, (_, index) => `X-Many-${index}: ${index}`).join('\r\n');
    const crowded = await raw(mock.url, `POST ${PATHS.exists} HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:3000\r\n${many}\r\nContent-Length: 2\r\n\r\n{}`);
    expect(record(crowded).envelope).toBe(true);
    expect(crowded.status).toBe(401);
    expect(crowded.text.toLowerCase()).toContain('access-control-allow-origin: *');
    const huge = Array.from({ length: 1200 }, (_, index) => `X-Many-${index}: ${'v'.repeat(20)}`).join('\r\n');
    const tooLarge = await raw(mock.url, `GET /__vlens/health HTTP/1.1\r\nHost: x\r\n${huge}\r\n\r\n`);
    expect(record(tooLarge).envelope).toBe(true);
    expect(tooLarge.status).toBe(431);
    expect(tooLarge.text.toLowerCase()).toContain('access-control-allow-origin: *');
  });
});

describe('a stop with requests in flight', () => {
  it('SIGTERM lets 30 in-flight requests finish, then exits 0', async () => {
    const mock = await startMockProcess(['--port', '0', '--quiet']);
    const caller: Caller = { url: mock.url, apiKey: `stop-${randomUUID()}` };
    await call(caller, 'POST', '/__vlens/faults', { body: { operationId: 'checkExistenceOfEmailOrPhone', fault: 'delay', delayMs: 1500, times: 30 } });
    const inFlight = Array.from({ length: 30 }, (_, index) =>
      call(caller, 'POST', PATHS.exists, { body: { phoneNumber: `+2010012345${String(index).padStart(2, '0')}` } }).then(
        (answer) => answer.status,
        () => 0,
      ),
    );
    // All 30 are in flight once the journal has them: the engine files a request before its delay
    // is waited out by the adapter. (A fixed wait lost requests not yet accepted on a busy machine.)
    for (let filed = 0; filed < 30; ) {
      const journal = await call(caller, 'GET', '/__vlens/requests?operationId=checkExistenceOfEmailOrPhone');
      filed = (journal.body as { requests: unknown[] }).requests.length;
      if (filed < 30) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exited = mock.stop();
    expect(await Promise.all(inFlight)).toEqual(Array(30).fill(200));
    expect(await exited).toBe(0);
  });
});

describe('secrets under any name', () => {
  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0']);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  const SECRET = (name: string) => `s3cr3t-${name}-Zq9X${randomUUID().replaceAll('-', '')}`;
  it('the journal and the access log show none of them', async () => {
    const caller: Caller = { url: mock.url, apiKey: SECRET('apikey') };
    const secrets: string[] = [caller.apiKey];
    const headerNames = ['X-Authorization', 'X-Auth', 'X-Session', 'X-Signature', 'BundleKey', 'X-Api-Token', 'Cookie', 'Proxy-Authorization', 'X-Client-Secret', 'X-Refresh'];
    const headers: Record<string, string> = {};
    for (const name of headerNames) secrets.push((headers[name] = SECRET(name)));
    const queryNames = ['Authorization', 'key', 'code', 'session', 'access_token', 'apiKey', 'sig'];
    const query: Record<string, string> = {};
    for (const name of queryNames) secrets.push((query[name] = SECRET(name)));
    const bodyNames = ['passwordConfirmation', 'pwd', 'pin', 'token2', 'refresh', 'clientSecret', 'otpCode', 'x_api_key'];
    const body: Record<string, unknown> = {};
    for (const name of bodyNames) secrets.push(String((body[name] = SECRET(name))));
    const nested = SECRET('pass');
    body.credentials = { user: 'someone', pass: nested };
    secrets.push(nested);
    // Values that look like secrets whatever their name.
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2VjcmV0';
    const base64 = 'QmFzZTY0UGF5bG9hZEhpZGRlbjEyMw==';
    body.note = jwt;
    body.blob = base64;
    headers['X-Trace'] = `Bearer ${SECRET('trace')}`;
    secrets.push(jwt, base64, headers['X-Trace']!.slice(7));
    await call(caller, 'POST', PATHS.register, { headers, query, body: { phoneNumber: '+201001234567', ...body } });
    await call(caller, 'POST', `${PATHS.exists}`, { headers, query, body: { email: 'a@example.com', password: SECRET('password') } });
    const journal = JSON.stringify((await call(caller, 'GET', '/__vlens/requests')).body);
    const log = mock.stdout();
    const seen = secrets.filter((secret) => journal.includes(secret) || log.includes(secret));
    figures.secretsSeen += seen.length;
    expect(seen).toEqual([]);
    // What is not secret stays readable; personal data keeps its shape.
    expect(journal).toContain('"operationId":"register"');
    expect(journal).toContain('"phoneNumber":"+000000000000"');
  });
});
