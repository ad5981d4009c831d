// The typed helper of `vlens-digital-identity/mock` for the control API: one method per operation of
// openapi/sandbox/openapi.yaml, bound to a mock's URL and a tenant's ApiKey. Plain fetch, so it also
// steers a mock running in another process or a container.

/** A control call the mock refused; `problem` is its RFC 9457 problem detail. */
export class SandboxControlError extends Error {
  constructor(status, problem) {
    super(`The sandbox control API answered ${status}: ${problem?.detail ?? problem?.title ?? 'no detail'}`);
    this.name = 'SandboxControlError';
    this.status = status;
    this.problem = problem;
  }
}

export function createSandboxControl({ baseUrl, apiKey, fetch = globalThis.fetch } = {}) {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) throw new TypeError('createSandboxControl needs baseUrl, the mock\'s URL (http://...)');
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('createSandboxControl needs apiKey: the ApiKey of the tenant to steer');
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (method, path, body) => {
    const headers = { ApiKey: apiKey, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${base}/__vlens${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const json = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw new SandboxControlError(response.status, json);
    return json;
  };
  const id = (transactionId) => encodeURIComponent(transactionId);
  return {
    health: () => call('GET', '/health'),
    scenarios: () => call('GET', '/scenarios'),
    reset: () => call('POST', '/reset'),
    transaction: (transactionId) => call('GET', `/transactions/${id(transactionId)}`),
    setTransactionOutcomes: (transactionId, outcomes) => call('PUT', `/transactions/${id(transactionId)}/outcomes`, outcomes),
    queueOutcome: (outcome) => call('POST', '/outcomes', outcome),
    addFault: (fault) => call('POST', '/faults', fault),
    expireTokens: () => call('POST', '/tokens/expire'),
    requests(query = {}) {
      const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]));
      return call('GET', `/requests${search.size ? `?${search}` : ''}`);
    },
  };
}
