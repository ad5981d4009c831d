// The breaking-change check: `redocly diff` between the committed bundle of the last release
// (openapi/releases/) and the current bundle fails on a breaking change unless info.version has a
// new major. Proven on a revision made breaking on purpose, in every way the diff rules know.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBreakingChanges, judge, listReleases, loadReviewedChanges, parseVersion, type DiffChange } from '../scripts/docs/check-breaking.mjs';
import { BUNDLE_PATH, ROOT } from '../scripts/lib/description.mjs';

type Doc = Record<string, any>;

const releases = listReleases();
const latest = releases.at(-1)!;
const [major, minor] = parseVersion(latest.version);
const nextMajor = `${major + 1}.0.0`;
const nextMinor = `${major}.${minor + 1}.0`;
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
  it("has a committed release baseline, recorded in openapi/CHANGELOG.md (the description's; the root one is the package's)", () => {
    expect(releases.length).toBeGreaterThan(0);
    const changelog = readFileSync(join(ROOT, 'openapi', 'CHANGELOG.md'), 'utf8');
    for (const { version } of releases) expect(changelog, `openapi/CHANGELOG.md has no section for release ${version}`).toContain(`## ${version}`);
    const current = load(BUNDLE_PATH).info.version;
    expect(changelog, `openapi/CHANGELOG.md has no section for info.version ${current}`).toContain(`## ${current}`);
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
    const escaped = (version: string) => version.replace(/\./g, '\\.');
    expect(verdict.problems.join('\n')).toMatch(
      new RegExp(`breaking change\\(s\\) since release ${escaped(latest.version)}, but info\\.version is ${escaped(latest.version)}: .* release them as ${escaped(nextMajor)}`),
    );
    const rules = verdict.breaking.map((line) => line.split(':')[0]);
    expect(new Set(rules)).toEqual(
      new Set(['path-removed', 'required-properties-added', 'property-removed', 'schema-type-changed', 'schema-constraint-changed', 'enum-values-removed']),
    );
    expect(verdict.breaking.join('\n')).toContain('/api/credentials/RefreshToken');
  });

  it('passes the same breaking revision released as a new major, and fails a minor bump', async () => {
    const base = baseWithEnum();
    const basePath = write('base.yaml', base);
    const asMajor = await checkBreakingChanges({ basePath, revisionPath: write('major.yaml', withVersion(breakEverything(base), nextMajor)) });
    expect(asMajor.ok).toBe(true);
    expect(asMajor.breaking.length).toBeGreaterThan(0);
    const asMinor = await checkBreakingChanges({ basePath, revisionPath: write('minor.yaml', withVersion(breakEverything(base), nextMinor)) });
    expect(asMinor.ok).toBe(false);
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

  it('each release is compatible with the one before it, apart from the changes reviewed as breaking no client', async () => {
    expect(releases.map((release) => release.version)).toContain('1.0.0');
    for (let index = 1; index < releases.length; index += 1) {
      const verdict = await checkBreakingChanges({ basePath: releases[index - 1]!.path, revisionPath: releases[index]!.path });
      expect(verdict.problems, `${releases[index - 1]!.version} -> ${releases[index]!.version}: ${verdict.breaking.join('\n')}`).toEqual([]);
    }
    // 1.1.0 against the 1.0.0 baseline, whether or not 1.1.0 is frozen yet: each reviewed change is
    // used, and each is explained.
    const baseline = releases.find((release) => release.version === '1.0.0')!;
    const revision = releases.find((release) => release.version === '1.1.0')?.path;
    const verdict = await checkBreakingChanges({ basePath: baseline.path, ...(revision ? { revisionPath: revision } : {}) });
    expect(verdict).toMatchObject({ ok: true, breaking: [], baseVersion: '1.0.0', revisionVersion: '1.1.0' });
    expect(verdict.accepted).toHaveLength(loadReviewedChanges().filter((entry) => entry.since === '1.0.0').length);
    expect(verdict.accepted.join('\n')).toContain('`pattern` of `TransactionId` changed');
  });

  it('lets a reviewed change through only for its pair of versions, at its location, and fails on one the diff no longer reports', () => {
    const change = (pointer: string, message: string): DiffChange => ({
      impact: 'major',
      verdicts: [{ ruleId: 'schema-constraint-changed', impact: 'major', message, location: { pointer } }],
    });
    const report = (base: string, revision: string, changes: DiffChange[]) => ({ infoVersions: { base, revision }, changes, summary: {}, bump: 'major' });
    const reviewed = [{ release: '1.1.0', since: '1.0.0', rule: 'schema-constraint-changed', at: '#/components/schemas/A/pattern', message: 'pattern changed', why: 'widened' }];
    expect(judge(report('1.0.0', '1.1.0', [change('#/components/schemas/A/pattern', 'pattern changed')]), reviewed)).toMatchObject({
      ok: true,
      breaking: [],
      accepted: ['schema-constraint-changed: pattern changed'],
    });
    // The same change elsewhere, or between other versions, is still breaking.
    expect(judge(report('1.0.0', '1.1.0', [change('#/components/schemas/B/pattern', 'pattern changed')]), reviewed).ok).toBe(false);
    expect(judge(report('1.1.0', '1.2.0', [change('#/components/schemas/A/pattern', 'pattern changed')]), reviewed).ok).toBe(false);
    // Reviewed once, let through once.
    const twice = judge(
      report('1.0.0', '1.1.0', [change('#/components/schemas/A/pattern', 'pattern changed'), change('#/components/schemas/A/pattern', 'pattern changed')]),
      reviewed,
    );
    expect(twice.ok).toBe(false);
    // A reviewed change the diff does not report any more is stale.
    const stale = judge(report('1.0.0', '1.1.0', []), reviewed);
    expect(stale.ok).toBe(false);
    expect(stale.problems.join('\n')).toContain('reviewed change no longer reported by the diff 1.0.0 -> 1.1.0');
  });
});
