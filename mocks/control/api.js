// The sandbox's control API (`/__vlens/`), described contract-first in openapi/sandbox/openapi.yaml:
// its routes and request schemas come from that description (mocks/model/generated/control/), and
// requests are validated against it before a handler runs. Every call but the health check names its
// tenant by ApiKey. Errors are RFC 9457 problem details naming the field and, for closed lists, the
// valid values.
import controlModel from '../model/generated/control/model.js';
import { parseJson } from '../front/body.js';
import { bodyIsPresent, checkContentType } from '../front/content-type.js';
import { isApiKey } from '../front/credentials.js';
import { createRouter } from '../front/router.js';
import { ALL_ERRORS_NODE_LIMIT, countNodes, firstViolation } from '../front/schema.js';
import { ANY_OPERATION, DEFAULT_DELAY_MS } from '../engine/faults.js';
import { bracketField } from '../store/state.js';
import { transactionOf } from '../store/tenants.js';

/** @import { BodyReader } from '../types.js' */
/** @import { Answer, CompiledValidator, OperationModel, SchemaError } from '../types.js' */
/** @import { Tenant } from '../store/tenants.js' */
/** @import { ControlContext, ControlHandlers } from './handlers.js' */

export const CONTROL_PREFIX = '/__vlens';
export const MAX_CONTROL_BODY_BYTES = 64 * 1024;
// Control operations whose body may be as large as an API request's (a tenant's state, with images).
const LARGE_BODIES = new Set(['putState']);

/** @type {Promise<Record<string, CompiledValidator | undefined>> | undefined} */
let loading;
// The control API's validators are loaded on its first call: a page that only uses the API never loads them.
const controlValidators = () => (loading ??= import('../model/generated/control/validators.js').then((module) => /** @type {any} */ (module)));
const router = createRouter(controlModel.operations);

/**
 * @param {number} status
 * @param {string} title
 * @param {string} detail
 * @param {string | null} [field]
 * @param {string[]} [allowed]
 * @returns {Answer}
 */
export const problem = (status, title, detail, field = null, allowed) => ({
  status,
  contentType: 'application/problem+json; charset=utf-8',
  body: { status, title, detail, field, ...(allowed ? { allowed } : {}) },
  scenario: '-',
});

/** Every route of the control API, as `METHOD /path`. */
export const controlRoutes = () => [...new Set(controlModel.operations.map((operation) => `${operation.method} ${operation.path}`))];

/**
 * A control request: what the engine read of it, and its body still to read.
 * @typedef {{ method: string, pathname: string, searchParams: URLSearchParams, headers: { get(name: string): string | null }, body: BodyReader }} ControlRequest
 */

/**
 * @param {ControlHandlers} handlers
 * @param {{ tenant(key: string): Tenant, maxBodyBytes: number }} store
 */
