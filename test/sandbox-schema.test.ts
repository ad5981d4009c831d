// Every answer the sandbox fills must still validate against the schema the description declares for
// it. For every operation and every scenario, a request about real state (a registered user, a real
// transaction, a real file name, an issued refresh token) asks for that scenario with Prefer; then the
// answers the sandbox's own rules produce (refusals with their own field errors, tokens, file names,
// image bytes) are checked the same way. The real mock process, over HTTP.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarios } from '../scripts/lib/description.mjs';
import {
  bundle,
  operation,
  operations,
  responseSchemaErrors,
  send,
  startMockProcess,
  validRequest,
  type MockOperation,
  type MockProcess,
  type MockRequest,
} from './mock-process.js';
import { OTP, PATHS, call, capture, image, login, register, testPhone, type Caller, type RegisteredUser } from './sandbox-helpers.js';

let mock: MockProcess;
let caller: Caller;
let user: RegisteredUser;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
  caller = { url: mock.url, apiKey: `schema-${randomUUID()}` };
  user = await register(caller);
});
afterAll(async () => {
  await mock?.stop();
});

const ADMIN = 'schema.admin.token';
const catalogue = listScenarios(bundle);

/** A request about real state for each operation the sandbox has rules for; the others use the description's example. */
// `body` is sent as JSON; `token` as the bearer token.
const builders: Record<string, () => Promise<Omit<Partial<MockRequest>, 'body'> & { body?: unknown; token?: string }>> = {
  verifyIdFront: async () => ({ token: user.token, body: { image: image(randomUUID()), transaction_id: randomUUID(), getExtractedData: true } }),
  verifyIdBack: async () => {
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(randomUUID()) } });
    return { token: user.token, body: { image: image(randomUUID()), transaction_id: front.body.data.idFrontData.transaction_id } };
  },
  verifyLiveness: async () => {
    const id = randomUUID();
    await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(randomUUID()), transaction_id: id } });
    await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: image(randomUUID()), transaction_id: id } });
    return { token: user.token, body: { face_1: image(randomUUID()), face_2: image(randomUUID()), face_3: image(randomUUID()), transaction_id: id } };
  },
  linkUserWithExistingTransaction: async () => ({ token: user.token, body: { transactionId: (await capture(caller, user.token)).transactionId, getExtractedData: true } }),
  getUserDigitalIdentityImages: async () => ({ token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } }),
  getStepImage: async () => {
    const { transactionId } = await capture(caller, user.token);
    const names = (await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data;
    return { token: ADMIN, query: { TransactionId: transactionId, FileName: names.idBackImage } };
  },
  refreshToken: async () => {
    const admin = await call(caller, 'POST', PATHS.adminLogin, { headers: { TenancyName: 'acme' }, body: { tenancyName: 'acme', userNameOrEmailAddress: 'a', password: 'b' } });
    return { body: { refreshToken: admin.body.data.refreshToken } };
  },
  userLogin: async () => ({ body: { phoneNumber: user.phoneNumber, password: user.password, imei: '356938035643809' } }),
  checkExistenceOfEmailOrPhone: async () => ({ body: { phoneNumber: user.phoneNumber } }),
  registerStepVerifyPhone: async () => ({ body: { phoneNumber: testPhone() } }),
  registerStepVerifyEmail: async () => ({ body: { email: `schema.${randomUUID().slice(0, 8)}@example.test` } }),
  ocrIdFront: async () => ({ body: { image: image(randomUUID()), transaction_id: randomUUID() } }),
  ocrIdBack: async () => {
    const front = await call(caller, 'POST', PATHS.ocrFront, { body: { image: image(randomUUID()) } });
    return { body: { image: image(randomUUID()), transaction_id: front.body.data.transaction_id } };
  },
  ocrLiveness: async () => {
    const id = randomUUID();
    await call(caller, 'POST', PATHS.ocrFront, { body: { image: image(randomUUID()), transaction_id: id } });
    await call(caller, 'POST', PATHS.ocrBack, { body: { image: image(randomUUID()), transaction_id: id } });
    return { body: { face_1: image(randomUUID()), face_2: image(randomUUID()), face_3: image(randomUUID()), transaction_id: id } };
  },
  getTransactionById: async () => ({ token: user.token, query: { id: (await capture(caller, user.token)).transactionId } }),
  cancelVerifiedDigitalIdentity: async () => {
    const verified = await register(caller);
    await capture(caller, verified.token);
    return { token: verified.token, body: {} };
  },
  cancelVerifiedDigitalIdentityForAdmin: async () => ({ token: ADMIN, body: { userId: (await register(caller)).userId } }),
  register: async () => {
    const phoneNumber = testPhone();
    const sent = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber } });
    return { body: { phoneNumber, password: 'S3cure!pass', phoneNumberOtpRequestId: sent.body.data.phoneNumberOtpRequestId, phoneNumberOtp: OTP } };
  },
};

