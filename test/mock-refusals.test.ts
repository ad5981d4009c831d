// Every refusal of the mock, over real HTTP against the real mock process: the status the real service
// uses, the vendor's envelope (never Prism's problem+json), field errors that name what was wrong, an
// answer valid against the schema the description declares for that status, and no secret echoed.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  SECRETS,
  TOKEN,
  isRefusalEnvelope,
  operation,
  responseSchemaErrors,
  send,
  startMockProcess,
  validRequest,
  type MockAnswer,
  type MockProcess,
  type MockRequest,
} from './mock-process.js';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess();
});
afterAll(async () => {
  await mock?.stop();
});

const front = operation('verifyIdFront');
const liveness = operation('verifyLiveness');
const stepImage = operation('getStepImage');
const adminLogin = operation('adminLogin');
const IMAGE = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD';
const TRANSACTION_ID = '81f404b3-d7dc-4f08-b4fe-934853c86282';

function withBody(request: MockRequest, body: unknown): MockRequest {
  return { ...request, body: typeof body === 'string' ? body : JSON.stringify(body) };
}
function withHeaders(request: MockRequest, headers: Record<string, string | undefined>): MockRequest {
  const merged: Record<string, string> = { ...request.headers };
  for (const [name, value] of Object.entries(headers)) {
    for (const existing of Object.keys(merged)) if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
    if (value !== undefined) merged[name] = value;
  }
  return { ...request, headers: merged };
}

/** What every refusal must satisfy, whatever it refuses. */
function expectRefusal(answer: MockAnswer, target: ReturnType<typeof operation>, status: number) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(isRefusalEnvelope(answer.body), answer.text).toBe(true);
  expect(answer.text).not.toContain('problem');
  expect(responseSchemaErrors(target, status, answer.body)).toEqual([]);
  for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
}
const fields = (answer: MockAnswer) => (answer.body.error_descriptions ?? []).map((entry: { field: string }) => entry.field);
const messageFor = (answer: MockAnswer, field: string) => answer.body.error_descriptions.find((entry: { field: string }) => entry.field === field)?.message as string;

describe('401: missing or malformed credentials', () => {
  it('refuses a request without the ApiKey header', async () => {
    const answer = await send(mock.url, withHeaders(validRequest(front), { ApiKey: undefined }));
    expectRefusal(answer, front, 401);
    expect(answer.body.error_code).toBe(401);
    expect(fields(answer)).toEqual(['ApiKey']);
    expect(messageFor(answer, 'ApiKey')).toMatch(/missing/);
  });

  it('refuses an ApiKey that is empty or has spaces in it, without echoing it', async () => {
    for (const key of ['', `${API_KEY} ${API_KEY}`]) {
      const answer = await send(mock.url, withHeaders(validRequest(front), { ApiKey: key }));
      expectRefusal(answer, front, 401);
      expect(messageFor(answer, 'ApiKey')).toMatch(key === '' ? /missing|malformed/ : /malformed/);
    }
  });

  it('refuses a missing bearer token on a user operation and on an admin operation', async () => {
    for (const target of [front, stepImage]) {
      const answer = await send(mock.url, withHeaders(validRequest(target), { Authorization: undefined }));
      expectRefusal(answer, target, 401);
      expect(fields(answer)).toEqual(['Authorization']);
      expect(messageFor(answer, 'Authorization')).toMatch(target === front ? /UserBearer/ : /AdminBearer/);
    }
  });

  it('refuses Authorization headers that are not "Bearer <token>"', async () => {
    for (const value of [`Basic ${TOKEN}`, 'Bearer', 'Bearer ', `Bearer ${TOKEN} extra`, `${TOKEN}`, 'Bearer tok"en']) {
      const answer = await send(mock.url, withHeaders(validRequest(front), { Authorization: value }));
      expectRefusal(answer, front, 401);
      expect(messageFor(answer, 'Authorization'), value).toMatch(/malformed|missing/);
    }
  });

  it('accepts any well-formed key and bearer token (the mock checks form, not identity)', async () => {
    const answer = await send(mock.url, withHeaders(validRequest(front), { ApiKey: 'k', Authorization: 'bearer abc.DEF-_~+/==' }));
    expect(answer.status).toBe(200);
  });

  it('checks credentials before anything else, as the real service does', async () => {
    const request = withBody(withHeaders(validRequest(front), { ApiKey: undefined, 'Content-Type': 'text/plain' }), '{not json');
    expectRefusal(await send(mock.url, request), front, 401);
  });

  it('needs no bearer token where the description asks for the ApiKey alone', async () => {
    const answer = await send(mock.url, withHeaders(validRequest(adminLogin), { Authorization: undefined }));
    expect(answer.status).toBe(200);
  });
});

