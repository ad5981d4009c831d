// The mock answers two schema keywords with faster code than a plain evaluation (see mocks/front/patterns.js and mocks/model/compile.js).
// These tests hold them to the schema's own answer: the base64 check against the description's pattern,
// the length keywords against JSON Schema's count of code points.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codePointLength, isBase64 } from '../mocks/front/patterns.js';
import { bundle, operation, send, startMockProcess, validRequest, type MockProcess } from './mock-process.js';

const pattern = new RegExp(bundle.components.schemas.Base64Image.pattern, 'u');

describe('the base64 check', () => {
  it('is the Base64Image pattern of the description', () => {
    expect(pattern.source).toBe('^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$');
  });

  const alphabet = fc.constantFrom(...'ABCXYZabcxyz0189+/'.split(''));
  const near = fc.constantFrom('=', '==', '-', '_', ' ', '\n', '\u0000', 'é', '\u0100', '😀', 'QQ==', 'Zg==', 'Zm8=', '====', '\uD800');
  const text = fc.array(fc.oneof({ arbitrary: alphabet, weight: 8 }, { arbitrary: near, weight: 1 }), { maxLength: 40 }).map((parts) => parts.join(''));
  const groups = fc
    .array(fc.stringMatching(/^[A-Za-z0-9+/]{4}$/), { maxLength: 6 })
    .chain((whole) => fc.constantFrom('', 'QQ==', 'QUI=', 'Q===', 'QQ=', '=QQ=').map((last) => whole.join('') + last));

  it('agrees with the pattern on generated near-base64 text', () => {
    fc.assert(
      fc.property(fc.oneof(text, groups, fc.string({ maxLength: 20 })), (candidate) => isBase64(candidate) === pattern.test(candidate)),
      {
        numRuns: 20_000,
      },
    );
  });

  it('agrees with the pattern on real image data and on the cases that look alike', () => {
    const image = Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 7919) % 256)).toString('base64');
    for (const candidate of [image, `${image.slice(0, -4)}QQ==`, `QQ==${image}`, image.replace('A', '-'), `${image}\n`, '', 'QQ==AAAA', 'AAAA=AAA']) {
      expect(isBase64(candidate), candidate.slice(0, 20)).toBe(pattern.test(candidate));
    }
  });
});

describe('string lengths', () => {
  it('counts code points, as JSON Schema does, not UTF-16 units', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (candidate) => codePointLength(candidate) === [...candidate].length));
  });

  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess(['--port', '0', '--quiet']);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it('accepts 256 emoji in a 256-character field and refuses 257 (each emoji is two UTF-16 units)', async () => {
    const front = operation('verifyIdFront');
    const withName = (name: string) => ({ ...validRequest(front), body: JSON.stringify({ ...JSON.parse(String(validRequest(front).body)), name_check_value: name }) });
    expect((await send(mock.url, withName('😀'.repeat(256)))).status).toBe(200);
    const refused = await send(mock.url, withName('😀'.repeat(257)));
    expect(refused.status).toBe(400);
    expect(refused.body.error_descriptions).toEqual([{ field: 'name_check_value', message: 'The name_check_value field must be at most 256 characters long.' }]);
  });
});
