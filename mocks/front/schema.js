// The schema check: a request's parameters and body against the description (validators compiled
// ahead of time, mocks/model/), and Ajv's errors turned into the vendor's field errors. A refusal
// names at most MAX_VIOLATIONS problems and says how many more there were; a body with more members
// and items than ALL_ERRORS_NODE_LIMIT is checked to its first problem only, so no request can make the
// check build millions of error objects.
import { BASE64_PATTERN } from './patterns.js';

/** @import { CompiledValidator, OperationModel, OperationValidators, SchemaError, Violation } from '../types.js' */
/** @typedef {{ get(name: string): string | null }} HeaderReader */

export const MAX_VIOLATIONS = 20;
export const ALL_ERRORS_NODE_LIMIT = 500;
const MAX_FIELD_NAME = 80;
/** @type {Record<string, string>} */
const LOCATION_NAMES = { query: 'query parameter', header: 'header', path: 'path parameter' };

/**
 * How many members and items a JSON value has, counting no further than `limit + 1`.
 * @param {unknown} value
 * @param {number} limit
 */
export function countNodes(value, limit) {
  let count = 0;
  /** @type {unknown[]} */
  const stack = [value];
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop();
    count += 1;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) {
        stack.push(item);
        if (stack.length > limit) return limit + 1;
      }
    } else {
      for (const member in node) {
        stack.push(/** @type {Record<string, unknown>} */ (node)[member]);
        if (stack.length > limit) return limit + 1;
      }
    }
  }
  return count;
}

/**
 * @param {OperationValidators} validators
 * @param {OperationModel} operation
 * @param {unknown} body
 * @returns {Violation[]}
 */
export function checkBody(validators, operation, body) {
  const small = countNodes(body, ALL_ERRORS_NODE_LIMIT) <= ALL_ERRORS_NODE_LIMIT;
  const validate = small ? validators.body : validators.bodyFirstError;
  if (!validate || validate(body)) return [];
  const violations = describeViolations(validate.errors ?? [], operation, (field) => (field === 'body' ? 'The request body' : `The ${field} field`));
  if (!small) {
    violations.push({
      field: null,
      message: `The request body has more than ${ALL_ERRORS_NODE_LIMIT} members and items: only its first problem was looked for.`,
      kind: 'truncated',
    });
  }
  return violations;
}

/**
 * The declared query and header parameters; only those are looked at (copied: coercion writes
 * into the object it validates). Header names are matched without regard to case, as HTTP says;
 * answers name them as the description spells them.
 * @param {OperationValidators} validators
 * @param {OperationModel} operation
 * @param {HeaderReader} headers
 * @param {URLSearchParams} searchParams
 * @returns {Violation[]}
 */
export function checkParameters(validators, operation, headers, searchParams) {
  /** @type {Violation[]} */
  const violations = [];
  const byLocation = declaredParameters(operation.parameters);
  for (const location of PARAMETER_LOCATIONS) {
    const validate = validators[location];
    const declared = byLocation[location];
    if (!validate || declared.length === 0) continue;
    /** @param {string} name */
    const key = (name) => (location === 'header' ? name.toLowerCase() : name);
    /** @type {Record<string, string | string[]>} */
    const values = {};
    for (const { name } of declared) {
      if (location === 'header') {
        const value = headers.get(name);
        if (value !== null) values[key(name)] = value;
      } else {
        const all = searchParams.getAll(name);
        if (all.length > 0) values[name] = all.length === 1 ? /** @type {string} */ (all[0]) : all;
      }
    }
    if (validate(values)) continue;
    const spelled = new Map(declared.map((parameter) => [key(parameter.name), parameter.name]));
    const errors = (validate.errors ?? []).map((error) => renameField(error, spelled));
    violations.push(...describeViolations(errors, operation, (field) => `The ${field} ${LOCATION_NAMES[location]}`));
  }
  return violations;
}

const PARAMETER_LOCATIONS = /** @type {const} */ (['query', 'header']);

// An operation's query and header parameters, by location: read on every request, listed once.
/** @type {WeakMap<OperationModel['parameters'], Record<'query' | 'header', OperationModel['parameters']>>} */
const parametersByLocation = new WeakMap();

/** @param {OperationModel['parameters']} parameters */
function declaredParameters(parameters) {
  let byLocation = parametersByLocation.get(parameters);
  if (!byLocation) {
    byLocation = { query: parameters.filter((parameter) => parameter.in === 'query'), header: parameters.filter((parameter) => parameter.in === 'header') };
    parametersByLocation.set(parameters, byLocation);
  }
  return byLocation;
}

/**
 * A control API request's path or query parameters, validated and coerced (limit=20 becomes 20).
 * @param {CompiledValidator | null | undefined} validate
 * @param {Record<string, unknown>} values written: the coerced values
 * @param {(field: string) => string} nameOf
 * @returns {{ violation: Violation, errors: SchemaError[] } | null}
 */
export function firstViolation(validate, values, nameOf) {
  if (!validate || validate(values)) return null;
  const errors = validate.errors ?? [];
  const [violation] = describeViolations(errors, { statuses: [] }, nameOf);
  return violation ? { violation, errors } : null;
}

/**
 * @param {SchemaError} error
 * @param {Map<string, string>} spelled
 * @returns {SchemaError}
 */
