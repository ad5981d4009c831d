// The sandbox's rules for users, tokens, transactions, the verdict, linking and images, each over real
// HTTP against the real mock process (`node mocks/cli.js`, a sandbox by default). Every test uses its
// own ApiKey, so its own tenant.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVlensClient, VlensApiError } from '../src/index.js';
import { responseSchemaErrors, operation, startMockProcess, type MockProcess } from './mock-process.js';
import { OTP, PATHS, call, capture, image, login, register, testPhone, type Caller } from './sandbox-helpers.js';

let mock: MockProcess;
let strict: MockProcess;
beforeAll(async () => {
  [mock, strict] = await Promise.all([startMockProcess(['--port', '0', '--quiet']), startMockProcess(['--port', '0', '--quiet', '--strict-tokens'])]);
});
afterAll(async () => {
  await Promise.all([mock?.stop(), strict?.stop()]);
});

const tenant = (on: MockProcess = mock): Caller => ({ url: on.url, apiKey: `flow-${randomUUID()}` });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
const ADMIN = 'any.admin.token';

describe('registration and one-time passwords', () => {
  it('registers a user with the sandbox OTP; the user then exists, and the phone cannot register twice', async () => {
    const caller = tenant();
    const phoneNumber = testPhone();
    expect((await call(caller, 'POST', PATHS.exists, { body: { phoneNumber } })).body.data).toEqual({ exists: false });

    const sent = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber } });
    const requestId = sent.body.data.phoneNumberOtpRequestId;
    expect(requestId).toMatch(UUID);
    expect(requestId).not.toBe('0c8f6a52-3d1e-4b7a-9f20-5e6d7c8b9a01');

    const wrong = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber, phoneNumberOtpRequestId: requestId, phoneNumberOtp: '654321' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error_descriptions).toEqual([{ field: 'phoneNumberOtp', message: expect.stringContaining('wrong') }]);
    expect(responseSchemaErrors(operation('registerStepVerifyPhone'), 400, wrong.body)).toEqual([]);

    const confirmed = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber, phoneNumberOtpRequestId: requestId, phoneNumberOtp: OTP } });
    expect(confirmed.body.data).toMatchObject({ isPhoneNumberConfirmed: true, phoneNumberOtpRequestId: requestId, userName: phoneNumber });

    const registered = await call(caller, 'POST', PATHS.register, { body: { phoneNumber, password: 'S3cure!pass', phoneNumberOtpRequestId: requestId } });
    expect(registered.status).toBe(200);
    const { accessToken, expireInSeconds, user } = registered.body.data;
    expect(user).toEqual({ id: expect.any(Number), emailAddress: null, phoneNumber });
    const token = claims(accessToken);
    expect(token).toMatchObject({ sub: String(user.id), role: 'User' });
    expect(token.exp - token.iat).toBe(expireInSeconds);

    expect((await call(caller, 'POST', PATHS.exists, { body: { phoneNumber } })).body.data).toEqual({ exists: true });
    const twice = await call(caller, 'POST', PATHS.register, { body: { phoneNumber, password: 'x1x1x1x1', phoneNumberOtpRequestId: requestId, phoneNumberOtp: OTP } });
    expect(twice.status).toBe(400);
    expect(twice.body.error_descriptions[0].field).toBe('phoneNumber');
  });

  it('refuses to register a phone that was not verified, or with the OTP request of another phone', async () => {
    const caller = tenant();
    const unverified = await call(caller, 'POST', PATHS.register, { body: { phoneNumber: testPhone(), password: 'S3cure!pass' } });
    expect(unverified.status).toBe(400);
    expect(unverified.body.error_descriptions[0]).toMatchObject({ field: 'phoneNumberOtpRequestId', message: expect.stringContaining('StepVerifyPhone') });

    const other = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber: testPhone() } });
    const borrowed = await call(caller, 'POST', PATHS.register, {
      body: { phoneNumber: testPhone(), phoneNumberOtpRequestId: other.body.data.phoneNumberOtpRequestId, phoneNumberOtp: OTP },
    });
    expect(borrowed.status).toBe(400);
    expect(borrowed.body.error_descriptions[0].field).toBe('phoneNumberOtp');

    // The description's own example OTP is not the sandbox's.
    const example = await call(caller, 'POST', PATHS.register, {
      body: { phoneNumber: '+201001234567', phoneNumberOtpRequestId: '0c8f6a52-3d1e-4b7a-9f20-5e6d7c8b9a01', phoneNumberOtp: '483920' },
    });
    expect(example.status).toBe(400);
  });

  it('verifies an email the same way, and login then reports it confirmed', async () => {
    const caller = tenant();
    const email = `qa.${randomUUID().slice(0, 8)}@example.test`;
    const sent = await call(caller, 'POST', PATHS.verifyEmail, { body: { email } });
    const emailOtpRequestId = sent.body.data.emailOtpRequestId;
    expect(emailOtpRequestId).toMatch(UUID);
    expect((await call(caller, 'POST', PATHS.verifyEmail, { body: { email, emailOtpRequestId, emailOtp: '000000' } })).status).toBe(400);
    const confirmed = await call(caller, 'POST', PATHS.verifyEmail, { body: { email, emailOtpRequestId, emailOtp: OTP } });
    expect(confirmed.body.data).toMatchObject({ isEmailConfirmed: true, emailOtpRequestId });

    const phoneNumber = testPhone();
    const phone = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber } });
    const registered = await call(caller, 'POST', PATHS.register, {
      body: { phoneNumber, email, password: 'S3cure!pass', phoneNumberOtpRequestId: phone.body.data.phoneNumberOtpRequestId, phoneNumberOtp: OTP, emailOtpRequestId },
    });
    expect(registered.body.data.user).toMatchObject({ emailAddress: email, phoneNumber });
    const loggedIn = await login(caller, { phoneNumber, password: 'S3cure!pass' });
    expect(loggedIn.body.data.isEmailConfirmed).toBe(true);
    expect((await call(caller, 'POST', PATHS.exists, { body: { email: email.toUpperCase() } })).body.data.exists).toBe(true);
  });
});

