// Bundles the mock's CLI, Prism 5.14 and the bundled description into one CommonJS file for the
// single executable (a Node SEA main must be CommonJS). What the mock's source cannot decide is
// decided here, at build time:
// - `prism:<package>/<specifier>` imports (scripts/build/mock-entry.mjs) resolve from inside Prism's
//   install, the way mocks/node/prism.js resolves them at run time;
// - jsonc-parser 2.2's `main` is a UMD wrapper whose require() calls a bundle cannot follow: its
//   ESM build is used instead (esbuild's `mainFields: ['module', 'main']` would fix it but breaks
//   @jsdevtools/ono, whose ESM build fails at load);
// - requires that Prism's dependencies wrap in try/catch for optional packages that are not
//   installed (esprima for js-yaml's !!js/function, encoding for node-fetch, pino-pretty for pino)
//   become modules that throw MODULE_NOT_FOUND, as they do outside the bundle.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** @import { Metafile, Plugin } from 'esbuild' */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ENTRY = fileURLToPath(new URL('./mock-entry.mjs', import.meta.url));
const OPTIONAL_MISSING = ['esprima', 'encoding', 'pino-pretty'];

const fromRoot = createRequire(join(ROOT, 'package.json'));
const prismCli = dirname(fromRoot.resolve('@stoplight/prism-cli/package.json'));
const fromCli = createRequire(join(prismCli, 'package.json'));
/** @type {Partial<Record<string, string>>} */
const PRISM_DIRS = {
  cli: prismCli,
  http: dirname(fromCli.resolve('@stoplight/prism-http/package.json')),
  'http-server': dirname(fromCli.resolve('@stoplight/prism-http-server/package.json')),
};

/** @type {Plugin} */
const prismResolution = {
  name: 'prism-resolution',
  setup(build) {
    build.onResolve({ filter: /^prism:/ }, async ({ path, kind }) => {
      const [, from = '', specifier = ''] = /^prism:([\w-]+)\/(.+)$/.exec(path) ?? [];
      const resolveDir = Object.hasOwn(PRISM_DIRS, from) ? PRISM_DIRS[from] : undefined;
      if (!resolveDir) return { errors: [{ text: `unknown Prism package in ${path}` }] };
      const target = specifier === 'package.json' ? './package.json' : specifier;
      return build.resolve(target, { kind, resolveDir });
    });
    build.onResolve({ filter: /^jsonc-parser$/ }, ({ kind, resolveDir }) => build.resolve('jsonc-parser/lib/esm/main.js', { kind, resolveDir }));
    build.onResolve({ filter: new RegExp(`^(${OPTIONAL_MISSING.join('|')})$`) }, ({ path }) => ({ path, namespace: 'optional-missing' }));
    build.onLoad({ filter: /.*/, namespace: 'optional-missing' }, ({ path }) => ({
      contents: `const error = new Error(${JSON.stringify(`Cannot find module '${path}'`)}); error.code = 'MODULE_NOT_FOUND'; throw error;`,
      loader: 'js',
    }));
  },
};

/**
 * Writes the bundle to `outfile`; resolves to esbuild's metafile (every input, for the licences).
 * @param {{ outfile: string }} options
 * @returns {Promise<Metafile>}
 */
export async function bundleMock({ outfile }) {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node26',
    minify: false,
    // The licence texts are collected from each bundled package (scripts/build/licenses.mjs).
    legalComments: 'none',
    loader: { '.yaml': 'text' },
    // Before any bundled module loads. Prism's dependencies use APIs newer Node deprecates (punycode,
    // url.parse); the warnings would name code inside the binary that its user can neither see nor
    // change.
    banner: { js: 'process.noDeprecation = true;' },
    plugins: [prismResolution],
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'warning',
    // mocks/node/prism.js and mocks/node/description-file.js read import.meta.url only when Prism and the
    // description are not passed in; the entry passes both, so the empty import.meta of CommonJS is never read.
    logOverride: { 'empty-import-meta': 'silent' },
  });
  return result.metafile;
}
