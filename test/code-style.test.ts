// The code is formatted and linted as biome.json says (what `npm run lint` checks first), so a pull
// request that skips `npm run format` fails here with the file and the rule named.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/description.mjs';

const run = promisify(execFile);
const BIOME = `${ROOT}node_modules/.bin/biome`;

async function biomeCheck(args: string[], cwd = ROOT) {
  return run(BIOME, ['check', '--max-diagnostics=20', ...args], { cwd, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (failure: { code: number; stdout: string; stderr: string }) => ({ code: failure.code, output: failure.stdout + failure.stderr }),
  );
}

describe('biome check', () => {
  it('finds no error in the repository: every file formatted, no lint error', async () => {
    const { code, output } = await biomeCheck(['.']);
    expect(code, output).toBe(0);
  }, 60_000);

  it('fails on a file that is not formatted, naming it (so the check above can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlens-style-'));
    try {
      // The repository's rules, without its git settings (the directory is not a repository).
      const { vcs: _vcs, $schema: _schema, ...config } = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
      writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
      writeFileSync(join(dir, 'unformatted.js'), 'export const answer = {a:1,\n\n\n b:2}\n');
      const { code, output } = await biomeCheck(['unformatted.js'], dir);
      expect(code).not.toBe(0);
      expect(output).toContain('unformatted.js');
      expect(output).toMatch(/format/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
