#!/usr/bin/env node
// The mock against a bare Node server that only parses the same JSON and answers a fixed body, both in
// their own process, measured in one run, in alternation (so a busy moment of the machine hits both).
// Cold start: spawn to the first answer of a capture call, several runs of each, medians, with the
// mock's CPU time and memory at that moment; also a description the mock has no record of (checked
// at start) and the first Prefer: dynamic=true answer (which loads Prism). Then the median latency of
// a liveness call with a small body and with a 2 MB body (four images of 500 KB). The mock keeps its
// access log on, written to a file as `npm start > mock.log` would (a pipe would make this process
// wake up for every log line, between the timed requests). Then 50 concurrent connections for 20 s
// against the mock: requests, errors, latency and the mock's memory before and after. Loopback only;
// every process started here is stopped here.
//
// The latency and load runs measure the mock's front and its replay of named examples: the mock runs
// with --stateless, where every liveness call answers its default scenario, a Validated and Verified
// verdict (checked before timing). In the sandbox (the default) the same call on a transaction that was
// never created is refused with transactionNotFound; scripts/bench/sandbox.bench.mjs measures the
// sandbox's liveness on a real transaction, and its whole flow. Cold starts run `npm start`'s default.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIVENESS = '/api/DigitalIdentity/verify/liveness/multi';
const GOAL = 2.0;
const ROUNDS = { small: 400, large: 120 };
const WARMUP = { small: 50, large: 15 };
const LOAD = { connections: 50, seconds: 20 };
const FRONT = '/api/DigitalIdentity/verify/id/front';
const COLD = { runs: 9, goalMs: 150 };
const BENCH = fileURLToPath(import.meta.url);
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

function serveBare() {
  const fixed = JSON.stringify({ data: { ok: true }, error_code: null, error_message: null, error_descriptions: null });
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(fixed) });
      response.end(fixed);
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
}

