// Tenants: all state is kept per ApiKey value, so parallel test suites can share one mock. 25 whole
// flows run at once over 5 keys against the real mock process; each must see only its own users,
// transactions, images, queued outcomes, faults and journal.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, capture, login, register, testPhone, type Caller } from './sandbox-helpers.js';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
});
afterAll(async () => {
  await mock?.stop();
});

const KEYS = 5;
const FLOWS_PER_KEY = 5;
const ADMIN = 'tenant.admin.token';

interface FlowResult {
  key: number;
  phoneNumber: string;
  transactionId: string;
  sentId: string;
  verified: boolean;
  livenessScenarioSpoofed: boolean;
  stepImageMatches: boolean;
  listedOwnTransaction: boolean;
  loginVerified: boolean;
  viewUserPhone: string;
}

async function flow(caller: Caller, key: number): Promise<FlowResult> {
  const user = await register(caller);
  const token = (await login(caller, user)).body.data.accessToken as string;
  const sentId = randomUUID();
  const captured = await capture(caller, token, { transactionId: sentId });
  await call(caller, 'POST', PATHS.link, { token, body: { transactionId: captured.transactionId } });
  const names = (await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data;
  const step = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: captured.transactionId, FileName: names?.livenessFace02Image ?? '-' } });
  const view = (await call(caller, 'GET', `/__vlens/transactions/${captured.transactionId}`)).body;
  return {
    key,
    phoneNumber: user.phoneNumber,
    transactionId: captured.transactionId,
    sentId,
    verified: captured.liveness.body.data?.isDigitalIdentityVerified === true,
    livenessScenarioSpoofed: captured.liveness.body.services?.spoofing?.fake === true,
    stepImageMatches: step.body.data?.image === captured.images.faces[1],
    listedOwnTransaction: typeof names?.idFrontImage === 'string' && names.idFrontImage.includes(captured.transactionId.slice(0, 8)),
    loginVerified: (await login(caller, user)).body.data.isDigitalIdentityVerified,
    viewUserPhone: view.user?.phoneNumber,
  };
}

describe(`${KEYS * FLOWS_PER_KEY} flows at once over ${KEYS} ApiKeys`, () => {
  it('keep every user, transaction, image, queued outcome, fault and journal entry in its own tenant', async () => {
    const callers = Array.from({ length: KEYS }, (): Caller => ({ url: mock.url, apiKey: `tenant-${randomUUID()}` }));
    // Tenant 0 queues spoofs for all its liveness calls and arms a short delay on every call: nobody else may see either.
    await call(callers[0]!, 'POST', '/__vlens/outcomes', { body: { operationId: 'verifyLiveness', scenario: 'spoofDetected', times: FLOWS_PER_KEY } });
    await call(callers[0]!, 'POST', '/__vlens/faults', { body: { fault: 'delay', delayMs: 1, times: 1000 } });

    const results = await Promise.all(callers.flatMap((caller, key) => Array.from({ length: FLOWS_PER_KEY }, () => flow(caller, key))));
    expect(results).toHaveLength(25);
    for (const result of results) {
      const spoofTenant = result.key === 0;
      expect(result.transactionId).toBe(result.sentId);
      expect(result.livenessScenarioSpoofed, `tenant ${result.key}`).toBe(spoofTenant);
      expect(result.verified).toBe(!spoofTenant);
      expect(result.loginVerified).toBe(!spoofTenant);
      expect(result.viewUserPhone).toBe(result.phoneNumber);
      expect(result.listedOwnTransaction).toBe(true);
      expect(result.stepImageMatches).toBe(true);
    }

    for (const [key, caller] of callers.entries()) {
      const mine = results.filter((result) => result.key === key);
      const others = results.filter((result) => result.key !== key);
      const { requests } = (await call(caller, 'GET', '/__vlens/requests')).body;
      const text = JSON.stringify(requests);
      for (const result of mine) expect(text).toContain(result.transactionId);
      for (const result of others) {
        expect(text).not.toContain(result.transactionId);
        expect(text).not.toContain(result.phoneNumber);
      }
      expect(requests.some((entry: { fault: string | null }) => entry.fault === 'delay')).toBe(key === 0);
      expect(requests.filter((entry: { forcedBy: string | null }) => entry.forcedBy === 'queue')).toHaveLength(key === 0 ? FLOWS_PER_KEY : 0);
    }
  });

  it("answers one tenant's ids in another as unknown", async () => {
    const [mine, theirs]: [Caller, Caller] = [
      { url: mock.url, apiKey: `tenant-${randomUUID()}` },
      { url: mock.url, apiKey: `tenant-${randomUUID()}` },
    ];
    const user = await register(mine);
    const { transactionId } = await capture(mine, user.token);
    const names = (await call(mine, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data;

    expect((await call(theirs, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(404);
    expect((await call(theirs, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: transactionId, FileName: names.idFrontImage } })).body.error_code).toBe(400);
    expect((await call(theirs, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data).toBeNull();
    expect(
      (await call(theirs, 'POST', PATHS.liveness, { token: user.token, body: { face_1: 'QUFB', face_2: 'QkJC', face_3: 'Q0ND', transaction_id: transactionId } })).body.error_code,
    ).toBe(5004);
    // The same phone number is a different user in each tenant; a token of one tenant is a stranger in another.
    const again = await register(theirs, { phoneNumber: user.phoneNumber });
    expect(again.userId).toEqual(expect.any(Number));
    expect((await login(theirs, { phoneNumber: user.phoneNumber, password: user.password })).status).toBe(200);
    expect((await call(mine, 'POST', PATHS.exists, { body: { phoneNumber: testPhone() } })).body.data.exists).toBe(false);
  });
});
