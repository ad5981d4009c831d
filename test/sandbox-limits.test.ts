// Bounded memory: the image budget evicts the oldest transactions' images (GetStepImage then answers its
// documented error), the journal keeps its last entries, transactions expire, and tenants, users,
// transactions and steering entries are capped. The budget and the expiry are set through the CLI flags
// of the real process; the caps through startMock's options.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../mocks/index.js';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, capture, image, register, sha256Of, testPhone, type Caller } from './sandbox-helpers.js';

const ADMIN = 'limits.admin.token';
let budgeted: MockProcess;
let expiring: MockProcess;
let capped: Awaited<ReturnType<typeof startMock>>;
beforeAll(async () => {
  [budgeted, expiring, capped] = await Promise.all([
    startMockProcess(['--port', '0', '--quiet', '--image-budget-mb', '1']),
    startMockProcess(['--port', '0', '--quiet', '--transaction-ttl', '1']),
    startMock({ port: 0, checkExamples: false, journalLimit: 5, maxTenants: 3, maxTransactionsPerTenant: 3, maxUsersPerTenant: 2 }),
  ]);
});
afterAll(async () => {
  await Promise.all([budgeted?.stop(), expiring?.stop(), capped?.stop()]);
});

describe('the image budget (--image-budget-mb 1)', () => {
  it("evicts the oldest transactions' images first; GetStepImage then answers fileNotFound, the newest stay", async () => {
    const caller: Caller = { url: budgeted.url, apiKey: `budget-${randomUUID()}` };
    const user = await register(caller);
    const big = (seed: string) => image(seed, 100_000);
    const flows = [];
    for (let round = 0; round < 3; round++) {
      const transactionId = randomUUID();
      const faces = { face_1: big(`${round}a`), face_2: big(`${round}b`), face_3: big(`${round}c`) };
      await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: big(`${round}f`), transaction_id: transactionId } });
      await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: big(`${round}k`), transaction_id: transactionId } });
      const liveness = await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { ...faces, transaction_id: transactionId } });
      expect(liveness.body.data.isDigitalIdentityVerified).toBe(true);
      flows.push({ transactionId, faces });
    }
    // 5 images of ~133,000 base64 characters per transaction: a 1 MiB budget holds one transaction and part of another.
    const oldest = (await call(caller, 'GET', `/__vlens/transactions/${flows[0]!.transactionId}`)).body;
    const allImages = oldest.steps.flatMap((step: { images: { evicted: boolean; sha256: string | null }[] }) => step.images);
    expect(allImages.every((entry: { evicted: boolean }) => entry.evicted)).toBe(true);
    expect(allImages.every((entry: { sha256: string | null }) => entry.sha256 === null)).toBe(true);
    const newest = (await call(caller, 'GET', `/__vlens/transactions/${flows[2]!.transactionId}`)).body;
    expect(newest.steps[2].images.map((entry: { sha256: string }) => entry.sha256)).toEqual(Object.values(flows[2]!.faces).map(sha256Of));

    const names = (await call(caller, 'GET', PATHS.images, { token: ADMIN, query: { emailOrPhoneNumber: user.phoneNumber } })).body.data;
    const fresh = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: flows[2]!.transactionId, FileName: names.livenessFace03Image } });
    expect(fresh.body.data.image).toBe(flows[2]!.faces.face_3);
    const evictedName = oldest.steps[2].images[0].fileName;
    const evicted = await call(caller, 'GET', PATHS.stepImage, { token: ADMIN, query: { TransactionId: flows[0]!.transactionId, FileName: evictedName } });
    expect(evicted.body).toMatchObject({ data: null, error_code: 400, error_descriptions: [{ field: 'FileName', message: expect.stringMatching(/evicted/) }] });
    // The transaction itself is kept: its steps and verdict did not depend on the bytes.
    expect(oldest.outcome.state).toBe('verified');
  });
});

