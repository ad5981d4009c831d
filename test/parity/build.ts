// Builds the parity suite's runners with esbuild: for Node (MSW resolved from node_modules at run
// time, so the file is written under node_modules/.cache/) and for the browser (one script, MSW in it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'vlens-parity');

/**
 * Bundles test/parity/<entry>.ts for Node into node_modules/.cache/vlens-parity/<name>.mjs and returns
 * its path. `msw` names the package MSW is imported from (an npm alias of another major).
 */
export async function buildForNode(entry: string, name = entry, { msw = 'msw' }: { msw?: string } = {}): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'test', 'parity', `${entry}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: [msw, `${msw}/*`],
    alias: msw === 'msw' ? {} : { msw },
    logLevel: 'silent',
  });
  return outfile;
}

/** Bundles test/parity/<entry>.ts for a browser page (one classic script) and returns its text. */
export async function buildForBrowser(entry: string, { msw = 'msw' }: { msw?: string } = {}): Promise<string> {
  const result = await build({
    alias: msw === 'msw' ? {} : { msw },
    entryPoints: [join(ROOT, 'test', 'parity', `${entry}.ts`)],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles![0]!.text;
}
