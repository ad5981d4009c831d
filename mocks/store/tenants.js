// Where the sandbox keeps its state: one tenant per ApiKey value, each with its users, tokens, OTP
// requests, transactions, steering (queued outcomes, faults, per-transaction outcomes), journal and
// coverage. The rules (mocks/rules/) only read a tenant and describe changes; commit() applies them,
// and is the one place that enforces the bounds: tenants, users, credentials, OTP requests and
// transactions are capped (the oldest go first), transactions expire, images stay within the image
// budget (images.js). A tenant is made for every well-formed ApiKey of a request that reached an
// operation (its journal holds the request, even when it is refused) and by the control API: a refused
// request leaves nothing behind but its journal entry, and the tenant that holds it.
//
// The tenants of a seed (the engine's `initialState`, `--seed-file`) are pinned: their keys are kept
// apart from the others, which are forgotten least recently used first past maxTenants; a pinned
// tenant never is (nor for the records of other tenants, maxRecords), so that requests with other keys,
// even refused ones, never push a seeded tenant out. Pinned tenants do not count toward maxTenants (a
// seed holds at most maxTenants of them). A reset empties a pinned tenant and its key stays pinned.

/** @import { ImageGroup, ImageRecord, ImageStore } from './images.js' */
/** @import { FaultName, Role, SandboxLimits } from '../types.js' */

/**
 * @typedef {{ id: number, phoneNumber: string | null, email: string | null, password: string | null, emailConfirmed: boolean, verified: boolean, implicit?: boolean, note?: string }} User
 * @typedef {{ token: string, role: Role, userId: number | null, expiresAt: number, expired: boolean }} IssuedToken
 * @typedef {{ token: string, role: Role, userId: number | null }} RefreshToken
 * @typedef {{ id: string, channel: 'phone' | 'email', target: string, confirmed: boolean }} OtpRequest
 * @typedef {{ operationId: string, scenario: string, succeeded: boolean, at: number, images: Record<string, ImageRecord>, idNumber: string | null }} StepRecord
 * @typedef {{ id: string, userId: number | null, createdAt: number, updatedAt: number, expiresAt: number, steps: Partial<Record<'front' | 'back' | 'liveness', StepRecord>>, validated: boolean, verified: boolean, linked: boolean, imageGroup: ImageGroup }} Transaction
 * @typedef {{ scenario: string, status: number, remaining: number }} QueuedOutcome
 * @typedef {{ fault: FaultName, delayMs: number, remaining: number }} ArmedFault
 * @typedef {{ userId: number | null, expired: boolean }} ImplicitToken a bearer token the sandbox did not issue but accepted
 */

/**
 * @typedef {object} Tenant
 * @property {string} key the ApiKey value
 * @property {AbortController} lifetime aborted when the tenant is reset or forgotten: its delayed and hung answers end
 * @property {Map<number, User>} users
 * @property {Map<string, number>} userByPhone
 * @property {Map<string, number>} userByEmail
 * @property {number} nextUserId
 * @property {Map<string, IssuedToken>} tokens
 * @property {Map<string, RefreshToken>} refreshTokens
 * @property {Map<string, true>} usedRefreshTokens refresh tokens already rotated: refused even where unknown tokens are welcome
 * @property {Map<string, ImplicitToken>} implicitUsers what an accepted unknown bearer token stands for, by the token's SHA-256
 * @property {Map<string, OtpRequest>} otps
 * @property {Map<string, Transaction>} transactions
 * @property {Map<string, Record<string, string>>} planned outcomes set per transaction, by step
 * @property {Map<string, QueuedOutcome[]>} queue outcomes queued per operation
 * @property {Map<string, ArmedFault[]>} faults faults armed per operation ('*': any)
 * @property {import('./journal.js').JournalState} journal
 * @property {import('./coverage.js').CoverageState} coverage
 * @property {number} records what the store last counted of the tenant's records, for the bound over all tenants
 */

