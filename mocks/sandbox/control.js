// The control API under /__vlens/ (described in openapi/sandbox/openapi.yaml, shipped as
// control-api.js): routes and request schemas come from that description; requests are validated
// against it before a handler runs. Every call but the health check names its tenant by ApiKey.
// Errors are RFC 9457 problem details naming the field and, for closed lists, the valid values.
// The description and its validators are loaded on the first control call, not at start.
import { ANY_OPERATION, DEFAULT_DELAY_MS } from './faults.js';
import { transactionOf } from './store.js';

export const CONTROL_PREFIX = '/__vlens';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_STEERING_ENTRIES = 1000;
const SHOWN_IDS = 20;

const problem = (status, title, detail, field = null, allowed) => ({
  status,
  contentType: 'application/problem+json; charset=utf-8',
  body: { status, title, detail, field, ...(allowed ? { allowed } : {}) },
  scenario: '-',
});
const ok = (status, body) => ({ status, body, scenario: '-' });

/** The routes of the description: method, a pattern for the path, the operation. */
function routesOf(document) {
  const routes = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const names = [];
    const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (whole, name) => (names.push(name), '([^/]+)'))}$`);
    for (const [method, operation] of Object.entries(item)) {
      routes.push({ method: method.toUpperCase(), pattern, names, operation, path });
    }
  }
  return routes;
}

/** Validators of each operation's path and query parameters (text, coerced like ASP.NET binds it) and body. */
function compileValidators(createAjv, document) {
  const ajv = createAjv();
  const parametersAjv = createAjv({ coerceTypes: true });
  ajv.addSchema(document, 'control');
  parametersAjv.addSchema(document, 'control');
  const validators = new Map();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const escaped = path.replace(/~/g, '~0').replace(/\//g, '~1');
      const parameters = (operation.parameters ?? []).map((parameter) => (parameter.$ref ? resolve(document, parameter.$ref) : parameter));
      const byLocation = (location) => {
        const declared = parameters.filter((parameter) => parameter.in === location);
        if (declared.length === 0) return null;
        return parametersAjv.compile({
          type: 'object',
          properties: Object.fromEntries(declared.map((parameter) => [parameter.name, parameter.schema])),
          required: declared.filter((parameter) => parameter.required).map((parameter) => parameter.name),
        });
      };
      validators.set(operation.operationId, {
        path: byLocation('path'),
        query: byLocation('query'),
        body: operation.requestBody ? ajv.compile({ $ref: `control#/paths/${escaped}/${method}/requestBody/content/application~1json/schema` }) : null,
      });
    }
  }
  return validators;
}

