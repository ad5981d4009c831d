// Every code block of the README and the guides (docs/*.md) is held to what it shows:
// - each ```ts block compiles under `strict` with module/moduleResolution NodeNext, importing the
//   package by its name as a consumer does (the built dist/ types, through package.json "exports");
//   the blocks that talk to a sandbox run, against one, and must end without an error;
// - the vitest recipe runs as a vitest project of its own;
// - each ```sh block runs here against a sandbox, or names the test that runs it (which must exist),
//   or is marked as needing the release pipeline's uploads;
// - a ```text block (a sample of output) names the test that checks that output;
// - a block of another language, or a block that is none of these, fails.
// Run `npm run build` first when src/ changed: the blocks see dist/ as a consumer would.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../mocks/index.js';
import { README_PATH, codeBlocks, listGuides } from '../scripts/docs/guides.mjs';
import { ROOT } from '../scripts/lib/description.mjs';

const run = promisify(execFile);

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  marker: string | undefined;
}

const documents = [README_PATH, ...listGuides().map((guide: { file: string }) => guide.file)];
const blocks: Block[] = documents.flatMap((file) => codeBlocks(file));
const where = (block: Block) => `${block.file}:${block.line}`;

const TYPESCRIPT = new Set(['ts', 'typescript']);
const SHELL = new Set(['sh', 'bash', 'shell']);
/** Samples of output: only with the test that checks them named above them. */
const OUTPUT = new Set(['text']);
/** `not run: <why>`: a block no test can run here (a download of a release, a host-wide setting). */
const NOT_RUN = /^not run: \S/;
/** Configuration a reader copies into a file of theirs: only with a marker saying which test uses it, or why none can. */
const CONFIG = new Set(['toml', 'json', 'yaml']);
const SKIP_COMPILE = /^compile: skip — \S/;
/** `file: test/...`: the block quotes that file whole; test/msw-recipes.test.ts holds the two byte for byte, and runs the file. */
const QUOTES_FILE = /^file: (test\/\S+)$/;
/** `tested by test/a.test.ts: "its title"; test/b.test.ts: "another"`: the tests that run the block. */
const TESTED_BY = /^tested by (.+)$/s;
const CITATION = /^\s*(test\/[\w.-]+\.test\.ts): "([^"]+)"\s*$/;

/** The sandbox's address as the docs write it; the blocks that run are pointed at the one started here. */
const DOCS_SANDBOX_URL = 'http://127.0.0.1:4010';

const typescriptBlocks = blocks.filter((block) => TYPESCRIPT.has(block.lang));
const shellBlocks = blocks.filter((block) => SHELL.has(block.lang));

/** The file name a ts block is compiled as: its first line's `// name.ts` comment, else its place in the docs. */
function fileNameOf(block: Block, index: number) {
  const named = /^\/\/ ([\w.-]+\.ts)\b/.exec(block.code);
  return `${basename(block.file, '.md')}/${named ? named[1] : `block-${index}-line-${block.line}.ts`}`;
}

