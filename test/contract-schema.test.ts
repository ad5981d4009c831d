// The inputs the contract hooks derive from the description: draft 7 schemas for Gavel (Dredd's
// validator) and the OpenAPI 3.0 document Dredd reads. The draft 7 schemas must judge every body
// exactly as the description's own 2020-12 schemas do, or Dredd would check a different contract.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { listOperations, loadBundle, resolveRef } from '../scripts/lib/description.mjs';
import { DRAFT_7, toDraft7 } from '../scripts/contract/json-schema.mjs';
import { FLOW_ORDER, deriveDreddInput } from '../scripts/contract/dredd-input.mjs';
import { createDescriptionAjv, pointer } from './support/openapi-ajv.js';

const doc = loadBundle();
const { validatorAt } = createDescriptionAjv(doc);
// CommonJS modules: their default export is `module.exports`, the class and the plugin are its `default`.
const draft7 = new Ajv.default({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats.default(draft7);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every JSON response of the description with its schema pointer and named examples. */
function responses() {
  const found: { label: string; schemaPointer: string; schema: object; examples: Record<string, Json> }[] = [];
  for (const { path, method, operation } of listOperations(doc)) {
    for (const [status, responseOrRef] of Object.entries(operation.responses ?? {}) as [string, any][]) {
      const response = resolveRef(doc, responseOrRef);
      const media = response.content?.['application/json'];
      if (!media) continue;
      const base = responseOrRef.$ref
        ? `${responseOrRef.$ref}/content/application~1json/schema`
        : pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema');
      const examples = Object.fromEntries(Object.entries(media.examples ?? {}).map(([name, example]) => [name, resolveRef(doc, example).value]));
      found.push({ label: `${operation.operationId} ${status}`, schemaPointer: base, schema: media.schema, examples });
    }
  }
  return found;
}

/** The body with one value replaced by a value of another JSON type, or left out, for every value in it. */
function* mutations(body: Json, path: string[] = []): Generator<{ at: string; body: Json }> {
  const wrong = (value: Json): Json[] => {
    if (value === null) return [{}, 'null'];
    if (Array.isArray(value)) return [{}, 'list'];
    switch (typeof value) {
      case 'boolean':
        return [String(value), 1];
      case 'number':
        return [String(value), true];
      case 'string':
        return [value.length, [value]];
      default:
        return [[value], 'object'];
    }
  };
  for (const replacement of wrong(body)) yield { at: `/${path.join('/')} (wrong type)`, body: replacement };
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      if (!Array.isArray(body)) {
        const { [key]: _left, ...without } = body;
        yield { at: `/${[...path, key].join('/')} (left out)`, body: without };
      }
      for (const mutated of mutations(value as Json, [...path, key])) {
        const copy: any = Array.isArray(body) ? [...body] : { ...body };
        copy[key] = mutated.body;
        yield { at: mutated.at, body: copy };
      }
    }
  }
}

describe('response schemas converted to JSON Schema draft 7', () => {
  const all = responses();

  it('exist for every JSON response, are draft 7, carry no $ref, and compile under strict Ajv', () => {
    expect(all.length).toBeGreaterThan(60);
    for (const { label, schema } of all) {
      const converted = toDraft7(doc, schema);
      expect(converted.$schema, label).toBe(DRAFT_7);
      expect(JSON.stringify(converted), label).not.toContain('$ref');
      expect(() => draft7.compile(converted), label).not.toThrow();
    }
  });

  it('judge every named example and 3,000 variants with a wrong type or a missing field exactly as the 2020-12 originals do', () => {
    let compared = 0;
    let rejected = 0;
    for (const { label, schemaPointer, schema, examples } of all) {
      const original = validatorAt(schemaPointer);
      const converted = draft7.compile(toDraft7(doc, schema));
      for (const [name, example] of Object.entries(examples)) {
        expect(converted(example), `${label} example ${name}`).toBe(true);
        for (const { at, body } of mutations(example)) {
          const verdict = original(body);
          expect(converted(body), `${label} ${name}, changed at ${at}`).toBe(verdict);
          compared += 1;
          if (!verdict) rejected += 1;
        }
      }
    }
    // The comparison is only worth something if plenty of variants are actually invalid.
    expect(compared).toBeGreaterThan(3000);
    expect(rejected).toBeGreaterThan(1500);
  });

  it('translates 2020-12 keywords draft 7 spells differently', () => {
    const fragment = {
      components: { schemas: { Id: { type: 'string', format: 'uuid', examples: ['x'] } } },
    };
    const converted = toDraft7(fragment, {
      type: 'object',
      dependentRequired: { otp: ['otpRequestId'] },
      prefixItems: [{ type: 'integer' }],
      items: false,
      properties: { id: { $ref: '#/components/schemas/Id', maxLength: 36 }, secret: { type: 'string', format: 'password' } },
    });
    expect(converted).toEqual({
      $schema: DRAFT_7,
      type: 'object',
      dependencies: { otp: ['otpRequestId'] },
      items: [{ type: 'integer' }],
      additionalItems: false,
      properties: { id: { allOf: [{ type: 'string', format: 'uuid' }, { maxLength: 36 }] }, secret: { type: 'string' } },
    });
  });

  it('refuses a keyword it cannot translate, and recursive schemas, instead of dropping them', () => {
    expect(() => toDraft7(doc, { type: 'object', unevaluatedProperties: false })).toThrow(/unevaluatedProperties/);
    const recursive = { components: { schemas: { Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } } } } } };
    expect(() => toDraft7(recursive, { $ref: '#/components/schemas/Node' })).toThrow(/Recursive/);
  });
});