describe('415: a body that is not JSON by its content type', () => {
  it('refuses text/plain, form bodies and a missing Content-Type', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const answer = await send(mock.url, withHeaders(validRequest(front), { 'Content-Type': contentType }));
      expectRefusal(answer, front, 415);
      expect(answer.body.error_code).toBe(415);
      expect(fields(answer)).toEqual(['Content-Type']);
    }
  });

  it('refuses JSON in another charset than UTF-8 and accepts the usual spellings of JSON', async () => {
    expectRefusal(await send(mock.url, withHeaders(validRequest(front), { 'Content-Type': 'application/json; charset=latin1' })), front, 415);
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      expect((await send(mock.url, withHeaders(validRequest(front), { 'Content-Type': contentType }))).status, contentType).toBe(200);
    }
  });
});

describe('413: bodies and images over the ceiling', () => {
  it('refuses a body over 30,000,000 bytes with error_code 413, and keeps serving', async () => {
    const answer = await send(mock.url, withBody(validRequest(liveness), `{"face_1":"${'A'.repeat(30_000_000)}"}`));
    expectRefusal(answer, liveness, 413);
    expect(answer.body.error_code).toBe(413);
    expect(fields(answer)).toEqual(['body']);
    expect((await send(mock.url, validRequest(liveness))).status).toBe(200);
  });

  it("refuses an image over the 4,194,304-character ceiling with the description's 5002 answer", async () => {
    const body = { face_1: 'A'.repeat(4_194_308), face_2: IMAGE, face_3: IMAGE, transaction_id: TRANSACTION_ID };
    const answer = await send(mock.url, withBody(validRequest(liveness), body));
    expectRefusal(answer, liveness, 413);
    expect(answer.body.error_code).toBe(5002);
    expect(fields(answer)).toEqual(['face_1']);
  });

  it('accepts an image exactly at the ceiling', async () => {
    const body = { face_1: 'A'.repeat(4_194_304), face_2: IMAGE, face_3: IMAGE, transaction_id: TRANSACTION_ID };
    expect((await send(mock.url, withBody(validRequest(liveness), body))).status).toBe(200);
  });
});

describe('400: invalid requests, with field errors from the real violations', () => {
  it('refuses a body that is not JSON, telling where it breaks and echoing none of it', async () => {
    const answer = await send(mock.url, withBody(validRequest(front), `{"image": "${IMAGE}", SECRET}`));
    expectRefusal(answer, front, 400);
    expect(fields(answer)).toEqual(['body']);
    expect(messageFor(answer, 'body')).toMatch(/not valid JSON \(at position \d+\)/);
    const truncated = await send(mock.url, withBody(validRequest(front), '{"image": '));
    expect(messageFor(truncated, 'body')).toMatch(/not valid JSON/);
  });

  it('refuses a missing body and a body that is not an object', async () => {
    const empty = await send(mock.url, withBody(validRequest(front), ''));
    expectRefusal(empty, front, 400);
    expect(messageFor(empty, 'body')).toBe('The request body is required.');
    for (const body of ['[]', '"text"', '42', 'null']) {
      const answer = await send(mock.url, withBody(validRequest(front), body));
      expectRefusal(answer, front, 400);
      expect(messageFor(answer, 'body'), body).toBe('The request body must be a JSON object.');
    }
  });

  it("names every missing required field, in the description's wording", async () => {
    const answer = await send(mock.url, withBody(validRequest(liveness), { face_1: IMAGE }));
    expectRefusal(answer, liveness, 400);
    expect(answer.body.error_message).toBe('Bad Request - Input parameters are invalid.');
    expect(fields(answer).sort()).toEqual(['face_2', 'face_3', 'transaction_id']);
    expect(messageFor(answer, 'face_2')).toBe('The face_2 field is required.');
  });

  it('names wrong types once per field, even through a oneOf', async () => {
    const answer = await send(mock.url, withBody(validRequest(front), { image: IMAGE, transaction_id: 5, getExtractedData: 'yes' }));
    expectRefusal(answer, front, 400);
    expect(answer.body.error_descriptions).toEqual([
      { field: 'transaction_id', message: 'The transaction_id field must be a string or null.' },
      { field: 'getExtractedData', message: 'The getExtractedData field must be a boolean.' },
    ]);
  });

  it('refuses unknown fields, malformed ids and bad formats', async () => {
    const answer = await send(mock.url, withBody(validRequest(front), { image: IMAGE, transaction_id: 'not-a-uuid', country: 'egypt', imageBytes: 1 }));
    expectRefusal(answer, front, 400);
    const byField = (a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field);
    expect([...answer.body.error_descriptions].sort(byField)).toEqual([
      { field: 'country', message: 'The country field is not in the expected format.' },
      { field: 'imageBytes', message: 'The imageBytes field is not accepted by this operation.' },
      { field: 'transaction_id', message: 'The transaction_id field must be a valid UUID.' },
    ]);
  });

  it("answers invalid base64 with the description's invalidBase64 message", async () => {
    for (const image of ['not base64!', 'abc', 'data:image/jpeg;base64,/9j/', '/9j_4AAQ', 'QQ==AAAA']) {
      const answer = await send(mock.url, withBody(validRequest(front), { image }));
      expectRefusal(answer, front, 400);
      expect(answer.body.error_message, image).toBe('Please provide a valid base64 encoded image.');
      expect(fields(answer)).toEqual(['image']);
    }
  });

  it('refuses missing and malformed parameters (query and header)', async () => {
    const missing = await send(mock.url, { ...validRequest(stepImage), query: {} });
    expectRefusal(missing, stepImage, 400);
    expect(fields(missing)).toEqual(['TransactionId', 'FileName']);
    expect(messageFor(missing, 'FileName')).toBe('The FileName query parameter is required.');

    const wrong = await send(mock.url, { ...validRequest(stepImage), query: { ...validRequest(stepImage).query, ImpersonatedTenantId: 'abc' } });
    expectRefusal(wrong, stepImage, 400);
    expect(messageFor(wrong, 'ImpersonatedTenantId')).toBe('The ImpersonatedTenantId query parameter must be an integer.');

    const noTenant = await send(mock.url, withHeaders(validRequest(adminLogin), { TenancyName: undefined }));
    expectRefusal(noTenant, adminLogin, 400);
    expect(noTenant.body.error_descriptions).toEqual([{ field: 'TenancyName', message: 'The TenancyName header is required.' }]);
  });

  it('reports parameter and body problems together', async () => {
    const request = withBody(withHeaders(validRequest(adminLogin), { TenancyName: undefined }), { tenancyName: 'acme' });
    const answer = await send(mock.url, request);
    expectRefusal(answer, adminLogin, 400);
    expect(fields(answer)).toEqual(['TenancyName', 'userNameOrEmailAddress', 'password']);
  });

  it('refuses a misspelt scenario, naming the ones that exist', async () => {
    const misspelt = await send(mock.url, withHeaders(validRequest(front), { Prefer: 'example=cardNotDetectd' }));
    expectRefusal(misspelt, front, 400);
    expect(messageFor(misspelt, 'Prefer')).toContain('cardNotDetected');

    const wrongStatus = await send(mock.url, withHeaders(validRequest(front), { Prefer: 'example=tokenExpired' }));
    expect(messageFor(wrongStatus, 'Prefer')).toContain('Prefer: code=401, example=tokenExpired');

    const undeclared = await send(mock.url, withHeaders(validRequest(stepImage), { Prefer: 'code=415' }));
    expectRefusal(undeclared, stepImage, 400);
    expect(messageFor(undeclared, 'Prefer')).toMatch(/declares no 415 answer/);
  });
});