function resolve(document, ref) {
  return ref
    .slice(2)
    .split('/')
    .reduce((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

function readSmallBody(request) {
  return new Promise((resolveBody) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolveBody(size > MAX_BODY_BYTES ? { tooLarge: true } : { text: Buffer.concat(chunks).toString('utf8') }));
    request.on('error', () => resolveBody({ aborted: true }));
  });
}

/**
 * Creates the handler of /__vlens/ requests for one sandbox: `handle(request, url, pathname)` resolves
 * to an answer `{ status, body, contentType?, headers?, scenario }`, or null for a CORS preflight.
 */
export function createControlApi(sandbox, { createAjv, describeViolations }) {
  let loaded = null;
  const load = () =>
    (loaded ??= import('./control-api.js').then(({ controlApi }) => ({ routes: routesOf(controlApi), validators: compileValidators(createAjv, controlApi) })));

  const firstViolation = (validate, value, nameOf) => {
    if (!validate || validate(value)) return null;
    const [violation] = describeViolations(validate.errors, { statuses: new Set() }, nameOf);
    // Where the schema has a closed list (an enum, the members of an object), the answer names it.
    const closed = validate.errors.find((error) => error.keyword === 'enum' || error.keyword === 'additionalProperties');
    const allowed = closed?.keyword === 'enum' ? closed.params.allowedValues.map(String) : closed ? Object.keys(closed.parentSchema?.properties ?? {}) : undefined;
    return problem(400, 'Invalid request', violation.message, violation.field, allowed);
  };

  const handlers = {
    getHealth: () => ok(200, { status: 'ok' }),
    getCatalog: () => ok(200, sandbox.catalogView()),
    resetTenant: ({ key }) => {
      sandbox.store.reset(key);
      return { status: 204, body: undefined, scenario: '-' };
    },
    getTransaction({ tenant, params }) {
      if (sandbox.settings.stateless) return statelessProblem();
      const id = params.id.toLowerCase();
      const transaction = transactionOf(tenant, id, Date.now());
      if (!transaction) {
        const latest = [...tenant.transactions.keys()].slice(-SHOWN_IDS).reverse();
        return problem(404, 'Unknown transaction', `This tenant has no transaction ${id}${latest.length ? '' : ' (it has none)'}.`, 'id', latest);
      }
      return ok(200, sandbox.transactionView(tenant, transaction));
    },
    setTransactionOutcomes({ tenant, params, body }) {
      if (sandbox.settings.stateless) return statelessProblem();
      for (const [step, scenario] of Object.entries(body)) {
        const names = sandbox.catalog.stepScenarios(step);
        if (!names.includes(scenario)) return problem(400, 'Unknown scenario', `No operation of the ${step} step has a scenario named "${scenario.slice(0, 120)}".`, step, names);
      }
      const id = params.id.toLowerCase();
      tenant.planned.delete(id);
      tenant.planned.set(id, { ...body });
      while (tenant.planned.size > sandbox.limits.maxTransactionsPerTenant) tenant.planned.delete(tenant.planned.keys().next().value);
      return ok(200, { transactionId: id, plannedOutcomes: { ...body } });
    },
    queueOutcome({ tenant, body }) {
      const entry = sandbox.catalog.get(body.operationId);
      if (!entry) return unknownOperation(body.operationId);
      const matches = entry.scenarios.filter((scenario) => scenario.name === body.scenario && (body.status === undefined || scenario.status === body.status));
      if (matches.length === 0) {
        const allowed = [...new Set(entry.scenarios.filter((scenario) => body.status === undefined || scenario.status === body.status).map((scenario) => scenario.name))];
        const at = body.status === undefined ? '' : ` with status ${body.status}`;
        return problem(400, 'Unknown scenario', `${entry.id} has no scenario named "${body.scenario.slice(0, 120)}"${at}.`, 'scenario', allowed);
      }
      if (matches.length > 1) {
        return problem(400, 'Ambiguous scenario', `${entry.id} has a "${body.scenario}" scenario for several statuses: send status too.`, 'status', matches.map((match) => String(match.status)));
      }
      const queue = tenant.queue.get(entry.id) ?? [];
      if (queue.length >= MAX_STEERING_ENTRIES) return problem(400, 'Too many queued outcomes', `At most ${MAX_STEERING_ENTRIES} outcomes can wait for one operation.`, 'operationId');
      const times = body.times ?? 1;
      queue.push({ scenario: body.scenario, status: matches[0].status, remaining: times });
      tenant.queue.set(entry.id, queue);
      const pending = queue.reduce((sum, queued) => sum + queued.remaining, 0);
      return ok(201, { operationId: entry.id, scenario: body.scenario, status: matches[0].status, times, pending });
    },
    addFault({ tenant, body }) {
      if (body.operationId !== undefined && !sandbox.catalog.get(body.operationId)) return unknownOperation(body.operationId);
      const key = body.operationId ?? ANY_OPERATION;
      const armed = tenant.faults.get(key) ?? [];
      if (armed.length >= MAX_STEERING_ENTRIES) return problem(400, 'Too many faults', `At most ${MAX_STEERING_ENTRIES} faults can wait for one operation.`, 'operationId');
      const delayMs = body.delayMs ?? (body.fault === 'delay' ? DEFAULT_DELAY_MS : 0);
      const times = body.times ?? 1;
      armed.push({ fault: body.fault, delayMs, remaining: times });
      tenant.faults.set(key, armed);
      return ok(201, { operationId: body.operationId ?? null, fault: body.fault, delayMs, times });
    },
    expireTokens({ tenant }) {
      let expired = 0;
      for (const token of tenant.tokens.values()) {
        if (token.expired) continue;
        token.expired = true;
        expired += 1;
      }
      return ok(200, { expired });
    },
    listRequests({ tenant, query }) {
      if (query.operationId !== undefined && !sandbox.catalog.get(query.operationId)) return unknownOperation(query.operationId);
      return ok(200, sandbox.journal.read(tenant, query, sandbox.images.summary));
    },
  };

  const unknownOperation = (operationId) =>
    problem(400, 'Unknown operation', `The API has no operation "${String(operationId).slice(0, 120)}".`, 'operationId', [...sandbox.catalog.entries.keys()]);
  const statelessProblem = () =>
    problem(404, 'No state', 'This mock runs with --stateless: it replays the examples and keeps no transactions. Start it without --stateless for the sandbox.', null);

  return async function handleControl(request, url, pathname) {
    const { routes, validators } = await load();
    const candidates = routes.filter((route) => route.pattern.test(pathname));
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) return null;
    if (candidates.length === 0) {
      const paths = [...new Set(routes.map((route) => `${route.method} ${route.path}`))];
      return problem(404, 'No such control path', `The control API has no ${pathname.slice(0, 200)}. It serves: ${paths.join(', ')}.`, null, paths);
    }
    const route = candidates.find((candidate) => candidate.method === request.method);
    if (!route) {
      const allowed = candidates.map((candidate) => candidate.method);
      return { ...problem(405, 'Method not allowed', `${pathname} takes ${allowed.join(' or ')}.`, null, allowed), headers: { allow: allowed.join(', ') } };
    }
    const { operationId } = route.operation;
    const context = { params: {}, query: {}, body: undefined };
    const key = request.headers.apikey;
    if (route.operation.security?.length !== 0) {
      if (!sandbox.isApiKey(key)) {
        const why = key === undefined ? 'is missing' : 'is malformed';
        return problem(401, 'No tenant', `The ApiKey header ${why}. Send the ApiKey your app sends; it names the tenant.`, 'ApiKey');
      }
      context.key = key;
      context.tenant = sandbox.store.tenant(key);
    }
    const validate = validators.get(operationId);
    const match = route.pattern.exec(pathname);
    try {
      route.names.forEach((name, index) => (context.params[name] = decodeURIComponent(match[index + 1])));
    } catch {
      return problem(400, 'Invalid request', 'The path is not valid percent-encoding.', null);
    }
    for (const name of url.searchParams.keys()) context.query[name] = url.searchParams.get(name);
    // Coercion writes the typed values back (limit=20 becomes the number 20).
    const invalid =
      firstViolation(validate.path, context.params, (field) => `The ${field} path parameter`) ??
      firstViolation(validate.query, context.query, (field) => `The ${field} query parameter`);
    if (invalid) return invalid;
    if (route.operation.requestBody) {
      const read = await readSmallBody(request);
      if (read.aborted) return null;
      if (read.tooLarge) return problem(413, 'Too large', `A control request body holds at most ${MAX_BODY_BYTES} bytes.`, 'body');
      try {
        context.body = JSON.parse(read.text);
      } catch {
        return problem(400, 'Invalid request', 'The request body is not valid JSON.', 'body');
      }
      const bodyProblem = firstViolation(validate.body, context.body, (field) => (field === 'body' ? 'The request body' : `The ${field} field`));
      if (bodyProblem) return bodyProblem;
    } else request.resume();
    return handlers[operationId](context);
  };
}
