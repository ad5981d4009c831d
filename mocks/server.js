// The mock: one Node HTTP server that does what the real service does before an answer is chosen
// (credentials, content type, size, JSON, schema) and answers refusals in the vendor's envelope, then
// answers the scenario asked for with the description's named example. One access-log line per request.
//
// A named example never changes: it is served from the description as it stands, checked against its
// schema once per description (see drift.js), and its serialized form is kept. Stoplight Prism, in the
// same process, generates the answers no example gives (`Prefer: dynamic=true`, a status without an
// example); it is loaded the first time one is asked for, since loading it takes longer than the whole
// start-up of the mock may (scripts/bench/mock.bench.mjs measures both).
import { createServer } from 'node:http';
import { checkContentType, checkCredentials, declaredLength } from './checks.js';
import { createAjv, createValidators, describeViolations } from './validation.js';
import { loadDescription } from './description.js';
import { loadPrism } from './prism.js';
import { chooseScenario } from './scenarios.js';
import { refusal } from './refusals.js';
import { checkExamples, describeDrift } from './drift.js';
import { createResponseValidator } from './response-validation.js';
import { generatedAnswer } from './generation.js';
import { CONTROL_PREFIX, createSandbox } from './sandbox/index.js';
import { fillAnswer } from './sandbox/fill.js';
import { BEFORE_HANDLING, strikeAfter, strikeBefore, takeFault } from './sandbox/faults.js';
import { journalEntry } from './sandbox/journal.js';

// ASP.NET Core's default request body ceiling (Kestrel MaxRequestBodySize): a liveness call with four
// images at the description's 3 MB ceiling (~16.8 MB of JSON) fits, anything far larger is refused.
export const DEFAULT_MAX_BODY_BYTES = 30_000_000;
// A refused oversized body is still read (and thrown away) so the client sees the 413 instead of a
// reset connection, but only up to this much; past it the connection is cut.
const DRAIN_LIMIT_FACTOR = 4;
const KEEP_ALIVE_TIMEOUT_MS = 130_000;

export async function createMock(options = {}) {
  // A bundler cannot follow loadPrism's resolution through the consumer's node_modules: a bundle
  // imports Prism's modules itself and passes them in (see loadPrism for their names).
  const prism = options.prism ?? loadPrism();
  const description = loadDescription(prism, options.descriptionText !== undefined ? { text: options.descriptionText } : options.description);
  const validators = validatorsPerOperation(prism, description);
  const context = {
    prism,
    description,
    validators,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    log: toLogger(options.log),
    routes: routeTable(description.operations),
    answers: new Map(),
    // The recorded description was checked when its record was written; any other is checked here.
    examplesChecked: description.checked,
    generator: null,
    sandbox: sandboxFor(description, options, () => prism),
  };
  let responseValidator;
  Object.defineProperty(context, 'responseValidator', { get: () => (responseValidator ??= createResponseValidator(prism, description)) });
  if (!context.examplesChecked && options.checkExamples !== false) {
    checkExamples(description, context.responseValidator, validators);
    context.examplesChecked = true;
  }
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error) => answerCrash(context, request, response, error));
  });
  server.on('clientError', (error, socket) => answerUnparsable(context, error, socket));
  // Kestrel's default, as the real (ASP.NET) service keeps idle connections. Node's 5 s let a client that
  // reuses a connection after 4-5 s idle (fetch keeps them 4 s) meet it closing: "other side closed".
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return { server, context };
}

/**
 * createValidators' validators, compiled for each operation on its first request: compiling them all
 * takes 0.1-0.15 s, a quarter of the start-up allowed, for operations a test run may never call.
 */
function validatorsPerOperation(prism, description) {
  const compiled = new Map();
  const of = (operation) => {
    let validators = compiled.get(operation.id);
    if (!validators) compiled.set(operation.id, (validators = createValidators(prism, { ...description, operations: [operation] })));
    return validators;
  };
  return {
    body: (operation, value) => of(operation).body(operation, value),
    parameters: (operation, headers, query) => of(operation).parameters(operation, headers, query),
  };
}

