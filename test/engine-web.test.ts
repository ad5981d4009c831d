// The engine on web-standard Request and Response (`vlens-digital-identity/sandbox`): it bundles for a
// browser with no Node built-in and nothing of Prism; a whole flow runs through `handle(new Request)`
// with no server; the catalog's prose comes from the rules' declarations; a seed makes ids and tokens
// repeatable.
import { randomUUID } from 'node:crypto';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_OTP } from '../mocks/sandbox.js';
import { RULES } from '../mocks/rules/operations.js';
import { PATHS, image, sha256Of } from './sandbox-helpers.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe('the browser bundle', () => {
  it('builds with platform "browser" and no shims, from the engine, its generated data and @noble/hashes only', async () => {
    const result = await build({
      entryPoints: [`${ROOT}mocks/sandbox.js`],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      splitting: true,
      outdir: '/nonexistent',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => !/^(mocks\/|node_modules\/@noble\/hashes\/)/.test(input))).toEqual([]);
    expect(inputs.some((input) => input.includes('@stoplight'))).toBe(false);
    const code = result.outputFiles.map((file) => file.text).join('\n');
    expect(code).not.toMatch(/\bfrom ?["']node:|require\(["']node:|\bBuffer\.|process\.env/);
    // Each operation's validators and examples are chunks of their own, loaded on its first request.
    expect(result.outputFiles.filter((file) => /verifyLiveness-[\w]+\.js$/.test(file.path))).toHaveLength(2);
  });
});

