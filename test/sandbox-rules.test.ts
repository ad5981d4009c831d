// The flow rules without HTTP: one decide() over each operation's declared rule, a pure function of a
// tenant's state and one request, returning the scenario, the fields to fill and the changes, with ids
// and tokens from a deterministic `make`. The state it reads must come out unchanged; the store's
// commit applies the changes.
import { beforeAll, describe, expect, it } from 'vitest';
import { shippedDescription } from '../mocks/model/shipped.js';
import { ruleOf, stepOf, stepScenarios } from '../mocks/rules/catalog.js';
import { decide, type Identity, type RuleContext } from '../mocks/rules/decide.js';
import { scenarioSet, type ScenarioSet } from '../mocks/rules/scenarios.js';
import { authorize as authorizeToken } from '../mocks/rules/tokens.js';
import { DEFAULT_LIMITS } from '../mocks/engine/options.js';
import { createImageStore, newImageGroup, sameBytes, type ImageRecord } from '../mocks/store/images.js';
import { createJournal, type JournalEntry } from '../mocks/store/journal.js';
import { createStore, type Changes, type Tenant } from '../mocks/store/tenants.js';
import type { TokenFactory } from '../mocks/store/tokens.js';
import type { OperationModel } from '../mocks/types.js';
import { image } from './sandbox-helpers.js';

const { model, examples } = shippedDescription();
const scenarioSets = new Map<string, ScenarioSet>();
beforeAll(async () => {
  for (const operation of model.operations) scenarioSets.set(operation.id, scenarioSet(operation, await examples(operation.id), stepOf(operation.id)));
});
const operationOf = (id: string) => model.operations.find((operation) => operation.id === id) as OperationModel;

const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const settings = { stateless: false, strictTokens: false, otp: '123456', transactionTtlMs: 3_600_000 };
const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

function world() {
  const images = createImageStore(DEFAULT_LIMITS.imageBudgetBytes);
  const journal = createJournal({ limit: DEFAULT_LIMITS.journalLimit, budgetBytes: DEFAULT_LIMITS.journalBudgetBytes }, images);
  const store = createStore(DEFAULT_LIMITS, images, journal);
  const tenant = store.tenant('rules-key');
  let counter = 0;
  const make = {
    uuid: () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    access: ({ role, subject, lifetimeSeconds, now }: { role: string; subject: unknown; lifetimeSeconds: number; now: number }) => ({
      token: `token-${role}-${subject}-${++counter}`,
      expiresAt: now + lifetimeSeconds * 1000,
    }),
    refresh: () => `rt-${++counter}`,
    encrypted: () => 'encrypted',
  } as TokenFactory;
  const request = (operationId: string, fields: Partial<RuleContext> = {}): Omit<RuleContext, 'state'> => ({
    operation: operationOf(operationId),
    scenarios: scenarioSets.get(operationId) as ScenarioSet,
    identity: null,
    body: undefined,
    query: {},
    prefer: {},
    images: {},
    now: NOW,
    make,
    settings,
    stepScenarios: (step) => stepScenarios(model, step),
    ...fields,
  });
  const track = (fields: Record<string, string>) =>
    Object.fromEntries(Object.entries(fields).map(([field, base64]) => [field, images.track(base64, field)])) as Record<string, ImageRecord>;
  /** Decides, checks the state was not touched, then commits. */
  const run = (operationId: string, fields: Partial<RuleContext> = {}, { stateless = false } = {}) => {
    const before = snapshot(tenant);
    const decision = decide(ruleOf(operationId, stateless), tenant, request(operationId, fields));
    expect(snapshot(tenant), 'decide() changed the state it read').toEqual(before);
    store.commit(tenant, decision.changes, NOW);
    return decision;
  };
  const authorize = (operationId: string, authorization: string, overrides: Partial<typeof settings> = {}) => {
    const before = snapshot(tenant);
    const access = authorizeToken(tenant, {
      operation: operationOf(operationId),
      scenarios: scenarioSets.get(operationId) as ScenarioSet,
      token: authorization.replace(/^bearer +/i, ''),
      now: NOW,
      settings: { ...settings, ...overrides },
    });
    expect(snapshot(tenant)).toEqual(before);
    return access;
  };
  return { tenant, store, run, authorize, track, make };
}