/** Creates the mock and listens; port 0 (the default) picks a free port. */
export async function listen(options = {}) {
  const { server, context } = await createMock(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let stopping;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    context,
    stop() {
      stopping ??= new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

function toLogger(log) {
  if (typeof log === 'function') return log;
  if (log) return (line) => process.stdout.write(`${line}\n`);
  return null;
}

function routeTable(operations) {
  const routes = new Map();
  for (const operation of operations) {
    if (!routes.has(operation.path)) routes.set(operation.path, new Map());
    routes.get(operation.path).set(operation.method, operation);
  }
  return routes;
}

async function handle(context, request, response) {
  const started = performance.now();
  const url = new URL(request.url ?? '/', 'http://mock');
  const pathname = url.pathname.replace(/\/+$/, '') || '/';
  if (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) return handleControl(context, request, response, url, pathname, started);
  const byMethod = context.routes.get(pathname) ?? context.routes.get(caseInsensitive(context, pathname));
  const { sandbox } = context;
  // What the journal of the caller's tenant learns about this request as it goes.
  const trace = {};
  const tenant = sandbox.tenantOf(request.headers);
  const finish = (answer, delivery) => {
    send(context, request, response, answer, { pathname, started }, { ...delivery, fault: trace.fault });
    if (tenant) journal(context, tenant, request, url, pathname, started, answer, trace);
  };

  if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) return finish(preflight(request, byMethod ? [...byMethod.keys()] : null));
  if (!byMethod) return finish(refusal.notFound(context.description, pathname));
  const operation = byMethod.get(request.method);
  if (!operation) return finish(refusal.methodNotAllowed(context.description, request.method, [...byMethod.keys()]));
  trace.operationId = operation.id;

  const fault = tenant ? takeFault(tenant, operation.id) : null;
  if (fault && BEFORE_HANDLING.has(fault.fault)) return strike(context, request, response, fault, { pathname, started, tenant, url, trace });
  if (fault) trace.fault = fault;

  const credentials = checkCredentials(operation, request.headers);
  if (credentials.length > 0) return finish(refusal.unauthorized(context.description, credentials));

  const caller = tenant ?? sandbox.store.tenant('');
  const access = sandbox.authorize(caller, operation, request.headers.authorization);
  if (access.refused) return finish(await decided(context, operation, access.refused, trace));

  const contentType = checkContentType(operation, request);
  if (contentType.length > 0) return finish(refusal.unsupportedMediaType(context.description, operation, contentType));

  const scenario = chooseScenario(operation, request.headers, url.searchParams);
  if (scenario.problem) return finish(refusal.invalid(context.description, [scenario.problem]));

  const query = queryOf(url);
  trace.query = query;
  const violations = context.validators.parameters(operation, request.headers, query);
  let body;
  if (operation.hasBody) {
    const read = await readBody(request, context.maxBodyBytes);
    if (read.aborted) return context.log?.(`${request.method} ${pathname} - aborted ${(performance.now() - started).toFixed(1)}ms`);
    if (read.tooLarge) return finish(refusal.bodyTooLarge(context.description, read.bytes, context.maxBodyBytes), { close: read.cut });
    if (read.bytes.length === 0) {
      if (operation.bodyRequired) violations.push({ field: 'body', message: 'The request body is required.', kind: 'required' });
    } else {
      try {
        body = JSON.parse(read.bytes.toString('utf8'));
      } catch (error) {
        trace.bodyBytes = read.bytes.length;
        return finish(refusal.malformedJson(context.description, error));
      }
      trace.body = body;
      violations.push(...context.validators.body(operation, body));
    }
  }
  if (violations.length > 0) return finish(refusal.forViolations(context.description, operation, violations));

  trace.images = sandbox.settings.stateless ? {} : sandbox.trackImages(operation, body);
  const decision = sandbox.decide(caller, operation, { identity: access.identity, body, query, prefer: scenario, images: trace.images });
  return finish(await decided(context, operation, decision, trace));
}

/** The answer the sandbox decided: the named example through answerFor, with the sandbox's values filled in. */
async function decided(context, operation, decision, trace) {
  Object.assign(trace, { by: decision.by, why: decision.why, transactionId: decision.transactionId });
  const answer = fillAnswer(await answerFor(context, operation, decision.scenario), decision.fill);
  trace.why ??= errorOf(answer.body);
  return answer;
}

/** A failure an answer reports in its envelope, as the journal says why a request failed. */
function errorOf(body) {
  const code = body?.error_code;
  if (code === null || code === undefined || code === 0 || code === '0') return null;
  const fields = Array.isArray(body.error_descriptions) ? body.error_descriptions.map((entry) => entry?.message).filter(Boolean) : [];
  return [`${code}: ${body.error_message ?? ''}`.trim(), ...fields].join(' ');
}

/** A fault that strikes before the sandbox sees the request: nothing is decided, the client gets no proper answer. */
function strike(context, request, response, fault, { pathname, started, tenant, url, trace }) {
  trace.fault = fault;
  strikeBefore(fault, request, response, corsHeaders(request));
  const status = fault.fault === 'html502' ? 502 : null;
  context.log?.(`${request.method} ${pathname} ${status ?? '-'} fault:${fault.fault} ${(performance.now() - started).toFixed(1)}ms`);
  journal(context, tenant, request, url, pathname, started, { status, scenario: `fault:${fault.fault}` }, trace);
}

function journal(context, tenant, request, url, pathname, started, answer, trace) {
  const status = answer.status ?? null;
  const why = trace.why ?? (status >= 400 ? errorOf(answer.body) : null);
  // why and fault passed beside the trace, not spread over a copy of it: redefining members of a spread
  // copy takes V8's slow path, on every request.
  const entry = journalEntry(request, { pathname, query: trace.query ?? queryOf(url), started, status, scenario: answer.scenario, trace, why, fault: trace.fault?.fault ?? null });
  context.sandbox.journal.add(tenant, entry);
}

async function handleControl(context, request, response, url, pathname, started) {
  const answer = await context.sandbox.control(request, url, pathname);
  if (answer === null) {
    if (request.method !== 'OPTIONS') return undefined;
    return send(context, request, response, preflight(request, ['GET', 'POST', 'PUT']), { pathname, started });
  }
  return send(context, request, response, answer, { pathname, started });
}

/** The sandbox of a mock (`options`: stateless, strictTokens and the limits, see createSandbox). */
function sandboxFor(description, options, prism) {
  return createSandbox(description, options, { createAjv: (extra) => createAjv(prism(), extra), describeViolations });
}

/** Query parameters as Prism reads them: a repeated name becomes a list. */
function queryOf(url) {
  const query = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  return query;
}

function caseInsensitive(context, pathname) {
  // ASP.NET routes ignore case (the older documentation spells one path /api/Credentials/Login).
  const lower = pathname.toLowerCase();
  for (const path of context.routes.keys()) if (path.toLowerCase() === lower) return path;
  return undefined;
}

function preflight(request, methods) {
  return {
    status: 204,
    headers: {
      'access-control-allow-methods': methods ? [...methods, 'OPTIONS'].join(', ') : 'GET, POST, OPTIONS',
      'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
      'access-control-max-age': '600',
    },
    scenario: 'preflight',
  };
}

function readBody(request, limit) {
  const announced = declaredLength(request);
  return new Promise((resolve, reject) => {
    const chunks = [];
    let received = 0;
    let tooLarge = announced !== null && announced > limit;
    request.on('data', (chunk) => {
      received += chunk.length;
      if (received > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      else if (received > limit * DRAIN_LIMIT_FACTOR) {
        request.removeAllListeners('data');
        request.pause();
        resolve({ tooLarge, cut: true, bytes: received });
      }
    });
    request.on('end', () => resolve(tooLarge ? { tooLarge, bytes: received } : { bytes: Buffer.concat(chunks, received) }));
    request.on('close', () => {
      if (!request.complete) resolve({ aborted: true });
    });
    request.on('error', (error) => (request.complete ? reject(error) : resolve({ aborted: true })));
  });
}

/**
 * The answer of a scenario (`{ code, exampleKey, dynamic }`, as chooseScenario gives it):
 * `{ status, body, payload, scenario }`, `payload` being `body` serialized. Answers of named examples
 * are kept and shared between requests: copy `body` before changing it.
 */
export async function answerFor(context, operation, scenario) {
  if (scenario.dynamic) return reported(context, await generatedAnswer(context, operation, { code: scenario.code, dynamic: true }));
  const key = `${operation.id}|${scenario.code ?? ''}|${scenario.exampleKey ?? ''}`;
  const kept = context.answers.get(key);
  if (kept) return kept;
  const answer = namedAnswer(context, operation, scenario) ?? (await generatedAnswer(context, operation, { code: scenario.code, dynamic: false }));
  if (answer.drift) return reported(context, answer);
  context.answers.set(key, answer);
  return answer;
}

/** The named example asked for (or the status's first), checked against its schema unless the description's check already did; null when the status has none. */
function namedAnswer(context, operation, { code, exampleKey }) {
  const status = code ?? operation.defaultStatus;
  const examples = operation.responses.find((response) => response.status === status)?.examples ?? [];
  const example = exampleKey === undefined ? examples[0] : examples.find((candidate) => candidate.name === exampleKey);
  if (!example) return null;
  if (!context.examplesChecked) {
    const violations = context.responseValidator.violations(operation, status, example.value);
    if (violations.length > 0) return describeDrift(context.description, operation, example.name, status, violations);
  }
  return { status, body: example.value, payload: JSON.stringify(example.value), scenario: example.name };
}

/** A drifted answer is logged and warned about each time it is served. */
function reported(context, answer) {
  if (answer.drift) {
    context.log?.(`DRIFT ${answer.body.error_message}`);
    process.emitWarning(answer.body.error_message, { code: 'VLENS_MOCK_EXAMPLE_DRIFT' });
  }
  return answer;
}

function corsHeaders(request) {
  return {
    'access-control-allow-origin': request.headers.origin ?? '*',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': '*',
  };
}

function send(context, request, response, answer, { pathname, started }, { close = false, fault } = {}) {
  const headers = { ...corsHeaders(request), ...answer.headers };
  if (close) headers.connection = 'close';
  let payload;
  if (answer.body !== undefined) {
    payload = answer.payload ?? JSON.stringify(answer.body);
    headers['content-type'] = answer.contentType ?? 'application/json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  if (fault) strikeAfter(fault, response, answer.status, headers, payload);
  else {
    response.writeHead(answer.status, headers);
    response.end(payload);
  }
  if (close) response.on('finish', () => request.socket?.destroy());
  const faulted = fault ? ` fault:${fault.fault}` : '';
  context.log?.(`${request.method} ${pathname} ${answer.status} ${answer.scenario ?? '-'}${faulted} ${(performance.now() - started).toFixed(1)}ms`);
}

/** Requests Node cannot parse (headers too large, broken HTTP) still get the envelope, then the connection closes. */
function answerUnparsable(context, error, socket) {
  // A client that hung up mid-request (EOF inside the body, reset) is not refused: there is no one to answer.
  if (!socket.writable || error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE') return socket.destroy();
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 431 ? 'The request headers are too large.' : 'The request is not valid HTTP.';
  const payload = JSON.stringify({ data: null, error_code: status, error_message: message, error_descriptions: null });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
  );
  context.log?.(`- - ${status} - ${message}`);
}

function answerCrash(context, request, response, error) {
  // A client that hung up mid-request is not the mock failing.
  if (request.destroyed && (error.code === 'ECONNRESET' || error.message === 'aborted')) return;
  const message = `The mock failed on ${request.method} ${request.url?.split('?')[0]}: ${error.message}`;
  context.log?.(`ERROR ${message}`);
  if (!context.log) process.emitWarning(message, { code: 'VLENS_MOCK_ERROR' });
  if (response.headersSent || response.destroyed) return response.destroy();
  const answer = refusal.crash(context.description, message);
  send(context, request, response, answer, { pathname: new URL(request.url ?? '/', 'http://mock').pathname, started: performance.now() });
}
