#!/usr/bin/env node
// The client's cost over a bare fetch, and its weight in a browser bundle, measured in one run.
//
// 1. A local server (its own process) answers at once with a small envelope. The same request
//    (verify/id/front: same URL, headers and JSON body; checked before timing for scanIdFront, which
//    fails the run if it sends anything else) is sent in a new seeded random order every round, so
//    a busy moment of the machine hits every variant: a bare fetch; `vlens.scanIdFront` (the typed call: pre-flight
//    checks, timeout, envelope rules, result); `vlens.api.POST` (the typed openapi-fetch client with
//    the Vlens transport); and, for context, openapi-fetch alone. Median per call, for a small body
//    and a 2 MB one; the ratios are over the bare fetch (goal <= 1.10x).
// 2. esbuild bundles `createVlensClient` for the browser, minified, and the gzipped size is printed
//    (goal <= 8 KB): what loads up front, and the chunks loaded on demand (the failure module with
//    the error-code catalogue on the first failed answer, redaction on the first error that keeps
//    outside text, the refresh machinery on the first 401, the flows on their first call,
//    openapi-fetch on the first vlens.api call).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATH = '/api/DigitalIdentity/verify/id/front';
const TRANSACTION_ID = '81f404b3-d7dc-4f08-b4fe-934853c86282';
const API_KEY = 'bench-api-key-0123456789';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl';
const GOAL = { ratio: 1.1, gzipBytes: 8 * 1024 };
const ROUNDS = { small: 3000, large: 150 };
const WARMUP = { small: 300, large: 15 };

function serve() {
  const answer = JSON.stringify({
    data: { isVerificationProcessCompleted: false, isDigitalIdentityVerified: false, idFrontData: { idNumber: '29001012101235', transaction_id: TRANSACTION_ID } },
    services: { Validations: { validation_errors: [] }, spoofing: { fake: false } },
    error_code: null,
    error_message: null,
    error_descriptions: null,
  });
  const server = http.createServer((request, response) => {
    request.on('data', () => undefined);
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
      response.end(answer);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
}

function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolve({ url: String(chunk).trim(), stop: () => child.kill('SIGTERM') }));
  });
}

/** The client, bundled from src/ for Node by esbuild (no build step needed). */
async function loadClient(dir) {
  const outfile = join(dir, 'client-node.mjs');
  await build({ entryPoints: [join(ROOT, 'src/index.ts')], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'error' });
  return import(outfile);
}

/** Base64 of `bytes` bytes of a JPEG-looking image. */
function image(bytes) {
  const buffer = Buffer.alloc(bytes, 7);
  buffer[0] = 0xff;
  buffer[1] = 0xd8;
  return buffer.toString('base64');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};

