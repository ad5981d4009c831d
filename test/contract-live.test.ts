// `npm run contract:live` against local servers: one answering every operation with plausible but
// wrong bodies must fail with a report naming each broken field and rule; a faithful stand-in
// written from the public facts must pass, with every skipped check explained. Neither run may
// print a key, a token or image bytes.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFaithfulServer } from './support/contract/faithful-server.mjs';
import { runScript, secret } from './support/contract/run-script.mjs';
import { RENAMED, RESPELT, startRenamedServer } from './support/contract/renamed-server.mjs';
import { BROKEN, startWrongServer } from './support/contract/wrong-server.mjs';

const LIVE = 'scripts/contract/live.mjs';

function credentials() {
  return { apiKey: secret('live-key'), userToken: secret('user-token'), adminToken: secret('admin-token') };
}

function liveEnv(url: string, keys: ReturnType<typeof credentials>, extra: Record<string, string> = {}) {
  return {
    VLENS_BASE_URL: url,
    VLENS_API_KEY: keys.apiKey,
    VLENS_USER_TOKEN: keys.userToken,
    VLENS_ADMIN_TOKEN: keys.adminToken,
    VLENS_TENANCY_NAME: 'sandbox',
    ...extra,
  };
}

function expectNoSecret(output: string, keys: ReturnType<typeof credentials>) {
  for (const value of Object.values(keys)) expect(output).not.toContain(value);
}

/** A JPEG-looking file (SOI, padding, EOI) whose base64 is bigger than one environment string may be. */
function fakeJpeg(seed: number) {
  const bytes = Buffer.alloc(120_000, seed);
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  bytes.set([0xff, 0xd9], bytes.length - 2);
  return bytes;
}

