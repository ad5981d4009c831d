// The typed helper for the control API: one method per operation of openapi/sandbox/openapi.yaml,
// bound to a sandbox's URL and a tenant's ApiKey. Plain fetch, so it steers a sandbox in another
// process, a container, or (given a fetch that calls the engine) in this one.

/** @import { ControlSchemas as Schemas, SandboxControl } from '../types.js' */

/**
 * A control call the sandbox refused; `problem` is its RFC 9457 problem detail.
 */
export class SandboxControlError extends Error {
  /**
   * @param {number} status
   * @param {Schemas['Problem'] | undefined} problem
   */
  constructor(status, problem) {
    super(`The sandbox control API answered ${status}: ${problem?.detail ?? problem?.title ?? 'no detail'}`);
    this.name = 'SandboxControlError';
    /** The HTTP status the sandbox answered. */
    this.status = status;
    /** Its RFC 9457 problem detail (every refusal of the control API has one). */
    this.problem = /** @type {Schemas['Problem']} */ (problem ?? { status, title: 'No detail', detail: 'The sandbox answered without a problem detail.' });
  }
}

/**
 * @typedef {object} SandboxControlOptions
 * @property {string} baseUrl the sandbox's URL (`http://127.0.0.1:4010`)
 * @property {string} apiKey the ApiKey of the tenant to steer
 * @property {(input: string, init?: RequestInit) => Promise<Response>} [fetch] default: globalThis.fetch
 */

/**
 * The control API of one tenant. Each method resolves to the answer's body and rejects with a
 * SandboxControlError when the sandbox refuses the call.
 * @param {SandboxControlOptions} options
 * @returns {SandboxControl}
 */
export function createSandboxControl({ baseUrl, apiKey, fetch = globalThis.fetch } = /** @type {SandboxControlOptions} */ ({})) {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) throw new TypeError("createSandboxControl needs baseUrl, the mock's URL (http://...)");
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('createSandboxControl needs apiKey: the ApiKey of the tenant to steer');
  const base = baseUrl.replace(/\/+$/, '');
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  const call = async (method, path, body) => {
    /** @type {Record<string, string>} */
    const headers = { ApiKey: apiKey, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${base}/__vlens${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const json = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw new SandboxControlError(response.status, json);
    return json;
  };
  /** @param {string} transactionId */
  const id = (transactionId) => encodeURIComponent(transactionId);
  return {
    /** @returns {Promise<Schemas['Health']>} */
    health: () => call('GET', '/health'),
    /** @returns {Promise<Schemas['Catalog']>} */
    scenarios: () => call('GET', '/scenarios'),
    /** Forgets the tenant: users, tokens, transactions, images, steering, journal; its delayed and hung answers end. @returns {Promise<undefined>} */
    reset: async () => {
      await call('POST', '/reset');
    },
    /** @param {string} transactionId @returns {Promise<Schemas['Transaction']>} */
    transaction: (transactionId) => call('GET', `/transactions/${id(transactionId)}`),
    /** @param {string} transactionId @param {Schemas['StepOutcomes']} outcomes @returns {Promise<Schemas['TransactionOutcomes']>} */
    setTransactionOutcomes: (transactionId, outcomes) => call('PUT', `/transactions/${id(transactionId)}/outcomes`, outcomes),
    /** @param {Schemas['QueuedOutcome']} outcome @returns {Promise<Schemas['QueuedOutcomeResult']>} */
    queueOutcome: (outcome) => call('POST', '/outcomes', outcome),
    /** @param {Schemas['Fault']} fault @returns {Promise<Schemas['FaultResult']>} */
    addFault: (fault) => call('POST', '/faults', fault),
    /** @returns {Promise<Schemas['ExpiredTokens']>} */
    expireTokens: () => call('POST', '/tokens/expire'),
    /**
     * @param {{ operationId?: string, limit?: number }} [query]
     * @returns {Promise<Schemas['Journal']>}
     */
    requests(query = {}) {
      const search = new URLSearchParams(
        Object.entries(query)
          .filter(([, value]) => value !== undefined)
          .map(([name, value]) => [name, String(value)]),
      );
      return call('GET', `/requests${search.size ? `?${search}` : ''}`);
    },
  };
}