/** A small seeded generator (mulberry32): the same orders on every run. */
function seeded(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(items, random) {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
}

async function alternate(calls, rounds, warmup) {
  const random = seeded(0x5eed);
  const times = Object.fromEntries(Object.keys(calls).map((name) => [name, []]));
  for (let round = 0; round < warmup + rounds; round += 1) {
    // A new order every round, so no call always runs right after the same other one (a rotation
    // would keep the cycle: each call would mostly follow one neighbour and inherit its garbage).
    const order = shuffled(Object.keys(calls), random);
    for (const name of order) {
      const started = performance.now();
      await calls[name]();
      const elapsed = performance.now() - started;
      if (round >= warmup) times[name].push(elapsed);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
}

/** What the bare fetch sends: the request every variant is compared with. */
function bareInit(picture) {
  return {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ApiKey: API_KEY,
      Authorization: `Bearer ${TOKEN}`,
      'X-Request-Id': randomUUID(),
    },
    body: JSON.stringify({ image: picture, transaction_id: TRANSACTION_ID, getExtractedData: true }),
  };
}

/** Fails the run unless scanIdFront sends what the bare fetch sends: URL, method, headers (the request id aside), body text. */
async function checkSameRequest(createVlensClient, url, picture) {
  let sent;
  const capture = async (input, init) => {
    sent = { url: String(input), init };
    return fetch(input, init);
  };
  const vlens = createVlensClient({ baseUrl: url, apiKey: API_KEY, accessToken: TOKEN, fetch: capture, onWarning: () => undefined });
  await vlens.scanIdFront({ image: picture, transactionId: TRANSACTION_ID });
  const expected = bareInit(picture);
  const headersOf = (init) =>
    [...new Headers(init.headers)]
      .filter(([name]) => name !== 'x-request-id')
      .map(String)
      .sort()
      .join('\n');
  const same =
    sent.url === `${url}${PATH}` &&
    sent.init.method === expected.method &&
    new Headers(sent.init.headers).has('x-request-id') &&
    headersOf(sent.init) === headersOf(expected) &&
    sent.init.body === expected.body;
  if (!same) throw new Error('scanIdFront does not send the same request as the bare fetch: the comparison would be meaningless');
}

async function measureCalls(createVlensClient, createClient, url) {
  const vlens = createVlensClient({ baseUrl: url, apiKey: API_KEY, accessToken: TOKEN, onWarning: () => undefined });
  // openapi-fetch on its own (same headers, no Vlens transport), for context: vlens.api is built on it.
  const plain = createClient({ baseUrl: url });
  const bodies = { small: image(3_000), large: image(1_536_000) };
  console.log(`bodies: small ${JSON.stringify({ image: bodies.small }).length} bytes, large ${JSON.stringify({ image: bodies.large }).length} bytes of JSON`);
  for (const size of ['small', 'large']) {
    const picture = bodies[size];
    await checkSameRequest(createVlensClient, url, picture);
    const calls = {
      bare: async () => {
        const response = await fetch(`${url}${PATH}`, bareInit(picture));
        const envelope = await response.json();
        if (envelope.error_code !== null) throw new Error('unexpected answer');
      },
      openapiFetch: async () => {
        const { data } = await plain.POST(PATH, {
          body: { image: picture, transaction_id: TRANSACTION_ID, getExtractedData: true },
          headers: { Accept: 'application/json', ApiKey: API_KEY, Authorization: `Bearer ${TOKEN}`, 'X-Request-Id': randomUUID() },
        });
        if (data?.error_code !== null) throw new Error('unexpected answer');
      },
      typed: async () => {
        const { data } = await vlens.api.POST(PATH, { body: { image: picture, transaction_id: TRANSACTION_ID, getExtractedData: true } });
        if (data?.error_code !== null) throw new Error('unexpected answer');
      },
      scan: async () => {
        const scan = await vlens.scanIdFront({ image: picture, transactionId: TRANSACTION_ID });
        if (scan.transactionId !== TRANSACTION_ID) throw new Error('unexpected answer');
      },
    };
    const result = await alternate(calls, ROUNDS[size], WARMUP[size]);
    const verdict = (ratio) => `${ratio.toFixed(3)}x (goal <= ${GOAL.ratio.toFixed(2)}x: ${ratio <= GOAL.ratio ? 'met' : 'NOT met'})`;
    console.log(
      `${size.padEnd(5)} median of ${ROUNDS[size]}: bare fetch ${result.bare.toFixed(3)} ms; ` +
        `scanIdFront ${result.scan.toFixed(3)} ms = ${verdict(result.scan / result.bare)}; ` +
        `vlens.api.POST ${result.typed.toFixed(3)} ms = ${verdict(result.typed / result.bare)}; ` +
        `(context: openapi-fetch alone ${result.openapiFetch.toFixed(3)} ms = ${(result.openapiFetch / result.bare).toFixed(3)}x)`,
    );
  }
}

/** What a chunk loaded on demand holds, and when it loads: its entry module, or the modules in it. */
function chunkContents({ entryPoint = '', inputs }) {
  const has = (name) => entryPoint.includes(name) || (!entryPoint && Object.keys(inputs).some((input) => input.includes(name)));
  if (has('openapi-fetch') || has('src/api-calls.ts')) return 'vlens.api: openapi-fetch and its calls, on the first vlens.api call';
  if (has('src/failure.ts')) return 'failure module and error catalogue, on the first failed answer';
  if (has('src/flows.ts')) return 'the flows and their verdicts, on the first verifyIdentity, checkLiveness, linkTransaction, captureBeforeLogin or ocrLiveness';
  if (has('src/refresh.ts')) return 'token refresh, on the first 401';
  if (has('src/redaction.ts')) return entryPoint ? 'redaction entry' : 'redaction and the secrets of a request, on the first error that keeps outside text';
  return `shared: ${Object.keys(inputs).join(', ')}`;
}

async function measureBundle(dir) {
  const outdir = join(dir, 'browser');
  const result = await build({
    stdin: { contents: `export { createVlensClient } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};`, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    outdir,
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'error',
  });
  // Up front: the entry chunk and every chunk it imports statically. The rest loads through import().
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint === '<stdin>');
  const eager = new Set([entry]);
  for (const file of eager) {
    for (const imported of outputs[file].imports) if (imported.kind === 'import-statement') eager.add(imported.path);
  }
  const gzip = (text) => gzipSync(text, { level: 9 }).length;
  const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
  let upfront = '';
  const lazy = [];
  for (const file of Object.keys(outputs)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    if (eager.has(file)) upfront += text;
    else lazy.push({ text, what: chunkContents(outputs[file]) });
  }
  const size = gzip(upfront);
  console.log(
    `browser bundle of createVlensClient (esbuild, minified, gzip -9): ${kb(size)} (${size} bytes) up front ` +
      `(goal <= ${kb(GOAL.gzipBytes)}: ${size <= GOAL.gzipBytes ? 'met' : 'NOT met'}; ${upfront.length} bytes minified); loaded on demand: ` +
      `${lazy.map(({ text, what }) => `${kb(gzip(text))} (${what})`).join(', ')}; ${kb(gzip(upfront + lazy.map(({ text }) => text).join('')))} in all`,
  );
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vlens-client-bench-'));
  const server = await startServer();
  try {
    const { createVlensClient } = await loadClient(dir);
    const { default: createClient } = await import('openapi-fetch');
    await measureCalls(createVlensClient, createClient, server.url);
    await measureBundle(dir);
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'server') serve();
else await main();
