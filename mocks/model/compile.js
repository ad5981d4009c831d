// Compiles the request validators of a description with Ajv (JSON Schema 2020-12, as OpenAPI 3.1
// says): ahead of time into standalone modules for the shipped description (scripts/generate-model.mjs;
// a browser with a strict Content-Security-Policy runs them, and start-up compiles nothing), or at
// run time for another description (Node only).
//
// Two rules keep every request cheap to refuse, whatever it holds:
// - a string's length is checked before its pattern and format: where a schema has both, the pattern
//   and the format move under `if: { maxLength }` (the validator never runs a pattern over a text
//   already too long, which is how an 80 KB email froze the mock for seconds);
// - a body is validated to its first error when it has more than a few hundred members and items, and
//   to every error (bounded by its size) otherwise: Ajv's allErrors builds one error object per bad
//   item, and one 28 MB body of bad items took 4 GB.
import Ajv2020, { _ } from 'ajv/dist/2020.js';
import { _Code } from 'ajv/dist/compile/codegen/code.js';
import addFormats from 'ajv-formats';
import { codePointLength, fastRegExp, formats } from '../front/patterns.js';
import { escapePointer, resolveRef } from './describe.js';

/** @import { CompiledValidator, DescriptionModel, OperationModel, OperationValidators } from '../types.js' */
/** @import { KeywordCxt } from 'ajv' */
/** @typedef {Record<string, any>} Node */

// How the standalone modules name what they import (scripts/generate-model.mjs writes the import).
export const RUNTIME_NAMESPACE = '__vlensRuntime';
/** @type {import('ajv/dist/types/index.js').RegExpEngine} */
const regExpEngine = Object.assign((/** @type {string} */ pattern, /** @type {string | undefined} */ flags) => /** @type {any} */ (fastRegExp(pattern, flags)), {
  code: `${RUNTIME_NAMESPACE}.fastRegExp`,
});
const countCodePoints = Object.assign((/** @type {string} */ text) => codePointLength(text), { code: `${RUNTIME_NAMESPACE}.codePointLength` });

const LOCATIONS = /** @type {const} */ (['query', 'header', 'path']);
// Kept as they are (values, not schemas).
const VALUES = new Set(['enum', 'const', 'default']);
// Prose and samples: the validators need none of it, and it would be copied into their code.
const PROSE = new Set(['description', 'summary', 'title', '$comment', 'examples', 'example', 'externalDocs']);

/**
 * Ajv for request validation. `allErrors`: every error (bounded by the body's size, see
 * validateBody) or the first; `coerceTypes` for parameters, which are text ("1024" is the integer ASP.NET
 * binds); `standalone` to emit code.
 * @param {{ allErrors: boolean, coerceTypes?: boolean, standalone?: boolean }} options
 */
export function createRequestAjv({ allErrors, coerceTypes = false, standalone = false }) {
  const ajv = new Ajv2020.default({
    allErrors,
    coerceTypes,
    strict: false,
    validateSchema: false,
    // parentSchema tells an image (contentEncoding: base64) from any other string.
    verbose: true,
    code: { source: standalone, esm: standalone, regExp: regExpEngine, formats: standalone ? new _Code(`${RUNTIME_NAMESPACE}.formats`) : undefined },
  });
  addFormats.default(ajv, { mode: 'fast', formats: ['email', 'uuid', 'date', 'date-time', 'uri'] });
  ajv.addFormat('int32', formats.int32);
  ajv.addFormat('int64', formats.int64);
  ajv.addFormat('password', formats.password);
  lengthKeywords(ajv);
  return ajv;
}

/**
 * maxLength and minLength that count code points only when the UTF-16 length does not already
 * decide (a code point is one or two UTF-16 units): an image's 3 MB of base64 costs nothing to measure.
 * @param {import('ajv').default} ajv
 */
function lengthKeywords(ajv) {
  ajv.removeKeyword('maxLength');
  ajv.removeKeyword('minLength');
  for (const keyword of ['maxLength', 'minLength']) {
    const more = keyword === 'maxLength';
    ajv.addKeyword({
      keyword,
      type: 'string',
      schemaType: 'number',
      error: {
        message: ({ schemaCode }) => _`${`must NOT have ${more ? 'more' : 'fewer'} than `} + ${schemaCode} + ${' characters'}`,
        params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
      },
      /** @param {KeywordCxt} cxt */
      code(cxt) {
        const { data, schemaCode, gen } = cxt;
        const count = gen.scopeValue('func', { ref: countCodePoints, code: new _Code(countCodePoints.code) });
        cxt.fail(more ? _`${data}.length > ${schemaCode} && ${count}(${data}) > ${schemaCode}` : _`${data}.length < 2 * ${schemaCode} && ${count}(${data}) < ${schemaCode}`);
      },
    });
  }
}

/**
 * The document as the validators are compiled from: without prose, and with string schemas that
 * check their length before their pattern and format.
 * @param {Node} document
 * @returns {Node}
 */
