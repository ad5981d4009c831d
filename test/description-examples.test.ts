import { describe, expect, it } from 'vitest';
import { listOperations, loadBundle, resolveRef } from '../scripts/lib/description.mjs';
import { createDescriptionAjv, pointer } from './support/openapi-ajv';

const doc = loadBundle();
const { validatorAt } = createDescriptionAjv(doc);

type Example = { name: string; where: string; schemaPointer: string; value: unknown };

function collectExamples(): Example[] {
  const found: Example[] = [];
  for (const { path, method, operation } of listOperations(doc)) {
    const opPointer = ['paths', path, method];
    const body = operation.requestBody;
    for (const [mediaType, media] of Object.entries<any>(body?.content ?? {})) {
      for (const [name, example] of Object.entries<any>(media.examples ?? {})) {
        found.push({
          name,
          where: `${operation.operationId} request`,
          schemaPointer: pointer(...opPointer, 'requestBody', 'content', mediaType, 'schema'),
          value: resolveRef(doc, example).value,
        });
      }
    }
    (operation.parameters ?? []).forEach((parameterOrRef: any, index: number) => {
      const parameter = resolveRef(doc, parameterOrRef);
      if (parameter.example === undefined) return;
      const schemaPointer = parameterOrRef.$ref
        ? `${parameterOrRef.$ref}/schema`
        : pointer(...opPointer, 'parameters', String(index), 'schema');
      found.push({ name: parameter.name, where: `${operation.operationId} parameter`, schemaPointer, value: parameter.example });
    });
    for (const [status, responseOrRef] of Object.entries<any>(operation.responses)) {
      const response = resolveRef(doc, responseOrRef);
      const base = responseOrRef.$ref ?? pointer(...opPointer, 'responses', status);
      for (const [mediaType, media] of Object.entries<any>(response.content ?? {})) {
        for (const [name, example] of Object.entries<any>(media.examples ?? {})) {
          found.push({
            name,
            where: `${operation.operationId} ${status}`,
            schemaPointer: `${base}${pointer('content', mediaType, 'schema').slice(1)}`,
            value: resolveRef(doc, example).value,
          });
        }
      }
    }
  }
  return found;
}

const examples = collectExamples();
const exampleValue = (where: string, name: string) =>
  structuredClone(examples.find((example) => example.where === where && example.name === name)!.value) as any;
const schemaOf = (where: string, name: string) =>
  examples.find((example) => example.where === where && example.name === name)!.schemaPointer;

describe('every named example in the description', () => {
  it('covers all 13 operations, with requests, parameters and every response status', () => {
    const operations = new Set(examples.map((example) => example.where.split(' ')[0]));
    expect(operations.size).toBe(13);
    expect(examples.filter((example) => example.where.endsWith('request')).length).toBeGreaterThanOrEqual(11);
    expect(examples.filter((example) => example.where.endsWith(' 401')).length).toBe(26);
  });

  it.each(examples.map((example) => [`${example.where} / ${example.name}`, example] as const))(
    '%s validates against its schema',
    (_label, example) => {
      const validate = validatorAt(example.schemaPointer);
      const valid = validate(example.value);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
    },
  );
});

describe('the validation above can fail', () => {
  it('rejects a liveness answer whose flag is a string', () => {
    const broken = exampleValue('verifyLiveness 200', 'verified');
    broken.services.liveness = 'true';
    const validate = validatorAt(schemaOf('verifyLiveness 200', 'verified'));
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/services/liveness');
  });

  it('rejects a liveness request with a missing face and invalid base64', () => {
    const broken = exampleValue('verifyLiveness request', 'threeFaces');
    delete broken.face_3;
    broken.face_1 = 'not base64!';
    const validate = validatorAt(schemaOf('verifyLiveness request', 'threeFaces'));
    expect(validate(broken)).toBe(false);
    const messages = validate.errors!.map((error) => `${error.instancePath} ${error.keyword}`);
    expect(messages).toContain(' required');
    expect(messages).toContain('/face_1 pattern');
  });

  it('rejects an error response without an error code', () => {
    const broken = exampleValue('verifyIdFront 401', 'unauthorized');
    delete broken.error_code;
    expect(validatorAt(schemaOf('verifyIdFront 401', 'unauthorized'))(broken)).toBe(false);
  });
});

describe('requests are strict', () => {
  const frontRequest = () => exampleValue('verifyIdFront request', 'startTransaction');
  const validateFront = () => validatorAt(schemaOf('verifyIdFront request', 'startTransaction'));

  it('rejects a data: URL prefix, which the client must strip', () => {
    const body = frontRequest();
    body.image = `data:image/jpeg;base64,${body.image}`;
    expect(validateFront()(body)).toBe(false);
  });

  it('rejects an image over the 3 MB ceiling and accepts one just under it', () => {
    const body = frontRequest();
    body.image = 'A'.repeat(4_194_304);
    expect(validateFront()(body)).toBe(true);
    body.image = 'A'.repeat(4_194_308);
    expect(validateFront()(body)).toBe(false);
  });

  it('rejects the camelCase transactionId on a capture step (it would be silently dropped)', () => {
    const body = { ...frontRequest(), transactionId: '81f404b3-d7dc-4f08-b4fe-934853c86282' };
    expect(validateFront()(body)).toBe(false);
  });

  it('rejects an uppercase transaction id', () => {
    const body = { ...frontRequest(), transaction_id: '81F404B3-D7DC-4F08-B4FE-934853C86282' };
    expect(validateFront()(body)).toBe(false);
  });
});

describe('responses are tolerant of what the real API is seen to send', () => {
  const validateLiveness = () => validatorAt(schemaOf('verifyLiveness 200', 'verified'));

  it('accepts both Validations and validations, unknown members, nulls, a numeric-string or zero error code', () => {
    const answer = exampleValue('verifyLiveness 200', 'verified');
    answer.services.Validations = { validation_errors: [] };
    answer.services.validations = { validation_errors: null };
    answer.services.somethingNew = { score: 0.4 };
    answer.data.isMatched = null;
    answer.newTopLevel = true;
    answer.error_code = 0;
    expect(validateLiveness()(answer)).toBe(true);
    answer.error_code = '3011';
    expect(validateLiveness()(answer)).toBe(true);
  });

  it('accepts a classification value nobody has seen yet', () => {
    const answer = exampleValue('verifyIdFront 200', 'extracted');
    answer.services.classification.doc_type = 'passport';
    expect(validatorAt(schemaOf('verifyIdFront 200', 'extracted'))(answer)).toBe(true);
  });

  it('accepts the documented admin login answer that has data alone', () => {
    const answer = { data: exampleValue('adminLogin 200', 'loggedIn').data };
    expect(validatorAt(schemaOf('adminLogin 200', 'loggedIn'))(answer)).toBe(true);
  });
});