/** The tenant as plain data, to compare before and after. */
function snapshot(tenant: object): unknown {
  return JSON.parse(
    JSON.stringify(tenant, (key, value) => (value instanceof Map ? [...value.entries()] : key === 'imageGroup' || key === 'group' || key === 'lifetime' ? undefined : value)),
  );
}

const scenarioOf = (decision: { scenario: { name: string } | null }) => decision.scenario?.name;
const identityOf = (userId: number): Identity => ({ role: 'user', userId, issued: true });

describe('capture steps', () => {
  it('a front scan without an id starts a transaction with a new id, and fills it in', () => {
    const { run, tenant, track } = world();
    const decision = run('verifyIdFront', { identity: identityOf(1), body: { image: 'QUFB' }, images: track({ image: image(1) }) });
    expect(scenarioOf(decision)).toBe('extracted');
    expect(decision.fill).toEqual({ transactionId: '00000000-0000-4000-8000-000000000001' });
    const transaction = tenant.transactions.get('00000000-0000-4000-8000-000000000001');
    expect(transaction).toMatchObject({ userId: 1, validated: false, steps: { front: { scenario: 'extracted', succeeded: true } } });
  });

  it('an id sent in upper case is kept in lower case', () => {
    const { run, tenant } = world();
    run('verifyIdBack', { identity: identityOf(1), body: { image: 'QUFB', transaction_id: 'C83669C9-E06E-4564-B355-A2CB2D55A570' } });
    expect([...tenant.transactions.keys()]).toEqual(['c83669c9-e06e-4564-b355-a2cb2d55a570']);
  });

  it('liveness is refused without changes until both sides succeeded, then completes the transaction', () => {
    const { run, tenant, track } = world();
    const id = '81f404b3-d7dc-4f08-b4fe-934853c86282';
    const identity = identityOf(1);
    run('verifyIdFront', { identity, body: { image: 'QUFB', transaction_id: id } });
    const faces = { face_1: image(1), face_2: image(2), face_3: image(3) };
    const early = run('verifyLiveness', { identity, body: { ...faces, transaction_id: id }, images: track(faces) });
    expect(scenarioOf(early)).toBe('idStepsMissing');
    expect(early.changes.dirty).toBe(false);
    expect(early.why).toBe(`The ID back of transaction ${id} has not succeeded.`);

    run('verifyIdBack', { identity, body: { image: 'QkJC', transaction_id: id } });
    const same = run('verifyLiveness', { identity, body: { ...faces, transaction_id: id }, images: track({ ...faces, face_3: faces.face_1 }) });
    expect(scenarioOf(same)).toBe('facesIdentical');
    expect(tenant.transactions.get(id)).toMatchObject({ validated: false, steps: { liveness: { succeeded: false } } });

    const done = run('verifyLiveness', { identity, body: { ...faces, transaction_id: id }, images: track(faces) });
    // The default success is the vendor's documented answer (description issue 10), Validated and Verified.
    expect(scenarioOf(done)).toBe('documented');
    expect(tenant.transactions.get(id)).toMatchObject({ validated: true, verified: true });
  });

  it('an unknown transaction gets transactionNotFound; a Prefer scenario wins over it, and the state follows', () => {
    const { run, tenant } = world();
    const id = 'c83669c9-e06e-4564-b355-a2cb2d55a570';
    const body = { face_1: 'QUFB', face_2: 'QkJC', face_3: 'Q0ND', transaction_id: id };
    expect(scenarioOf(run('verifyLiveness', { identity: identityOf(1), body }))).toBe('transactionNotFound');
    const forced = run('verifyLiveness', { identity: identityOf(1), body, prefer: { exampleKey: 'validatedNotVerified' } });
    expect(forced).toMatchObject({ by: 'prefer', scenario: { name: 'validatedNotVerified' } });
    expect(tenant.transactions.get(id)).toMatchObject({ validated: true, verified: false });
  });
});

