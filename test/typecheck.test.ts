// `npm run typecheck` is one strict type check over the client, the engine and its adapters (JavaScript
// with JSDoc types, checkJs), the scripts the tests import and every test. These tests show it covers
// those files and that a type error in any kind of them fails it.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/description.mjs';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules/.bin/tsc');
// Inside the repository (so the probes resolve its packages and types) but in the ignored output folder.
const PROBES = join(ROOT, 'test-output', `typecheck-probes-${process.pid}`);

async function tsc(args: string[]) {
  return run(TSC, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (failure: { code: number; stdout: string }) => ({ code: failure.code, output: failure.stdout }),
  );
}

afterAll(() => rmSync(PROBES, { recursive: true, force: true }));

describe('npm run typecheck', () => {
  it('checks every source file of src/, mocks/ and test/ (but the component-test recipe, which needs React)', async () => {
    const { stdout } = await run('git', ['ls-files', 'src', 'mocks', 'test'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const sources = stdout.split('\n').filter((file) => /\.(ts|tsx|js|mjs|cjs)$/.test(file) && !file.startsWith('test/parity/recipes/playwright-ct/'));
    expect(sources.length).toBeGreaterThan(200);
    const { code, output } = await tsc(['-p', 'tsconfig.json', '--listFilesOnly']);
    expect(code, output).toBe(0);
    const checked = new Set(output.split('\n').map((file) => relative(ROOT, file.trim())));
    expect(sources.filter((file) => !checked.has(file))).toEqual([]);
  }, 120_000);

  it("fails on a type error in the engine's JavaScript, in the Node adapter's options and in a test", async () => {
    mkdirSync(PROBES, { recursive: true });
    writeFileSync(join(PROBES, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['./*.js', './*.ts'], compilerOptions: { noEmit: true } }));
    writeFileSync(
      join(PROBES, 'engine-probe.js'),
      [
        "import { createSandbox } from '../../mocks/engine/sandbox.js';",
        'const sandbox = createSandbox();',
        "/** @type {Promise<string>} */ export const wrong = sandbox.handle(new Request('http://sandbox.test/'));",
        '',
      ].join('\n'),
    );
    writeFileSync(join(PROBES, 'adapter-probe.js'), ["import { listen } from '../../mocks/node/server.js';", "export const started = listen({ port: 'eighty' });", ''].join('\n'));
    writeFileSync(
      join(PROBES, 'a-probe.test.ts'),
      ["import { startMock } from '../../mocks/index.js';", 'export const mock = await startMock({ shutdownGraceSeconds: true });', ''].join('\n'),
    );
    const { code, output } = await tsc(['-p', join(PROBES, 'tsconfig.json')]);
    expect(code).not.toBe(0);
    const errors = output.split('\n').filter((line) => line.includes('error TS'));
    expect(errors.map((line) => line.slice(0, line.indexOf('('))).sort(), output).toEqual([
      join('test-output', `typecheck-probes-${process.pid}`, 'a-probe.test.ts'),
      join('test-output', `typecheck-probes-${process.pid}`, 'adapter-probe.js'),
      join('test-output', `typecheck-probes-${process.pid}`, 'engine-probe.js'),
    ]);
  }, 120_000);
});
