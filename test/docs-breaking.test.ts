// The breaking-change check: `redocly diff` between the committed bundle of the last release
// (openapi/releases/) and the current bundle fails on a breaking change unless info.version has a
// new major. Proven on a revision made breaking on purpose, in every way the diff rules know.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBreakingChanges, judge, listReleases } from '../scripts/docs/check-breaking.mjs';
import { BUNDLE_PATH, ROOT } from '../scripts/lib/description.mjs';

type Doc = Record<string, any>;

const releases = listReleases();
const latest = releases.at(-1)!;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlens-breaking-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(name: string, doc: Doc) {
  const path = join(dir, name);
  writeFileSync(path, stringify(doc, { lineWidth: 0 }));
  return path;
}

const load = (path: string): Doc => parse(readFileSync(path, 'utf8'));

/** The release, with an enum on a request field so that removing one of its values can be tried too. */
function baseWithEnum(): Doc {
  const doc = load(latest.path);
  doc.components.schemas.VerifyIdRequest.properties.country.enum = ['EGY', 'SAU', null];
  return doc;
}

/** Every kind of break: a removed operation, a new required request field, a removed response field, a narrowed type, a tighter limit, a removed enum value. */
function breakEverything(doc: Doc): Doc {
  const next = structuredClone(doc);
  delete next.paths['/api/credentials/RefreshToken'];
  next.components.schemas.VerifyIdRequest.required.push('country');
  delete next.components.schemas.IdFrontData.properties.idNumber;
  next.components.schemas.RegisterRequest.properties.password.type = 'string';
  next.components.schemas.Base64Image.maxLength = 1_000_000;
  next.components.schemas.VerifyIdRequest.properties.country.enum = ['EGY', null];
  return next;
}

const withVersion = (doc: Doc, version: string) => ({ ...doc, info: { ...doc.info, version } });

describe('breaking-change check', () => {
  it('has a committed release baseline, recorded in CHANGELOG.md', () => {
    expect(releases.length).toBeGreaterThan(0);
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    for (const { version } of releases) expect(changelog, `CHANGELOG.md has no section for release ${version}`).toContain(`## ${version}`);
    const current = load(BUNDLE_PATH).info.version;
    expect(changelog, `CHANGELOG.md has no section for info.version ${current}`).toContain(`## ${current}`);
  });

  it('the current bundle has no breaking change since the last release without a new major', async () => {
    const verdict = await checkBreakingChanges();
    expect(verdict.problems, verdict.breaking.join('\n')).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.baseVersion).toBe(latest.version);
  });

  it('fails on a deliberately breaking revision with the same version, naming every break', async () => {
    const base = baseWithEnum();
    const verdict = await checkBreakingChanges({ basePath: write('base.yaml', base), revisionPath: write('broken.yaml', breakEverything(base)) });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/breaking change\(s\) since release 1\.0\.0, but info\.version is 1\.0\.0: .* release them as 2\.0\.0/);
    const rules = verdict.breaking.map((line) => line.split(':')[0]);
    expect(new Set(rules)).toEqual(
      new Set(['path-removed', 'required-properties-added', 'property-removed', 'schema-type-changed', 'schema-constraint-changed', 'enum-values-removed']),
    );
    expect(verdict.breaking.join('\n')).toContain('/api/credentials/RefreshToken');
  });

  it('passes the same breaking revision released as a new major, and fails a minor bump', async () => {
    const base = baseWithEnum();
    const basePath = write('base.yaml', base);
    const major = await checkBreakingChanges({ basePath, revisionPath: write('major.yaml', withVersion(breakEverything(base), '2.0.0')) });
    expect(major.ok).toBe(true);
    expect(major.breaking.length).toBeGreaterThan(0);
    const minor = await checkBreakingChanges({ basePath, revisionPath: write('minor.yaml', withVersion(breakEverything(base), '1.1.0')) });
    expect(minor.ok).toBe(false);
  });

  it('lets compatible changes through: a new optional request field and a new operation', async () => {
    const base = load(latest.path);
    const next = structuredClone(base);
    next.components.schemas.LinkTransactionRequest.properties.note = { type: 'string', maxLength: 64 };
    next.paths['/api/DigitalIdentity/Ping'] = structuredClone(base.paths['/api/credentials/RefreshToken']);
    next.paths['/api/DigitalIdentity/Ping'].post.operationId = 'ping';
    const verdict = await checkBreakingChanges({ basePath: latest.path, revisionPath: write('compatible.yaml', next) });
    expect(verdict).toMatchObject({ ok: true, breaking: [] });
    expect(verdict.summary.minor).toBeGreaterThan(0);
  });

  it('refuses a version that goes down, and a version that is not semver', () => {
    const report = (base: string, revision: string) => ({ infoVersions: { base, revision }, changes: [], summary: {}, bump: 'patch' });
    expect(judge(report('1.2.0', '1.1.9')).problems).toEqual(['info.version went down from 1.2.0 to 1.1.9']);
    expect(() => judge(report('1.0.0', 'v2'))).toThrow(/semantic version/);
  });
});
