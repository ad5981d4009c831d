// The dashboard (`GET /__vlens/ui`) in real Chromium, served by the real mock process: a flow made with
// plain HTTP from this process shows up without a reload, its uploads render as the pictures they are,
// a click steers the next answer, and the page keeps to its origin, its policy and its promises (the
// key in this tab only, keyboard, Arabic, dark, phone width). Every page is watched for console errors
// and for requests to any other origin.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateUiFiles } from '../scripts/generate-ui.mjs';
import { ROOT } from '../scripts/lib/description.mjs';
import { jpegBase64, launchChromium, pngBase64, watchedPage, type WatchedPage } from './dashboard-helpers.js';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { PATHS, call, register, type Caller } from './sandbox-helpers.js';

let mock: MockProcess;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  [mock, browser] = await Promise.all([startMockProcess(['--port', '0', '--quiet']), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await mock?.stop();
});

afterEach(async () => {
  // No page may have logged an error or asked anything of another origin.
  for (const watched of pages.splice(0)) {
    expect(watched.errors, 'console errors').toEqual([]);
    expect(watched.foreign, 'requests to another origin').toEqual([]);
    await watched.page.close();
  }
});

async function open(options: Parameters<Browser['newPage']>[0] = {}, context?: BrowserContext) {
  const watched = await watchedPage(context ?? browser, mock.url, options);
  pages.push(watched);
  await watched.page.goto(`${mock.url}/__vlens/ui`);
  return watched;
}

/** Opens the dashboard and shows the tenant of `apiKey`; resolves once it is live. */
async function openTenant(apiKey: string, options: Parameters<Browser['newPage']>[0] = {}, context?: BrowserContext) {
  const watched = await open(options, context);
  await watched.page.getByLabel('ApiKey').fill(apiKey);
  await watched.page.getByRole('button', { name: 'Show tenant' }).click();
  await watched.page.locator('#status[data-state="live"]').waitFor();
  return watched;
}

interface Uploaded {
  transactionId: string;
  sizes: Record<string, [number, number]>;
}

/** A verified flow with real pictures: a JPEG front, a PNG back, faces of both kinds, each of its own size. */
async function verifiedFlow(caller: Caller): Promise<Uploaded> {
  const user = await register(caller);
  const front = await jpegBase64(browser, 320, 200, 1);
  const back = pngBase64(300, 190, 2);
  const faces = [await jpegBase64(browser, 120, 160, 3), pngBase64(110, 150, 4), await jpegBase64(browser, 100, 140, 5)];
  const scanned = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: front } });
  const transactionId: string = scanned.body.data.idFrontData.transaction_id;
  expect((await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: back, transaction_id: transactionId } })).body.error_code).toBeNull();
  const liveness = await call(caller, 'POST', PATHS.liveness, { token: user.token, body: { face_1: faces[0], face_2: faces[1], face_3: faces[2], transaction_id: transactionId } });
  expect(liveness.body.data.isDigitalIdentityVerified).toBe(true);
  return {
    transactionId,
    sizes: { 'front/image': [320, 200], 'back/image': [300, 190], 'liveness/face_1': [120, 160], 'liveness/face_2': [110, 150], 'liveness/face_3': [100, 140] },
  };
}

