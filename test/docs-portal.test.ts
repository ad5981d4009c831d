// The docs portal in a real browser: headless Chromium (Debian's, /usr/bin/chromium) opens the built
// pages (the API reference, the control API, every guide) from a local static server and from disk.
// Every request that leaves the page's own origin is refused and counted, and the test asserts that
// none was even attempted.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_DESCRIPTION_PATH, buildDocs, buildGuides, buildSandboxDocs } from '../scripts/docs/build.mjs';
import { REFERENCE_PAGES, REPOSITORY_URL, listGuides } from '../scripts/docs/guides.mjs';
import { serveDocs } from '../scripts/docs/serve.mjs';
import { ROOT, listOperations, loadBundle } from '../scripts/lib/description.mjs';

const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SCREENSHOT_DIR = join(ROOT, 'test-output');
const VIEWPORT = { width: 1440, height: 900 };

const bundle = loadBundle();
interface Operation {
  operationId: string;
  summary: string;
  tag: string;
}
const operations: Operation[] = listOperations(bundle).map(({ operation }) => ({
  operationId: operation.operationId,
  summary: operation.summary,
  tag: operation.tags[0],
}));
const errorCodes = (bundle['x-vlens-error-codes'] as { code: number }[]).map((entry) => String(entry.code));

interface Visit {
  page: Page;
  /** Requests to anything but the page's own origin: refused by the route, counted here. */
  foreignRequests: string[];
  consoleErrors: string[];
  close: () => Promise<void>;
  /** Content-Security-Policy violations the page reported (resources it tried and its own policy blocked). */
  cspViolations: () => Promise<string[]>;
}

