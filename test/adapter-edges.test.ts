// How the Node adapter reads a request's addressing, on a real process over raw sockets: what Node
// itself used to answer or drop (no Host, CONNECT) now gets the vendor's envelope with CORS headers;
// two Host headers are refused (RFC 9112 §3.2); an absolute-form target is addressed to its own
// authority, which the control API's Host policy reads in place of Host (RFC 9112 §3.2.2); and a page
// of a *.localhost origin is a loopback page for the control API, as a *.localhost Host already is.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from './mock-process.js';

let mock: MockProcess;
let port: string;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
  port = new URL(mock.url).port;
});
afterAll(async () => {
  await mock?.stop();
});

interface RawAnswer {
  status: number | null;
  head: string;
  body: any;
  closed: boolean;
}

/** Sends raw bytes on a new connection; resolves once the mock closes it or `ms` passed. */
function raw(text: string, ms = 3000): Promise<RawAnswer> {
  const { hostname } = new URL(mock.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const split = received.indexOf('\r\n\r\n');
      const head = split === -1 ? received : received.slice(0, split);
      let body: any = null;
      try {
        body = JSON.parse(received.slice(split + 4));
      } catch {
        // not JSON
      }
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ status: status ? Number(status) : null, head: head.toLowerCase(), body, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', (error) => (received ? done(true) : reject(error)));
    socket.write(text);
  });
}

/** Expects the vendor's envelope with the given status and CORS headers. */
function expectEnvelope(answer: RawAnswer, status: number) {
  expect(answer.status, answer.head).toBe(status);
  expect(answer.body).toMatchObject({ data: null, error_code: status, error_descriptions: null });
  expect(typeof answer.body.error_message).toBe('string');
  expect(answer.head).toContain('access-control-allow-origin: *');
}

async function stillServing() {
  expect(mock.child.exitCode).toBeNull();
  expect((await fetch(`${mock.url}/__vlens/health`)).status).toBe(200);
}

describe('requests Node would answer or drop by itself', () => {
  it('an HTTP/1.1 request without Host gets 400 in the envelope; HTTP/1.0 needs none', async () => {
    const answer = await raw('GET /__vlens/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expectEnvelope(answer, 400);
    expect(answer.body.error_message).toBe('The request has no Host header; HTTP/1.1 requires one.');
    expect(answer.closed).toBe(true);
    // HTTP/1.0 has no Host requirement: answered as before.
    expect((await raw('GET /__vlens/health HTTP/1.0\r\n\r\n')).status).toBe(200);
    await stillServing();
  });

  it('CONNECT gets 405 in the envelope with Allow, then the connection closes', async () => {
    const answer = await raw(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expectEnvelope(answer, 405);
    expect(answer.body.error_message).toContain('not a proxy');
    expect(answer.head).toContain('allow: get, post, put, options');
    expect(answer.closed).toBe(true);
    // Bytes sent after it, as a tunnel's client would, are dropped; the answer still comes.
    const tunnelled = await raw(`CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n${'\u0016\u0003\u0001'.repeat(50_000)}`);
    expectEnvelope(tunnelled, 405);
    await stillServing();
  });
});

describe('the Host a request is addressed to', () => {
  it('two Host headers get 400 in the envelope, whichever comes first', async () => {
    for (const [first, second] of [
      ['localhost', 'evil.com'],
      ['evil.com', 'localhost'],
      ['localhost', 'localhost'],
    ]) {
      const answer = await raw(`GET /__vlens/requests HTTP/1.1\r\nHost: ${first}\r\nhost: ${second}\r\nApiKey: edges-two-hosts\r\nConnection: close\r\n\r\n`);
      expectEnvelope(answer, 400);
      expect(answer.body.error_message).toBe('The request has more than one Host header; HTTP allows one.');
    }
    // The API too: a request with two Hosts is not well formed whatever its path.
    const api = await raw('GET /api/Transactions/GetTransactionById HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n');
    expectEnvelope(api, 400);
    await stillServing();
  });

  it('an absolute-form target is addressed to its authority, not to Host, and routed by its path as before', async () => {
    const rebound = await raw('GET http://evil.com/__vlens/state HTTP/1.1\r\nHost: 127.0.0.1\r\nApiKey: edges-absolute\r\nConnection: close\r\n\r\n');
    expect(rebound.status).toBe(403);
    expect(rebound.body.title).toBe('Host not allowed');
    expect(rebound.body.detail).toContain('--allow-host evil.com');
    // The authority decides, either way round.
    const local = await raw(`GET http://127.0.0.1:${port}/__vlens/state HTTP/1.1\r\nHost: evil.com\r\nApiKey: edges-absolute\r\nConnection: close\r\n\r\n`);
    expect(local.status).toBe(200);
    expect(local.body.format).toBe('vlens-sandbox-state');
    // An absolute URL without a host cannot say whom it is addressed to.
    const hostless = await raw('GET file:///__vlens/state HTTP/1.1\r\nHost: 127.0.0.1\r\nApiKey: edges-absolute\r\nConnection: close\r\n\r\n');
    expectEnvelope(hostless, 400);
    // The API routes an absolute-form target by its path, as an origin-form one.
    const path = '/api/Transactions/GetTransactionById?transactionId=x';
    const origin = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nApiKey: edges-absolute\r\nConnection: close\r\n\r\n`);
    const absolute = await raw(`GET http://any.example${path} HTTP/1.1\r\nHost: x\r\nApiKey: edges-absolute\r\nConnection: close\r\n\r\n`);
    expect(origin.status).toBe(401);
    expect(absolute.status).toBe(origin.status);
    expect(absolute.body).toEqual(origin.body);
    await stillServing();
  });
});

describe('pages of a *.localhost origin', () => {
  it('the control API answers them as loopback pages, and still refuses look-alikes', async () => {
    for (const origin of ['http://app.localhost:3000', 'http://a.b.localhost', 'https://app.localhost:5173', 'https://localhost:5173']) {
      const read = await fetch(`${mock.url}/__vlens/requests`, { headers: { Origin: origin, ApiKey: 'edges-localhost' } });
      expect(read.status, origin).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe(origin);
    }
    for (const origin of ['http://app.localhost.evil.example', 'http://evil-localhost:3000', 'http://app.localhost:3000.evil.example', 'ftp://app.localhost']) {
      const read = await fetch(`${mock.url}/__vlens/requests`, { headers: { Origin: origin, ApiKey: 'edges-localhost' } });
      expect(read.status, origin).toBe(403);
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
