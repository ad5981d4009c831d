// Generated malformed requests against the real mock process, a sandbox: missing and extra fields, wrong
// types, invalid base64, huge strings, broken JSON, wrong and missing headers, sent half the time about a
// transaction the sandbox really keeps. Every answer must be a status the operation declares, below 500,
// in the vendor's envelope and valid against the declared schema; the process must survive, still answer
// every operation, and still run a whole verification flow afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  API_KEY,
  SECRETS,
  TOKEN,
  isRefusalEnvelope,
  operations,
  responseSchemaErrors,
  send,
  startMockProcess,
  validRequest,
  type MockOperation,
  type MockProcess,
  type MockRequest,
} from './mock-process.js';
import { PATHS, call, capture, register } from './sandbox-helpers.js';

const RUNS = 320;

let mock: MockProcess;
// A transaction the sandbox keeps, completed before the fuzzing starts.
let realTransaction: string;
const EXAMPLE_TRANSACTION = '81f404b3-d7dc-4f08-b4fe-934853c86282';
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
  realTransaction = (await capture({ url: mock.url, apiKey: API_KEY }, TOKEN)).transactionId;
});
afterAll(async () => {
  await mock?.stop();
});

type Mutation = (request: MockRequest, target: MockOperation) => MockRequest;

const printable = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: max });
const fieldName = fc.oneof(printable(12), fc.constantFrom('image', 'face_1', 'transaction_id', '__proto__', 'constructor', '', 'a'.repeat(500)));
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, true, 0, -1, 1e308, '', [], {}, 'QQ==', '81f404b3-d7dc-4f08-b4fe-934853c86282'));
const invalidBase64 = fc.oneof(
  printable(40),
  fc.constantFrom('abc', 'a===', '====', 'QQ==QQ==', '/9j_4AAQ', 'data:image/png;base64,iVBORw0K', 'QUJD\nREVG', ' QUJD', 'QUJD ', '🙂🙂🙂🙂'),
);
const hugeString = fc.oneof(
  fc.integer({ min: 100_000, max: 1_000_000 }).map((length) => 'A'.repeat(length)),
  fc.constantFrom(4_194_304, 4_194_308, 4_500_000).map((length) => 'A'.repeat(length)),
  fc.integer({ min: 10_000, max: 100_000 }).map((length) => '😀'.repeat(length)),
);