describe('tokens', () => {
  it('logs a user in with the phone number and password only, with a token bound to that user', async () => {
    const caller = tenant();
    const user = await register(caller);
    const answer = await login(caller, user);
    expect(answer.status).toBe(200);
    expect(claims(answer.body.data.accessToken)).toMatchObject({ sub: String(user.userId), role: 'User' });
    expect(answer.body.data.user).toMatchObject({ id: user.userId, phoneNumber: user.phoneNumber, userName: user.phoneNumber, fullName: null });
    expect(answer.body.data.isDigitalIdentityVerified).toBe(false);
    expect(responseSchemaErrors(operation('userLogin'), 200, answer.body)).toEqual([]);

    for (const wrong of [
      { ...user, password: 'not-it' },
      { ...user, phoneNumber: testPhone() },
    ]) {
      const refused = await login(caller, wrong);
      expect(refused.status).toBe(401);
      expect(refused.body.error_descriptions).toEqual([{ field: 'password', message: 'The phone number or password is wrong.' }]);
    }
  });

  it('logs an admin in with any non-empty credentials; exp matches expireInSeconds', async () => {
    const answer = await call(tenant(), 'POST', PATHS.adminLogin, {
      headers: { TenancyName: 'acme' },
      body: { tenancyName: 'acme', userNameOrEmailAddress: 'anyone', password: 'x' },
    });
    const { accessToken, expireInSeconds, refreshToken } = answer.body.data;
    const token = claims(accessToken);
    expect(token.role).toBe('Admin');
    expect(token.exp - token.iat).toBe(expireInSeconds);
    expect(refreshToken).toMatch(/^rt_/);
  });

  it('refuses a user token on an admin operation and an admin token on a user operation, with 403', async () => {
    const caller = tenant();
    const user = await register(caller);
    const onAdmin = await call(caller, 'GET', PATHS.images, { token: user.token, query: { emailOrPhoneNumber: user.phoneNumber } });
    expect(onAdmin.status).toBe(403);
    expect(responseSchemaErrors(operation('getUserDigitalIdentityImages'), 403, onAdmin.body)).toEqual([]);

    const admin = await call(caller, 'POST', PATHS.adminLogin, { headers: { TenancyName: 'acme' }, body: { tenancyName: 'acme', userNameOrEmailAddress: 'a', password: 'b' } });
    const onUser = await call(caller, 'POST', PATHS.front, { token: admin.body.data.accessToken, body: { image: image(1) } });
    expect(onUser.status).toBe(403);
  });

  it('answers 401 tokenExpired once the tokens are expired, and the refreshed token then succeeds', async () => {
    const caller = tenant();
    const user = await register(caller);
    const loggedIn = (await login(caller, user)).body.data;
    expect((await call(caller, 'POST', '/__vlens/tokens/expire')).body).toEqual({ expired: 2 });

    const expired = await call(caller, 'POST', PATHS.front, { token: loggedIn.accessToken, body: { image: image(2) } });
    expect(expired.status).toBe(401);
    expect(expired.body.error_descriptions).toEqual([{ field: 'Authorization', message: 'The access token has expired.' }]);

    const refreshed = await call(caller, 'POST', PATHS.refresh, { body: { refreshToken: loggedIn.refreshToken } });
    const { accessToken, refreshToken, newRefreshToken } = refreshed.body.data;
    expect(claims(accessToken)).toMatchObject({ sub: String(user.userId), role: 'User' });
    expect(newRefreshToken).toBe(refreshToken);
    expect(refreshToken).not.toBe(loggedIn.refreshToken);
    expect((await call(caller, 'POST', PATHS.front, { token: accessToken, body: { image: image(3) } })).status).toBe(200);

    // Refresh tokens rotate: the old one is spent.
    const again = await call(caller, 'POST', PATHS.refresh, { body: { refreshToken: loggedIn.refreshToken } });
    expect(again.status).toBe(401);
    expect(again.body.error_descriptions[0].message).toMatch(/already used/);
  });

  it('lets the typed client rehearse refresh-then-retry', async () => {
    const caller = tenant();
    const user = await register(caller);
    const session = (await login(caller, user)).body.data;
    let accessToken: string = session.accessToken;
    let refreshToken: string = session.refreshToken;
    const vlens = createVlensClient({
      baseUrl: mock.url,
      apiKey: caller.apiKey,
      accessToken: () => accessToken,
      refreshAccessToken: async () => {
        const renewed = await createVlensClient({ baseUrl: mock.url, apiKey: caller.apiKey }).refreshToken({ refreshToken });
        ({ accessToken, refreshToken } = { accessToken: renewed.accessToken!, refreshToken: renewed.refreshToken! });
        return accessToken;
      },
    });
    await call(caller, 'POST', '/__vlens/tokens/expire');
    const front = await vlens.scanIdFront({ image: image(4) });
    expect(front.transactionId).toMatch(UUID);
    expect(accessToken).not.toBe(session.accessToken);
  });

  it('takes a bearer token it never issued for a fresh user of the tenant, the same user every time', async () => {
    const caller = tenant();
    const mine = `header.${randomUUID()}.signature`;
    const front = await call(caller, 'POST', PATHS.front, { token: mine, body: { image: image(5) } });
    const transactionId = front.body.data.idFrontData.transaction_id;
    expect((await call(caller, 'POST', PATHS.back, { token: mine, body: { image: image(6), transaction_id: transactionId } })).body.error_code).toBeNull();
    const theirs = await call(caller, 'POST', PATHS.back, { token: 'another.unknown.token', body: { image: image(6), transaction_id: transactionId } });
    expect(theirs.body.error_code).toBe(5004);
    const view = await call(caller, 'GET', `/__vlens/transactions/${transactionId}`);
    expect(view.body.user).toMatchObject({ id: expect.any(Number), phoneNumber: null, email: null });
  });

  it('with --strict-tokens refuses tokens it never issued, and accepts the ones it did', async () => {
    const caller = tenant(strict);
    const refused = await call(caller, 'POST', PATHS.front, { token: 'header.payload.signature', body: { image: image(7) } });
    expect(refused.status).toBe(401);
    expect(refused.body.error_descriptions[0].message).toMatch(/not issued by the sandbox/);
    expect((await call(caller, 'POST', PATHS.refresh, { body: { refreshToken: 'rt_never_issued' } })).status).toBe(401);
    const user = await register(caller);
    expect((await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(7) } })).status).toBe(200);
  });
});

