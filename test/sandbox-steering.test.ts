// The three deterministic ways to force an outcome (the Prefer header, magic values, the control API's
// queued and per-transaction outcomes) with the state following each, and the faults, over real HTTP
// against the real mock process.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVlensClient, VlensApiError, VlensTransportError } from '../src/index.js';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { OTP, PATHS, call, capture, image, login, register, testPhone, type Caller } from './sandbox-helpers.js';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
});
afterAll(async () => {
  await mock?.stop();
});

const tenant = (): Caller => ({ url: mock.url, apiKey: `steer-${randomUUID()}` });
const transaction = async (caller: Caller, id: string) => (await call(caller, 'GET', `/__vlens/transactions/${id}`)).body;
const journal = async (caller: Caller, operationId: string) => (await call(caller, 'GET', '/__vlens/requests', { query: { operationId } })).body.requests;
const faces = (seed: string) => ({ face_1: image(`${seed}1`), face_2: image(`${seed}2`), face_3: image(`${seed}3`) });

describe('the Prefer header, with the state following the forced outcome', () => {
  it('a forced spoof leaves the transaction incomplete, so it cannot be linked', async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId } = await capture(caller, user.token);
    const spoofed = await call(caller, 'POST', PATHS.liveness, {
      token: user.token,
      headers: { Prefer: 'example=spoofDetected' },
      body: { ...faces('s'), transaction_id: transactionId },
    });
    expect(spoofed.body.services.spoofing.fake).toBe(true);
    expect((await transaction(caller, transactionId)).outcome.state).toBe('incomplete');
    const link = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId } });
    expect(link.body.error_descriptions[0].message).toMatch(/no successful liveness/);
    expect((await journal(caller, 'verifyLiveness')).at(-1)).toMatchObject({ scenario: 'spoofDetected', forcedBy: 'prefer' });
  });

  it('a forced success counts even where the flow would refuse; a forced error status changes nothing, a generated answer keeps its step', async () => {
    const caller = tenant();
    const user = await register(caller);
    const transactionId = randomUUID();
    await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(1), transaction_id: transactionId } });
    const forced = await call(caller, 'POST', PATHS.liveness, {
      token: user.token,
      headers: { Prefer: 'example=verified' },
      body: { ...faces('v'), transaction_id: transactionId },
    });
    expect(forced.body.data.isDigitalIdentityVerified).toBe(true);
    expect((await transaction(caller, transactionId)).outcome.state).toBe('verified');

    // A generated 200 stands for the default example of its status (review S3): its step is kept.
    const keptToo = randomUUID();
    const generated = await call(caller, 'POST', PATHS.front, { token: user.token, headers: { Prefer: 'dynamic=true' }, body: { image: image(3), transaction_id: keptToo } });
    expect(generated.status).toBe(200);
    expect((await transaction(caller, keptToo)).steps.map((step: { step: string }) => step.step)).toEqual(['front']);
    expect((await journal(caller, 'verifyIdFront')).at(-1)).toMatchObject({ scenario: 'dynamic', forcedBy: 'prefer' });

    const untouched = randomUUID();
    const refused = await call(caller, 'POST', PATHS.front, {
      token: user.token,
      headers: { Prefer: 'code=500, example=internalError' },
      body: { image: image(2), transaction_id: untouched },
    });
    expect(refused.status).toBe(500);
    expect((await call(caller, 'GET', `/__vlens/transactions/${untouched}`)).status).toBe(404);
  });
});

