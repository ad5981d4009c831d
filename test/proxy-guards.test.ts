// The proxy's own guards, on the real `vlens-mock proxy` process with real HTTP.
// DNS rebinding: the proxy names the upstream as Host, so a page whose public name resolves to
// 127.0.0.1 reached a sandbox's control API through it (`GET /__vlens/state` with `Host:
// evil.example.com` answered 200 with the tenant's state), and the proxy's own report answered any
// Host. The proxy now answers only the names the sandbox's control API answers (mocks/engine/hosts.js).
// Loops: a proxy whose upstream was itself turned one request into some 10,000 exchanges and as many
// recordings. The proxy now sends Via (RFC 9110 7.6.3) and answers 508 to a request that carries its
// own Via hop, and refuses to start when --upstream is literally its own host and port.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { CLI, ROOT, startCli, type Running } from './proxy-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlens-proxy-guards-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((proxy) => proxy.stop()));
});

async function proxyOf(args: string[]): Promise<Running> {
  const proxy = await startCli(['proxy', '--quiet', ...args]);
  running.push(proxy);
  return proxy;
}

/** One request with the given Host header (fetch does not let a caller set Host). */
function send(base: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method, path, headers }, (answer) => {
      let text = '';
      answer.setEncoding('utf8').on('data', (part: string) => (text += part));
      answer.on('end', () => resolve({ status: answer.statusCode!, headers: answer.headers, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const envelopeOf = (body: string) => JSON.parse(body) as { data: unknown; error_code: number; error_message: string; error_descriptions: unknown };

/** A port free on every interface now (the loop tests need to know it before the proxy starts). */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '0.0.0.0');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('the Host names the proxy answers (DNS rebinding)', () => {
  let upstream: Server;
  let upstreamUrl: string;
  const seen: { url: string; host: string | undefined; via: string | undefined }[] = [];
  beforeAll(async () => {
    upstream = createServer((request, response) => {
      request.resume();
      seen.push({ url: request.url ?? '', host: request.headers.host, via: request.headers.via });
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":{"exists":false},"error_code":null,"error_message":null,"error_descriptions":null}');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('refuses a public Host with 403 in the envelope before anything is forwarded or filed; loopback, IP, single-label and .local names pass', async () => {
    const proxy = await proxyOf(['--upstream', upstreamUrl, '--port', '0']);
    const port = new URL(proxy.url).port;
    seen.length = 0;
    const evil = `evil.example.com:${port}`;

    const forwarded = await send(proxy.url, 'GET', '/__vlens/state', { Host: evil, ApiKey: 'review-tenant' });
    expect(forwarded.status).toBe(403);
    expect(forwarded.headers['content-type']).toMatch(/^application\/json/);
    const envelope = envelopeOf(forwarded.body);
    expect(envelope).toMatchObject({ data: null, error_code: 403, error_descriptions: null });
    expect(envelope.error_message).toContain('Host not allowed');
    expect(envelope.error_message).toContain('--allow-host evil.example.com');
    const api = await send(
      proxy.url,
      'POST',
      '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone',
      { Host: evil, ApiKey: 'review-tenant', 'Content-Type': 'application/json' },
      '{"phoneNumber":"+201001234567"}',
    );
    expect(api.status).toBe(403);
    // The proxy's own endpoints too: the report names the upstream and the traffic.
    for (const path of ['/__vlens-proxy/report', '/__vlens-proxy/report.md', '/__vlens-proxy/verdict']) {
      expect((await send(proxy.url, 'GET', path, { Host: evil })).status, path).toBe(403);
    }
    expect(seen).toEqual([]);
    const report = await (await fetch(`${proxy.url}/__vlens-proxy/report`)).json();
    expect(report.totals.exchanges).toBe(0);

    // The names and addresses an app, the typed client or a phone on the LAN really uses pass as before.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `192.168.1.20:${port}`, `10.0.2.2:${port}`, `vlens:${port}`, `my-mac.local:${port}`]) {
      const answer = await send(proxy.url, 'GET', '/__vlens/state', { Host: host, ApiKey: 'review-tenant' });
      expect(answer.status, host).toBe(200);
    }
    expect(seen.map((request) => request.url)).toEqual(Array(7).fill('/__vlens/state'));
    // Host names the upstream, as before.
    expect(new Set(seen.map((request) => request.host))).toEqual(new Set([new URL(upstreamUrl).host]));
  });

  it('answers a public name given with --allow-host (a leading dot for its subdomains)', async () => {
    const proxy = await proxyOf(['--upstream', upstreamUrl, '--port', '0', '--allow-host', 'evil.example.com', '--allow-host', '.qa.example.org']);
    const port = new URL(proxy.url).port;
    seen.length = 0;
    expect((await send(proxy.url, 'GET', '/__vlens/state', { Host: `evil.example.com:${port}` })).status).toBe(200);
    expect((await send(proxy.url, 'GET', '/__vlens/state', { Host: `app.qa.example.org:${port}` })).status).toBe(200);
    expect((await send(proxy.url, 'GET', '/__vlens-proxy/report', { Host: `evil.example.com:${port}` })).status).toBe(200);
    expect((await send(proxy.url, 'GET', '/__vlens/state', { Host: `other.example.com:${port}` })).status).toBe(403);
    expect(seen).toHaveLength(2);
  });

  it('refuses a name that is not a host name in --allow-host (exit 2)', () => {
    const result = spawnSync(process.execPath, [CLI, 'proxy', '--upstream', upstreamUrl, '--port', '0', '--allow-host', 'http://evil.example.com/'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('allowHosts must be a list of host names');
  });

  it('adds its hop to Via, so a chain of two proxies reaches the upstream with both hops named', async () => {
    const first = await proxyOf(['--upstream', upstreamUrl, '--port', '0']);
    const second = await proxyOf(['--upstream', first.url, '--port', '0']);
    seen.length = 0;
    expect((await send(second.url, 'GET', '/__vlens/state', { Via: '1.1 corporate-proxy' })).status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.via).toMatch(/^1\.1 corporate-proxy, 1\.1 vlens-mock-proxy-([0-9a-f]{12}), 1\.1 vlens-mock-proxy-(?!\1)[0-9a-f]{12}$/);
  });

  it("keeps a sandbox's control API from a rebinding page behind the proxy (the tester's finding)", async () => {
    let sandbox: MockProcess | undefined;
    try {
      sandbox = await startMockProcess(['--port', '0', '--quiet']);
      const proxy = await proxyOf(['--upstream', sandbox.url, '--port', '0']);
      const port = new URL(proxy.url).port;
      const state = await send(proxy.url, 'GET', '/__vlens/state', { Host: `evil.example.com:${port}`, ApiKey: 'review-proxy-rebind' });
      expect(state.status).toBe(403);
      expect(state.body).not.toContain('vlens-sandbox-seed');
      expect((await send(proxy.url, 'GET', '/__vlens/state', { Host: `127.0.0.1:${port}`, ApiKey: 'review-proxy-rebind' })).status).toBe(200);
    } finally {
      await sandbox?.stop();
    }
  });
});

describe('a proxy whose upstream leads back to itself', () => {
  it('refuses to start when --upstream is its own host and port (exit 2, one line)', async () => {
    const port = await freePort();
    for (const [upstream, host] of [
      [`http://127.0.0.1:${port}`, '127.0.0.1'],
      [`http://localhost:${port}`, '127.0.0.1'],
      [`http://127.0.0.1:${port}/base`, '0.0.0.0'],
    ] as const) {
      const result = spawnSync(process.execPath, [CLI, 'proxy', '--upstream', upstream, '--port', String(port), '--host', host], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
      expect(result.status, upstream).toBe(2);
      expect(result.stderr.trim().split('\n'), upstream).toHaveLength(1);
      expect(result.stderr).toContain('is the proxy itself');
    }
  });

  // 127.0.0.2 is the proxy itself (it listens on every interface) under a name the start check does
  // not take for its own: only Via finds the loop. (Linux answers all of 127.0.0.0/8.)
  it('answers 508 in the envelope at once to a request that comes back to it, and records at most the one exchange', async () => {
    const port = await freePort();
    const record = join(scratch, 'self-loop');
    const proxy = await proxyOf(['--upstream', `http://127.0.0.2:${port}`, '--host', '0.0.0.0', '--port', String(port), '--record', record]);
    const started = performance.now();
    const answer = await send(
      proxy.url,
      'POST',
      '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone',
      { ApiKey: 'review-loop', 'Content-Type': 'application/json' },
      '{"phoneNumber":"+201001234567"}',
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(answer.status).toBe(508);
    const envelope = envelopeOf(answer.body);
    expect(envelope).toMatchObject({ data: null, error_code: 508, error_descriptions: null });
    expect(envelope.error_message).toContain('Loop Detected');
    // The verdict waits for every exchange answered to be filed; the loop's second arrival is not one.
    const verdict = await (await fetch(`${proxy.url}/__vlens-proxy/verdict`)).json();
    expect(verdict.exchanges).toBe(1);
    expect(readdirSync(record).filter((name) => name.endsWith('.json')).length).toBeLessThanOrEqual(1);
  });

  it('finds a loop through another proxy (A to B to A) by its own hop in the Via list', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const record = join(scratch, 'two-loop');
    const a = await proxyOf(['--upstream', `http://127.0.0.1:${portB}`, '--port', String(portA), '--record', record]);
    await proxyOf(['--upstream', `http://127.0.0.1:${portA}`, '--port', String(portB)]);
    const started = performance.now();
    const answer = await send(a.url, 'GET', '/__vlens/state', { ApiKey: 'review-loop' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(answer.status).toBe(508);
    expect(envelopeOf(answer.body).error_code).toBe(508);
    await fetch(`${a.url}/__vlens-proxy/verdict`);
    expect(readdirSync(record).filter((name) => name.endsWith('.json')).length).toBeLessThanOrEqual(1);
  });
});
