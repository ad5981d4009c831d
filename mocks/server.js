// The mock: one Node HTTP server in front of Prism running in the same process. The front does what
// the real service does before an answer is chosen (credentials, content type, size, JSON, schema) and
// answers refusals in the vendor's envelope; Prism picks the scenario answer the description declares
// and checks it against its schema. One access-log line per request.
import { createServer } from 'node:http';
import { checkContentType, checkCredentials, declaredLength } from './checks.js';
import { createBodyValidators } from './body.js';
import { loadDescription } from './description.js';
import { loadPrism } from './prism.js';
import { chooseScenario } from './scenarios.js';
import { refusal, fieldErrors } from './refusals.js';
import { checkExamples, describeDrift } from './drift.js';

// ASP.NET Core's default request body ceiling (Kestrel MaxRequestBodySize): a liveness call with four
// images at the description's 3 MB ceiling (~16.8 MB of JSON) fits, anything far larger is refused.
export const DEFAULT_MAX_BODY_BYTES = 30_000_000;
// A refused oversized body is still read (and thrown away) so the client sees the 413 instead of a
// reset connection, but only up to this much; past it the connection is cut.
const DRAIN_LIMIT_FACTOR = 4;

export async function createMock(options = {}) {
  const prism = loadPrism();
  const description = await loadDescription(prism, options.description);
  const validateBody = createBodyValidators(prism, description);
  const instance = prism.http.createInstance(
    { mock: { dynamic: false }, checkSecurity: false, validateRequest: true, validateResponse: true, errors: true, isProxy: false, upstreamProxy: undefined },
    { logger: prism.core.createLogger('vlens-mock', { level: 'silent' }), route: ({ resources }) => prism.either.right(resources[0]) },
  );
  const context = {
    prism,
    description,
    instance,
    validateBody,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    log: toLogger(options.log),
    routes: routeTable(description.operations),
    validated: new Set(),
  };
  if (options.checkExamples !== false) await checkExamples(context);
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error) => answerCrash(context, request, response, error));
  });
  return { server, context };
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
  const byMethod = context.routes.get(pathname) ?? context.routes.get(caseInsensitive(context, pathname));
  const finish = (answer, delivery) => send(context, request, response, answer, { pathname, started }, delivery);

  if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) return finish(preflight(request, byMethod));
  if (!byMethod) return finish(refusal.notFound(context.description, pathname));
  const operation = byMethod.get(request.method);
  if (!operation) return finish(refusal.methodNotAllowed(context.description, request.method, [...byMethod.keys()]));

  const credentials = checkCredentials(operation, request.headers);
  if (credentials.length > 0) return finish(refusal.unauthorized(context.description, credentials));

  const contentType = checkContentType(operation, request);
  if (contentType.length > 0) return finish(refusal.unsupportedMediaType(context.description, operation, contentType));

  const scenario = chooseScenario(context.prism, operation, request.headers, url.searchParams);
  if (scenario.problem) return finish(refusal.invalid(context.description, [scenario.problem]));

  let body;
  if (operation.hasBody) {
    const read = await readBody(request, context.maxBodyBytes);
    if (read.tooLarge) return finish(refusal.bodyTooLarge(context.description, read.bytes, context.maxBodyBytes), { close: read.cut });
    if (read.bytes.length === 0) {
      if (operation.bodyRequired) return finish(refusal.invalid(context.description, [{ field: 'body', message: 'The request body is required.' }]));
    } else {
      try {
        body = JSON.parse(read.bytes.toString('utf8'));
      } catch (error) {
        return finish(refusal.malformedJson(context.description, error));
      }
      const violations = context.validateBody(operation, body);
      if (violations.length > 0) return finish(refusal.forViolations(context.description, operation, violations));
    }
  }

  const answer = await askPrism(context, operation, request, url, scenario);
  return finish(answer);
}

