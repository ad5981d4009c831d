#!/usr/bin/env node
// The screenshots of docs/dashboard.md, made rather than drawn: a sandbox started with the example seed,
// a capture flow with real pictures and a few refused requests sent over HTTP, then the dashboard in
// Chromium at 1280x800 (each view) and at a phone's width in Arabic and dark. Writes
// docs/dashboard-*.png, or into the folder given: `node scripts/docs/dashboard-screenshots.mjs [dir]`.
// test/dashboard-screenshots.test.ts runs it into a temporary folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startMock } from '../../mocks/index.js';
import { ROOT } from '../lib/description.mjs';

const API_KEY = 'example-seed';
export const SCREENSHOTS = ['dashboard-transactions.png', 'dashboard-journal.png', 'dashboard-catalog.png', 'dashboard-coverage.png', 'dashboard-phone-ar.png'];

/**
 * A PNG of a card or a face, `width` x `height`, as base64 (drawn here: no image file is read).
 * @param {number} width
 * @param {number} height
 * @param {(x: number, y: number) => number[]} pixel its colour at a point, x and y from 0 to 1
 */
function png(width, height, pixel) {
  /** @param {string} type @param {Buffer} data */
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(typed) >>> 0);
    return Buffer.concat([length, typed, checksum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set(pixel(x / width, y / height), 1 + x * 3);
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

/** @param {number[]} tint @returns {(x: number, y: number) => number[]} */
const card = (tint) => (x, y) =>
  y > 0.18 && y < 0.3 ? [30, 60, 120] : x > 0.08 && x < 0.34 && y > 0.4 && y < 0.85 ? [150, 150, 160] : y > 0.45 && y < 0.5 && x > 0.42 ? [90, 90, 90] : tint;
/** @param {number} shade @returns {(x: number, y: number) => number[]} */
const face = (shade) => (x, y) => ((x - 0.5) ** 2 / 0.09 + (y - 0.45) ** 2 / 0.16 <= 1 ? [224 - shade, 172 - shade, 105 - shade] : [225, 230, 236]);

/**
 * @param {string} url
 * @param {string} path
 * @param {{ body?: unknown, token?: string, headers?: Record<string, string> }} [options]
 */
async function send(url, path, { body, token, headers = {} } = {}) {
  /** @type {Record<string, string>} */
  const sent = { ApiKey: API_KEY, 'Content-Type': 'application/json', ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  return response.json().catch(() => null);
}

/** A user's verified capture with pictures, a refused liveness, a forced answer: what the journal shows. @param {string} url */
async function traffic(url) {
  const phoneNumber = '+201900314159';
  const sent = await send(url, '/api/DigitalIdentity/Register/StepVerifyPhone', { body: { phoneNumber } });
  const registered = await send(url, '/api/DigitalIdentity/Register', {
    body: { phoneNumber, password: 'Sandbox-pass-4', phoneNumberOtpRequestId: sent.data.phoneNumberOtpRequestId, phoneNumberOtp: '123456' },
  });
  const token = registered.data.accessToken;
  const front = await send(url, '/api/DigitalIdentity/verify/id/front', { token, body: { image: png(320, 200, card([200, 220, 240])) } });
  const transactionId = front.data.idFrontData.transaction_id;
  const faces = { face_1: png(120, 160, face(0)), face_2: png(120, 160, face(20)), face_3: png(120, 160, face(40)) };
  await send(url, '/api/DigitalIdentity/verify/liveness/multi', { token, body: { ...faces, transaction_id: transactionId } });
  await send(url, '/api/DigitalIdentity/verify/id/back', { token, body: { image: png(320, 200, card([210, 235, 210])), transaction_id: transactionId } });
  await send(url, '/api/DigitalIdentity/verify/liveness/multi', { token, body: { ...faces, transaction_id: transactionId } });
  await send(url, '/api/DigitalIdentity/verify/id/front', { token, headers: { Prefer: 'example=cardNotDetected' }, body: { image: png(320, 200, card([235, 225, 200])) } });
  await send(url, '/api/DigitalIdentity/Login', { body: { phoneNumber, password: 'wrong', imei: '356938035643809' } });
}

/**
 * Writes the screenshots into `dir` (docs/ by default); resolves with their paths.
 * @param {string} [dir]
 * @returns {Promise<string[]>}
 */
export async function takeScreenshots(dir = join(ROOT, 'docs')) {
  mkdirSync(dir, { recursive: true });
  const mock = await startMock({ port: 0, seedFile: join(ROOT, 'mocks/seeds/example.json') });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });
  /** @type {string[]} */
  const written = [];
  try {
    await traffic(mock.url);
    /** @param {import('playwright-core').Page} page @param {string} name */
    const shoot = async (page, name) => {
      const path = join(dir, name);
      await page.screenshot({ path });
      written.push(path);
    };
    /** @param {Parameters<import('playwright-core').Browser['newPage']>[0]} options */
    const open = async (options) => {
      const page = await browser.newPage(options);
      await page.goto(`${mock.url}/__vlens/ui`);
      await page.getByLabel('ApiKey').fill(API_KEY);
      await page.locator('#connect button[type="submit"]').click();
      await page.locator('#status[data-state="live"]').waitFor();
      await page.locator('article.transaction img[data-field="face_3"]').first().waitFor();
      await page.waitForFunction(() =>
        [...document.querySelectorAll('article.transaction img')].every((image) => image instanceof HTMLImageElement && image.complete && image.naturalWidth > 0),
      );
      return page;
    };
    const page = await open({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    await shoot(page, 'dashboard-transactions.png');
    await page.locator('#tab-journal').click();
    await page.locator('#journal tr[data-seq]', { hasText: 'idStepsMissing' }).locator('button').click();
    await page.locator('.detail-body pre').first().waitFor();
    await shoot(page, 'dashboard-journal.png');
    await page.locator('#tab-catalog').click();
    await page.locator('details[data-operation="verifyLiveness"] summary').click();
    await shoot(page, 'dashboard-catalog.png');
    await page.locator('#tab-coverage').click();
    await page.locator('#coverage tr').first().waitFor();
    await shoot(page, 'dashboard-coverage.png');
    const phone = await open({ viewport: { width: 390, height: 780 }, colorScheme: 'dark' });
    await phone.getByLabel('Language').selectOption('ar');
    await shoot(phone, 'dashboard-phone-ar.png');
  } finally {
    await browser.close();
    await mock.stop();
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const path of await takeScreenshots(process.argv[2])) console.log(`wrote ${path}`);
}