describe('magic values', () => {
  it('a phone number +2019 33 xxxxxx gets spoofDetected at liveness, every time', async () => {
    const caller = tenant();
    const user = await register(caller, { phoneNumber: testPhone('33') });
    const first = await capture(caller, user.token);
    expect(first.liveness.body.services.spoofing.fake).toBe(true);
    expect(first.front.body.error_code).toBeNull();
    const again = await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { ...faces('again'), transaction_id: first.transactionId } });
    expect(again.body.data.isVerificationProcessCompleted).toBe(false);
    expect((await journal(caller, 'verifyLiveness')).at(-1)).toMatchObject({ scenario: 'spoofDetected', forcedBy: 'magic' });
  });

  it('phone codes pick the front and the login outcome too; the OTP then logs in', async () => {
    const caller = tenant();
    const front = await register(caller, { phoneNumber: testPhone('12') });
    expect((await capture(caller, front.token)).front.body.error_code).toBe(3011);

    const otp = await register(caller, { phoneNumber: testPhone('41') });
    const first = await login(caller, otp);
    const { phoneNumberOtpRequestId, accessToken } = first.body.data;
    expect(accessToken).toBeNull();
    const second = await call(caller, 'POST', PATHS.login, {
      body: { phoneNumber: otp.phoneNumber, password: otp.password, imei: '1', phoneNumberOtpRequestId, phoneNumberOtp: OTP },
    });
    expect(second.body.data.accessToken).toEqual(expect.any(String));
    const wrong = await call(caller, 'POST', PATHS.login, {
      body: { phoneNumber: otp.phoneNumber, password: otp.password, imei: '1', phoneNumberOtpRequestId, phoneNumberOtp: '111111' },
    });
    expect(wrong.status).toBe(400);
  });

  it('email tags under .test pick outcomes by step, or the first step that has a bare scenario name', async () => {
    const caller = tenant();
    const tagged = await register(caller, { email: `qa+back.documentExpired@example.test` });
    expect((await capture(caller, tagged.token)).back.body.error_code).toBe(3010);
    const bare = await register(caller, { email: `qa.${randomUUID().slice(0, 6)}+amlMatched@example.test` });
    const aml = await capture(caller, bare.token);
    expect(aml.liveness.body.services.AML.AML_matched).toBe(true);
    expect(aml.liveness.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: false });
    const untagged = await register(caller, { email: `qa+amlMatched@example.com` });
    expect((await capture(caller, untagged.token)).liveness.body.data.isDigitalIdentityVerified).toBe(true);
  });

  it("never overrides the flow's own refusals", async () => {
    const caller = tenant();
    const user = await register(caller, { phoneNumber: testPhone('31') });
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(3) } });
    const early = await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { ...faces('m'), transaction_id: front.body.data.idFrontData.transaction_id } });
    expect(early.body.error_code).toBe(5004);
  });
});

describe('outcomes set with the control API', () => {
  it('queued outcomes answer the next calls of the operation, in order, then the rules take over', async () => {
    const caller = tenant();
    const user = await register(caller);
    const queued = await call(caller, 'POST', '/__vlens/outcomes', { body: { operationId: 'verifyIdBack', scenario: 'documentExpired', times: 2 } });
    expect(queued.status).toBe(201);
    expect(queued.body).toEqual({ operationId: 'verifyIdBack', scenario: 'documentExpired', status: 200, times: 2, pending: 2 });
    await call(caller, 'POST', '/__vlens/outcomes', { body: { operationId: 'verifyIdBack', scenario: 'qualityTooLow' } });
    const codes = [];
    for (let round = 0; round < 4; round++) codes.push((await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: image(round) } })).body.error_code);
    expect(codes).toEqual([3010, 3010, 1050, null]);
    expect((await journal(caller, 'verifyIdBack')).map((entry: { forcedBy: string }) => entry.forcedBy)).toEqual(['queue', 'queue', 'queue', null]);
  });

  it('a queued error status is answered as such, and is consumed only by calls that pass the request checks', async () => {
    const caller = tenant();
    const user = await register(caller);
    await call(caller, 'POST', '/__vlens/outcomes', { body: { operationId: 'verifyIdFront', scenario: 'tokenExpired' } });
    expect((await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: 'not base64!' } })).status).toBe(400);
    expect((await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(4) } })).status).toBe(401);
    expect((await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(4) } })).status).toBe(200);
  });

  it('per-transaction outcomes apply before and during the flow, and an empty object clears them', async () => {
    const caller = tenant();
    const user = await register(caller);
    const transactionId = randomUUID();
    await call(caller, 'PUT', `/__vlens/transactions/${transactionId}/outcomes`, { body: { front: 'invalidIdNumber' } });
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(5), transaction_id: transactionId } });
    expect(front.body.services.Validations.validation_errors[0].field).toBe('idNumber');
    await call(caller, 'PUT', `/__vlens/transactions/${transactionId}/outcomes`, { body: { back: 'idNumberMismatch' } });
    expect(
      (await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(6), transaction_id: transactionId } })).body.services.Validations.validation_errors,
    ).toEqual([]);
    expect((await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: image(7), transaction_id: transactionId } })).body.error_code).toBe(3101);
    expect((await transaction(caller, transactionId)).plannedOutcomes).toEqual({ back: 'idNumberMismatch' });
    await call(caller, 'PUT', `/__vlens/transactions/${transactionId}/outcomes`, { body: {} });
    expect((await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: image(8), transaction_id: transactionId } })).body.error_code).toBeNull();
  });
});

