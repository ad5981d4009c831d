// Where the sandbox keeps its state: one tenant per ApiKey value, each with its users, tokens, OTP
// requests, transactions, steering (queued outcomes, faults, per-transaction outcomes) and journal.
// The flow rules (rules.js) only read a tenant and describe changes; commit() applies them, and is the
// one place that enforces the bounds: tenants, users, tokens, OTP requests and transactions are capped
// (the oldest go first), transactions expire, images stay within the image budget (images.js).

export const DEFAULT_LIMITS = {
  imageBudgetBytes: 256 * 1024 * 1024,
  journalLimit: 1000,
  transactionTtlSeconds: 24 * 60 * 60,
  maxTenants: 1000,
  maxTransactionsPerTenant: 10_000,
  maxUsersPerTenant: 10_000,
  // Issued tokens, refresh tokens and OTP requests per tenant: not in the catalog, same reason.
  maxCredentialsPerTenant: 20_000,
};
// Expired transactions are swept a few at a time, oldest first, whenever one is created.
const SWEEP_PER_CREATION = 4;

function newTenant() {
  return {
    users: new Map(),
    userByPhone: new Map(),
    userByEmail: new Map(),
    nextUserId: 1,
    tokens: new Map(),
    refreshTokens: new Map(),
    // Refresh tokens already rotated: refused even where unknown tokens are welcome.
    usedRefreshTokens: new Map(),
    implicitUsers: new Map(),
    otps: new Map(),
    transactions: new Map(),
    planned: new Map(),
    queue: new Map(),
    faults: new Map(),
    journal: { entries: [], start: 0, seq: 0, dropped: 0 },
  };
}

/** Sets a key of a Map kept in insertion order and drops the oldest entries past `max`. */
function putBounded(map, key, value, max, onDrop) {
  map.set(key, value);
  while (map.size > max) {
    const [oldestKey, oldest] = map.entries().next().value;
    map.delete(oldestKey);
    onDrop?.(oldest, oldestKey);
  }
}

export const emailKey = (email) => email.toLowerCase();

/** The transaction if the tenant has it and it has not expired (ids are kept lowercase). */
export function transactionOf(tenant, id, now) {
  if (!id) return null;
  const transaction = tenant.transactions.get(id);
  return transaction && transaction.expiresAt > now ? transaction : null;
}

function stepRecords(transaction) {
  const records = [];
  for (const step in transaction?.steps) for (const field in transaction.steps[step].images) records.push(transaction.steps[step].images[field]);
  return records;
}

/** `journal`: told when a tenant is forgotten, for the images only its journal kept. */
export function createStore(limits, images, journal) {
  const tenants = new Map();
  // The tenant used last is already the newest in `tenants`: most requests come from the same key as
  // the one before, and moving a key to the end (delete, set) makes the Map shrink and grow again.
  let newestKey;

  const forgetTransaction = (transaction) => images.release(transaction.imageGroup);
  const forgetTenant = (tenant) => {
    for (const transaction of tenant.transactions.values()) forgetTransaction(transaction);
    journal?.forget(tenant);
  };

  const dropUser = (tenant) => (user) => {
    if (user.phoneNumber && tenant.userByPhone.get(user.phoneNumber) === user.id) tenant.userByPhone.delete(user.phoneNumber);
    if (user.email && tenant.userByEmail.get(emailKey(user.email)) === user.id) tenant.userByEmail.delete(emailKey(user.email));
  };

  const putUser = (tenant, user) => {
    const before = tenant.users.get(user.id);
    if (before) dropUser(tenant)(before);
    putBounded(tenant.users, user.id, user, limits.maxUsersPerTenant, dropUser(tenant));
    if (user.phoneNumber) tenant.userByPhone.set(user.phoneNumber, user.id);
    if (user.email) tenant.userByEmail.set(emailKey(user.email), user.id);
  };

  const putTransaction = (tenant, transaction, now) => {
    const before = tenant.transactions.get(transaction.id);
    const current = stepRecords(transaction);
    const replaced = before ? stepRecords(before).filter((record) => !current.includes(record)) : [];
    images.keep(transaction.imageGroup, current, replaced);
    if (!before) sweepExpired(tenant, now);
    putBounded(tenant.transactions, transaction.id, transaction, limits.maxTransactionsPerTenant, forgetTransaction);
  };

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
    /** The tenant of an ApiKey value, made on first use; the tenant unused for longest is forgotten past `maxTenants`. */
    tenant(key) {
      let tenant = tenants.get(key);
      if (tenant) {
        if (key !== newestKey) {
          tenants.delete(key);
          tenants.set(key, tenant);
          newestKey = key;
        }
        return tenant;
      }
      tenant = newTenant();
      putBounded(tenants, key, tenant, limits.maxTenants, forgetTenant);
      newestKey = key;
      return tenant;
    },
    reset(key) {
      const tenant = tenants.get(key);
      if (!tenant) return;
      if (key === newestKey) newestKey = undefined;
      tenants.delete(key);
      forgetTenant(tenant);
    },
    get size() {
      return tenants.size;
    },

    /** Applies the changes a rule described (see rules.js: `draft`). */
    commit(tenant, changes, now) {
      if (!changes.dirty) return;
      tenant.nextUserId = Math.max(tenant.nextUserId, changes.nextUserId);
      for (const user of changes.users.values()) putUser(tenant, user);
      for (const [token, userId] of changes.implicitUsers) putBounded(tenant.implicitUsers, token, userId, limits.maxCredentialsPerTenant);
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
        queue[0].remaining -= 1;
        if (queue[0].remaining <= 0) queue.shift();
        if (queue.length === 0) tenant.queue.delete(changes.consumeQueue);
      }
    },
  };
}
