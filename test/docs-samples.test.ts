// The code samples of the portal (x-codeSamples in openapi/paths/*.yaml) are code people paste:
// every operation has them, Redoc shows them, the TypeScript ones type-check against this package's
// client, and both the TypeScript and the curl ones run against the package's mock and succeed.
// Each check is also shown failing on a deliberately broken sample.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../mocks/index.js';
import { REDOC_OPTIONS } from '../scripts/docs/build.mjs';
import { ROOT, listOperations, loadBundle } from '../scripts/lib/description.mjs';

const run = promisify(execFile);
const MOCK_URL_IN_SAMPLES = 'http://127.0.0.1:4010';

interface Sample {
  operationId: string;
  method: string;
  path: string;
  lang: string;
  label: string;
  source: string;
}

const bundle = loadBundle();
const operations = listOperations(bundle);
const samples: Sample[] = operations.flatMap(({ path, method, operation }) =>
  (operation['x-codeSamples'] ?? []).map((sample: { lang: string; label: string; source: string }) => ({
    operationId: operation.operationId,
    method: method.toUpperCase(),
    path,
    ...sample,
  })),
);
const typescript = samples.filter((sample) => sample.lang === 'TypeScript');
const curl = samples.filter((sample) => sample.label === 'curl');
const fileName = (sample: Sample, suffix = '') => `${sample.operationId}-${sample.label.replace(/\W+/g, '-')}${suffix}`;

// Credentials the samples read from the environment: any value passes the mock's checks.
const SAMPLE_ENV = {
  VLENS_API_KEY: 'test-api-key',
  VLENS_USER_TOKEN: 'test-user-token',
  VLENS_ADMIN_TOKEN: 'test-admin-token',
  VLENS_REFRESH_TOKEN: 'rt_test_refresh_token',
  VLENS_ADMIN_PASSWORD: 'correct-horse-42',
  VLENS_USER_PASSWORD: 'S3cure!pass',
};

let workDir: string;
let mock: { url: string; stop: () => Promise<void> };

/** Writes the images the samples read (id-front.jpg, face-1.jpg, passport.jpg, ...): the description's own example JPEGs. */
function writeImages(dir: string) {
  const example = (path: string, name: string) => bundle.paths[path].post.requestBody.content['application/json'].examples[name].value as Record<string, string>;
  const front = example('/api/DigitalIdentity/verify/id/front', 'startTransaction');
  const faces = example('/api/DigitalIdentity/verify/liveness/multi', 'threeFaces');
  writeFileSync(join(dir, 'id-front.jpg'), Buffer.from(front.image!, 'base64'));
  writeFileSync(join(dir, 'id-back.jpg'), Buffer.from(front.image!, 'base64'));
  writeFileSync(join(dir, 'passport.jpg'), Buffer.from(front.image!, 'base64'));
  for (const n of [1, 2, 3]) writeFileSync(join(dir, `face-${n}.jpg`), Buffer.from(faces[`face_${n}`]!, 'base64'));
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'vlens-samples-'));
  writeImages(workDir);
  // Each sample stands alone with the description's example ids, so the mock replays (a sandbox would
  // rightly answer transactionNotFound to the back scan of a transaction it never saw).
  mock = await startMock({ port: 0, checkExamples: false, stateless: true });
});

