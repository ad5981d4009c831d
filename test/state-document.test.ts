// A tenant as one document (`GET` and `PUT /__vlens/state`) over real HTTP: exported and loaded into
// another tenant it behaves as the first (logins, transactions, images, planned and queued outcomes,
// faults); a document that is wrong anywhere is refused whole with the first problem named, and the
// tenant is left as it was; the sandbox's limits apply to imports.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../mocks/sandbox.js';
import { startMock } from '../mocks/index.js';
import { CONTROL_API_PATH } from '../scripts/generate-sandbox.mjs';
import { PATHS, call, capture, image, login, register, type Caller } from './sandbox-helpers.js';

const controlApi = parse(readFileSync(CONTROL_API_PATH, 'utf8'));
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addSchema(controlApi, 'control');
const validState = ajv.compile({ $ref: 'control#/components/schemas/State' });

let mock: Awaited<ReturnType<typeof startMock>>;
beforeAll(async () => {
  mock = await startMock({ port: 0 });
});
afterAll(async () => {
  await mock?.stop();
});

const tenant = (url = mock.url): Caller => ({ url, apiKey: `state-${randomUUID()}` });
/** A moment `minutes` from now. */
const future = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

async function exported(caller: Caller) {
  const answer = await call(caller, 'GET', '/__vlens/state');
  expect(answer.status, answer.text).toBe(200);
  expect(validState(answer.body), JSON.stringify(validState.errors)).toBe(true);
  return answer.body;
}

/** A document without the time it was exported, to compare two exports. */
const timeless = ({ exportedAt, ...rest }: Record<string, unknown>) => rest;

