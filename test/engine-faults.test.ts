// The faults found by attacking the sandbox (issue "The sandbox engine, rebuilt"), each against the real
// process over HTTP: a reset ends what the tenant had in flight; refresh tokens keep their kind and an
// unknown one is refused; an accepted unknown bearer can be expired (and the client then refreshes);
// magic values match in any case and a misspelt one is refused; options are range-checked.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVlensClient } from '../src/index.js';
import { startMock } from '../mocks/index.js';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, capture, image, login, register, testPhone, type Caller } from './sandbox-helpers.js';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
});
afterAll(async () => {
  await mock?.stop();
});
const tenant = (): Caller => ({ url: mock.url, apiKey: `faults-${randomUUID()}` });

/** A request whose outcome is watched: whether it settled, and how. */
function watch(promise: Promise<unknown>) {
  const state: { settled: boolean; outcome: 'answered' | 'failed' | null } = { settled: false, outcome: null };
  void promise.then(
    () => Object.assign(state, { settled: true, outcome: 'answered' }),
    () => Object.assign(state, { settled: true, outcome: 'failed' }),
  );
  return state;
}

const until = async (test: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!test() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return test();
};

describe('a reset ends what the tenant had in flight', () => {
  it('a delayed answer never arrives after the reset, and its transaction is unknown afterwards', async () => {
    const caller = tenant();
    const user = await register(caller);
    await call(caller, 'POST', '/__vlens/faults', { body: { operationId: 'verifyIdFront', fault: 'delay', delayMs: 30_000 } });
    const transactionId = randomUUID();
    const front = watch(call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(1), transaction_id: transactionId } }));
    // The state changed before the answer is due: the sandbox holds the transaction until the reset.
    expect(await until(() => false, 300)).toBe(false);
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(200);
    expect(front.settled).toBe(false);
    expect((await call(caller, 'POST', '/__vlens/reset')).status).toBe(204);
    expect(await until(() => front.settled)).toBe(true);
    expect(front.outcome).toBe('failed');
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(404);
    expect((await call(caller, 'GET', '/__vlens/requests')).body.requests).toEqual([]);
  });

  it("a hung request is closed by the reset; another tenant's hang is not", async () => {
    const [caller, other] = [tenant(), tenant()];
    for (const who of [caller, other]) await call(who, 'POST', '/__vlens/faults', { body: { fault: 'hang' } });
    const body = { phoneNumber: testPhone() };
    const mine = watch(call(caller, 'POST', PATHS.exists, { body }));
    const theirs = watch(call(other, 'POST', PATHS.exists, { body }));
    await until(() => false, 300);
    expect([mine.settled, theirs.settled]).toEqual([false, false]);
    await call(caller, 'POST', '/__vlens/reset');
    expect(await until(() => mine.settled)).toBe(true);
    expect(mine.outcome).toBe('failed');
    await until(() => false, 200);
    expect(theirs.settled).toBe(false);
    await call(other, 'POST', '/__vlens/reset');
    expect(await until(() => theirs.settled)).toBe(true);
  });
});

describe('refresh tokens keep their kind; the sandbox refuses one it does not know', () => {
  it('refuses a refresh token it never issued with 401 in the envelope, whatever its shape', async () => {
    const caller = tenant();
    for (const refreshToken of ['rt_never-issued-by-this-sandbox', 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiVXNlciJ9.c2ln']) {
      const answer = await call(caller, 'POST', PATHS.refresh, { body: { refreshToken } });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ data: null, error_code: 401, error_descriptions: [{ field: 'refreshToken', message: expect.stringContaining('log in again') }] });
    }
  });

  it("a user's refresh token after a reset is refused, and the user's old access token no longer passes admin-only operations", async () => {
    const caller = tenant();
    const admin = await call(caller, 'POST', PATHS.adminLogin, {
      headers: { TenancyName: 'acme' },
      body: { userNameOrEmailAddress: 'admin', password: 'pass', tenancyName: 'acme' },
    });
    const refreshToken = admin.body.data.refreshToken;
    const user = await register(caller);
    await call(caller, 'POST', '/__vlens/reset');
    expect((await call(caller, 'POST', PATHS.refresh, { body: { refreshToken } })).status).toBe(401);
    // The user's token says it is a user's (the sandbox's own tokens carry their role): 403, not an admin.
    const asAdmin = await call(caller, 'GET', PATHS.images, { token: user.token, query: { emailOrPhoneNumber: user.phoneNumber } });
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body.error_descriptions[0].message).toMatch(/^A user token may not call getUserDigitalIdentityImages, which needs an admin token\.$/);
  });

  it('a refreshed user token is a user token: its refresh gives a user token again', async () => {
    const caller = tenant();
    const user = await register(caller);
    const loggedIn = await login(caller, user);
    const refreshed = await call(caller, 'POST', PATHS.refresh, { body: { refreshToken: loggedIn.body.data.refreshToken } });
    expect(refreshed.status).toBe(200);
    const token = refreshed.body.data.accessToken;
    expect((await call(caller, 'GET', PATHS.images, { token, query: { emailOrPhoneNumber: user.phoneNumber } })).status).toBe(403);
    expect((await call(caller, 'POST', PATHS.front, { token, body: { image: image(2) } })).status).toBe(200);
  });
});