function caseInsensitive(context, pathname) {
  // ASP.NET routes ignore case (the older documentation spells one path /api/Credentials/Login).
  const lower = pathname.toLowerCase();
  for (const path of context.routes.keys()) if (path.toLowerCase() === lower) return path;
  return undefined;
}

function preflight(request, byMethod) {
  return {
    status: 204,
    headers: {
      'access-control-allow-methods': byMethod ? [...byMethod.keys(), 'OPTIONS'].join(', ') : 'GET, POST, OPTIONS',
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
    request.on('error', reject);
  });
}

async function askPrism(context, operation, request, url, scenario) {
  const headers = { ...request.headers };
  // Prism would re-check what the front already checked (and negotiate on Accept, which the real
  // service ignores: it always answers JSON).
  for (const name of ['content-length', 'content-type', 'transfer-encoding', 'accept', 'authorization', 'apikey']) delete headers[name];
  const input = {
    method: operation.method.toLowerCase(),
    url: { path: operation.path, query: Object.fromEntries(url.searchParams) },
    headers,
    body: undefined,
  };
  const key = `${operation.id} ${scenario.code ?? ''} ${scenario.exampleKey ?? ''}`;
  const validateResponse = scenario.dynamic === true || !context.validated.has(key);
  const result = await context.instance.request(input, [operation.bodylessResource], {
    mock: { dynamic: scenario.dynamic ?? false, code: scenario.code, exampleKey: scenario.exampleKey },
    validateResponse,
  })();
  if (result._tag === 'Left') throw Object.assign(new Error(`Prism could not answer: ${result.left.detail ?? result.left.message}`), { prism: result.left });
  const { output, validations } = result.right;
  const parameterViolations = validations.input.filter((violation) => violation.severity === 0);
  if (parameterViolations.length > 0) return refusal.invalid(context.description, fieldErrors(operation, parameterViolations));
  const drift = validations.output.filter((violation) => violation.severity === 0);
  const name = scenario.dynamic ? 'dynamic' : (scenario.exampleKey ?? firstExample(operation, output.statusCode));
  if (drift.length > 0) {
    const answer = describeDrift(context.description, operation, name, output.statusCode, drift);
    context.log?.(`DRIFT ${answer.body.error_message}`);
    process.emitWarning(answer.body.error_message, { code: 'VLENS_MOCK_EXAMPLE_DRIFT' });
    return answer;
  }
  if (validateResponse && !scenario.dynamic) context.validated.add(key);
  return { status: output.statusCode, body: output.body, scenario: name };
}

function firstExample(operation, status) {
  return operation.responses.find((response) => response.status === status)?.examples[0]?.name ?? '-';
}

function send(context, request, response, answer, { pathname, started }, { close = false } = {}) {
  const headers = {
    'access-control-allow-origin': request.headers.origin ?? '*',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': '*',
    ...answer.headers,
  };
  if (close) headers.connection = 'close';
  if (answer.body === undefined) {
    response.writeHead(answer.status, headers);
    response.end();
  } else {
    const payload = JSON.stringify(answer.body);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(payload);
    response.writeHead(answer.status, headers);
    response.end(payload);
  }
  if (close) response.on('finish', () => request.socket?.destroy());
  context.log?.(`${request.method} ${pathname} ${answer.status} ${answer.scenario ?? '-'} ${(performance.now() - started).toFixed(1)}ms`);
}

function answerCrash(context, request, response, error) {
  const message = `The mock failed on ${request.method} ${request.url?.split('?')[0]}: ${error.message}`;
  context.log?.(`ERROR ${message}`);
  if (!context.log) process.emitWarning(message, { code: 'VLENS_MOCK_ERROR' });
  if (response.headersSent) return response.destroy();
  const answer = refusal.crash(context.description, message);
  send(context, request, response, answer, { pathname: new URL(request.url ?? '/', 'http://mock').pathname, started: performance.now() });
}
