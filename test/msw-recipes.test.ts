// The recipes of docs/msw.md, run where they can be: the vitest recipe (setupServer, a tenant per test,
// a fresh sandbox per test, server.boundary for concurrent tests, faults) and the Playwright one
// (page.route to the handlers, a fresh sandbox per test, Chromium) each run by vitest on the Node that
// MSW 3 needs (this process is Node 20), as an app's own suite would; the handlers' own checks (base
// URLs, pass-through, seed, close) the same way; Playwright component tests (React, the router
// fixture) by Playwright itself, installed into node_modules/.cache/vlens-ct/ on first use. Every recipe compiles, the Jest and Storybook ones
// against declarations of the few Jest and Storybook functions they call. docs/msw.md quotes each
// recipe file exactly as it runs.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureNode } from '../scripts/ensure-node.mjs';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

/** Runs vitest with the given Node in a folder of its own (its vitest.config.ts); resolves to its summary. */
async function vitestIn(folder: string) {
  const node = await ensureNode(22);
  try {
    const { stdout } = await run(node, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', join(ROOT, folder), '--reporter', 'json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 180_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return JSON.parse(stdout);
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    throw new Error(`vitest in ${folder} failed:\n${summarise(stdout)}`);
  }
}

/** The failed tests of a JSON report, with their first message (or the output as it is). */
function summarise(stdout = '') {
  try {
    const report = JSON.parse(stdout);
    return report.testResults
      .flatMap((file: { assertionResults: { status: string; fullName: string; failureMessages: string[] }[]; message?: string }) => [
        ...(file.message ? [file.message] : []),
        ...file.assertionResults.filter((test) => test.status !== 'passed').map((test) => `${test.fullName}: ${test.failureMessages[0]?.split('\n')[0]}`),
      ])
      .join('\n');
  } catch {
    return stdout.slice(-4000);
  }
}

/**
 * Playwright's component testing for React, in node_modules/.cache/vlens-ct/ (installed from the npm
 * registry on first use, about 60 MB): it pins its own Playwright and Vite, so it is no dependency of
 * the package. The sandbox and MSW are linked in from this checkout, as an app's node_modules has them;
 * the recipe's project is copied to test-output/vlens-ct/ and resolves its packages there. Resolves to
 * the project's folder.
 */
const CT_PACKAGES = ['@playwright/experimental-ct-react@1.62.1', 'react@19.3.1', 'react-dom@19.3.1'];
async function ensureComponentTesting(): Promise<string> {
  const home = join(ROOT, 'node_modules', '.cache', 'vlens-ct');
  if (!existsSync(join(home, 'node_modules', '@playwright', 'experimental-ct-react', 'package.json'))) {
    const staging = `${home}.installing-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'package.json'), '{ "private": true, "type": "module" }\n');
    await run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline', ...CT_PACKAGES], { cwd: staging, timeout: 300_000 });
    rmSync(home, { recursive: true, force: true });
    renameSync(staging, home);
  }
  for (const [name, target] of [
    ['vlens-digital-identity', ROOT],
    ['msw', join(ROOT, 'node_modules', 'msw')],
  ] as const) {
    const link = join(home, 'node_modules', name);
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link, 'dir');
  }
  // The project itself outside node_modules: Node strips TypeScript types only from files outside it.
  const project = join(ROOT, 'test-output', 'vlens-ct');
  rmSync(project, { recursive: true, force: true });
  cpSync(join(ROOT, 'test', 'parity', 'recipes', 'playwright-ct'), project, { recursive: true });
  symlinkSync(join(home, 'node_modules'), join(project, 'node_modules'), 'dir');
  return project;
}

const passed = (report: { testResults: { assertionResults: { fullName: string; status: string }[] }[] }) =>
  report.testResults.flatMap((file) => file.assertionResults.filter((test) => test.status === 'passed').map((test) => test.fullName));

describe('the recipes run', () => {
  it('vitest: setupServer, a tenant per test, a fresh sandbox per test, server.boundary, faults', { timeout: 240_000 }, async () => {
    const report = await vitestIn('test/parity/recipes/vitest');
    expect(report.numFailedTests).toBe(0);
    expect(passed(report)).toHaveLength(7);
  });

  it('Playwright: page.route to the handlers in the test process, a fresh sandbox per test', { timeout: 240_000 }, async () => {
    const report = await vitestIn('test/parity/recipes/playwright');
    expect(report.numFailedTests).toBe(0);
    expect(passed(report)).toHaveLength(4);
  });

  it('Playwright component tests: router.use(...sandbox.handlers), a fresh sandbox per test', { timeout: 600_000 }, async () => {
    const project = await ensureComponentTesting();
    const node = await ensureNode(22);
    const cli = join(project, 'node_modules', 'playwright', 'cli.js');
    const reportFile = join(project, 'report.json');
    const result = await run(node, [cli, 'test', '-c', 'playwright-ct.config.ts', '--reporter', 'json', '--output', join(project, 'test-results')], {
      cwd: project,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
      env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: reportFile },
    }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    if (!existsSync(reportFile)) throw new Error(`Playwright wrote no report:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const failures = JSON.stringify(report.errors ?? []).slice(0, 2000);
    expect(report.stats, failures).toMatchObject({ expected: 2, unexpected: 0 });
  });

  it("the handlers' own checks: base URLs, pass-through, seed, close", { timeout: 240_000 }, async () => {
    const report = await vitestIn('test/parity/msw-node');
    expect(report.numFailedTests).toBe(0);
    expect(passed(report)).toHaveLength(6);
  });
});

describe('the recipes compile, and docs/msw.md quotes them as they are', () => {
  it('every recipe compiles (Jest and Storybook against declarations of their few functions used)', { timeout: 240_000 }, async () => {
    await expect(run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'test', 'parity', 'recipes', 'tsconfig.json')], { cwd: ROOT })).resolves.toBeDefined();
  });

  it('each file docs/msw.md names is quoted whole, byte for byte', () => {
    const guide = readFileSync(join(ROOT, 'docs', 'msw.md'), 'utf8');
    const quoted = [...guide.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map(([, path, text]) => ({ path: path!, text: text! }));
    expect(quoted.map(({ path }) => path).sort()).toEqual(
      [
        'test/parity/recipes/jest/jest.setup.ts',
        'test/parity/recipes/jest/verify.spec.ts',
        'test/parity/recipes/playwright/vlens-route.ts',
        'test/parity/recipes/playwright-ct/playwright-ct.config.ts',
        'test/parity/recipes/playwright-ct/scan.ct.tsx',
        'test/parity/recipes/storybook/preview.ts',
        'test/parity/recipes/storybook/verify-screen.stories.ts',
        'test/parity/recipes/vitest/verify.spec.ts',
        'test/parity/recipes/vitest/vitest.config.ts',
        'test/parity/recipes/vitest/vitest.setup.ts',
      ].sort(),
    );
    for (const { path, text } of quoted) expect(text, path).toBe(readFileSync(join(ROOT, path), 'utf8'));
  });
});