async function realRequest(target: MockOperation): Promise<MockRequest> {
  const request = validRequest(target);
  request.headers.ApiKey = caller.apiKey;
  const built = await builders[target.id]?.();
  if (!built) {
    if (request.headers.Authorization) request.headers.Authorization = `Bearer ${user.token}`;
    return request;
  }
  if (built.token) request.headers.Authorization = `Bearer ${built.token}`;
  if (built.body !== undefined) request.body = JSON.stringify(built.body);
  if (built.query) request.query = { ...request.query, ...(built.query as Record<string, string>) };
  return request;
}

describe.each(catalogue)('$operationId', ({ operationId, scenarios }) => {
  const target = operation(operationId);
  it.each(scenarios.map((scenario) => [`${scenario.status} ${scenario.name}`, scenario] as const))('%s, about real state, validates', async (_label, scenario) => {
    const request = await realRequest(target);
    request.headers.Prefer = `code=${scenario.status}, example=${scenario.name}`;
    const answer = await send(mock.url, request);
    expect(answer.status).toBe(scenario.status);
    expect(responseSchemaErrors(target, answer.status, answer.body), answer.text.slice(0, 300)).toEqual([]);
  });

  it('its default, about real state, validates', async () => {
    const answer = await send(mock.url, await realRequest(target));
    expect(responseSchemaErrors(target, answer.status, answer.body), answer.text.slice(0, 300)).toEqual([]);
  });
});

describe('answers the rules produce', () => {
  const check = async (operationId: string, answer: { status: number; body: unknown; text: string }, status: number) => {
    expect(answer.status, answer.text).toBe(status);
    expect(responseSchemaErrors(operation(operationId), answer.status, answer.body), answer.text).toEqual([]);
  };

  it("refusals with the sandbox's own field errors", async () => {
    const stranger = await register(caller);
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(1) } });
    const incomplete = front.body.data.idFrontData.transaction_id;
    const faces = { face_1: image(2), face_2: image(3), face_3: image(4) };
    await check('verifyIdFront', await call(caller, 'POST', PATHS.front, { token: stranger.token, body: { image: image(5), transaction_id: incomplete } }), 400);
    await check('verifyIdBack', await call(caller, 'POST', PATHS.back, { token: stranger.token, body: { image: image(5), transaction_id: incomplete } }), 200);
    await check('verifyLiveness', await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { ...faces, transaction_id: incomplete } }), 200);
    await check('verifyLiveness', await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { ...faces, transaction_id: randomUUID() } }), 200);
    await check('linkUserWithExistingTransaction', await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId: incomplete } }), 200);
    await check('linkUserWithExistingTransaction', await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId: randomUUID() } }), 200);
    await check('getUserDigitalIdentityImages', await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: testPhone() } }), 200);
    await check('getStepImage', await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: incomplete, FileName: 'nope.jpg' } }), 200);
    await check('getUserDigitalIdentityImages', await call(caller, 'GET', PATHS.images, { token: user.token, query: { emailOrPhoneNumber: user.phoneNumber } }), 403);
    await check('userLogin', await login(caller, { ...user, password: 'wrong' }), 401);
    await check(
      'registerStepVerifyPhone',
      await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber: testPhone(), phoneNumberOtpRequestId: randomUUID(), phoneNumberOtp: '999999' } }),
      400,
    );
    await check('register', await call(caller, 'POST', PATHS.register, { body: { phoneNumber: user.phoneNumber } }), 400);
    const headers = { TenancyName: 'acme' };
    await check('getTransactionById', await call(caller, 'GET', PATHS.transaction, { token: stranger.token, headers, query: { id: incomplete } }), 200);
    await check('cancelVerifiedDigitalIdentity', await call(caller, 'POST', PATHS.cancel, { token: stranger.token, headers, body: {} }), 200);
    await check('cancelVerifiedDigitalIdentityForAdmin', await call(caller, 'POST', PATHS.cancelForAdmin, { token: ADMIN, headers, body: { userId: 424242 } }), 200);
    await check('ocrLiveness', await call(caller, 'POST', PATHS.ocrLiveness, { body: { ...faces, transaction_id: randomUUID() } }), 200);
    const spent = (await login(caller, user)).body.data.refreshToken;
    await call(caller, 'POST', PATHS.refresh, { body: { refreshToken: spent } });
    await check('refreshToken', await call(caller, 'POST', PATHS.refresh, { body: { refreshToken: spent } }), 401);
    const session = (await login(caller, user)).body.data.accessToken;
    await call(caller, 'POST', '/__vlens/tokens/expire');
    await check('verifyIdFront', await call(caller, 'POST', PATHS.front, { token: session, body: { image: image(6) } }), 401);
  });

  it('every answer the journal saw in this file was a status its operation declares', async () => {
    const { requests } = (await call(caller, 'GET', '/__vlens/requests', { query: { limit: '1000' } })).body;
    expect(requests.length).toBeGreaterThan(100);
    for (const entry of requests) expect(operation(entry.operationId).statuses, `${entry.operationId} ${entry.status}`).toContain(entry.status);
    expect(operations.length).toBe(catalogue.length);
  });
});
