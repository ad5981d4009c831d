// Cross-origin answers. The API answers any origin (`*`, no credentials: nothing here uses cookies),
// so apps under test in a browser keep working, preflights included. The control API answers a page
// only from the sandbox's own origin, loopback origins, or origins listed with --allow-origin: a
// public page open in a developer's browser cannot read or reset a tenant.

/** @typedef {{ get(name: string): string | null }} HeaderReader */

export const LOOPBACK_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*', 'https://localhost:*', 'https://127.0.0.1:*', 'https://[::1]:*'];

// A name under .localhost is loopback too (RFC 6761; browsers resolve it to 127.0.0.1 without DNS), as
// the control API's Host policy already has it: `http://app.localhost:3000` is a local page.
const LOCALHOST_SUBDOMAIN = /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+localhost(?::\d{1,5})?$/;

/**
 * Whether an origin matches a pattern: an exact origin, or one whose port is `*`.
 * @param {string} origin
 * @param {string} pattern
 */
export function originMatches(origin, pattern) {
  if (pattern === '*') return true;
  if (!pattern.endsWith(':*')) return origin === pattern;
  const base = pattern.slice(0, -2);
  return origin === base || (origin.startsWith(`${base}:`) && /^\d{1,5}$/.test(origin.slice(base.length + 1)));
}

/**
 * The CORS headers of an answer, or null when the control API must refuse the origin.
 * @param {'api' | 'control'} api
 * @param {string | null} origin the request's Origin header
 * @param {string | undefined} self the sandbox's own origin as the client reached it
 * @param {string[]} allowed --allow-origin patterns, besides the loopback ones
 * @returns {Record<string, string> | null}
 */
export function corsFor(api, origin, self, allowed) {
  if (api === 'api') return { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' };
  if (origin === null) return {};
  const permitted = origin === self || LOCALHOST_SUBDOMAIN.test(origin) || [...LOOPBACK_ORIGINS, ...allowed].some((pattern) => originMatches(origin, pattern));
  if (!permitted) return null;
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': '*', vary: 'origin' };
}

/**
 * The answer to a CORS preflight: the methods the path takes (or the usual ones), the headers asked for.
 * @param {HeaderReader} headers
 * @param {string[] | null} methods
 * @returns {import('../types.js').Answer}
 */
export function preflight(headers, methods) {
  return {
    status: 204,
    headers: {
      'access-control-allow-methods': methods ? [...methods, 'OPTIONS'].join(', ') : 'GET, POST, PUT, OPTIONS',
      'access-control-allow-headers': (headers.get('access-control-request-headers') ?? '*').slice(0, 2048),
      'access-control-max-age': '600',
    },
    scenario: 'preflight',
  };
}
