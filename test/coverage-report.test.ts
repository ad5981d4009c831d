// Outcome coverage (`GET /__vlens/coverage`) over real HTTP: every scenario counted however it was
// chosen, faults as they strike, the totals, the Markdown and JUnit forms, the typed helper's report,
// and a reset. Each answer is held to the control API's Coverage schema.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../mocks/index.js';
import { CONTROL_API_PATH } from '../scripts/generate-sandbox.mjs';
import { PATHS, call, capture, image, register, testPhone, type Caller } from './sandbox-helpers.js';

const controlApi = parse(readFileSync(CONTROL_API_PATH, 'utf8'));
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addSchema(controlApi, 'control');
const validCoverage = ajv.compile({ $ref: 'control#/components/schemas/Coverage' });

let mock: Awaited<ReturnType<typeof startMock>>;
beforeAll(async () => {
  mock = await startMock({ port: 0 });
});
afterAll(async () => {
  await mock?.stop();
});

const tenant = (): Caller => ({ url: mock.url, apiKey: `coverage-${randomUUID()}` });

async function coverage(caller: Caller, query: Record<string, string> = {}) {
  const answer = await call(caller, 'GET', '/__vlens/coverage', { query });
  expect(answer.status, answer.text).toBe(200);
  expect(validCoverage(answer.body), JSON.stringify(validCoverage.errors)).toBe(true);
  return answer.body;
}

/** The count of a scenario in a report. */
function count(report: any, operationId: string, name: string, status = 200): number {
  const operation = report.operations.find((entry: any) => entry.operationId === operationId);
  const scenario = operation?.scenarios.find((entry: any) => entry.name === name && entry.status === status);
  if (!scenario) throw new Error(`${operationId} has no scenario ${status} ${name} in the report`);
  return scenario.count;
}

describe('the report', () => {
  it('lists every scenario of every operation and every fault, none covered before the first request', async () => {
    const report = await coverage(tenant());
    const catalog = (await call(tenant(), 'GET', '/__vlens/scenarios')).body;
    const declared = catalog.operations.flatMap((operation: any) => operation.scenarios.map((scenario: any) => `${operation.operationId} ${scenario.status} ${scenario.name}`));
    const reported = report.operations.flatMap((operation: any) => operation.scenarios.map((scenario: any) => `${operation.operationId} ${scenario.status} ${scenario.name}`));
    expect(reported).toEqual(declared);
    expect(report.faults.map((fault: any) => fault.fault)).toEqual(['delay', 'hang', 'reset', 'html502', 'truncated']);
    expect(report).toMatchObject({ covered: 0, total: declared.length + 5, ratio: 0, faultsCounted: true });
  });

  it('counts each answer by its scenario, whatever chose it: the flow, Prefer, a queued outcome, a planned one, a magic value', async () => {
    const caller = tenant();
    // The flow: a registration and a verified capture.
    const user = await register(caller);
    await capture(caller, user.token);
    // Prefer.
    await call(caller, 'POST', PATHS.front, { token: user.token, headers: { Prefer: 'example=cardNotDetected' }, body: { image: image(1) } });
    await call(caller, 'POST', PATHS.front, { token: user.token, headers: { Prefer: 'code=401, example=tokenExpired' }, body: { image: image(2) } });
    // A queued outcome.
    await call(caller, 'POST', '/__vlens/outcomes', { body: { operationId: 'verifyIdFront', scenario: 'qualityTooLow' } });
    await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(3) } });
    // A planned outcome.
    const planned = randomUUID();
    await call(caller, 'PUT', `/__vlens/transactions/${planned}/outcomes`, { body: { front: 'fakeDocument' } });
    await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(4), transaction_id: planned } });
    // A magic phone number: +2019 21 ... has its back scan find an expired card.
    const expired = await register(caller, { phoneNumber: testPhone('21') });
    await capture(caller, expired.token);

    const report = await coverage(caller);
    expect(count(report, 'registerStepVerifyPhone', 'otpSent')).toBe(2);
    expect(count(report, 'register', 'registered')).toBe(2);
    expect(count(report, 'verifyIdFront', 'extracted')).toBe(2);
    expect(count(report, 'verifyIdFront', 'cardNotDetected')).toBe(1);
    expect(count(report, 'verifyIdFront', 'tokenExpired', 401)).toBe(1);
    expect(count(report, 'verifyIdFront', 'qualityTooLow')).toBe(1);
    expect(count(report, 'verifyIdFront', 'fakeDocument')).toBe(1);
    expect(count(report, 'verifyIdBack', 'extracted')).toBe(1);
    expect(count(report, 'verifyIdBack', 'documentExpired')).toBe(1);
    expect(count(report, 'verifyLiveness', 'documented')).toBe(1);
    // The expired card's liveness is refused by the flow: the back did not succeed.
    expect(count(report, 'verifyLiveness', 'idStepsMissing')).toBe(1);
    const front = report.operations.find((operation: any) => operation.operationId === 'verifyIdFront');
    expect(front.covered).toBe(5);
    const covered = report.operations.reduce((sum: number, operation: any) => sum + operation.covered, 0);
    expect(report.covered).toBe(covered);
    expect(report.ratio).toBe(Math.round((covered / report.total) * 10_000) / 10_000);
  });

  it('counts a fault each time it strikes, and lists answers that are no scenario under other, uncounted', async () => {
    const caller = tenant();
    await call(caller, 'POST', '/__vlens/faults', { body: { operationId: 'checkExistenceOfEmailOrPhone', fault: 'html502', times: 2 } });
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    const report = await coverage(caller);
    expect(report.faults.find((fault: any) => fault.fault === 'html502').count).toBe(2);
    const exists = report.operations.find((operation: any) => operation.operationId === 'checkExistenceOfEmailOrPhone');
    expect(exists.other).toEqual([{ status: 502, scenario: 'fault:html502', count: 2 }]);
    expect(count(report, 'checkExistenceOfEmailOrPhone', 'notRegistered')).toBe(1);
    expect(report.covered).toBe(2);
  });

  it('stays bounded: requests for scenarios that do not exist are counted under the refusal they got', async () => {
    const caller = tenant();
    for (let index = 0; index < 30; index++) {
      await call(caller, 'POST', PATHS.exists, { headers: { Prefer: `example=made-up-${index}` }, body: { email: 'a@example.com' } });
    }
    const report = await coverage(caller);
    const exists = report.operations.find((operation: any) => operation.operationId === 'checkExistenceOfEmailOrPhone');
    expect(exists.other).toEqual([]);
    expect(count(report, 'checkExistenceOfEmailOrPhone', 'invalidRequest', 400)).toBe(30);
  });

  it('only= narrows it to some operations, faults=false leaves the faults out of the totals; an unknown operation is refused', async () => {
    const caller = tenant();
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    const narrowed = await coverage(caller, { only: 'checkExistenceOfEmailOrPhone,register', faults: 'false' });
    // In the description's order, whatever the order asked.
    expect(narrowed.operations.map((operation: any) => operation.operationId)).toEqual(['checkExistenceOfEmailOrPhone', 'register']);
    const scenarios = narrowed.operations.reduce((sum: number, operation: any) => sum + operation.total, 0);
    expect(narrowed).toMatchObject({ covered: 1, total: scenarios, faultsCounted: false });
    expect(narrowed.faults).toHaveLength(5);
    const refused = await call(caller, 'GET', '/__vlens/coverage', { query: { only: 'verifyFront' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ field: 'only', allowed: expect.arrayContaining(['verifyIdFront']) });
    expect((await call(caller, 'GET', '/__vlens/coverage', { query: { format: 'pdf' } })).body).toMatchObject({
      status: 400,
      field: 'format',
      allowed: ['json', 'markdown', 'junit'],
    });
  });

  it('reset clears coverage with the rest of the tenant; other tenants keep theirs', async () => {
    const [mine, theirs] = [tenant(), tenant()];
    for (const caller of [mine, theirs]) await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    expect((await call(mine, 'POST', '/__vlens/reset')).status).toBe(204);
    expect((await coverage(mine)).covered).toBe(0);
    expect((await coverage(theirs)).covered).toBe(1);
  });
});