describe('transaction expiry (--transaction-ttl 1)', () => {
  it('forgets a transaction once its time is up', async () => {
    const caller: Caller = { url: expiring.url, apiKey: `ttl-${randomUUID()}` };
    const user = await register(caller);
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: image(1) } });
    const transactionId = front.body.data.idFrontData.transaction_id;
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).body.expiresAt).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(404);
    const late = await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { face_1: image(2), face_2: image(3), face_3: image(4), transaction_id: transactionId } });
    expect(late.body.error_code).toBe(5004);
  });
});

describe('caps', () => {
  const tenantOf = (apiKey = `cap-${randomUUID()}`): Caller => ({ url: capped.url, apiKey });

  it('keeps the last journalLimit requests of a tenant and counts the dropped ones', async () => {
    const caller = tenantOf();
    for (let round = 0; round < 8; round++) await call(caller, 'POST', PATHS.exists, { body: { phoneNumber: `+2019000000${String(round).padStart(2, '0')}` } });
    const journal = (await call(caller, 'GET', '/__vlens/requests')).body;
    expect(journal).toMatchObject({ limit: 5, dropped: 3 });
    expect(journal.requests.map((entry: { seq: number }) => entry.seq)).toEqual([4, 5, 6, 7, 8]);
  });

  it('keeps exactly the last journalLimit entries over many requests, filtered or not', async () => {
    const caller = tenantOf();
    for (let round = 0; round < 600; round++) {
      const path = round % 2 === 0 ? PATHS.exists : PATHS.front;
      await call(caller, 'POST', path, round % 2 === 0 ? { body: { phoneNumber: '+201900000000' } } : { token: 'journal.user.token', body: { image: image(round) } });
    }
    const journal = (await call(caller, 'GET', '/__vlens/requests')).body;
    expect(journal).toMatchObject({ limit: 5, dropped: 595 });
    expect(journal.requests.map((entry: { seq: number }) => entry.seq)).toEqual([596, 597, 598, 599, 600]);
    const fronts = (await call(caller, 'GET', '/__vlens/requests', { query: { operationId: 'verifyIdFront', limit: '3' } })).body.requests;
    expect(fronts.map((entry: { seq: number; images: unknown[] }) => [entry.seq, entry.images.length])).toEqual([
      [596, 1],
      [598, 1],
      [600, 1],
    ]);
  });

  it('forgets the tenant unused for longest past maxTenants, and the oldest transactions and users past their caps', async () => {
    const first = tenantOf();
    const { transactionId } = await capture(first, 'first.tenant.token');
    for (let round = 0; round < 3; round++) await call(tenantOf(), 'GET', '/__vlens/requests');
    expect((await call(first, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(404);

    const busy = tenantOf();
    const ids = [];
    for (let round = 0; round < 4; round++)
      ids.push((await call(busy, 'POST', PATHS.front, { token: 'busy.tenant.token', body: { image: image(round) } })).body.data.idFrontData.transaction_id);
    const kept = await Promise.all(ids.map(async (id) => (await call(busy, 'GET', `/__vlens/transactions/${id}`)).status));
    expect(kept).toEqual([404, 200, 200, 200]);

    const users = tenantOf();
    const registered = [];
    for (let round = 0; round < 3; round++) registered.push(await register(users));
    const exists = await Promise.all(registered.map(async (user) => (await call(users, 'POST', PATHS.exists, { body: { phoneNumber: user.phoneNumber } })).body.data.exists));
    // The implicit user of busy.tenant.token is in another tenant; here the first registered user is the oldest.
    expect(exists).toEqual([false, true, true]);
  });

  it('caps the outcomes and faults waiting for one operation', async () => {
    const caller = tenantOf();
    const arm = () => call(caller, 'POST', '/__vlens/faults', { body: { operationId: 'verifyIdBack', fault: 'delay', delayMs: 0 } });
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) statuses.push(...(await Promise.all(Array.from({ length: 100 }, arm))).map((answer) => answer.status));
    expect(statuses.every((status) => status === 201)).toBe(true);
    const over = await arm();
    expect(over.status).toBe(400);
    expect(over.body.detail).toMatch(/At most 1000/);
  });
});

describe('a refused body is kept as a sketch, never whole (review B1)', () => {
  const journalOf = async (caller: Caller) => {
    const answer = await call(caller, 'GET', '/__vlens/requests');
    expect(answer.status).toBe(200);
    return answer;
  };

  it('an image sent as a serialised Uint8Array or a plain array: refused, its bytes absent from the journal', async () => {
    const caller: Caller = { url: budgeted.url, apiKey: `bytes-${randomUUID()}` };
    const bytes = Buffer.from(image('uint8', 300_000), 'base64');
    // JSON.stringify(new Uint8Array(...)) is what an app sends when it forgets to base64 the picture.
    const front = await call(caller, 'POST', PATHS.front, { token: 'bytes.user.token', body: { image: new Uint8Array(bytes), transaction_id: randomUUID() } });
    expect(front.status).toBe(400);
    const faces = await call(caller, 'POST', PATHS.liveness, {
      token: 'bytes.user.token',
      body: { face_1: [...bytes], face_2: 7, face_3: image('short', 60), transaction_id: randomUUID() },
    });
    expect(faces.status).toBe(400);

    const journal = await journalOf(caller);
    const [frontEntry, facesEntry] = journal.body.requests;
    expect(frontEntry).toMatchObject({ operationId: 'verifyIdFront', status: 400, body: { image: `<image: object of ${bytes.length} members, not base64 text>` } });
    expect(facesEntry.body).toMatchObject({
      face_1: `<image: array of ${bytes.length} items, not base64 text>`,
      face_2: '<image: number, not base64 text>',
      face_3: `<image: text of ${image('short', 60).length} characters, not kept>`,
    });
    // Not even the first bytes: a sketch of a few entries would still be the picture's start.
    expect(journal.text).not.toContain(`"0":${bytes[0]},"1":${bytes[1]}`);
    expect(journal.text).not.toContain(`${bytes[0]},${bytes[1]},${bytes[2]},${bytes[3]}`);
    expect(journal.text).not.toContain(image('short', 60).slice(0, 40));
    expect(journal.text.length).toBeLessThan(10_000);
  });

  it('a huge or deeply nested body shows its first members, a few levels deep, and counts the rest', async () => {
    const caller: Caller = { url: budgeted.url, apiKey: `nested-${randomUUID()}` };
    let deep: unknown = 'bottom';
    for (let level = 0; level < 50; level++) deep = { level: deep };
    const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, index) => [`member${index}`, 'x'.repeat(200)]));
    const body = { phoneNumber: testPhone(), x: Array.from({ length: 200_000 }, () => ({})), deep, wide, ['n'.repeat(10_000)]: 1 };
    const answer = await call(caller, 'POST', PATHS.exists, { body });
    expect(answer.status).toBe(400);

    const journal = await journalOf(caller);
    const [entry] = journal.body.requests;
    expect(entry.body.phoneNumber).toBe(body.phoneNumber);
    expect(entry.body.x).toHaveLength(11);
    expect(entry.body.x.at(-1)).toBe(`<${200_000 - 10} more items>`);
    let level = entry.body.deep;
    let depth = 1;
    while (typeof level === 'object') [level, depth] = [level.level, depth + 1];
    expect(level).toBe('<object of 1 members>');
    expect(depth).toBeLessThan(10);
    expect(Object.keys(entry.body.wide).length).toBeLessThanOrEqual(11);
    expect(Object.values(entry.body.wide).at(-1)).toMatch(/^<\d+ more members>$/);
    expect(JSON.stringify(entry.body).length).toBeLessThan(8_000);
    expect(journal.text.length).toBeLessThan(20_000);
  });
});