describe('transactions', () => {
  it('starts a transaction with the id sent, or a new lowercase UUID, and every answer carries it', async () => {
    const caller = tenant();
    const { token } = await register(caller);
    const fresh = await call(caller, 'POST', PATHS.front, { token, body: { image: image(8) } });
    const generated = fresh.body.data.idFrontData.transaction_id;
    expect(generated).toMatch(UUID);
    expect(generated).not.toBe('81f404b3-d7dc-4f08-b4fe-934853c86282');

    const sent = randomUUID();
    const front = await call(caller, 'POST', PATHS.front, { token, body: { image: image(9), transaction_id: sent } });
    expect(front.body.data.idFrontData.transaction_id).toBe(sent);
    const back = await call(caller, 'POST', PATHS.back, { token, body: { image: image(10), transaction_id: sent } });
    expect(back.body.data.idFrontData.transaction_id).toBe(sent);
  });

  it('fills the transaction id into generated answers too (Prefer: dynamic=true), and keeps the transaction (review S3)', async () => {
    const caller = tenant();
    const { token } = await register(caller);
    const dynamic = { Prefer: 'dynamic=true' };
    // A generated answer may leave an object out (null) where the schema allows: every id it does carry is the real one.
    const idsIn = (node: unknown): unknown[] =>
      Array.isArray(node)
        ? node.flatMap(idsIn)
        : node && typeof node === 'object'
          ? Object.entries(node).flatMap(([key, value]) => (/^transaction_?id$/i.test(key) && typeof value === 'string' ? [value] : idsIn(value)))
          : [];
    const sent = randomUUID();
    const steps = [
      [PATHS.front, { image: image('dyn-front'), transaction_id: sent }],
      [PATHS.back, { image: image('dyn-back'), transaction_id: sent }],
      [PATHS.liveness, { face_1: image('d1'), face_2: image('d2'), face_3: image('d3'), transaction_id: sent }],
    ] as const;
    for (const [path, body] of steps) {
      const answer = await call(caller, 'POST', path, { token, headers: dynamic, body });
      expect(answer.status).toBe(200);
      expect(
        idsIn(answer.body).every((id) => id === sent),
        answer.text,
      ).toBe(true);
    }
    const kept = (await call(caller, 'GET', `/__vlens/transactions/${sent}`)).body;
    expect(kept.steps.map((step: { step: string; succeeded: boolean }) => [step.step, step.succeeded])).toEqual([
      ['front', true],
      ['back', true],
      ['liveness', true],
    ]);
    expect(kept.outcome.validated).toBe(true);

    const fresh = await call(caller, 'POST', PATHS.back, { token, headers: dynamic, body: { image: image('dyn-new') } });
    const [entry] = (await call(caller, 'GET', '/__vlens/requests', { query: { operationId: 'verifyIdBack', limit: '1' } })).body.requests;
    expect(entry).toMatchObject({ scenario: 'dynamic', forcedBy: 'prefer', transactionId: expect.stringMatching(UUID) });
    expect(idsIn(fresh.body).every((id) => id === entry.transactionId)).toBe(true);
    expect((await call(caller, 'GET', `/__vlens/transactions/${entry.transactionId}`)).status).toBe(200);
  });

  it('takes front and back in either order, and refuses liveness until both succeeded', async () => {
    const caller = tenant();
    const { token } = await register(caller);
    const faces = { face_1: image('a'), face_2: image('b'), face_3: image('c') };
    const back = await call(caller, 'POST', PATHS.back, { token, body: { image: image(11) } });
    // The back's answer carries the transaction id where the description puts it: in idFrontData.
    const transactionId = back.body.data.idFrontData.transaction_id;
    expect(transactionId).toMatch(UUID);

    const early = await call(caller, 'POST', PATHS.liveness, { token, body: { ...faces, transaction_id: transactionId } });
    expect(early.body.error_code).toBe(5004);
    expect(early.body.error_descriptions[0].field).toBe('transaction_id');

    await call(caller, 'POST', PATHS.front, { token, body: { image: image(12), transaction_id: transactionId } });
    const done = await call(caller, 'POST', PATHS.liveness, { token, body: { ...faces, transaction_id: transactionId } });
    expect(done.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: true });
  });

  it('answers transactionNotFound for an unknown id, and facesIdentical for faces with the same bytes', async () => {
    const caller = tenant();
    const { token } = await register(caller);
    const unknown = await call(caller, 'POST', PATHS.liveness, { token, body: { face_1: image(1), face_2: image(2), face_3: image(3), transaction_id: randomUUID() } });
    expect(unknown.body).toMatchObject({ data: null, error_code: 5004 });
    for (const path of [PATHS.back]) expect((await call(caller, 'POST', path, { token, body: { image: image(1), transaction_id: randomUUID() } })).body.error_code).toBeNull();

    const { transactionId } = await capture(caller, token);
    const same = image('same');
    const identical = await call(caller, 'POST', PATHS.liveness, { token, body: { face_1: same, face_2: image('other'), face_3: same, transaction_id: transactionId } });
    expect(identical.body.error_code).toBe(4209);
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body.outcome.state).toBe('incomplete');
  });

  it('leaves a transaction incomplete after a failed step, and lets the step be retried', async () => {
    const caller = tenant();
    const { token } = await register(caller);
    const transactionId = randomUUID();
    const failed = await call(caller, 'POST', PATHS.front, { token, headers: { Prefer: 'example=cardNotDetected' }, body: { image: image(13), transaction_id: transactionId } });
    expect(failed.body.error_code).toBe(3011);
    await call(caller, 'POST', PATHS.back, { token, body: { image: image(14), transaction_id: transactionId } });
    const faces = { face_1: image('d'), face_2: image('e'), face_3: image('f'), transaction_id: transactionId };
    expect((await call(caller, 'POST', PATHS.liveness, { token, body: faces })).body.error_code).toBe(5004);

    await call(caller, 'POST', PATHS.front, { token, body: { image: image(15), transaction_id: transactionId } });
    expect((await call(caller, 'POST', PATHS.liveness, { token, body: faces })).body.data.isDigitalIdentityVerified).toBe(true);
    const steps = (await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body.steps;
    expect(steps.map((step: { step: string; scenario: string; succeeded: boolean }) => [step.step, step.scenario, step.succeeded])).toEqual([
      ['front', 'extracted', true],
      ['back', 'extracted', true],
      ['liveness', 'documented', true],
    ]);
  });
});

