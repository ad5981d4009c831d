// The typed helper for the control API: one method per operation of openapi/sandbox/openapi.yaml,
// bound to a sandbox's URL and a tenant's ApiKey. Plain fetch, so it steers a sandbox in another
// process, a container, or (given a fetch that calls the engine) in this one.

/** @import { ControlSchemas as Schemas, CoverageQuery, JournalQuery, SandboxControl } from '../types.js' */

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
    const response = await send(method, path, body, 'application/json');
    const text = await response.text();
    return text === '' ? undefined : JSON.parse(text);
  };
  /**
   * The answer of a control call; a refusal rejects with its problem detail.
   * @param {string} method
   * @param {string} path
   * @param {unknown} body
   * @param {string} accept
   */
  const send = async (method, path, body, accept) => {
    /** @type {Record<string, string>} */
    const headers = { ApiKey: apiKey, Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${base}/__vlens${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) {
      const text = await response.text();
      let problem;
      try {
        problem = text === '' ? undefined : JSON.parse(text);
      } catch {
        problem = undefined;
      }
      throw new SandboxControlError(response.status, problem);
    }
    return response;
  };
  /** @param {string} transactionId */
  const id = (transactionId) => encodeURIComponent(transactionId);
  /** @param {Record<string, unknown>} query */
  const search = (query) => {
    const params = new URLSearchParams(
      Object.entries(query)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
    );
    return params.size ? `?${params}` : '';
  };
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
     * @param {JournalQuery} [query]
     * @returns {Promise<Schemas['Journal']>}
     */
    requests: (query = {}) => call('GET', `/requests${search({ ...query })}`),
    /** @param {number} seq @returns {Promise<Schemas['JournalEntryDetail']>} */
    request: (seq) => call('GET', `/requests/${encodeURIComponent(String(seq))}`),
    /** @param {{ limit?: number }} [query] @returns {Promise<Schemas['TransactionList']>} */
    transactions: (query = {}) => call('GET', `/transactions${search({ ...query })}`),
    /**
     * @param {string} transactionId
     * @param {'front' | 'back' | 'liveness'} step
     * @param {'image' | 'face_1' | 'face_2' | 'face_3'} field
     */
    async transactionImage(transactionId, step, field) {
      const response = await send('GET', `/transactions/${id(transactionId)}/steps/${encodeURIComponent(step)}/images/${encodeURIComponent(field)}`, undefined, 'image/*');
      return { contentType: response.headers.get('content-type') ?? 'application/octet-stream', bytes: new Uint8Array(await response.arrayBuffer()) };
    },
    /** @param {CoverageQuery} [query] @returns {Promise<Schemas['Coverage']>} */
    coverage: (query = {}) => call('GET', `/coverage${search({ ...query })}`),
    /**
     * @param {'markdown' | 'junit'} format
     * @param {CoverageQuery & { unhit?: 'failure' | 'skip' }} [query]
     */
    async coverageReport(format, query = {}) {
      const response = await send('GET', `/coverage${search({ ...query, format })}`, undefined, format === 'junit' ? 'application/xml' : 'text/markdown');
      return response.text();
    },
    /** @returns {Promise<Schemas['State']>} */
    state: () => call('GET', '/state'),
    /** @param {Schemas['State']} state @returns {Promise<Schemas['StateSummary']>} */
    replaceState: (state) => call('PUT', '/state', state),
  };
}
