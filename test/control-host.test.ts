// DNS rebinding: a public page whose name resolves to 127.0.0.1 sends its own name as Host and its
// own origin as Origin, which agree, so an origin check alone would let it read and reset tenants
// (issue 17 item 5). The control API answers only names no public DNS answers (loopback, IP literals,
// single-label and .local names) and those allowed with --allow-host or --allow-origin, as Vite's
// server.allowedHosts and webpack-dev-server's allowedHosts do. The health probe answers any name.
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
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(mock.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method, path, headers }, (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (text: string) => (body += text));
      answer.on('end', () => resolve({ status: answer.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
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

    const problem = JSON.parse(reset.body) as { title: string; detail: string };
    expect(problem.title).toBe('Host not allowed');
    expect(problem.detail).toContain('--allow-host rebind.attacker.example');

    // The names and addresses a developer, a phone on the LAN or a container really uses keep working.
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `192.168.1.20:${port}`,
      `10.0.2.2:${port}`,
      `vlens:${port}`,
      `my-mac.local:${port}`,
      `app.localhost:${port}`,
    ]) {
      expect((await send('GET', '/__vlens/requests', { Host: host, ApiKey: tenant })).status, host).toBe(200);
    }
    // The API itself answers any Host (an app under test may reach the sandbox by any name).
    const api = await send(
      'POST',
      '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone',
      { Host: page, ApiKey: tenant, 'Content-Type': 'application/json' },
      '{"phoneNumber":"+201001234567"}',
    );
    expect(api.status).not.toBe(403);
    // The health probe reads no tenant: an orchestrator may use any name.
    expect((await send('GET', '/__vlens/health', { Host: page })).status).toBe(200);
  });

  it('answers a public name given with --allow-host (or its subdomains, given with a leading dot)', async () => {
    const allowing = await startMockProcess(['--port', '0', '--quiet', '--allow-host', 'qa.example.com', '--allow-host', '.sandbox.example.org']);
    try {
      const port = new URL(allowing.url).port;
      const status = async (host: string) => {
        const { hostname } = new URL(allowing.url);
        return new Promise<number>((resolve, reject) => {
          const outgoing = httpRequest({ host: hostname, port, method: 'GET', path: '/__vlens/requests', headers: { Host: host, ApiKey: 'allow-host' } }, (answer) => {
            answer.resume();
            resolve(answer.statusCode!);
          });
          outgoing.on('error', reject);
          outgoing.end();
        });
      };
      expect(await status(`qa.example.com:${port}`)).toBe(200);
      expect(await status(`QA.Example.com.:${port}`)).toBe(200);
      expect(await status(`eu.sandbox.example.org:${port}`)).toBe(200);
      expect(await status(`sandbox.example.org:${port}`)).toBe(200);
      expect(await status(`other.example.com:${port}`)).toBe(403);
      expect(await status(`qa.example.com.evil.test:${port}`)).toBe(403);
    } finally {
      await allowing.stop();
    }
  });

  it('refuses a malformed --allow-host with a one-line reason', async () => {
    const refused = await startMockProcess(['--port', '0', '--allow-host', 'https://qa.example.com']).then(
      async (started) => {
        await started.stop();
        return null;
      },
      (error: Error) => error,
    );
    expect(refused?.message).toMatch(/allowHosts must be a list of host names/);
  });
});
