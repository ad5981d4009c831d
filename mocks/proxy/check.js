// Checks one exchange the proxy saw against the description: the request with the engine's own front
// checks and validators (credentials, content type, parameters, JSON, the body's schema: the shipped
// validators compiled ahead of time), the answer against the status and schema the description
// documents (Ajv, JSON Schema 2020-12, as mocks/node/response-validation.js, but keeping Ajv's error
// objects: a suggestion needs the keyword, the expected values and the value seen), the members the
// description does not declare (its answer schemas allow unknown members, so Ajv says nothing of a
// renamed one), the envelope rules of openapi/description.md ("Errors") and the rules the sandbox
// knows: the transaction id echoed where the description's examples put it.
import { createRouter, parseTarget, withoutTrailingSlash } from '../front/router.js';
import { checkContentType } from '../front/content-type.js';
import { checkCredentials } from '../front/credentials.js';
import { checkParameters } from '../front/schema.js';
import { parseJson } from '../front/body.js';
import { createRequestAjv } from '../model/compile.js';
import { escapePointer, resolveRef } from '../model/describe.js';

/** @import { DescriptionSource, OperationModel, SchemaError } from '../types.js' */
/** @import { Scrubber } from './scrub.js' */
/** @typedef {SchemaError & { propertyName?: string }} AjvError Ajv's error; `propertyName` inside propertyNames */

/**
 * One violation: where (`in` the request or the response, a JSON pointer into the body, or
 * `/headers/<name>`, `/query/<name>`, `/status`), the rule broken, what the description says, what
 * was seen (redacted), and a change to the description where one is clear.
 * @typedef {object} ExchangeViolation
 * @property {'request' | 'response'} in
 * @property {string} pointer
 * @property {string} rule
 * @property {string} expected
 * @property {string} seen
 * @property {string} message
 * @property {string | null} suggestion
 */

/**
 * What the proxy saw of one exchange (bodies decoded, as bytes).
 * @typedef {object} Exchange
 * @property {string} method
 * @property {string} target the request-target (path and query)
 * @property {{ get(name: string): string | null } & Iterable<[string, string]>} requestHeaders
 * @property {Uint8Array} requestBody
 * @property {number} status
 * @property {string | null} responseContentType
 * @property {Uint8Array} responseBody
 */

/**
 * @typedef {object} CheckedExchange
 * @property {OperationModel | null} operation
 * @property {'success' | 'businessError' | 'refusal' | 'unreadable'} outcome
 * @property {number | string | null} errorCode
 * @property {ExchangeViolation[]} violations
 * @property {unknown} requestJson the request body parsed (undefined when none or not JSON)
 * @property {unknown} responseJson the answer parsed (undefined when not JSON)
 */

const TRANSACTION_ID_MEMBERS = ['transaction_id', 'transactionId', 'TransactionId'];
const COMBINATORS = ['oneOf', 'anyOf', 'allOf', 'if', 'not', 'then', 'else'];
const MAX_ITEMS_WALKED = 50;
const MAX_DEPTH = 12;
// Prism accepts a date-time without a zone (its validators/dateTime.js), and so does the sandbox's
// response check: the vendor's OCR answers carry such dates.
const DATE_TIME = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)?$/;

/** @param {string} name */
const normalise = (name) => name.toLowerCase().replace(/[_-]/g, '');
/** @param {unknown} value */
const jsonType = (value) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
/** @param {string} pointer */
const lastSegment = (pointer) => pointer.split('/').at(-1)?.replace(/~1/g, '/').replace(/~0/g, '~') ?? null;

/**
 * @param {{ model: DescriptionSource['model'], examples: DescriptionSource['examples'], validators: DescriptionSource['validators'], document: Record<string, any>, scrubber: Scrubber }} options
 */
