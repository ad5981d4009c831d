#!/usr/bin/env node
// The breaking-change check: compares the bundle of the last release (openapi/releases/<version>.yaml)
// with the current bundle (generated/openapi.yaml) with `redocly diff` and its diff-recommended rules,
// and fails when a change can break a client while info.version has no new major. Changes the diff
// rates major but that break no client are let through only when reviewed one by one in
// openapi/releases/reviewed-changes.yaml (for that pair of versions, by rule, location and message).
//
//   node scripts/docs/check-breaking.mjs             check (part of npm test through test/docs-breaking.test.ts)
//   node scripts/docs/check-breaking.mjs --release   freeze the current bundle as the release of its info.version
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { parse } from 'yaml';
import { BUNDLE_PATH, ROOT, loadBundle } from '../lib/description.mjs';

export const RELEASES_DIR = join(ROOT, 'openapi/releases');
export const REVIEWED_PATH = join(RELEASES_DIR, 'reviewed-changes.yaml');
const DIFF_CONFIG = join(ROOT, 'scripts/docs/redocly-diff.yaml');
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

/**
 * A rule's verdict on one change, as `redocly diff --format json` reports it (the members read here).
 * @typedef {{ ruleId: string, impact: string, message: string, location?: { pointer?: string } }} DiffVerdict
 */

/** @typedef {{ impact: string, verdicts: DiffVerdict[] }} DiffChange */

/**
 * The report of `redocly diff --format json` (the members read here).
 * @typedef {object} DiffReport
 * @property {{ base: string, revision: string }} infoVersions the two descriptions' info.version
 * @property {DiffChange[]} changes
 * @property {{ major?: number, minor?: number, patch?: number }} summary how many changes of each impact
 * @property {string} bump the version bump the diff recommends
 */

/**
 * A change rated major but reviewed as breaking no client, for one pair of versions
 * (openapi/releases/reviewed-changes.yaml).
 * @typedef {{ release: string, since: string, rule: string, at: string, message: string, why: string }} ReviewedChange
 */

/**
 * @typedef {object} Verdict
 * @property {boolean} ok no problem
 * @property {string} baseVersion
 * @property {string} revisionVersion
 * @property {string} bump
 * @property {DiffReport['summary']} summary
 * @property {string[]} breaking `rule: message` of each breaking change not reviewed
 * @property {string[]} accepted `rule: message` of each reviewed change let through
 * @property {string[]} problems why the check fails; empty when it passes
 */

/**
 * @param {unknown} version
 * @returns {[number, number, number]} major, minor, patch
 */