describe('for CI', () => {
  it('format=markdown is a job summary: the totals, a row per operation with what was never answered', async () => {
    const caller = tenant();
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    const answer = await call(caller, 'GET', '/__vlens/coverage', { query: { format: 'markdown', only: 'checkExistenceOfEmailOrPhone' } });
    expect(answer.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const lines = answer.text.split('\n');
    const report = await coverage(caller, { only: 'checkExistenceOfEmailOrPhone' });
    expect(lines[0]).toBe(`### Vlens sandbox outcome coverage: 1 of ${report.total} (${((1 / report.total) * 100).toFixed(1)}%)`);
    const row = lines.find((line) => line.startsWith('| `checkExistenceOfEmailOrPhone` |'));
    expect(row).toMatch(/^\| `checkExistenceOfEmailOrPhone` \| 1 of \d+ \| `200 alreadyRegistered`, `400 invalidRequest`/);
    expect(row).not.toContain('notRegistered');
    expect(lines).toContain('| faults | 0 of 5 | `delay`, `hang`, `reset`, `html502`, `truncated` |');
  });

  it('format=junit is one test case per scenario and fault; never answered is a failure, or skipped with unhit=skip', async () => {
    const caller = tenant();
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    const report = await coverage(caller, { only: 'checkExistenceOfEmailOrPhone' });
    for (const unhit of ['failure', 'skip'] as const) {
      const answer = await call(caller, 'GET', '/__vlens/coverage', { query: { format: 'junit', only: 'checkExistenceOfEmailOrPhone', unhit } });
      expect(answer.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const xml = answer.text;
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
      const cases = [...xml.matchAll(/<testcase classname="vlens\.([^"]+)" name="([^"]+)"[^>]*>(.*?)<\/testcase>/g)];
      expect(cases).toHaveLength(report.total);
      const missed = cases.filter(([, , , inner]) => inner!.includes(unhit === 'skip' ? '<skipped' : '<failure'));
      expect(missed).toHaveLength(report.total - 1);
      expect(cases.find(([, suite, name]) => suite === 'checkExistenceOfEmailOrPhone' && name === '200 notRegistered')![3]).toBe('<system-out>1 time</system-out>');
      const totals = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" skipped="(\d+)"/.exec(xml)!;
      expect(totals.slice(1).map(Number)).toEqual(unhit === 'skip' ? [report.total, 0, report.total - 1] : [report.total, report.total - 1, 0]);
    }
  });

  it('the typed helper returns the same report, and the same Markdown and JUnit', async () => {
    const caller = tenant();
    await call(caller, 'POST', PATHS.exists, { body: { email: 'a@example.com' } });
    const sandbox = mock.sandbox(caller.apiKey);
    expect(await sandbox.coverage({ only: ['checkExistenceOfEmailOrPhone'], faults: false })).toEqual(
      await coverage(caller, { only: 'checkExistenceOfEmailOrPhone', faults: 'false' }),
    );
    expect(await sandbox.coverageReport('markdown')).toBe((await call(caller, 'GET', '/__vlens/coverage', { query: { format: 'markdown' } })).text);
    expect(await sandbox.coverageReport('junit', { unhit: 'skip' })).toBe((await call(caller, 'GET', '/__vlens/coverage', { query: { format: 'junit', unhit: 'skip' } })).text);
  });
});
