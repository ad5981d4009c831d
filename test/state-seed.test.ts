// Seeds: `vlens-mock --seed-file` (the real process) and `startMock({ seedFile })` start with known
// users, as the example seed made from the description's KnownUsers shows: a verified user, one whose
// back scan was refused, one whose ID expired. A seed that is wrong stops the start, naming the file
// and the field and never a key.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../mocks/index.js';
import { generateSeedFiles, SEED_API_KEY, SEED_PATH } from '../scripts/generate-seed.mjs';
import { ROOT } from '../scripts/lib/description.mjs';
import { CLI, startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, image, login, type Caller } from './sandbox-helpers.js';

const run = promisify(execFile);
const seedFile = `${ROOT}${SEED_PATH}`;
const seed = JSON.parse(readFileSync(seedFile, 'utf8'));
const [verified, refusedBack, expiredId] = seed.tenants[SEED_API_KEY].users as { phoneNumber: string; password: string; note: string }[];

let mock: MockProcess;
let work: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vlens-seed-'));
  mock = await startMockProcess(['--port', '0', '--quiet', '--seed-file', seedFile]);
});
afterAll(async () => {
  await mock?.stop();
  rmSync(work, { recursive: true, force: true });
});

const caller = (): Caller => ({ url: mock.url, apiKey: SEED_API_KEY });

describe('the example seed', () => {
  it("is what `npm run generate` makes today from the description's KnownUsers", () => {
    for (const [path, content] of Object.entries(generateSeedFiles())) expect(readFileSync(`${ROOT}${path}`, 'utf8'), `${path} is stale: run npm run generate`).toBe(content);
    expect([verified!.note, refusedBack!.note, expiredId!.note]).toEqual([
      'A verified user',
      'A user whose back scan was refused (no card in the image)',
      'A user whose ID has expired',
    ]);
  });

  it('vlens-mock --seed-file starts with its users: a verified one, one whose back scan was refused, one whose ID expired', async () => {
    expect(mock.stdout()).toContain(`Seeded from ${seedFile}: 1 tenant(s) loaded.`);
    const loggedIn = await login(caller(), verified!);
    expect([loggedIn.status, loggedIn.body.data.isDigitalIdentityVerified]).toEqual([200, true]);
    for (const user of [refusedBack!, expiredId!]) {
      const answer = await login(caller(), user);
      expect([answer.status, answer.body.data.isDigitalIdentityVerified]).toEqual([200, false]);
    }
    const { transactions } = (await call(caller(), 'GET', '/__vlens/transactions')).body;
    const byUser = Object.fromEntries(transactions.map((transaction: any) => [transaction.user.phoneNumber, transaction]));
    expect(byUser[verified!.phoneNumber].outcome.state).toBe('verified');
    expect(byUser[refusedBack!.phoneNumber].steps.map((step: any) => [step.step, step.scenario, step.succeeded])).toEqual([
      ['front', 'extracted', true],
      ['back', 'cardNotDetected', false],
    ]);
    expect(byUser[expiredId!.phoneNumber].steps.at(-1)).toMatchObject({ step: 'back', scenario: 'documentExpired', succeeded: false });
    // The images are the example's, byte for byte, and a check of the verified user's shows them.
    const face = await call(caller(), 'GET', `/__vlens/transactions/${byUser[verified!.phoneNumber].id}/steps/liveness/images/face_1`);
    expect(face.headers.get('content-type')).toBe('image/png');
    const text = seed.tenants[SEED_API_KEY].transactions[0].steps.liveness.images.face_1;
    expect(
      Buffer.from(
        await (
          await fetch(`${mock.url}/__vlens/transactions/${byUser[verified!.phoneNumber].id}/steps/liveness/images/face_1`, { headers: { ApiKey: SEED_API_KEY } })
        ).arrayBuffer(),
      ).toString('base64'),
    ).toBe(text);
  });

  it("each user's magic phone number matches the state: a new capture of theirs ends the same way", async () => {
    for (const [user, scenario] of [
      [refusedBack!, 'cardNotDetected'],
      [expiredId!, 'documentExpired'],
    ] as const) {
      const token = (await login(caller(), user)).body.data.accessToken;
      const front = await call(caller(), 'POST', PATHS.front, { token, body: { image: image(`${scenario}-front`) } });
      const back = await call(caller(), 'POST', PATHS.back, { token, body: { image: image(`${scenario}-back`), transaction_id: front.body.data.idFrontData.transaction_id } });
      expect((await call(caller(), 'GET', '/__vlens/requests', { query: { limit: '1' } })).body.requests[0].scenario).toBe(scenario);
      expect(back.body.error_code).not.toBeNull();
    }
  });

  it('startMock({ seedFile }) loads the same tenants, and other keys start empty', async () => {
    const started = await startMock({ port: 0, seedFile });
    try {
      expect((await started.sandbox(SEED_API_KEY).transactions()).total).toBe(3);
      expect((await started.sandbox('another-key').transactions()).total).toBe(0);
      await expect(startMock({ port: 0, seedFile, initialState: seed })).rejects.toThrow('startMock takes seedFile or initialState, not both');
    } finally {
      await started.stop();
    }
  });
});

describe('a seed that is wrong', () => {
  /** Runs the mock with a seed file; resolves with its exit code and stderr. */
  async function start(path: string) {
    return run(process.execPath, [CLI, '--port', '0', '--seed-file', path], { timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  }

  it('stops the start with exit 2, naming the file and the field, never the key', async () => {
    const key = 'SECRET-seed-key-0123';
    const missing = join(work, 'missing.json');
    expect(await start(missing)).toEqual({ code: 2, stderr: `vlens-mock: seed file ${missing}: cannot read it (ENOENT)\n` });
    const notJson = join(work, 'not.json');
    writeFileSync(notJson, '{ "format": ');
    const notJsonRun = await start(notJson);
    expect(notJsonRun.code).toBe(2);
    expect(notJsonRun.stderr).toMatch(new RegExp(`^vlens-mock: seed file ${notJson}: not JSON \\(`));
    const wrong = structuredClone(seed);
    wrong.tenants = { [key]: wrong.tenants[SEED_API_KEY] };
    wrong.tenants[key].users[1].id = 1;
    const wrongFile = join(work, 'wrong.json');
    writeFileSync(wrongFile, JSON.stringify(wrong));
    const refused = await start(wrongFile);
    expect(refused).toEqual({ code: 2, stderr: `vlens-mock: seed file ${wrongFile}: tenants[#1]: users[1].id: User id 1 is used twice (users[0] has it too).\n` });
    const otherVersion = join(work, 'version.json');
    writeFileSync(otherVersion, JSON.stringify({ ...seed, version: 2 }));
    expect((await start(otherVersion)).stderr).toBe(`vlens-mock: seed file ${otherVersion}: version must be 1, got 2 (a document of another version of the format)\n`);
    for (const path of [wrongFile, otherVersion]) expect((await start(path)).stderr).not.toContain(key);
  });

  it('the limits apply to a seed: a sandbox too small for it does not start', async () => {
    await expect(startMock({ port: 0, seedFile, imageBudgetBytes: 500 })).rejects.toThrow(
      `seed file ${seedFile}: the tenants' images take 1296 bytes of base64 together; this sandbox keeps at most 500 (imageBudgetBytes)`,
    );
    await expect(startMock({ port: 0, seedFile, maxUsersPerTenant: 2 })).rejects.toThrow(
      `seed file ${seedFile}: tenants[#1]: users: The document has 3 users; this sandbox keeps at most 2 per tenant (maxUsersPerTenant).`,
    );
  });
});
