// `Prefer: dynamic=true` over real HTTP against the real mock process, many times for every status of
// every operation: each answer is generated anew, matches the schema the description declares, and
// obeys what the description says in prose about the envelope (a success carries data and no error; a
// failure carries no data, a real error code and its catalogue message, field errors as a list) and
// carries none of the description's prose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startMock } from '../mocks/index.js';
import { bundle, operations, responseSchemaErrors, send, startMockProcess, validRequest, type MockOperation, type MockProcess } from './mock-process.js';

const ROUNDS = 8;

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--quiet']);
});
afterAll(async () => {
  await mock?.stop();
});

const catalogue = new Map<number, { code: number; userMessage: string }>(bundle['x-vlens-error-codes'].map((entry: { code: number; userMessage: string }) => [entry.code, entry]));

/** Every description, summary and title in the description: none of it belongs in an answer. */
const prose: string[] = [];
(function collect(node: unknown) {
  if (Array.isArray(node)) node.forEach(collect);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (['description', 'summary', 'title'].includes(key) && typeof value === 'string' && value.length >= 12) prose.push(value);
      else collect(value);
    }
  }
})(bundle);

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return [...Object.keys(value), ...Object.values(value).flatMap(strings)];
  return [];
}

async function dynamic(target: MockOperation, status?: number) {
  const request = validRequest(target);
  request.headers.Prefer = status === undefined ? 'dynamic=true' : `code=${status}, dynamic=true`;
  return send(mock.url, request);
}

describe.each(operations.map((target) => [target.id, target] as const))('%s', (_id, target) => {
  it.each(target.statuses.map((status) => [status]))(`answers %i, ${ROUNDS} times, by the description's rules`, async (status) => {
    const bodies = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const answer = await dynamic(target, status);
      const context = `${target.id} ${status}: ${answer.text.slice(0, 400)}`;
      expect(answer.status, context).toBe(status);
      expect(responseSchemaErrors(target, status, answer.body), context).toEqual([]);
      const { data, error_code, error_message, error_descriptions } = answer.body;
      if (status < 300) {
        expect(error_code, context).toBeNull();
        expect(error_message, context).toBeNull();
        expect(error_descriptions, context).toBeNull();
        expect(data, context).not.toBeNull();
      } else {
        expect(data, context).toBeNull();
        expect(status === 422 ? error_code >= 1000 : error_code, context).toBe(status === 422 ? true : status);
        expect(error_message, context).toBe(catalogue.get(error_code)!.userMessage);
        expect(error_descriptions === null || Array.isArray(error_descriptions), context).toBe(true);
      }
      for (const text of strings(answer.body)) expect(prose, `${context}\nprose: ${text}`).not.toContain(text);
      bodies.add(answer.text);
    }
    // Generated, not replayed: where a success's data has a shape (a failure has too little room to
    // vary to be sure of it in a few rounds, and data the description leaves open is always {}).
    const shaped = [...bodies].some((text) => JSON.stringify(JSON.parse(text).data) !== '{}');
    if (status < 300 && shaped) expect(bodies.size).toBeGreaterThan(1);
  });
});

it('answers the lowest success status when no code is asked for', async () => {
  const target = operations.find((candidate) => candidate.id === 'verifyLiveness')!;
  const answer = await dynamic(target);
  expect(answer.status).toBe(200);
  expect(answer.body.data).not.toBeNull();
  expect(responseSchemaErrors(target, 200, answer.body)).toEqual([]);
});

it('logs no drift and no error while generating', () => {
  expect(mock.stderr()).toBe('');
});

it('generates, by the same rules, the answer of a status the description gives no example for', async () => {
  // A description whose shared 422 answer has no named example: Prism's static generation answers it.
  const edited = structuredClone(bundle);
  delete edited.components.responses.UnprocessableEntity.content['application/json'].examples;
  const withoutExample = await startMock({ descriptionText: stringify(edited) });
  try {
    const target = operations.find((candidate) => candidate.id === 'verifyIdFront')!;
    const request = validRequest(target);
    request.headers.Prefer = 'code=422';
    const answer = await send(withoutExample.url, request);
    expect(answer.status, answer.text).toBe(422);
    expect(responseSchemaErrors(target, 422, answer.body)).toEqual([]);
    expect(answer.body.data).toBeNull();
    expect(catalogue.get(answer.body.error_code)?.userMessage).toBe(answer.body.error_message);
  } finally {
    await withoutExample.stop();
  }
});
