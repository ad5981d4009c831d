/// <reference path="../types/newman.d.ts" />
// `npm run postman`: the collection and environment, checked against the description they come from,
// then run with newman against the real mock, as a QA team would run them in CI.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import newman, { type NewmanRunExecution, type NewmanRunOptions, type NewmanRunSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../mocks/index.js';
import {
  COLLECTION_PATH,
  CONTROL_FOLDER,
  ENVIRONMENT_PATH,
  type PostmanCollection,
  type PostmanEnvironment,
  type PostmanFolder,
  type PostmanRequest,
  type PostmanRequestItem,
  QUEUED_SCENARIO,
  SANDBOX_FOLDER,
  buildPostman,
} from '../scripts/build/postman.mjs';
import { type DescriptionNode, listOperations, loadBundle, resolveRef } from '../scripts/lib/description.mjs';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const doc = loadBundle();
const operations = listOperations(doc);

type Item = PostmanFolder | PostmanRequestItem;
const requestsOf = (items: Item[]): PostmanRequestItem[] => items.flatMap((item) => ('item' in item ? requestsOf(item.item) : [item]));
const folderOf = (item: Item | undefined): PostmanFolder => {
  if (!item || !('item' in item)) throw new Error(`${item?.name ?? "the collection's end"} is not a folder`);
  return item;
};
const headerOf = (request: PostmanRequest, name: string) => request.header.find((header) => header.key.toLowerCase() === name.toLowerCase() && !header.disabled)?.value;

let collection: PostmanCollection;
let environment: PostmanEnvironment;
let requests: PostmanRequestItem[];
// The first folder holds the sandbox's reset and catalog, the last one steers and reads the sandbox
// (control API calls, not operations of the description).
let controlItems: PostmanRequestItem[];
let mock: Awaited<ReturnType<typeof startMock>>;
// The saved responses are the description's examples as they are: what the mock answers when it keeps
// no state (a sandbox fills in the ids, tokens and images of its own transactions and users).
let statelessMock: Awaited<ReturnType<typeof startMock>>;

