#!/usr/bin/env node
// Builds the docs portal in dist/docs/: the API reference (index.html) rendered by Redoc from the
// bundled description, the sandbox's control API (sandbox-control-api.html) rendered the same way, and one page
// per guide of docs/ (guides.mjs). Every page is self-contained: it asks nothing of any other origin,
// so the portal opens from disk or from any static server behind a firewall. One navigation bar on
// every page links them all, with relative links (one folder, from disk as from a server).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BUNDLE_PATH, ROOT, loadBundle } from '../lib/description.mjs';
import { NAVIGATION_STYLE, REFERENCE_PAGES, listGuides, navigation, renderGuide } from './guides.mjs';

export const DOCS_PATH = join(ROOT, 'dist/docs/index.html');
/** The mock sandbox's control API, a page of its own next to the portal (its description is not the API's). */
export const SANDBOX_DOCS_PATH = join(ROOT, 'dist/docs/sandbox-control-api.html');
export const SANDBOX_DESCRIPTION_PATH = join(ROOT, 'openapi/sandbox/openapi.yaml');
const TEMPLATE_PATH = join(ROOT, 'scripts/docs/template.hbs');

// Redoc shows only the x-codeSamples whose label is in this list, in this order; the first is the
// default tab. Payload is Redoc's own request-body sample. Stacked, because the introduction's
// five-column tables (error codes, scenarios) are unreadable in the three-panel middle column; the
// reader can still switch layouts from the sidebar.
export const REDOC_OPTIONS = {
  codeSamples: {
    languages: [
      { lang: 'TypeScript', label: 'TypeScript' },
      { lang: 'TypeScript', label: 'TypeScript flow' },
      { lang: 'curl', label: 'curl' },
      { lang: 'Payload', label: 'Payload' },
    ],
  },
  sortRequiredPropsFirst: true,
  layout: 'stacked',
};

// Redoc 3 renders its "API docs by" badge as an <img> from cdn.redoc.ly. The same mark, inline.
const REDOCLY_MARK = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="56" height="14" viewBox="0 0 56 14">' +
    '<text x="0" y="11" font-family="system-ui,sans-serif" font-size="12" font-weight="600" fill="#1a1c21">Redocly</text></svg>',
)}`;
const REMOTE_ASSETS = new Map([
  ['https://cdn.redoc.ly/redoc/logo-mini-full.svg', REDOCLY_MARK],
  ['https://cdn.redoc.ly/redoc/logo-mini.svg', REDOCLY_MARK],
]);

/**
 * Swaps every known remote asset for an inline one; fails when Redoc no longer has it, so an upgrade is looked at.
 * @param {string} html a page Redoc built
 * @returns {string}
 */
export function inlineRemoteAssets(html) {
  let result = html;
  for (const [url, inline] of REMOTE_ASSETS) {
    if (!result.includes(url)) throw new Error(`Redoc no longer references ${url}: check the portal for new remote assets`);
    result = result.replaceAll(url, inline);
  }
  if (/<script[^>]+\bsrc=|<link[^>]+\bhref="https?:/i.test(result)) {
    throw new Error('The page loads a script or stylesheet from elsewhere: build it with --inlineBundle');
  }
  return result;
}

/**
 * Builds the portal page; the portal itself (default paths) also gets the control API page and the
 * guides' pages next to it.
 * @param {{ bundlePath?: string, outFile?: string }} [options]
 * @returns {Promise<{ outFile: string, bytes: number }>} the page written, and its size
 */
export async function buildDocs({ bundlePath = BUNDLE_PATH, outFile = DOCS_PATH } = {}) {
  const portal = () => buildPage({ bundlePath, outFile });
  if (bundlePath === BUNDLE_PATH && outFile === DOCS_PATH) {
    const [built] = await Promise.all([portal(), buildSandboxDocs(), buildGuides()]);
    return built;
  }
  return portal();
}

/**
 * The control API of the mock's sandbox (openapi/sandbox/openapi.yaml) as a page of the same kind.
 * @param {{ outFile?: string }} [options]
 */
export function buildSandboxDocs({ outFile = SANDBOX_DOCS_PATH } = {}) {
  return buildPage({ bundlePath: SANDBOX_DESCRIPTION_PATH, outFile });
}

/**
 * Every guide of docs/ as `<name>.html` in outDir; returns the files written.
 * @param {{ outDir?: string }} [options]
 * @returns {string[]}
 */
export function buildGuides({ outDir = dirname(DOCS_PATH) } = {}) {
  const guides = listGuides();
  const { version } = loadBundle().info;
  mkdirSync(outDir, { recursive: true });
  return guides.map((guide) => {
    const outFile = join(outDir, guide.href);
    writeFileSync(outFile, renderGuide(guide, guides, { version }));
    return outFile;
  });
}

/**
 * One description rendered by Redoc, with the navigation bar.
 * @param {{ bundlePath: string, outFile: string }} paths
 * @returns {Promise<{ outFile: string, bytes: number }>}
 */
async function buildPage({ bundlePath, outFile }) {
  const { info } = loadBundle(bundlePath);
  const work = mkdtempSync(join(tmpdir(), 'vlens-docs-'));
  try {
    const raw = join(work, 'index.html');
    await promisify(execFile)(
      join(ROOT, 'node_modules/.bin/redocly'),
      [
        'build-docs',
        bundlePath,
        '--inlineBundle',
        '--openapi',
        JSON.stringify(REDOC_OPTIONS),
        '--template',
        TEMPLATE_PATH,
        '--title',
        `${info.title} ${info.version}`,
        `--templateOptions.description=${info.summary ?? info.title}`,
        '--output',
        raw,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
        },
      },
    );
    const current = bundlePath === SANDBOX_DESCRIPTION_PATH ? REFERENCE_PAGES[1].href : REFERENCE_PAGES[0].href;
    const html = inlineRemoteAssets(readFileSync(raw, 'utf8'))
      .replace('<!-- vlens-pages-style -->', () => `<style>${NAVIGATION_STYLE}</style>`)
      .replace('<!-- vlens-pages -->', () => navigation(current));
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, html);
    return { outFile, bytes: Buffer.byteLength(html) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outFile, bytes } = await buildDocs();
  console.log(
    `wrote ${relative(ROOT, outFile)} (${Math.round(bytes / 1024)} KiB, self-contained), ${relative(ROOT, SANDBOX_DOCS_PATH)} (the sandbox control API) and ${listGuides().length} guides`,
  );
}