describe('steering', () => {
  it('takes the head of the queue, and says so in the changes', () => {
    const { run, tenant } = world();
    tenant.queue.set('verifyIdFront', [{ scenario: 'fakeDocument', status: 200, remaining: 1 }]);
    const decision = run('verifyIdFront', { identity: identityOf(1), body: { image: 'QUFB' } });
    expect(decision).toMatchObject({ by: 'queue', scenario: { name: 'fakeDocument' } });
    expect(tenant.queue.size).toBe(0);
    expect(scenarioOf(run('verifyIdFront', { identity: identityOf(1), body: { image: 'QUFB' } }))).toBe('extracted');
  });

  it("a magic phone number picks the outcome of its user's step; a transaction outcome wins over it", () => {
    const { run, tenant, store } = world();
    store.commit(
      tenant,
      { ...emptyChanges(), users: new Map([[7, { id: 7, phoneNumber: '+201933000001', email: null, password: null, verified: false, emailConfirmed: false }]]), nextUserId: 8 },
      NOW,
    );
    const identity = identityOf(7);
    for (const [step, operationId] of [
      ['front', 'verifyIdFront'],
      ['back', 'verifyIdBack'],
    ]) {
      run(operationId!, { identity, body: { image: 'QUFB', transaction_id: '11111111-1111-4111-8111-111111111111' } });
      expect(tenant.transactions.get('11111111-1111-4111-8111-111111111111')?.steps[step as 'front' | 'back']?.succeeded).toBe(true);
    }
    const body = { face_1: 'QUFB', face_2: 'QkJC', face_3: 'Q0ND', transaction_id: '11111111-1111-4111-8111-111111111111' };
    expect(run('verifyLiveness', { identity, body })).toMatchObject({ by: 'magic', scenario: { name: 'spoofDetected' } });
    tenant.planned.set('11111111-1111-4111-8111-111111111111', { liveness: 'amlMatched' });
    expect(run('verifyLiveness', { identity, body })).toMatchObject({ by: 'transaction', scenario: { name: 'amlMatched' } });
  });

  it('in stateless mode replays the default and changes nothing', () => {
    const { run } = world();
    const decision = run('verifyLiveness', { body: {} }, { stateless: true });
    expect(scenarioOf(decision)).toBe('documented');
    expect(decision.changes.dirty).toBe(false);
    expect(decision.fill).toBeUndefined();
  });
});

describe('tokens and accounts', () => {
  it('a token never issued becomes a fresh user once a request with it is decided, the same one next time; strict refuses it', () => {
    const { authorize, run, tenant } = world();
    const first = authorize('verifyIdFront', 'Bearer some.unknown.token');
    expect(first).toMatchObject({ identity: { role: 'user', userId: null, issued: false, implicit: { known: false } } });
    // Only a request that passed every check keeps the user it stands for.
    expect(tenant.users.size).toBe(0);
    run('verifyIdFront', { identity: 'identity' in first ? first.identity : null, body: { image: 'QUFB' } });
    const second = authorize('verifyIdFront', 'Bearer some.unknown.token');
    expect(second).toMatchObject({ identity: { role: 'user', userId: 1, issued: false, implicit: { known: true } } });
    expect(tenant.users.size).toBe(1);
    // The tenant keeps the token's SHA-256, never the token.
    expect(JSON.stringify([...tenant.implicitUsers.keys()])).not.toContain('unknown');
    expect(authorize('getStepImage', 'Bearer some.unknown.token')).toMatchObject({ identity: { role: 'admin', userId: null, issued: false } });
    const strict = authorize('verifyIdFront', 'Bearer other.unknown.token', { strictTokens: true });
    expect('refused' in strict && strict.refused.scenario?.name).toBe('unauthorized');
  });

  it('issued tokens: expired gets tokenExpired, the wrong role gets forbidden', () => {
    const { run, authorize, tenant } = world();
    const login = run('adminLogin', { body: { tenancyName: 'a', userNameOrEmailAddress: 'b', password: 'c' } });
    const adminToken = login.fill!.set!.find(([path]) => path[1] === 'accessToken')![1] as string;
    expect(adminToken).toBe('token-admin-admin-1');
    expect(authorize('verifyIdFront', `Bearer ${adminToken}`)).toMatchObject({ refused: { scenario: { name: 'forbidden' } } });
    expect(authorize('getStepImage', `Bearer ${adminToken}`)).toEqual({ identity: { role: 'admin', userId: null, issued: true } });
    tenant.tokens.get(adminToken)!.expired = true;
    expect(authorize('getStepImage', `Bearer ${adminToken}`)).toMatchObject({ refused: { scenario: { name: 'tokenExpired' }, why: 'The access token has expired.' } });
  });

  it('registration needs a phone confirmed with the sandbox OTP; login needs the password', () => {
    const { run, tenant } = world();
    const phoneNumber = '+201900000042';
    expect(run('register', { body: { phoneNumber, password: 'secret1' } }).errorDescriptions).toEqual([
      { field: 'phoneNumberOtpRequestId', message: expect.stringContaining('StepVerifyPhone') },
    ]);
    const sent = run('registerStepVerifyPhone', { body: { phoneNumber } });
    const requestId = sent.fill!.set![0]![1] as string;
    expect(tenant.otps.get(requestId)).toMatchObject({ channel: 'phone', target: phoneNumber, confirmed: false });
    expect(scenarioOf(run('register', { body: { phoneNumber, password: 'secret1', phoneNumberOtpRequestId: requestId, phoneNumberOtp: '000000' } }))).toBe('invalidRequest');
    expect(scenarioOf(run('register', { body: { phoneNumber, password: 'secret1', phoneNumberOtpRequestId: requestId, phoneNumberOtp: '123456' } }))).toBe('registered');
    expect(tenant.userByPhone.get(phoneNumber)).toBe(1);
    expect(scenarioOf(run('userLogin', { body: { phoneNumber, password: 'nope', imei: 'x' } }))).toBe('unauthorized');
    expect(scenarioOf(run('userLogin', { body: { phoneNumber, password: 'secret1', imei: 'x' } }))).toBe('loggedIn');
  });
});