describe('the verdict and linking', () => {
  it("is Validated and Verified by default, and the user's later login says so", async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId, front, liveness } = await capture(caller, user.token);
    expect(liveness.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: true });
    // The default answer is the vendor's documented one, naming the card the scans read.
    const cardIdNumber = front.body.data.idFrontData.idNumber;
    expect(liveness.body.data.user.idNumber).toBe(cardIdNumber);
    expect(responseSchemaErrors(operation('verifyLiveness'), 200, liveness.body)).toEqual([]);
    const later = (await login(caller, user)).body.data;
    expect(later).toMatchObject({ isDigitalIdentityVerified: true, transactionId });
    expect(later.user.idNumber).toBe(cardIdNumber);
    const steps = (await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body;
    expect(steps.outcome).toEqual({ state: 'verified', validated: true, verified: true });
  });

  it('answers the verified example when Prefer asks for it, on a completed transaction, with its ids', async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId, front } = await capture(caller, user.token);
    const asked = await call(caller, 'POST', PATHS.liveness, {
      token: user.token,
      headers: { Prefer: 'example=verified' },
      body: { face_1: image('p1'), face_2: image('p2'), face_3: image('p3'), transaction_id: transactionId },
    });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ error_code: null, data: { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, isMatched: true } });
    expect(asked.body.data.user.idNumber).toBe(front.body.data.idFrontData.idNumber);
    expect(responseSchemaErrors(operation('verifyLiveness'), 200, asked.body)).toEqual([]);
    const kept = (await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body;
    expect(kept.steps.at(-1)).toMatchObject({ step: 'liveness', scenario: 'verified', succeeded: true });
    expect(kept.outcome.state).toBe('verified');
  });

  it('is Validated but not Verified when an outcome says so', async () => {
    const caller = tenant();
    const user = await register(caller);
    const transactionId = randomUUID();
    await call(caller, 'PUT', `/__vlens/transactions/${transactionId}/outcomes`, { body: { liveness: 'validatedNotVerified' } });
    const { liveness } = await capture(caller, user.token, { transactionId });
    expect(liveness.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: false });
    expect((await login(caller, user)).body.data.isDigitalIdentityVerified).toBe(false);
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body.outcome).toEqual({ state: 'validated', validated: true, verified: false });
  });

  it("links a completed transaction to the bearer's user with its verdict, and refuses an incomplete, unknown or foreign one", async () => {
    const caller = tenant();
    const capturer = `capture.${randomUUID()}.device`;
    const completed = await capture(caller, capturer);
    const user = await register(caller);

    const foreign = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId: completed.transactionId } });
    expect(foreign.body.error_code).toBe(5004);

    const own = await capture(caller, user.token);
    const linked = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId: own.transactionId, getExtractedData: true } });
    expect(linked.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, user: { id: user.userId, phoneNumber: user.phoneNumber } });
    expect(linked.body.data.idFrontData.transaction_id).toBe(own.transactionId);
    expect(responseSchemaErrors(operation('linkUserWithExistingTransaction'), 200, linked.body)).toEqual([]);
    expect((await call(caller, 'GET', `/__vlens/transactions/${own.transactionId}`)).body).toMatchObject({ linked: true, user: { id: user.userId } });

    const incomplete = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(16) } });
    const refused = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId: incomplete.body.data.idFrontData.transaction_id } });
    expect(refused.body.error_descriptions).toEqual([{ field: 'transactionId', message: 'The transaction has no successful liveness step.' }]);
    const unknown = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId: randomUUID() } });
    expect(unknown.body).toMatchObject({ error_code: 5004, error_descriptions: [{ field: 'transactionId' }] });
  });

  it('answers a validated-not-verified transaction with linkedValidatedNotVerified', async () => {
    const caller = tenant();
    const user = await register(caller);
    const transactionId = randomUUID();
    await call(caller, 'PUT', `/__vlens/transactions/${transactionId}/outcomes`, { body: { liveness: 'validatedNotVerified' } });
    await capture(caller, user.token, { transactionId });
    const linked = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId } });
    expect(linked.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: false });
    expect((await call(caller, 'GET', '/__vlens/requests', { query: { operationId: 'linkUserWithExistingTransaction' } })).body.requests[0].scenario).toBe(
      'linkedValidatedNotVerified',
    );
  });
});

