// What vlensSandbox's handlers promise beyond the parity suite: where they answer (the vendor's host in
// any letter case, a list of base URLs, a base URL with a path) and what they let through, seeded ids
// and tokens, close() ending waiting answers, and base URLs it refuses.
import { createServer, type Server } from 'node:http';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vlensSandbox } from 'vlens-digital-identity/msw';

let origin: Server;
let originUrl: string;
const reached: string[] = [];
const server = setupServer();

beforeAll(async () => {
  // A real server on this machine: what the handlers do not match must reach it.
  origin = createServer((request, response) => {
    reached.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/plain' }).end('the real origin');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originUrl = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
  server.listen({ onUnhandledFrame: 'bypass', onUnhandledRequest: 'bypass' } as Parameters<typeof server.listen>[0]);
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await new Promise((resolve) => origin.close(resolve));
});

const exists = (url: string, apiKey = 'k') =>
  fetch(url, { method: 'POST', headers: { ApiKey: apiKey, 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com' }) });

describe('where the handlers answer', () => {
  it('at https://api.vlenseg.com by default, the host in any letter case, the bare origin too', async () => {
    const sandbox = vlensSandbox();
    server.use(...sandbox.handlers);
    expect(sandbox.baseUrls).toEqual(['https://api.vlenseg.com']);
    expect(await (await exists('https://API.VlensEG.com/api/DigitalIdentity/CheckExistenceOfEmailOrPhone')).json()).toMatchObject({ data: { exists: false } });
    const bare = await fetch('https://api.vlenseg.com');
    expect(bare.status).toBe(404);
    expect(await bare.json()).toMatchObject({ error_code: 404 });
    expect((await fetch('https://api.vlenseg.com/__vlens/health')).status).toBe(200);
    sandbox.close();
  });

  it('at every base URL of a list, a path taken off; anything else goes through to the network', async () => {
    const sandbox = vlensSandbox({ baseUrl: ['https://api.vlenseg.com', `${originUrl}/vlens/`] });
    server.use(...sandbox.handlers);
    expect(sandbox.handlers).toHaveLength(2);
    expect(sandbox.baseUrls).toEqual(['https://api.vlenseg.com', `${originUrl}/vlens`]);
    expect(await (await exists(`${originUrl}/vlens/api/DigitalIdentity/CheckExistenceOfEmailOrPhone`)).json()).toMatchObject({ data: { exists: false } });
    expect(await (await fetch(`${originUrl}/vlens/__vlens/health`)).json()).toEqual({ status: 'ok' });
    // Both base URLs are the same sandbox: one tenant, one journal.
    await exists('https://api.vlenseg.com/api/DigitalIdentity/CheckExistenceOfEmailOrPhone');
    expect((await sandbox.control('k').requests()).requests.map((entry) => entry.path)).toEqual([
      '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone',
      '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone',
    ]);

    reached.length = 0;
    for (const path of ['/vlensx/api', '/other', '/']) expect(await (await fetch(`${originUrl}${path}`)).text()).toBe('the real origin');
    expect(reached).toEqual(['/vlensx/api', '/other', '/']);
    sandbox.close();
  });

  it('refuses a base URL that is not an absolute http(s) URL, without quoting a password', () => {
    for (const baseUrl of ['api.vlenseg.com', 'ftp://api.vlenseg.com', 'https://api.vlenseg.com/?x=1', 'https://api.vlenseg.com/#x', []]) {
      expect(() => vlensSandbox({ baseUrl: baseUrl as string })).toThrow(TypeError);
    }
    expect(() => vlensSandbox({ baseUrl: 'https://user:hunter22@api.vlenseg.com' })).toThrow(/<user info>/);
    expect(() => vlensSandbox({ baseUrl: 'https://user:hunter22@api.vlenseg.com' })).not.toThrow(/hunter22/);
    expect(() => vlensSandbox({ maxTenants: 0 })).toThrow(RangeError);
  });
});

describe('seed', () => {
  /** Register, then a front with no transaction id (the sandbox makes one): the ids and tokens issued. */
  async function issued(seed: string | number, now?: () => number) {
    const sandbox = vlensSandbox({ seed, now });
    server.use(...sandbox.handlers);
    const post = async (path: string, body: unknown, token?: string) => {
      const headers: Record<string, string> = { ApiKey: 'seeded', 'Content-Type': 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      return (await (await fetch(`https://api.vlenseg.com${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json()).data;
    };
    const phoneNumber = '+201900000777';
    const { phoneNumberOtpRequestId } = await post('/api/DigitalIdentity/Register/StepVerifyPhone', { phoneNumber });
    const registered = await post('/api/DigitalIdentity/Register', { phoneNumber, password: 'S3cure!pass', phoneNumberOtpRequestId, phoneNumberOtp: '123456' });
    const front = await post(
      '/api/DigitalIdentity/verify/id/front',
      { image: Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 600 }, (_, index) => index % 251)]).toString('base64') },
      registered.accessToken,
    );
    server.resetHandlers();
    sandbox.close();
    return { phoneNumberOtpRequestId, transactionId: front.idFrontData.transaction_id as string, accessToken: registered.accessToken as string };
  }

  it('two runs with the same seed issue the same ids; another seed, others', async () => {
    const first = await issued('run');
    const second = await issued('run');
    expect([second.phoneNumberOtpRequestId, second.transactionId]).toEqual([first.phoneNumberOtpRequestId, first.transactionId]);
    const other = await issued('other');
    expect(other.phoneNumberOtpRequestId).not.toBe(first.phoneNumberOtpRequestId);
    expect(other.transactionId).not.toBe(first.transactionId);
  });

  it('with the clock fixed too, the same tokens', async () => {
    const now = () => Date.UTC(2026, 0, 1);
    expect((await issued(7, now)).accessToken).toBe((await issued(7, now)).accessToken);
  });
});

describe('close()', () => {
  it('ends a hung answer as a network error', async () => {
    const sandbox = vlensSandbox();
    server.use(...sandbox.handlers);
    await sandbox.control('k').addFault({ fault: 'hang' });
    const hung = exists('https://api.vlenseg.com/api/DigitalIdentity/CheckExistenceOfEmailOrPhone').then(
      () => 'answered',
      (error: Error) => error.name,
    );
    while (!(await sandbox.control('k').requests()).requests.some((entry) => entry.fault === 'hang')) await new Promise((resolve) => setTimeout(resolve, 10));
    sandbox.close();
    expect(await hung).toBe('TypeError');
  });
});
