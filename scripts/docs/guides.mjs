// The guides under docs/ (Markdown, read on GitHub as they are) rendered into the docs portal: one
// self-contained HTML page per guide beside the API reference, with one navigation bar on every page.
// Also the one place that reads the code blocks of the README and the guides, for the tests that
// compile and run them (test/docs-blocks.test.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join, posix, relative } from 'node:path';
import { slug } from 'github-slugger';
import MarkdownIt from 'markdown-it';
import anchor from 'markdown-it-anchor';
import { ROOT } from '../lib/description.mjs';

/** @import { Token } from 'markdown-it' */

/**
 * A guide: `docs/<name>.md`, rendered as `<name>.html`; `title` is its first `# ` heading.
 * @typedef {{ name: string, file: string, href: string, title: string }} Guide
 */

/**
 * A fenced code block: `file` from the repository's root, `line` 1-based (the opening fence), `lang`
 * the first word of the info string, `marker` the text of an HTML comment right above it.
 * @typedef {{ file: string, line: number, lang: string, code: string, marker: string | undefined }} CodeBlock
 */

export const GUIDES_DIR = join(ROOT, 'docs');
export const README_PATH = join(ROOT, 'README.md');

// The navigation's order: the reader's path from what the API is to how this kit is checked. A guide
// not listed here (a helper's new topic) still gets its page, after these, in alphabetical order.
const ORDER = [
  'install',
  'description',
  'client',
  'client-safety',
  'capture-before-login',
  'sandbox',
  'dashboard',
  'msw',
  'testing',
  'mobile',
  'proxy',
  'without-node',
  'postman',
  'contract-checks',
  'portal',
  'performance',
  'how-it-is-tested',
];

