// Finds Stoplight Prism, an optional peer dependency, wherever the consumer installed it. The sandbox
// serves every named example without it; Prism generates the answers no example gives (`Prefer:
// dynamic=true`, a status without a named example), on the Node mock only. Loading it takes 1.0-1.35 s
// on a 2-core machine, so it is loaded the first time such an answer is asked for.
import { createRequire } from 'node:module';

export const PRISM_PACKAGE = '@stoplight/prism-cli';
export const PRISM_RANGE = '5.14.x';
export const INSTALL_HINT = `npm install --save-dev ${PRISM_PACKAGE}@${PRISM_RANGE}`;

/** The answer needs Stoplight Prism, which is not installed. */
export class PrismMissingError extends Error {
  /** @param {unknown} [cause] */
  constructor(cause) {
    super(
      `Generating an answer from the schema (Prefer: dynamic=true, a status without a named example) needs Stoplight Prism, ` +
        `an optional peer dependency of vlens-digital-identity, and it is not installed. Install it in your project:\n\n  ${INSTALL_HINT}\n`,
      { cause },
    );
    this.name = 'PrismMissingError';
    this.code = 'PRISM_MISSING';
  }
}

/**
 * Prism's modules as the generator uses them: `{ version, http, core, either }`. A bundle (the single
 * executable) imports them itself and passes them in (plain values, or getters to defer loading them).
 * @typedef {{ version: string, http: any, core: any, either: any }} PrismModules
 */

/**
 * Resolves Prism (throws PrismMissingError when it is not installed) and returns its modules, each
 * loaded on first access.
 * @param {string} [from] where to resolve it from
 * @returns {PrismModules}
 */
export function loadPrism(from = import.meta.url) {
  /** @type {NodeJS.Require} */
  let fromCli;
  /** @type {string} */
  let version;
  try {
    const fromPackage = createRequire(from);
    const cliManifest = fromPackage.resolve(`${PRISM_PACKAGE}/package.json`);
    version = fromPackage(cliManifest).version;
    fromCli = createRequire(cliManifest);
  } catch (error) {
    if (/** @type {{ code?: string }} */ (error)?.code === 'MODULE_NOT_FOUND') throw new PrismMissingError(error);
    throw error;
  }
  // Resolving a package.json reads a few small files; it is loading the modules that costs.
  const fromHttp = createRequire(fromCli.resolve('@stoplight/prism-http/package.json'));
  return /** @type {PrismModules} */ (
    lazily({
      version: () => version,
      http: () => fromCli('@stoplight/prism-http'),
      core: () => fromCli('@stoplight/prism-core'),
      either: () => fromHttp('fp-ts/Either'),
    })
  );
}

/**
 * Whether Prism can be found, without loading it.
 * @param {string} [from]
 */
export function prismVersion(from = import.meta.url) {
  try {
    const fromPackage = createRequire(from);
    return /** @type {string} */ (fromPackage(fromPackage.resolve(`${PRISM_PACKAGE}/package.json`)).version);
  } catch {
    return null;
  }
}

/**
 * An object whose properties are computed on first access and kept.
 * @param {Record<string, () => unknown>} loaders
 */
function lazily(loaders) {
  /** @type {Record<string, unknown>} */
  const modules = {};
  for (const [name, load] of Object.entries(loaders)) {
    Object.defineProperty(modules, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = load();
        Object.defineProperty(modules, name, { value, enumerable: true });
        return value;
      },
    });
  }
  return modules;
}