export function createExchangeChecker({ model, examples, validators, document, scrubber }) {
  const router = createRouter(model.operations, { ignoreCase: true });
  const listedCodes = new Set(model.errorCodes.map((entry) => entry.code));
  const ajv = createRequestAjv({ allErrors: true });
  ajv.addFormat('date-time', DATE_TIME);
  ajv.addSchema(document, 'description');
  /** @type {Map<string, import('ajv').ValidateFunction>} */
  const compiled = new Map();
  /** @type {Map<string, Promise<string[][]>>} */
  const idPaths = new Map();

  /**
   * JSON pointer (into the document) to the schema of an operation's answers of `status`, or null.
   * @param {OperationModel} operation
   * @param {number} status
   */
  function schemaPointer(operation, status) {
    const base = `#/paths/${escapePointer(operation.path)}/${operation.method.toLowerCase()}`;
    const responseOrRef = resolveRef(document, { $ref: base }).responses?.[String(status)];
    const pointer = responseOrRef?.$ref ?? `${base}/responses/${status}`;
    const response = resolveRef(document, responseOrRef);
    const [mediaType, media] = Object.entries(response?.content ?? {}).find(([type]) => /[/+]json\b/i.test(type)) ?? [];
    return media?.schema && mediaType ? `${pointer}/content/${escapePointer(mediaType)}/schema` : null;
  }

  /** @param {string} pointer */
  function validatorAt(pointer) {
    let validate = compiled.get(pointer);
    if (!validate) compiled.set(pointer, (validate = ajv.compile({ $ref: `description${pointer}` })));
    return validate;
  }

  /**
   * Ajv's errors as violations: one per place (the failed branches of a oneOf told as one type
   * error), with what the description says and what was seen.
   * @param {'request' | 'response'} side
   * @param {AjvError[]} errors
   * @param {unknown} body
   * @returns {ExchangeViolation[]}
   */
  function fromAjv(side, errors, body) {
    /** @type {Map<string, AjvError[]>} */
    const byPlace = new Map();
    for (const error of errors) {
      // A member's name refused (propertyNames): told once, at the member, by its inner error.
      if (error.keyword === 'propertyNames') continue;
      let pointer = error.instancePath;
      if (typeof error.propertyName === 'string') pointer += `/${escapePointer(error.propertyName)}`;
      if (error.keyword === 'required') pointer += `/${escapePointer(error.params.missingProperty)}`;
      if (error.keyword === 'additionalProperties') pointer += `/${escapePointer(error.params.additionalProperty)}`;
      byPlace.set(pointer, [...(byPlace.get(pointer) ?? []), error]);
    }
    /** @type {ExchangeViolation[]} */
    const violations = [];
    for (const [pointer, placeErrors] of byPlace) {
      const concrete = placeErrors.filter((error) => !COMBINATORS.includes(error.keyword));
      // A failed anyOf or oneOf sums up its branches' errors: told only when nothing else is.
      if (concrete.length === 0) {
        if (errors.some((error) => !COMBINATORS.includes(error.keyword))) continue;
        concrete.push(/** @type {AjvError} */ (placeErrors[0]));
      }
      const name = lastSegment(pointer);
      const value = valueAt(body, pointer);
      if (concrete.every((error) => error.keyword === 'type')) {
        const types = [...new Set(concrete.flatMap((error) => [error.params.type].flat()))];
        const seenType = jsonType(value);
        violations.push(
          violation(
            side,
            pointer,
            'type',
            `type ${types.join(' or ')}`,
            `${seenType} ${scrubber.seen(name, value)}`,
            `widen the type at ${pointer} to ${[...types, seenType].join(', ')}`,
          ),
        );
        continue;
      }
      if (concrete.some((error) => typeof error.propertyName === 'string')) {
        violations.push(violation(side, pointer, 'member-name', "the envelope's own spelling: data, error_code, error_message, error_descriptions", `\`${name}\``, null));
        continue;
      }
      for (const error of concrete) {
        if (error.keyword === 'type') continue;
        violations.push(describeError(side, pointer, error, name, value));
      }
    }
    return violations;
  }

  /**
   * @param {'request' | 'response'} side
   * @param {string} pointer
   * @param {SchemaError} error
   * @param {string | null} name
   * @param {unknown} value
   * @returns {ExchangeViolation}
   */
  function describeError(side, pointer, error, name, value) {
    const seen = error.keyword === 'required' ? 'absent' : scrubber.seen(name, value);
    switch (error.keyword) {
      case 'required':
        return violation(side, pointer, 'required', 'a required member', seen, null);
      case 'additionalProperties':
        return violation(
          side,
          pointer,
          'undeclared-member',
          'no member besides the declared ones (additionalProperties: false)',
          seen,
          `declare \`${name}\` (${jsonType(value)}) at ${pointer.split('/').slice(0, -1).join('/') || '(body)'}`,
        );
      case 'enum':
        return violation(
          side,
          pointer,
          'enum',
          `one of ${error.params.allowedValues.map((/** @type {unknown} */ allowed) => JSON.stringify(allowed)).join(', ')}`,
          seen,
          `add the value seen (${seen}) to the enum at ${pointer}`,
        );
      case 'const':
        return violation(side, pointer, 'const', JSON.stringify(error.params.allowedValue), seen, null);
      case 'format':
        return violation(side, pointer, 'format', `format ${error.params.format}`, seen, null);
      case 'pattern':
        return violation(side, pointer, 'pattern', `pattern ${error.params.pattern}`, seen, null);
      case 'maxLength':
      case 'minLength':
        return violation(side, pointer, error.keyword, `${error.keyword === 'maxLength' ? 'at most' : 'at least'} ${error.params.limit} characters`, seen, null);
      default:
        return violation(side, pointer, error.keyword, `${error.keyword} ${JSON.stringify(error.params).slice(0, 120)}`, seen, null);
    }
  }

  /**
   * The members of `value` the schemas in `nodes` (all of which it must match: allOf, or every
   * branch that declares something) do not declare, anywhere below it. A member differing from an
   * absent declared one only by letter case or `_` is told as renamed.
   * @param {any[]} nodes
   * @param {unknown} value
   * @param {string} pointer
   * @param {string} schemaName the component the members belong to, for the suggestion
   * @param {ExchangeViolation[]} found
   * @param {number} depth
   */
  function undeclared(nodes, value, pointer, schemaName, found, depth) {
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
    /** @type {Map<string, any[]>} */
    const declared = new Map();
    /** @type {[RegExp, any][]} */
    const patterns = [];
    /** @type {any[]} */
    const itemSchemas = [];
    let open = false;
    let closed = false;
    let name = schemaName;
    const collect = (/** @type {any} */ part, /** @type {number} */ level) => {
      if (part === null || typeof part !== 'object' || level > 8) return;
      if (typeof part.$ref === 'string' && part.$ref.startsWith('#/components/schemas/')) name = part.$ref.slice('#/components/schemas/'.length);
      const resolved = resolveRef(document, part);
      if (!resolved || typeof resolved !== 'object') return;
      for (const [member, memberSchema] of Object.entries(resolved.properties ?? {})) declared.set(member, [...(declared.get(member) ?? []), memberSchema]);
      for (const [pattern, memberSchema] of Object.entries(resolved.patternProperties ?? {})) patterns.push([new RegExp(pattern, 'u'), memberSchema]);
      if (resolved.items && typeof resolved.items === 'object') itemSchemas.push(resolved.items);
      if (resolved.additionalProperties === false) closed = true;
      else if (resolved.additionalProperties && typeof resolved.additionalProperties === 'object') open = true;
      for (const branch of branches(resolved)) collect(branch, level + 1);
    };
    for (const node of nodes) collect(node, 0);
    if (Array.isArray(value)) {
      if (itemSchemas.length > 0) {
        for (const [index, item] of value.slice(0, MAX_ITEMS_WALKED).entries()) undeclared(itemSchemas, item, `${pointer}/${index}`, name, found, depth + 1);
      }
      return;
    }
    if (declared.size === 0 && patterns.length === 0) return;
    const present = new Set(Object.keys(value));
    for (const [member, memberValue] of Object.entries(value)) {
      const at = `${pointer}/${escapePointer(member)}`;
      const memberSchemas = [...(declared.get(member) ?? []), ...patterns.filter(([pattern]) => pattern.test(member)).map(([, schema]) => schema)];
      if (memberSchemas.length > 0) {
        undeclared(memberSchemas, memberValue, at, name, found, depth + 1);
        continue;
      }
      // additionalProperties: false is Ajv's to report; an open schema declares every member.
      if (closed || open) continue;
      const twin = [...declared.keys()].find((candidate) => !present.has(candidate) && normalise(candidate) === normalise(member));
      found.push(
        twin
          ? violation(
              'response',
              at,
              'renamed-member',
              `\`${twin}\` (as the description spells it)`,
              `\`${member}\` ${scrubber.seen(member, memberValue)}`,
              `the upstream spells \`${twin}\` as \`${member}\`: if the real service does, declare \`${member}\` beside \`${twin}\` in ${name}`,
            )
          : violation(
              'response',
              at,
              'undeclared-member',
              `no member \`${member}\` in ${name}`,
              scrubber.seen(member, memberValue),
              `add \`${member}\` (${jsonType(memberValue)}) to ${name}`,
            ),
      );
    }
  }

  /**
   * Where the description's success examples of an operation and status put a transaction id.
   * @param {OperationModel} operation
   * @param {number} status
   */
  function transactionIdPaths(operation, status) {
    const key = `${operation.id} ${status}`;
    let paths = idPaths.get(key);
    if (!paths) {
      paths = examples(operation.id).then((values) => {
        /** @type {Map<string, string[]>} */
        const found = new Map();
        for (const example of Object.values(values[String(status)] ?? {})) findIds(example, [], found);
        return [...found.values()];
      });
      idPaths.set(key, paths);
    }
    return paths;
  }

  /**
   * @param {Exchange} exchange
   * @returns {Promise<CheckedExchange>}
   */
  async function check(exchange) {
    const target = parseTarget(exchange.target);
    const pathname = target ? withoutTrailingSlash(target.pathname) : exchange.target;
    const searchParams = target?.searchParams ?? new URLSearchParams();
    const match = router.match(exchange.method.toUpperCase(), pathname);
    /** @type {ExchangeViolation[]} */
    const violations = [];
    const responseJson = readJson(exchange.responseBody);
    const outcome = outcomeOf(exchange.status, responseJson);
    /** @type {Record<string, unknown> | null} */
    const envelope = responseJson !== null && typeof responseJson === 'object' ? /** @type {Record<string, unknown>} */ (responseJson) : null;
    const errorCode = envelope?.error_code ?? null;
    if (!match.found) {
      violations.push(
        violation(
          'request',
          '/path',
          'unknown-operation',
          match.allowed ? `one of ${match.allowed.join(', ')}` : 'a path of the description',
          `${exchange.method.toUpperCase()} ${scrubber.seen('path', pathname).replace(/^"|"$/g, '')}`,
          null,
        ),
      );
      return { operation: null, outcome, errorCode: /** @type {number | string | null} */ (errorCode), violations, requestJson: undefined, responseJson };
    }
    const operation = match.route;
    const operationValidators = await validators(operation.id);

    // The request: what the real service's front checks look at, in their order.
    for (const problem of checkCredentials(operation, exchange.requestHeaders)) {
      violations.push(
        violation(
          'request',
          `/headers/${escapePointer(problem.field ?? 'Authorization')}`,
          'credentials',
          problem.message,
          exchange.requestHeaders.get(problem.field ?? 'authorization') === null ? 'absent' : 'malformed (value not shown)',
          null,
        ),
      );
    }
    if (checkContentType(operation, exchange.requestHeaders).length > 0) {
      violations.push(
        violation(
          'request',
          '/headers/Content-Type',
          'content-type',
          `a body sent as ${operation.bodyMediaTypes.join(' or ')}`,
          scrubber.seen('content-type', exchange.requestHeaders.get('content-type')),
          null,
        ),
      );
    }
    for (const problem of checkParameters(operationValidators, operation, exchange.requestHeaders, searchParams)) {
      const parameter = operation.parameters.find((candidate) => candidate.name === problem.field);
      const where = parameter?.in === 'header' ? 'headers' : 'query';
      const value = parameter?.in === 'header' ? exchange.requestHeaders.get(parameter.name) : searchParams.get(problem.field ?? '');
      violations.push(
        violation(
          'request',
          `/${where}/${escapePointer(problem.field ?? '')}`,
          problem.kind ?? 'parameter',
          problem.message,
          scrubber.seen(problem.field, value ?? undefined),
          null,
        ),
      );
    }
    /** @type {unknown} */
    let requestJson;
    if (operation.hasBody && exchange.requestBody.length > 0) {
      const parsed = parseJson(exchange.requestBody);
      if ('problem' in parsed) violations.push(violation('request', '/body', 'json', 'a JSON body', `${exchange.requestBody.length} bytes that are not JSON`, null));
      else {
        requestJson = parsed.value;
        const validate = operationValidators.body;
        if (validate && !validate(requestJson))
          violations.push(...fromAjv('request', validate.errors ?? [], requestJson).map((found) => ({ ...found, pointer: `/body${found.pointer}` })));
      }
    } else if (operation.bodyRequired && exchange.requestBody.length === 0) {
      violations.push(violation('request', '/body', 'required', 'a request body', 'absent', null));
    }
    // A request the description refuses that the upstream answered with a success is evidence the
    // description is too strict there.
    if (outcome === 'success') {
      for (const found of violations) if (found.in === 'request' && found.suggestion) found.suggestion = `the upstream accepted it: ${found.suggestion}`;
    }
    for (const found of violations) if (found.in === 'request' && outcome !== 'success') found.suggestion = null;

    // The answer.
    if (!operation.statuses.includes(exchange.status)) {
      violations.push(
        violation(
          'response',
          '/status',
          'status',
          `one of ${operation.statuses.join(', ')}`,
          String(exchange.status),
          `declare a ${exchange.status} answer for ${operation.id}${outcome === 'businessError' || outcome === 'refusal' ? ' (the error envelope)' : ''}`,
        ),
      );
    }
    if (responseJson === undefined) {
      if (exchange.status !== 204 && exchange.status !== 304) {
        violations.push(
          violation(
            'response',
            '/body',
            'json',
            "a JSON body (the vendor's envelope)",
            `${exchange.responseBody.length} bytes of ${exchange.responseContentType ?? 'no content type'}, not JSON`,
            null,
          ),
        );
      }
      return { operation, outcome, errorCode: null, violations, requestJson, responseJson };
    }
    if (!/[/+]json\b/i.test(exchange.responseContentType ?? '')) {
      violations.push(
        violation('response', '/headers/Content-Type', 'content-type', 'application/json', scrubber.seen('content-type', exchange.responseContentType ?? undefined), null),
      );
    }
    if (operation.statuses.includes(exchange.status)) {
      const pointer = schemaPointer(operation, exchange.status);
      if (pointer) {
        const validate = validatorAt(pointer);
        const schemaFound = validate(responseJson) ? [] : fromAjv('response', /** @type {SchemaError[]} */ (validate.errors ?? []), responseJson);
        /** @type {ExchangeViolation[]} */
        const members = [];
        undeclared([{ $ref: pointer }], responseJson, '', operation.id, members, 0);
        violations.push(...pairRenamed(schemaFound, members));
      }
    }
    violations.push(...envelopeRules(exchange.status, outcome, responseJson));
    const data = /** @type {Record<string, unknown>} */ (responseJson)?.data;
    if (outcome === 'success' && data !== null && typeof data === 'object')
      violations.push(...(await echoRules(operation, exchange.status, requestJson, searchParams, responseJson)));
    return { operation, outcome, errorCode: /** @type {number | string | null} */ (errorCode), violations: unique(violations), requestJson, responseJson };
  }

  /**
   * The envelope rules of openapi/description.md: a failure has an error code, a listed one; a
   * refusal (4xx, 5xx) is a failure.
   * @param {number} status
   * @param {CheckedExchange['outcome']} outcome
   * @param {unknown} body
   * @returns {ExchangeViolation[]}
   */
  function envelopeRules(status, outcome, body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
    const { error_code: code, error_message: message } = /** @type {Record<string, unknown>} */ (body);
    /** @type {ExchangeViolation[]} */
    const found = [];
    if (status >= 400 && outcome === 'refusal' && (code === undefined || code === null || code === 0) && (message === undefined || message === null || message === '')) {
      found.push(violation('response', '/error_code', 'envelope', 'a refusal carries error_code and error_message', `error_code ${scrubber.seen('error_code', code)}`, null));
    }
    if (outcome === 'businessError' && (code === undefined || code === null)) {
      found.push(violation('response', '/error_code', 'envelope', 'a failure (error_message set) carries an error_code', 'absent or null', null));
    }
    if (typeof code === 'number' && code !== 0 && !listedCodes.has(code) && !(code >= 400 && code <= 599)) {
      found.push(
        violation(
          'response',
          '/error_code',
          'error-code',
          'a code of the catalogue (x-vlens-error-codes) or an HTTP status',
          `number ${code}`,
          `add ${code} to openapi/error-codes.yaml (error_message seen: ${scrubber.seen('error_message', message)})`,
        ),
      );
    }
    return found;
  }

  /**
   * The transaction id a request sent comes back, in any letter case, wherever the description's
   * examples of that answer put one; a first step that sent none gets one there.
   * @param {OperationModel} operation
   * @param {number} status
   * @param {unknown} requestJson
   * @param {URLSearchParams} searchParams
   * @param {unknown} body
   * @returns {Promise<ExchangeViolation[]>}
   */
  async function echoRules(operation, status, requestJson, searchParams, body) {
    const paths = await transactionIdPaths(operation, status);
    if (paths.length === 0) return [];
    const request = requestJson !== null && typeof requestJson === 'object' ? /** @type {Record<string, unknown>} */ (requestJson) : {};
    const sent = TRANSACTION_ID_MEMBERS.map((member) => request[member] ?? searchParams.get(member)).find((value) => typeof value === 'string' && value !== '');
    const pointers = paths.map((path) => `/${path.map(escape).join('/')}`);
    const values = paths.map((path) => valueAt(body, `/${path.map(escape).join('/')}`));
    /** @type {ExchangeViolation[]} */
    const found = [];
    if (values.every((value) => typeof value !== 'string' || value === '')) {
      found.push(violation('response', /** @type {string} */ (pointers[0]), 'transaction-id', `the transaction id at ${pointers.join(' or ')}`, 'absent', null));
      return found;
    }
    if (typeof sent !== 'string') return found;
    values.forEach((value, index) => {
      if (typeof value === 'string' && value !== '' && value.toLowerCase() !== sent.toLowerCase()) {
        found.push(
          violation('response', /** @type {string} */ (pointers[index]), 'transaction-id', 'the transaction id the request sent (in any letter case)', 'another id', null),
        );
      }
    });
    return found;
  }

  /**
   * The operation an exchange's method and request-target match, or null: for an exchange filed
   * without being checked.
   * @param {string} method
   * @param {string} requestTarget
   * @returns {OperationModel | null}
   */
  function operationOf(method, requestTarget) {
    const target = parseTarget(requestTarget);
    const match = router.match(method.toUpperCase(), target ? withoutTrailingSlash(target.pathname) : requestTarget);
    return match.found ? match.route : null;
  }

  return { check, schemaPointer, operationOf };
}