afterAll(async () => {
  await mock?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Type-checks TypeScript sources against src/ (as `vlens-digital-identity`); returns the errors per file. */
async function typeCheck(sources: Record<string, string>) {
  const dir = join(ROOT, 'test-output', `samples-tsc-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    for (const [name, source] of Object.entries(sources)) writeFileSync(join(dir, `${name}.mts`), source);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          paths: { 'vlens-digital-identity': ['../../src/index.ts'] },
        },
        include: ['*.mts'],
      }),
    );
    const result = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { cwd: ROOT }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    // Only the samples' own errors: the client's are the client's tests' business.
    const errors: Record<string, string[]> = {};
    for (const line of result.split('\n')) {
      const match = /samples-tsc-\d+\/([^/(]+)\.mts\(\d+,\d+\): (error .*)/.exec(line);
      if (match) (errors[match[1]!] ??= []).push(match[2]!);
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bundles each TypeScript sample with the client from src/, pointed at the mock, and runs it with Node. */
async function runTypeScript(sources: Record<string, string>) {
  const dir = mkdtempSync(join(workDir, 'ts-'));
  for (const [name, source] of Object.entries(sources)) writeFileSync(join(dir, `${name}.ts`), source.replaceAll(MOCK_URL_IN_SAMPLES, mock.url));
  await build({
    entryPoints: Object.keys(sources).map((name) => join(dir, `${name}.ts`)),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    alias: { 'vlens-digital-identity': join(ROOT, 'src/index.ts') },
    logLevel: 'silent',
  });
  // Four at a time: all at once, two dozen Node processes starting together on a loaded two-core
  // machine ran past the per-sample timeout.
  const results: { name: string; ok: boolean; output: string }[] = [];
  const queue = Object.keys(sources);
  const runNext = async (): Promise<void> => {
    const name = queue.shift();
    if (name === undefined) return;
    results.push(
      await run(process.execPath, [join(dir, `${name}.mjs`)], { cwd: workDir, env: { ...process.env, ...SAMPLE_ENV }, timeout: 20_000 }).then(
        ({ stdout }) => ({ name, ok: true, output: stdout }),
        (error: { stderr?: string; message: string; killed?: boolean }) => ({
          name,
          ok: false,
          output: error.killed ? `timed out after 20 s: ${error.message}` : error.stderr || error.message,
        }),
      ),
    );
    return runNext();
  };
  await Promise.all([runNext(), runNext(), runNext(), runNext()]);
  return results;
}

/** Runs a curl sample in bash against the mock; returns the HTTP status of every curl call in it. */
async function runCurl(source: string) {
  const script = [
    'set -euo pipefail',
    // Every curl of the sample also prints its status on a line of its own.
    `curl() { command curl -w '\\nHTTP-STATUS %{http_code}\\n' "$@"; }`,
    source.replace(/^BASE=\S+/m, `BASE=${mock.url}`),
  ].join('\n');
  const { stdout } = await run('bash', ['-c', script], { cwd: workDir, env: { ...process.env, ...SAMPLE_ENV }, maxBuffer: 16 * 1024 * 1024 });
  return [...stdout.matchAll(/^HTTP-STATUS (\d{3})$/gm)].map((match) => Number(match[1]));
}

describe('code samples', () => {
  it('every operation has a TypeScript and a curl sample, each under a label Redoc shows', () => {
    const shown = new Set(REDOC_OPTIONS.codeSamples.languages.map((language: { label: string }) => language.label));
    for (const { operation } of operations) {
      const labels = (operation['x-codeSamples'] ?? []).map((sample: { label: string }) => sample.label);
      expect(labels, operation.operationId).toContain('TypeScript');
      expect(labels, operation.operationId).toContain('curl');
      for (const label of labels) expect(shown.has(label), `${operation.operationId}: Redoc hides samples labelled "${label}"`).toBe(true);
    }
    expect(
      samples
        .filter((sample) => sample.label === 'TypeScript flow')
        .map((sample) => sample.operationId)
        .sort(),
    ).toEqual(['ocrIdFront', 'verifyIdFront', 'verifyLiveness']);
  });

  it('each sample calls its own operation, through the surface the client guarantees', () => {
    for (const sample of typescript) {
      expect(sample.source, sample.operationId).toContain('import { createVlensClient } from "vlens-digital-identity";');
      if (sample.label === 'TypeScript flow') {
        // The logged-in flow, or capture before login (the key-only captures, then the link).
        const flow =
          sample.operationId === 'ocrIdFront'
            ? /vlens\.captureBeforeLogin\(\{\s*idFront:[\s\S]*idBack:[\s\S]*faces: \[[\s\S]*vlens\.linkTransaction\(/
            : /vlens\.verifyIdentity\(\{\s*idFront:[\s\S]*idBack:[\s\S]*faces: \[/;
        expect(sample.source, sample.operationId).toMatch(flow);
      } else {
        expect(sample.source, sample.operationId).toContain(`vlens.api.${sample.method}(`);
        expect(sample.source, sample.operationId).toContain(`"${sample.path}"`);
      }
    }
    for (const sample of curl) {
      const method = sample.method === 'GET' ? /curl -sS -G/ : /curl -sS -X POST/;
      expect(sample.source, sample.operationId).toMatch(method);
      expect(sample.source, sample.operationId).toContain(`$BASE${sample.path}"`);
      expect(sample.source, sample.operationId).toContain('-H "ApiKey: $VLENS_API_KEY"');
    }
  });

  it('the TypeScript samples type-check against the client, and a sample with a wrong body does not', async () => {
    const sources = Object.fromEntries(typescript.map((sample) => [fileName(sample), sample.source]));
    const front = typescript.find((sample) => sample.operationId === 'verifyIdFront' && sample.label === 'TypeScript')!;
    const broken = front.source.replace('image: (await readFile', 'imagee: (await readFile');
    expect(broken).not.toBe(front.source);
    const errors = await typeCheck({ ...sources, 'broken-front': broken });
    expect(
      Object.keys(errors).filter((name) => name !== 'broken-front'),
      JSON.stringify(errors, null, 2),
    ).toEqual([]);
    expect(errors['broken-front']?.join('\n')).toMatch(/imagee/);
  });

  it('the TypeScript samples run against the mock, and one the mock refuses fails', async () => {
    const sources = Object.fromEntries(typescript.map((sample) => [fileName(sample), sample.source]));
    const liveness = typescript.find((sample) => sample.operationId === 'verifyLiveness' && sample.label === 'TypeScript')!;
    const broken = liveness.source.replace('transaction_id: transactionId,', '');
    expect(broken).not.toBe(liveness.source);
    const results = await runTypeScript({ ...sources, 'broken-liveness': broken });
    const failed = results.filter((result) => !result.ok && result.name !== 'broken-liveness');
    expect(failed, failed.map((result) => `${result.name}: ${result.output}`).join('\n')).toEqual([]);
    expect(results.find((result) => result.name === 'broken-liveness')).toMatchObject({ ok: false });
    for (const operationId of ['verifyIdFront', 'ocrIdFront']) {
      const flow = results.find((result) => result.name === fileName(typescript.find((sample) => sample.label === 'TypeScript flow' && sample.operationId === operationId)!));
      expect(flow?.output, `${operationId}: the default scenario is a verified user`).toMatch(/^Verified/m);
    }
  }, 180_000);

  it('the curl samples run against the mock and every call succeeds, and one without its token is refused', async () => {
    for (const sample of curl) {
      const statuses = await runCurl(sample.source);
      expect(statuses.length, sample.operationId).toBeGreaterThan(0);
      expect(
        statuses.filter((status) => status < 200 || status > 299),
        `${sample.operationId}: ${statuses}`,
      ).toEqual([]);
    }
    const liveness = curl.find((sample) => sample.operationId === 'verifyLiveness')!;
    const withoutToken = liveness.source.replace(/^\s*-H "Authorization: Bearer \$VLENS_USER_TOKEN" \\\n/m, '');
    expect(withoutToken).not.toBe(liveness.source);
    expect(await runCurl(withoutToken)).toEqual([401]);
  });
});
