// The sandbox's options, checked where they enter: a value out of range is a RangeError (a wrong
// type a TypeError) naming the option and what it takes, never a failure much later.

/** @import { SandboxLimits, SandboxOptions } from '../types.js' */

/** @type {SandboxLimits & { journalBudgetBytes: number }} */
export const DEFAULT_LIMITS = {
  imageBudgetBytes: 256 * 1024 * 1024,
  journalLimit: 1000,
  journalBudgetBytes: 64 * 1024 * 1024,
  transactionTtlSeconds: 24 * 60 * 60,
  maxTenants: 1000,
  maxTransactionsPerTenant: 10_000,
  maxUsersPerTenant: 10_000,
  maxCredentialsPerTenant: 20_000,
  maxRecords: 200_000,
  maxBodyBytes: 30_000_000,
  requestTimeoutSeconds: 120,
};

// The largest value each limit takes: beyond these, dates overflow (a TTL of 2^53 ms is no date) or
// the number stops being a count.
/** @type {Record<keyof typeof DEFAULT_LIMITS, [number, number, string]>} */
const RANGES = {
  imageBudgetBytes: [0, 2 ** 42, 'bytes'],
  journalLimit: [0, 1_000_000, 'entries'],
  journalBudgetBytes: [0, 2 ** 40, 'bytes'],
  // 100 years: a transaction's expiry must stay a valid date.
  transactionTtlSeconds: [1, 100 * 365 * 24 * 60 * 60, 'seconds'],
  maxTenants: [1, 1_000_000, 'tenants'],
  maxTransactionsPerTenant: [1, 10_000_000, 'transactions'],
  maxUsersPerTenant: [1, 10_000_000, 'users'],
  maxCredentialsPerTenant: [1, 10_000_000, 'credentials'],
  maxRecords: [100, 100_000_000, 'records'],
  maxBodyBytes: [1024, 2 ** 31, 'bytes'],
  requestTimeoutSeconds: [1, 86_400, 'seconds'],
};
/** The limits that take a fraction (seconds of a timeout). */
const FRACTIONAL = new Set(['requestTimeoutSeconds']);

/**
 * The limits in force: the defaults, with each option given checked.
 * @param {SandboxOptions} options
 * @returns {typeof DEFAULT_LIMITS}
 */
export function checkOptions(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('createSandbox takes an options object');
  const limits = { ...DEFAULT_LIMITS };
  for (const name of /** @type {(keyof typeof DEFAULT_LIMITS)[]} */ (Object.keys(RANGES))) {
    const value = /** @type {Record<string, unknown>} */ (options)[name];
    if (value === undefined) continue;
    const [min, max, unit] = RANGES[name];
    if (typeof value !== 'number' || !(FRACTIONAL.has(name) ? Number.isFinite(value) : Number.isInteger(value))) {
      throw new TypeError(`${name} must be a ${FRACTIONAL.has(name) ? 'number' : 'whole number'} of ${unit}, got ${describe(value)}`);
    }
    if (value < min || value > max) throw new RangeError(`${name} must be from ${min} to ${max} ${unit}, got ${value}`);
    limits[name] = value;
  }
  for (const name of ['stateless', 'strictTokens']) {
    const value = /** @type {Record<string, unknown>} */ (options)[name];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
  }
  if (options.seed !== undefined && typeof options.seed !== 'string' && typeof options.seed !== 'number')
    throw new TypeError(`seed must be a string or a number, got ${describe(options.seed)}`);
  // The document itself is checked when it loads (Sandbox.ready): that needs the description's examples.
  if (options.initialState !== undefined && (options.initialState === null || typeof options.initialState !== 'object' || Array.isArray(options.initialState))) {
    throw new TypeError(
      `initialState must be a seed document ({ format: "vlens-sandbox-seed", version: 1, tenants }), got ${Array.isArray(options.initialState) ? 'an array' : describe(options.initialState)}`,
    );
  }
  if (
    options.allowOrigins !== undefined &&
    (!Array.isArray(options.allowOrigins) || options.allowOrigins.some((origin) => typeof origin !== 'string' || !/^https?:\/\/[^/\s]+$/.test(origin)))
  ) {
    throw new TypeError('allowOrigins must be a list of origins such as https://qa.example.com or http://localhost:*');
  }
  if (
    options.allowHosts !== undefined &&
    (!Array.isArray(options.allowHosts) || options.allowHosts.some((host) => typeof host !== 'string' || !/^(\*|\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*)$/i.test(host)))
  ) {
    throw new TypeError('allowHosts must be a list of host names such as qa.example.com, .example.com (and its subdomains) or *');
  }
  return limits;
}

/** @param {unknown} value */
function describe(value) {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return value === null ? 'null' : typeof value;
}
