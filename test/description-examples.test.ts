import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listOperations, loadBundle, resolveRef } from '../scripts/lib/description.mjs';
import { isFailureEnvelope } from '../src/envelope.js';
import { createDescriptionAjv, pointer } from './support/openapi-ajv.js';

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
      const schemaPointer = parameterOrRef.$ref ? `${parameterOrRef.$ref}/schema` : pointer(...opPointer, 'parameters', String(index), 'schema');
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
const exampleValue = (where: string, name: string) => structuredClone(examples.find((example) => example.where === where && example.name === name)!.value) as any;
const schemaOf = (where: string, name: string) => examples.find((example) => example.where === where && example.name === name)!.schemaPointer;

describe('every named example in the description', () => {
  it('covers all 24 operations, with requests, parameters and every response status', () => {
    const operations = new Set(examples.map((example) => example.where.split(' ')[0]));
    expect(operations.size).toBe(24);
    expect(operations.size).toBe(listOperations(doc).length);
    expect(examples.filter((example) => example.where.endsWith('request')).length).toBeGreaterThanOrEqual(24);
    // Every operation declares 401, with its two scenarios (unauthorized, tokenExpired).
    expect(examples.filter((example) => example.where.endsWith(' 401')).length).toBe(48);
  });

  it.each(examples.map((example) => [`${example.where} / ${example.name}`, example] as const))('%s validates against its schema', (_label, example) => {
    const validate = validatorAt(example.schemaPointer);
    const valid = validate(example.value);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });
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

  it("accepts a transaction id in any letter case, as the vendor's iOS SDK sends it, and nothing that is not a GUID", () => {
    for (const id of ['81F404B3-D7DC-4F08-B4FE-934853C86282', '81f404b3-D7DC-4f08-b4fe-934853C86282']) {
      expect(validateFront()({ ...frontRequest(), transaction_id: id })).toBe(true);
    }
    for (const id of [
      '81f404b3d7dc4f08b4fe934853c86282',
      '{81f404b3-d7dc-4f08-b4fe-934853c86282}',
      '81f404b3-d7dc-4f08-b4fe-934853c8628g',
      'urn:uuid:81f404b3-d7dc-4f08-b4fe-934853c86282',
    ]) {
      expect(validateFront()({ ...frontRequest(), transaction_id: id }), id).toBe(false);
    }
  });
});

describe('the login position is a number or decimal text, as the iOS SDK sends it', () => {
  const login = (geoLocation: unknown) => ({ ...exampleValue('userLogin request', 'knownDevice'), geoLocation });
  const validate = () => validatorAt(schemaOf('userLogin request', 'knownDevice'));

  it('accepts numbers and numeric strings ("latitude": "30") in range', () => {
    for (const geoLocation of [
      { latitude: 30.0444, longitude: 31.2357 },
      { latitude: '30', longitude: '31' },
      { latitude: '-90', longitude: '180.0' },
      { latitude: '30.0444', longitude: -31.2357 },
    ]) {
      expect(validate()(login(geoLocation)), JSON.stringify(geoLocation)).toBe(true);
    }
  });

  it('refuses text that is not a number of degrees in range, and numbers out of range', () => {
    for (const geoLocation of [
      { latitude: 'thirty', longitude: '31' },
      { latitude: '91', longitude: '31' },
      { latitude: '30', longitude: '180.5' },
      { latitude: '', longitude: '31' },
      { latitude: ' 30', longitude: '31' },
      { latitude: 95, longitude: 31 },
      { latitude: '30' },
    ]) {
      expect(validate()(login(geoLocation)), JSON.stringify(geoLocation)).toBe(false);
    }
  });
});