describe('the Dredd input derived from the bundle', () => {
  const { document, plan } = deriveDreddInput(doc);
  const operations = listOperations(doc);

  it('is OpenAPI 3.0.3 with every operation and every documented status, in flow order', () => {
    expect(document.openapi).toBe('3.0.3');
    const derived = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
    expect(derived.map(({ operation }) => operation.operationId).sort()).toEqual(operations.map(({ operation }) => operation.operationId).sort());
    for (const { path, method, operation } of operations) {
      expect(Object.keys(document.paths[path]?.[method]?.responses ?? {}), operation.operationId).toEqual(Object.keys(operation.responses));
    }
    const known = derived.map(({ operation }) => operation.operationId).filter((id) => FLOW_ORDER.includes(id));
    expect(known).toEqual(FLOW_ORDER.filter((id) => known.includes(id)));
    expect(known.indexOf('userLogin')).toBeLessThan(known.indexOf('verifyIdFront'));
    expect(known.indexOf('verifyIdFront')).toBeLessThan(known.indexOf('verifyIdBack'));
    expect(known.indexOf('verifyIdBack')).toBeLessThan(known.indexOf('verifyLiveness'));
  });

  it('carries examples only: every schema Dredd sees is a bare parameter type, the contract lives in the plan', () => {
    const schemas: unknown[] = [];
    JSON.stringify(document, (key, value) => {
      if (key === 'schema') schemas.push(value);
      return value;
    });
    for (const schema of schemas) expect(Object.keys(schema as object)).toEqual(['type']);
    for (const entry of Object.values(plan)) {
      for (const [status, { schema }] of Object.entries(entry.responses)) {
        expect(schema.$schema, `${entry.operationId} ${status}`).toBe(DRAFT_7);
      }
    }
  });

  it('tells the hooks which credentials each operation needs, from its security requirement', () => {
    const auth = (operationId: string) => Object.values(plan).find((entry) => entry.operationId === operationId)?.auth;
    expect(auth('verifyIdFront')).toEqual({ apiKeyHeader: 'ApiKey', bearer: 'user', bearers: ['user'] });
    expect(auth('linkUserWithExistingTransaction')).toEqual({ apiKeyHeader: 'ApiKey', bearer: 'user', bearers: ['user'] });
    expect(auth('getStepImage')).toEqual({ apiKeyHeader: 'ApiKey', bearer: 'admin', bearers: ['admin'] });
    expect(auth('adminLogin')).toEqual({ apiKeyHeader: 'ApiKey', bearer: null, bearers: [null] });
    // The key-only captures send no bearer token; GetTransactionById is documented with either token.
    expect(auth('ocrIdFront')).toEqual({ apiKeyHeader: 'ApiKey', bearer: null, bearers: [null] });
    expect(auth('getTransactionById')).toEqual({ apiKeyHeader: 'ApiKey', bearer: 'admin', bearers: ['admin', 'user'] });
  });

  it('tells the hooks which headers an operation requires', () => {
    const required = (operationId: string) => Object.values(plan).find((entry) => entry.operationId === operationId)?.requiredHeaders;
    expect(required('adminLogin')).toEqual(['TenancyName']);
    expect(required('getTransactionById')).toEqual(['TenancyName']);
    expect(required('cancelVerifiedDigitalIdentityForAdmin')).toEqual(['TenancyName']);
    expect(required('verifyIdFront')).toEqual([]);
  });
});
