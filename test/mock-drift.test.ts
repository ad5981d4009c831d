// An example that drifts from its schema must fail loudly: the mock refuses to start, naming it; and
// with the start-up check turned off, asking for it answers a 500 that names it. Each case edits a copy
// of the real bundled description. The shipped description is checked once, when `npm run generate`
// writes the engine's model of it (mocks/model/generated/), and that model must be current.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExampleDriftError, startMock } from '../mocks/index.js';
import { checkDescription } from '../scripts/mock-check.mjs';
import { generateModelFiles } from '../scripts/generate-model.mjs';
import { ROOT } from '../scripts/lib/description.mjs';
import { API_KEY, TOKEN, bundle, operation, send, validRequest } from './mock-process.js';
import { BUNDLE_PATH } from '../scripts/lib/description.mjs';

const dir = mkdtempSync(join(tmpdir(), 'vlens-mock-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function descriptionWith(name: string, edit: (doc: any) => void): string {
  const doc = structuredClone(bundle);
  edit(doc);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(doc));
  return path;
}

const frontResponses = (doc: any) => doc.paths['/api/DigitalIdentity/verify/id/front'].post.responses;

const driftedResponse = descriptionWith('drifted-response', (doc) => {
  frontResponses(doc)['200'].content['application/json'].examples.cardNotDetected.value.error_code = 'three thousand and eleven';
});

describe('a response example that drifts from its schema', () => {
  it('stops the mock from starting, naming the operation, status and example', async () => {
    const start = startMock({ description: driftedResponse });
    await expect(start).rejects.toBeInstanceOf(ExampleDriftError);
    await expect(start).rejects.toThrow(/verifyIdFront 200 "cardNotDetected": .*error_code/);
  });

  it('answers 500 naming the example when the start-up check is off, and serves the others', async () => {
    const mock = await startMock({ description: driftedResponse, checkExamples: false });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const request = validRequest(operation('verifyIdFront'));
      const drifted = await send(mock.url, { ...request, headers: { ...request.headers, Prefer: 'example=cardNotDetected' } });
      expect(drifted.status).toBe(500);
      expect(drifted.body.data).toBeNull();
      expect(drifted.body.error_message).toBe('Mock description error: the 200 example "cardNotDetected" of verifyIdFront does not match its schema.');
      expect(drifted.body.error_descriptions.map((violation: { field: string | null }) => violation.field)).toContain('error_code');

      const fine = await send(mock.url, { ...request, headers: { ...request.headers, Prefer: 'example=qualityTooLow' } });
      expect(fine.status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((message) => message.includes('cardNotDetected'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
      await mock.stop();
    }
  });
});

describe('other drifts', () => {
  it('a shared error example is reported for every operation that uses it', async () => {
    const path = descriptionWith('drifted-shared', (doc) => {
      doc.components.responses.Unauthorized.content['application/json'].examples.unauthorized.value.error_message = 42;
    });
    const error = await startMock({ description: path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExampleDriftError);
    const drifts = (error as ExampleDriftError).drifts.filter((drift) => drift.includes('401 "unauthorized"'));
    expect(drifts).toHaveLength(Object.keys(bundle.paths).length);
  });

  it('a request example that no longer fits its schema', async () => {
    const path = descriptionWith('drifted-request', (doc) => {
      delete doc.paths['/api/DigitalIdentity/verify/liveness/multi'].post.requestBody.content['application/json'].examples.threeFaces.value.transaction_id;
    });
    await expect(startMock({ description: path })).rejects.toThrow(/verifyLiveness request example "threeFaces": transaction_id: The transaction_id field is required/);
  });

  it('checks a description given as text at start, like one given as a path', async () => {
    const text = readFileSync(BUNDLE_PATH, 'utf8').replace('error_code: 3011', "error_code: 'three thousand and eleven'");
    expect(text).not.toBe(readFileSync(BUNDLE_PATH, 'utf8'));
    await expect(startMock({ descriptionText: text })).rejects.toThrow(/verifyIdFront 200 "cardNotDetected": error_code/);
  });
});

describe('the shipped description', () => {
  it("has no drift, by the mock's check and by Prism's, and the engine's model of it is current (run npm run generate if not)", async () => {
    await expect(checkDescription(readFileSync(BUNDLE_PATH, 'utf8'))).resolves.toMatch(/every example checked/);
    for (const [path, content] of Object.entries(await generateModelFiles())) {
      expect(readFileSync(`${ROOT}${path}`, 'utf8'), `${path} is stale: run npm run generate`).toBe(content);
    }
  }, 60_000);

  it('is served as recorded', async () => {
    const mock = await startMock();
    try {
      const answer = await send(mock.url, {
        ...validRequest(operation('verifyIdFront')),
        headers: { ApiKey: API_KEY, Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      });
      expect(answer.status).toBe(200);
    } finally {
      await mock.stop();
    }
  });

  it('the check run before the model is written refuses a drift, by both checks', async () => {
    const text = readFileSync(BUNDLE_PATH, 'utf8').replace('error_code: 3011', 'error_code: []');
    await expect(checkDescription(text)).rejects.toThrow(/verifyIdFront 200 "cardNotDetected": error_code .*\n(.|\n)*Prism: /);
  });
});