describe('outside the description', () => {
  it('answers 404 for an unknown path and 405 for a wrong method, in the envelope', async () => {
    const unknown = await send(mock.url, { ...validRequest(front), path: '/api/DigitalIdentity/verify/passport' });
    expect(unknown.status).toBe(404);
    expect(isRefusalEnvelope(unknown.body)).toBe(true);
    const wrongMethod = await send(mock.url, { ...validRequest(front), method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(isRefusalEnvelope(wrongMethod.body)).toBe(true);
  });

  it('answers requests Node cannot parse in the envelope too (headers too large, broken HTTP)', async () => {
    const huge = await send(mock.url, { ...validRequest(front), query: { q: 'x'.repeat(20_000) } });
    expect(huge.status).toBe(431);
    expect(isRefusalEnvelope(huge.body)).toBe(true);

    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(mock.url).port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(isRefusalEnvelope(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)))).toBe(true);
  });

  it('matches paths without regard to case, as ASP.NET routing does', async () => {
    const answer = await send(mock.url, { ...validRequest(adminLogin), path: '/api/Credentials/Login' });
    expect(answer.status).toBe(200);
  });

  it('answers CORS preflight requests so a browser page can call it', async () => {
    const response = await fetch(`${mock.url}${front.path}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'apikey,authorization,content-type,prefer' },
    });
    expect(response.status).toBe(204);
    // Any origin, and no credentials: nothing here uses cookies (the control API is stricter: test/hostile-*.ts).
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')).toBe('apikey,authorization,content-type,prefer');
  });
});

describe('the access log', () => {
  it('has one line per request with method, path, status, scenario and time, and no secrets', async () => {
    await send(mock.url, withHeaders(validRequest(front), { Prefer: 'example=qualityTooLow' }));
    await send(mock.url, withHeaders(validRequest(front), { ApiKey: undefined }));
    expect(await mock.waitForLine(/POST \/api\/DigitalIdentity\/verify\/id\/front 200 qualityTooLow \d+\.\dms$/)).toBeTruthy();
    expect(await mock.waitForLine(/POST \/api\/DigitalIdentity\/verify\/id\/front 401 unauthorized \d+\.\dms$/)).toBeTruthy();
    for (const secret of SECRETS) expect(mock.stdout()).not.toContain(secret);
  });
});