/**
 * What a rule decided to change (see mocks/rules/draft.js).
 * @typedef {object} Changes
 * @property {boolean} dirty
 * @property {number} nextUserId
 * @property {string | null} consumeQueue the operation whose queued outcome was used
 * @property {Map<number, User>} users
 * @property {[string, number | null][]} implicitUsers accepted unknown bearer tokens, by SHA-256, and their user
 * @property {IssuedToken[]} tokens
 * @property {RefreshToken[]} refreshTokens
 * @property {string[]} dropRefreshTokens
 * @property {Map<string, OtpRequest>} otps
 * @property {Map<string, Transaction>} transactions
 */

/** @type {ImageRecord[]} */
const NO_RECORDS = [];

// Expired transactions are swept a few at a time, oldest first, whenever one is created.
const SWEEP_PER_CREATION = 4;

/**
 * @param {string} key
 * @returns {Tenant}
 */
export function newTenant(key) {
  return {
    key,
    lifetime: new AbortController(),
    users: new Map(),
    userByPhone: new Map(),
    userByEmail: new Map(),
    nextUserId: 1,
    tokens: new Map(),
    refreshTokens: new Map(),
    usedRefreshTokens: new Map(),
    implicitUsers: new Map(),
    otps: new Map(),
    transactions: new Map(),
    planned: new Map(),
    queue: new Map(),
    faults: new Map(),
    journal: { entries: [], start: 0, seq: 0, dropped: 0 },
    coverage: { answers: new Map(), faults: new Map() },
    records: 0,
  };
}

/**
 * The records a tenant holds: users, credentials, OTP requests, transactions and planned outcomes
 * (each at most about a kilobyte; the journal and the images have budgets of their own).
 * @param {Tenant} tenant
 */
export const recordsOf = (tenant) =>
  tenant.users.size +
  tenant.tokens.size +
  tenant.refreshTokens.size +
  tenant.usedRefreshTokens.size +
  tenant.implicitUsers.size +
  tenant.otps.size +
  tenant.transactions.size +
  tenant.planned.size;

/**
 * A tenant with nothing in it, for requests whose key has no tenant yet: rules read it, nothing is
 * ever written to it.
 */
export const EMPTY_TENANT = Object.freeze(newTenant(''));

/**
 * Sets a key of a Map kept in insertion order and drops the oldest entries past `max`.
 * @template K, V
 * @param {Map<K, V>} map
 * @param {K} key
 * @param {V} value
 * @param {number} max
 * @param {(value: V, key: K) => void} [onDrop]
 */
export function putBounded(map, key, value, max, onDrop) {
  map.set(key, value);
  while (map.size > max) {
    const [oldestKey, oldest] = /** @type {[K, V]} */ (map.entries().next().value);
    map.delete(oldestKey);
    onDrop?.(oldest, oldestKey);
  }
}

/** @param {string} email */
export const emailKey = (email) => email.toLowerCase();

/**
 * The transaction if the tenant has it and it has not expired (ids are kept lowercase).
 * @param {Tenant} tenant
 * @param {string | null | undefined} id
 * @param {number} now
 */
export function transactionOf(tenant, id, now) {
  if (!id) return null;
  const transaction = tenant.transactions.get(id);
  return transaction && transaction.expiresAt > now ? transaction : null;
}

/** @param {Transaction | undefined} transaction */
function stepRecords(transaction) {
  /** @type {ImageRecord[]} */
  const records = [];
  if (!transaction) return records;
  const steps = /** @type {Record<string, StepRecord>} */ (transaction.steps);
  for (const name in steps) {
    if (!Object.hasOwn(steps, name)) continue;
    const images = /** @type {StepRecord} */ (steps[name]).images;
    for (const field in images) if (Object.hasOwn(images, field)) records.push(/** @type {ImageRecord} */ (images[field]));
  }
  return records;
}

/**
 * @param {SandboxLimits} limits
 * @param {ImageStore} images
 * @param {{ forget(tenant: Tenant): void }} journal told when a tenant is forgotten, for the images only its journal kept
 */
