#!/usr/bin/env node
// What the sandbox costs a page that mocks the API with vlens-digital-identity/msw: its code and data
// in a browser bundle (esbuild, platform browser, minified, code splitting, each file gzip -9 as a
// server would send it; MSW itself is the app's and left out).
// 1. the first request of a page: the entry (engine, model, MSW adapter) and the examples and request
//    validators of the operation called; goal <= 60 KB gzip, for every operation;
// 2. the whole sandbox, every chunk (the control API's validators included); goal <= 200 KB gzip.
// Sizes only: nothing here is timed.
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOALS = { firstRequestKb: 60, wholeKb: 200 };
const kb = (bytes) => (bytes / 1024).toFixed(2);

const result = await build({
  entryPoints: [`${ROOT}mocks/msw/index.js`],
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: `${ROOT}test-output/msw-bench`,
  write: false,
  metafile: true,
  external: ['msw', 'msw/*'],
  logLevel: 'warning',
});

/** @type {Map<string, number>} gzip -9 size of each output file, by its path in the metafile */
const gzipped = new Map();
for (const file of result.outputFiles) {
  const path = file.path.slice(ROOT.length);
  if (path.endsWith('.js')) gzipped.set(path, gzipSync(file.contents, { level: 9 }).length);
}
const outputs = result.metafile.outputs;

/** The files a chunk needs loaded with it: itself and its static imports, transitively. */
function staticClosure(path, into = new Set()) {
  if (into.has(path)) return into;
  into.add(path);
  for (const imported of outputs[path]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) staticClosure(imported.path, into);
  return into;
}
const chunkOf = (source) => Object.keys(outputs).find((path) => outputs[path].entryPoint === source);
const sizeOf = (files) => [...files].reduce((sum, path) => sum + (gzipped.get(path) ?? 0), 0);

const entry = /** @type {string} */ (Object.keys(outputs).find((path) => outputs[path].entryPoint === 'mocks/msw/index.js'));
const upFront = staticClosure(entry);
const operations = Object.keys(result.metafile.inputs)
  .filter((input) => input.startsWith('mocks/model/generated/examples/'))
  .map((input) => input.slice('mocks/model/generated/examples/'.length, -'.js'.length));
const firstRequests = operations
  .map((operationId) => {
    const files = new Set(upFront);
    for (const kind of ['examples', 'validators']) {
      const chunk = chunkOf(`mocks/model/generated/${kind}/${operationId}.js`);
      if (chunk) staticClosure(chunk, files);
    }
    return { operationId, bytes: sizeOf(files) };
  })
  .sort((a, b) => b.bytes - a.bytes);
const whole = sizeOf(gzipped.keys());
const largest = firstRequests[0];

console.log('vlens-digital-identity/msw in a browser bundle (esbuild, minified, split; gzip -9 per file; MSW excluded)');
const line = (label, bytes, goalKb) =>
  console.log(`  ${label.padEnd(58)}${kb(bytes).padStart(7)} KB${goalKb ? `   goal <= ${goalKb} KB: ${bytes <= goalKb * 1024 ? 'met' : 'MISSED'}` : ''}`);
line('up front (engine, model, adapter)', sizeOf(upFront));
line('first request, verifyIdFront', firstRequests.find((entry) => entry.operationId === 'verifyIdFront')?.bytes ?? 0);
line(`first request, the largest operation (${largest.operationId})`, largest.bytes, GOALS.firstRequestKb);
line(`first request, the smallest (${firstRequests.at(-1).operationId})`, firstRequests.at(-1).bytes);
line(`the whole sandbox (${gzipped.size} files)`, whole, GOALS.wholeKb);
