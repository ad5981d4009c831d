#!/usr/bin/env node
// The sandbox's cost, measured in one run against a bare Node server that only parses the same JSON and
// answers a fixed body of the same size (each in its own process; requests alternated in a seeded
// random order every round, so a busy moment of the machine hits both; medians):
// 1. a liveness call on a real transaction (front and back done), small body and 2 MB (four 500 KB
//    images): goal <= 1.25x and <= 1.6x; the same mock with --stateless is measured alongside, for context;
// 2. a whole flow: StepVerifyPhone (the OTP request Register needs), Register, Login, front, back,
//    liveness, link, GetUserDigitalIdentityImages, GetStepImage, with ~150 KB images, against the same
//    nine requests to the bare server: goal <= 1.3x;
// 3. 50 flows at once for 20 s over 5 ApiKeys, each checking that every id, file name and image it gets
//    back is its own: errors, cross-talk, and the mock's memory (RSS) every second, with a 128 MB image
//    budget so that eviction runs during the test.
// The mock writes its access log to a file, as `npm start > mock.log` would. Every process started
// here is stopped here. `node scripts/bench/sandbox.bench.mjs liveness [runs]` measures only 1, `runs`
// times over (default 1) with the same three processes, and prints each run's ratios and their median:
// for before/after comparisons on a shared machine.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOALS = { small: 1.25, large: 1.6, flow: 1.3 };
const ROUNDS = { small: 400, large: 100, flow: 60 };
const WARMUP = { small: 50, large: 10, flow: 8 };
const LOAD = { flows: 50, keys: 5, seconds: 20, imageBudgetMb: 128 };
const OTP = '123456';
const ADMIN_TOKEN = 'bench.admin.token';
const PATH = {
  verifyPhone: '/api/DigitalIdentity/Register/StepVerifyPhone',
  register: '/api/DigitalIdentity/Register',
  login: '/api/DigitalIdentity/Login',
  front: '/api/DigitalIdentity/verify/id/front',
  back: '/api/DigitalIdentity/verify/id/back',
  liveness: '/api/DigitalIdentity/verify/liveness/multi',
  link: '/api/DigitalIdentity/LinkUserWithExistingTransaction',
  images: '/api/DigitalIdentity/GetUserDigitalIdentityImages',
  stepImage: '/api/DigitalIdentity/GetStepImage',
};

// ---------------------------------------------------------------------------------------------
// The bare server: parses the JSON body, answers a fixed body; GetStepImage answers an image of the
// size the sandbox would (the size is the bare process's argument).

function serveBare(stepImageBytes) {
  const fixed = JSON.stringify({ data: { ok: true }, error_code: null, error_message: null, error_descriptions: null });
  const withImage = JSON.stringify({ data: { image: randomBytes(Number(stepImageBytes)).toString('base64') }, error_code: 0, error_message: null, error_descriptions: null });
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = request.url.startsWith(PATH.stepImage) ? withImage : fixed;
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
}

// ---------------------------------------------------------------------------------------------

function startProcess(children, args, urlPattern, logFile) {
  return new Promise((resolve, reject) => {
    const stdout = logFile ? openSync(logFile, 'w') : 'pipe';
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', stdout, 'pipe'] });
    children.push(child);
    let output = '';
    const look = () => {
      const match = urlPattern.exec(logFile ? readFileSync(logFile, 'utf8') : output);
      if (match) {
        clearInterval(poll);
        resolve({ url: match[1], pid: child.pid });
      }
    };
    const poll = setInterval(look, 10);
    child.stdout?.setEncoding('utf8').on('data', (text) => {
      output += text;
      look();
    });
    child.stderr.on('data', (text) => process.stderr.write(text));
    child.on('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${args.join(' ')} exited with ${code}`));
    });
  });
}

