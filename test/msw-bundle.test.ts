// The sandbox bundles for a browser page or a Service Worker: esbuild, platform 'browser', with the
// engine, its examples and validators, and the MSW adapter, pulls in no Node built-in and nothing of
// Prism (@stoplight/*); only @noble/hashes from outside mocks/. createSandboxControl bundles on its own.
// (Sizes are measured by `npm run bench`, scripts/bench/msw.bench.mjs, never asserted here.)
import { join } from 'node:path';
import { builtinModules } from 'node:module';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** The inputs of a browser bundle of `entry` (splitting, as a page loads it), MSW left to the app. */
async function browserInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    outdir: join(ROOT, 'test-output', 'msw-bundle'),
    write: false,
    metafile: true,
    external: ['msw', 'msw/*'],
    logLevel: 'silent',
  });
  const metafile: Metafile = result.metafile;
  const imported = Object.values(metafile.inputs).flatMap((input) => input.imports.map((imported) => imported.path));
  return [...Object.keys(metafile.inputs), ...imported.filter((path) => NODE_BUILTINS.has(path))];
}

describe('browser bundles', () => {
  it.each(['mocks/msw/index.js', 'mocks/sandbox.js'])('%s: the engine, its examples and validators, @noble/hashes; no Node built-in, nothing of Prism', async (entry) => {
    const inputs = await browserInputs(entry);
    expect(inputs.filter((input) => NODE_BUILTINS.has(input) || input.includes('@stoplight/') || !/^(mocks\/|node_modules\/@noble\/hashes\/)/.test(input))).toEqual([]);
    // The examples and validators of every operation are in it (as chunks of their own).
    expect(inputs.filter((input) => input.startsWith('mocks/model/generated/examples/'))).toHaveLength(24);
    expect(inputs.filter((input) => input.startsWith('mocks/model/generated/validators/'))).toHaveLength(24);
    expect(inputs).toContain('mocks/engine/sandbox.js');
  });

  it('createSandboxControl bundles on its own: one file, nothing else', async () => {
    expect(await browserInputs('mocks/control/client.js')).toEqual(['mocks/control/client.js']);
  });
});