const { repository } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** The repository on GitHub (https://github.com/owner/name), where links to files that are not guides point. */
export const REPOSITORY_URL = repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

/**
 * The pages of the portal that are not guides, in the order the navigation bar shows them: the API
 * reference, then the sandbox's control API.
 * @type {[{ href: string, title: string }, { href: string, title: string }]}
 */
export const REFERENCE_PAGES = [
  { href: 'index.html', title: 'API reference' },
  { href: 'sandbox-control-api.html', title: 'Sandbox control API' },
];

/**
 * Every guide: `{ name, file, href, title }`, `title` being its first `# ` heading (the navigation's
 * label), in the navigation's order. Throws when a guide has no `# ` heading.
 * @param {string} [dir]
 * @returns {Guide[]}
 */
export function listGuides(dir = GUIDES_DIR) {
  const names = readdirSync(dir)
    .filter((file) => extname(file) === '.md')
    .map((file) => basename(file, '.md'));
  /** @param {string} name */
  const rank = (name) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const taken = REFERENCE_PAGES.map((page) => page.href);
  return names.map((name) => {
    if (taken.includes(`${name}.html`)) throw new Error(`docs/${name}.md would overwrite the portal's ${name}.html: rename the guide`);
    const file = join(dir, `${name}.md`);
    const heading = /^# (.+)$/m.exec(readFileSync(file, 'utf8'));
    if (!heading) throw new Error(`${relative(ROOT, file)} has no "# " heading to name its page`);
    return { name, file, href: `${name}.html`, title: (heading[1] ?? '').replace(/`/g, '').trim() };
  });
}

/**
 * A Markdown parser with GitHub's heading ids (github-slugger, duplicates suffixed -1, -2 as GitHub
 * does), so `guide.md#a-heading` works on GitHub and in the portal alike.
 */
export function createMarkdown() {
  return new MarkdownIt({ html: true, linkify: false, typographer: false }).use(anchor, {
    slugify: slug,
    tabIndex: false,
    uniqueSlugStartIndex: 1,
  });
}

/**
 * The fenced code blocks of a Markdown file: `{ file, line, lang, code, marker }`. `line` is the
 * 1-based line of the opening fence; `marker` is the text of an HTML comment on the line right above
 * it (`<!-- compile: skip — reason -->` gives `compile: skip — reason`), or undefined.
 * @param {string} file
 * @returns {CodeBlock[]}
 */
export function codeBlocks(file) {
  const tokens = createMarkdown().parse(readFileSync(file, 'utf8'), {});
  /** @type {CodeBlock[]} */
  const blocks = [];
  tokens.forEach((token, index) => {
    // A block token always has its lines (`map`); only inline tokens lack them.
    if (token.type !== 'fence' || !token.map) return;
    const before = tokens[index - 1];
    const comment = before?.type === 'html_block' && before.map?.[1] === token.map[0] ? /<!--\s*([\s\S]*?)\s*-->\s*$/.exec(before.content) : null;
    blocks.push({
      file: relative(ROOT, file),
      line: token.map[0] + 1,
      lang: token.info.trim().split(/\s+/)[0] ?? '',
      code: token.content,
      marker: comment?.[1],
    });
  });
  return blocks;
}

/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** @param {string} text */
const escapeHtml = (text) => text.replace(/[&<>"]/g, (char) => ENTITIES[char] ?? char);

/** @type {Record<string, string>} */
const IMAGE_TYPES = { '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif' };

/**
 * Where a link of a guide points in the portal: another guide's page (`client.md#tokens` becomes
 * `client.html#tokens`), the repository on GitHub for any other file of it (the README, a source
 * file, a folder), or unchanged (an anchor of the page itself, another site).
 * @param {string} href
 * @param {string} guideFile the linking guide's path
 * @param {Guide[]} guides
 * @returns {string}
 */
function portalHref(href, guideFile, guides) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#') || href === '') return href;
  const [path, hash = ''] = href.split(/(?=#)/);
  const target = posix.normalize(posix.join(posix.dirname(relative(ROOT, guideFile).split('\\').join('/')), decodeURI(path ?? '')));
  const guide = guides.find((candidate) => relative(ROOT, candidate.file).split('\\').join('/') === target);
  if (guide) return `${guide.href}${hash}`;
  const kind = target.endsWith('/') || extname(target) === '' ? 'tree' : 'blob';
  return `${REPOSITORY_URL}/${kind}/main/${target.replace(/\/$/, '')}${hash}`;
}

/**
 * The navigation bar of every page: the two references, then every guide; the current page marked.
 * @param {string} current the `href` of the page the bar is on
 * @param {Guide[]} [guides]
 * @returns {string} HTML
 */
export function navigation(current, guides = listGuides()) {
  /** @param {{ href: string, title: string }} page */
  const link = ({ href, title }) => `<a href="${href}"${href === current ? ' aria-current="page"' : ''}>${escapeHtml(title)}</a>`;
  return [
    '<nav class="vlens-pages" aria-label="Pages of these docs">',
    `<span class="vlens-pages-group">${REFERENCE_PAGES.map(link).join(' ')}</span>`,
    `<span class="vlens-pages-group" aria-label="Guides">${guides.map(link).join(' ')}</span>`,
    '</nav>',
  ].join('');
}

/** The bar's style, shared by the Redoc pages and the guides. */
export const NAVIGATION_STYLE = `
.vlens-pages { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 8px 20px; font: 14px/1.5 system-ui, sans-serif; background: #f4f5f7; border-bottom: 1px solid #dfe1e6; }
.vlens-pages-group { display: flex; flex-wrap: wrap; gap: 4px 12px; }
.vlens-pages-group + .vlens-pages-group { border-left: 1px solid #c1c7d0; padding-left: 18px; }
.vlens-pages a { color: #32329f; }
.vlens-pages a[aria-current="page"] { color: #172b4d; font-weight: 600; text-decoration: none; }
`;

const GUIDE_STYLE = `
body { margin: 0; color: #172b4d; font: 16px/1.6 system-ui, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 8px 24px 64px; }
h1, h2, h3 { line-height: 1.25; }
h2 { margin-top: 2em; border-bottom: 1px solid #dfe1e6; padding-bottom: 4px; }
a { color: #32329f; }
code { font: 0.9em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f4f5f7; padding: 1px 4px; border-radius: 3px; }
pre { background: #f4f5f7; padding: 12px 16px; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: 1em 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #dfe1e6; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f4f5f7; }
img { max-width: 100%; }
`;

// Nothing but this page: no script at all, styles inline, images as data: URIs.
const GUIDE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/**
 * One guide as a self-contained HTML page: its Markdown rendered, its links pointed at the portal's
 * pages (or the repository for other files), its local images inlined. Returns the page's HTML.
 * @param {Guide} guide
 * @param {Guide[]} [guides]
 * @param {{ version?: string }} [options] the description's version, for the page's title
 * @returns {string}
 */
export function renderGuide(guide, guides = listGuides(), { version = '' } = {}) {
  const md = createMarkdown();
  md.core.ruler.push('vlens-portal-links', (state) => {
    /** @param {Token[]} tokens */
    const visit = (tokens) => {
      for (const token of tokens) {
        // A link always has an href and an image a src: markdown-it sets them as strings.
        if (token.type === 'link_open') token.attrSet('href', portalHref(String(token.attrGet('href') ?? ''), guide.file, guides));
        if (token.type === 'image') {
          const src = String(token.attrGet('src') ?? '');
          if (!/^[a-z][a-z0-9+.-]*:/i.test(src)) {
            const path = join(dirname(guide.file), decodeURI(src));
            const type = IMAGE_TYPES[extname(path).toLowerCase()];
            if (!type) throw new Error(`${relative(ROOT, guide.file)}: cannot inline the image ${src}`);
            token.attrSet('src', `data:${type};base64,${readFileSync(path).toString('base64')}`);
          }
        }
        if (token.children) visit(token.children);
      }
    };
    visit(state.tokens);
  });
  const body = md.render(readFileSync(guide.file, 'utf8'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${GUIDE_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(guide.title)} · Vlens Digital Identity${version ? ` ${escapeHtml(version)}` : ''}</title>
<link rel="icon" href="data:,">
<style>${NAVIGATION_STYLE}${GUIDE_STYLE}</style>
</head>
<body>
${navigation(guide.href, guides)}
<main>
${body}</main>
</body>
</html>
`;
}