async function main() {
  const children = [];
  const logDir = mkdtempSync(join(tmpdir(), 'vlens-mock-bench-'));
  const stopAll = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  try {
    await coldStarts();

    const bare = await startProcess(children, [BENCH, 'bare-server'], /^(http:\/\/\S+)$/m);
    const mock = await startProcess(children, [`${ROOT}mocks/cli.js`, '--port', '0', '--stateless'], /listening on (http:\/\/\S+)/, join(logDir, 'mock.log'));

    const bodies = { small: livenessBody(4), large: livenessBody(375_000) };
    console.log(`bodies: small ${bodies.small.length} bytes, large ${bodies.large.length} bytes (four images of ${(375_000 / 3) * 4} base64 characters)`);
    const verdict = await verifiedLiveness(mock.url, bodies.small);
    console.log(`mock: --stateless (the replay of named examples); each liveness call answers ${verdict} (the sandbox: sandbox.bench.mjs)`);
    const logLinesBefore = mock.lines();
    for (const size of ['small', 'large']) {
      const result = await alternate(bare.url, mock.url, bodies[size], ROUNDS[size], WARMUP[size]);
      const ratio = result.mock / result.bare;
      console.log(
        `${size.padEnd(5)} median: bare ${result.bare.toFixed(3)} ms, mock --stateless ${result.mock.toFixed(3)} ms, ratio ${ratio.toFixed(2)}x ` +
          `(goal <= ${GOAL.toFixed(1)}x: ${ratio <= GOAL ? 'met' : 'NOT met'}; ${ROUNDS[size]} requests each, statuses ${result.statuses})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last line is written just after its answer
    console.log(`access log: ${mock.lines() - logLinesBefore} lines written by the mock during the latency runs`);

    await load(mock, bodies.small);
  } finally {
    stopAll();
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** The scenario a liveness call answers, after checking it is a Validated and Verified verdict: a refusal would measure the wrong thing. */
async function verifiedLiveness(url, body) {
  // A one-off check, not a timed request: fetch will do.
  const response = await fetch(`${url}${LIVENESS}`, { method: 'POST', headers: HEADERS, body });
  const answer = { status: response.status, text: await response.text() };
  const parsed = JSON.parse(answer.text);
  const data = parsed.data ?? {};
  if (answer.status !== 200 || (parsed.error_code ?? null) !== null || data.isVerificationProcessCompleted !== true || data.isDigitalIdentityVerified !== true) {
    throw new Error(`the mock's liveness answer is not a verified verdict, so the figures would measure a refusal: ${answer.status} ${answer.text.slice(0, 200)}`);
  }
  return `200, Validated and Verified (error_code ${parsed.error_code ?? null})`;
}

function livenessBody(imageBytes) {
  const face = () => randomBytes(imageBytes).toString('base64');
  const body = { face_1: face(), face_2: face(), face_3: face(), transaction_id: '81f404b3-d7dc-4f08-b4fe-934853c86282' };
  if (imageBytes > 1000) body.image = face();
  return Buffer.from(JSON.stringify(body));
}

function startProcess(children, args, urlPattern, logFile) {
  return new Promise((resolve, reject) => {
    const stdout = logFile ? openSync(logFile, 'w') : 'pipe';
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', stdout, 'pipe'] });
    children.push(child);
    const read = () => (logFile ? readFileSync(logFile, 'utf8') : output);
    const lines = () => read().split('\n').length - 1;
    let output = '';
    let resolved = false;
    const poll = setInterval(() => look(), 5);
    const look = () => {
      const match = urlPattern.exec(read());
      if (!resolved && match) {
        resolved = true;
        clearInterval(poll);
        resolve({ url: match[1], pid: child.pid, lines });
      }
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text) => {
      output += text;
      look();
    });
    child.stderr.on('data', (text) => process.stderr.write(text));
    child.on('exit', (code) => {
      clearInterval(poll);
      if (!resolved) reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${output}`));
    });
  });
}

const SERVERS = {
  bare: { args: [BENCH, 'bare-server'], label: 'bare Node server' },
  mock: { args: [`${ROOT}mocks/cli.js`, '--port', '0', '--quiet'], label: 'mock (npm start)' },
  unrecorded: { args: [BENCH, 'unrecorded-mock'], label: 'mock, a description it has no record of (checked at start)' },
};

/** Spawn to first answer of each server, COLD.runs times, in rotating order; medians and the ratio to the bare server. */
async function coldStarts() {
  const names = Object.keys(SERVERS);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  await coldStart('bare'); // warms up this process's HTTP client
  for (let run = 0; run < COLD.runs; run++) {
    for (const name of [...names.slice(run % names.length), ...names.slice(0, run % names.length)]) runs[name].push(await coldStart(name));
  }
  const medianOf = (name, key) => median(runs[name].map((result) => result[key]));
  console.log(`cold start: process spawned to the first answer of POST ${FRONT}, ${COLD.runs} runs each in rotation, medians`);
  const bareMs = medianOf('bare', 'ms');
  for (const name of names) {
    const ms = medianOf(name, 'ms');
    const goal = name === 'mock' ? `; goal <= ${COLD.goalMs} ms: ${ms <= COLD.goalMs ? 'met' : 'NOT met'}` : '';
    console.log(
      `  ${SERVERS[name].label.padEnd(60)} ${ms.toFixed(0).padStart(5)} ms (${(ms / bareMs).toFixed(1)}x bare, +${(ms - bareMs).toFixed(0)} ms${goal}), ` +
        `CPU ${medianOf(name, 'cpuSeconds').toFixed(2)} s, RSS ${medianOf(name, 'rssMegabytes').toFixed(0)} MB` +
        ` (range ${Math.min(...runs[name].map((result) => result.ms)).toFixed(0)}-${Math.max(...runs[name].map((result) => result.ms)).toFixed(0)} ms)`,
    );
  }
  console.log(`  first Prefer: dynamic=true answer after that (loads Prism): ${medianOf('mock', 'dynamicMs').toFixed(0)} ms`);
}

async function coldStart(name) {
  const started = performance.now();
  const child = spawn(process.execPath, SERVERS[name].args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    let output = '';
    const url = await new Promise((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text) => {
        output += text;
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`${name} exited with ${code} before listening:\n${output}`)));
    });
    const agent = new http.Agent({ keepAlive: false });
    const { status } = await post(agent, url, Buffer.from(JSON.stringify(FRONT_BODY)), FRONT);
    const ms = performance.now() - started;
    if (status !== 200) throw new Error(`${name} answered ${status} to its first capture call`);
    const result = { ms, cpuSeconds: cpuSeconds(child.pid), rssMegabytes: residentMegabytes(child.pid) };
    if (name === 'mock') {
      const before = performance.now();
      await post(agent, url, Buffer.from(JSON.stringify(FRONT_BODY)), FRONT, { prefer: 'dynamic=true' });
      result.dynamicMs = performance.now() - before;
    }
    return result;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const FRONT_BODY = { image: '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD', transaction_id: '81f404b3-d7dc-4f08-b4fe-934853c86282' };

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [utime, stime] = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 13)
    .map(Number);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** The mock's CLI serving a copy of the shipped description it has no record of, as a project with its own description would. */
async function serveUnrecorded() {
  const { main } = await import(`${ROOT}mocks/node/main.js`);
  const text = `${readFileSync(`${ROOT}generated/openapi.yaml`, 'utf8')}\n# a copy, so not the recorded text\n`;
  await main(['--port', '0', '--quiet'], { descriptionText: text });
}

const HEADERS = { 'content-type': 'application/json', apikey: 'bench-key', authorization: 'Bearer bench.token.value' };

function post(agent, url, body, path = LIVENESS, { prefer } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const headers = { ...HEADERS, 'content-length': body.length, ...(prefer ? { prefer } : {}) };
    const request = http.request(`${url}${path}`, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ ms: performance.now() - started, status: response.statusCode }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function alternate(bareUrl, mockUrl, body, rounds, warmup) {
  const agents = { bare: new http.Agent({ keepAlive: true, maxSockets: 1 }), mock: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const times = { bare: [], mock: [] };
  const statuses = new Map();
  for (let round = 0; round < warmup + rounds; round++) {
    // Which server goes first alternates too, so neither always follows the other's garbage.
    const order = round % 2 === 0 ? ['bare', 'mock'] : ['mock', 'bare'];
    for (const name of order) {
      const { ms, status } = await post(agents[name], name === 'bare' ? bareUrl : mockUrl, body);
      if (round >= warmup) times[name].push(ms);
      statuses.set(`${name} ${status}`, (statuses.get(`${name} ${status}`) ?? 0) + 1);
    }
  }
  agents.bare.destroy();
  agents.mock.destroy();
  return { bare: median(times.bare), mock: median(times.mock), statuses: [...statuses].map(([key, count]) => `${key} x${count}`).join(', ') };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

function residentMegabytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function load(mock, body) {
  const before = residentMegabytes(mock.pid);
  const agent = new http.Agent({ keepAlive: true, maxSockets: LOAD.connections });
  const deadline = performance.now() + LOAD.seconds * 1000;
  const times = [];
  let errors = 0;
  let unexpected = 0;
  const firstErrors = [];
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const { ms, status } = await post(agent, mock.url, body);
        times.push(ms);
        if (status !== 200) unexpected++;
      } catch (error) {
        errors++;
        if (firstErrors.length < 3) firstErrors.push(error.message);
      }
    }
  };
  await Promise.all(Array.from({ length: LOAD.connections }, worker));
  const after = residentMegabytes(mock.pid);
  agent.destroy();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const settled = residentMegabytes(mock.pid);
  times.sort((a, b) => a - b);
  console.log(
    `load: ${LOAD.connections} connections for ${LOAD.seconds} s: ${times.length} answers (${(times.length / LOAD.seconds).toFixed(0)}/s), ` +
      `${errors} connection errors, ${unexpected} non-200 answers; latency p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms`,
  );
  console.log(`mock memory (RSS): ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB right after, ${settled.toFixed(1)} MB 2 s later`);
  if (firstErrors.length) console.log(`first errors: ${firstErrors.join(' | ')}`);
}

if (process.argv[2] === 'bare-server') serveBare();
else if (process.argv[2] === 'unrecorded-mock') await serveUnrecorded();
else if (process.argv[2] === 'cold')
  await coldStarts(); // node scripts/bench/mock.bench.mjs cold: only the cold starts
else await main();
