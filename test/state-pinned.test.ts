// A seed's tenants are pinned: requests with other ApiKeys, even refused ones, take tenant slots (their
// journals), and past maxTenants the unpinned tenant unused for longest is forgotten, never a seeded
// one. A reset empties a pinned tenant, whose key stays pinned. In process (createSandbox), to stay fast.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSandbox } from '../mocks/sandbox.js';
import { SEED_API_KEY, SEED_PATH } from '../scripts/generate-seed.mjs';
import { ROOT } from '../scripts/lib/description.mjs';
import { PATHS } from './sandbox-helpers.js';

const seed = JSON.parse(readFileSync(`${ROOT}${SEED_PATH}`, 'utf8'));
const MAX_TENANTS = 5;

/** A request that reaches an operation and is refused (401: no bearer token), under its own ApiKey. */
async function refused(sandbox: ReturnType<typeof createSandbox>, apiKey: string) {
  const answer = await sandbox.handle(
    new Request(`https://sandbox.invalid${PATHS.front}`, { method: 'POST', headers: { ApiKey: apiKey, 'Content-Type': 'application/json' }, body: '{}' }),
  );
  expect(answer.status).toBe(401);
}

describe('seeded tenants are pinned', () => {
  it('refused requests with more distinct keys than maxTenants never evict a seeded tenant; other tenants still go, least recently used first', async () => {
    const sandbox = createSandbox({ maxTenants: MAX_TENANTS, initialState: seed });
    await sandbox.ready;
    const seeded = sandbox.control(SEED_API_KEY);
    expect((await seeded.transactions()).total).toBe(3);
    // An unpinned tenant with something in it, then more refused keys than maxTenants.
    const early = sandbox.control('early-key');
    await early.queueOutcome({ operationId: 'verifyIdBack', scenario: 'documentExpired' });
    for (let index = 0; index <= MAX_TENANTS; index++) await refused(sandbox, `refused-${index}`);
    expect((await seeded.transactions()).total).toBe(3);
    expect((await seeded.state()).users).toHaveLength(3);
    // Each refused key holds its journal; the early tenant, unused for longest, was forgotten.
    expect((await sandbox.control(`refused-${MAX_TENANTS}`).requests()).requests).toHaveLength(1);
    expect((await early.state()).queuedOutcomes).toEqual([]);
  });

  it('a reset empties a pinned tenant and its key stays pinned; a state loaded under it is pinned too', async () => {
    const sandbox = createSandbox({ maxTenants: MAX_TENANTS, initialState: seed });
    await sandbox.ready;
    const seeded = sandbox.control(SEED_API_KEY);
    const document = await seeded.state();
    await seeded.reset();
    expect((await seeded.transactions()).total).toBe(0);
    await seeded.replaceState(document);
    for (let index = 0; index <= MAX_TENANTS * 2; index++) await refused(sandbox, `refused-${index}`);
    expect((await seeded.transactions()).total).toBe(3);
  });

  it('a seed whose tenants together hold more than maxRecords is refused (pinned tenants are never forgotten to make room)', async () => {
    const state = { format: 'vlens-sandbox-state' as const, version: 1 as const, users: Array.from({ length: 60 }, (_, index) => ({ id: index + 1 })) };
    const sandbox = createSandbox({ maxRecords: 100, initialState: { format: 'vlens-sandbox-seed', version: 1, tenants: { a: state, b: state } } });
    await expect(sandbox.ready).rejects.toThrow(
      'initialState: the tenants hold 120 records together (users, credentials, transactions, planned outcomes); this sandbox keeps at most 100 (maxRecords)',
    );
  });
});