export function parseVersion(version) {
  const match = SEMVER.exec(String(version));
  if (!match) throw new Error(`info.version must be a semantic version (1.2.3), got ${JSON.stringify(version)}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** @type {(a: [number, number, number], b: [number, number, number]) => number} */
const compareVersions = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * The committed release baselines, oldest first.
 * @param {string} [dir]
 * @returns {{ version: string, path: string }[]}
 */
export function listReleases(dir = RELEASES_DIR) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => SEMVER.test(name.replace(/\.yaml$/, '')) && name.endsWith('.yaml'))
    .map((name) => ({ version: name.slice(0, -'.yaml'.length), path: join(dir, name) }))
    .sort((a, b) => compareVersions(parseVersion(a.version), parseVersion(b.version)));
}

/**
 * Runs `redocly diff` and returns its JSON report (every change with its impact and rule messages).
 * @param {string} basePath
 * @param {string} revisionPath
 * @returns {Promise<DiffReport>}
 */
export async function diffDescriptions(basePath, revisionPath) {
  const { stdout } = await promisify(execFile)(
    join(ROOT, 'node_modules/.bin/redocly'),
    ['diff', basePath, revisionPath, '--config', DIFF_CONFIG, '--format', 'json', '--fail-on', 'none'],
    {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
    },
  );
  return JSON.parse(stdout);
}

/**
 * The reviewed changes (openapi/releases/reviewed-changes.yaml): rule, location, message, why, per pair of versions.
 * @param {string} [path]
 * @returns {ReviewedChange[]}
 * @throws {Error} when an entry lacks one of those
 */
export function loadReviewedChanges(path = REVIEWED_PATH) {
  if (!existsSync(path)) return [];
  /** @type {ReviewedChange[]} checked below */
  const entries = parse(readFileSync(path, 'utf8')) ?? [];
  for (const entry of entries) {
    for (const key of /** @type {const} */ (['release', 'since', 'rule', 'at', 'message', 'why'])) {
      if (typeof entry?.[key] !== 'string' || !entry[key].trim()) throw new Error(`${relative(ROOT, path)}: every entry needs a non-empty ${key}`);
    }
  }
  return entries;
}

/**
 * The verdict on a diff report. A breaking (major) change needs a new major version (below 1.0.0,
 * a new minor, as semver allows); no change may lower the version. `reviewed` lists the changes
 * rated major that were reviewed as breaking no client; those of this pair of versions are let
 * through (and reported), and one that matches no change of the diff is a problem.
 * @param {DiffReport} report
 * @param {ReviewedChange[]} [reviewed]
 * @returns {Verdict}
 */
export function judge(report, reviewed = []) {
  const baseVersion = report.infoVersions.base;
  const revisionVersion = report.infoVersions.revision;
  const base = parseVersion(baseVersion);
  const revision = parseVersion(revisionVersion);
  const applicable = reviewed.filter((entry) => entry.since === baseVersion && entry.release === revisionVersion);
  /** @type {Set<number>} indexes into `applicable` */
  const used = new Set();
  /** @param {DiffVerdict} verdict */
  const isReviewed = (verdict) => {
    const index = applicable.findIndex(
      (entry, at) => !used.has(at) && entry.rule === verdict.ruleId && entry.at === verdict.location?.pointer && entry.message === verdict.message,
    );
    if (index === -1) return false;
    used.add(index);
    return true;
  };
  const verdicts = report.changes.filter((change) => change.impact === 'major').flatMap((change) => change.verdicts.filter((verdict) => verdict.impact === 'major'));
  /** @type {string[]} */
  const accepted = [];
  /** @type {string[]} */
  const breaking = [];
  for (const verdict of verdicts) (isReviewed(verdict) ? accepted : breaking).push(`${verdict.ruleId}: ${verdict.message}`);
  /** @type {string[]} */
  const problems = [];
  applicable.forEach((entry, index) => {
    if (!used.has(index))
      problems.push(`reviewed change no longer reported by the diff ${baseVersion} -> ${revisionVersion} (remove it from reviewed-changes.yaml): ${entry.rule} at ${entry.at}`);
  });
  if (compareVersions(revision, base) < 0) problems.push(`info.version went down from ${baseVersion} to ${revisionVersion}`);
  const newMajor = base[0] === 0 ? revision[0] > 0 || revision[1] > base[1] : revision[0] > base[0];
  if (breaking.length > 0 && !newMajor) {
    const needed = base[0] === 0 ? `0.${base[1] + 1}.0` : `${base[0] + 1}.0.0`;
    problems.push(
      `${breaking.length} breaking change(s) since release ${baseVersion}, but info.version is ${revisionVersion}: ` +
        `make them compatible, or release them as ${needed} (and record them in openapi/CHANGELOG.md)`,
    );
  }
  return { ok: problems.length === 0, baseVersion, revisionVersion, bump: report.bump, summary: report.summary, breaking, accepted, problems };
}

/**
 * @param {{ basePath?: string, revisionPath?: string, reviewed?: ReviewedChange[] }} [options] `basePath`:
 *   default the latest release; `revisionPath`: default the current bundle
 * @returns {Promise<Verdict>}
 */
export async function checkBreakingChanges({ basePath, revisionPath = BUNDLE_PATH, reviewed = loadReviewedChanges() } = {}) {
  const base = basePath ?? listReleases().at(-1)?.path;
  if (!base) throw new Error(`No release baseline in ${relative(ROOT, RELEASES_DIR)}/: run node scripts/docs/check-breaking.mjs --release`);
  return judge(await diffDescriptions(base, revisionPath), reviewed);
}

/**
 * Copies the bundle to `dir` as the release of its info.version.
 * @param {{ bundlePath?: string, dir?: string }} [options]
 * @returns {string} the release's path
 */
export function freezeRelease({ bundlePath = BUNDLE_PATH, dir = RELEASES_DIR } = {}) {
  const { version } = loadBundle(bundlePath).info;
  parseVersion(version);
  const target = join(dir, `${version}.yaml`);
  if (existsSync(target)) throw new Error(`${relative(ROOT, target)} exists: bump info.version before freezing a new release`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(bundlePath, target);
  return target;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { release: { type: 'boolean', default: false } } });
  try {
    if (values.release) {
      console.log(`froze ${relative(ROOT, freezeRelease())}`);
    } else {
      const verdict = await checkBreakingChanges();
      const { major, minor, patch } = verdict.summary;
      console.log(`release ${verdict.baseVersion} -> current ${verdict.revisionVersion}: ${major} major, ${minor} minor, ${patch} patch change(s)`);
      for (const line of verdict.accepted) console.log(`  reviewed  ${line} (breaks no client: openapi/releases/reviewed-changes.yaml)`);
      for (const line of verdict.breaking) console.log(`  breaking  ${line}`);
      for (const line of verdict.problems) console.error(`✗ ${line}`);
      if (verdict.ok) console.log('✓ no breaking change without a new major version');
      process.exitCode = verdict.ok ? 0 : 1;
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