describe('capture before login', () => {
  it("captures on the API key alone into a transaction with no user, which link then attaches to the bearer's user", async () => {
    const caller = tenant();
    const faces = { face_1: image('k1'), face_2: image('k2'), face_3: image('k3') };
    const front = await call(caller, 'POST', PATHS.ocrFront, { body: { image: image('kf') } });
    const transactionId = front.body.data.transaction_id;
    expect(transactionId).toMatch(UUID);
    expect((await call(caller, 'POST', PATHS.ocrBack, { body: { image: image('kb'), transaction_id: transactionId } })).body.data.transaction_id).toBe(transactionId);
    const early = await call(caller, 'POST', PATHS.link, { token: (await register(caller)).token, body: { transactionId } });
    expect(early.body.error_descriptions[0].field).toBe('transactionId');
    const liveness = await call(caller, 'POST', PATHS.ocrLiveness, { body: { ...faces, transaction_id: transactionId } });
    expect(liveness.body.data).toMatchObject({ isVerificationProcessCompleted: true, transaction_id: transactionId });
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body).toMatchObject({ user: null, outcome: { state: 'verified' } });

    const user = await register(caller);
    const linked = await call(caller, 'POST', PATHS.link, { token: user.token, body: { transactionId } });
    expect(linked.body.data).toMatchObject({ isDigitalIdentityVerified: true, user: { id: user.userId } });
    // The link gives the user the card the key-only scans read, in this very answer.
    expect(linked.body.data.user.idNumber).toBe(front.body.data.idNumber);
    expect(responseSchemaErrors(operation('linkUserWithExistingTransaction'), 200, linked.body)).toEqual([]);
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body).toMatchObject({ user: { id: user.userId }, linked: true });
    const later = (await login(caller, user)).body.data;
    expect(later.isDigitalIdentityVerified).toBe(true);
    expect(later.user.idNumber).toBe(front.body.data.idNumber);
    const names = (await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data;
    const face = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: transactionId, FileName: names.livenessFace01Image } });
    expect(face.body.data.image).toBe(faces.face_1);
    // Linked once, it is that user's: another user cannot take it.
    const other = await register(caller);
    expect((await call(caller, 'POST', PATHS.link, { token: other.token, body: { transactionId } })).body.error_code).toBe(5004);
  });

  it('takes a transaction id in any letter case, and answers with the id in lower case', async () => {
    const caller = tenant();
    const sent = randomUUID().toUpperCase();
    const front = await call(caller, 'POST', PATHS.ocrFront, { body: { image: image('u1'), transaction_id: sent } });
    expect(front.body.data.transaction_id).toBe(sent.toLowerCase());
    const back = await call(caller, 'POST', PATHS.ocrBack, { body: { image: image('u2'), transaction_id: sent.toLowerCase() } });
    expect(back.body.data.transaction_id).toBe(sent.toLowerCase());
  });
});