export function forValidation(document) {
  /** @type {(node: any, key: string | null) => any} */
  const visit = (node, key) => {
    if (Array.isArray(node)) return node.map((item) => visit(item, null));
    if (!node || typeof node !== 'object') return node;
    /** @type {Node} */
    const copy = {};
    for (const [member, value] of Object.entries(node)) {
      // A member named like a keyword inside `properties` is a property, not prose.
      if (key !== 'properties' && (PROSE.has(member) || member.startsWith('x-'))) continue;
      copy[member] = VALUES.has(member) && key !== 'properties' ? value : visit(value, member);
    }
    const checked = ['pattern', 'format'].filter((member) => typeof copy[member] === 'string');
    if (key !== 'properties' && typeof copy.maxLength === 'number' && checked.length > 0 && copy.if === undefined) {
      /** @type {Node} */
      const then = {};
      for (const member of checked) {
        then[member] = copy[member];
        delete copy[member];
      }
      copy.if = { maxLength: copy.maxLength };
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
      copy.then = then;
    }
    return copy;
  };
  return visit(document, null);
}

/**
 * The schemas each operation's requests are validated against, as `$ref`s into the document added
 * under `id`: the JSON body, and one object schema per parameter location (header names lower case).
 * @param {Node} document
 * @param {OperationModel} operation
 * @param {string} id
 * @returns {{ body: Node | null, query: Node | null, header: Node | null, path: Node | null }}
 */
export function requestSchemas(document, operation, id) {
  const pathPointer = `#/paths/${escapePointer(operation.path)}`;
  const methodPointer = `${pathPointer}/${operation.method.toLowerCase()}`;
  const requestBody = resolveRef(document, document.paths[operation.path][operation.method.toLowerCase()].requestBody);
  const bodyPointer = requestBody?.content?.['application/json']?.schema ? bodyRef(document, methodPointer) : null;
  /** @type {Map<string, { name: string, pointer: string, required: boolean, in: string }>} */
  const parameters = new Map();
  for (const [listPointer, list] of [
    [`${pathPointer}/parameters`, document.paths[operation.path].parameters],
    [`${methodPointer}/parameters`, document.paths[operation.path][operation.method.toLowerCase()].parameters],
  ]) {
    (list ?? []).forEach((/** @type {Node} */ entry, /** @type {number} */ index) => {
      const pointer = entry.$ref ?? `${listPointer}/${index}`;
      const parameter = resolveRef(document, entry);
      parameters.set(`${parameter.in} ${parameter.name.toLowerCase()}`, {
        name: parameter.name,
        pointer: `${pointer}/schema`,
        required: Boolean(parameter.required),
        in: parameter.in,
      });
    });
  }
  /** @param {string} location */
  const forLocation = (location) => {
    const declared = [...parameters.values()].filter((parameter) => parameter.in === location);
    if (declared.length === 0) return null;
    /** @param {string} name */
    const key = (name) => (location === 'header' ? name.toLowerCase() : name);
    return {
      type: 'object',
      properties: Object.fromEntries(declared.map((parameter) => [key(parameter.name), { $ref: `${id}${parameter.pointer}` }])),
      required: declared.filter((parameter) => parameter.required).map((parameter) => key(parameter.name)),
    };
  };
  return {
    body: bodyPointer ? { $ref: `${id}${bodyPointer}` } : null,
    query: forLocation('query'),
    header: forLocation('header'),
    path: forLocation('path'),
  };
}

/**
 * @param {Node} document
 * @param {string} methodPointer
 */
function bodyRef(document, methodPointer) {
  const operation = resolveRef(document, { $ref: methodPointer });
  const requestBody = operation.requestBody;
  // A shared request body: point through its $ref, so Ajv compiles it once.
  const base = requestBody.$ref ?? `${methodPointer}/requestBody`;
  return `${base}/content/application~1json/schema`;
}

/**
 * Compiles every operation's validators at run time (another description than the shipped one).
 * @param {Node} document
 * @param {DescriptionModel} model
 * @returns {(operationId: string) => OperationValidators}
 */
export function compileAtRunTime(document, model) {
  const prepared = forValidation(document);
  const every = createRequestAjv({ allErrors: true });
  const first = createRequestAjv({ allErrors: false });
  const parameters = createRequestAjv({ allErrors: true, coerceTypes: true });
  for (const ajv of [every, first, parameters]) ajv.addSchema(prepared, 'description');
  /** @type {Map<string, OperationValidators>} */
  const compiled = new Map();
  return (operationId) => {
    let validators = compiled.get(operationId);
    if (validators) return validators;
    const operation = model.operations.find((candidate) => candidate.id === operationId);
    if (!operation) throw new Error(`No operation ${operationId}`);
    const schemas = requestSchemas(prepared, operation, 'description');
    /** @param {import('ajv').default} ajv @param {Node | null} schema */
    const compile = (ajv, schema) => (schema ? /** @type {CompiledValidator} */ (/** @type {unknown} */ (ajv.compile(schema))) : null);
    validators = {
      body: compile(every, schemas.body),
      bodyFirstError: compile(first, schemas.body),
      query: compile(parameters, schemas.query),
      header: compile(parameters, schemas.header),
      path: compile(parameters, schemas.path),
    };
    compiled.set(operationId, validators);
    return validators;
  };
}

export { LOCATIONS };