// Each run of contract:live takes 5 to 20 s on an idle machine (Dredd, then Respect, in child
// processes); the runs get a budget of their own for a busy one.
describe('npm run contract:live', () => {
  it('without VLENS_BASE_URL explains how to enable it and exits 0', async () => {
    const { code, output } = await runScript(LIVE);
    expect(code).toBe(0);
    expect(output).toContain('VLENS_BASE_URL is not set');
    for (const name of ['VLENS_API_KEY', 'VLENS_TENANCY_NAME', 'VLENS_USER_TOKEN', 'VLENS_ADMIN_TOKEN', 'VLENS_FIXTURES_DIR', 'npm run contract:live']) {
      expect(output).toContain(name);
    }
  });

  it('fails against plausible but wrong answers, naming every broken field and the rule it broke', async () => {
    const keys = credentials();
    const server = await startWrongServer({ userToken: keys.userToken });
    try {
      // --verbose adds Dredd's and Respect's own output, failure dumps with request headers included.
      const { code, output } = await runScript(LIVE, liveEnv(server.url, keys, { VLENS_USER_EMAIL_OR_PHONE: '+201112223334' }), ['--verbose']);
      expect(code, output).toBe(1);
      expect(output).toContain('Contract checks FAILED.');
      // Dredd's own tally (in the verbose output) agrees with the hooks: nothing lost, nothing errored.
      expect(output).toMatch(/complete: 0 passing, \d+ failing, 0 errors, \d+ skipped, \d+ total/);
      expect(output).not.toMatch(/^ERROR /m);
      for (const pointer of new Set(Object.values(BROKEN).flat())) expect(output).toContain(`body ${pointer}:`);
      expect(output).toMatch(/FAIL verifyIdFront 200 .*\n(?: {5}.*\n)*? {5}body \/data\/isVerificationProcessCompleted: Invalid type: string \(expected boolean,null\)/);
      expect(output).toContain('body /data/idFrontData/idNumber: Invalid type: number (expected string,null)');
      expect(output).toContain('body /services/Validations/validation_errors: Invalid type: object (expected array,null)');
      expect(output).toMatch(/FAIL verifyIdFront 401 .*request: no ApiKey header\n {5}body \/error_message: Missing required property: error_message/);
      expect(output).toMatch(/FAIL getStepImage 403 .*request: a user token on an admin operation\n {5}body \/error_message: Invalid type: object \(expected string\)/);
      expect(output).toMatch(/FAIL workflow fullVerification\n {5}scanFront: schema check \("isVerificationProcessCompleted": "false": type must be boolean,null/);
      expectNoSecret(output, keys);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('fails against answers whose members are renamed (another casing, a wrapper object), naming the members it misses', async () => {
    const keys = credentials();
    const server = await startRenamedServer(keys);
    try {
      const { code, output } = await runScript(LIVE, liveEnv(server.url, keys, { VLENS_USER_EMAIL_OR_PHONE: server.user.phoneNumber }), ['--verbose']);
      expect(code, output).toBe(1);
      expect(output).toContain('Contract checks FAILED.');
      expect(output).toMatch(/complete: 0 passing, \d+ failing, 0 errors, \d+ skipped, \d+ total/);
      // Dredd names each member the renamed answer misses, under the transaction it belongs to.
      const section = (label: string) => output.slice(output.indexOf(`FAIL ${label} `), output.indexOf('\nFAIL ', output.indexOf(`FAIL ${label} `) + 1));
      for (const [label, pointers] of Object.entries(RENAMED)) {
        const where = /^\d+$/.test(label) ? `verifyIdFront ${label}` : `${label} 200`;
        for (const pointer of pointers) expect(section(where), `${where} ${pointer}`).toContain(`body ${pointer}: Missing required property: ${pointer.split('/').pop()}`);
      }
      // The proxy's PascalCase envelope is named as such, not only as a missing member.
      for (const name of ['Data', 'ErrorCode', 'ErrorMessage']) expect(section('verifyIdFront 200')).toContain(`body: property name '${name}' is invalid`);
      // A respelt member next to a kept `data` is named too, though nothing is missing.
      for (const [operation, names] of Object.entries(RESPELT)) {
        for (const name of names) expect(section(`${operation} 200`), `${operation} ${name}`).toContain(`body: property name '${name}' is invalid`);
      }
      // Respect's schema checks fail every workflow at its first step, on the missing member.
      expect(output).toContain('FAIL workflow fullVerification\n     scanFront: success criteria check');
      expect(output).toMatch(/ {5}scanFront: schema check \([^\n]*must have required property 'data'\)/);
      expect(output).toMatch(/ {5}captureFront: schema check \([^\n]*must have required property 'data'\)/);
      expect(output).toMatch(/ {5}verify > scanFront: schema check \([^\n]*must have required property 'data'\)/);
      expect(output).toContain('Respect: 0 passed, 3 failed');
      expectNoSecret(output, keys);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('passes against a faithful stand-in, every skipped check with its reason', async () => {
    const keys = credentials();
    const server = await startFaithfulServer(keys);
    try {
      const { code, output } = await runScript(LIVE, liveEnv(server.url, keys, { VLENS_USER_EMAIL_OR_PHONE: server.user.phoneNumber }));
      expect(output).toContain('Contract checks passed.');
      expect(code, output).toBe(0);
      const [, passed, skipped, explained] = /Dredd: (\d+) passed, 0 failed, (\d+) skipped \((\d+) with a reason\)/.exec(output) ?? [];
      expect(Number(passed)).toBeGreaterThan(40);
      expect(explained).toBe(skipped);
      expect(output).not.toContain('UNEXPLAINED');
      expect(output).not.toMatch(/^ERROR /m);
      expect(output).toContain('skip register 200: would create a user on the live tenant');
      expect(output).toContain('Respect: 3 passed, 0 failed, 0 skipped, 3 workflows in ');
      // The checks really drove the stand-in's state: captured, completed and linked transactions.
      const transactions = [...server.state.transactions.values()];
      expect(transactions.filter((transaction) => transaction.complete).length).toBeGreaterThanOrEqual(4);
      // Capture before login: key-only captures made a transaction with no user, which the link attached.
      expect(transactions.some((transaction) => transaction.keyOnly && transaction.complete && transaction.linked)).toBe(true);
      expect(transactions.some((transaction) => transaction.linked && !transaction.keyOnly)).toBe(false);
      expectNoSecret(output, keys);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('passes against the stand-in when its successes leave out error_code and error_message (absent counts as null, as documented answers show)', async () => {
    const keys = credentials();
    let stripped = 0;
    // Every success loses its envelope members but data, as the documented admin login answer does.
    const withoutEnvelopeMembers = (body: unknown, { status }: { status: number }) => {
      if (status >= 300 || !body || typeof body !== 'object') return body;
      const envelope = body as { error_code?: unknown; error_message?: unknown; error_descriptions?: unknown };
      if (envelope.error_code || envelope.error_message) return body;
      stripped += 1;
      const { error_code: _code, error_message: _message, error_descriptions: _descriptions, ...rest } = envelope;
      return rest;
    };
    const server = await startFaithfulServer({ ...keys, rewrite: withoutEnvelopeMembers });
    try {
      const { code, output } = await runScript(LIVE, liveEnv(server.url, keys, { VLENS_USER_EMAIL_OR_PHONE: server.user.phoneNumber }));
      expect(output).toContain('Respect: 3 passed, 0 failed, 0 skipped, 3 workflows in ');
      expect(output).toMatch(/Dredd: \d+ passed, 0 failed/);
      expect(output).toContain('Contract checks passed.');
      expect(code, output).toBe(0);
      // The successes of Dredd and of every workflow step (23 when written).
      expect(stripped).toBeGreaterThan(15);
      expectNoSecret(output, keys);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('the stand-in refuses liveness before both sides of the ID, as the facts say', async () => {
    const keys = credentials();
    const server = await startFaithfulServer(keys);
    try {
      const post = (path: string, body: object) =>
        fetch(`${server.url}/api/DigitalIdentity/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ApiKey: keys.apiKey, Authorization: `Bearer ${keys.userToken}` },
          body: JSON.stringify(body),
        }).then((response) => response.json());
      const image = fakeJpeg(1).toString('base64');
      const front = await post('verify/id/front', { image });
      const transactionId = front.data.idFrontData.transaction_id;
      const faces = { face_1: fakeJpeg(2).toString('base64'), face_2: fakeJpeg(3).toString('base64'), face_3: fakeJpeg(4).toString('base64') };
      expect(await post('verify/liveness/multi', { ...faces, transaction_id: transactionId })).toMatchObject({ data: null, error_code: 5004 });
      await post('verify/id/back', { image, transaction_id: transactionId });
      expect(await post('verify/liveness/multi', { ...faces, transaction_id: transactionId })).toMatchObject({ error_code: null, data: { isVerificationProcessCompleted: true } });
    } finally {
      await server.stop();
    }
  });

  it('sends the images of VLENS_FIXTURES_DIR instead of the examples, and never prints them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlens-fixtures-'));
    const files = { 'id-front.jpg': fakeJpeg(11), 'id-back.jpg': fakeJpeg(12), 'face-1.jpg': fakeJpeg(13), 'face-2.jpg': fakeJpeg(14), 'face-3.jpg': fakeJpeg(15) };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const digest = (name: keyof typeof files) => createHash('sha256').update(files[name].toString('base64')).digest('hex');
    const keys = credentials();
    const server = await startFaithfulServer(keys);
    try {
      const { code, output } = await runScript(LIVE, liveEnv(server.url, keys, { VLENS_USER_EMAIL_OR_PHONE: server.user.phoneNumber, VLENS_FIXTURES_DIR: dir }), ['--verbose']);
      expect(code, output).toBe(0);
      const { received } = server.state;
      // Dredd's front scan and each workflow's, all with the fixture.
      expect(received.idFront.length).toBeGreaterThanOrEqual(4);
      expect(new Set(received.idFront)).toEqual(new Set([digest('id-front.jpg')]));
      expect(new Set(received.idBack)).toEqual(new Set([digest('id-back.jpg')]));
      expect(new Set(received.faces)).toEqual(new Set([digest('face-1.jpg'), digest('face-2.jpg'), digest('face-3.jpg')]));
      for (const bytes of Object.values(files)) expect(output).not.toContain(bytes.toString('base64').slice(0, 200));
      expectNoSecret(output, keys);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('says plainly when nothing answers at the base URL', async () => {
    const closed = await startWrongServer({ userToken: 'unused' });
    await closed.stop();
    const { code, output } = await runScript(LIVE, { VLENS_BASE_URL: closed.url });
    expect(code).toBe(2);
    expect(output).toContain(`Nothing answers at ${closed.url} (ECONNREFUSED)`);
  });

  it('refuses a fixtures folder that lacks an image, naming the missing files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlens-fixtures-'));
    writeFileSync(join(dir, 'id-front.jpg'), fakeJpeg(1));
    const { code, output } = await runScript(LIVE, { VLENS_BASE_URL: 'http://127.0.0.1:9', VLENS_FIXTURES_DIR: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(2);
    expect(output).toMatch(/VLENS_FIXTURES_DIR lacks .*id-back\.jpg.*face-3\.jpg/);
  });
});