describe('transactions by id, and withdrawing a verified identity', () => {
  it('GetTransactionById shows the kept transaction to an admin and to its user, and no one else', async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId } = await capture(caller, user.token);
    const admin = await call(caller, 'POST', PATHS.adminLogin, { headers: { TenancyName: 'acme' }, body: { tenancyName: 'acme', userNameOrEmailAddress: 'a', password: 'b' } });
    const seen = await call(caller, 'GET', PATHS.transaction, { token: admin.body.data.accessToken, headers: { TenancyName: 'acme' }, query: { id: transactionId.toUpperCase() } });
    expect(seen.body.data.transaction).toMatchObject({ id: transactionId, stepsCount: 3, isVerified: true, creatorUserId: user.userId });
    expect(seen.body.data.transactionItems).toMatchObject({ phoneNumber: user.phoneNumber, steps: [{ transactionId }] });
    expect(responseSchemaErrors(operation('getTransactionById'), 200, seen.body)).toEqual([]);
    expect((await call(caller, 'GET', PATHS.transaction, { token: user.token, headers: { TenancyName: 'acme' }, query: { id: transactionId } })).body.data.transaction.id).toBe(
      transactionId,
    );
    const stranger = await register(caller);
    expect((await call(caller, 'GET', PATHS.transaction, { token: stranger.token, headers: { TenancyName: 'acme' }, query: { id: transactionId } })).body.error_code).toBe(5004);
  });

  it("the user withdraws their verified identity, an admin a user's by id; login then says so", async () => {
    const caller = tenant();
    const headers = { TenancyName: 'acme' };
    const user = await register(caller);
    const notYet = await call(caller, 'POST', PATHS.cancel, { token: user.token, headers, body: {} });
    // The body is empty, so the refusal names no field of it (as the description's notVerified example).
    expect(notYet.body.error_descriptions).toEqual([{ field: null, message: 'The user has no verified digital identity.' }]);
    await capture(caller, user.token);
    expect((await call(caller, 'POST', PATHS.cancel, { token: user.token, headers, body: {} })).body.data).toBe(true);
    expect((await login(caller, user)).body.data.isDigitalIdentityVerified).toBe(false);

    const other = await register(caller);
    await capture(caller, other.token);
    expect((await login(caller, other)).body.data.isDigitalIdentityVerified).toBe(true);
    expect((await call(caller, 'POST', PATHS.cancelForAdmin, { token: ADMIN, headers, body: { userId: other.userId } })).body.data).toBe(true);
    expect((await login(caller, other)).body.data.isDigitalIdentityVerified).toBe(false);
    expect((await call(caller, 'POST', PATHS.cancelForAdmin, { token: ADMIN, headers, body: { userId: 987654 } })).body.error_descriptions[0].message).toMatch(/No user/);
  });

  it('an OAuth token verification answers a request id of its own', async () => {
    const caller = tenant();
    const body = { provider: 'Google', IdToken: 'header.payload.signature' };
    const [first, second] = [await call(caller, 'POST', PATHS.oAuthRegister, { body }), await call(caller, 'POST', PATHS.oAuthRegister, { body })];
    expect(first.body.data.oAuthTokenVerificationRequestId).not.toBe(second.body.data.oAuthTokenVerificationRequestId);
    expect(first.body.data.oAuthTokenVerificationRequestId).not.toBe('oauth-3f9a2c71');
  });
});

