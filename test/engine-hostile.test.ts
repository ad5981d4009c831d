// Hostile input through `handle()`, in process (vlens-digital-identity/sandbox, MSW): nothing here has
// the Node server's header cap or socket timers in front of the engine, so the engine itself must
// answer every request in the vendor's envelope, end a body that never arrives, and keep personal
// data out of the journal whatever the name it comes under.
import { describe, expect, it } from 'vitest';
import { createSandbox } from '../mocks/sandbox.js';
import { PATHS } from './sandbox-helpers.js';

const BASE = 'http://sandbox.invalid';

describe('hostile requests to handle()', () => {
  it('answers a 10 MB header value in the envelope, and journals it by its length only', async () => {
    const sandbox = createSandbox();
    const huge = 'a'.repeat(10_000_000);
    const answer = await sandbox.handle(
      new Request(`${BASE}${PATHS.exists}`, {
        method: 'POST',
        headers: { ApiKey: 'huge-header', 'Content-Type': 'application/json', 'X-Big': huge },
        body: '{"phoneNumber":"+201001234567"}',
      }),
    );
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ error_code: null });
    const { requests } = await sandbox.control('huge-header').requests();
    expect(requests).toHaveLength(1);
    const shown = requests[0]!.headers['x-big']!;
    expect(shown.length).toBeLessThan(100);
    expect(shown).not.toContain('aaaa');
    sandbox.close();
  });

  it('ends a body that never arrives with a 408 in the envelope after requestTimeoutSeconds', async () => {
    const sandbox = createSandbox({ requestTimeoutSeconds: 1 });
    const never = new ReadableStream<Uint8Array>({ start() {} });
    const answer = await sandbox.handle(
      new Request(`${BASE}${PATHS.exists}`, { method: 'POST', headers: { ApiKey: 'never-body', 'Content-Type': 'application/json' }, body: never, duplex: 'half' } as RequestInit),
    );
    expect(answer.status).toBe(408);
    expect(await answer.json()).toEqual({ data: null, error_code: 408, error_message: 'The request body did not arrive within 1 seconds.', error_descriptions: null });
    const { requests } = await sandbox.control('never-body').requests();
    expect(requests.map((entry) => [entry.operationId, entry.status])).toEqual([['checkExistenceOfEmailOrPhone', 408]]);
    // A body that does arrive within the time is served as ever.
    const fine = await sandbox.handle(
      new Request(`${BASE}${PATHS.exists}`, { method: 'POST', headers: { ApiKey: 'never-body', 'Content-Type': 'application/json' }, body: '{"phoneNumber":"+201001234567"}' }),
    );
    expect(fine.status).toBe(200);
    sandbox.close();
  });

  it('refuses a request timeout out of range, naming the option', () => {
    expect(() => createSandbox({ requestTimeoutSeconds: 0 })).toThrow('requestTimeoutSeconds must be from 1 to 86400 seconds, got 0');
    expect(() => createSandbox({ requestTimeoutSeconds: Number.NaN })).toThrow('requestTimeoutSeconds must be a number of seconds, got NaN');
  });

  it('masks an ID number, a phone and an email by their shape in the query and the headers', async () => {
    const sandbox = createSandbox();
    await sandbox.handle(
      new Request(`${BASE}${PATHS.transaction}?nid=29001011234560&contact=someone.real@gmail.com&TransactionId=81f404b3-d7dc-4f08-b4fe-934853c86282&TenancyName=t`, {
        headers: { ApiKey: 'shapes', 'X-Phone': '+201055544433', 'X-Contact': 'someone.real@gmail.com', 'X-Request-Id': '81f404b3-d7dc-4f08-b4fe-934853c86282' },
      }),
    );
    const [entry] = (await sandbox.control('shapes').requests()).requests;
    const text = JSON.stringify(entry);
    for (const personal of ['29001011234560', '201055544433', 'someone.real', 'gmail']) expect(text).not.toContain(personal);
    expect(entry!.query.nid).toBe('00000000000000');
    expect(entry!.headers['x-phone']).toBe('+000000000000');
    // What is not personal stays as sent: the journal is for reading what an app sent.
    expect(entry!.query.TransactionId).toBe('81f404b3-d7dc-4f08-b4fe-934853c86282');
    expect(entry!.headers['x-request-id']).toBe('81f404b3-d7dc-4f08-b4fe-934853c86282');
    sandbox.close();
  });

  it('names the path as it was sent in a 404', async () => {
    const sandbox = createSandbox();
    const answer = await sandbox.handle(new Request(`${BASE}//`, { headers: { ApiKey: 'slashes' } }));
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error_message: string }).error_message).toMatch(/^No operation at \/\/\. The mock serves: /);
    sandbox.close();
  });
});
