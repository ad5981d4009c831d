// The links of the README and the guides, as GitHub shows them: every relative link names a file or
// folder of the repository, and every anchor a heading of its target (GitHub's ids, as the portal
// gives them too). The portal's own pages are checked in Chromium by test/docs-portal.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Token } from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { README_PATH, createMarkdown, listGuides } from '../scripts/docs/guides.mjs';
import { ROOT } from '../scripts/lib/description.mjs';

// Guides the README and the guides link to that are written on other branches (the sandbox without
// Node, Postman, the client's safety limits). Until they land, a link to them is not a broken one.
const WRITTEN_ELSEWHERE = new Set(['docs/without-node.md', 'docs/postman.md', 'docs/client-safety.md']);

const documents: string[] = [README_PATH, ...listGuides().map((guide) => guide.file)];

/** The relative links of a Markdown file (images included), with the line each is on. */
function linksOf(file: string) {
  const links: { href: string; line: number }[] = [];
  const visit = (tokens: Token[], line: number) => {
    for (const token of tokens) {
      const at = token.map ? token.map[0] + 1 : line;
      const attribute = token.type === 'link_open' ? token.attrGet('href') : token.type === 'image' ? token.attrGet('src') : null;
      // markdown-it keeps attributes as it parsed them: text.
      const href = attribute === null ? null : String(attribute);
      if (href !== null && !/^[a-z][a-z0-9+.-]*:/i.test(href)) links.push({ href, line: at });
      if (token.children) visit(token.children, at);
    }
  };
  visit(createMarkdown().parse(readFileSync(file, 'utf8'), {}), 1);
  return links;
}

/** The heading ids of a Markdown file, as GitHub and the portal make them. */
function headingIds(file: string) {
  return new Set(
    [
      ...createMarkdown()
        .render(readFileSync(file, 'utf8'))
        .matchAll(/<h[1-6] id="([^"]+)"/g),
    ].map((match) => match[1]!),
  );
}

/** What is wrong with a link of `from`, or undefined. */
function problemOf(from: string, href: string) {
  const [path, hash] = href.split('#') as [string, string | undefined];
  const target = path === '' ? from : join(dirname(from), decodeURI(path));
  const name = relative(ROOT, target);
  if (!existsSync(target)) return WRITTEN_ELSEWHERE.has(name) ? undefined : `${name} does not exist`;
  if (hash !== undefined && name.endsWith('.md') && !headingIds(target).has(decodeURIComponent(hash))) return `${name} has no heading #${hash}`;
  return undefined;
}

describe('the links of the README and the guides', () => {
  it('name files of the repository, and headings that exist', () => {
    const problems = documents.flatMap((file) =>
      linksOf(file).flatMap(({ href, line }) => {
        const problem = problemOf(file, href);
        return problem ? [`${relative(ROOT, file)}:${line}: ${href}: ${problem}`] : [];
      }),
    );
    expect(documents.length).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });

  it('the check bites: a missing file, a missing heading', () => {
    expect(problemOf(join(ROOT, 'docs/client.md'), 'sandbox.md#the-control-api')).toBeUndefined();
    expect(problemOf(join(ROOT, 'docs/client.md'), 'sandbox.md#no-such-heading')).toBe('docs/sandbox.md has no heading #no-such-heading');
    expect(problemOf(join(ROOT, 'docs/client.md'), 'nowhere.md')).toBe('docs/nowhere.md does not exist');
    expect(problemOf(README_PATH, '#quick-start')).toBeUndefined();
  });
});
