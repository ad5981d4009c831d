// The screenshots of docs/dashboard.md are made by a script (scripts/docs/dashboard-screenshots.mjs), not
// drawn: it runs here into a temporary folder, in real Chromium against a seeded sandbox, and writes each
// view at the size the guide says; the guide shows every one of them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, takeScreenshots } from '../scripts/docs/dashboard-screenshots.mjs';
import { ROOT } from '../scripts/lib/description.mjs';

const dir = mkdtempSync(join(tmpdir(), 'vlens-screenshots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe("the dashboard's screenshots", () => {
  it('are written by the script, each view at 1280x800 and the phone view at 390x780', async () => {
    const written = await takeScreenshots(dir);
    expect(written.map((path: string) => path.slice(dir.length + 1))).toEqual(SCREENSHOTS);
    for (const name of SCREENSHOTS) expect(pngSize(join(dir, name)), name).toEqual(name.includes('phone') ? [390, 780] : [1280, 800]);
  }, 120_000);

  it('are the ones docs/dashboard.md shows, committed at the same sizes', () => {
    const guide = readFileSync(join(ROOT, 'docs/dashboard.md'), 'utf8');
    for (const name of SCREENSHOTS) {
      expect(guide).toContain(`](${name})`);
      expect(pngSize(join(ROOT, 'docs', name)), name).toEqual(name.includes('phone') ? [390, 780] : [1280, 800]);
    }
  });
});