function send(agent, url, method, path, { key = 'bench-key', token, body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { apikey: key };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const request = http.request(`${url}${path}`, { method, agent, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
const json = (answer) => JSON.parse(answer.text);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
const random = seeded(0x5a4db0c);
const shuffled = (items) => {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
};

const residentMegabytes = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const base64Image = (bytes) => randomBytes(bytes).toString('base64');

/** Alternates named async jobs in a new seeded random order every round; medians per job. */
async function alternate(jobs, rounds, warmup) {
  const times = Object.fromEntries(Object.keys(jobs).map((name) => [name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const name of shuffled(Object.keys(jobs))) {
      const started = performance.now();
      await jobs[name]();
      if (round >= warmup) times[name].push(performance.now() - started);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
}

function report(label, result, goal, note) {
  const ratio = result.sandbox / result.bare;
  console.log(
    `${label.padEnd(16)} median: bare ${result.bare.toFixed(3)} ms, sandbox ${result.sandbox.toFixed(3)} ms, ratio ${ratio.toFixed(2)}x ` +
      `(goal <= ${goal.toFixed(2)}x: ${ratio <= goal ? 'met' : 'NOT met'}${note ? `; ${note}` : ''})`,
  );
}

// ---------------------------------------------------------------------------------------------
// One whole flow, as JSON text built around images serialised once.

function flowImages(bytes) {
  const quoted = () => JSON.stringify(base64Image(bytes));
  return { front: quoted(), back: quoted(), face1: quoted(), face2: quoted(), face3: quoted() };
}

/** Per-step times of the flows of the latency run, by server: where a flow's time goes. */
const stepTimes = { bare: {}, sandbox: {} };

async function flow(agent, url, key, images, check = false, times = null) {
  const timed = (step, promise) => {
    if (!times) return promise;
    const started = performance.now();
    return promise.then((answer) => {
      (times[step] ??= []).push(performance.now() - started);
      return answer;
    });
  };
  // +2019 00 ...: the sandbox's test range with no forced outcome.
  const phoneNumber = `+201900${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
  const password = 'S3cure!pass';
  const sentId = randomUUID();
  const sent = await timed('verifyPhone', send(agent, url, 'POST', PATH.verifyPhone, { key, body: `{"phoneNumber":"${phoneNumber}"}` }));
  // Both servers' answers are parsed the same way; the bare server's carry none of the values, so stand-ins go on.
  const requestId = json(sent).data?.phoneNumberOtpRequestId ?? randomUUID();
  await timed(
    'register',
    send(agent, url, 'POST', PATH.register, { key, body: JSON.stringify({ phoneNumber, password, phoneNumberOtpRequestId: requestId, phoneNumberOtp: OTP }) }),
  );
  const login = await timed('login', send(agent, url, 'POST', PATH.login, { key, body: JSON.stringify({ phoneNumber, password, imei: '356938035643809' }) }));
  const token = json(login).data?.accessToken ?? 'bare.user.token';
  const front = await timed('front', send(agent, url, 'POST', PATH.front, { key, token, body: `{"image":${images.front},"transaction_id":"${sentId}"}` }));
  await timed('back', send(agent, url, 'POST', PATH.back, { key, token, body: `{"image":${images.back},"transaction_id":"${sentId}"}` }));
  const liveness = await timed(
    'liveness',
    send(agent, url, 'POST', PATH.liveness, {
      key,
      token,
      body: `{"face_1":${images.face1},"face_2":${images.face2},"face_3":${images.face3},"transaction_id":"${sentId}"}`,
    }),
  );
  const link = await timed('link', send(agent, url, 'POST', PATH.link, { key, token, body: `{"transactionId":"${sentId}"}` }));
  const listed = await timed('images', send(agent, url, 'GET', `${PATH.images}?emailOrPhoneNumber=${encodeURIComponent(phoneNumber)}`, { key, token: ADMIN_TOKEN }));
  const fileName = json(listed).data?.livenessFace02Image ?? 'face02.jpg';
  const step = await timed('stepImage', send(agent, url, 'GET', `${PATH.stepImage}?TransactionId=${sentId}&FileName=${encodeURIComponent(fileName)}`, { key, token: ADMIN_TOKEN }));
  const image = json(step).data?.image;
  if (!check) return null;
  // What this flow must get back, and nothing of another flow's.
  const problems = [];
  const errors = [];
  if (json(front).data?.idFrontData?.transaction_id !== sentId) problems.push('front answered another transaction id');
  if (json(liveness).data?.isDigitalIdentityVerified !== true) errors.push(`liveness: ${liveness.text.slice(0, 120)}`);
  if (json(link).data?.user?.phoneNumber !== phoneNumber) problems.push('link answered another user');
  if (!fileName.includes(sentId.slice(0, 8))) problems.push('the image list named another transaction');
  if (image === null || image === undefined) errors.push(`step image: ${step.text.slice(0, 160)}`);
  else if (`"${image}"` !== images.face2) problems.push('GetStepImage answered other bytes');
  return { problems, errors, evicted: /evicted/.test(step.text) };
}

// ---------------------------------------------------------------------------------------------

const livenessOnly = process.argv[2] === 'liveness';
const livenessRuns = livenessOnly ? Number(process.argv[3] ?? 1) : 1;
const ratios = [];

async function main() {
  const children = [];
  const logDir = mkdtempSync(join(tmpdir(), 'vlens-sandbox-bench-'));
  const stopAll = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  try {
    const flowImageBytes = 150_000;
    const bare = await startProcess(children, [fileURLToPath(import.meta.url), 'bare-server', String(flowImageBytes)], /^(http:\/\/\S+)$/m);
    const mock = await startProcess(children, [`${ROOT}mocks/cli.js`, '--port', '0'], /listening on (http:\/\/\S+)/, join(logDir, 'mock.log'));
    // For context: the same mock replaying (--stateless), so the sandbox's own share shows.
    const stateless = await startProcess(children, [`${ROOT}mocks/cli.js`, '--port', '0', '--stateless'], /listening on (http:\/\/\S+)/, join(logDir, 'stateless.log'));
    const agent = () => new http.Agent({ keepAlive: true, maxSockets: 1 });
    const agents = { bare: agent(), sandbox: agent(), stateless: agent() };
    const urls = { bare: bare.url, sandbox: mock.url, stateless: stateless.url };

    // 1. Liveness on a transaction whose front and back succeeded.
    const key = 'bench-liveness-key';
    const user = await flowUser(agents.sandbox, mock.url, key);
    const transactionId = randomUUID();
    for (const path of [PATH.front, PATH.back]) {
      await send(agents.sandbox, mock.url, 'POST', path, { key, token: user.token, body: JSON.stringify({ image: base64Image(600), transaction_id: transactionId }) });
    }
    const livenessBody = (bytes) => {
      const body = { face_1: base64Image(bytes), face_2: base64Image(bytes), face_3: base64Image(bytes), transaction_id: transactionId };
      if (bytes > 1000) body.image = base64Image(bytes);
      return JSON.stringify(body);
    };
    const bodies = { small: livenessBody(6), large: livenessBody(375_000) };
    console.log(`liveness bodies: small ${bodies.small.length} bytes, large ${bodies.large.length} bytes (four images of ${(375_000 / 3) * 4} base64 characters)`);
    for (let run = 1; run <= livenessRuns; run++)
      for (const size of livenessOnly ? ['small'] : ['small', 'large']) {
        const statuses = new Set();
        const call = (name) => async () => {
          const answer = await send(agents[name], urls[name], 'POST', PATH.liveness, { key, token: user.token, body: bodies[size] });
          statuses.add(`${name} ${answer.status}${name === 'sandbox' ? ` ${json(answer).data?.isDigitalIdentityVerified === true ? 'verified' : 'NOT verified'}` : ''}`);
        };
        const result = await alternate({ bare: call('bare'), sandbox: call('sandbox'), stateless: call('stateless') }, ROUNDS[size], WARMUP[size]);
        const replay = `--stateless ${result.stateless.toFixed(3)} ms (${(result.stateless / result.bare).toFixed(2)}x)`;
        report(`liveness ${size}`, result, GOALS[size], `${replay}; ${ROUNDS[size]} requests each; ${[...statuses].join(', ')}`);
        ratios.push({ sandbox: result.sandbox / result.bare, stateless: result.stateless / result.bare });
      }
    if (livenessOnly) {
      const of = (name) => ratios.map((ratio) => ratio[name]);
      console.log(
        `liveness small, ${livenessRuns} runs: sandbox ${of('sandbox')
          .map((ratio) => ratio.toFixed(2))
          .join(' ')} (median ${median(of('sandbox')).toFixed(2)}x), --stateless median ${median(of('stateless')).toFixed(2)}x`,
      );
      return;
    }

    // 2. The whole flow, nine requests, against the same nine to the bare server.
    const images = flowImages(flowImageBytes);
    let checked = null;
    const flows = await alternate(
      {
        bare: () => flow(agents.bare, bare.url, 'bench-flow-key', images, false, stepTimes.bare),
        sandbox: async () => {
          checked = await flow(agents.sandbox, mock.url, 'bench-flow-key', images, true, stepTimes.sandbox);
          if (checked.problems.length || checked.errors.length) throw new Error(`the flow went wrong: ${[...checked.problems, ...checked.errors].join('; ')}`);
        },
      },
      ROUNDS.flow,
      WARMUP.flow,
    );
    report(
      'whole flow',
      flows,
      GOALS.flow,
      `9 requests each (StepVerifyPhone, Register, Login, front, back, liveness, link, images, step image), ${flowImageBytes / 1000} KB images, ${ROUNDS.flow} flows`,
    );
    console.log(
      `  per step, median ms bare/sandbox: ${Object.keys(stepTimes.bare)
        .map((step) => `${step} ${median(stepTimes.bare[step]).toFixed(2)}/${median(stepTimes.sandbox[step]).toFixed(2)}`)
        .join(', ')}`,
    );
    for (const agent of Object.values(agents)) agent.destroy();

    await load();
  } finally {
    stopAll();
    rmSync(logDir, { recursive: true, force: true });
  }

  async function load() {
    const loadMock = await startProcess(
      children,
      [`${ROOT}mocks/cli.js`, '--port', '0', '--quiet', '--image-budget-mb', String(LOAD.imageBudgetMb)],
      /listening on (http:\/\/\S+)/,
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: LOAD.flows });
    const images = flowImages(150_000);
    const before = residentMegabytes(loadMock.pid);
    const samples = [];
    const sampler = setInterval(() => samples.push(residentMegabytes(loadMock.pid)), 1000);
    const deadline = performance.now() + LOAD.seconds * 1000;
    const totals = { flows: 0, requests: 0, errors: 0, crossTalk: 0, evicted: 0, firstProblems: [] };
    const worker = async (index) => {
      const key = `bench-load-key-${index % LOAD.keys}`;
      while (performance.now() < deadline) {
        try {
          const result = await flow(agent, loadMock.url, key, images, true);
          totals.flows++;
          totals.requests += 9;
          totals.crossTalk += result.problems.length;
          if (result.evicted) totals.evicted++;
          else totals.errors += result.errors.length;
          if (totals.firstProblems.length < 3) totals.firstProblems.push(...result.problems, ...(result.evicted ? [] : result.errors));
        } catch (error) {
          totals.errors++;
          if (totals.firstProblems.length < 3) totals.firstProblems.push(error.message);
        }
      }
    };
    await Promise.all(Array.from({ length: LOAD.flows }, (_, index) => worker(index)));
    clearInterval(sampler);
    agent.destroy();
    const lastHalf = samples.slice(Math.floor(samples.length / 2));
    console.log(
      `load: ${LOAD.flows} flows at once over ${LOAD.keys} ApiKeys for ${LOAD.seconds} s: ${totals.flows} flows (${totals.requests} requests, ${(totals.requests / LOAD.seconds).toFixed(0)}/s), ` +
        `${totals.errors} errors, ${totals.crossTalk} cross-talk, ${totals.evicted} flows whose step image was evicted before they read it`,
    );
    console.log(
      `sandbox memory (RSS): ${before.toFixed(0)} MB before; every second: ${samples.map((value) => value.toFixed(0)).join(' ')} MB; ` +
        `second half ${Math.min(...lastHalf).toFixed(0)}-${Math.max(...lastHalf).toFixed(0)} MB (image budget ${LOAD.imageBudgetMb} MB of base64 text; ` +
        `goal <= budget + 100 MB = ${LOAD.imageBudgetMb + 100} MB: ${Math.max(...lastHalf) <= LOAD.imageBudgetMb + 100 ? 'met' : 'NOT met'})`,
    );
    if (totals.firstProblems.length) console.log(`first problems: ${totals.firstProblems.slice(0, 3).join(' | ')}`);
  }
}

/** A registered, logged-in user of the sandbox. */
async function flowUser(agent, url, key) {
  const phoneNumber = `+201900${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
  const sent = json(await send(agent, url, 'POST', PATH.verifyPhone, { key, body: `{"phoneNumber":"${phoneNumber}"}` }));
  const registered = json(
    await send(agent, url, 'POST', PATH.register, {
      key,
      body: JSON.stringify({ phoneNumber, password: 'S3cure!pass', phoneNumberOtpRequestId: sent.data.phoneNumberOtpRequestId, phoneNumberOtp: OTP }),
    }),
  );
  return { phoneNumber, token: registered.data.accessToken };
}

if (process.argv[2] === 'bare-server') serveBare(process.argv[3]);
else await main();
