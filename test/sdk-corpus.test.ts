// The vendor's SDKs against the sandbox: the exact requests the public iOS, Flutter and React Native
// SDKs send (test/fixtures/sdk/*.json, each with the source it comes from in the facts file), played
// against the real sandbox process over real HTTP, each getting the answer the real service gives:
// upper-case transaction ids, Accept_Language with an underscore, TenancyName on every call,
// X-Request-Id, Accept: text/plain, an empty Bearer on the /v1/ocr fallback, faces-only liveness.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './sandbox-helpers.js';
import { ROOT, jpeg, startCli, type Running } from './proxy-helpers.js';

interface Step {
  what: string;
  request: { method: string; path: string; headers: Record<string, string>; body?: unknown };
  expect: { status: number; success: boolean; json: boolean; present?: string[]; transactionIdAt?: string; equal?: Record<string, unknown> };
  save?: Record<string, string>;
}
interface Corpus {
  sdk: string;
  sources: string[];
  served: string;
  steps: Step[];
}

const DIR = join(ROOT, 'test/fixtures/sdk');
const corpus = readdirSync(DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Corpus) }));

const at = (body: unknown, pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .reduce<any>((node, key) => (node === null || node === undefined ? undefined : node[key]), body);

/** The fixture with its placeholders filled: {{name}} from `values`, {{image:x}} a distinct JPEG. */
function fill(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(image:)?([A-Za-z0-9]+)\}\}/g, (_, image: string | undefined, name: string) => {
      if (image) return jpeg(name.split('').reduce((sum, character) => sum + character.charCodeAt(0), 0) + values.seed!.length, 800).toString('base64');
      if (!(name in values)) throw new Error(`no value for {{${name}}}`);
      return values[name]!;
    });
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, fill(member, values)]));
  return value;
}

describe("the vendor's SDKs' requests against the sandbox", () => {
  let mock: Running;
  const apiKey = `sdk-corpus-${crypto.randomUUID()}`;
  const user = { phoneNumber: '', password: 'Sdk!pass2026' };

  beforeAll(async () => {
    mock = await startCli(['--port', '0', '--quiet']);
    // The account the SDKs' apps log in with, registered the documented way.
    user.phoneNumber = (await register({ url: mock.url, apiKey }, { password: user.password })).phoneNumber;
  });
  afterAll(() => mock.stop());

  it('has a corpus for every request the issue names, each naming its sources', () => {
    expect(corpus.map((entry) => entry.file)).toEqual([
      'flutter-capture.json',
      'ios-capture.json',
      'ios-login.json',
      'react-native-capture-before-login.json',
      'react-native-early-front.json',
    ]);
    const requests = corpus.flatMap((entry) => entry.steps.map((step) => step.request));
    for (const entry of corpus) expect(entry.sources.length, entry.file).toBeGreaterThan(0);
    expect(requests.some((request) => request.headers.Accept_Language !== undefined)).toBe(true);
    expect(requests.every((request) => request.headers.TenancyName !== undefined)).toBe(true);
    expect(requests.some((request) => request.headers['X-Request-Id'] !== undefined)).toBe(true);
    expect(requests.filter((request) => request.headers.Accept === 'text/plain').map((request) => request.path)).toEqual([
      '/api/DigitalIdentity/Login',
      '/api/DigitalIdentity/verify/id/front',
    ]);
    expect(requests.filter((request) => request.headers.Authorization === 'Bearer ').map((request) => request.path)).toEqual([
      '/v1/ocr/id/front',
      '/v1/ocr/id/back',
      '/v1/ocr/liveness/multi',
    ]);
    expect(
      requests
        .filter((request) => request.path.endsWith('liveness/multi'))
        .every((request) => Object.keys(request.body as object).every((member) => /^face_\d$|^transaction_id$/.test(member))),
    ).toBe(true);
  });

  // The login first: the other flows use the token it gives.
  const ordered = [...corpus].sort((a, b) => Number(b.file === 'ios-login.json') - Number(a.file === 'ios-login.json'));
  const saved: Record<string, string> = {};
  for (const entry of ordered) {
    it(`${entry.file}: ${entry.sdk}`, async () => {
      const values: Record<string, string> = {
        apiKey,
        tenancyName: 'acme',
        phoneNumber: user.phoneNumber,
        password: user.password,
        deviceId: '356938035643809',
        // Swift's UUID().uuidString: upper case.
        transactionId: crypto.randomUUID().toUpperCase(),
        requestId: crypto.randomUUID().toUpperCase(),
        seed: entry.file,
        ...saved,
      };
      for (const step of entry.steps) {
        const request = fill(step.request, values) as Step['request'];
        const answer = await fetch(new URL(request.path, mock.url), {
          method: request.method,
          headers: request.headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
        });
        const text = await answer.text();
        expect(answer.status, `${step.what}: ${text.slice(0, 300)}`).toBe(step.expect.status);
        if (step.expect.json) expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
        const body = JSON.parse(text);
        if (step.expect.success) {
          expect([null, 0, undefined], `${step.what}: ${text.slice(0, 300)}`).toContain(body.error_code);
          expect([null, '', undefined]).toContain(body.error_message);
          expect(body.data).not.toBeNull();
        }
        for (const pointer of step.expect.present ?? []) expect(at(body, pointer), pointer).toEqual(expect.any(String));
        // The id comes back as the API emits GUIDs: the one sent, in lower case.
        if (step.expect.transactionIdAt) expect(at(body, step.expect.transactionIdAt)).toBe(values.transactionId!.toLowerCase());
        for (const [pointer, value] of Object.entries(step.expect.equal ?? {})) expect(at(body, pointer), `${step.what}: ${pointer}`).toEqual(value);
        for (const [name, pointer] of Object.entries(step.save ?? {})) saved[name] = at(body, pointer);
      }
    });
  }
});