/**
 * A required member missing and an undeclared one of nearly its name: one "renamed" violation.
 * @param {ExchangeViolation[]} schemaFound
 * @param {ExchangeViolation[]} members
 */
function pairRenamed(schemaFound, members) {
  const kept = [...schemaFound.filter((found) => found.rule !== 'member-name')];
  for (const member of [...schemaFound.filter((found) => found.rule === 'member-name'), ...members]) {
    const parent = member.pointer.split('/').slice(0, -1).join('/');
    const name = normalise(lastSegment(member.pointer) ?? '');
    const missing = kept.findIndex(
      (found) => found.rule === 'required' && found.pointer.split('/').slice(0, -1).join('/') === parent && normalise(lastSegment(found.pointer) ?? '') === name,
    );
    if (missing === -1) {
      const told = kept.some(
        (found) => found.rule === 'renamed-member' && found.pointer.split('/').slice(0, -1).join('/') === parent && normalise(lastSegment(found.pointer) ?? '') === name,
      );
      if (!told) kept.push(member);
      continue;
    }
    const declared = lastSegment(/** @type {ExchangeViolation} */ (kept[missing]).pointer);
    const spelt = lastSegment(member.pointer);
    for (let index = kept.length - 1; index > missing; index--) if (kept[index]?.rule === 'required' && kept[index]?.pointer === kept[missing]?.pointer) kept.splice(index, 1);
    kept[missing] = violation(
      'response',
      /** @type {ExchangeViolation} */ (kept[missing]).pointer,
      'renamed-member',
      `the required member \`${declared}\``,
      `\`${spelt}\` instead`,
      `the upstream spells the required \`${declared}\` as \`${spelt}\`${declared?.toLowerCase() === spelt?.toLowerCase() ? ' (letter case: a PascalCase serialiser, or a proxy re-serialising the answer)' : ''}; if the real service does, the description must accept \`${spelt}\``,
    );
  }
  return kept;
}

