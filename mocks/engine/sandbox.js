// The sandbox engine: one core on web-standard Request and Response, which the Node server
// (mocks/node/) and Mock Service Worker (mocks/msw/) adapt. A request goes through stages a reader
// can follow in serve() below:
//   route (mocks/front/router.js) -> CORS preflight -> fault armed for the call (engine/faults.js) ->
//   the front checks the real service makes, in its order (mocks/front/: credentials, bearer token,
//   content type, Prefer, parameters, size, JSON, schema) -> the sandbox's rules (mocks/rules/: one
//   decide() over each operation's declared rule) -> the store commits the changes (mocks/store/) ->
//   the answer: a named example of the description, filled (mocks/answers/) -> one serve event, the
//   journal entry (engine/serve-event.js).
// It uses only what browsers, Service Workers and Node 22+ all have: no Node module, no file system.
import { createAnswers } from '../answers/named.js';
import { fillAnswer, isNamedAnswer } from '../answers/fill.js';
import { errorOf, refusal } from '../answers/refusals.js';
import { CONTROL_PREFIX, createControlApi } from '../control/api.js';
import { createControlHandlers } from '../control/handlers.js';
import { createSandboxControl } from '../control/client.js';
import { concat, parseJson, streamReader } from '../front/body.js';
import { bodyIsPresent, checkContentType, declaredLength } from '../front/content-type.js';
import { bearerToken, checkCredentials, isApiKey } from '../front/credentials.js';
import { chooseScenario } from '../front/prefer.js';
import { createRouter, parseTarget, withoutTrailingSlash } from '../front/router.js';
import { checkBody, checkParameters } from '../front/schema.js';
import { shippedDescription } from '../model/shipped.js';
import { catalogView, ruleOf, stepOf, stepScenarios } from '../rules/catalog.js';
import { decide } from '../rules/decide.js';
import { scenarioSet } from '../rules/scenarios.js';
import { authorize } from '../rules/tokens.js';
import { recordCoverage } from '../store/coverage.js';
import { createImageStore } from '../store/images.js';
import { createJournal } from '../store/journal.js';
import { createRandom } from '../store/random.js';
import { loadSeed } from '../store/state.js';
import { EMPTY_TENANT, createStore } from '../store/tenants.js';
import { createTokenFactory } from '../store/tokens.js';
import { corsFor, preflight } from './cors.js';
import { hostAllowed, hostNameOf } from './hosts.js';
import { BEFORE_HANDLING, GATEWAY_PAGE, takeFault, wait } from './faults.js';
import { checkOptions, DEFAULT_LIMITS } from './options.js';
import { serveEvent } from './serve-event.js';

/** @import { BodyReader } from '../types.js' */
/** @import { FlowStep } from '../rules/magic.js' */
/** @import { ScenarioSet } from '../rules/scenarios.js' */
/** @import { ImageRecord } from '../store/images.js' */
/** @import { Tenant } from '../store/tenants.js' */
/** @import { Outcome, Arrival } from './serve-event.js' */
/** @import { Answer, ControlSchemas, IncomingRequest, OperationModel, OperationValidators, Sandbox, SandboxOptions, Served, Violation } from '../types.js' */

/** The one-time password the sandbox sends (and the only one it accepts). */
export const SANDBOX_OTP = /** @type {const} */ ('123456');

/**
 * Creates a sandbox. Options are checked here (a RangeError or TypeError names the one at fault).
 * @param {SandboxOptions} [options]
 * @returns {Sandbox}
 */
