// A change set over a tenant: the rules read the tenant through it, so they see what they already
// decided, and write only to it; the store commits it (mocks/store/tenants.js). Most calls change
// nothing, so its collections are made on the first change.
import { emailKey, transactionOf } from '../store/tenants.js';

/** @import { Changes, OtpRequest, Tenant, Transaction, User } from '../store/tenants.js' */

/** @param {Tenant} tenant */
export function draft(tenant) {
  /** @type {Changes} */
  const changes = {
    dirty: false,
    nextUserId: tenant.nextUserId,
    consumeQueue: null,
    users: new Map(),
    implicitUsers: [],
    tokens: [],
    refreshTokens: [],
    dropRefreshTokens: [],
    otps: new Map(),
    transactions: new Map(),
  };
  const touch = () => {
    changes.dirty = true;
    return changes;
  };
  return {
    tenant,
    changes,
    touch,
    /** @param {number | null | undefined} id @returns {User | null} */
    user(id) {
      if (id === null || id === undefined) return null;
      return changes.users.get(id) ?? tenant.users.get(id) ?? null;
    },
    /** @param {string | null | undefined} phone */
    userByPhone(phone) {
      if (!phone) return null;
      for (const user of changes.users.values()) if (user.phoneNumber === phone) return user;
      const id = tenant.userByPhone.get(phone);
      return id === undefined ? null : this.user(id);
    },
    /** @param {string | null | undefined} email */
    userByEmail(email) {
      if (!email) return null;
      for (const user of changes.users.values()) if (user.email && emailKey(user.email) === emailKey(email)) return user;
      const id = tenant.userByEmail.get(emailKey(email));
      return id === undefined ? null : this.user(id);
    },
    /**
     * @param {Partial<User>} fields
     * @returns {User}
     */
    newUser(fields) {
      touch();
      /** @type {User} */
      const user = { id: changes.nextUserId++, phoneNumber: null, email: null, password: null, emailConfirmed: false, verified: false, ...fields };
      changes.users.set(user.id, user);
      return user;
    },
    /** @param {User} user */
    putUser(user) {
      touch().users.set(user.id, user);
    },
    /** @param {string | null} id @param {number} now @returns {Transaction | null} */
    transaction(id, now) {
      if (!id) return null;
      return changes.transactions.get(id) ?? transactionOf(tenant, id, now);
    },
    /** @param {Transaction} transaction */
    putTransaction(transaction) {
      touch().transactions.set(transaction.id, transaction);
    },
    /** @param {string | null | undefined} id @returns {OtpRequest | null} */
    otp(id) {
      if (!id) return null;
      return changes.otps.get(id) ?? tenant.otps.get(id) ?? null;
    },
    /** @param {OtpRequest} otp */
    putOtp(otp) {
      touch().otps.set(otp.id, otp);
    },
  };
}

/** @typedef {ReturnType<typeof draft>} Draft */