describe('served by the sandbox', () => {
  it('answers /__vlens/ui with a strict policy, and its script, style and icon as files of its origin', async () => {
    const page = await fetch(`${mock.url}/__vlens/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    const html = await page.text();
    // No inline script or style at all: the policy would refuse it, and nothing needs it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    expect(html).not.toMatch(/https?:\/\//);
    for (const [asset, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
      ['icon.svg', 'image/svg+xml'],
    ]) {
      const answer = await fetch(`${mock.url}/__vlens/ui/${asset}`);
      expect([answer.status, answer.headers.get('content-type'), answer.headers.get('x-content-type-options')]).toEqual([200, type, 'nosniff']);
      expect(await answer.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    }
    expect((await fetch(`${mock.url}/__vlens/ui/other.js`)).status).toBe(400);
  });

  it('the banner of the process prints its address', () => {
    expect(mock.stdout()).toContain(`Dashboard: ${mock.url}/__vlens/ui`);
  });

  it('opens in Chromium under its policy, asks for the ApiKey, and asks nothing of another origin', async () => {
    const { page, requested } = await open();
    await expect.poll(() => page.getByLabel('ApiKey').isVisible()).toBe(true);
    expect(await page.locator('#status').textContent()).toBe('Enter an ApiKey to see its tenant.');
    expect(requested.every((url) => url.startsWith(`${mock.url}/__vlens/ui`))).toBe(true);
    expect(requested).toEqual(expect.arrayContaining([`${mock.url}/__vlens/ui/app.js`, `${mock.url}/__vlens/ui/style.css`]));
  });

  it('mocks/ui/assets.js is what `npm run generate` writes today', () => {
    for (const [path, content] of Object.entries(generateUiFiles())) expect(readFileSync(`${ROOT}${path}`, 'utf8'), `${path} is stale: run npm run generate`).toBe(content);
  });
});

describe('a tenant, live', () => {
  it('a flow made with fetch appears without a reload, and its uploads render at the size they were uploaded', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    await expect.poll(() => page.locator('#transactions').textContent()).toContain('No transactions yet');
    const { transactionId, sizes } = await verifiedFlow(caller);
    const card = page.locator(`article[data-transaction="${transactionId}"]`);
    // The card may show while the flow is under way (each request is a live update): wait for its end.
    await expect.poll(() => card.locator('[data-verdict]').getAttribute('data-verdict')).toBe('verified');
    expect(await card.locator('[data-step]').evaluateAll((items) => items.map((item) => item.getAttribute('data-step')))).toEqual(['front', 'back', 'liveness']);
    for (const [key, [width, height]] of Object.entries(sizes)) {
      const [step, field] = key.split('/') as [string, string];
      const image = card.locator(`[data-step="${step}"] img[data-field="${field}"]`);
      await expect.poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth), { timeout: 10_000 }).toBe(width);
      expect(await image.evaluate((element: HTMLImageElement) => [element.naturalWidth, element.naturalHeight])).toEqual([width, height]);
    }
    // A thumbnail opens the picture full size, and Escape closes it.
    await card.locator('[data-step="back"] button.thumb').click();
    const viewer = page.locator('#viewer');
    await expect.poll(() => viewer.evaluate((dialog: HTMLDialogElement) => dialog.open)).toBe(true);
    await expect.poll(() => page.locator('#viewer-image').evaluate((image: HTMLImageElement) => [image.naturalWidth, image.naturalHeight])).toEqual([300, 190]);
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.evaluate((dialog: HTMLDialogElement) => dialog.open)).toBe(false);
    // The journal and coverage followed too.
    await page.getByRole('tab', { name: 'Journal' }).click();
    await expect.poll(() => page.locator('#journal tr[data-seq]').count()).toBe(5);
    await page.getByRole('tab', { name: 'Coverage' }).click();
    await expect.poll(() => page.locator('#coverage-bar').evaluate((bar: HTMLProgressElement) => bar.value)).toBeGreaterThan(0);
  });

  it('the bytes of an upload that is no picture are said to be so, not shown broken', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    const answer = await call(caller, 'POST', PATHS.ocrFront, { body: { image: Buffer.from('not a picture at all, just text').toString('base64') } });
    const card = page.locator(`article[data-transaction="${answer.body.data.transaction_id ?? answer.body.data.transactionId}"]`);
    await expect.poll(() => card.locator('.thumb.missing').textContent()).toContain('Not a picture a browser can show');
  });

  it('a queued outcome set by clicking changes the next answer, and the journal says who chose it', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    await page.getByRole('tab', { name: 'Catalog' }).click();
    await page.locator('details[data-operation="verifyIdFront"] summary').click();
    await page.getByRole('button', { name: 'Queue cardNotDetected for the next call of verifyIdFront' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Queued cardNotDetected for the next call of verifyIdFront.');
    const user = await register(caller);
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: pngBase64(40, 30, 9) } });
    expect([front.status, front.body.error_code]).toEqual([200, 3011]);
    const again = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: pngBase64(40, 30, 10) } });
    expect(again.body.error_code).toBeNull();
    await page.getByRole('tab', { name: 'Journal' }).click();
    const queued = page.locator('#journal tr[data-seq]', { hasText: 'cardNotDetected' });
    await queued.waitFor();
    expect(await queued.locator('td').nth(5).textContent()).toBe('queued outcome');
  });

  it('plans an outcome for a transaction, arms a fault and expires tokens by clicking', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    const user = await register(caller);
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: pngBase64(40, 30, 11) } });
    const transactionId: string = front.body.data.idFrontData.transaction_id;
    await page.locator(`article[data-transaction="${transactionId}"]`).waitFor();
    await page.getByRole('tab', { name: 'Catalog' }).click();
    await page.getByLabel('Transaction id', { exact: true }).fill(transactionId);
    await page.getByLabel('Step', { exact: true }).selectOption('back');
    await page.getByLabel('Scenario', { exact: true }).selectOption('documentExpired');
    await page.getByRole('button', { name: 'Plan', exact: true }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('Planned documentExpired');
    const back = await call(caller, 'POST', PATHS.back, { token: user.token, body: { image: pngBase64(40, 30, 12), transaction_id: transactionId } });
    expect(back.body.error_code).toBe(3010);

    await page.locator('#fault-operation').selectOption('checkExistenceOfEmailOrPhone');
    await page.locator('#fault-name').selectOption('html502');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('Armed html502');
    const gateway = await call(caller, 'POST', PATHS.exists, { body: { email: 'someone@example.com' } });
    expect([gateway.status, gateway.headers.get('content-type')]).toEqual([502, 'text/html']);

    await page.getByRole('button', { name: 'Expire tokens' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('1 token(s) expired.');
    expect((await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: pngBase64(40, 30, 13) } })).status).toBe(401);
  });

  it('the journal filters by operation, status and transaction, and an entry opens with its redacted request and answer', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    const user = await register(caller, { password: 'Dashboard-SECRET-pass' });
    const front = await call(caller, 'POST', PATHS.front, { token: user.token, body: { image: pngBase64(40, 30, 14) } });
    const transactionId: string = front.body.data.idFrontData.transaction_id;
    await call(caller, 'POST', PATHS.liveness, {
      token: user.token,
      body: { face_1: pngBase64(10, 10, 1), face_2: pngBase64(10, 10, 2), face_3: pngBase64(10, 10, 3), transaction_id: transactionId },
    });
    await call(caller, 'POST', PATHS.front, { token: 'not a token', body: { image: pngBase64(40, 30, 15) } });
    await page.getByRole('tab', { name: 'Journal' }).click();
    const rows = page.locator('#journal tr[data-seq]');
    await expect.poll(() => rows.count()).toBe(5);
    const filters = page.locator('#journal-filters');
    await filters.getByLabel('Operation', { exact: true }).selectOption('verifyIdFront');
    await expect.poll(() => rows.count()).toBe(2);
    await filters.getByLabel('Status', { exact: true }).selectOption('401');
    await expect.poll(() => rows.count()).toBe(1);
    await filters.getByLabel('Status', { exact: true }).selectOption('');
    await filters.getByLabel('Operation', { exact: true }).selectOption('');
    await filters.getByLabel('Transaction', { exact: true }).fill(transactionId);
    await expect.poll(() => rows.count()).toBe(2);
    const refused = rows.filter({ hasText: 'idStepsMissing' });
    expect(await refused.locator('td.refusal').textContent()).toContain('has not succeeded');
    await filters.getByLabel('Transaction', { exact: true }).fill('');

    // The registration: its password and the answer's tokens are redacted.
    await page.getByRole('button', { name: 'Open request 2' }).click();
    const detail = page.locator('[data-detail="2"]');
    await expect.poll(() => detail.textContent()).toContain('"contentType": "application/json; charset=utf-8"');
    const text = (await detail.textContent()) ?? '';
    expect(text).toContain('"password": "<redacted>"');
    expect(text).toContain('"accessToken": "<redacted>"');
    expect(text).not.toContain('Dashboard-SECRET-pass');
    expect(text).not.toContain(user.token);
    expect(text).not.toContain(caller.apiKey);
  });

  it('a reset asks first; confirmed, the tenant is empty, and a reset made elsewhere shows too', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    const { transactionId } = await verifiedFlow(caller);
    await page.locator(`article[data-transaction="${transactionId}"]`).waitFor();
    await page.getByRole('tab', { name: 'Catalog' }).click();
    await page.getByRole('button', { name: 'Reset this tenant…' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await call(caller, 'GET', `/__vlens/transactions/${transactionId}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Reset this tenant…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('The tenant was reset.');
    expect((await call(caller, 'GET', '/__vlens/transactions')).body.total).toBe(0);

    // Elsewhere: a new flow, then a reset by the control API; the page starts over by itself.
    const second = await verifiedFlow(caller);
    await page.getByRole('tab', { name: 'Transactions' }).click();
    await page.locator(`article[data-transaction="${second.transactionId}"]`).waitFor();
    expect((await call(caller, 'POST', '/__vlens/reset')).status).toBe(204);
    await call(caller, 'POST', PATHS.exists, { body: { email: 'after-reset@example.com' } });
    await page.locator(`article[data-transaction="${second.transactionId}"]`).waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Journal' }).click();
    await expect.poll(() => page.locator('#journal tr[data-seq]').count()).toBe(1);
  });
});

describe('its promises', () => {
  it('keeps the ApiKey for this tab only: never in the URL or a cookie; a new tab asks again', async () => {
    const apiKey = `dash-SECRET-${randomUUID()}`;
    // One browser context, two tabs: sessionStorage is per tab, localStorage and cookies per context.
    const context = await browser.newContext();
    const { page, requested } = await openTenant(apiKey, {}, context);
    expect(page.url()).toBe(`${mock.url}/__vlens/ui`);
    expect(requested.some((url) => url.includes(apiKey))).toBe(false);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => Object.keys(localStorage).map((key) => localStorage.getItem(key)))).not.toContain(apiKey);
    // A reload keeps it (the same tab); another tab of the same browser does not have it.
    await page.reload();
    await page.locator('#status[data-state="live"]').waitFor();
    const other = await open({}, context);
    expect(await other.page.getByLabel('ApiKey').inputValue()).toBe('');
    expect(await other.page.locator('#status').getAttribute('data-state')).toBe('idle');
    await other.page.close();
    await page.close();
    await context.close();
  });

  it('works with the keyboard: tabs move with the arrow keys, a thumbnail opens with Enter', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    const { page } = await openTenant(caller.apiKey);
    const { transactionId } = await verifiedFlow(caller);
    await page.locator(`article[data-transaction="${transactionId}"] img[data-field="face_3"]`).waitFor();
    await page.getByRole('tab', { name: 'Transactions' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-journal');
    expect(await page.locator('#panel-journal').isVisible()).toBe(true);
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-coverage');
    await page.keyboard.press('Home');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('panel-transactions');
    // Tab into the first card's first thumbnail, open it, close it.
    const thumbnail = page.locator(`article[data-transaction="${transactionId}"] button.thumb`).first();
    await thumbnail.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#viewer').evaluate((dialog: HTMLDialogElement) => dialog.open)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#viewer').evaluate((dialog: HTMLDialogElement) => dialog.open)).toBe(false);
  });

  it('speaks Arabic, right to left, after the language switch', async () => {
    const { page } = await openTenant(`dash-${randomUUID()}`);
    await page.getByLabel('Language').selectOption('ar');
    expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
    expect(await page.getByRole('tab', { name: 'المعاملات' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#status').textContent()).toBe('مباشر: يتحدّث مع وصول الطلبات.');
    // The field keeps the name of the header it fills.
    expect(await page.getByLabel('ApiKey').isVisible()).toBe(true);
    await page.getByLabel('اللغة').selectOption('en');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
  });

  it('follows the system: light or dark', async () => {
    const { page } = await open();
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    expect(light).toBe('rgb(246, 247, 249)');
    expect(dark).toBe('rgb(13, 17, 23)');
  });

  it('is readable at 1280x800 and at a phone width: the page never scrolls sideways', async () => {
    const caller = { url: mock.url, apiKey: `dash-${randomUUID()}` };
    await verifiedFlow(caller);
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 360, height: 740 },
    ]) {
      const { page } = await openTenant(caller.apiKey, { viewport });
      await page.locator('article.transaction').first().waitFor();
      for (const tab of ['Transactions', 'Journal', 'Catalog', 'Coverage']) {
        await page.getByRole('tab', { name: tab }).click();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${tab} at ${viewport.width}px`).toBeLessThanOrEqual(0);
      }
    }
  });
});