describe('export and import', () => {
  it('a tenant exported and loaded into another behaves as the first: logins, transactions, images, steering', async () => {
    const source = tenant();
    const user = await register(source, { password: 'State-pass-1' });
    const verified = await capture(source, user.token);
    const plannedId = randomUUID();
    await call(source, 'PUT', `/__vlens/transactions/${plannedId}/outcomes`, { body: { liveness: 'spoofDetected' } });
    await call(source, 'POST', '/__vlens/outcomes', { body: { operationId: 'checkExistenceOfEmailOrPhone', scenario: 'alreadyRegistered', times: 2 } });
    await call(source, 'POST', '/__vlens/faults', { body: { operationId: 'adminLogin', fault: 'html502' } });
    const document = await exported(source);
    expect(document).toMatchObject({
      format: 'vlens-sandbox-state',
      version: 1,
      users: [{ id: user.userId, phoneNumber: user.phoneNumber, password: 'State-pass-1', verified: true }],
    });
    expect(document.transactions[0].steps.liveness.images.face_2).toBe(verified.images.faces[1]);

    const copy = tenant();
    const loaded = await call(copy, 'PUT', '/__vlens/state', { body: document });
    expect(loaded.status, loaded.text).toBe(200);
    expect(loaded.body).toEqual({ users: 1, transactions: 1, images: 5, imageBytes: expect.any(Number), tokens: 1, plannedOutcomes: 1, queuedOutcomes: 1, faults: 1 });
    expect(timeless(await exported(copy))).toEqual(timeless(document));

    // Its user logs in with the same password, and is Verified.
    const loggedIn = await login(copy, user);
    expect([loggedIn.status, loggedIn.body.data.isDigitalIdentityVerified]).toEqual([200, true]);
    // Its token, issued by the first tenant, works here; the images are the bytes uploaded.
    const kept = await call(copy, 'GET', PATHS.transaction, { token: user.token, headers: { TenancyName: 'acme' }, query: { id: verified.transactionId } });
    expect(kept.body.data.transaction).toMatchObject({ id: verified.transactionId, stepsCount: 3, isVerified: true });
    const adminLogin = () => call(copy, 'POST', PATHS.adminLogin, { headers: { TenancyName: 'acme' }, body: { tenancyName: 'acme', userNameOrEmailAddress: 'a', password: 'b' } });
    // The armed fault strikes the first admin login.
    expect((await adminLogin()).status).toBe(502);
    const adminToken = (await adminLogin()).body.data.accessToken;
    const files = (await call(copy, 'GET', PATHS.images, { token: adminToken, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data;
    const face = await call(copy, 'GET', PATHS.stepImage, { token: adminToken, query: { TransactionId: verified.transactionId, FileName: files.livenessFace02Image } });
    expect(face.body.data.image ?? face.body.data).toBe(verified.images.faces[1]);
    // The queued outcome answers twice, then the flow again.
    const asked = [];
    for (let index = 0; index < 3; index++) asked.push((await call(copy, 'POST', PATHS.exists, { body: { phoneNumber: '+201000000000' } })).body.data.exists);
    expect(asked).toEqual([true, true, false]);
    // The planned outcome waits for its transaction.
    expect((await call(copy, 'GET', `/__vlens/transactions/${plannedId}`)).status).toBe(404);
    expect((await mock.sandbox(copy.apiKey).state()).plannedOutcomes).toEqual({ [plannedId]: { liveness: 'spoofDetected' } });
  });

  it('replaces the tenant: what it held goes, its journal and coverage start empty', async () => {
    const caller = tenant();
    const user = await register(caller);
    await capture(caller, user.token);
    const loaded = await call(caller, 'PUT', '/__vlens/state', { body: { format: 'vlens-sandbox-state', version: 1 } });
    expect(loaded.body).toMatchObject({ users: 0, transactions: 0, images: 0 });
    expect((await call(caller, 'GET', '/__vlens/transactions')).body.total).toBe(0);
    expect((await call(caller, 'GET', '/__vlens/requests')).body.requests).toEqual([]);
    expect((await call(caller, 'GET', '/__vlens/coverage')).body.covered).toBe(0);
    expect((await login(caller, user)).status).toBe(401);
  });

  it("fills in what a hand-written document leaves out: times, a step's success, the verdict, the user's", async () => {
    const caller = tenant();
    const id = randomUUID();
    const loaded = await call(caller, 'PUT', '/__vlens/state', {
      body: {
        format: 'vlens-sandbox-state',
        version: 1,
        users: [{ id: 7, phoneNumber: '+201900000007', password: 'p' }],
        transactions: [
          {
            id,
            userId: 7,
            steps: {
              front: { operationId: 'verifyIdFront', scenario: 'extracted', images: { image: image('f') } },
              back: { operationId: 'verifyIdBack', scenario: 'extracted' },
              liveness: { operationId: 'verifyLiveness', scenario: 'validatedNotVerified' },
            },
          },
        ],
      },
    });
    expect(loaded.status, loaded.text).toBe(200);
    const transaction = (await call(caller, 'GET', `/__vlens/transactions/${id}`)).body;
    expect(transaction.outcome).toEqual({ state: 'validated', validated: true, verified: false });
    expect(transaction.steps.map((step: any) => [step.step, step.succeeded])).toEqual([
      ['front', true],
      ['back', true],
      ['liveness', true],
    ]);
    expect(Date.parse(transaction.expiresAt) - Date.parse(transaction.createdAt)).toBe(86_400_000);
    const user = (await exported(caller)).users[0];
    expect(user).toMatchObject({ id: 7, verified: false, emailConfirmed: false, implicit: false });
    // The next user registered gets the next id.
    expect((await register(caller)).userId).toBe(8);
  });
});

describe('a document wrong anywhere is refused whole', () => {
  it('with 400 naming the first problem, and the tenant left as it was', async () => {
    const caller = tenant();
    const user = await register(caller);
    await capture(caller, user.token);
    const before = await exported(caller);
    const valid = structuredClone(before);
    const cases: [string, (document: any) => void, Record<string, unknown>][] = [
      ['another version', (document) => (document.version = 2), { field: 'version', detail: 'The version field must be 1.' }],
      ['no format', (document) => delete document.format, { field: 'format', detail: 'The format field is required.' }],
      ['an unknown member', (document) => (document.journal = []), { field: 'journal', allowed: expect.arrayContaining(['users', 'transactions']) }],
      ['a user id twice', (document) => document.users.push({ ...document.users[0], phoneNumber: null }), { field: 'users[1].id', detail: expect.stringContaining('used twice') }],
      ['a phone number twice', (document) => document.users.push({ id: 99, phoneNumber: document.users[0].phoneNumber }), { field: 'users[1].phoneNumber' }],
      ['a transaction of no user', (document) => (document.transactions[0].userId = 42), { field: 'transactions[0].userId', allowed: [String(user.userId)] }],
      [
        'a misspelt scenario',
        (document) => (document.transactions[0].steps.back.scenario = 'documentExpird'),
        { field: 'transactions[0].steps.back.scenario', allowed: expect.arrayContaining(['documentExpired']) },
      ],
      [
        'an operation of another step',
        (document) => (document.transactions[0].steps.back.operationId = 'verifyIdFront'),
        { field: 'transactions[0].steps.back.operationId', allowed: ['verifyIdBack', 'ocrIdBack'] },
      ],
      ['an image that is not base64', (document) => (document.transactions[0].steps.front.images.image = 'not base64!'), { field: 'transactions[0].steps.front.images.image' }],
      [
        'an image a step does not keep',
        (document) => (document.transactions[0].steps.front.images.face_1 = image('x')),
        { field: 'transactions[0].steps.front.images.face_1', allowed: ['image'] },
      ],
      ['a token of no user', (document) => (document.tokens[0].userId = 42), { field: 'tokens[0].userId' }],
      ['a date that is not one', (document) => (document.transactions[0].createdAt = 'yesterday'), { field: 'transactions[0].createdAt' }],
      [
        'a phone number Register would refuse',
        (document) => (document.users[0].phoneNumber = 'hello'),
        { field: 'users[0].phoneNumber', detail: expect.stringMatching(/^The users\[0\]\.phoneNumber field /) },
      ],
      ['a phone number without its country code', (document) => (document.users[0].phoneNumber = '01001234567'), { field: 'users[0].phoneNumber' }],
      ['an email Register would refuse', (document) => (document.users[0].email = 'not-an-email'), { field: 'users[0].email' }],
      [
        'a transaction created in the future',
        (document) => (document.transactions[0].createdAt = '9999-12-31T00:00:00Z'),
        { field: 'transactions[0].createdAt', detail: expect.stringContaining('later than now') },
      ],
      ['a transaction updated in the future', (document) => (document.transactions[0].updatedAt = future(10)), { field: 'transactions[0].updatedAt' }],
      ['a step answered in the future', (document) => (document.transactions[0].steps.back.at = future(10)), { field: 'transactions[0].steps.back.at' }],
      ['an export made in the future', (document) => (document.exportedAt = future(10)), { field: 'exportedAt' }],
      [
        'a transaction that would outlive the TTL',
        (document) => (document.transactions[0].expiresAt = '9999-12-31T00:00:00Z'),
        { field: 'transactions[0].expiresAt', detail: expect.stringContaining('transactionTtlSeconds') },
      ],
      [
        'a queued outcome of no operation',
        (document) => document.queuedOutcomes.push({ operationId: 'verifyFront', scenario: 'x', status: 200, times: 1 }),
        { field: 'queuedOutcomes[0].operationId' },
      ],
      [
        'a planned outcome of no scenario',
        (document) => (document.plannedOutcomes[randomUUID()] = { liveness: 'spoof' }),
        { field: expect.stringMatching(/^plannedOutcomes\..+\.liveness$/), allowed: expect.arrayContaining(['spoofDetected']) },
      ],
    ];
    for (const [what, change, problem] of cases) {
      const document = structuredClone(valid);
      change(document);
      const refused = await call(caller, 'PUT', '/__vlens/state', { body: document });
      expect(refused.status, what).toBe(400);
      expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(refused.body, what).toMatchObject({ status: 400, ...problem });
    }
    expect(timeless(await exported(caller))).toEqual(timeless(before));
    expect((await call(caller, 'PUT', '/__vlens/state', { body: '{"format":' as unknown })).status).toBe(400);
  });

  it('a moment of the past a little ahead of the clock (under 5 minutes) is taken', async () => {
    const caller = tenant();
    const id = randomUUID();
    const loaded = await call(caller, 'PUT', '/__vlens/state', {
      body: {
        format: 'vlens-sandbox-state',
        version: 1,
        exportedAt: future(2),
        transactions: [{ id, userId: null, createdAt: future(2), steps: { front: { operationId: 'verifyIdFront', scenario: 'extracted', at: future(2) } } }],
      },
    });
    expect(loaded.status, loaded.text).toBe(200);
  });

  it('a body sent as anything but application/json is refused with 415, the tenant left as it was', async () => {
    const caller = tenant();
    await register(caller);
    const before = await exported(caller);
    const document = JSON.stringify({ format: 'vlens-sandbox-state', version: 1 });
    const put = (contentType: string) => fetch(`${mock.url}/__vlens/state`, { method: 'PUT', headers: { ApiKey: caller.apiKey, 'Content-Type': contentType }, body: document });
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1']) {
      const refused = await put(contentType);
      expect(refused.status, contentType).toBe(415);
      expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(await refused.json(), contentType).toMatchObject({ status: 415, title: 'Unsupported media type', field: 'Content-Type', allowed: ['application/json'] });
    }
    expect(timeless(await exported(caller))).toEqual(timeless(before));
    const noType = await fetch(`${mock.url}/__vlens/state`, { method: 'PUT', headers: { ApiKey: caller.apiKey }, body: new Blob([document]) });
    expect(noType.status).toBe(415);
    // The other control calls with a body answer the same; application/json with a UTF-8 charset is taken.
    const outcome = await fetch(`${mock.url}/__vlens/outcomes`, {
      method: 'POST',
      headers: { ApiKey: caller.apiKey, 'Content-Type': 'text/plain' },
      body: JSON.stringify({ operationId: 'verifyIdBack', scenario: 'documentExpired' }),
    });
    expect(outcome.status).toBe(415);
    expect((await put('Application/JSON; charset=UTF-8')).status).toBe(200);
    // In process, a request that announces no length is checked once its body is read.
    const sandbox = createSandbox();
    const inProcess = await sandbox.handle(new Request('http://sandbox.invalid/__vlens/state', { method: 'PUT', headers: { ApiKey: 'in-process' }, body: document }));
    expect([inProcess.status, (await inProcess.json()).field]).toEqual([415, 'Content-Type']);
  });

  it("the users' phone numbers and emails are held to the API's own PhoneNumber and Email patterns", () => {
    const api = (name: string) => parse(readFileSync(new URL(`../openapi/components/schemas/${name}.yaml`, import.meta.url), 'utf8'));
    const user = controlApi.components.schemas.StateUser.properties;
    expect(user.phoneNumber.pattern).toBe(api('PhoneNumber').pattern);
    expect(user.email.pattern).toBe(api('Email').pattern);
    expect(user.email.maxLength).toBe(api('Email').maxLength);
  });

  it("the limits apply: users, transactions, the image budget, every tenant's records, the body size", async () => {
    const small = await startMock({ port: 0, maxUsersPerTenant: 2, maxTransactionsPerTenant: 1, imageBudgetBytes: 2000, maxRecords: 100, maxBodyBytes: 40_000 });
    try {
      const caller = tenant(small.url);
      const users = (count: number) => Array.from({ length: count }, (_, index) => ({ id: index + 1 }));
      const transaction = (text = image('t', 600)) => ({
        id: randomUUID(),
        userId: null,
        steps: { front: { operationId: 'ocrIdFront', scenario: 'extracted', images: { image: text } } },
      });
      const put = (body: Record<string, unknown>) => call(caller, 'PUT', '/__vlens/state', { body: { format: 'vlens-sandbox-state', version: 1, ...body } });
      expect((await put({ users: users(3) })).body).toMatchObject({ status: 400, field: 'users', detail: expect.stringContaining('at most 2 per tenant (maxUsersPerTenant)') });
      expect((await put({ transactions: [transaction(), transaction()] })).body).toMatchObject({
        field: 'transactions',
        detail: expect.stringContaining('(maxTransactionsPerTenant)'),
      });
      expect((await put({ transactions: [transaction(image('big', 3000))] })).body).toMatchObject({ field: 'transactions', detail: expect.stringContaining('(imageBudgetBytes)') });
      const bearers = Array.from({ length: 120 }, (_, index) => ({ sha256: index.toString(16).padStart(64, '0'), userId: null }));
      expect((await put({ acceptedBearers: bearers })).body).toMatchObject({ detail: expect.stringContaining('(maxRecords)') });
      const tooLarge = await put({ transactions: [transaction(image('huge', 60_000))] });
      expect([tooLarge.status, tooLarge.body.field]).toEqual([413, 'body']);
      expect((await put({ users: users(2), transactions: [transaction()] })).status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});

describe('the typed helper and the engine', () => {
  it('state() and replaceState() are the same calls, typed; a refusal is a SandboxControlError', async () => {
    const caller = tenant();
    const user = await register(caller);
    await capture(caller, user.token);
    const sandbox = mock.sandbox(caller.apiKey);
    const document = await sandbox.state();
    const other = mock.sandbox(`state-${randomUUID()}`);
    expect(await other.replaceState(document)).toMatchObject({ users: 1, transactions: 1, images: 5 });
    await expect(other.replaceState({ ...document, version: 2 as 1 })).rejects.toMatchObject({ name: 'SandboxControlError', status: 400, problem: { field: 'version' } });
  });

  it('createSandbox({ initialState }) loads tenants before its first answer; a wrong one rejects ready naming the tenant by its place, not its key', async () => {
    const caller = tenant();
    const user = await register(caller);
    await capture(caller, user.token);
    const document = await exported(caller);
    const sandbox = createSandbox({ initialState: { format: 'vlens-sandbox-seed', version: 1, tenants: { 'engine-key': document } } });
    await sandbox.ready;
    expect((await sandbox.control('engine-key').transactions()).total).toBe(1);

    const secretKey = `SECRET-${randomUUID()}`;
    const broken = structuredClone(document);
    broken.transactions[0].steps.front.scenario = 'nope';
    const refused = createSandbox({ initialState: { format: 'vlens-sandbox-seed', version: 1, tenants: { fine: document, [secretKey]: broken } } });
    const error = await refused.ready.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).message)).toBe(
      'initialState: tenants[#2]: transactions[0].steps.front.scenario: verifyIdFront has no scenario "nope" that records a step. (allowed: extracted, invalidIdNumber, cardNotDetected, qualityTooLow, fakeDocument, noFaceOnCard)',
    );
    expect(String((error as Error).message)).not.toContain(secretKey);
    // Its requests are refused with the same reason; nothing of the seed was loaded.
    await expect(refused.handle(new Request('http://sandbox.invalid/__vlens/health'))).rejects.toThrow(/tenants\[#2\]/);
    expect(() => createSandbox({ initialState: [] as never })).toThrow(/initialState must be a seed document/);
    const wrongVersion = createSandbox({ initialState: { format: 'vlens-sandbox-seed', version: 2 as 1, tenants: {} } });
    await expect(wrongVersion.ready).rejects.toThrow('initialState: version must be 1, got 2 (a document of another version of the format)');
  });
});
