// A property test of the recorder: generated personal data (Arabic and English names, national ID
// numbers, phones, emails, dates of birth, addresses, tokens, keys, OTPs, passwords, images) goes
// through the proxy in requests and answers, under the members the description names and under
// members it does not; the whole recording folder (temporary files included) is then searched for
// every generated value, and none may be there. Real HTTP through startProxy(), against a stand-in
// upstream that answers with the person it is given.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from '../mocks/index.js';
import { GOVERNORATE_CODES, hasIdNumberLayout, idNumberCheckDigit } from '../mocks/store/redact.js';

const ARABIC = [...'ابتثجحخدذرزسشصضطظعغفقكلمنهوي'];
const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const DIGIT = [...'0123456789'];
const URL_SAFE = [...LOWER, ...UPPER, ...DIGIT, '-', '_'];

const text = (alphabet: string[], minLength: number, maxLength: number) => fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((letters) => letters.join(''));
const arabicName = fc.array(text(ARABIC, 3, 7), { minLength: 2, maxLength: 4 }).map((words) => words.join(' '));
const englishName = fc
  .array(
    fc.tuple(fc.constantFrom(...UPPER), text(LOWER, 3, 8)).map(([first, rest]) => first + rest),
    { minLength: 2, maxLength: 3 },
  )
  .map((words) => words.join(' '));
const birthDate = fc.date({ min: new Date('1940-01-01T00:00:00Z'), max: new Date('2009-12-31T00:00:00Z'), noInvalidDate: true });
const idNumber = fc.tuple(birthDate, fc.constantFrom(...GOVERNORATE_CODES), fc.integer({ min: 0, max: 9999 })).map(([date, governorate, serial]) => {
  const year = date.getUTCFullYear();
  const first13 = `${year >= 2000 ? 3 : 2}${String(year % 100).padStart(2, '0')}${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCDate()).padStart(2, '0')}${governorate}${String(serial).padStart(4, '0')}`;
  return `${first13}${idNumberCheckDigit(first13)}`;
});
const phone = fc.tuple(fc.constantFrom('10', '11', '12', '15'), text(DIGIT, 8, 8)).map(([prefix, rest]) => `+20${prefix}${rest}`);
const email = fc
  .tuple(text(LOWER, 4, 10), text([...LOWER, ...DIGIT], 2, 6), text(LOWER, 5, 10), fc.constantFrom('com', 'net', 'eg', 'org'))
  .map(([name, suffix, domain, tld]) => `${name}.${suffix}@${domain}.${tld}`);
const address = fc.tuple(text([...'٠١٢٣٤٥٦٧٨٩'], 1, 3), text(ARABIC, 3, 6), text(ARABIC, 3, 8)).map(([number, street, city]) => `${number} شارع ${street}، ${city}`);
const jwt = fc.tuple(text(URL_SAFE, 20, 40), text(URL_SAFE, 30, 60), text(URL_SAFE, 30, 43)).map(([header, payload, signature]) => `eyJ${header}.eyJ${payload}.${signature}`);
const apiKey = fc.tuple(text(UPPER, 4, 8), text(LOWER, 8, 16), text(DIGIT, 6, 10)).map(([a, b, c]) => `${a}${b}${c}`);
const otp = text(DIGIT, 6, 6);
const password = fc.tuple(text(UPPER, 2, 4), text(LOWER, 4, 8), text(DIGIT, 2, 4), fc.constantFrom('!', '#', '$', '%', '@')).map((parts) => parts.join(''));
const image = fc.uint8Array({ minLength: 200, maxLength: 2000 }).map((bytes) => {
  const jpeg = Buffer.from(bytes);
  jpeg.set([0xff, 0xd8, 0xff], 0);
  return jpeg;
});
const person = fc.record({
  arabicName,
  englishName,
  idNumber,
  birthDate,
  phone,
  email,
  address,
  accessToken: jwt,
  refreshToken: jwt,
  apiKey,
  otp,
  password,
  tenant: text(LOWER, 6, 12),
  image,
  face: image,
});
type Person = typeof person extends fc.Arbitrary<infer T> ? T : never;

const isoDate = (date: Date) => `${date.toISOString().slice(0, 10)}T00:00:00`;

/** What the upstream answers, with the person's data in documented and in undocumented members. */
function answerFor(path: string, who: Person, transactionId: string) {
  const user = {
    id: 20731,
    name: who.englishName.split(' ')[0],
    surname: who.englishName.split(' ').slice(1).join(' '),
    fullName: who.englishName,
    phoneNumber: who.phone,
    emailAddress: who.email,
    idNumber: who.idNumber,
    address: who.address,
  };
  if (path.endsWith('/verify/id/front')) {
    return {
      data: {
        isVerificationProcessCompleted: false,
        isDigitalIdentityVerified: false,
        idFrontData: {
          name: who.arabicName,
          name_english: who.englishName,
          address: who.address,
          dateOfBirth: isoDate(who.birthDate),
          idNumber: who.idNumber,
          gender: 'M',
          transaction_id: transactionId,
        },
        user,
      },
      services: {
        validations: {
          validation_errors: [{ field: 'dateOfBirth', value: isoDate(who.birthDate), errors: [{ code: 1001, message: 'Invalid date of birth format or non-existent date.' }] }],
        },
      },
      // Members the description does not have: by their names, and by the shape of their values.
      Extra: { HolderName: who.englishName, Notes: `Call ${who.phone} or write to ${who.email}`, Reference: who.idNumber, Scan: who.face.toString('base64') },
      error_code: null,
      error_message: null,
      error_descriptions: null,
    };
  }
  if (path.endsWith('/DigitalIdentity/Login')) {
    return {
      data: {
        accessToken: who.accessToken,
        refreshToken: who.refreshToken,
        encryptedAccessToken: Buffer.from(who.accessToken).toString('base64'),
        phoneNumberOtp: who.otp,
        isDigitalIdentityVerified: false,
        user,
      },
      error_code: null,
      error_message: null,
      error_descriptions: null,
    };
  }
  return { data: { idFrontImage: `${transactionId}_id_front.jpg`, emailOrPhone: who.email }, error_code: null, error_message: null, error_descriptions: null };
}