describe('responses are tolerant of what the real API is seen to send', () => {
  const validateLiveness = () => validatorAt(schemaOf('verifyLiveness 200', 'verified'));

  it('accepts both Validations and validations, Services, unknown members, nulls, and a zero error code with an empty message', () => {
    const answer = exampleValue('verifyLiveness 200', 'verified');
    answer.services.Validations = { validation_errors: [] };
    answer.services.validations = { validation_errors: null };
    answer.services.somethingNew = { score: 0.4 };
    answer.Services = { liveness: true };
    answer.data.isMatched = null;
    answer.data.isDigitalIdentityVerified = null;
    answer.newTopLevel = true;
    answer.error_code = 0;
    answer.error_message = '';
    expect(validateLiveness()(answer)).toBe(true);
  });

  it('accepts an answer without error_code and error_message (as documented), but not a string error code only a proxy sent', () => {
    const answer = exampleValue('verifyLiveness 200', 'verified');
    delete answer.error_code;
    delete answer.error_message;
    expect(validateLiveness()(answer)).toBe(true);
    answer.error_code = '3011';
    expect(validateLiveness()(answer)).toBe(false);
  });

  it('accepts dates without a zone in AML records', () => {
    const answer = exampleValue('verifyLiveness 200', 'amlMatched');
    answer.services.AML.data[0].recordDate = '2024-01-15T09:30:00';
    answer.services.AML.data[0].dateOfBirth = '1990-01-01T00:00:00';
    expect(validatorAt(schemaOf('verifyLiveness 200', 'amlMatched'))(answer)).toBe(true);
  });

  it('accepts deviceInfo as an object in GetTransactionById and as a string, as documented in verification answers', () => {
    const answer = exampleValue('getTransactionById 200', 'transaction');
    const validate = validatorAt(schemaOf('getTransactionById 200', 'transaction'));
    expect(typeof answer.data.transactionItems.deviceInfo).toBe('object');
    expect(validate(answer)).toBe(true);
    answer.data.transactionItems.deviceInfo = 'iPhone 15; iOS 17.4';
    expect(validate(answer)).toBe(true);
    const liveness = exampleValue('verifyLiveness 200', 'verified');
    liveness.data.deviceInfo = 'iPhone 15; iOS 17.4';
    expect(validateLiveness()(liveness)).toBe(true);
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

/** Every key, at every depth, with its first letter in upper case (`data` -> `Data`, `error_code` -> `Error_code`). */
function pascalCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalCased);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.charAt(0).toUpperCase() + key.slice(1), pascalCased(item)]));
}
/** snake_case keys turned camelCase (`error_code` -> `errorCode`), at every depth. */
function camelCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCased);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/_([a-z])/g, (_m, letter: string) => letter.toUpperCase()), camelCased(item)]));
}

describe('responses are not shapeless: renamed members fail the schema', () => {
  const answers = examples.filter((example) => /^\S+ \d{3}$/.test(example.where));
  const renamings: [string, (body: any) => unknown][] = [
    ['every member in PascalCase', pascalCased],
    ['every member in camelCase', camelCased],
    ['the body inside a wrapper object', (body) => ({ result: body })],
    ['the body inside a wrapper object, as a proxy sends it', (body) => ({ Data: body, ErrorCode: null })],
  ];

  it.each(renamings)('%s: no named example of any operation or status passes', (_how, rename) => {
    expect(answers.length).toBeGreaterThan(150);
    const passed = answers
      .filter((example) => JSON.stringify(rename(structuredClone(example.value))) !== JSON.stringify(example.value))
      .filter((example) => validatorAt(example.schemaPointer)(rename(structuredClone(example.value))))
      .map((example) => `${example.where} / ${example.name}`);
    expect(passed).toEqual([]);
  });

  it('every answer with a data object fails when only the members of data are renamed, where every source agrees on them', () => {
    const withData = answers.filter((example) => {
      const data = (example.value as { data?: unknown }).data;
      return data !== null && typeof data === 'object' && !Array.isArray(data);
    });
    const renamedInside = (body: any) => ({ ...body, data: pascalCased(body.data) });
    const passed = withData.filter((example) => validatorAt(example.schemaPointer)(renamedInside(structuredClone(example.value)))).map((example) => example.where);
    // Only the data objects whose members no two sources agree on are left open: the email step
    // (its answer is inferred from the phone step) and the passport answers (one decoder, all optional).
    expect(new Set(passed)).toEqual(new Set(['registerStepVerifyEmail 200', 'verifyPassportScan 200', 'verifyPassportNfc 200']));
  });

  it('a refusal without error_code or error_message fails, as does one with data left out', () => {
    const refusal = exampleValue('verifyIdFront 401', 'unauthorized');
    const validate = validatorAt(schemaOf('verifyIdFront 401', 'unauthorized'));
    expect(validate(refusal)).toBe(true);
    for (const member of ['data', 'error_code', 'error_message']) {
      const { [member]: _left, ...without } = refusal;
      expect(validate(without), member).toBe(false);
    }
  });
});

