// The control API under /__vlens/, held to its own description (openapi/sandbox/openapi.yaml): every
// answer, errors included, validates against the schema declared for its status; invalid calls name
// the valid values; the typed helper of vlens-digital-identity/mock reaches every operation; the files
// generated from the description are current; a --stateless mock keeps the replay.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxControl, SandboxControlError, startMock } from '../mocks/index.js';
import { CONTROL_API_PATH, generateSandboxFiles } from '../scripts/generate-sandbox.mjs';
import { ROOT, listScenarios } from '../scripts/lib/description.mjs';
import { bundle } from './mock-process.js';
import { PATHS, call, capture, image, register, sha256Of, type Answer, type Caller } from './sandbox-helpers.js';

const controlApi = parse(readFileSync(CONTROL_API_PATH, 'utf8'));
// CommonJS modules: their default export is `module.exports`, the class and the plugin are its `default`.
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(controlApi, 'control');

/** Errors of an answer against the schema the control API declares for that operation and status. */
function contractErrors(path: string, method: string, answer: Answer): string[] {
  const declared = controlApi.paths[path][method].responses[String(answer.status)];
  if (!declared) return [`${method.toUpperCase()} ${path} declares no ${answer.status}`];
  const response = declared.$ref ? controlApi.components.responses[declared.$ref.split('/').pop()] : declared;
  if (!response.content) return answer.text === '' ? [] : ['a body where the description declares none'];
  const type = answer.headers.get('content-type') ?? '';
  const mediaType = Object.keys(response.content).find((declaredType) => type.startsWith(declaredType));
  if (!mediaType) return [`content-type ${type}, declared ${Object.keys(response.content).join(' or ')}`];
  // Pages, scripts, images, Markdown and XML are text or bytes: their type is what the description says of them.
  if (!/[/+]json$/.test(mediaType)) return [];
  const validate = ajv.compile(response.content[mediaType].schema.$ref ? { $ref: `control${response.content[mediaType].schema.$ref}` } : response.content[mediaType].schema);
  return validate(answer.body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

let mock: Awaited<ReturnType<typeof startMock>>;
let stateless: Awaited<ReturnType<typeof startMock>>;
beforeAll(async () => {
  [mock, stateless] = await Promise.all([startMock({ port: 0 }), startMock({ port: 0, stateless: true, checkExamples: false })]);
});
afterAll(async () => {
  await Promise.all([mock?.stop(), stateless?.stop()]);
});

const tenant = (url = mock.url): Caller => ({ url, apiKey: `control-${randomUUID()}` });
const seen = new Set<string>();
async function control(caller: Caller, method: string, template: string, path = template, options: Parameters<typeof call>[3] = {}) {
  const answer = await call(caller, method, path, options);
  expect(contractErrors(template, method.toLowerCase(), answer), `${method} ${path} ${answer.status} ${answer.text}`).toEqual([]);
  seen.add(`${method.toLowerCase()} ${template}`);
  return answer;
}

describe('every operation, held to the description', () => {
  it('health needs no key; everything else names its tenant by ApiKey', async () => {
    const health = await control({ url: mock.url, apiKey: '' }, 'GET', '/__vlens/health', '/__vlens/health', { headers: {} });
    expect(health.body).toEqual({ status: 'ok' });
    const keyless = await fetch(`${mock.url}/__vlens/scenarios`);
    expect(keyless.status).toBe(401);
    expect(await keyless.json()).toMatchObject({ status: 401, field: 'ApiKey' });
  });

  it('the catalog lists every operation and scenario of the description, the magic values and the faults', async () => {
    const catalog = (await control(tenant(), 'GET', '/__vlens/scenarios')).body;
    expect(catalog).toMatchObject({ mode: 'sandbox', strictTokens: false, otp: '123456' });
    const described = listScenarios(bundle) as { operationId: string; scenarios: { name: string }[] }[];
    expect(catalog.operations.map((entry: { operationId: string }) => entry.operationId)).toEqual(described.map((entry) => entry.operationId));
    for (const { operationId, scenarios } of described) {
      const listed = catalog.operations.find((entry: { operationId: string }) => entry.operationId === operationId);
      expect(
        listed.scenarios.map((scenario: { name: string }) => scenario.name),
        operationId,
      ).toEqual(scenarios.map((scenario) => scenario.name));
      expect(listed.scenarios.filter((scenario: { default: boolean }) => scenario.default)).toHaveLength(1);
    }
    // Every magic phone code names a scenario that an operation of its step really has.
    for (const { code, step, scenario } of catalog.magicValues.phones.codes) {
      if (step === null) continue;
      const ofStep = catalog.operations.filter(
        (entry: { step: string | null; operationId: string }) => entry.step === step || (step === 'login' && entry.operationId === 'userLogin'),
      );
      expect(
        ofStep.some((entry: { scenarios: { name: string }[] }) => entry.scenarios.some((candidate) => candidate.name === scenario)),
        `code ${code}`,
      ).toBe(true);
    }
    expect(catalog.faults.map((fault: { fault: string }) => fault.fault)).toEqual(controlApi.components.schemas.FaultName.enum);
  });

  it('queues outcomes, arms faults, sets transaction outcomes and expires tokens', async () => {
    const caller = tenant();
    expect((await control(caller, 'POST', '/__vlens/outcomes', undefined, { body: { operationId: 'verifyLiveness', scenario: 'amlMatched' } })).status).toBe(201);
    expect((await control(caller, 'POST', '/__vlens/faults', undefined, { body: { fault: 'delay', delayMs: 5 } })).body).toEqual({
      operationId: null,
      fault: 'delay',
      delayMs: 5,
      times: 1,
    });
    const id = randomUUID().toUpperCase();
    const set = await control(caller, 'PUT', '/__vlens/transactions/{id}/outcomes', `/__vlens/transactions/${id}/outcomes`, { body: { link: 'linkedValidatedNotVerified' } });
    expect(set.body).toEqual({ transactionId: id.toLowerCase(), plannedOutcomes: { link: 'linkedValidatedNotVerified' } });
    const user = await register(caller);
    expect((await control(caller, 'POST', '/__vlens/tokens/expire')).body).toEqual({ expired: 1 });
    expect((await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(1) } })).status).toBe(401);
  });

  it("shows a transaction by its id in any letter case, with each image's size and SHA-256 and never its bytes", async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId, images } = await capture(caller, user.token);
    const answer = await control(caller, 'GET', '/__vlens/transactions/{id}', `/__vlens/transactions/${transactionId.toUpperCase()}`);
    expect(answer.body).toMatchObject({ id: transactionId, user: { id: user.userId, phoneNumber: user.phoneNumber }, outcome: { state: 'verified' }, plannedOutcomes: {} });
    const front = answer.body.steps[0].images[0];
    expect(front).toEqual({
      field: 'image',
      bytes: Buffer.from(images.front, 'base64').length,
      sha256: sha256Of(images.front),
      evicted: false,
      fileName: expect.stringMatching(/_id_front_/),
    });
    for (const base64 of [images.front, ...images.faces]) expect(answer.text).not.toContain(base64.slice(0, 40));
  });

  it('the journal redacts keys, tokens, passwords and OTPs, shows images as size and SHA-256, and leaves control calls out', async () => {
    const caller = tenant();
    const user = await register(caller, { password: 'PASSWORD-SECRET-1' });
    const { images } = await capture(caller, user.token);
    await call(caller, 'GET', PATHS.stepImage, { token: 'admin.SECRET.token', query: { TransactionId: randomUUID(), FileName: 'x.jpg' } });
    const answer = await control(caller, 'GET', '/__vlens/requests');
    const { requests } = answer.body;
    expect(requests.map((entry: { operationId: string }) => entry.operationId)).toEqual([
      'registerStepVerifyPhone',
      'register',
      'verifyIdFront',
      'verifyIdBack',
      'verifyLiveness',
      'getStepImage',
    ]);
    for (const secret of [caller.apiKey, user.token, 'PASSWORD-SECRET-1', 'admin.SECRET.token', images.front.slice(0, 40)]) expect(answer.text).not.toContain(secret);
    expect(requests[1].body).toMatchObject({ password: '<redacted>', phoneNumberOtp: '<redacted>', phoneNumber: user.phoneNumber });
    expect(requests[0].headers).toMatchObject({ apikey: '<redacted>' });
    expect(requests[4].body.face_1).toBe(`<image ${Buffer.from(images.faces[0], 'base64').length} bytes>`);
    expect(requests[4].images.map((entry: { sha256: string }) => entry.sha256)).toEqual(images.faces.map(sha256Of));
    expect(requests[5]).toMatchObject({ status: 200, scenario: 'fileNotFound', refusal: expect.stringContaining('has no transaction') });
    const limited = await control(caller, 'GET', '/__vlens/requests', '/__vlens/requests?operationId=verifyIdBack&limit=1');
    expect(limited.body.requests).toHaveLength(1);
    expect(limited.body.requests[0].operationId).toBe('verifyIdBack');
  });

  it('lists the transactions and serves each kept image decoded, with the type its bytes show', async () => {
    const caller = tenant();
    const user = await register(caller);
    const first = await capture(caller, user.token);
    const second = await capture(caller, user.token);
    const listed = await control(caller, 'GET', '/__vlens/transactions', '/__vlens/transactions?limit=1');
    expect(listed.body).toMatchObject({ total: 2, transactions: [{ id: second.transactionId }] });
    expect((await control(caller, 'GET', '/__vlens/transactions')).body.transactions.map((entry: { id: string }) => entry.id)).toEqual([second.transactionId, first.transactionId]);
    const template = '/__vlens/transactions/{id}/steps/{step}/images/{field}';
    const face = await control(caller, 'GET', template, `/__vlens/transactions/${first.transactionId}/steps/liveness/images/face_2`);
    expect([face.headers.get('content-type'), face.headers.get('x-content-type-options')]).toEqual(['image/jpeg', 'nosniff']);
    const bytes = Buffer.from(
      await (await fetch(`${mock.url}/__vlens/transactions/${first.transactionId}/steps/front/images/image`, { headers: { ApiKey: caller.apiKey } })).arrayBuffer(),
    );
    expect(bytes.toString('base64')).toBe(first.images.front);
    const none = await control(caller, 'GET', template, `/__vlens/transactions/${first.transactionId}/steps/front/images/face_1`);
    expect(none.body).toMatchObject({ status: 404, field: 'field', allowed: ['front/image', 'back/image', 'liveness/face_1', 'liveness/face_2', 'liveness/face_3'] });
    expect((await control(caller, 'GET', template, `/__vlens/transactions/${first.transactionId}/steps/selfie/images/image`)).body).toMatchObject({
      field: 'step',
      allowed: ['front', 'back', 'liveness'],
    });
  });

  it('opens one journal entry with its answer, redacted; long polling answers as soon as a request is journaled', async () => {
    const caller = tenant();
    const user = await register(caller, { password: 'PASSWORD-SECRET-2' });
    const entry = await control(caller, 'GET', '/__vlens/requests/{seq}', '/__vlens/requests/2');
    expect(entry.body.entry).toMatchObject({ seq: 2, operationId: 'register', body: { password: '<redacted>' } });
    expect(entry.body.answer).toMatchObject({ status: 200, contentType: 'application/json; charset=utf-8', body: { data: { accessToken: '<redacted>' }, error_code: null } });
    for (const secret of [caller.apiKey, user.token, 'PASSWORD-SECRET-2']) expect(entry.text).not.toContain(secret);
    expect((await control(caller, 'GET', '/__vlens/requests/{seq}', '/__vlens/requests/3')).body).toMatchObject({ status: 404, field: 'seq' });
    // The envelope's error_code is shown as answered: its name reads like a secret's, it is none.
    await call(caller, 'POST', PATHS.front, { token: user.token, headers: { Prefer: 'example=cardNotDetected' }, body: { image: image(7) } });
    expect((await control(caller, 'GET', '/__vlens/requests/{seq}', '/__vlens/requests/3')).body.answer.body).toMatchObject({ data: null, error_code: 3011 });

    const waiting = control(caller, 'GET', '/__vlens/requests', '/__vlens/requests?after=3&wait=20');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    const woken = await waiting;
    expect(woken.body).toMatchObject({ latest: 4, requests: [{ seq: 4, operationId: 'checkExistenceOfEmailOrPhone' }] });
    // Nothing newer: it answers with none once the wait is over; a reset answers at once with a lower latest.
    expect((await control(caller, 'GET', '/__vlens/requests', '/__vlens/requests?after=4&wait=1')).body).toMatchObject({ latest: 4, requests: [] });
    const beforeReset = control(caller, 'GET', '/__vlens/requests', '/__vlens/requests?after=4&wait=20');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await call(caller, 'POST', '/__vlens/reset');
    expect((await beforeReset).body).toMatchObject({ latest: 0, requests: [] });
    const filtered = await control(caller, 'GET', '/__vlens/requests', `/__vlens/requests?status=200&transactionId=${randomUUID()}`);
    expect(filtered.body.requests).toEqual([]);
  });

  it("reports coverage, and exports and replaces the tenant's state", async () => {
    const caller = tenant();
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    expect((await control(caller, 'GET', '/__vlens/coverage')).body.covered).toBe(1);
    expect((await control(caller, 'GET', '/__vlens/coverage', '/__vlens/coverage?format=markdown')).text).toMatch(/^### Vlens sandbox outcome coverage: 1 of/);
    expect((await control(caller, 'GET', '/__vlens/coverage', '/__vlens/coverage?format=junit')).text).toMatch(/^<\?xml/);
    const user = await register(caller);
    await capture(caller, user.token);
    const state = await control(caller, 'GET', '/__vlens/state');
    const copy = tenant();
    expect((await control(copy, 'PUT', '/__vlens/state', '/__vlens/state', { body: state.body })).body).toMatchObject({ users: 1, transactions: 1 });
    expect((await control(copy, 'PUT', '/__vlens/state', '/__vlens/state', { body: { ...state.body, version: 2 } })).status).toBe(400);
  });

  it('serves the dashboard and its files, needing no key', async () => {
    const keyless = { url: mock.url, apiKey: '' };
    const page = await control(keyless, 'GET', '/__vlens/ui', '/__vlens/ui', { headers: {} });
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    for (const asset of ['app.js', 'style.css', 'icon.svg'])
      expect((await control(keyless, 'GET', '/__vlens/ui/{asset}', `/__vlens/ui/${asset}`, { headers: {} })).status).toBe(200);
  });

  it('the journal redacts secrets sent in the query string or an API-key header (review S2)', async () => {
    const caller = tenant();
    const secrets = { password: 'QUERY-PASSWORD-7', accessToken: 'rfc6750.QUERY.token', apiKey: 'HEADER-API-KEY-9', otp: '654321' };
    const user = { phoneNumber: '+201900000123', password: 'x', imei: '356938035643809' };
    await call(caller, 'POST', PATHS.login, { body: user, query: { password: secrets.password, phoneNumberOtp: secrets.otp, lang: 'en' } });
    await call(caller, 'POST', PATHS.exists, { body: { phoneNumber: user.phoneNumber }, query: { access_token: secrets.accessToken }, headers: { 'X-Api-Key': secrets.apiKey } });
    const answer = await control(caller, 'GET', '/__vlens/requests');
    for (const secret of Object.values(secrets)) expect(answer.text).not.toContain(secret);
    const [loginEntry, existsEntry] = answer.body.requests;
    expect(loginEntry.query).toEqual({ password: '<redacted>', phoneNumberOtp: '<redacted>', lang: 'en' });
    expect(existsEntry.query).toEqual({ access_token: '<redacted>' });
    expect(existsEntry.headers).toMatchObject({ 'x-api-key': '<redacted>', apikey: '<redacted>', 'content-type': 'application/json' });
  });

  it('reset forgets the calling tenant only', async () => {
    const [mine, theirs] = [tenant(), tenant()];
    const [a, b] = [await register(mine), await register(theirs)];
    const [ta, tb] = [await capture(mine, a.token), await capture(theirs, b.token)];
    expect((await control(mine, 'POST', '/__vlens/reset')).status).toBe(204);
    expect((await call(mine, 'GET', '/__vlens/requests')).body.requests).toEqual([]);
    expect((await call(mine, 'GET', `/__vlens/transactions/${ta.transactionId}`)).status).toBe(404);
    expect((await call(mine, 'POST', PATHS.exists, { body: { phoneNumber: a.phoneNumber } })).body.data.exists).toBe(false);
    expect((await call(theirs, 'GET', `/__vlens/transactions/${tb.transactionId}`)).status).toBe(200);
  });

  it('has been held to the description for every operation it declares', () => {
    const declared = Object.entries(controlApi.paths).flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method} ${path}`));
    expect(declared.filter((entry) => !seen.has(entry))).toEqual([]);
  });
});

describe('invalid calls name what is valid', () => {
  const refused = async (caller: Caller, method: string, template: string, path: string, body?: unknown) => {
    const answer = await control(caller, method, template, path, body === undefined ? {} : { body });
    expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    return answer.body;
  };

  it('an unknown operation, scenario, fault or step gets a 400 with the allowed values', async () => {
    const caller = tenant();
    const operation = await refused(caller, 'POST', '/__vlens/outcomes', '/__vlens/outcomes', { operationId: 'verifyFront', scenario: 'x' });
    expect(operation).toMatchObject({ status: 400, field: 'operationId', allowed: expect.arrayContaining(['verifyIdFront', 'verifyLiveness']) });
    const scenario = await refused(caller, 'POST', '/__vlens/outcomes', '/__vlens/outcomes', { operationId: 'verifyLiveness', scenario: 'spoofDetectd' });
    expect(scenario).toMatchObject({ field: 'scenario', allowed: expect.arrayContaining(['spoofDetected', 'livenessFailed']) });
    const fault = await refused(caller, 'POST', '/__vlens/faults', '/__vlens/faults', { fault: 'timeout' });
    expect(fault).toMatchObject({ field: 'fault', allowed: ['delay', 'hang', 'reset', 'html502', 'truncated'] });
    const step = await refused(caller, 'PUT', '/__vlens/transactions/{id}/outcomes', `/__vlens/transactions/${randomUUID()}/outcomes`, { selfie: 'verified' });
    expect(step).toMatchObject({ field: 'selfie', allowed: ['front', 'back', 'liveness', 'link'] });
    const stepScenario = await refused(caller, 'PUT', '/__vlens/transactions/{id}/outcomes', `/__vlens/transactions/${randomUUID()}/outcomes`, { liveness: 'cardNotDetected' });
    expect(stepScenario).toMatchObject({ field: 'liveness', allowed: expect.arrayContaining(['spoofDetected']) });
    const times = await refused(caller, 'POST', '/__vlens/outcomes', '/__vlens/outcomes', { operationId: 'verifyLiveness', scenario: 'verified', times: 0 });
    expect(times).toMatchObject({ field: 'times' });
    const journal = await refused(caller, 'GET', '/__vlens/requests', '/__vlens/requests?operationId=verifyFront');
    expect(journal).toMatchObject({
      status: 400,
      field: 'operationId',
      detail: expect.stringContaining('verifyFront'),
      allowed: expect.arrayContaining(['verifyIdFront', 'verifyLiveness']),
    });
  });

  it("an unknown transaction gets a 404 listing the tenant's latest ids; a malformed one a 400", async () => {
    const caller = tenant();
    const user = await register(caller);
    const { transactionId } = await capture(caller, user.token);
    const unknown = await refused(caller, 'GET', '/__vlens/transactions/{id}', `/__vlens/transactions/${randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, field: 'id', allowed: [transactionId] });
    expect(await refused(caller, 'GET', '/__vlens/transactions/{id}', '/__vlens/transactions/not-an-id')).toMatchObject({ status: 400, field: 'id' });
  });

  it('an unknown control path gets a 404 listing the paths, a wrong method a 405', async () => {
    const unknown = await call(tenant(), 'GET', '/__vlens/transaction');
    expect(unknown.status).toBe(404);
    expect(unknown.body.allowed).toContain('GET /__vlens/transactions/{id}');
    const wrong = await call(tenant(), 'DELETE', '/__vlens/reset');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('the typed helper', () => {
  it('steers a tenant through every operation, and rejects with the problem detail', async () => {
    const apiKey = `helper-${randomUUID()}`;
    const sandbox = mock.sandbox(apiKey);
    expect(await sandbox.health()).toEqual({ status: 'ok' });
    expect((await sandbox.scenarios()).otp).toBe('123456');
    await sandbox.queueOutcome({ operationId: 'verifyIdFront', scenario: 'qualityTooLow' });
    const caller = { url: mock.url, apiKey };
    const user = await register(caller);
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(2) } });
    expect(front.body.error_code).toBe(1050);
    const capture2 = await capture(caller, user.token);
    expect((await sandbox.transaction(capture2.transactionId)).outcome.state).toBe('verified');
    expect(await sandbox.setTransactionOutcomes(capture2.transactionId, { liveness: 'livenessFailed' })).toMatchObject({ plannedOutcomes: { liveness: 'livenessFailed' } });
    expect(await sandbox.addFault({ operationId: 'verifyLiveness', fault: 'delay', delayMs: 1 })).toMatchObject({ fault: 'delay' });
    expect(await sandbox.expireTokens()).toEqual({ expired: 1 });
    expect((await sandbox.requests({ limit: 1 })).requests).toHaveLength(1);
    const { latest } = await sandbox.requests({ operationId: 'verifyIdFront', status: 200 });
    expect((await sandbox.request(latest)).entry.seq).toBe(latest);
    expect((await sandbox.transactions({ limit: 1 })).transactions[0]!.id).toBe(capture2.transactionId);
    const kept = await sandbox.transactionImage(capture2.transactionId, 'front', 'image');
    expect([kept.contentType, Buffer.from(kept.bytes).toString('base64')]).toEqual(['image/jpeg', capture2.images.front]);
    expect((await sandbox.coverage()).covered).toBeGreaterThan(0);
    expect(await sandbox.coverageReport('markdown')).toMatch(/^### /);
    const state = await sandbox.state();
    expect(await sandbox.replaceState(state)).toMatchObject({ users: 1, transactions: 2 });
    await sandbox.reset();
    expect((await sandbox.requests()).requests).toEqual([]);

    const error = await createSandboxControl({ baseUrl: mock.url, apiKey })
      .queueOutcome({ operationId: 'nope', scenario: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SandboxControlError);
    expect(error).toMatchObject({ status: 400, problem: { field: 'operationId' } });
    expect(String((error as Error).message)).not.toContain(apiKey);
    expect(() => createSandboxControl({ baseUrl: 'localhost:4010', apiKey })).toThrow(/baseUrl/);
  });
});

describe('a --stateless mock', () => {
  it('replays the examples unfilled, keeps no transactions, and still has the catalog, faults and journal', async () => {
    const caller = tenant(stateless.url);
    const front = await call(caller, 'POST', PATHS.front, { token: 'a.b.c', body: { image: image(3) } });
    expect(front.body.data.idFrontData.transaction_id).toBe('81f404b3-d7dc-4f08-b4fe-934853c86282');
    expect((await control(caller, 'GET', '/__vlens/scenarios')).body.mode).toBe('stateless');
    const none = await control(caller, 'GET', '/__vlens/transactions/{id}', '/__vlens/transactions/81f404b3-d7dc-4f08-b4fe-934853c86282');
    expect(none.body).toMatchObject({ status: 404, title: 'No state' });
    await call(caller, 'POST', '/__vlens/faults', { body: { fault: 'html502' } });
    expect((await call(caller, 'POST', PATHS.front, { token: 'a.b.c', body: { image: image(3) } })).status).toBe(502);
    expect((await call(caller, 'GET', '/__vlens/requests')).body.requests.map((entry: { status: number }) => entry.status)).toEqual([200, 502]);
  });
});

describe('generated from the description', () => {
  it('mocks/control/api-types.ts is what `npm run generate` writes today', async () => {
    for (const [path, content] of Object.entries(await generateSandboxFiles())) {
      expect(readFileSync(`${ROOT}${path}`, 'utf8'), `${path} is stale: run npm run generate`).toBe(content);
    }
  });
});
