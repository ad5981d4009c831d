import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BUNDLE_PATH, ROOT } from '../scripts/lib/description.mjs';
import { bundleDescription } from '../scripts/bundle.mjs';

const run = promisify(execFile);
// This process's own prefix: parallel runs (other worktrees, CI) use the same temporary directory.
const LINT_TMP_PREFIX = `vlens-lint-${process.pid}-`;

type LintReport = { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };

async function lint(args: string[] = []) {
  const { stdout } = await run(`${ROOT}node_modules/.bin/redocly`, ['lint', '--format', 'json', ...args], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
    // Problems make redocly exit non-zero; its report is on the failure's stdout all the same.
  }).catch((failure: { stdout: string }) => failure);
  // One JSON report per API in redocly.yaml (the OpenAPI description and the Arazzo flows), back to back.
  const reports = stdout
    .slice(stdout.indexOf('{'))
    .split(/(?<=^\})(?=\{)/m)
    .map((part) => JSON.parse(part) as LintReport);
  expect(reports.length).toBeGreaterThan(0);
  return {
    totals: {
      errors: reports.reduce((sum, report) => sum + report.totals.errors, 0),
      warnings: reports.reduce((sum, report) => sum + report.totals.warnings, 0),
    },
    problems: reports.flatMap((report) => report.problems),
    apis: reports.length,
  };
}

describe('the description', () => {
  it('lints clean under redocly.yaml: zero errors, zero warnings', async () => {
    const { totals, problems, apis } = await lint();
    expect(apis, 'the OpenAPI description, the Arazzo workflows and the sandbox control API').toBe(3);
    expect(problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('the same lint fails a description with an untyped example and an operation without a 4xx', async () => {
    const broken = parse(readFileSync(BUNDLE_PATH, 'utf8'));
    const liveness = broken.paths['/api/DigitalIdentity/verify/liveness/multi'].post;
    liveness.responses['200'].content['application/json'].examples.verified.value.services.liveness = 'yes';
    const front = broken.paths['/api/DigitalIdentity/verify/id/front'].post;
    for (const status of Object.keys(front.responses)) if (status.startsWith('4')) delete front.responses[status];
    const dir = mkdtempSync(join(tmpdir(), LINT_TMP_PREFIX));
    const file = join(dir, 'broken.yaml');
    let problems: LintReport['problems'];
    try {
      writeFileSync(file, stringify(broken));
      ({ problems } = await lint([file, '--config', `${ROOT}redocly.yaml`]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rules = problems.map((problem) => problem.ruleId);
    expect(rules).toContain('no-invalid-media-type-examples');
    expect(rules).toContain('operation-4xx-response');
  });

  it("leaves nothing in the temporary directory (the broken description's folder is removed)", () => {
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(LINT_TMP_PREFIX))).toEqual([]);
  });

  it('the committed bundle in generated/ is what `npm run bundle` writes now', () => {
    const committed = readFileSync(BUNDLE_PATH, 'utf8');
    expect(bundleDescription() === committed, 'generated/openapi.yaml is stale: run `npm run bundle`').toBe(true);
  });
});
