// Asking for a scenario, over real HTTP against the real mock process. Prism answers the default
// scenario to a Prefer header it does not understand (a semicolon between preferences, a misspelt
// preference, a scenario of another status); a test that asked for an error and got the success would
// pass for the wrong reason. The mock answers each with a 400 that says how to write it.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRef } from '../scripts/lib/description.mjs';
import {
  SECRETS,
  bundle,
  isRefusalEnvelope,
  operation,
  responseSchemaErrors,
  send,
  startMockProcess,
  validRequest,
  type MockAnswer,
  type MockOperation,
  type MockProcess,
} from './mock-process.js';

let mock: MockProcess;
beforeAll(async () => {
  // The answers compared are the named examples as they are: replay (the sandbox fills in its own ids).
  mock = await startMockProcess(['--port', '0', '--quiet', '--stateless']);
});
afterAll(async () => {
  await mock?.stop();
});

const front = operation('verifyIdFront');
const stepImage = operation('getStepImage');

/** The named example as the description gives it. */
function example(target: MockOperation, status: number, name: string): unknown {
  const response = resolveRef(bundle, target.operation.responses[String(status)]);
  return resolveRef(bundle, response.content['application/json'].examples[name]).value;
}

function ask(target: MockOperation, prefer?: string, query: Record<string, string> = {}) {
  const request = validRequest(target);
  if (prefer !== undefined) request.headers.Prefer = prefer;
  return send(mock.url, { ...request, query: { ...request.query, ...query } });
}

/** A 400 in the vendor's envelope whose one field error names `field` and says `message`. */
function expectRefused(answer: MockAnswer, field: string, message: string | RegExp) {
  expect(answer.status, answer.text).toBe(400);
  expect(isRefusalEnvelope(answer.body), answer.text).toBe(true);
  expect(responseSchemaErrors(front, 400, answer.body)).toEqual([]);
  expect(answer.body.error_descriptions).toHaveLength(1);
  expect(answer.body.error_descriptions[0].field).toBe(field);
  if (typeof message === 'string') expect(answer.body.error_descriptions[0].message).toContain(message);
  else expect(answer.body.error_descriptions[0].message).toMatch(message);
  for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
}