function renameField(error, spelled) {
  const renamed = { ...error, params: { ...error.params } };
  if (error.keyword === 'required') renamed.params.missingProperty = spelled.get(error.params.missingProperty) ?? error.params.missingProperty;
  renamed.instancePath = error.instancePath.replace(/^\/([^/]+)/, (_, name) => `/${spelled.get(name) ?? name}`);
  return renamed;
}

/**
 * One field error per field: Ajv reports every failed branch of a oneOf (for `transaction_id: 5`:
 * "must be string", "must be null", "must match exactly one schema"), a user wants one sentence. At
 * most MAX_VIOLATIONS, then one that counts the rest.
 * @param {SchemaError[]} errors
 * @param {{ statuses: number[] }} operation
 * @param {(field: string) => string} nameOf
 * @returns {Violation[]}
 */
export function describeViolations(errors, operation, nameOf) {
  /** @type {Map<string, SchemaError[]>} */
  const byField = new Map();
  for (const error of errors) {
    const field = fieldOf(error);
    const list = byField.get(field);
    if (list) list.push(error);
    else byField.set(field, [error]);
  }
  /** @type {Violation[]} */
  const violations = [];
  let fieldsLeft = byField.size;
  for (const [field, fieldErrors] of byField) {
    if (violations.length >= MAX_VIOLATIONS) break;
    violations.push(...describeField(field, fieldErrors, operation, nameOf(field)));
    fieldsLeft -= 1;
  }
  const shown = violations.slice(0, MAX_VIOLATIONS);
  const more = violations.length - shown.length + fieldsLeft;
  if (more > 0) shown.push({ field: null, message: `… and ${more} more problem${more === 1 ? '' : 's'}.`, kind: 'truncated' });
  return shown;
}

/** @param {SchemaError} error */
function fieldOf(error) {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') segments.push(error.params.additionalProperty);
  const field = segments.join('.') || 'body';
  return field.length > MAX_FIELD_NAME ? `${field.slice(0, MAX_FIELD_NAME)}…` : field;
}

/**
 * @param {string} field
 * @param {SchemaError[]} errors
 * @param {{ statuses: number[] }} operation
 * @param {string} the how the field is named in a sentence
 * @returns {Violation[]}
 */
function describeField(field, errors, operation, the) {
  const formatFailed = errors.some((error) => error.keyword === 'format');
  const concrete = errors
    .filter((error) => !['oneOf', 'anyOf', 'allOf', 'if', 'not'].includes(error.keyword))
    // "must be a valid uuid" says more than the uuid pattern that fails with it.
    .filter((error) => !(formatFailed && error.keyword === 'pattern'));
  const branchesFailedOnType = concrete.length > 0 && concrete.every((error) => error.keyword === 'type');
  if (branchesFailedOnType) {
    const types = [...new Set(concrete.flatMap((error) => [error.params.type].flat()))];
    const expected = types.map((type) => (type === 'null' ? 'null' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`)).join(' or ');
    return [{ field, message: field === 'body' && types.includes('object') ? `${the} must be a JSON object.` : `${the} must be ${expected}.`, kind: 'type' }];
  }
  /** @type {Violation[]} */
  const described = [];
  const seen = new Set();
  for (const error of concrete.filter((candidate) => candidate.keyword !== 'type')) {
    const message = messageFor(the, error);
    if (seen.has(message)) continue;
    seen.add(message);
    described.push({ field, message, kind: kindOf(error, operation) });
  }
  if (described.length === 0) described.push({ field, message: `${the} is not valid.`, kind: 'invalid' });
  return described;
}

/** @param {SchemaError} error */
const isImage = (error) => error.parentSchema?.contentEncoding === 'base64';

/**
 * @param {SchemaError} error
 * @param {{ statuses: number[] }} operation
 */
function kindOf(error, operation) {
  if (error.keyword === 'pattern' && error.params.pattern === BASE64_PATTERN) return 'base64';
  if (error.keyword === 'minLength' && isImage(error)) return 'base64';
  if (error.keyword === 'maxLength' && isImage(error) && operation.statuses.includes(413)) return 'imageTooLarge';
  return error.keyword;
}

/** @param {number} count */
const characters = (count) => `${count} character${count === 1 ? '' : 's'}`;

/**
 * @param {string} the
 * @param {SchemaError} error
 */
function messageFor(the, error) {
  switch (error.keyword) {
    case 'required':
      return `${the} is required.`;
    case 'additionalProperties':
      return `${the} is not accepted by this operation.`;
    case 'pattern':
      return error.params.pattern === BASE64_PATTERN ? 'Please provide a valid base64 encoded image.' : `${the} is not in the expected format.`;
    case 'format':
      return `${the} must be a valid ${error.params.format === 'uuid' ? 'UUID' : error.params.format}.`;
    case 'maxLength':
      return isImage(error)
        ? `${the} is larger than the image ceiling (${error.params.limit} base64 characters, 3 MB).`
        : `${the} must be at most ${characters(error.params.limit)} long.`;
    case 'minLength':
      if (isImage(error)) return 'Please provide a valid base64 encoded image.';
      return `${the} must be at least ${characters(error.params.limit)} long.`;
    case 'enum':
      return `${the} must be one of: ${error.params.allowedValues.join(', ')}.`;
    case 'const':
      return `${the} must be ${JSON.stringify(error.params.allowedValue)}.`;
    default:
      return `${the} ${error.message}.`;
  }
}