describe('a whole flow through handle(), no server', () => {
  const sandbox = createSandbox();
  const apiKey = `web-${randomUUID()}`;
  const base = 'https://api.vlenseg.com';
  async function call(method: string, path: string, { body, token, query }: { body?: unknown; token?: string; query?: Record<string, string> } = {}) {
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { ApiKey: apiKey };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await sandbox.handle(new Request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    expect(response).toBeInstanceOf(Response);
    return { status: response.status, body: await response.json(), headers: response.headers };
  }

  it('registers, captures front, back and liveness, links a key-only capture, and gives the images back as sent', async () => {
    const phoneNumber = `+201900${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
    const sent = await call('POST', PATHS.verifyPhone, { body: { phoneNumber } });
    const registered = await call('POST', PATHS.register, {
      body: { phoneNumber, password: 'S3cure!pass', phoneNumberOtpRequestId: sent.body.data.phoneNumberOtpRequestId, phoneNumberOtp: SANDBOX_OTP },
    });
    expect(registered.status).toBe(200);
    const token = registered.body.data.accessToken;

    const images = { front: image('web-front'), back: image('web-back'), faces: [image('web-1'), image('web-2'), image('web-3')] };
    const front = await call('POST', PATHS.front, { token, body: { image: images.front } });
    const transactionId = front.body.data.idFrontData.transaction_id;
    expect(transactionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('POST', PATHS.back, { token, body: { image: images.back, transaction_id: transactionId } })).body.error_code).toBeNull();
    const [face_1, face_2, face_3] = images.faces;
    const liveness = await call('POST', PATHS.liveness, { token, body: { face_1, face_2, face_3, transaction_id: transactionId } });
    expect(liveness.body.data).toMatchObject({ isVerificationProcessCompleted: true, isDigitalIdentityVerified: true });

    // Capture before login, on the key alone, then linked to the user.
    const ocrFront = await call('POST', PATHS.ocrFront, { body: { image: image('ocr-front') } });
    const ocrId = ocrFront.body.data.transaction_id;
    await call('POST', PATHS.ocrBack, { body: { image: image('ocr-back'), transaction_id: ocrId } });
    await call('POST', PATHS.ocrLiveness, { body: { face_1: image('ocr-1'), face_2: image('ocr-2'), face_3: image('ocr-3'), transaction_id: ocrId } });
    const linked = await call('POST', PATHS.link, { token, body: { transactionId: ocrId } });
    expect(linked.body.data.isDigitalIdentityVerified).toBe(true);

    const adminToken = 'web.admin.token';
    const names = await call('GET', PATHS.images, { token: adminToken, query: { emailOrPhoneNumber: phoneNumber } });
    const step = await call('GET', PATHS.stepImage, { token: adminToken, query: { TransactionId: ocrId, FileName: names.body.data.livenessFace02Image } });
    expect(step.body.data.image).toBe(image('ocr-2'));
    const kept = await sandbox.control(apiKey).transaction(transactionId);
    expect(kept.steps.map((recorded) => recorded.images.map((held) => held.sha256))).toEqual([[sha256Of(images.front)], [sha256Of(images.back)], images.faces.map(sha256Of)]);
  });

  it('answers a generated answer with a 501 that names what to install (no Prism in a browser)', async () => {
    const answer = await sandbox.handle(
      new Request(`${base}${PATHS.exists}`, {
        method: 'POST',
        headers: { ApiKey: apiKey, 'Content-Type': 'application/json', Prefer: 'dynamic=true' },
        body: '{"phoneNumber":"+201001234567"}',
      }),
    );
    expect(answer.status).toBe(501);
    expect((await answer.json()).error_message).toContain('npm install --save-dev @stoplight/prism-cli@5.14.x');
  });

  it("strikes faults the web way: reset is a network error, a hang ends with the tenant's reset", async () => {
    const control = sandbox.control(apiKey);
    await control.addFault({ operationId: 'checkExistenceOfEmailOrPhone', fault: 'reset' });
    const request = () =>
      new Request(`${base}${PATHS.exists}`, { method: 'POST', headers: { ApiKey: apiKey, 'Content-Type': 'application/json' }, body: '{"phoneNumber":"+201001234567"}' });
    expect((await sandbox.handle(request())).type).toBe('error');
    await control.addFault({ operationId: 'checkExistenceOfEmailOrPhone', fault: 'hang' });
    const hung = sandbox.handle(request());
    await control.reset();
    expect((await hung).type).toBe('error');
  });
});

describe('the catalog is derived from the rules', () => {
  it("changing a rule's summary or a refusal's condition changes the catalog, in the same words", () => {
    const rule = RULES.verifyLiveness!;
    const [summary, when] = [rule.summary, rule.refusals![1]!.when];
    try {
      rule.summary = 'Checks three faces, as a test says.';
      rule.refusals![1]!.when = 'a test says so';
      const text = createSandbox()
        .catalog()
        .operations.find((operation) => operation.operationId === 'verifyLiveness')!.rules;
      expect(text).toMatch(
        /^Checks three faces, as a test says\. Refuses with transactionNotFound when .*; idStepsMissing when a test says so; facesIdentical when two of the faces are the same bytes\./,
      );
      expect(text).toContain('State: records the liveness step');
    } finally {
      rule.summary = summary;
      rule.refusals![1]!.when = when;
    }
  });
});

describe('a seed', () => {
  it('makes two sandboxes issue the same ids and tokens; another seed, others', async () => {
    const run = async (seed: string) => {
      const sandbox = createSandbox({ seed, now: () => Date.UTC(2026, 11, 1) });
      const post = (path: string, body: unknown) =>
        sandbox
          .handle(new Request(`https://api.vlenseg.com${path}`, { method: 'POST', headers: { ApiKey: 'seeded', 'Content-Type': 'application/json' }, body: JSON.stringify(body) }))
          .then((response) => response.json());
      const sent = await post(PATHS.verifyPhone, { phoneNumber: '+201900000001' });
      const registered = await post(PATHS.register, {
        phoneNumber: '+201900000001',
        password: 'S3cure!pass',
        phoneNumberOtpRequestId: sent.data.phoneNumberOtpRequestId,
        phoneNumberOtp: SANDBOX_OTP,
      });
      const front = await post(PATHS.ocrFront, { image: image('seeded') });
      return [sent.data.phoneNumberOtpRequestId, registered.data.accessToken, front.data.transaction_id];
    };
    const [first, again, other] = [await run('snapshot-1'), await run('snapshot-1'), await run('snapshot-2')];
    expect(again).toEqual(first);
    expect(other.every((value, index) => value !== first[index])).toBe(true);
  });
});