describe('the image store', () => {
  it("evicts the oldest transaction's images together, and gives back exactly the base64 sent", () => {
    const images = createImageStore(3300);
    const [first, second] = [newImageGroup(), newImageGroup()];
    const a = [images.track(image('a', 600), 'face_1'), images.track(image('b', 600), 'face_2')];
    images.keep(first, a);
    const b = [images.track(image('c', 600), 'face_1'), images.track(image('d', 600), 'face_2')];
    images.keep(second, b);
    expect(images.usedBytes).toBe(3200);
    const c = images.track(image('e', 600), 'image');
    expect(a.map((record) => record.evicted)).toEqual([true, true]);
    expect(images.usedBytes).toBe(2400);
    expect(text(b[0]!.text)).toBe(image('c', 600));
    expect(a[0]!.text).toBeNull();
    expect(images.summary(c)).toMatchObject({ bytes: 600, evicted: false, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The same bytes, even when the unused bits of the last group differ; not the same bytes otherwise.
    expect(sameBytes(images.track('QUFBQQ==', 'face_1'), images.track('QUFBQR==', 'face_2'))).toBe(true);
    expect(sameBytes(images.track('QUFBQQ==', 'face_1'), images.track('QUFBQg==', 'face_2'))).toBe(false);
  });

  it('drops the images only the journal kept once their entry leaves the journal', () => {
    const images = createImageStore(1_000_000);
    const journal = createJournal({ limit: 2, budgetBytes: 1_000_000 }, images);
    const tenant = { journal: { entries: [], start: 0, seq: 0, dropped: 0 } } as unknown as Tenant;
    const records = [1, 2, 3].map((seed) => images.track(image(seed), 'image'));
    const kept = newImageGroup();
    images.keep(kept, [records[0]!]);
    const entry = (images: ImageRecord[]) => ({ images, size: 100 }) as unknown as JournalEntry;
    for (const record of records) journal.add(tenant, entry([record]));
    expect(records.map((record) => record.evicted)).toEqual([false, false, false]);
    journal.add(tenant, entry([]));
    // The first is still a transaction's; the second was the journal's alone.
    expect(records.map((record) => record.evicted)).toEqual([false, true, false]);
    expect(tenant.journal.dropped).toBe(2);
  });
});

function emptyChanges(): Changes {
  return {
    dirty: true,
    users: new Map(),
    implicitUsers: [],
    tokens: [],
    refreshTokens: [],
    dropRefreshTokens: [],
    otps: new Map(),
    transactions: new Map(),
    consumeQueue: null,
    nextUserId: 1,
  };
}
