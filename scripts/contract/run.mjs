// Runs the contract checks against one base URL: Dredd (with dredd-hooks.cjs) over every
// documented transaction, then `redocly respect` over the Arazzo workflows, and prints one report
// naming every broken field, the rule it broke, and why each skipped check was skipped.
//
// mode 'mock': every transaction, non-2xx statuses asked for with Prism's `Prefer: code=`.
// mode 'live': a real (sandbox) tenant; credentials from VLENS_* variables; nothing that would
//              send an OTP or create a user; non-2xx statuses provoked by real bad requests.
//
// Credentials travel in child-process environments only. Both tools mask them already; every line
// printed here also goes through a redactor that knows each secret and each fixture image.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT, loadBundle } from '../lib/description.mjs';
import { deriveDreddInput } from './dredd-input.mjs';

export const ARAZZO_PATH = `${ROOT}openapi/vlens.arazzo.yaml`;
const HOOKS_PATH = fileURLToPath(new URL('./dredd-hooks.cjs', import.meta.url));
const RESPECT_PRELOAD = pathToFileURL(fileURLToPath(new URL('./respect-images.mjs', import.meta.url))).href;
const DREDD_BIN = `${ROOT}node_modules/dredd/bin/dredd`;
const REDOCLY_BIN = `${ROOT}node_modules/@redocly/cli/bin/cli.js`;
const SOURCE_NAME = 'vlens';

/** The test images a live sandbox needs, by file name in VLENS_FIXTURES_DIR. */
export const FIXTURE_FILES = {
  idFront: 'id-front.jpg',
  idBack: 'id-back.jpg',
  face1: 'face-1.jpg',
  face2: 'face-2.jpg',
  face3: 'face-3.jpg',
};
const IMAGE_VARIABLES = {
  idFront: 'VLENS_IMAGE_ID_FRONT',
  idBack: 'VLENS_IMAGE_ID_BACK',
  face1: 'VLENS_IMAGE_FACE_1',
  face2: 'VLENS_IMAGE_FACE_2',
  face3: 'VLENS_IMAGE_FACE_3',
};

export class ContractSetupError extends Error {}

/**
 * @param {{ baseUrl: string, mode: 'mock' | 'live', env?: NodeJS.ProcessEnv, verbose?: boolean,
 *           write?: (text: string) => void }} options
 * @returns {Promise<{ ok: boolean, dredd: object, respect: object }>}
 */