function newmanRun(options: Pick<NewmanRunOptions, 'collection' | 'environment'>, baseUrl = mock.url, apiKey?: string) {
  const envVar = [{ key: 'baseUrl', value: baseUrl }, ...(apiKey ? [{ key: 'apiKey', value: apiKey }] : [])];
  return new Promise<NewmanRunSummary>((resolve, reject) => {
    newman.run({ reporters: [], envVar, ...options }, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}
/** The executions of the description's operations (not of the control API). */
const operationExecutions = (summary: NewmanRunSummary) =>
  summary.run.executions.filter((execution) => !execution.request.url.getPath().startsWith('/__vlens/') && !execution.item.name.startsWith('See the queued outcome'));
const executionNamed = (summary: NewmanRunSummary, name: string) => {
  const execution = summary.run.executions.find((candidate) => candidate.item.name === name);
  if (!execution) throw new Error(`the run has no request named ${name}`);
  return execution;
};
/** The JSON the mock answered (a request that got no answer fails here, naming its error). */
const bodyOf = (execution: NewmanRunExecution | undefined) => {
  if (!execution?.response) throw new Error(`${execution?.item.name ?? 'a missing request'} got no answer: ${execution?.requestError?.message}`);
  return JSON.parse(execution.response.stream.toString());
};
/** The HTTP status a request was answered with (undefined: no answer). */
const statusOf = (execution: NewmanRunExecution | undefined) => execution?.response?.code;
/** The JSON body a request sent. */
const sentBodyOf = (execution: NewmanRunExecution | undefined) => JSON.parse(execution?.request.body?.raw ?? '');
const failures = (summary: NewmanRunSummary) => summary.run.failures.map((failure) => `${failure.source?.name}: ${failure.error?.test ?? ''} ${failure.error?.message}`);

beforeAll(async () => {
  const [, started, stateless] = await Promise.all([
    run(process.execPath, ['scripts/build/postman.mjs'], { cwd: ROOT }),
    startMock({ port: 0, log: false }),
    startMock({ port: 0, log: false, stateless: true }),
  ]);
  mock = started;
  statelessMock = stateless;
  collection = JSON.parse(readFileSync(COLLECTION_PATH, 'utf8'));
  environment = JSON.parse(readFileSync(ENVIRONMENT_PATH, 'utf8'));
  const sandboxFolder = folderOf(collection.item[0]);
  const controlFolder = folderOf(collection.item.at(-1));
  expect([sandboxFolder.name, controlFolder.name]).toEqual([SANDBOX_FOLDER, CONTROL_FOLDER]);
  controlItems = [...sandboxFolder.item, ...controlFolder.item];
  requests = requestsOf(collection.item.slice(1, -1));
}, 60_000);
afterAll(() => Promise.all([mock?.stop(), statelessMock?.stop()]));

describe('npm run postman', () => {
  it('has one request per operation, and every named example of every status as a saved response that asks the mock for it', () => {
    expect(requests).toHaveLength(operations.length);
    let examples = 0;
    for (const { path, method, operation } of operations) {
      const item = requests.find((candidate) => candidate.request.method === method.toUpperCase() && `/${candidate.request.url.path.join('/')}` === path);
      expect(item, operation.operationId).toBeDefined();
      for (const [status, declared] of Object.entries(operation.responses)) {
        for (const [name, reference] of Object.entries<DescriptionNode>(resolveRef(doc, declared).content?.['application/json']?.examples ?? {})) {
          examples += 1;
          const saved = item!.response.filter((response) => response.code === Number(status) && headerOf(response.originalRequest, 'Prefer')?.endsWith(`example=${name}`));
          expect(saved, `${operation.operationId} ${status} ${name}`).toHaveLength(1);
          expect(JSON.parse(saved[0]!.body)).toEqual(resolveRef(doc, reference).value);
        }
      }
    }
    expect(requests.reduce((sum, item) => sum + item.response.length, 0)).toBe(examples);
    expect(examples).toBeGreaterThan(100);
  });

  it("sends ApiKey on every request and the bearer token each operation's security asks for", () => {
    for (const { path, method, operation } of operations) {
      const { request } = requests.find((candidate) => candidate.request.method === method.toUpperCase() && `/${candidate.request.url.path.join('/')}` === path)!;
      const schemes = Object.keys(operation.security?.[0] ?? {});
      expect(headerOf(request, 'ApiKey'), operation.operationId).toBe('{{apiKey}}');
      const expected = schemes.includes('UserBearer') ? '{{userToken}}' : schemes.includes('AdminBearer') ? '{{adminToken}}' : undefined;
      expect(request.auth.type === 'bearer' ? request.auth.bearer[0]?.value : undefined, operation.operationId).toBe(expected);
      expect(JSON.stringify(request), operation.operationId).not.toMatch(/<(string|uuid|integer|number|boolean)[^>]*>/);
    }
  });

  it('comes with an environment holding baseUrl, apiKey (empty: a key per run) and the tokens', () => {
    const keys = environment.values.map((value) => value.key);
    for (const key of ['baseUrl', 'apiKey', 'userToken', 'adminToken', 'refreshToken']) expect(keys).toContain(key);
    expect(environment.values.find((value) => value.key === 'baseUrl')!.value).toBe('http://127.0.0.1:4010');
    expect(environment.values.find((value) => value.key === 'apiKey')!.value).toBe('');
    expect(collection.event.map((event) => event.listen)).toEqual(['prerequest']);
  });

  it('runs capture before login before the link, which sends the captured transaction', () => {
    const names = requests.map((item) => item.request.url.path.join('/'));
    expect(names.indexOf('v1/ocr/liveness/multi')).toBeLessThan(names.indexOf('api/DigitalIdentity/LinkUserWithExistingTransaction'));
    const link = requests.find((item) => item.request.url.path.join('/') === 'api/DigitalIdentity/LinkUserWithExistingTransaction')!;
    expect(JSON.parse(link.request.body!.raw).transactionId).toBe('{{capturedTransactionId}}');
  });

  it('writes the same files for the same description', async () => {
    const again = await buildPostman();
    expect(again.collection).toEqual(collection);
    expect(again.environment).toEqual(environment);
  });
});

describe('newman against the mock', () => {
  it('runs the collection top to bottom with 0 failures, chaining tokens and the transaction ids, and steering and reading the sandbox', async () => {
    const summary = await newmanRun({ collection, environment });
    expect(failures(summary)).toEqual([]);
    expect(summary.run.stats.requests).toMatchObject({ total: operations.length + controlItems.length, failed: 0 });
    // Every pm.test of every script ran (the transaction read has one branch per mode).
    const declared = [...controlItems, ...requests]
      .flatMap((item) => item.event ?? [])
      .flatMap((event) => event.script.exec)
      .filter((line: string) => /^\s*pm\.test\(/.test(line)).length;
    expect(declared).toBeGreaterThan(operations.length * 2);
    expect(summary.run.stats.assertions).toMatchObject({ total: declared - 1, failed: 0 });
    const [first] = summary.run.executions;
    expect([first?.request.method, first?.request.url.getPath(), statusOf(first)]).toEqual(['POST', '/__vlens/reset', 204]);
    // The run's own tenant: a key the collection made, on every request.
    const key = first?.request.headers.get('ApiKey');
    expect(key).toMatch(/^postman-run-[0-9a-f-]{36}$/);
    expect(new Set(summary.run.executions.map((execution) => execution.request.headers.get('ApiKey')))).toEqual(new Set([key]));
    const executions = operationExecutions(summary);
    expect(executions.map(statusOf)).toEqual(executions.map(() => 200));
    // The transaction captured before login is the one the link sent.
    const captured = bodyOf(executionNamed(summary, 'Scan the front of the national ID with the API key alone')).data.transaction_id;
    expect(sentBodyOf(executionNamed(summary, 'Scan the back of the national ID with the API key alone')).transaction_id).toBe(captured);
    expect(sentBodyOf(executionNamed(summary, 'Attach a transaction captured before login to the user')).transactionId).toBe(captured);
    // The transaction id the front scan answered with is the one the later requests sent.
    const front = executionNamed(summary, 'Scan the front of the national ID');
    const transactionId = bodyOf(front).data.idFrontData.transaction_id;
    expect(transactionId).not.toBe(captured);
    const back = executionNamed(summary, 'Scan the back of the national ID');
    expect(sentBodyOf(back).transaction_id).toBe(transactionId);
    // The user's images are those of the identity the link gave the user: the captured transaction's.
    const stepImage = executions.find((execution) => execution.request.url.path?.includes('GetStepImage'));
    expect(stepImage?.request.url.query.toObject().TransactionId).toBe(captured);
    const images = executions.find((execution) => execution.request.url.path?.includes('GetUserDigitalIdentityImages'));
    expect(images?.request.url.query.toObject().emailOrPhoneNumber).toBe('%2B201001234567');
    // The admin operations ran with the admin token the last token answer carried (login, then refresh).
    const refresh = executions.find((execution) => execution.request.url.path?.join('/') === 'api/credentials/RefreshToken');
    const adminToken = bodyOf(refresh).data.accessToken;
    expect(images?.request.headers.get('Authorization')).toBe(`Bearer ${adminToken}`);
    // The control folder: the queued outcome answered, the journal shows it, the transaction is read.
    const control = summary.run.executions.slice(-4);
    expect(control.map((execution) => [execution.request.method, execution.request.url.getPath(), statusOf(execution)])).toEqual([
      ['POST', '/__vlens/outcomes', 201],
      ['POST', '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone', 200],
      ['GET', '/__vlens/requests', 200],
      ['GET', `/__vlens/transactions/${transactionId}`, 200],
    ]);
    expect(bodyOf(control[2]).requests[0]).toMatchObject({ scenario: QUEUED_SCENARIO, forcedBy: 'queue' });
    expect(bodyOf(control[3]).outcome.state).toBe('verified');
  });

  it('runs twice at once against the same mock with 0 failures each: each run has a tenant of its own', async () => {
    const [one, two] = await Promise.all([newmanRun({ collection, environment }), newmanRun({ collection, environment })]);
    expect([failures(one), failures(two)]).toEqual([[], []]);
    const keys = [one, two].map((summary) => summary.run.executions[0]?.request.headers.get('ApiKey'));
    expect(keys[0]).not.toBe(keys[1]);
    // Both registered the example's phone number, each in its own tenant.
    for (const summary of [one, two]) expect(bodyOf(executionNamed(summary, 'Create the user and get the first user token')).data.accessToken).toEqual(expect.any(String));
  });

  it('runs the collection top to bottom with 0 failures against the stateless mock too (the example ids)', async () => {
    const summary = await newmanRun({ collection, environment }, statelessMock.url);
    expect(failures(summary)).toEqual([]);
    expect(summary.run.stats.requests).toMatchObject({ total: operations.length + controlItems.length, failed: 0 });
    // The stateless mock has no tenant to reset, and answers the collection's reset all the same.
    const [first] = summary.run.executions;
    expect([first?.request.url.getPath(), statusOf(first)]).toEqual(['/__vlens/reset', 204]);
    const executions = operationExecutions(summary);
    expect(executions.map(statusOf)).toEqual(executions.map(() => 200));
    // The replay answers the example's own transaction id, and the chain carries that one on.
    const transactionId = bodyOf(executionNamed(summary, 'Scan the front of the national ID')).data.idFrontData.transaction_id;
    expect(sentBodyOf(executionNamed(summary, 'Scan the back of the national ID')).transaction_id).toBe(transactionId);
    // It keeps no transaction to read, which the collection expects of it.
    expect(statusOf(summary.run.executions.at(-1))).toBe(404);
  }, 60_000);

  it("runs again, twice more with one fixed apiKey, against the same mock with 0 failures: the reset forgets the previous run's user (review S1)", async () => {
    const one = await newmanRun({ collection, environment }, mock.url, 'fixed-postman-key');
    const two = await newmanRun({ collection, environment }, mock.url, 'fixed-postman-key');
    expect([failures(one), failures(two)]).toEqual([[], []]);
    // The sandbox kept state between the runs: the second one registered the example's phone number again, after the reset.
    const register = two.run.executions.find((execution) => execution.request.url.getPath() === '/api/DigitalIdentity/Register');
    expect(bodyOf(register).data.accessToken).toEqual(expect.any(String));
  });

  it('with one fixed apiKey and without its reset, a second run fails: the sandbox finds the phone number registered (the reset is what makes such runs repeatable)', async () => {
    const withoutReset = { ...collection, item: collection.item.slice(1) };
    await newmanRun({ collection: withoutReset, environment }, mock.url, 'fixed-key-without-reset');
    const again = await newmanRun({ collection: withoutReset, environment }, mock.url, 'fixed-key-without-reset');
    const register = requests.find((item) => item.request.url.path.join('/') === 'api/DigitalIdentity/Register')!;
    expect(failures(again).length).toBeGreaterThan(0);
    expect(
      failures(again).every((failure) => failure.startsWith(`${register.name}:`)),
      failures(again).join('\n'),
    ).toBe(true);
  });

  // Each saved response sent as its original request; the mock must answer it exactly.
  const savedResponseRun = (items: PostmanRequestItem[]) => ({
    info: { name: 'saved responses', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    variable: collection.variable,
    // The collection's own pre-request script: the run's key.
    event: collection.event,
    item: items.flatMap((item) =>
      item.response.map((saved) => ({
        name: `${item.name} / ${saved.name}`,
        request: saved.originalRequest,
        event: [
          {
            listen: 'test',
            script: {
              exec: [
                `pm.test('status ${saved.code}', () => pm.response.to.have.status(${saved.code}));`,
                `pm.test('body as saved', () => pm.expect(pm.response.json()).to.eql(${saved.body}));`,
              ],
            },
          },
        ],
      })),
    ),
  });

  it("answers every saved response's original request with exactly that response (stateless mock)", async () => {
    const summary = await newmanRun({ collection: savedResponseRun(requests), environment }, statelessMock.url);
    expect(failures(summary)).toEqual([]);
    const saved = requests.reduce((sum, item) => sum + item.response.length, 0);
    expect(summary.run.stats.requests.total).toBe(saved);
    expect(summary.run.stats.assertions).toMatchObject({ total: saved * 2, failed: 0 });
  }, 60_000);

  it('the saved-response check fails on a response that no longer matches the mock', async () => {
    const tampered = structuredClone(requests.slice(0, 1));
    const [first] = tampered[0]!.response;
    first!.body = JSON.stringify({ ...JSON.parse(first!.body), error_code: 9999 });
    tampered[0]!.response = [first!];
    const summary = await newmanRun({ collection: savedResponseRun(tampered), environment }, statelessMock.url);
    expect(failures(summary)).toEqual([expect.stringMatching(/body as saved/)]);
  });
});