export function createStore(limits, images, journal) {
  /** The tenants of unpinned keys, least recently used first. @type {Map<string, Tenant>} */
  const tenants = new Map();
  /** The keys of a seed, never forgotten for room (see above), and their tenants. @type {Set<string>} */
  const pinnedKeys = new Set();
  /** @type {Map<string, Tenant>} */
  const pinned = new Map();
  // The tenant used last is already the newest in `tenants`: most requests come from the same key as
  // the one before, and moving a key to the end (delete, set) makes the Map shrink and grow again.
  /** @type {string | undefined} */
  let newestKey;
  // Records of every tenant together (see recordsOf); past maxRecords the tenant unused for longest goes.
  let records = 0;

  /** @param {Transaction} transaction */
  const forgetTransaction = (transaction) => images.release(transaction.imageGroup);
  /** @param {Tenant} tenant */
  const forgetTenant = (tenant) => {
    records -= tenant.records;
    tenant.records = 0;
    tenant.lifetime.abort();
    for (const transaction of tenant.transactions.values()) forgetTransaction(transaction);
    journal.forget(tenant);
  };

  /**
   * Past the bound over all tenants' records, the tenants unused for longest go, never `kept` (the one
   * just used); pinned ones only when the unpinned are all gone and the pinned alone are still over it.
   * @param {Tenant} kept
   */
  const boundRecords = (kept) => {
    for (const group of [tenants, pinned]) {
      for (const [key, oldest] of group) {
        if (records <= limits.maxRecords) return;
        if (oldest === kept) continue;
        group.delete(key);
        if (key === newestKey) newestKey = undefined;
        forgetTenant(oldest);
      }
    }
  };

  /** @param {Tenant} tenant */
  const dropUser = (tenant) => (/** @type {User} */ user) => {
    if (user.phoneNumber && tenant.userByPhone.get(user.phoneNumber) === user.id) tenant.userByPhone.delete(user.phoneNumber);
    if (user.email && tenant.userByEmail.get(emailKey(user.email)) === user.id) tenant.userByEmail.delete(emailKey(user.email));
  };

  /** @param {Tenant} tenant @param {User} user */
  const putUser = (tenant, user) => {
    const before = tenant.users.get(user.id);
    if (before) dropUser(tenant)(before);
    putBounded(tenant.users, user.id, user, limits.maxUsersPerTenant, dropUser(tenant));
    if (user.phoneNumber) tenant.userByPhone.set(user.phoneNumber, user.id);
    if (user.email) tenant.userByEmail.set(emailKey(user.email), user.id);
  };

  /** @param {Tenant} tenant @param {Transaction} transaction @param {number} now */
  const putTransaction = (tenant, transaction, now) => {
    const before = tenant.transactions.get(transaction.id);
    const current = stepRecords(transaction);
    const replaced = before ? stepRecords(before).filter((record) => !current.includes(record)) : NO_RECORDS;
    images.keep(transaction.imageGroup, current, replaced);
    if (!before) sweepExpired(tenant, now);
    putBounded(tenant.transactions, transaction.id, transaction, limits.maxTransactionsPerTenant, forgetTransaction);
  };

  /** @param {Tenant} tenant @param {number} now */
  const sweepExpired = (tenant, now) => {
    let looked = 0;
    for (const [id, transaction] of tenant.transactions) {
      if (looked++ >= SWEEP_PER_CREATION) break;
      if (transaction.expiresAt <= now) {
        tenant.transactions.delete(id);
        tenant.planned.delete(id);
        forgetTransaction(transaction);
      }
    }
  };

  return {
    /**
     * The tenant of an ApiKey value, made on first use; the unpinned tenant unused for longest is
     * forgotten past `maxTenants` unpinned ones.
     * @param {string} key
     */
    tenant(key) {
      if (pinnedKeys.has(key)) {
        let tenant = pinned.get(key);
        if (!tenant) pinned.set(key, (tenant = newTenant(key)));
        return tenant;
      }
      let tenant = tenants.get(key);
      if (tenant) {
        if (key !== newestKey) {
          tenants.delete(key);
          tenants.set(key, tenant);
          newestKey = key;
        }
        return tenant;
      }
      tenant = newTenant(key);
      putBounded(tenants, key, tenant, limits.maxTenants, forgetTenant);
      newestKey = key;
      return tenant;
    },
    /**
     * The tenant of an ApiKey value if it exists; never makes one.
     * @param {string} key
     */
    peek(key) {
      return pinned.get(key) ?? tenants.get(key) ?? null;
    },
    /**
     * Puts a tenant built whole elsewhere (an imported state, mocks/store/state.js) in place of its key's:
     * the one it replaces is forgotten as by reset(). Nothing else changes the store, so a tenant is
     * never seen half-imported. With `pin` (a seed's tenants), the key is pinned for the store's life;
     * a key already pinned stays pinned.
     * @param {Tenant} tenant
     * @param {{ pin?: boolean }} [options]
     */
    replace(tenant, { pin = false } = {}) {
      const before = pinned.get(tenant.key) ?? tenants.get(tenant.key);
      if (before) {
        pinned.delete(tenant.key);
        tenants.delete(tenant.key);
        if (tenant.key === newestKey) newestKey = undefined;
        forgetTenant(before);
      }
      if (pin) pinnedKeys.add(tenant.key);
      tenant.records = recordsOf(tenant);
      records += tenant.records;
      if (pinnedKeys.has(tenant.key)) pinned.set(tenant.key, tenant);
      else {
        putBounded(tenants, tenant.key, tenant, limits.maxTenants, forgetTenant);
        newestKey = tenant.key;
      }
      boundRecords(tenant);
    },
    /**
     * Forgets a tenant: its state goes, its delayed and hung answers end.
     * @param {string} key
     */
    reset(key) {
      const tenant = pinned.get(key) ?? tenants.get(key);
      if (!tenant) return;
      if (key === newestKey) newestKey = undefined;
      pinned.delete(key);
      tenants.delete(key);
      forgetTenant(tenant);
    },
    /** Every tenant: the pinned ones, then the others least recently used first. */
    *all() {
      yield* pinned.values();
      yield* tenants.values();
    },
    get size() {
      return pinned.size + tenants.size;
    },
    /** Whether a key is pinned (a seed's): its tenant is never forgotten for room. @param {string} key */
    isPinned(key) {
      return pinnedKeys.has(key);
    },
    /** The records every tenant holds together (as last counted). */
    get records() {
      return records;
    },

    /**
     * Applies the changes a rule described.
     * @param {Tenant} tenant
     * @param {Changes} changes
     * @param {number} now
     */
    commit(tenant, changes, now) {
      if (!changes.dirty) return;
      tenant.nextUserId = Math.max(tenant.nextUserId, changes.nextUserId);
      for (const user of changes.users.values()) putUser(tenant, user);
      for (const [digest, userId] of changes.implicitUsers) {
        putBounded(tenant.implicitUsers, digest, { userId, expired: tenant.implicitUsers.get(digest)?.expired ?? false }, limits.maxCredentialsPerTenant);
      }
      for (const token of changes.tokens) putBounded(tenant.tokens, token.token, token, limits.maxCredentialsPerTenant);
      for (const token of changes.dropRefreshTokens) {
        tenant.refreshTokens.delete(token);
        putBounded(tenant.usedRefreshTokens, token, true, limits.maxCredentialsPerTenant);
      }
      for (const token of changes.refreshTokens) putBounded(tenant.refreshTokens, token.token, token, limits.maxCredentialsPerTenant);
      for (const otp of changes.otps.values()) putBounded(tenant.otps, otp.id, otp, limits.maxCredentialsPerTenant);
      for (const transaction of changes.transactions.values()) putTransaction(tenant, transaction, now);
      if (changes.consumeQueue) {
        const queue = tenant.queue.get(changes.consumeQueue);
        const head = queue?.[0];
        if (queue && head) {
          head.remaining -= 1;
          if (head.remaining <= 0) queue.shift();
          if (queue.length === 0) tenant.queue.delete(changes.consumeQueue);
        }
      }
      const counted = recordsOf(tenant);
      records += counted - tenant.records;
      tenant.records = counted;
      // Past the bound over all tenants, the tenants unused for longest go (never the one just used).
      if (records > limits.maxRecords) boundRecords(tenant);
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */
