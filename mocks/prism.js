// Loads Stoplight Prism, an optional peer dependency, from wherever the consumer installed it, and
// the modules the mock borrows from Prism's own dependency tree (ajv, its YAML parser), so that the
// package itself needs nothing at run time beyond Prism.
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
 * Resolves Prism and the pieces of its dependency tree the mock uses; throws PrismMissingError.
 * The result, `{ version, http, core, either, yaml, parsePrefer, Ajv2020, addFormats }`, is what
 * createMock's `prism` option takes from a bundle that imports these modules itself.
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
  const fromHttp = createRequire(fromCli.resolve('@stoplight/prism-http/package.json'));
  const fromHttpServer = createRequire(fromCli.resolve('@stoplight/prism-http-server/package.json'));
  const http = fromCli('@stoplight/prism-http');
  return {
    version,
    http,
    core: fromCli('@stoplight/prism-core'),
    either: fromHttp('fp-ts/Either'),
    yaml: fromHttp('@stoplight/yaml'),
    parsePrefer: fromHttpServer('parse-prefer-header'),
    Ajv2020: fromHttp('ajv/dist/2020').default,
    addFormats: fromHttp('ajv-formats').default,
  };
}
