// A change set over a tenant: the rules read the tenant through it, so they see what they already
// decided, and write only to it; the store commits it (mocks/store/tenants.js). Its methods are shared
// by every draft (one per request: made on every call, it must cost nothing but itself).
import { emailKey, transactionOf } from '../store/tenants.js';

/** @import { Changes, OtpRequest, Tenant, Transaction, User } from '../store/tenants.js' */

/**
 * @typedef {object} Draft
 * @property {Tenant} tenant
 * @property {Changes} changes
 * @property {() => Changes} touch marks the change set as changed
 * @property {(id: number | null | undefined) => User | null} user
 * @property {(phone: string | null | undefined) => User | null} userByPhone
 * @property {(email: string | null | undefined) => User | null} userByEmail
 * @property {(fields: Partial<User>) => User} newUser
 * @property {(user: User) => void} putUser
 * @property {(id: string | null, now: number) => Transaction | null} transaction
 * @property {(transaction: Transaction) => void} putTransaction
 * @property {(id: string | null | undefined) => OtpRequest | null} otp
 * @property {(otp: OtpRequest) => void} putOtp
 */

// Until a draft's first change, its collections are these shared empty ones (read, never written:
// every write goes through touch(), which gives the draft its own lists, or through the methods
// below, which give it its own map of what they write: most requests change one kind of record).
const NONE = Object.freeze({ users: new Map(), otps: new Map(), transactions: new Map() });
/** @type {never[]} */
const NO_ITEMS = /** @type {never[]} */ (Object.freeze([]));

/** @param {Changes} changes */
const ownUsers = (changes) => (changes.users === NONE.users ? (changes.users = new Map()) : changes.users);

/** @type {Omit<Draft, 'tenant' | 'changes'>} */
const METHODS = {
  touch() {
    const { changes } = /** @type {Draft} */ (this);
    if (!changes.dirty) {
      changes.dirty = true;
      changes.implicitUsers = [];
      changes.tokens = [];
      changes.refreshTokens = [];
      changes.dropRefreshTokens = [];
    }
    return changes;
  },
  user(id) {
    if (id === null || id === undefined) return null;
    const { changes, tenant } = /** @type {Draft} */ (this);
    return changes.users.get(id) ?? tenant.users.get(id) ?? null;
  },
  userByPhone(phone) {
    if (!phone) return null;
    const { changes, tenant } = /** @type {Draft} */ (this);
    for (const user of changes.users.values()) if (user.phoneNumber === phone) return user;
    const id = tenant.userByPhone.get(phone);
    return id === undefined ? null : this.user(id);
  },
  userByEmail(email) {
    if (!email) return null;
    const { changes, tenant } = /** @type {Draft} */ (this);
    for (const user of changes.users.values()) if (user.email && emailKey(user.email) === emailKey(email)) return user;
    const id = tenant.userByEmail.get(emailKey(email));
    return id === undefined ? null : this.user(id);
  },
  newUser(fields) {
    const changes = this.touch();
    /** @type {User} */
    const user = { id: changes.nextUserId++, phoneNumber: null, email: null, password: null, emailConfirmed: false, verified: false, ...fields };
    ownUsers(changes).set(user.id, user);
    return user;
  },
  putUser(user) {
    ownUsers(this.touch()).set(user.id, user);
  },
  transaction(id, now) {
    if (!id) return null;
    const { changes, tenant } = /** @type {Draft} */ (this);
    return changes.transactions.get(id) ?? transactionOf(tenant, id, now);
  },
  putTransaction(transaction) {
    const changes = this.touch();
    if (changes.transactions === NONE.transactions) changes.transactions = new Map();
    changes.transactions.set(transaction.id, transaction);
  },
  otp(id) {
    if (!id) return null;
    const { changes, tenant } = /** @type {Draft} */ (this);
    return changes.otps.get(id) ?? tenant.otps.get(id) ?? null;
  },
  putOtp(otp) {
    const changes = this.touch();
    if (changes.otps === NONE.otps) changes.otps = new Map();
    changes.otps.set(otp.id, otp);
  },
};

/**
 * A draft of changes over a tenant.
 * @param {Tenant} tenant
 * @returns {Draft}
 */
export function draft(tenant) {
  /** @type {Draft} */
  const state = Object.create(METHODS);
  state.tenant = tenant;
  state.changes = {
    dirty: false,
    nextUserId: tenant.nextUserId,
    consumeQueue: null,
    users: NONE.users,
    implicitUsers: NO_ITEMS,
    tokens: NO_ITEMS,
    refreshTokens: NO_ITEMS,
    dropRefreshTokens: NO_ITEMS,
    otps: NONE.otps,
    transactions: NONE.transactions,
  };
  return state;
}