/** Whether a ts block is a program that talks to a sandbox (not a file a test runner loads: a test file, or a module that exports something). */
const runsAgainstSandbox = (block: Block) =>
  !/^export /m.test(block.code) && !/from ['"](vitest|@playwright\/test)['"]/.test(block.code) && (block.code.includes('startMock(') || block.code.includes(DOCS_SANDBOX_URL));

/**
 * The problems of a `tested by` marker: each citation must name an existing test file and the title
 * of a test in it (as written in the source, quotes unescaped).
 */
function citationProblems(marker: string) {
  const cited = TESTED_BY.exec(marker)?.[1];
  if (!cited) return [`not a "tested by" marker: ${marker}`];
  return cited.split(/;(?=\s*test\/)/).flatMap((citation) => {
    const match = CITATION.exec(citation);
    if (!match) return [`not test/<file>.test.ts: "<title>": ${citation.trim()}`];
    const [, file, title] = match;
    const path = join(ROOT, file!);
    if (!existsSync(path)) return [`${file} does not exist`];
    const source = readFileSync(path, 'utf8').replace(/\\(['"`])/g, '$1');
    return source.includes(title!) ? [] : [`${file} has no test titled "${title}"`];
  });
}

/** Random bytes as the images the shell blocks read: distinct, so the sandbox takes them as different faces. */
function writeImages(dir: string) {
  mkdirSync(dir, { recursive: true });
  for (const name of ['id-front.jpg', 'id-back.jpg', 'face-1.jpg', 'face-2.jpg', 'face-3.jpg']) {
    writeFileSync(join(dir, name), crypto.getRandomValues(new Uint8Array(4096)));
  }
}

/** Runs a shell block in bash, strict, against the sandbox started here; resolves with its exit code and output. */
function runShell(code: string, cwd: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${code.replaceAll(DOCS_SANDBOX_URL, sandbox.url)}`], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (exit) => {
      clearTimeout(timer);
      resolve({ code: exit, output });
    });
  });
}

let project: string;
let sandbox: { url: string; stop: () => Promise<void> };

/**
 * A consumer's project: `vlens-digital-identity` is this repository (a symlink, resolved through its
 * package.json "exports" to dist/ and mocks/), next to the test tools a reader's project would have.
 */
function consumerProject() {
  const dir = mkdtempSync(join(tmpdir(), 'vlens-docs-blocks-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'docs-blocks', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules', '@playwright'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'vlens-digital-identity'), 'dir');
  for (const name of ['@types', 'vitest', '@playwright/test', 'playwright', 'msw']) {
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}

/** Compiles files (name → source) in the project under strict NodeNext; returns tsc's errors per file. */
async function compile(dir: string, sources: Record<string, string>) {
  for (const [name, source] of Object.entries(sources)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: ['node'],
        skipLibCheck: true,
        noEmit: true,
      },
      files: Object.keys(sources),
    }),
  );
  const output = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
    () => '',
    (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
  );
  const errors: Record<string, string[]> = {};
  for (const line of output.split('\n')) {
    const match = /^(.+?\.ts)\((\d+),\d+\): (error .*)$/.exec(line);
    if (match) (errors[match[1]!] ??= []).push(`line ${match[2]}: ${match[3]}`);
    else if (line.trim() && !line.startsWith(' ')) (errors['(tsc)'] ??= []).push(line);
  }
  return errors;
}

beforeAll(async () => {
  project = consumerProject();
  sandbox = await startMock({ port: 0 });
});

afterAll(async () => {
  await sandbox?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('every code block of the README and the guides', () => {
  it('is TypeScript or shell, and each marker above one is one this test knows', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks) {
      // Any language may quote a file that a test runs (a .tsx component test).
      if (block.marker !== undefined && QUOTES_FILE.test(block.marker)) {
        expect(existsSync(join(ROOT, QUOTES_FILE.exec(block.marker)![1]!)), `${where(block)}: quotes a file that does not exist`).toBe(true);
        continue;
      }
      expect([...TYPESCRIPT, ...SHELL, ...OUTPUT, ...CONFIG], `${where(block)}: a \`\`\`${block.lang} block (only ts, sh, text and configuration blocks are checked)`).toContain(
        block.lang,
      );
      if (OUTPUT.has(block.lang)) expect(block.marker ?? '', `${where(block)}: a sample of output names the test that checks it`).toMatch(TESTED_BY);
      if (CONFIG.has(block.lang))
        expect(TESTED_BY.test(block.marker ?? '') || NOT_RUN.test(block.marker ?? ''), `${where(block)}: configuration names the test that uses it, or why none runs`).toBe(true);
      if (block.marker === undefined) continue;
      const known = TYPESCRIPT.has(block.lang) ? SKIP_COMPILE.test(block.marker) : NOT_RUN.test(block.marker) || TESTED_BY.test(block.marker);
      expect(known, `${where(block)}: unknown marker <!-- ${block.marker} -->`).toBe(true);
    }
  });
});

