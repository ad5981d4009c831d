// Faults armed with `POST /__vlens/faults`: the next calls of an operation (or of any operation) fail
// the way networks and gateways do. `hang`, `reset` and `html502` strike before the sandbox sees the
// request, so nothing changes; `delay` and `truncated` strike after it was handled, so the state
// changed and the answer is late or lost. The engine decides which fault strikes; each adapter strikes
// it as its medium allows (a Node socket is reset or left hanging; a web Response is an error or a
// body that breaks off). A tenant's reset ends its delayed and hung answers at once.

/** @import { FaultName, StruckFault } from '../types.js' */
/** @import { Tenant } from '../store/tenants.js' */

/** @type {Record<FaultName, string>} */
export const FAULTS = {
  delay: 'The answer comes delayMs later (default 1000).',
  hang: 'No answer ever: the connection stays open until the client gives up, the tenant is reset or the mock stops (in a browser or a test process: until the caller aborts, the tenant is reset or the sandbox is closed, then a network error).',
  reset: 'The connection is dropped before any answer (in a browser or a test process: a network error).',
  html502: "A gateway's HTML error page with status 502.",
  truncated: "The answer's headers promise the whole body; half of it is sent, then the connection is dropped (in a browser or a test process: the body breaks off).",
};
/** @type {Set<FaultName>} */
export const BEFORE_HANDLING = new Set(['hang', 'reset', 'html502']);
export const ANY_OPERATION = '*';
export const DEFAULT_DELAY_MS = 1000;

export const GATEWAY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/**
 * Takes the next fault armed for the operation (its own first, then one for every operation), or null.
 * @param {Tenant} tenant
 * @param {string} operationId
 * @returns {StruckFault | null}
 */
export function takeFault(tenant, operationId) {
  // Nearly every request finds no fault armed: that is answered without a look at either key.
  if (tenant.faults.size === 0) return null;
  for (const key of [operationId, ANY_OPERATION]) {
    const armed = tenant.faults.get(key);
    const fault = armed?.[0];
    if (!armed || !fault) continue;
    fault.remaining -= 1;
    if (fault.remaining <= 0) armed.shift();
    if (armed.length === 0) tenant.faults.delete(key);
    return { fault: fault.fault, delayMs: fault.delayMs };
  }
  return null;
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (to false then).
 * @param {number} ms
 * @param {AbortSignal[]} signals
 * @returns {Promise<boolean>} true when the time ran out
 */
export function wait(ms, signals) {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) return resolve(false);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const done = (/** @type {boolean} */ elapsed) => {
      if (timer !== undefined) clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', aborted);
      resolve(elapsed);
    };
    const aborted = () => done(false);
    for (const signal of signals) signal.addEventListener('abort', aborted, { once: true });
    if (Number.isFinite(ms)) timer = setTimeout(() => done(true), ms);
  });
}
