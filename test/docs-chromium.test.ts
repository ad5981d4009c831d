// `npm test` first makes sure Chromium is at /usr/bin/chromium (scripts/ensure-chromium.mjs): it
// installs it from Debian when it may, and otherwise stops with the command to run.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, INSTALL_COMMAND, ensureChromium } from '../scripts/ensure-chromium.mjs';
import { ROOT } from '../scripts/lib/description.mjs';

const noApt = () => {
  throw new Error('apt-get must not run');
};

describe('ensure-chromium', () => {
  it('runs before vitest in npm test', async () => {
    const { default: pkg } = await import('../package.json', { with: { type: 'json' } });
    expect(pkg.scripts.test).toBe('node scripts/ensure-chromium.mjs && vitest run');
  });

  it('passes here, where Chromium is installed', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/ensure-chromium.mjs')]);
    expect(stdout + stderr).toBe('');
    expect(ensureChromium({ apt: noApt })).toBe('present');
    expect(CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });

  it('installs it from Debian when missing, as root with apt-get', () => {
    const calls: string[][] = [];
    let installed = false;
    const result = ensureChromium({
      exists: () => installed,
      isRoot: true,
      hasApt: true,
      apt: (args: string[]) => {
        calls.push(args);
        if (args[0] === 'install') installed = true;
      },
      log: () => {},
    });
    expect(result).toBe('installed');
    expect(calls).toEqual([
      ['update', '-qq'],
      ['install', '-y', '-qq', 'chromium'],
    ]);
  });

  it('stops with the exact command when it may not install', () => {
    for (const environment of [
      { isRoot: false, hasApt: true },
      { isRoot: true, hasApt: false },
    ]) {
      expect(() => ensureChromium({ exists: () => false, apt: noApt, ...environment })).toThrow(INSTALL_COMMAND);
    }
    expect(INSTALL_COMMAND).toBe('sudo apt-get install -y chromium');
  });

  it('fails when apt-get claims success but Chromium is still missing', () => {
    expect(() => ensureChromium({ exists: () => false, isRoot: true, hasApt: true, apt: () => {}, log: () => {} })).toThrow(/still missing/);
  });
});