export function createSandbox(options = {}) {
  const limits = checkOptions(options);
  const source = options.description ?? shippedDescription();
  const { model } = source;
  const now = options.now ?? (() => Date.now());
  const settings = {
    stateless: Boolean(options.stateless),
    strictTokens: Boolean(options.strictTokens),
    otp: SANDBOX_OTP,
    transactionTtlMs: limits.transactionTtlSeconds * 1000,
  };
  const random = createRandom(options.seed);
  const make = createTokenFactory(random);
  const images = createImageStore(limits.imageBudgetBytes);
  const journal = createJournal({ limit: limits.journalLimit, budgetBytes: limits.journalBudgetBytes }, images);
  const store = createStore(limits, images, journal);
  const answers = createAnswers(source, { generator: options.generator, warn: options.warn });
  const router = createRouter(model.operations, { ignoreCase: true });
  const credentialHeaders = new Set(model.credentialHeaders.map((name) => name.toLowerCase()));
  const allowOrigins = options.allowOrigins ?? [];
  const allowHosts = options.allowHosts ?? [];
  const closing = new AbortController();
  /** @type {Map<string, Promise<ScenarioSet>>} */
  const scenarioSets = new Map();
  // Each operation's scenarios and validators once they are loaded, so that a request reads them
  // without waiting a turn for a promise that settled long ago.
  /** @type {Map<string, ScenarioSet>} */
  const loadedScenarios = new Map();
  /** @type {Map<string, OperationValidators>} */
  const loadedValidators = new Map();
  /** @param {FlowStep} step */
  const scenariosOfStep = (step) => stepScenarios(model, step);
  /** @type {ControlSchemas['Catalog'] | undefined} */
  let catalog;
  const catalogOf = () =>
    (catalog ??= /** @type {ControlSchemas['Catalog']} */ (catalogView(model, { stateless: settings.stateless, strictTokens: settings.strictTokens, otp: SANDBOX_OTP, limits })));

  /** @param {string} operationId */
  const scenariosById = (operationId) => scenariosOf(/** @type {OperationModel} */ (model.operations.find((operation) => operation.id === operationId)));
  const handlers = createControlHandlers({
    model,
    settings,
    limits,
    store,
    journal,
    images,
    catalog: catalogOf,
    stepScenarios: scenariosOfStep,
    scenarios: scenariosById,
    now,
    closed: closing.signal,
  });
  const serveControl = createControlApi(handlers, { tenant: (key) => store.tenant(key), maxBodyBytes: limits.maxBodyBytes });

  // The tenants of `initialState`, loaded before any request is served (the examples and validators it
  // needs load asynchronously); `ready` tells when, or why not.
  /** @type {Promise<void> | null} */
  let loading =
    options.initialState === undefined
      ? null
      : loadSeed(options.initialState, {
          model,
          limits,
          images,
          now: now(),
          scenarios: scenariosById,
          stepScenarios: scenariosOfStep,
          // A seed's tenants are pinned: requests with other keys never push them out (maxTenants).
          replace: (tenant) => store.replace(tenant, { pin: true }),
        }).then(() => {
          loading = null;
        });
  const ready = loading ?? Promise.resolve();
  // A refused seed is reported by `ready` and by every request; it is never an unhandled rejection.
  ready.catch(() => {});

  /** @param {OperationModel} operation */
  function scenariosOf(operation) {
    let set = scenarioSets.get(operation.id);
    if (!set) {
      set = source.examples(operation.id).then((values) => scenarioSet(operation, values, stepOf(operation.id)));
      scenarioSets.set(operation.id, set);
      set.then(
        (loaded) => loadedScenarios.set(operation.id, loaded),
        () => {},
      );
    }
    return set;
  }

  /**
   * The operation's validators, as the description gives them on its first request.
   * @param {OperationModel} operation
   */
  async function validatorsOf(operation) {
    const validators = await source.validators(operation.id);
    loadedValidators.set(operation.id, validators);
    return validators;
  }

  /**
   * The answer of a refusal or a decision: the scenario's named example, with field errors and the
   * sandbox's values filled in.
   * @param {OperationModel} operation
   * @param {import('../rules/decide.js').Preference} scenario
   * @param {import('../answers/fill.js').Fill | undefined} fill
   */
  function answerOf(operation, scenario, fill) {
    const kept = answers.kept(operation, scenario);
    return kept ? fillAnswer(kept, fill) : answers.answerFor(operation, scenario).then((answer) => fillAnswer(answer, fill));
  }

  /**
   * @param {IncomingRequest} request
   * @returns {Promise<Served>}
   */
  async function serve(request) {
    if (loading) await loading;
    const started = performance.now();
    const url = parseTarget(request.url);
    const method = request.method.toUpperCase();
    const pathname = url ? withoutTrailingSlash(url.pathname) : '';
    const searchParams = url?.searchParams ?? new URLSearchParams();
    const origin = request.headers.get('origin');
    if (url && (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`))) {
      // The health probe reads no tenant: an orchestrator may reach it by any name.
      if (request.host !== undefined && pathname !== `${CONTROL_PREFIX}/health` && !hostAllowed(request.host, allowHosts, allowOrigins)) {
        const name = hostNameOf(request.host);
        const shown = name !== null && name.length <= 253 ? name : 'this name';
        return served(
          controlProblem(
            403,
            'Host not allowed',
            `The control API answers requests addressed to localhost, an IP address, a single-label or .local name${allowHosts.length > 0 ? `, or ${allowHosts.join(', ')}` : ''}; a public name could be a DNS rebinding page. Start the sandbox with --allow-host ${shown} if you reach it by that name.`,
          ),
          {},
        );
      }
      const cors = corsFor('control', origin, request.origin, allowOrigins);
      if (cors === null) {
        return served(
          controlProblem(
            403,
            'Origin not allowed',
            `The control API answers pages of ${allowOrigins.length > 0 ? allowOrigins.join(', ') : 'loopback origins'} and of the sandbox itself; start the sandbox with --allow-origin ${origin} to allow this one.`,
          ),
          {},
        );
      }
      if (method === 'OPTIONS' && request.headers.get('access-control-request-method') !== null) return served(preflight(request.headers, ['GET', 'POST', 'PUT']), cors);
      const answer = await serveControl({ method, pathname, searchParams, headers: request.headers, body: request.body });
      return served(answer, cors);
    }
    const cors = /** @type {Record<string, string>} */ (corsFor('api', origin, request.origin, allowOrigins));
    const key = request.headers.get('apikey');
    const keyed = isApiKey(key) ? /** @type {string} */ (key) : null;
    /** @type {Arrival} */
    const arrival = { method, pathname: url ? pathname : request.url, searchParams, headers: request.headers, started, at: now() };

    /** @type {Tenant | null} */
    let tenant = null;
    /**
     * Files the outcome in the tenant's journal and coverage, and gives it to the adapter.
     * @param {Partial<Outcome> & { answer: Answer }} partial
     * @param {boolean} [close] whether the connection closes after the answer
     * @returns {Served}
     */
    const finish = (partial, close = false) => {
      // Member by member: a spread of `partial` over the defaults takes V8's slow path, on every request.
      /** @type {Outcome} */
      const outcome = {
        operation: partial.operation ?? null,
        fault: partial.fault ?? null,
        by: partial.by ?? null,
        why: partial.why ?? null,
        transactionId: partial.transactionId ?? null,
        body: partial.body,
        images: partial.images ?? NO_IMAGES,
        answer: partial.answer,
        answered: partial.answered,
      };
      if (outcome.why === null && outcome.answer.status >= 400) outcome.why = errorOf(outcome.answer.body);
      const held = tenant;
      /** @type {Served} */
      const result = { answer: withHeaders(outcome.answer, cors), fault: outcome.fault, signals: held ? [held.lifetime.signal] : [], close };
      if (held) {
        // The entry's time is the time to the answer, taken before the adapter is given it.
        const ms = performance.now() - arrival.started;
        request.answered?.(result);
        journal.add(held, serveEvent(arrival, outcome, credentialHeaders, ms));
        if (outcome.operation) recordCoverage(held, outcome.operation.id, outcome.answer, outcome.fault);
      }
      return result;
    };

    if (!url) return finish({ answer: refusal.badTarget(request.url) });
    if (method === 'OPTIONS' && request.headers.get('access-control-request-method') !== null) {
      const match = router.match('OPTIONS', pathname);
      return served(preflight(request.headers, match.found ? null : match.allowed), cors);
    }
    const match = router.match(method, pathname);
    if (!match.found) {
      return finish({ answer: match.allowed ? refusal.methodNotAllowed(method, match.allowed) : refusal.notFound(model, url.pathname) });
    }
    const operation = match.route;
    // Only a request that reached an operation makes a tenant (and only with a well-formed key).
    tenant = keyed !== null ? store.tenant(keyed) : null;
    const fault = tenant ? takeFault(tenant, operation.id) : null;
    if (fault && BEFORE_HANDLING.has(fault.fault)) {
      const answer =
        fault.fault === 'html502' ? { status: 502, contentType: 'text/html', payload: GATEWAY_PAGE, scenario: 'fault:html502' } : { status: 0, scenario: `fault:${fault.fault}` };
      return finish({ answer, operation, fault, answered: fault.fault === 'html502' });
    }

    const credentials = checkCredentials(operation, request.headers);
    if (credentials.length > 0) return finish({ answer: refusal.unauthorized(model, credentials), operation, fault });

    const scenarios = loadedScenarios.get(operation.id) ?? (await scenariosOf(operation));
    const authorizedOn = tenant ?? store.peek('') ?? EMPTY_TENANT;
    const token = bearerToken(request.headers);
    const access = authorize(authorizedOn, { operation, scenarios, token, now: now(), settings });
    if ('refused' in access) {
      const choice = access.refused;
      const answer = await answerOf(operation, scenarioOf(choice.scenario), choice.errorDescriptions ? { errorDescriptions: choice.errorDescriptions } : undefined);
      return finish({ answer, operation, fault, why: choice.why ?? null });
    }

    const contentType = checkContentType(operation, request.headers);
    if (contentType.length > 0) return finish({ answer: refusal.unsupportedMediaType(model, contentType), operation, fault });

    const prefer = chooseScenario(operation, request.headers.get('prefer'), searchParams);
    if ('problem' in prefer) return finish({ answer: refusal.invalid(model, [prefer.problem]), operation, fault });

    const validators = loadedValidators.get(operation.id) ?? (await validatorsOf(operation));
    /** @type {Violation[]} */
    const violations = checkParameters(validators, operation, request.headers, searchParams);
    /** @type {unknown} */
    let body;
    if (operation.hasBody) {
      const declared = declaredLength(request.headers);
      if (declared !== null && declared > limits.maxBodyBytes) {
        return finish({ answer: refusal.bodyTooLarge(model, declared, limits.maxBodyBytes), operation, fault }, true);
      }
      const read = bodyIsPresent(request.headers) || declared === null ? await request.body.read(limits.maxBodyBytes) : { bytes: new Uint8Array(0) };
      if ('aborted' in read) return finish({ answer: { status: 0, scenario: 'aborted' }, operation, fault, answered: false });
      if ('timedOut' in read) return finish({ answer: refusal.requestTimeout(limits.requestTimeoutSeconds), operation, fault }, true);
      if ('tooLarge' in read) return finish({ answer: refusal.bodyTooLarge(model, read.received, limits.maxBodyBytes), operation, fault }, true);
      if (read.bytes.length === 0) {
        if (operation.bodyRequired) violations.push({ field: 'body', message: 'The request body is required.', kind: 'required' });
      } else {
        const parsed = parseJson(read.bytes);
        if ('problem' in parsed) return finish({ answer: refusal.malformedJson(model, parsed.problem), operation, fault, body: `<not JSON, ${read.bytes.length} bytes>` });
        body = parsed.value;
        violations.push(...checkBody(validators, operation, body));
      }
    }
    if (violations.length > 0) return finish({ answer: refusal.forViolations(model, violations), operation, fault, body });

    // The tenant may have been reset while the body arrived: the request is decided on the tenant as it is now.
    if (tenant && store.peek(tenant.key) !== tenant) tenant = store.tenant(tenant.key);
    const decidedOn = tenant ?? store.tenant('');
    const identity = access.identity && decidedOn !== authorizedOn ? authorizeAgain(decidedOn, operation, scenarios, token) : access.identity;
    if (identity && 'refused' in identity) {
      const answer = await answerOf(operation, scenarioOf(identity.refused.scenario), { errorDescriptions: identity.refused.errorDescriptions ?? [] });
      return finish({ answer, operation, fault, body, why: identity.refused.why ?? null });
    }
    const tracked = settings.stateless ? {} : trackImages(operation, body);
    const at = now();
    const decision = decide(ruleOf(operation.id, settings.stateless), decidedOn, {
      operation,
      scenarios,
      identity,
      body,
      query: queryOf(searchParams),
      prefer,
      images: tracked,
      now: at,
      make,
      settings,
      stepScenarios: scenariosOfStep,
    });
    store.commit(decidedOn, decision.changes, at);
    tenant = decidedOn;
    const filled = answerOf(operation, decision.answer, decision.fill);
    const answer = filled instanceof Promise ? await filled : filled;
    return finish({ answer, operation, fault, by: decision.by, why: decision.why, transactionId: decision.transactionId, body, images: tracked });
  }

  /**
   * @param {Tenant} tenant
   * @param {OperationModel} operation
   * @param {ScenarioSet} scenarios
   * @param {string} token
   */
  function authorizeAgain(tenant, operation, scenarios, token) {
    const access = authorize(tenant, { operation, scenarios, token, now: now(), settings });
    return 'refused' in access ? access : access.identity;
  }

  /**
   * Tracks the images of a valid request body (the members its schema says are base64 images).
   * @param {OperationModel} operation
   * @param {unknown} body
   * @returns {Record<string, ImageRecord>}
   */
  function trackImages(operation, body) {
    /** @type {Record<string, ImageRecord>} */
    const tracked = {};
    if (!body || typeof body !== 'object') return tracked;
    for (const field of operation.imageFields) {
      const value = /** @type {Record<string, unknown>} */ (body)[field];
      if (typeof value === 'string') tracked[field] = images.track(value, field);
    }
    return tracked;
  }

  /**
   * Serves a web Request, striking a fault the way a fetch can see it: `delay` and `hang` wait (a hang
   * until the tenant is reset or the sandbox closed), `reset` is a network error (Response.error()),
   * `truncated` a body that breaks off halfway.
   * @param {Request} request
   * @returns {Promise<Response>}
   */
  async function handle(request) {
    const result = await serve({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: streamReader(request.body, limits.requestTimeoutSeconds * 1000),
      origin: new URL(request.url).origin,
    });
    const { answer, fault, signals } = result;
    if (fault?.fault === 'reset' || (answer.status === 0 && fault?.fault !== 'hang')) return Response.error();
    if (fault?.fault === 'hang') {
      await wait(Number.POSITIVE_INFINITY, [...signals, closing.signal, request.signal]);
      return Response.error();
    }
    if (fault?.fault === 'delay' && !(await wait(fault.delayMs, [...signals, request.signal]))) return Response.error();
    const { headers, payload } = toWire(answer);
    if (fault?.fault === 'truncated') {
      const bytes = concat(
        payload.map((part) => (typeof part === 'string' ? encoder.encode(part) : part)),
        payload.reduce((sum, part) => sum + (typeof part === 'string' ? encoder.encode(part).length : part.length), 0),
      );
      const half = bytes.subarray(0, Math.floor(bytes.length / 2));
      // The error comes on the read after the half, a turn of the event loop later: erroring a stream
      // discards the chunks still queued (an error raised in start() drops the half before anyone reads
      // it), and a reader that writes the half to a socket (MSW in Node) needs that turn to flush it.
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(half);
        },
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          controller.error(new TypeError('The connection was dropped (sandbox fault: truncated).'));
        },
      });
      // The headers promise the whole body, as the Node server's do, so a client over HTTP (MSW in
      // Node writes the Response to a socket) sees a body cut short rather than a short one.
      return new Response(body, { status: answer.status, headers: { ...headers, 'content-length': String(bytes.length) } });
    }
    return new Response(answer.status === 204 || answer.status === 304 ? null : /** @type {BodyInit} */ (payloadBody(payload)), { status: answer.status, headers });
  }

  return {
    model,
    settings,
    limits,
    handle,
    serve,
    catalog: catalogOf,
    /**
     * The typed control object of a tenant, in process: the control API's operations, answered by
     * this sandbox directly (the same routes and checks as over HTTP).
     * @param {string} apiKey
     */
    control(apiKey) {
      return createSandboxControl({ baseUrl: 'http://sandbox.invalid', apiKey, fetch: (input, init) => handle(new Request(input, init)) });
    },
    ready,
    /** Ends every hung answer: the sandbox is stopping (delayed ones are requests in flight, and finish). */
    close() {
      closing.abort();
    },
    get closed() {
      return closing.signal;
    },
  };
}

const encoder = new TextEncoder();

/** The images of an outcome that kept none (read only). */
const NO_IMAGES = Object.freeze({});

/**
 * The answer with the CORS headers first, then its own. `cors` is the request's own object (made for
 * it by corsFor), which becomes the answer's headers.
 * @param {Answer} answer
 * @param {Record<string, string>} cors
 * @returns {Answer}
 */
function withHeaders(answer, cors) {
  if (answer.headers !== undefined) return { ...answer, headers: { ...cors, ...answer.headers } };
  // A named example's answer, member by member (a spread then a new member is V8's slower path).
  if (isNamedAnswer(answer)) return { status: answer.status, body: answer.body, payload: answer.payload, scenario: answer.scenario, headers: cors };
  return { ...answer, headers: cors };
}

/**
 * @param {Answer} answer
 * @param {Record<string, string>} cors
 * @returns {Served}
 */
function served(answer, cors) {
  return { answer: withHeaders(answer, cors), fault: null, signals: [], close: false };
}

/** @param {number} status @param {string} title @param {string} detail @returns {Answer} */
function controlProblem(status, title, detail) {
  return { status, contentType: 'application/problem+json; charset=utf-8', body: { status, title, detail, field: null }, scenario: '-' };
}

/** @param {import('../rules/scenarios.js').Scenario | null} scenario @returns {import('../rules/decide.js').Preference} */
const scenarioOf = (scenario) => (scenario ? { code: scenario.status, exampleKey: scenario.name } : {});

/** @param {URLSearchParams} searchParams */
function queryOf(searchParams) {
  /** @type {Record<string, string | string[]>} */
  const query = {};
  if (searchParams.size === 0) return query;
  for (const name of new Set(searchParams.keys())) {
    const values = searchParams.getAll(name);
    query[name] = values.length === 1 ? /** @type {string} */ (values[0]) : values;
  }
  return query;
}

/**
 * An answer's headers and its payload as text or byte chunks, ready for the wire.
 * @param {Answer} answer
 * @returns {{ headers: Record<string, string>, payload: (string | Uint8Array)[] }}
 */
export function toWire(answer) {
  const headers = { ...answer.headers };
  /** @type {(string | Uint8Array)[]} */
  let payload = [];
  if (answer.payload !== undefined) payload = typeof answer.payload === 'string' ? [answer.payload] : answer.payload;
  else if (answer.body !== undefined) payload = [JSON.stringify(answer.body)];
  if (answer.body !== undefined || answer.payload !== undefined) headers['content-type'] = answer.contentType ?? 'application/json; charset=utf-8';
  return { headers, payload };
}

/** @param {(string | Uint8Array)[]} payload */
function payloadBody(payload) {
  if (payload.length === 0) return null;
  if (payload.length === 1 && typeof payload[0] === 'string') return payload[0];
  return new Blob(/** @type {BlobPart[]} */ (payload));
}

export { DEFAULT_LIMITS };
