// Shared by the dashboard's suites: real Chromium (as test/client-browser.test.ts launches it), a page
// watched for console errors and for requests to any other origin, and real pictures to upload: PNGs
// encoded here, JPEGs encoded by Chromium's own canvas.
import { deflateSync, crc32 } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions the page had. */
  errors: string[];
  /** Every URL the page requested that is not of `origin` (blob: URLs of `origin` count as its own). */
  foreign: string[];
  /** Every URL the page requested. */
  requested: string[];
}

/** A new page (of its own context, or of `context`) that records its console errors and every request it makes. */
export async function watchedPage(browser: Browser | BrowserContext, origin: string, options: Parameters<Browser['newPage']>[0] = {}): Promise<WatchedPage> {
  const page = 'contexts' in browser ? await browser.newPage(options) : await browser.newPage();
  const watched: WatchedPage = { page, errors: [], foreign: [], requested: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    watched.requested.push(url);
    if (new URL(url).origin !== origin) watched.foreign.push(url);
  });
  return watched;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, checksum]);
}

/** A real PNG of `width` x `height` pixels (8-bit RGB), a gradient coloured by `seed`, as base64. */
export function pngBase64(width: number, height: number, seed: number): string {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 255) / width;
      row[2 + x * 3] = (y * 255) / height;
      row[3 + x * 3] = (seed * 53) & 0xff;
    }
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

/** A real JPEG of `width` x `height` pixels, encoded by Chromium's canvas, as base64. */
export async function jpegBase64(browser: Browser, width: number, height: number, seed: number): Promise<string> {
  const page = await browser.newPage();
  try {
    const url = await page.evaluate(
      ({ width, height, seed }) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const context = canvas.getContext('2d')!;
        context.fillStyle = `hsl(${(seed * 47) % 360} 60% 70%)`;
        context.fillRect(0, 0, width, height);
        context.fillStyle = '#333';
        context.beginPath();
        context.ellipse(width / 2, height / 2, width / 4, height / 3, 0, 0, Math.PI * 2);
        context.fill();
        return canvas.toDataURL('image/jpeg', 0.8);
      },
      { width, height, seed },
    );
    return url.slice(url.indexOf(',') + 1);
  } finally {
    await page.close();
  }
}