describe('images', () => {
  it("lists the file names of the user's transaction, and GetStepImage returns exactly the uploaded base64", async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId, images } = await capture(caller, user.token);
    const listed = await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } });
    const names = listed.body.data;
    expect(names.livenessImage).toBeNull();
    expect(new Set(Object.values(names).filter(Boolean)).size).toBe(5);
    expect(responseSchemaErrors(operation('getUserDigitalIdentityImages'), 200, listed.body)).toEqual([]);

    const uploaded = {
      idFrontImage: images.front,
      idBackImage: images.back,
      livenessFace01Image: images.faces[0],
      livenessFace02Image: images.faces[1],
      livenessFace03Image: images.faces[2],
    };
    for (const [member, base64] of Object.entries(uploaded)) {
      const step = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: transactionId, FileName: names[member] } });
      expect(step.body.data.image, member).toBe(base64);
      expect(step.body.error_code).toBe(0);
    }
    const unknown = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: transactionId, FileName: 'user10482_id_front_20240601.jpg' } });
    expect(unknown.body).toMatchObject({ data: null, error_code: 400, error_descriptions: [{ field: 'FileName' }] });
    expect(responseSchemaErrors(operation('getStepImage'), 200, unknown.body)).toEqual([]);
    const elsewhere = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: randomUUID(), FileName: names.idFrontImage } });
    expect(elsewhere.body.error_code).toBe(400);
  });

  it('answers userNotFound for an unknown user and noImages for a user who never captured', async () => {
    const caller = tenant();
    const unknown = await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: testPhone() } });
    expect(unknown.body).toMatchObject({ data: null, error_descriptions: [{ field: 'emailOrPhoneNumber' }] });
    const user = await register(caller, { email: `n.${randomUUID().slice(0, 6)}@example.test` });
    const none = await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.email! } });
    expect(Object.values(none.body.data)).toEqual([null, null, null, null, null, null]);
  });
});

describe('what the sandbox does not do', () => {
  it("derives nothing from pixels: any distinct bytes pass, the description's example card comes back", async () => {
    const caller = tenant();
    const user = await register(caller);
    const noise = await capture(caller, user.token, { seed: 'random noise, not a card' });
    expect(noise.front.body.data.idFrontData.idNumber).toBe('29001012101235');
    expect(noise.liveness.body.data.isDigitalIdentityVerified).toBe(true);
  });

  it("thrown client errors for a refused link carry the sandbox's field error", async () => {
    const caller = tenant();
    const user = await register(caller);
    const vlens = createVlensClient({ baseUrl: mock.url, apiKey: caller.apiKey, accessToken: user.token });
    const error = await vlens.linkTransaction({ transactionId: randomUUID() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VlensApiError);
    expect((error as VlensApiError).errorCode).toBe(5004);
  });
});