export async function runContractChecks({ baseUrl, mode, env = process.env, verbose = false, write = (text) => process.stdout.write(text) }) {
  const url = checkBaseUrl(baseUrl);
  const doc = loadBundle();
  const settings = readSettings(mode, env, doc);
  await checkReachable(url);
  const redact = createRedactor(settings);
  const print = (text = '') => write(`${redact(text)}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'vlens-contract-'));
  try {
    print(`Contract checks (${mode}) against ${url}`);
    if (settings.fixturesDir) print(`Images from ${settings.fixturesDir}`);
    const dredd = await runDredd({ doc, url, settings, dir, verbose, print });
    const respect = await runRespect({ url, settings, dir, verbose, print });
    const ok = dredd.ok && respect.ok;
    print();
    print(ok ? 'Contract checks passed.' : 'Contract checks FAILED.');
    return { ok, dredd, respect };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkBaseUrl(baseUrl) {
  let url;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ContractSetupError(`The base URL ${JSON.stringify(baseUrl)} is not a URL (expected e.g. https://api.example.com or http://127.0.0.1:4010)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ContractSetupError(`The base URL must be http or https, got ${url.protocol}`);
  return url.href.replace(/\/$/, '');
}

/** One clear error instead of a failure per transaction when nothing answers at all. */
async function checkReachable(url) {
  try {
    await fetch(url, { method: 'GET', signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const reason = error.cause?.code ?? error.cause?.message ?? error.message;
    throw new ContractSetupError(`Nothing answers at ${url} (${reason})`);
  }
}

/** Credentials, tenant, user and images for one run. Mock runs make up credentials of their own. */
function readSettings(mode, env, doc) {
  const made = (label) => `${label}-${randomBytes(9).toString('base64url')}`;
  const mock = mode === 'mock';
  if (mode !== 'mock' && mode !== 'live') throw new ContractSetupError(`Unknown mode ${mode}`);
  const operation = (path, method) => doc.paths[path][method];
  const requestExample = (path) => Object.values(operation(path, 'post').requestBody.content['application/json'].examples)[0].value;
  const listParameter = operation('/api/DigitalIdentity/GetUserDigitalIdentityImages', 'get').parameters.find((parameter) => parameter.name === 'emailOrPhoneNumber');
  const faces = requestExample('/api/DigitalIdentity/verify/liveness/multi');

  const fixturesDir = env.VLENS_FIXTURES_DIR || '';
  let images;
  let imageFiles = null;
  if (fixturesDir) {
    imageFiles = Object.fromEntries(Object.entries(FIXTURE_FILES).map(([key, file]) => [key, join(fixturesDir, file)]));
    const missing = Object.values(imageFiles).filter((file) => !existsSync(file));
    if (missing.length > 0) throw new ContractSetupError(`VLENS_FIXTURES_DIR lacks ${missing.join(', ')} (it needs ${Object.values(FIXTURE_FILES).join(', ')})`);
    images = Object.fromEntries(Object.entries(imageFiles).map(([key, file]) => [key, readFileSync(file).toString('base64')]));
  } else {
    images = {
      idFront: requestExample('/api/DigitalIdentity/verify/id/front').image,
      idBack: requestExample('/api/DigitalIdentity/verify/id/back').image,
      face1: faces.face_1,
      face2: faces.face_2,
      face3: faces.face_3,
    };
  }
  return {
    mode,
    env,
    apiKey: env.VLENS_API_KEY || (mock ? made('mock-key') : ''),
    userToken: env.VLENS_USER_TOKEN || (mock ? made('mock-user-token') : ''),
    adminToken: env.VLENS_ADMIN_TOKEN || (mock ? made('mock-admin-token') : ''),
    tenancyName: env.VLENS_TENANCY_NAME || (mock ? String(doc.components.parameters.TenancyName.example) : ''),
    userEmailOrPhone: env.VLENS_USER_EMAIL_OR_PHONE || (mock ? String(listParameter.example) : ''),
    fixturesDir,
    images,
    imageFiles,
  };
}

function credentialEnv(settings) {
  const variables = {
    VLENS_API_KEY: settings.apiKey,
    VLENS_USER_TOKEN: settings.userToken,
    VLENS_ADMIN_TOKEN: settings.adminToken,
    VLENS_TENANCY_NAME: settings.tenancyName,
    VLENS_USER_EMAIL_OR_PHONE: settings.userEmailOrPhone,
  };
  const env = { ...settings.env };
  for (const [name, value] of Object.entries(variables)) {
    if (value) env[name] = value;
    else delete env[name];
  }
  return env;
}

/** Replaces every secret and every fixture image in a text. */
export function createRedactor(settings) {
  const secrets = [settings.apiKey, settings.userToken, settings.adminToken].filter((value) => value && value.length >= 4);
  const images = settings.fixturesDir ? Object.values(settings.images) : [];
  return (text) => {
    let out = String(text);
    for (const secret of secrets) out = out.split(secret).join('<redacted>');
    for (const image of images) out = out.split(image).join('<image>');
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// Dredd

async function runDredd({ doc, url, settings, dir, verbose, print }) {
  const { document, plan } = deriveDreddInput(doc);
  // JSON rather than YAML: Dredd's YAML 1.1 parser would read unquoted dates in examples as timestamps.
  const inputPath = join(dir, 'dredd-input.json');
  const planPath = join(dir, 'dredd-plan.json');
  const resultsPath = join(dir, 'dredd-results.json');
  writeFileSync(inputPath, JSON.stringify(document, null, 1));
  writeFileSync(
    planPath,
    JSON.stringify({
      mode: settings.mode,
      tenancyName: settings.tenancyName,
      userEmailOrPhone: settings.userEmailOrPhone,
      images: settings.fixturesDir ? settings.images : null,
      operations: plan,
    }),
  );
  const run = await runProcess(process.execPath, [DREDD_BIN, inputPath, url, `--hookfiles=${HOOKS_PATH}`, '--language=nodejs', '--loglevel=warning', '--no-color'], {
    env: { ...credentialEnv(settings), VLENS_CONTRACT_PLAN: planPath, VLENS_CONTRACT_RESULTS: resultsPath },
    logPath: join(dir, 'dredd.log'),
  });
  print();
  print('== Dredd (every documented transaction, response bodies validated against their schema)');
  if (verbose) print(run.output);
  if (!existsSync(resultsPath)) {
    print(`Dredd did not finish (exit code ${run.code}):`);
    print(tail(run.output, 40));
    return { ok: false, passed: 0, failed: 0, skipped: 0, records: [] };
  }
  const { records } = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const summary = parseDreddSummary(run.output);
  const count = (outcome) => records.filter((record) => record.outcome === outcome).length;
  const passed = count('pass');
  const failed = count('fail');
  const skipped = records.filter((record) => record.outcome === 'skip');
  const unexplained = skipped.filter((record) => !record.reason);

  const skipReasons = new Map();
  for (const record of records) {
    const label = `${record.operationId} ${record.status} (${record.method} ${record.path})`;
    if (record.outcome === 'fail') {
      print(`FAIL ${label}${record.request ? `; request: ${record.request}` : ''}`);
      if (record.reason) print(`     ${record.reason}`);
      for (const problem of record.problems) {
        print(`     ${problem.field}${problem.pointer ? ` ${problem.pointer}` : ''}: ${problem.message}`);
      }
    } else if (record.outcome === 'skip') {
      const reason = record.reason || 'UNEXPLAINED';
      skipReasons.set(reason, [...(skipReasons.get(reason) ?? []), `${record.operationId} ${record.status}`]);
    } else if (verbose) {
      print(`pass ${label}${record.request ? `; request: ${record.request}` : ''}`);
    }
  }
  if (skipReasons.size > 0) print('Skipped, by reason:');
  for (const [reason, transactions] of skipReasons) print(`  skip ${transactions.join(', ')}: ${reason}`);
  print(
    `Dredd: ${passed} passed, ${failed} failed, ${skipped.length} skipped (${skipped.length - unexplained.length} with a reason), ${records.length} transactions in ${run.seconds.toFixed(1)} s`,
  );

  const problems = [];
  if (summary && summary.total !== records.length) problems.push(`Dredd ran ${summary.total} transactions but the hooks saw ${records.length}`);
  if (summary && (summary.failing !== failed || summary.skipped !== skipped.length || summary.errors > 0)) {
    problems.push(`Dredd counts ${summary.failing} failing, ${summary.skipped} skipped and ${summary.errors} errors`);
  }
  if (!summary) problems.push('Dredd printed no summary line');
  if (unexplained.length > 0) problems.push(`${unexplained.length} transactions were skipped without a reason`);
  if (passed + failed === 0) problems.push('no transaction ran: nothing was checked');
  if (run.code !== 0 && failed === 0) problems.push(`Dredd exited with code ${run.code}`);
  for (const problem of problems) print(`ERROR ${problem}`);
  if (problems.length > 0 && !verbose) print(tail(run.output, 30));
  return { ok: failed === 0 && problems.length === 0, passed, failed, skipped: skipped.length, records, summary };
}

function parseDreddSummary(output) {
  const match = /complete: (\d+) passing, (\d+) failing, (\d+) errors, (\d+) skipped, (\d+) total/.exec(output);
  if (!match) return null;
  const [passing, failing, errors, skipped, total] = match.slice(1).map(Number);
  return { passing, failing, errors, skipped, total };
}

// ---------------------------------------------------------------------------------------------
// Redocly Respect

/** Environment variables each workflow requires (its own `inputs.env.required` and its children's). */
export function workflowRequirements(arazzo = parse(readFileSync(ARAZZO_PATH, 'utf8'))) {
  const byId = new Map(arazzo.workflows.map((workflow) => [workflow.workflowId, workflow]));
  const requirements = (workflow, seen = new Set()) => {
    if (seen.has(workflow.workflowId)) return [];
    seen.add(workflow.workflowId);
    const own = workflow.inputs?.properties?.env?.required ?? [];
    const children = (workflow.steps ?? []).filter((step) => step.workflowId).flatMap((step) => requirements(byId.get(step.workflowId), seen));
    return [...new Set([...own, ...children])];
  };
  return arazzo.workflows.map((workflow) => ({ workflowId: workflow.workflowId, requires: requirements(workflow) }));
}

async function runRespect({ url, settings, dir, verbose, print }) {
  print();
  print(`== Redocly Respect (Arazzo workflows in openapi/vlens.arazzo.yaml)`);
  const env = {
    ...credentialEnv(settings),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  };
  for (const [key, variable] of Object.entries(IMAGE_VARIABLES)) {
    delete env[variable];
    delete env[`${variable}_FILE`];
    if (settings.imageFiles) env[`${variable}_FILE`] = settings.imageFiles[key];
    else env[variable] = settings.images[key];
  }
  const provided = (name) => Boolean(env[name]) || Boolean(env[`${name}_FILE`]);
  const workflows = workflowRequirements();
  const runnable = [];
  for (const { workflowId, requires } of workflows) {
    const missing = requires.filter((name) => !provided(name));
    if (missing.length === 0) runnable.push(workflowId);
    else print(`skip workflow ${workflowId}: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
  }
  if (runnable.length === 0) {
    print('Respect: no workflow can run without credentials.');
    return { ok: true, workflows: [], skipped: workflows.length };
  }

  const jsonPath = join(dir, 'respect.json');
  const run = await runProcess(
    process.execPath,
    [
      '--import',
      RESPECT_PRELOAD,
      REDOCLY_BIN,
      'respect',
      ARAZZO_PATH,
      '--server',
      `${SOURCE_NAME}=${url}`,
      '--json-output',
      jsonPath,
      ...runnable.flatMap((id) => ['--workflow', id]),
    ],
    { env, cwd: ROOT, logPath: join(dir, 'respect.log') },
  );
  if (verbose) print(run.output);
  if (!existsSync(jsonPath)) {
    print(`Respect did not finish (exit code ${run.code}):`);
    print(tail(run.output, 40));
    return { ok: false, workflows: [] };
  }
  const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const results = [];
  for (const file of Object.values(report.files ?? {})) {
    for (const workflow of file.executedWorkflows ?? []) {
      const failures = [];
      collectFailures(workflow.executedSteps ?? [], [], failures);
      results.push({ workflowId: workflow.workflowId, status: workflow.status, failures });
    }
  }
  for (const result of results) {
    if (result.status === 'success' && result.failures.length === 0) {
      print(`pass workflow ${result.workflowId}`);
      continue;
    }
    print(`FAIL workflow ${result.workflowId}`);
    for (const failure of result.failures) {
      print(`     ${failure.step}: ${failure.check}${failure.detail ? ` (${failure.detail})` : ''}`);
    }
  }
  const failed = results.filter((result) => result.status !== 'success' || result.failures.length > 0);
  const missingRuns = runnable.filter((id) => !results.some((result) => result.workflowId === id));
  print(
    `Respect: ${results.length - failed.length} passed, ${failed.length} failed, ${workflows.length - runnable.length} skipped, ${workflows.length} workflows in ${run.seconds.toFixed(1)} s`,
  );
  for (const id of missingRuns) print(`ERROR workflow ${id} did not run`);
  const ok = failed.length === 0 && missingRuns.length === 0 && run.code === 0 && report.status === 'success';
  if (!ok && failed.length === 0) print(`ERROR Respect exited with code ${run.code}`);
  return { ok, workflows: results, skipped: workflows.length - runnable.length };
}

function collectFailures(steps, trail, failures) {
  for (const step of steps) {
    const here = [...trail, step.stepId ?? step.workflowId];
    if (step.type === 'workflow') {
      collectFailures(step.executedSteps ?? [], here, failures);
      continue;
    }
    for (const check of step.checks ?? []) {
      if (check.passed || check.severity === 'off') continue;
      failures.push({ step: here.join(' > '), check: check.name, detail: describeCheck(check) });
    }
  }
}

function describeCheck(check) {
  const message = String(check.message ?? '').trim();
  if (check.name === 'success criteria check' && check.condition) return check.condition;
  if (check.name === 'schema check') return condenseSchemaMessage(message);
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * Respect reports each schema error as a keyword line and a code frame of the response body whose
 * `>` line is the offending property. Keeps the property line and the rule, one per error.
 */
export function condenseSchemaMessage(message) {
  const errors = [];
  for (const line of message.split('\n')) {
    const heading = /^([A-Z_]+) (.+)$/.exec(line.trim());
    if (heading) errors.push({ keyword: heading[1].toLowerCase(), rule: heading[2], at: '' });
    const marked = /^>\s*\d+\s*\|\s*(.*?),?\s*$/.exec(line.trim());
    if (marked && errors.length > 0 && !errors.at(-1).at) errors.at(-1).at = marked[1];
  }
  if (errors.length === 0) return message.replace(/\s+/g, ' ');
  return errors.map(({ keyword, rule, at }) => `${at ? `${at}: ` : ''}${keyword} ${rule}`).join('; ');
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs a tool with its output going to a file, not a pipe: Dredd ends with process.exit(), which
 * loses whatever is still queued on a pipe (the failure details and the summary line), while writes
 * to a file are synchronous.
 */
function runProcess(command, args, { env, cwd = ROOT, logPath }) {
  const log = openSync(logPath, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', log, log] });
    child.on('error', (error) => {
      closeSync(log);
      reject(error);
    });
    child.on('close', (code) => {
      closeSync(log);
      resolve({ code, output: readFileSync(logPath, 'utf8'), seconds: (performance.now() - started) / 1000 });
    });
  });
}

function tail(text, lines) {
  return text.split('\n').slice(-lines).join('\n');
}