/** The envelope's own members, each as its words. */
const ENVELOPE_MEMBERS: Record<string, string[]> = {
  data: ['data'],
  error_code: ['error', 'code'],
  error_message: ['error', 'message'],
  error_descriptions: ['error', 'descriptions'],
};
/** Another spelling of an envelope member: any letter case per character, any separator between the words, never the member's own. */
const respelt = (member: string) =>
  fc
    .tuple(fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), fc.constantFrom('', '_', '-', ' ', '.', '__'))
    .map(([upper, separator]) => {
      let index = 0;
      const word = (text: string) => [...text].map((letter) => (upper[index++ % upper.length] ? letter.toUpperCase() : letter)).join('');
      return ENVELOPE_MEMBERS[member]!.map(word).join(separator);
    })
    .filter((name) => name !== member);

describe('responses are not shapeless: the envelope members under any other spelling fail the schema', () => {
  const answers = examples.filter((example) => /^\S+ \d{3}$/.test(example.where));
  // Verification and /v1 answers whose data is null: business errors and refusals of the capture steps.
  const verificationFailures = answers.filter((example) => /^(verifyId|verifyLiveness|linkUser|ocr)/.test(example.where) && (example.value as { data?: unknown }).data === null);

  it('an answer with an envelope member added under another spelling fails, whatever the operation, status and spelling', () => {
    expect(answers.length).toBeGreaterThan(150);
    fc.assert(
      fc.property(
        fc.constantFrom(...answers),
        fc.constantFrom(...Object.keys(ENVELOPE_MEMBERS)).chain((member) => fc.tuple(fc.constant(member), respelt(member))),
        (example, [member, name]) => {
          const body = structuredClone(example.value) as Record<string, unknown>;
          body[name] = body[member] ?? null;
          return validatorAt(example.schemaPointer)(body) === false;
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a verification or /v1 business error that keeps data but respells error_code and error_message fails', () => {
    expect(verificationFailures.length).toBeGreaterThan(20);
    fc.assert(
      fc.property(fc.constantFrom(...verificationFailures), respelt('error_code'), respelt('error_message'), (example, codeName, messageName) => {
        const { error_code, error_message, ...rest } = structuredClone(example.value) as Record<string, unknown>;
        return validatorAt(example.schemaPointer)({ ...rest, [codeName]: error_code, [messageName]: error_message }) === false;
      }),
      { numRuns: 300 },
    );
  });

  it('the business error the review found passing is refused, and a null data with no error code at all too', () => {
    const validate = validatorAt(schemaOf('verifyIdFront 200', 'cardNotDetected'));
    expect(validate({ data: null, Error_Code: 3011, Error_Message: 'Card Not Detected' })).toBe(false);
    for (const name of ['ERROR_CODE', 'errorcode', 'error-code', 'Error Code'])
      expect(validate({ data: null, error_message: 'Card Not Detected', [name]: 3011 }), name).toBe(false);
    expect(validate({ data: null })).toBe(false);
    expect(validate({ data: null, error_code: 0, error_message: 'Card Not Detected' })).toBe(false);
    expect(validate({ data: null, error_code: 3011, error_message: 'Card Not Detected' })).toBe(true);
  });

  it('other unknown members stay allowed, even those that contain an envelope word', () => {
    const answer = exampleValue('verifyIdFront 200', 'extracted');
    const validate = validatorAt(schemaOf('verifyIdFront 200', 'extracted'));
    for (const name of ['metadata', 'data_version', 'errorCount', 'error_codes_url', 'Services', 'TransactionId', 'message']) {
      expect(validate({ ...answer, [name]: null }), name).toBe(true);
    }
  });
});

describe('the named examples follow the success rule the client applies', () => {
  // The client's own rule (src/envelope.ts): error_code absent, null or 0 and error_message absent, null or "".
  const successful = (body: any) => !isFailureEnvelope(body);

  it('every answer is a success with no message, or a failure with both an error code and a message', () => {
    const ambiguous = examples
      .filter((example) => /^\S+ \d{3}$/.test(example.where))
      .filter(
        ({ value }: { value: any }) =>
          !successful(value) && !(typeof value.error_code === 'number' && value.error_code !== 0 && typeof value.error_message === 'string' && value.error_message),
      )
      .map((example) => `${example.where} / ${example.name}`);
    expect(ambiguous).toEqual([]);
  });

  it('every error status answers a failure, and every scenario whose data is null is a failure', () => {
    const wrong = examples
      .filter((example) => /^\S+ \d{3}$/.test(example.where))
      .filter(({ where, value }: { where: string; value: any }) => (Number(where.split(' ')[1]) >= 400 || value.data === null) && successful(value))
      .map((example) => `${example.where} / ${example.name}`);
    expect(wrong).toEqual([]);
  });
});

describe('an error example names only what its request can carry', () => {
  /** The members a request of this operation has: body properties, parameters, credential headers. */
  function requestMembers(operation: any): Set<string> {
    const members = new Set(['body', 'Authorization']);
    const schema = resolveRef(doc, operation.requestBody?.content?.['application/json']?.schema ?? {});
    for (const part of [schema, ...(schema.allOf ?? []).map((item: unknown) => resolveRef(doc, item))]) {
      for (const name of Object.keys(part.properties ?? {})) members.add(name);
    }
    for (const parameter of operation.parameters ?? []) members.add(resolveRef(doc, parameter).name);
    for (const requirement of operation.security ?? doc.security ?? []) {
      for (const scheme of Object.keys(requirement)) {
        const declared = doc.components.securitySchemes[scheme];
        if (declared.type === 'apiKey') members.add(declared.name);
      }
    }
    return members;
  }

  it("every field in an operation's own error examples is a member of that operation's request", () => {
    const strays: string[] = [];
    for (const { operation } of listOperations(doc)) {
      const members = requestMembers(operation);
      // Shared responses ($ref) carry the generic samples of the older error table; only the operation's own examples are checked.
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (response.$ref) continue;
        for (const media of Object.values<any>(response.content ?? {})) {
          for (const [name, example] of Object.entries<any>(media.examples ?? {})) {
            for (const fieldError of resolveRef(doc, example).value?.error_descriptions ?? []) {
              if (!members.has(fieldError.field)) strays.push(`${operation.operationId} ${status} ${name}: ${fieldError.field}`);
            }
          }
        }
      }
    }
    expect(strays).toEqual([]);
  });
});

describe('the key-only capture (/v1) is described as it is called', () => {
  const keyOnly = listOperations(doc).filter(({ operation }) =>
    (operation.security ?? doc.security ?? []).every((requirement: Record<string, unknown>) => Object.keys(requirement).every((scheme) => !/bearer/i.test(scheme))),
  );

  it('a refusal of an operation that takes no token does not say the token was refused', () => {
    const summaries = keyOnly.flatMap(({ operation }) =>
      Object.entries<any>(resolveRef(doc, operation.responses['403'] ?? {}).content?.['application/json']?.examples ?? {}).map(
        ([name, example]) => [`${operation.operationId} 403 ${name}`, resolveRef(doc, example).summary as string] as const,
      ),
    );
    expect(summaries.length).toBe(3);
    expect(summaries.filter(([, summary]) => /token/i.test(summary))).toEqual([]);
  });

  it("ocrLiveness has a named example of the OCR reference's body: an ID photo and three faces, no transaction id", () => {
    const bodies = examples.filter((example) => example.where === 'ocrLiveness request').map((example) => example.value as Record<string, unknown>);
    expect(bodies.some((body) => typeof body.image === 'string' && !('transaction_id' in body) && ['face_1', 'face_2', 'face_3'].every((face) => face in body))).toBe(true);
  });
});
