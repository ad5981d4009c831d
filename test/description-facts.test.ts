// Every JSON sample that the public sources quote for these operations, transcribed into
// test/fixtures/facts, must be accepted by the matching request or response schema: the
// description may be stricter than the docs only where a placeholder stands for real data.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listOperations, loadBundle, ROOT } from '../scripts/lib/description.mjs';
import { createDescriptionAjv, pointer } from './support/openapi-ajv.js';

type Fixture = {
  source: string;
  quote: string;
  placeholders?: Record<string, string>;
  operationId?: string;
  schema?: string;
  kind?: 'request' | 'response';
  status?: number;
};

const FIXTURES = `${ROOT}test/fixtures/facts/`;
const SHARED = `${ROOT}../shared/api/`;
const fixtures = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name, JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as Fixture] as const);

const doc = loadBundle();
const { validatorAt } = createDescriptionAjv(doc);

function schemaPointerFor(fixture: Fixture): string {
  if (fixture.schema) return pointer('components', 'schemas', fixture.schema);
  const found = listOperations(doc).find(({ operation }) => operation.operationId === fixture.operationId);
  if (!found) throw new Error(`No operation ${fixture.operationId}`);
  const opPointer = ['paths', found.path, found.method];
  if (fixture.kind === 'request') return pointer(...opPointer, 'requestBody', 'content', 'application/json', 'schema');
  const responseOrRef = found.operation.responses[String(fixture.status)];
  if (!responseOrRef) throw new Error(`${fixture.operationId} declares no ${fixture.status}`);
  const base = responseOrRef.$ref ?? pointer(...opPointer, 'responses', String(fixture.status));
  return `${base}${pointer('content', 'application/json', 'schema').slice(1)}`;
}

function sampleOf(fixture: Fixture): unknown {
  let text = fixture.quote;
  for (const [placeholder, value] of Object.entries(fixture.placeholders ?? {})) text = text.split(placeholder).join(value);
  return JSON.parse(text);
}

// The quotes are kept verbatim; the source files differ only in layout (line numbers, "> " prompts).
const normalise = (text: string) =>
  text
    .replace(/^\d+(?=[{ }\]])/gm, '')
    .replace(/^> ?/gm, '')
    .replace(/\s+/g, ' ')
    .replace(/([{[]) /g, '$1')
    .replace(/ ([}\]])/g, '$1');

describe('JSON samples quoted by the public sources', () => {
  it('are all transcribed (facts and docs page)', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(27);
  });

  it.each(fixtures)('%s is accepted by its schema', (_name, fixture) => {
    const validate = validatorAt(schemaPointerFor(fixture));
    validate(sampleOf(fixture));
    expect(validate.errors ?? []).toEqual([]);
  });

  const sourceFile = (fixture: Fixture) => SHARED + (fixture.source.startsWith('vlens-api-facts.md') ? 'vlens-api-facts.md' : 'digital-identity-docs.txt');
  it.skipIf(!existsSync(SHARED))('are quoted verbatim from their source file', () => {
    for (const [name, fixture] of fixtures) {
      const source = normalise(readFileSync(sourceFile(fixture), 'utf8'));
      expect(source.includes(normalise(fixture.quote)), `${name} is not in ${fixture.source}`).toBe(true);
    }
  });

  it('still need their placeholders replaced: the raw quotes are not valid requests', () => {
    const [, frontRequest] = fixtures.find(([name]) => name === 'docs-front-request.json')!;
    const validate = validatorAt(schemaPointerFor(frontRequest));
    expect(validate(JSON.parse(frontRequest.quote))).toBe(false);
  });
});

describe('the documented liveness answer', () => {
  it('is the first named example of verifyLiveness 200, word for word, so the mock answers it and contract:mock checks it', () => {
    const [, fixture] = fixtures.find(([name]) => name === 'docs-liveness-response.json')!;
    const media = doc.paths['/api/DigitalIdentity/verify/liveness/multi'].post.responses['200'].content['application/json'];
    const [name, example] = Object.entries<any>(media.examples)[0]!;
    expect(name).toBe('documented');
    expect(example.value).toEqual(sampleOf(fixture));
    // What makes it worth checking: neither member a success usually carries is there.
    expect(Object.keys(example.value)).not.toContain('error_message');
    expect(Object.keys(example.value)).not.toContain('error_descriptions');
  });
});
