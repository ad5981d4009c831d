// Finds Stoplight Prism, an optional peer dependency, wherever the consumer installed it, and the
// modules the mock borrows from Prism's own dependency tree (ajv, its YAML parser), so that the
// package itself needs nothing at run time beyond Prism.
//
// Loading Prism itself takes 1.0-1.35 s on a 2-core machine (more under load), longer than the whole
// start-up of the mock is allowed to take. Each module is therefore loaded the first time it is used:
// Ajv at start (request validation), the YAML parser only for a description the mock has not checked
// before, and Prism only for `Prefer: dynamic=true` answers and for a status without a named example.
import { createRequire } from 'node:module';

export const PRISM_PACKAGE = '@stoplight/prism-cli';
export const PRISM_RANGE = '5.14.x';
export const INSTALL_HINT = `npm install --save-dev ${PRISM_PACKAGE}@${PRISM_RANGE}`;

export class PrismMissingError extends Error {
  constructor(cause) {
    super(
      `The Vlens mock needs Stoplight Prism, an optional peer dependency of vlens-digital-identity, ` +
        `and it is not installed. Install it in your project:\n\n  ${INSTALL_HINT}\n`,
      { cause },
    );
    this.name = 'PrismMissingError';
    this.code = 'PRISM_MISSING';
  }
}

/**
 * Resolves Prism (throws PrismMissingError when it is not installed) and returns its modules, each
 * loaded on first access: `{ version, http, core, either, yaml, Ajv2020, addFormats }`. createMock's
 * `prism` option takes an object of the same shape from a bundle that imports these modules itself
 * (plain values, or getters to defer loading them).
 */
export function loadPrism(from = import.meta.url) {
  let fromCli;
  let version;
  try {
    const fromPackage = createRequire(from);
    const cliManifest = fromPackage.resolve(`${PRISM_PACKAGE}/package.json`);
    version = fromPackage(cliManifest).version;
    fromCli = createRequire(cliManifest);
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND') throw new PrismMissingError(error);
    throw error;
  }
  // Resolving a package.json reads a few small files; it is loading the modules that costs.
  const fromHttp = createRequire(fromCli.resolve('@stoplight/prism-http/package.json'));
  return lazily({
    version: () => version,
    http: () => fromCli('@stoplight/prism-http'),
    core: () => fromCli('@stoplight/prism-core'),
    either: () => fromHttp('fp-ts/Either'),
    yaml: () => fromHttp('@stoplight/yaml'),
    Ajv2020: () => fromHttp('ajv/dist/2020').default,
    addFormats: () => fromHttp('ajv-formats').default,
  });
}

/** An object whose properties are computed on first access and kept. */
function lazily(loaders) {
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
