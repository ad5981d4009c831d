// The docs portal shows the sandbox's control API: `npm run docs` builds it as a page of its own
// (dist/docs/sandbox-control-api.html) with the portal's options and template. Opened from disk in headless
// Chromium, it lists every operation of openapi/sandbox/openapi.yaml and asks nothing of any other origin.
// The sandbox guide (docs/sandbox.md) lists what the code knows: the magic phone codes, the calls, the faults.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_DESCRIPTION_PATH, buildSandboxDocs } from '../scripts/docs/build.mjs';
import { PHONE_CODES } from '../mocks/rules/magic.js';

const controlApi = parse(readFileSync(SANDBOX_DESCRIPTION_PATH, 'utf8'));
const operations = Object.values(controlApi.paths).flatMap((item) => Object.values(item as Record<string, { summary: string; operationId: string; tags: string[] }>));

let browser: Browser;
let dir: string;
let page: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlens-sandbox-docs-'));
  page = (await buildSandboxDocs({ outFile: join(dir, 'sandbox-control-api.html') })).outFile;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the control API page', () => {
  it('lists every operation with its summary, from disk, loading nothing from elsewhere', async () => {
    const context = await browser.newContext();
    const foreign: string[] = [];
    const own = pathToFileURL(page).href;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === own || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      foreign.push(url);
      return route.abort('blockedbyclient');
    });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    tab.on('pageerror', (error) => errors.push(error.message));
    try {
      await tab.goto(own, { waitUntil: 'load' });
      expect(await tab.title()).toBe(`${controlApi.info.title} ${controlApi.info.version}`);
      const menu = tab.locator('.menu-content');
      await menu.waitFor({ state: 'visible' });
      // The menu keeps one tag open: each tag is opened in turn and its operations looked for.
      for (const tag of controlApi.tags) {
        const link = (summary: string) => menu.getByText(summary, { exact: true });
        const ofTag = operations.filter((operation) => operation.tags[0] === tag.name);
        // Opening a tag animates, and the tag closed before it may still be collapsing: click it open,
        // let the menu settle, look again (a click on an open tag would close it, hence no blind retry).
        await expect
          .poll(
            async () => {
              if (await link(ofTag[0]!.summary).isVisible()) return true;
              await menu.getByText(tag.name, { exact: true }).first().click();
              await tab.waitForTimeout(400);
              return link(ofTag[0]!.summary).isVisible();
            },
            { message: tag.name, timeout: 15_000 },
          )
          .toBe(true);
        for (const operation of ofTag) await expect.poll(() => link(operation.summary).isVisible(), { message: operation.operationId }).toBe(true);
      }
      expect(await tab.content()).toContain('/__vlens/transactions/{id}/outcomes');
      expect(foreign).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('docs/sandbox.md', () => {
  const section = readFileSync(new URL('../docs/sandbox.md', import.meta.url), 'utf8');

  it('lists every magic phone code the sandbox knows, with its step and scenario', () => {
    for (const [code, [step, scenario]] of Object.entries(PHONE_CODES)) {
      const row = step ? `| \`${code}\` | ${step} | \`${scenario}\` |` : `| \`${code}\` | | (none: every step passes) |`;
      expect(section, code).toContain(row);
    }
  });

  it('names every call of the control API and every fault', () => {
    for (const [path, item] of Object.entries(controlApi.paths)) {
      for (const method of Object.keys(item as object)) expect(section).toContain(`\`${method.toUpperCase()} ${path}\``);
    }
    for (const fault of controlApi.components.schemas.FaultName.enum) expect(section).toContain(`\`${fault}\``);
  });
});
