// `vlens-digital-identity/msw`: the sandbox as Mock Service Worker request handlers, for a browser
// (`setupWorker`), a test process (`setupServer`) or React Native (`msw/native`, MSW 2.x). The handlers
// answer at the vendor's own base URL by default, so an app configured for production runs unchanged
// in its tests; every request under a base URL, the control API at `/__vlens/` included, goes to the
// engine's handle() (mocks/engine/sandbox.js) exactly as the Node server's requests do. Requests to
// other URLs are not matched: MSW lets them through (its `onUnhandledRequest` decides what it says).
import { http } from 'msw';
import { createSandbox } from '../engine/sandbox.js';

/** @import { HttpHandler } from 'msw' */
/** @import { SandboxOptions } from '../types.js' */
/** @import { VlensSandboxControl } from './types.js' */

/** The vendor's production API (the `servers` entry of the description). */
export const VENDOR_BASE_URL = 'https://api.vlenseg.com';

/**
 * The sandbox's options (as `createSandbox` and the Node server take them), and where it answers.
 * @typedef {Omit<SandboxOptions, 'description' | 'generator' | 'warn'> & { baseUrl?: string | string[] }} VlensSandboxOptions
 */

/**
 * The handlers to give MSW, the typed control object of each tenant, and the way to end the answers
 * still waiting (faults `delay` and `hang`) when a test is over.
 * @typedef {object} VlensSandbox
 * @property {HttpHandler[]} handlers one per base URL: `setupServer(...sandbox.handlers)`
 * @property {(apiKey: string) => VlensSandboxControl} control the control API of the tenant of that
 *   ApiKey, answered in process (the same routes and checks as `/__vlens/` over HTTP)
 * @property {() => void} close ends every delayed and hung answer (as network errors)
 * @property {readonly string[]} baseUrls the base URLs the handlers answer at, without a trailing slash
 */

/**
 * Creates a sandbox and its MSW handlers. Each call is a sandbox of its own: tenants (one per ApiKey),
 * users, tokens, transactions, images, steering and journal live in it and nowhere else.
 *
 * Throws a TypeError when a base URL is not an absolute http(s) URL without user info, query or
 * fragment, and the sandbox's own RangeError or TypeError for an option out of range.
 * @param {VlensSandboxOptions} [options]
 * @returns {VlensSandbox}
 */
export function vlensSandbox(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('vlensSandbox takes an options object');
  const { baseUrl = VENDOR_BASE_URL, ...sandboxOptions } = options;
  const bases = baseUrlsOf(baseUrl);
  const sandbox = createSandbox(sandboxOptions);
  const handlers = bases.map(({ origin, path }) => http.all(pattern(origin, path), ({ request }) => sandbox.handle(path === '' ? request : withoutBasePath(request, path))));
  return {
    handlers,
    control: (apiKey) => /** @type {VlensSandboxControl} */ (sandbox.control(apiKey)),
    close: () => sandbox.close(),
    baseUrls: bases.map(({ origin, path }) => `${origin}${path}`),
  };
}

/**
 * @param {unknown} baseUrl
 * @returns {{ origin: string, path: string }[]}
 */
function baseUrlsOf(baseUrl) {
  const list = Array.isArray(baseUrl) ? baseUrl : [baseUrl];
  if (list.length === 0) throw new TypeError('baseUrl must name at least one URL, such as https://api.vlenseg.com');
  return list.map((value) => {
    /** @type {URL | null} */
    let url = null;
    try {
      url = typeof value === 'string' ? new URL(value) : null;
    } catch {
      url = null;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash || value.includes('?') || value.includes('#')) {
      const shown = typeof value === 'string' ? JSON.stringify(value.replace(/\/\/[^/@]*@/, '//<user info>@').slice(0, 80)) : typeof value;
      throw new TypeError(`baseUrl must be an absolute http(s) URL without user info, query or fragment, such as https://api.vlenseg.com; got ${shown}`);
    }
    return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
  });
}

/**
 * What MSW matches a request's URL (without its query) against: the base URL and anything under it.
 * The host matches in any letter case, as DNS names do; the path as the API's routes do (any case).
 * @param {string} origin
 * @param {string} path
 */
function pattern(origin, path) {
  const literal = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${literal(origin)}${literal(path)}(?:/.*)?$`, 'i');
}

/**
 * The request as the engine reads it: the base URL's path taken off, the rest (method, headers, body,
 * the caller's signal) as it came.
 * @param {Request} request
 * @param {string} path
 */
function withoutBasePath(request, path) {
  const url = new URL(request.url);
  url.pathname = url.pathname.slice(path.length) || '/';
  /** @type {RequestInit & { duplex?: 'half' }} */
  const init = { method: request.method, headers: request.headers, signal: request.signal };
  if (request.body) {
    init.body = request.body;
    // A stream body needs it (fetch's rule for request streams).
    init.duplex = 'half';
  }
  return new Request(url, init);
}