/**
 * One violation per place and rule (two schemas of an allOf often say the same).
 * @param {ExchangeViolation[]} violations
 */
function unique(violations) {
  const seen = new Set();
  return violations.filter((found) => {
    const key = `${found.in} ${found.pointer} ${found.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * @param {'request' | 'response'} side
 * @param {string} pointer
 * @param {string} rule
 * @param {string} expected
 * @param {string} seen
 * @param {string | null} suggestion
 * @returns {ExchangeViolation}
 */
function violation(side, pointer, rule, expected, seen, suggestion) {
  return { in: side, pointer, rule, expected, seen, message: `${side} ${pointer || '(body)'}: expected ${expected}; saw ${seen}`, suggestion };
}

/** @param {any} schema */
const branches = (schema) => [
  ...(schema.allOf ?? []),
  ...(schema.oneOf ?? []),
  ...(schema.anyOf ?? []),
  ...(schema.then ? [schema.then] : []),
  ...(schema.else ? [schema.else] : []),
];

/**
 * @param {unknown} body
 * @param {string} pointer
 */
function valueAt(body, pointer) {
  /** @type {any} */
  let node = body;
  for (const segment of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/**
 * @param {Uint8Array} bytes
 * @returns {unknown} undefined when empty or not JSON
 */
function readJson(bytes) {
  if (bytes.length === 0) return undefined;
  const parsed = parseJson(bytes);
  return 'problem' in parsed ? undefined : parsed.value;
}

/**
 * Success is error_code absent, null or 0 and error_message absent, null or "" (openapi/description.md, "Errors").
 * @param {number} status
 * @param {unknown} body
 * @returns {CheckedExchange['outcome']}
 */
export function outcomeOf(status, body) {
  if (status >= 400) return 'refusal';
  if (body === undefined) return status >= 200 && status < 300 ? 'unreadable' : 'refusal';
  if (body === null || typeof body !== 'object') return 'unreadable';
  const { error_code: code, error_message: message } = /** @type {Record<string, unknown>} */ (body);
  const success = (code === undefined || code === null || code === 0) && (message === undefined || message === null || message === '');
  return success ? 'success' : 'businessError';
}

/**
 * @param {unknown} node
 * @param {string[]} at
 * @param {Map<string, string[]>} found
 */
function findIds(node, at, found) {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (TRANSACTION_ID_MEMBERS.includes(key) && typeof value === 'string') found.set([...at, key].join('\u0000'), [...at, key]);
    else findIds(value, [...at, key], found);
  }
}