describe('the Prefer header', () => {
  it('is read the way Prism reads it when well written', async () => {
    expect((await ask(front, 'code=401, example=tokenExpired')).body).toEqual(example(front, 401, 'tokenExpired'));
    expect((await ask(front, 'example=qualityTooLow')).body).toEqual(example(front, 200, 'qualityTooLow'));
    // RFC 7240: names are case-insensitive, values may be quoted, spaces around = are allowed.
    expect((await ask(front, 'Example="qualityTooLow"')).body).toEqual(example(front, 200, 'qualityTooLow'));
    expect((await ask(front, 'code = 401 ,example = tokenExpired')).body).toEqual(example(front, 401, 'tokenExpired'));
  });

  it('refuses preferences separated by a semicolon, showing them separated by commas', async () => {
    expectRefused(await ask(front, 'code=401; example=tokenExpired'), 'Prefer', 'Separate preferences with commas, not semicolons: send Prefer: code=401, example=tokenExpired.');
    expectRefused(await ask(front, 'example=qualityTooLow;code=200'), 'Prefer', 'send Prefer: example=qualityTooLow, code=200.');
  });

  it("is read by the mock itself: Prism's parser takes a semicolon for a parameter and drops a misspelt name", () => {
    const fromCli = createRequire(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json'));
    const parsePrefer = createRequire(fromCli.resolve('@stoplight/prism-http-server/package.json'))('parse-prefer-header');
    expect(parsePrefer('code=401; example=tokenExpired')).toEqual({ code: '401', codeExample: 'tokenExpired' });
    expect(parsePrefer('exampel=tokenExpired')).toEqual({ exampel: 'tokenExpired' });
  });

  it('refuses an unknown preference, suggesting the one meant', async () => {
    expectRefused(await ask(front, 'exampel=tokenExpired'), 'Prefer', 'The mock does not know the preference "exampel". Did you mean example=?');
    expectRefused(await ask(front, 'code=401, scenario=tokenExpired'), 'Prefer', /does not know the preference "scenario"\. It understands code=, example=, dynamic=/);
  });

  it('ignores the preferences HTTP defines for every API, as the real service does', async () => {
    expect((await ask(front, 'return=minimal')).body).toEqual(example(front, 200, 'extracted'));
    expect((await ask(front, 'respond-async, wait=10, handling=strict, example=qualityTooLow')).body).toEqual(example(front, 200, 'qualityTooLow'));
  });

  it('refuses a scenario of another status, saying how to ask for it', async () => {
    expectRefused(
      await ask(front, 'example=tokenExpired'),
      'Prefer',
      'verifyIdFront has no 200 scenario named "tokenExpired". It is a 401 scenario: send Prefer: code=401, example=tokenExpired.',
    );
    expectRefused(await ask(front, 'code=401, example=qualityTooLow'), 'Prefer', 'It is a 200 scenario: send Prefer: example=qualityTooLow.');
    expectRefused(await ask(front, 'code=500, example=unauthorized'), 'Prefer', 'It is a 401 scenario: send Prefer: code=401, example=unauthorized.');
  });

  it('refuses a misspelt scenario, suggesting the one meant and listing them all', async () => {
    const answer = await ask(front, 'code=401, example=tokenExpird');
    expectRefused(answer, 'Prefer', 'Did you mean "tokenExpired"? The 401 scenarios are: unauthorized, tokenExpired.');
  });

  it('refuses a status the operation does not declare, and a code that is not a status', async () => {
    expectRefused(await ask(stepImage, 'code=415'), 'Prefer', /^getStepImage declares no 415 answer; it declares 200, 400, 401, 403, 500\.$/);
    expectRefused(await ask(front, 'code=abc'), 'Prefer', 'code= must be a three-digit HTTP status');
  });

  it('refuses a preference given twice, a value left out, and a named example with dynamic=true', async () => {
    expectRefused(await ask(front, 'example=qualityTooLow, example=extracted'), 'Prefer', 'The example= preference is given twice; give it once.');
    expectRefused(await ask(front, 'example='), 'Prefer', 'example= needs a scenario name, as in Prefer: example=extracted.');
    expectRefused(await ask(front, 'dynamic=yes'), 'Prefer', 'dynamic= must be true or false.');
    expectRefused(await ask(front, 'dynamic=true, example=extracted'), 'Prefer', 'example= and dynamic=true cannot be combined');
  });
});

describe('the __code / __example / __dynamic query parameters', () => {
  it('ask for a scenario where a header is awkward', async () => {
    expect((await ask(front, undefined, { __code: '401', __example: 'tokenExpired' })).body).toEqual(example(front, 401, 'tokenExpired'));
    expect((await ask(front, undefined, { __example: 'qualityTooLow' })).body).toEqual(example(front, 200, 'qualityTooLow'));
  });

  it("are refused when misspelt, of another status, or given twice, in the query's own terms", async () => {
    expectRefused(await ask(front, undefined, { __exampel: 'x' }), '__exampel', 'The mock does not know the query parameter "__exampel". Did you mean __example?');
    expectRefused(await ask(front, undefined, { __code: '401', __example: 'extracted' }), '__example', 'It is a 200 scenario: send ?__example=extracted.');
    expectRefused(await ask(front, undefined, { __example: 'tokenExpired' }), '__example', 'send ?__code=401&__example=tokenExpired.');
    const twice = await send(mock.url, { ...validRequest(front), path: `${front.path}?__example=extracted&__example=qualityTooLow` });
    expectRefused(twice, '__example', 'The __example query parameter is given 2 times; give it once.');
  });

  it('are refused together with a Prefer header, which would otherwise silently win', async () => {
    expectRefused(
      await ask(front, 'example=extracted', { __code: '401' }),
      'Prefer',
      'either in the Prefer header or with the __code, __example and __dynamic query parameters, not both',
    );
  });
});

it('names the scenario it answered in the access log, and a refused one as a refusal', async () => {
  const logged = await startMockProcess(['--port', '0']);
  try {
    await send(logged.url, { ...validRequest(front), headers: { ...validRequest(front).headers, Prefer: 'code=401, example=tokenExpired' } });
    await send(logged.url, { ...validRequest(front), headers: { ...validRequest(front).headers, Prefer: 'code=401; example=tokenExpired' } });
    expect(await logged.waitForLine(/^POST \/api\/DigitalIdentity\/verify\/id\/front 401 tokenExpired /)).toBeTruthy();
    expect(await logged.waitForLine(/^POST \/api\/DigitalIdentity\/verify\/id\/front 400 invalidRequest /)).toBeTruthy();
  } finally {
    await logged.stop();
  }
});
