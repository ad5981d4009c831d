// The credentials check the real service makes first: the ApiKey header, and the bearer token where
// the operation needs one, in form only (who the token is, the sandbox's rules decide). Each problem
// names the header, never the value sent: keys and tokens must not end up in answers or logs.

/** @import { OperationModel, SecuritySchemeModel, Violation } from '../types.js' */
/** @typedef {{ get(name: string): string | null }} HeaderReader */

// RFC 7230 token characters would be stricter; the vendor documents no format for the key, so any
// single run of visible ASCII is accepted and only absent, empty or spaced values are malformed.
export const API_KEY = /^[\x21-\x7e]{1,4096}$/;
// RFC 6750 b64token after the Bearer scheme. JWTs fit; signatures and expiry are the rules' business.
const BEARER = /^Bearer +[A-Za-z0-9\-._~+/]+=*$/i;
export const MAX_BEARER_LENGTH = 16384;

/** @param {unknown} key */
export const isApiKey = (key) => typeof key === 'string' && API_KEY.test(key);

/**
 * @param {SecuritySchemeModel} scheme
 * @param {HeaderReader} headers
 * @returns {Violation | null}
 */
function checkScheme(scheme, headers) {
  if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) {
    const value = headers.get(scheme.name);
    if (value === null) return { field: scheme.name, message: `The ${scheme.name} header is missing.` };
    if (!API_KEY.test(value)) return { field: scheme.name, message: `The ${scheme.name} header is malformed: send the key as one run of visible characters.` };
    return null;
  }
  if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') {
    const value = headers.get('authorization');
    /** @param {string} what */
    const wanted = (what) => ({
      field: 'Authorization',
      message: `The Authorization header is ${what}. This operation needs a ${scheme.key} token: send Authorization: Bearer <token>.`,
    });
    if (value === null) return wanted('missing');
    if (value.length > MAX_BEARER_LENGTH || !BEARER.test(value)) return wanted('malformed');
    return null;
  }
  return null;
}

/**
 * The operation's security is a list of alternatives; a request passes when one alternative passes.
 * @param {OperationModel} operation
 * @param {HeaderReader} headers
 * @returns {Violation[]} the first failing alternative's problems, or [] when one passes
 */
export function checkCredentials(operation, headers) {
  if (operation.security.length === 0) return PASSED;
  /** @type {Violation[] | null} */
  let firstFailure = null;
  for (const alternative of operation.security) {
    /** @type {Violation[] | null} */
    let problems = null;
    for (const scheme of alternative) {
      const problem = checkScheme(scheme, headers);
      if (problem) (problems ??= []).push(problem);
    }
    if (problems === null) return PASSED;
    firstFailure ??= problems;
  }
  return firstFailure ?? PASSED;
}

/** What a request that passes gets: no problem (shared, never written). @type {Violation[]} */
const PASSED = /** @type {Violation[]} */ (/** @type {unknown} */ (Object.freeze([])));

/**
 * The token of an `Authorization: Bearer` header (checked already), or '' when there is none.
 * @param {HeaderReader} headers
 */
export function bearerToken(headers) {
  return (headers.get('authorization') ?? '').replace(/^bearer +/i, '');
}