describe('the recorder', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'vlens-redaction-'));
  const records = join(scratch, 'records');
  let current: { who: Person; transactionId: string } | null = null;
  const upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = JSON.stringify(answerFor(new URL(request.url ?? '/', 'http://x').pathname, current!.who, current!.transactionId));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(body);
    });
  });
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startProxy({ upstream: `http://127.0.0.1:${(upstream.address() as { port: number }).port}`, record: records });
  });
  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('writes none of the generated personal data, secrets or image bytes, anywhere in the recording folder', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(person, async (who) => {
        runs += 1;
        const transactionId = crypto.randomUUID();
        current = { who, transactionId };
        const common = { ApiKey: who.apiKey, TenancyName: who.tenant, 'Content-Type': 'application/json' };
        const front = await fetch(`${proxy.url}/api/DigitalIdentity/verify/id/front`, {
          method: 'POST',
          headers: { ...common, Authorization: `Bearer ${who.accessToken}`, Accept_Language: 'ar' },
          body: JSON.stringify({ image: who.image.toString('base64'), transaction_id: transactionId.toUpperCase(), getExtractedData: true, name_check_value: who.englishName }),
        });
        await front.text();
        const login = await fetch(`${proxy.url}/api/DigitalIdentity/Login`, {
          method: 'POST',
          headers: { ...common, Accept: 'text/plain' },
          body: JSON.stringify({
            phoneNumber: who.phone,
            password: who.password,
            imei: '356938035643809',
            phoneNumberOtp: who.otp,
            geoLocation: { latitude: 30.0444, longitude: 31.2357 },
          }),
        });
        await login.text();
        const images = await fetch(`${proxy.url}/api/DigitalIdentity/GetUserDigitalIdentityImages?emailOrPhoneNumber=${encodeURIComponent(who.email)}`, {
          headers: { ApiKey: who.apiKey, Authorization: `Bearer ${who.refreshToken}` },
        });
        await images.text();
        await fetch(`${proxy.url}/__vlens-proxy/report`).then((answer) => answer.text());

        const written = readdirSync(records)
          .map((file) => readFileSync(join(records, file), 'utf8'))
          .join('\n');
        const values = [
          who.arabicName,
          who.englishName,
          who.idNumber,
          who.phone,
          who.email,
          who.address,
          who.accessToken,
          who.refreshToken,
          who.apiKey,
          who.password,
          who.tenant,
          isoDate(who.birthDate),
          who.image.toString('base64').slice(0, 60),
          who.face.toString('base64').slice(0, 60),
          Buffer.from(who.accessToken).toString('base64').slice(0, 40),
        ];
        for (const value of values) {
          expect(written.includes(value) || written.includes(JSON.stringify(value).slice(1, -1)), `${value} was written`).toBe(false);
        }
        // A six-digit OTP could occur inside other digits by chance: looked for as a number of its own.
        expect(new RegExp(`(?<!\\d)${who.otp}(?!\\d)`).test(written), 'the OTP was written').toBe(false);
      }),
      { numRuns: 20 },
    );
    expect(runs).toBe(20);
    // Every exchange was recorded: none was held back by the recorder's own leak check.
    expect(proxy.report().totals).toMatchObject({ exchanges: 60, recorded: 60, recordingsRefused: 0 });
  });

  it('keeps the shapes: an ID number keeps a valid layout, a date a date, an image its size and SHA-256 beside a valid stand-in', async () => {
    const files = readdirSync(records).filter((file) => file.includes('verifyIdFront'));
    expect(files.length).toBeGreaterThanOrEqual(20);
    const recording = JSON.parse(readFileSync(join(records, files.at(-1)!), 'utf8'));
    const front = recording.response.body.data.idFrontData;
    expect(hasIdNumberLayout(front.idNumber)).toBe(true);
    expect(front.idNumber).not.toBe(current!.who.idNumber);
    expect(front.dateOfBirth).toMatch(/^\d{4}-\d\d-\d\dT00:00:00$/);
    expect(Number.isNaN(Date.parse(front.dateOfBirth))).toBe(false);
    expect(front.name).toMatch(/^[\u0621-\u064a ]+$/);
    expect(front.name.split(' ').map((word: string) => word.length)).toEqual(current!.who.arabicName.split(' ').map((word) => word.length));
    expect(recording.response.body.data.user.phoneNumber).toMatch(/^\+201[0125]\d{8}$/);
    expect(recording.request.body.transaction_id).toBe(current!.transactionId.toUpperCase());
    const image = recording.masked.find((entry: any) => entry.pointer === '/request/body/image');
    expect(image).toEqual({
      pointer: '/request/body/image',
      kind: 'image',
      format: 'jpeg',
      bytes: current!.who.image.length,
      sha256: createHash('sha256').update(current!.who.image).digest('hex'),
    });
    expect([...Buffer.from(recording.request.body.image, 'base64').subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(recording.masked.map((entry: any) => entry.pointer)).toEqual(
      expect.arrayContaining([
        '/request/headers/apikey',
        '/request/headers/authorization',
        '/response/body/Extra/HolderName',
        '/response/body/Extra/Notes',
        '/response/body/Extra/Reference',
        '/response/body/services/validations/validation_errors/0/value',
      ]),
    );
    expect(JSON.stringify(recording.masked)).not.toMatch(/"value"/);
  });
});