function parsedBody(request: MockRequest): Record<string, unknown> {
  try {
    const value = JSON.parse(String(request.body ?? '{}'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
const setBody = (request: MockRequest, body: unknown): MockRequest => ({ ...request, body: JSON.stringify(body) });
const setHeader = (request: MockRequest, name: string, value: string | undefined): MockRequest => {
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([existing]) => existing.toLowerCase() !== name.toLowerCase()));
  if (value !== undefined) headers[name] = value;
  return { ...request, headers };
};
const pick = <T>(items: T[], index: number): T | undefined => (items.length ? items[index % items.length] : undefined);

const mutations: fc.Arbitrary<Mutation>[] = [
  // Missing fields.
  fc.nat().map((index) => (request) => {
    const body = parsedBody(request);
    const key = pick(Object.keys(body), index);
    if (key) delete body[key];
    return setBody(request, body);
  }),
  // Extra fields.
  fc.tuple(fieldName, jsonValue).map(
    ([key, value]) =>
      (request) =>
        setBody(request, { ...parsedBody(request), [key]: value }),
  ),
  // Wrong types.
  fc.tuple(fc.nat(), jsonValue).map(([index, value]) => (request) => {
    const body = parsedBody(request);
    const key = pick(Object.keys(body), index) ?? 'image';
    return setBody(request, { ...body, [key]: value });
  }),
  // Invalid base64 in every image field there is.
  invalidBase64.map((text) => (request) => {
    const body = parsedBody(request);
    for (const key of Object.keys(body).filter((name) => /image|face/.test(name))) body[key] = text;
    return setBody(request, body);
  }),
  // Huge strings.
  fc.tuple(fc.nat(), hugeString).map(([index, text]) => (request) => {
    const body = parsedBody(request);
    const key = pick(Object.keys(body), index) ?? 'image';
    return setBody(request, { ...body, [key]: text });
  }),
  // Images over the ceiling, and bodies over the server's limit.
  fc.integer({ min: 4_194_305, max: 4_400_000 }).map((length) => (request) => {
    const body = parsedBody(request);
    const image = 'A'.repeat(length - (length % 4));
    for (const key of Object.keys(body).filter((name) => /image|face/.test(name))) body[key] = image;
    return setBody(request, body);
  }),
  fc.integer({ min: 30_000_001, max: 30_100_000 }).map((length) => (request) => ({ ...request, body: `{"image":"${'A'.repeat(length)}"}` })),
  // A body that is JSON but not the object asked for.
  jsonValue.map((value) => (request) => setBody(request, value)),
  // Broken JSON: cut anywhere, junk appended, or arbitrary bytes.
  fc.nat().map((cut) => (request) => ({ ...request, body: String(request.body ?? '{"a":1}').slice(0, cut % Math.max(1, String(request.body ?? '').length)) })),
  printable(30).map((junk) => (request) => ({ ...request, body: `${String(request.body ?? '{}')}${junk}` })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => (request) => ({ ...request, body: Buffer.from(bytes) })),
  // Missing and wrong credentials.
  fc.constantFrom('ApiKey', 'Authorization').map((name) => (request) => setHeader(request, name, undefined)),
  printable(60).map((value) => (request) => setHeader(request, 'Authorization', value)),
  printable(60).map((value) => (request) => setHeader(request, 'ApiKey', value)),
  // Wrong content types.
  fc
    .oneof(fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=utf-16', 'multipart/form-data', ''), printable(40))
    .map((value) => (request) => setHeader(request, 'Content-Type', value)),
  fc.constant((request: MockRequest) => setHeader(request, 'Content-Type', undefined)),
  // Scenario selection gone wrong.
  printable(60).map((value) => (request) => setHeader(request, 'Prefer', value)),
  fc.tuple(fc.integer({ min: 100, max: 599 }), printable(20)).map(
    ([code, example]) =>
      (request) =>
        setHeader(request, 'Prefer', `code=${code}, example=${example}`),
  ),
  // Headers the description declares, with values it does not allow, and headers it does not know.
  fc.tuple(fc.constantFrom('TenancyName', 'Accept-Language', 'X-Request-Id'), fc.oneof(printable(10), fc.constant(''), fc.constant('x'.repeat(300)))).map(
    ([name, value]) =>
      (request) =>
        setHeader(request, name, value),
  ),
  fc
    .tuple(
      printable(20).filter((name) => /^[A-Za-z][A-Za-z0-9-]*$/.test(name)),
      printable(50),
    )
    .map(
      ([name, value]) =>
        (request) =>
          setHeader(request, `X-${name}`, value),
    ),
  // Query parameters missing, wrong or repeated.
  fc.tuple(fc.nat(), printable(30)).map(([index, value]) => (request, target) => {
    const names = target.parameters.filter((parameter: any) => parameter.in === 'query').map((parameter: any) => parameter.name as string);
    const name = pick(names, index) ?? 'q';
    return { ...request, query: { ...request.query, [name]: value } };
  }),
  fc.nat().map((index) => (request) => {
    const query = { ...request.query };
    const key = pick(Object.keys(query), index);
    if (key) delete query[key];
    return { ...request, query };
  }),
];

const malformedRequest = fc.record({
  target: fc.constantFrom(...operations),
  steps: fc.array(fc.oneof(...mutations), { minLength: 1, maxLength: 3 }),
  aboutRealTransaction: fc.boolean(),
});

/** The valid request of an operation, about the transaction the sandbox keeps instead of the example's. */
function aboutRealTransaction(request: MockRequest): MockRequest {
  const swap = (text: string) => text.replaceAll(EXAMPLE_TRANSACTION, realTransaction).replaceAll('c83669c9-e06e-4564-b355-a2cb2d55a570', realTransaction);
  return { ...request, body: typeof request.body === 'string' ? swap(request.body) : request.body, query: JSON.parse(swap(JSON.stringify(request.query))) };
}

it(`answers ${RUNS} malformed requests with a documented status in the envelope, and survives`, async () => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(malformedRequest, async ({ target, steps, aboutRealTransaction: real }) => {
      const valid = real ? aboutRealTransaction(validRequest(target)) : validRequest(target);
      const request = steps.reduce((current, step) => step(current, target), valid);
      if (target.method === 'GET') delete request.body;
      const answer = await send(mock.url, request);
      seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
      const context = `${target.id} ${answer.status} ${answer.text.slice(0, 300)}`;
      expect(answer.status, context).toBeLessThan(500);
      expect(target.statuses, context).toContain(answer.status);
      expect(answer.headers.get('content-type'), context).toBe('application/json; charset=utf-8');
      if (answer.status >= 400) expect(isRefusalEnvelope(answer.body), context).toBe(true);
      expect(responseSchemaErrors(target, answer.status, answer.body), context).toEqual([]);
      for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
    }),
    { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), verbose: 1 },
  );
  if (process.env.FUZZ_REPORT) console.log(Object.fromEntries(seen));
  // Most generated requests must be refused, or the generators are not producing malformed input.
  const refused = [...seen].filter(([status]) => status >= 400).reduce((sum, [, count]) => sum + count, 0);
  expect(refused).toBeGreaterThan(RUNS * 0.6);
  expect([...seen.keys()]).toEqual(expect.arrayContaining([200, 400, 401, 413, 415]));

  expect(mock.child.exitCode).toBeNull();
  for (const target of operations) {
    const answer = await send(mock.url, validRequest(target));
    expect(answer.status, target.id).toBeLessThan(500);
    expect(target.statuses, target.id).toContain(answer.status);
    expect(responseSchemaErrors(target, answer.status, answer.body), target.id).toEqual([]);
  }
  // The sandbox still keeps its state and runs a whole flow.
  const caller = { url: mock.url, apiKey: API_KEY };
  const kept = await call(caller, 'GET', `/__vlens/transactions/${realTransaction}`);
  expect(kept.status).toBe(200);
  expect(kept.body.id).toBe(realTransaction);
  const user = await register(caller);
  const flow = await capture(caller, user.token);
  expect(flow.liveness.body.data.isDigitalIdentityVerified).toBe(true);
  const adminToken = 'fuzz.admin.token';
  const names = await call(caller, 'GET', PATHS.images, { token: adminToken, query: { emailOrPhoneNumber: user.phoneNumber } });
  const step = await call(caller, 'GET', PATHS.stepImage, { token: adminToken, query: { TransactionId: flow.transactionId, FileName: names.body.data.idFrontImage } });
  expect(step.body.data.image).toBe(flow.images.front);
  expect(mock.stderr()).toBe('');
}, 120_000);
