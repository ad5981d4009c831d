// One router for the API and the control API: path templates (`{id}`), one trailing slash or none,
// and, for the API, any letter case (ASP.NET routes ignore case: the older documentation spells one
// path /api/Credentials/Login). A request-target is parsed here without ever throwing: `//`, `/\` and
// the like are paths like any other, which no operation has.

/**
 * @template {{ method: string, path: string }} R
 * @typedef {{ found: true, route: R, params: Record<string, string> } | { found: false, allowed: string[] | null }} Match
 */

// A path of plain segments (no dot segment, no escape, no backslash, no empty segment) and a query of
// plain characters: what the URL parser would give back unchanged.
const PLAIN_TARGET = /^((?:\/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*\/?)(?:\?([A-Za-z0-9_.~=&%+-]*))?$/;

/**
 * The path and query of a request-target or an absolute URL, or null when it is neither.
 * @param {string} target
 * @returns {{ pathname: string, searchParams: URLSearchParams } | null}
 */
export function parseTarget(target) {
  // Most targets are a plain path and a plain query: read without the URL parser (a tenth of a request's cost).
  const plain = PLAIN_TARGET.exec(target);
  if (plain) return { pathname: /** @type {string} */ (plain[1]), searchParams: new URLSearchParams(plain[2] ?? '') };
  try {
    return target.startsWith('/') ? new URL(`http://sandbox.invalid${target}`) : new URL(target);
  } catch {
    return null;
  }
}

/** @param {string} pathname */
export const withoutTrailingSlash = (pathname) => pathname.replace(/\/+$/, '') || '/';

/**
 * @template {{ method: string, path: string }} R
 * @param {R[]} routes
 * @param {{ ignoreCase?: boolean }} [options]
 */
export function createRouter(routes, { ignoreCase = false } = {}) {
  /** @type {Map<string, Map<string, R>>} exact paths, by path (lower case when ignoreCase) then method */
  const exact = new Map();
  /** @type {{ pattern: RegExp, names: string[], byMethod: Map<string, R> }[]} */
  const templated = [];
  for (const route of routes) {
    if (route.path.includes('{')) {
      const names = /** @type {string[]} */ ([]);
      const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_, name) => (names.push(name), '([^/]+)'));
      let entry = templated.find((candidate) => candidate.pattern.source === `^${source}$`);
      if (!entry) templated.push((entry = { pattern: new RegExp(`^${source}$`, ignoreCase ? 'i' : ''), names, byMethod: new Map() }));
      entry.byMethod.set(route.method, route);
    } else {
      const key = ignoreCase ? route.path.toLowerCase() : route.path;
      if (!exact.has(key)) exact.set(key, new Map());
      /** @type {Map<string, R>} */ (exact.get(key)).set(route.method, route);
    }
  }
  return {
    /**
     * The route of a method and a path (without its trailing slash), with its decoded path
     * parameters; or the methods the path takes (405), or null (404).
     * @param {string} method
     * @param {string} pathname
     * @returns {Match<R>}
     */
    match(method, pathname) {
      const byMethod = exact.get(ignoreCase ? pathname.toLowerCase() : pathname);
      if (byMethod) {
        const route = byMethod.get(method);
        return route ? { found: true, route, params: {} } : { found: false, allowed: [...byMethod.keys()] };
      }
      for (const entry of templated) {
        const match = entry.pattern.exec(pathname);
        if (!match) continue;
        const route = entry.byMethod.get(method);
        if (!route) return { found: false, allowed: [...entry.byMethod.keys()] };
        /** @type {Record<string, string>} */
        const params = {};
        for (const [index, name] of entry.names.entries()) params[name] = /** @type {string} */ (match[index + 1]);
        return { found: true, route, params };
      }
      return { found: false, allowed: null };
    },
  };
}