export function createControlApi(handlers, store) {
  /**
   * @param {SchemaError[]} errors
   */
  const closedList = (errors) => {
    // Where the schema has a closed list (an enum, the members of an object), the answer names it.
    const closed = errors.find((error) => error.keyword === 'enum' || error.keyword === 'additionalProperties');
    if (!closed) return undefined;
    return closed.keyword === 'enum' ? closed.params.allowedValues.map(String) : Object.keys(closed.parentSchema?.properties ?? {});
  };

  /**
   * @param {CompiledValidator | undefined} validate
   * @param {Record<string, unknown>} values
   * @param {(field: string) => string} nameOf
   */
  const invalid = (validate, values, nameOf) => {
    const found = firstViolation(validate, values, nameOf);
    if (!found) return null;
    // Array items in brackets (`users[0].phoneNumber`), as every other problem of the control API names them.
    const { field: dotted, message } = found.violation;
    const field = bracketField(dotted, values);
    return problem(400, 'Invalid request', field === dotted ? message : message.replace(`The ${dotted} `, `The ${field} `), field, closedList(found.errors));
  };

  /**
   * A body sent as anything but the operation's media type (application/json, UTF-8) is refused with
   * 415, as the API's own operations refuse it.
   * @param {OperationModel} operation
   * @param {{ get(name: string): string | null }} headers
   */
  const unsupported = (operation, headers) => {
    const [violation] = checkContentType(operation, headers);
    return violation ? problem(415, 'Unsupported media type', violation.message, violation.field, operation.bodyMediaTypes) : null;
  };

  /**
   * @param {ControlRequest} request
   * @returns {Promise<Answer>}
   */
  return async function serveControl(request) {
    const match = router.match(request.method, request.pathname);
    if (!match.found) {
      if (match.allowed) {
        return {
          ...problem(405, 'Method not allowed', `${request.pathname} takes ${match.allowed.join(' or ')}.`, null, match.allowed),
          headers: { allow: match.allowed.join(', ') },
        };
      }
      const paths = controlRoutes();
      return problem(404, 'No such control path', `The control API has no ${request.pathname.slice(0, 200)}. It serves: ${paths.join(', ')}.`, null, paths);
    }
    /** @type {OperationModel} */
    const operation = match.route;
    const validators = await controlValidators();
    /** @type {ControlContext} */
    const context = { params: {}, query: {}, body: undefined, key: '', tenant: /** @type {any} */ (null) };
    if (operation.security.length > 0) {
      const key = request.headers.get('apikey');
      if (!isApiKey(key)) {
        const why = key === null ? 'is missing' : 'is malformed';
        return problem(401, 'No tenant', `The ApiKey header ${why}. Send the ApiKey your app sends; it names the tenant.`, 'ApiKey');
      }
      context.key = /** @type {string} */ (key);
      context.tenant = store.tenant(context.key);
    }
    try {
      for (const [name, value] of Object.entries(match.params)) context.params[name] = decodeURIComponent(value);
    } catch {
      return problem(400, 'Invalid request', 'The path is not valid percent-encoding.', null);
    }
    for (const name of new Set(request.searchParams.keys())) context.query[name] = request.searchParams.get(name);
    // Coercion writes the typed values back (limit=20 becomes the number 20).
    const refused =
      invalid(validators[`${operation.id}Path`], context.params, (field) => `The ${field} path parameter`) ??
      invalid(validators[`${operation.id}Query`], context.query, (field) => `The ${field} query parameter`);
    if (refused) return refused;
    if (operation.hasBody) {
      const ceiling = LARGE_BODIES.has(operation.id) ? store.maxBodyBytes : MAX_CONTROL_BODY_BYTES;
      // Checked before the body is read when its headers announce one; a request made in process may
      // announce none (no Content-Length), and is checked once its body is read.
      const announced = bodyIsPresent(request.headers);
      const early = announced ? unsupported(operation, request.headers) : null;
      if (early) return early;
      const read = await request.body.read(ceiling);
      if ('aborted' in read) return problem(400, 'Invalid request', 'The request body did not arrive whole.', 'body');
      if ('timedOut' in read) return problem(408, 'Request timeout', 'The request body did not arrive in time.', 'body');
      if ('tooLarge' in read) return problem(413, 'Too large', `A control request body holds at most ${ceiling} bytes.`, 'body');
      if (!announced && read.bytes.length > 0) {
        const late = unsupported(operation, { get: (name) => (name === 'transfer-encoding' ? 'chunked' : request.headers.get(name)) });
        if (late) return late;
      }
      const parsed = parseJson(read.bytes);
      if ('problem' in parsed) return problem(400, 'Invalid request', parsed.problem.message, 'body');
      context.body = parsed.value;
      // A body of many members (a state document) is checked to its first problem only: no body makes the check build millions of errors.
      const small = countNodes(context.body, ALL_ERRORS_NODE_LIMIT) <= ALL_ERRORS_NODE_LIMIT;
      const validate = validators[`${operation.id}${small ? 'Body' : 'BodyFirstError'}`];
      const bodyProblem = invalid(validate, /** @type {Record<string, unknown>} */ (context.body), (field) => (field === 'body' ? 'The request body' : `The ${field} field`));
      if (bodyProblem) return bodyProblem;
    }
    const handler = handlers[/** @type {keyof ControlHandlers} */ (operation.id)];
    return handler(context);
  };
}

export { ANY_OPERATION, DEFAULT_DELAY_MS, transactionOf };