describe('the TypeScript blocks', () => {
  const compiled = typescriptBlocks.filter((block) => block.marker === undefined);
  const names = compiled.map((block, index) => fileNameOf(block, index));

  it('compile under strict NodeNext against the package as a consumer installs it', async () => {
    expect(compiled.length).toBeGreaterThan(0);
    const errors = await compile(project, Object.fromEntries(compiled.map((block, index) => [names[index]!, block.code])));
    const byBlock = Object.entries(errors).map(([file, messages]) => {
      const index = names.indexOf(file);
      return `${index >= 0 ? where(compiled[index]!) : file}\n  ${messages.join('\n  ')}`;
    });
    expect(byBlock).toEqual([]);
  }, 120_000);

  it('the check bites: an answer field passed where the request does not take it fails to compile', async () => {
    const broken = `import { createVlensClient } from "vlens-digital-identity";
const vlens = createVlensClient({ apiKey: "k" });
const login = await vlens.adminLogin({ userNameOrEmailAddress: "a", password: "b", tenancyName: "t" });
await vlens.refreshToken({ refreshToken: login.refreshToken });
`;
    const errors = await compile(join(project, 'bites'), { 'broken.ts': broken });
    expect(errors['broken.ts']).toEqual(["line 4: error TS2322: Type 'string | null | undefined' is not assignable to type 'string'."]);
  }, 120_000);

  const runnable = compiled.filter(runsAgainstSandbox);
  it.each(runnable.map((block) => [where(block), block] as const))(
    '%s runs against a sandbox and ends without an error',
    async (_where, block) => {
      const { code } = await transform(block.code.replaceAll(DOCS_SANDBOX_URL, sandbox.url), { loader: 'ts', format: 'esm', target: 'node20' });
      const file = join(project, 'run', `${basename(block.file, '.md')}-${block.line}.mjs`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code);
      const result = await run(process.execPath, [file], { cwd: dirname(file), env: { ...process.env, VLENS_API_KEY: `docs-${block.line}-${Date.now()}` } }).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(result.stderr, `${where(block)} printed to stderr`).toBe('');
      expect((result as { code?: number }).code ?? 0).toBe(0);
    },
    60_000,
  );
});

describe('the blocks another test runs', () => {
  const cited = blocks.filter((block) => block.marker !== undefined && TESTED_BY.test(block.marker));

  it('name test files that exist and titles of tests in them', () => {
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.flatMap((block) => citationProblems(block.marker!).map((problem) => `${where(block)}: ${problem}`))).toEqual([]);
  });

  it('the check bites: a title no test has, a file that does not exist', () => {
    expect(citationProblems('tested by test/mock-cli.test.ts: "serves the moon"')).toEqual(['test/mock-cli.test.ts has no test titled "serves the moon"']);
    expect(citationProblems('tested by test/nowhere.test.ts: "anything"')).toEqual(['test/nowhere.test.ts does not exist']);
    expect(citationProblems('tested by somewhere')).toHaveLength(1);
  });
});

describe('the shell blocks', () => {
  const runnable = shellBlocks.filter((block) => block.marker === undefined);
  it.each(runnable.map((block) => [where(block), block] as const))(
    '%s runs against a sandbox and exits 0',
    async (_where, block) => {
      const dir = join(project, 'shell', `${basename(block.file, '.md')}-${block.line}`);
      writeImages(dir);
      const { code, output } = await runShell(block.code, dir);
      expect(code, output).toBe(0);
    },
    60_000,
  );

  it('the check bites: a command that fails, or a request the sandbox refuses, fails the block', async () => {
    const dir = join(project, 'shell', 'bites');
    writeImages(dir);
    expect((await runShell('true\nfalse\necho never', dir)).code).not.toBe(0);
    const refused = await runShell(
      `curl -sS --fail-with-body ${DOCS_SANDBOX_URL}/__vlens/outcomes -X POST -H 'ApiKey: k' -H 'Content-Type: application/json' -d '{"operationId":"nope"}'`,
      dir,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('400');
  });
});

describe('the vitest recipe (docs/testing.md)', () => {
  it('runs as a vitest project of its own, and its tests pass', async () => {
    const recipe = typescriptBlocks.filter((block) => block.file === 'docs/testing.md' && /^\/\/ (vitest\.[\w.-]+|[\w-]+\.test)\.ts/.test(block.code));
    expect(recipe.map((block) => /^\/\/ (\S+)/.exec(block.code)![1])).toEqual(['vitest.global-setup.ts', 'vitest.config.ts', 'verify.test.ts']);
    const dir = join(project, 'vitest-recipe');
    mkdirSync(dir, { recursive: true });
    for (const block of recipe) writeFileSync(join(dir, /^\/\/ (\S+)/.exec(block.code)![1]!), block.code);
    // The outer vitest's own variables would make the inner one think it is a worker.
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST')), NO_COLOR: '1' };
    const result = await run(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir], { cwd: dir, env }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    // Without the terminal's colour codes (ESC [ ... m).
    const output = `${result.stdout}${result.stderr}`.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect((result as { code?: number }).code ?? 0, output).toBe(0);
    expect(output).toMatch(/Tests\s+2 passed \(2\)/);
  }, 120_000);
});