let browser: Browser;
let workDir: string;
let server: { url: string; close: () => Promise<void> };
let pageFile: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'vlens-docs-test-'));
  pageFile = join(workDir, 'index.html');
  // The portal and, next to it as `npm run docs` writes them, the control API page and the guides.
  await Promise.all([buildDocs({ outFile: pageFile }), buildSandboxDocs({ outFile: join(workDir, controlApiPage!.href) }), buildGuides({ outDir: workDir })]);
  server = await serveDocs({ dir: workDir, port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function visit(url: string): Promise<Visit> {
  const pageUrl = new URL(url);
  const isOwn = (requestUrl: string) => {
    const target = new URL(requestUrl);
    if (target.protocol === 'data:' || target.protocol === 'blob:') return true;
    if (pageUrl.protocol === 'file:') return target.protocol === 'file:' && target.pathname === pageUrl.pathname;
    return target.origin === pageUrl.origin;
  };
  const context = await browser.newContext({ viewport: VIEWPORT });
  const foreignRequests: string[] = [];
  const count = (requestUrl: string) => {
    if (!foreignRequests.includes(requestUrl)) foreignRequests.push(requestUrl);
  };
  await context.route('**/*', (route) => {
    const requestUrl = route.request().url();
    if (isOwn(requestUrl)) return route.continue();
    count(requestUrl);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  // Routes do not see every attempt (file: pages, requests the page policy stops); the request event does.
  page.on('request', (request) => {
    if (!isOwn(request.url())) count(request.url());
  });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    foreignRequests,
    consoleErrors,
    close: () => context.close(),
    cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
  };
}

const menu = (page: Page) => page.locator('.menu-content');
const pagesBar = (page: Page) => page.getByRole('navigation', { name: 'Pages of these docs' });
const [referencePage, controlApiPage] = REFERENCE_PAGES as { href: string; title: string }[];
const guides = listGuides() as { name: string; href: string; title: string }[];
const section = (page: Page, operationId: string) => page.locator(`[data-section-id$="/${operationId.toLowerCase()}"]`);
const exactly = (text: string) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);

/** Clicks an operation in the navigation (opening its tag first: the menu keeps one tag open). */
async function navigateTo(page: Page, operation: Operation) {
  const link = menu(page).getByText(operation.summary, { exact: true });
  if (!(await link.isVisible())) await menu(page).getByText(operation.tag, { exact: true }).first().click();
  await link.click();
  await page.waitForURL((url) => url.hash.toLowerCase().endsWith(`/${operation.operationId.toLowerCase()}`));
}

/** The operation's heading, once it is scrolled into the viewport. */
async function headingInView(page: Page, operation: Operation) {
  const heading = section(page, operation.operationId)
    .locator('h2')
    .filter({ hasText: exactly(operation.summary) });
  await heading.waitFor({ state: 'visible' });
  await expect
    .poll(
      async () => {
        const box = await heading.boundingBox();
        return box !== null && box.y >= 0 && box.y + box.height <= VIEWPORT.height;
      },
      { message: `${operation.summary} scrolled into view` },
    )
    .toBe(true);
}

async function expectNothingLeftTheOrigin(visit: Visit) {
  expect(visit.foreignRequests, 'requests to other origins (refused)').toEqual([]);
  expect(await visit.cspViolations(), 'resources the page tried to load from elsewhere').toEqual([]);
  expect(visit.consoleErrors, 'console errors').toEqual([]);
}

describe('docs portal in Chromium', () => {
  it('links to the sandbox control API page, which opens and links back (review S4)', async () => {
    const sandboxInfo = loadBundle(SANDBOX_DESCRIPTION_PATH).info;
    const portal = await visit(server.url);
    try {
      const { page } = portal;
      const toSandbox = pagesBar(page).getByRole('link', { name: controlApiPage!.title, exact: true });
      await toSandbox.waitFor({ state: 'visible' });
      // From disk the same relative link must find the file next to the page.
      expect(existsSync(fileURLToPath(new URL((await toSandbox.getAttribute('href'))!, pathToFileURL(pageFile))))).toBe(true);
      await toSandbox.click();
      await page.waitForURL((url) => url.pathname === `/${controlApiPage!.href}`);
      await expect(page.title()).resolves.toBe(`${sandboxInfo.title} ${sandboxInfo.version}`);
      await menu(page).waitFor({ state: 'visible' });
      expect(await page.content()).toContain('/__vlens/transactions/{id}/outcomes');
      await expect(pagesBar(page).locator('[aria-current="page"]').innerText()).resolves.toBe(controlApiPage!.title);
      await pagesBar(page).getByRole('link', { name: referencePage!.title, exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/index.html');
      await expect(page.title()).resolves.toBe(`${bundle.info.title} ${bundle.info.version}`);
      await expectNothingLeftTheOrigin(portal);
    } finally {
      await portal.close();
    }
  });

  it('every page has the same bar: the two references and every guide, each link opening its page', async () => {
    const expected = [...REFERENCE_PAGES, ...guides].map(({ href, title }) => ({ href, title }));
    expect(guides.map((guide) => guide.name)).toEqual(expect.arrayContaining(['description', 'client', 'sandbox', 'testing', 'how-it-is-tested']));
    for (const { href } of expected) {
      const visited = await visit(new URL(href, server.url).href);
      try {
        const links = await pagesBar(visited.page)
          .getByRole('link')
          .evaluateAll((anchors) => anchors.map((anchor) => ({ href: anchor.getAttribute('href'), title: anchor.textContent, current: anchor.getAttribute('aria-current') })));
        expect(
          links.map(({ href: to, title }) => ({ href: to, title })),
          href,
        ).toEqual(expected);
        expect(
          links.filter((link) => link.current === 'page').map((link) => link.href),
          `${href} marks itself current`,
        ).toEqual([href]);
        await expectNothingLeftTheOrigin(visited);
      } finally {
        await visited.close();
      }
    }
  });

  it('every guide: its page opens, loads nothing from elsewhere, and its links to the portal resolve', async () => {
    const ids = new Map<string, Set<string>>();
    const idsOf = (file: string) => {
      if (!ids.has(file)) ids.set(file, new Set([...readFileSync(join(workDir, file), 'utf8').matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]!)));
      return ids.get(file)!;
    };
    for (const guide of guides) {
      const visited = await visit(new URL(guide.href, server.url).href);
      try {
        const { page } = visited;
        await expect(page.title()).resolves.toBe(`${guide.title} · Vlens Digital Identity ${bundle.info.version}`);
        await expect(page.locator('main h1').innerText()).resolves.toBe(guide.title);
        const hrefs = await page.locator('main a[href]').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')!));
        for (const href of hrefs) {
          if (/^https?:/.test(href)) {
            // Another site, or a file of the repository that is not a guide: never a guide left as its .md.
            expect(
              guides.some((other) => href.startsWith(`${REPOSITORY_URL}/blob/main/docs/${other.name}.md`)),
              `${guide.href}: ${href}`,
            ).toBe(false);
            continue;
          }
          const [file, hash] = href.startsWith('#') ? [guide.href, href.slice(1)] : (href.split('#') as [string, string | undefined]);
          expect(file, `${guide.href}: ${href} is a page of the portal`).toMatch(/^[\w-]+\.html$/);
          expect(existsSync(join(workDir, file)), `${guide.href}: ${href} exists`).toBe(true);
          if (hash) expect(idsOf(file).has(decodeURIComponent(hash)), `${guide.href}: ${href} has its anchor`).toBe(true);
        }
        await expectNothingLeftTheOrigin(visited);
      } finally {
        await visited.close();
      }
    }
  });

  it('a guide opened from disk (file://) shows its images, and its links find the files next to it', async () => {
    const guide = guides.find((candidate) => candidate.name === 'portal')!;
    const visited = await visit(pathToFileURL(join(workDir, guide.href)).href);
    try {
      const { page } = visited;
      const image = page.locator('main img').first();
      await expect(image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).resolves.toBeGreaterThan(0);
      const href = (await page.locator('main a[href^="sandbox.html#"]').first().getAttribute('href'))!;
      const target = new URL(href, page.url());
      expect(readFileSync(fileURLToPath(target), 'utf8')).toContain(` id="${target.hash.slice(1)}"`);
      await expectNothingLeftTheOrigin(visited);
    } finally {
      await visited.close();
    }
  });

  it('served over HTTP: the flow section, the error table, and no request to any other origin', async () => {
    const portal = await visit(server.url);
    try {
      const { page } = portal;
      await expect(page.title()).resolves.toBe(`${bundle.info.title} ${bundle.info.version}`);

      await page
        .locator('h2')
        .filter({ hasText: exactly('The verification flow') })
        .waitFor({ state: 'visible' });
      const diagram = page.locator('pre', { hasText: 'verify/liveness/multi' }).first();
      await diagram.waitFor({ state: 'visible' });
      expect(await diagram.innerText()).toMatch(/verify\/id\/front[\s\S]*verify\/id\/back[\s\S]*verify\/liveness\/multi/);
      await page
        .locator('h2')
        .filter({ hasText: exactly('Validated and Verified') })
        .waitFor({ state: 'visible' });

      const errorTable = page.locator('table', { has: page.getByRole('columnheader', { name: 'Message for the user' }) });
      await errorTable.waitFor({ state: 'visible' });
      const codes = await errorTable.locator('tbody tr td:first-child').allInnerTexts();
      expect(
        codes.map((cell) => cell.trim()),
        'error table rows, in catalogue order',
      ).toEqual(errorCodes);

      await page.screenshot({ path: join(SCREENSHOT_DIR, 'docs-portal.png') });
      await expectNothingLeftTheOrigin(portal);
    } finally {
      await portal.close();
    }
  });

  it('every operation: its summary is in the navigation, and clicking it moves the page to it', async () => {
    const portal = await visit(server.url);
    try {
      const { page } = portal;
      expect(operations).toHaveLength(24);
      for (const operation of operations) {
        const scrollBefore = await page.evaluate(() => window.scrollY);
        await navigateTo(page, operation);
        await expect(menu(page).getByText(operation.summary, { exact: true }).isVisible()).resolves.toBe(true);
        await headingInView(page, operation);
        expect(await page.evaluate(() => window.scrollY), `${operation.operationId} moved the page`).not.toBe(scrollBefore);
      }
      await expectNothingLeftTheOrigin(portal);
    } finally {
      await portal.close();
    }
  });

  it('is interactive: samples switch language and schemas expand', async () => {
    const portal = await visit(server.url);
    try {
      const { page } = portal;
      const liveness = operations.find((operation) => operation.operationId === 'verifyLiveness')!;
      await navigateTo(page, liveness);
      await headingInView(page, liveness);
      const operation = section(page, liveness.operationId);

      await expect.poll(() => operation.locator('pre', { hasText: 'vlens.api.POST(' }).count(), { message: 'TypeScript sample shown first' }).toBe(1);
      await operation.getByRole('button', { name: 'TypeScript', exact: true }).click();
      await page.getByRole('menuitem', { name: 'curl', exact: true }).click();
      await expect
        .poll(() => operation.locator('pre', { hasText: 'curl -sS -X POST "$BASE/api/DigitalIdentity/verify/liveness/multi"' }).count(), { message: 'curl sample after switching' })
        .toBe(1);

      // The response schema's nested field appears next to the one in the response sample. Redoc
      // shows a required object (`data`) open and names its fields with their path
      // (`data.user.idNumber`); expanding all opens the optional ones below it.
      const nested = operation.getByText(/^(?:[A-Za-z]+\.\u200b?)*idNumber$/);
      const shownBefore = await nested.count();
      await operation.getByTestId('schema-expand-all-button').first().click();
      await expect.poll(() => nested.count(), { message: 'expanding the response schema shows its nested fields' }).toBeGreaterThan(shownBefore);

      await page.screenshot({ path: join(SCREENSHOT_DIR, 'docs-portal-operation.png') });
      await expectNothingLeftTheOrigin(portal);
    } finally {
      await portal.close();
    }
  });

  it('opened from disk (file://), it hydrates too', async () => {
    const portal = await visit(pathToFileURL(pageFile).href);
    try {
      const { page } = portal;
      const target = operations.find((operation) => operation.operationId === 'getStepImage')!;
      await navigateTo(page, target);
      await headingInView(page, target);
      await expectNothingLeftTheOrigin(portal);
    } finally {
      await portal.close();
    }
  });

  it('the guards bite: a remote image is counted, and refused by the page policy or, without it, by the route', async () => {
    const html = readFileSync(pageFile, 'utf8');
    const remote = 'https://cdn.example.com/logo.png';
    const leak = (page: string) => page.replace('<body>', `<body><img src="${remote}" alt="">`);
    const policy = /<meta http-equiv="Content-Security-Policy"[^>]*>/;
    expect(html).toMatch(policy);
    writeFileSync(join(workDir, 'leak-with-policy.html'), leak(html));
    writeFileSync(join(workDir, 'leak-without-policy.html'), leak(html.replace(policy, '')));

    const withPolicy = await visit(new URL('leak-with-policy.html', server.url).href);
    try {
      await expect.poll(() => withPolicy.cspViolations()).toEqual([`img-src ${remote}`]);
      expect(withPolicy.foreignRequests, 'the attempt is counted even though the policy stopped it').toEqual([remote]);
    } finally {
      await withPolicy.close();
    }
    // A guide's page has a policy of its own, stricter still (no script at all): it stops the image too.
    writeFileSync(join(workDir, 'leak-guide.html'), leak(readFileSync(join(workDir, guides[0]!.href), 'utf8')));
    const guideWithPolicy = await visit(new URL('leak-guide.html', server.url).href);
    try {
      await expect.poll(() => guideWithPolicy.cspViolations()).toEqual([`img-src ${remote}`]);
      expect(guideWithPolicy.foreignRequests).toEqual([remote]);
    } finally {
      await guideWithPolicy.close();
    }
    const withoutPolicy = await visit(new URL('leak-without-policy.html', server.url).href);
    try {
      await expect.poll(() => withoutPolicy.foreignRequests).toEqual([remote]);
      expect(withoutPolicy.consoleErrors.join('\n')).toMatch(/ERR_BLOCKED_BY_CLIENT/);
      expect(await withoutPolicy.cspViolations()).toEqual([]);
    } finally {
      await withoutPolicy.close();
    }
  });
});