describe('tokens the sandbox accepted but did not issue can be expired', () => {
  it('counts them, and their next use is 401 tokenExpired', async () => {
    const caller = tenant();
    const token = 'any.test.token';
    expect((await call(caller, 'POST', PATHS.front, { token, body: { image: image(3) } })).status).toBe(200);
    const expired = await call(caller, 'POST', '/__vlens/tokens/expire');
    expect(expired.body).toEqual({ expired: 1 });
    const after = await call(caller, 'POST', PATHS.front, { token, body: { image: image(3) } });
    expect(after.status).toBe(401);
    expect(after.body.error_descriptions).toEqual([{ field: 'Authorization', message: 'The access token has expired.' }]);
  });

  it("the testing guide's recipe makes the client refresh: expire, then the next call renews its token once", async () => {
    const caller = tenant();
    const renewed: string[] = [];
    const vlens = createVlensClient({
      baseUrl: mock.url,
      apiKey: caller.apiKey,
      accessToken: () => renewed.at(-1) ?? 'any.test.token',
      refreshAccessToken: async () => {
        renewed.push(`renewed.${randomUUID()}.token`);
        return renewed.at(-1)!;
      },
    });
    const photo = () => Uint8Array.from(Buffer.from(image(randomUUID()), 'base64'));
    await vlens.scanIdFront({ image: photo() });
    expect(renewed).toEqual([]);
    await call(caller, 'POST', '/__vlens/tokens/expire');
    await vlens.scanIdFront({ image: photo() });
    expect(renewed).toHaveLength(1);
  });
});

describe('magic values', () => {
  it('match the scenario name in any letter case', async () => {
    const caller = tenant();
    // Each test its own address: the part before the tags is free.
    const user = await register(caller, { email: `qa-${randomUUID().slice(0, 8)}+liveness.spoofdetected@example.test` });
    const flow = await capture(caller, user.token);
    expect(flow.liveness.body.services.spoofing.fake).toBe(true);
    const entry = (await call(caller, 'GET', '/__vlens/requests', { query: { operationId: 'verifyLiveness' } })).body.requests.at(-1);
    expect(entry).toMatchObject({ scenario: 'spoofDetected', forcedBy: 'magic' });
  });

  it('a magic-looking email or phone number that names no outcome is refused at registration, with the valid ones', async () => {
    const caller = tenant();
    const sent = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber: '+201999123456' } });
    const refused = await call(caller, 'POST', PATHS.register, {
      body: {
        phoneNumber: '+201999123456',
        email: 'qa+liveness.spofDetected@example.test',
        password: 'S3cure!pass',
        phoneNumberOtpRequestId: sent.body.data.phoneNumberOtpRequestId,
        phoneNumberOtp: '123456',
      },
    });
    expect(refused.status).toBe(400);
    const fields = Object.fromEntries(refused.body.error_descriptions.map((entry: { field: string; message: string }) => [entry.field, entry.message]));
    expect(fields.phoneNumber).toMatch(/code 99 names no outcome; the codes are: 00 .*33 \(liveness\.spoofDetected\)/);
    expect(fields.email).toMatch(/"liveness\.spofDetected" names no scenario.*liveness: .*spoofDetected/);
  });
});

describe('options are range-checked where they enter', () => {
  it('the CLI refuses a transaction TTL no date can hold, naming the option', async () => {
    const failed = await startMockProcess(['--port', '0', '--transaction-ttl', '9000000000000']).then(
      async (started) => {
        await started.stop();
        return null;
      },
      (error: Error) => error.message,
    );
    expect(failed).toMatch(/exited with 2 before listening/);
    expect(failed).toMatch(/transactionTtlSeconds must be from 1 to 3153600000 seconds, got 9000000000000/);
  });

  it('startMock refuses Infinity, 0 and -1 with an error naming the option', async () => {
    await expect(startMock({ transactionTtlSeconds: Number.POSITIVE_INFINITY })).rejects.toThrow(
      new TypeError('transactionTtlSeconds must be a whole number of seconds, got Infinity'),
    );
    await expect(startMock({ transactionTtlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(startMock({ imageBudgetBytes: -1 })).rejects.toThrow(/imageBudgetBytes must be from 0 to \d+ bytes, got -1/);
    await expect(startMock({ maxConnections: 3 })).rejects.toThrow(/maxConnections must be from 16/);
  });
});
