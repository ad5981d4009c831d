// Review finding: the control API takes "the sandbox's own origin" from the request's Host header
// (mocks/engine/cors.js corsFor(..., self) with self built from Host), and no Host is ever checked. A
// page on a public name whose DNS answer switches to 127.0.0.1 (DNS rebinding) is then "its own origin":
// its Origin and Host agree, so it may reset a tenant and read its journal, which issue 17 item 5 says a
// public page cannot. Same-origin GETs carry no Origin at all. Dev servers refuse unknown Host names for
// this reason (webpack-dev-server's allowedHosts, Vite's server.allowedHosts). Right: on the control API,
// a Host that is not an IP literal, localhost, or a name allowed by --allow-origin is refused (403).
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from './mock-process.js';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
});
afterAll(async () => {
  await mock?.stop();
});

/** One request with the given Host header (fetch does not let a caller set Host). */
function send(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(mock.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method, path, headers }, (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (text: string) => (body += text));
      answer.on('end', () => resolve({ status: answer.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the control API behind a rebinding name', () => {
  it('refuses a page whose Host and Origin are a public name, even though they agree', async () => {
    const port = new URL(mock.url).port;
    const tenant = `review-rebind-${Date.now()}`;
    // The tenant has a journal entry an attacker would like to read.
    await fetch(`${mock.url}/api/DigitalIdentity/CheckExistenceOfEmailOrPhone`, {
      method: 'POST',
      headers: { ApiKey: tenant, 'Content-Type': 'application/json' },
      body: '{"phoneNumber":"+201001234567"}',
    });
    const page = `rebind.attacker.example:${port}`;

    const read = await send('GET', '/__vlens/requests', { Host: page, ApiKey: tenant });
    expect(read.status, read.body.slice(0, 200)).toBe(403);

    const reset = await send('POST', '/__vlens/reset', { Host: page, Origin: `http://${page}`, ApiKey: tenant });
    expect(reset.status, reset.body.slice(0, 200)).toBe(403);

    // The loopback names and addresses a developer really uses keep working.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await send('GET', '/__vlens/requests', { Host: host, ApiKey: tenant })).status, host).toBe(200);
    }
  });
});