describe('faults', () => {
  const arm = (caller: Caller, fault: Record<string, unknown>) => call(caller, 'POST', '/__vlens/faults', { body: fault });
  const send = (caller: Caller, transactionId: string, signal?: AbortSignal) =>
    fetch(new URL(PATHS.front, caller.url), {
      method: 'POST',
      signal,
      headers: { ApiKey: caller.apiKey, Authorization: 'Bearer fault.test.token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ image: image(9), transaction_id: transactionId }),
    });

  it('reset drops the connection before the sandbox sees the request', async () => {
    const caller = tenant();
    expect((await arm(caller, { operationId: 'verifyIdFront', fault: 'reset' })).body).toEqual({ operationId: 'verifyIdFront', fault: 'reset', delayMs: 0, times: 1 });
    const id = randomUUID();
    await expect(send(caller, id)).rejects.toThrow(/fetch failed/);
    expect((await call(caller, 'GET', `/__vlens/transactions/${id}`)).status).toBe(404);
    expect((await send(caller, id)).status).toBe(200);
    expect((await journal(caller, 'verifyIdFront')).map((entry: { status: number | null; fault: string | null }) => [entry.status, entry.fault])).toEqual([
      [null, 'reset'],
      [200, null],
    ]);
  });

  it("html502 answers a gateway's HTML page, hang never answers", async () => {
    const caller = tenant();
    await arm(caller, { fault: 'html502' });
    const gateway = await send(caller, randomUUID());
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get('content-type')).toBe('text/html');
    expect(await gateway.text()).toContain('<h1>502 Bad Gateway</h1>');

    await arm(caller, { operationId: 'verifyIdFront', fault: 'hang' });
    await expect(send(caller, randomUUID(), AbortSignal.timeout(300))).rejects.toThrow(/timeout|aborted/i);
  });

  it('delay and truncated strike after the request was handled: the state changed, the answer is late or lost', async () => {
    const caller = tenant();
    await arm(caller, { operationId: 'verifyIdFront', fault: 'delay', delayMs: 300 });
    const delayedId = randomUUID();
    const started = performance.now();
    expect((await send(caller, delayedId)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);

    await arm(caller, { operationId: 'verifyIdFront', fault: 'truncated' });
    const cutId = randomUUID();
    const cut = await send(caller, cutId);
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
    expect((await transaction(caller, cutId)).steps[0].step).toBe('front');
  });

  it('reach the typed client as its transport errors', async () => {
    const caller = tenant();
    const vlens = createVlensClient({ baseUrl: mock.url, apiKey: caller.apiKey, accessToken: 'client.fault.token', timeoutMs: 400 });
    const kinds: Record<string, unknown> = {};
    for (const fault of ['reset', 'hang', 'truncated', 'html502']) {
      await arm(caller, { operationId: 'verifyIdFront', fault });
      const error = await vlens.scanIdFront({ image: image(10) }).catch((caught: unknown) => caught);
      kinds[fault] = error instanceof VlensTransportError ? error.kind : error instanceof VlensApiError ? `api ${error.status}` : String(error);
    }
    expect(kinds).toEqual({ reset: 'network', hang: 'timeout', truncated: 'truncated', html502: 'non-json' });
    expect((await vlens.scanIdFront({ image: image(11) })).transactionId).toEqual(expect.any(String));
  });
});
