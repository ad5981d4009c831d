// Answers Prism generates from the schema instead of taking a named example: `Prefer: dynamic=true`,
// and a status the description gives no example for. Prism (1.0-1.35 s to load) is loaded the first
// time one is asked for.
//
// A dynamic answer must still obey what the description says in prose and cannot say in its schemas,
// which json-schema-faker, left alone, does not: a 200 success carries `data` and no `error_code`
// (the envelope allows both, since a business error also arrives with HTTP 200), a failure carries
// `data: null`, an `error_code` of its status (or a Vlens code for 422) with the catalogue's message,
// and field errors as a list. json-schema-faker also copies the keywords of a schema without a type
// into the answer (`"data": {"description": "…"}`) and invents members where a schema allows unknown
// ones; Prism is therefore given, per status, a copy of the schema without prose and with those rules
// written in, and every answer it generates is checked against the description's own schema.
import { driftAnswer } from '../answers/named.js';

/** @import { Answer, AnswerGenerator, DescriptionModel, OperationModel } from '../types.js' */
/** @import { PrismModules } from './prism.js' */
/** @import { ResponseValidator } from './response-validation.js' */
/** @typedef {Record<string, any>} Node */

const ATTEMPTS = 5;
const ENVELOPE = ['data', 'error_code', 'error_message', 'error_descriptions'];
const PROSE = new Set(['description', 'title', 'summary', 'examples', 'example', '$comment']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMAS = new Set(['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems']);

/**
 * The generator of a description: Prism loaded on first use (`prism()` throws PrismMissingError when
 * it is not installed: the answer is then a 501 naming it).
 * @param {{ prism: () => PrismModules, document: () => Node, model: DescriptionModel, responseValidator: () => ResponseValidator }} options
 * @returns {AnswerGenerator & { ask: (operation: OperationModel, mock: { code: number | undefined, dynamic: boolean, exampleKey?: string }) => Promise<{ status: number, body: unknown, violations: { message: string }[] }> }}
 */
export function createPrismGenerator({ prism, document, model, responseValidator }) {
  /** @type {Promise<{ modules: PrismModules, resources: Map<string, any>, instance: any, dynamicResources: Map<string, any> }> | null} */
  let loaded = null;
  const generator = () =>
    (loaded ??= (async () => {
      const modules = prism();
      const resources = await prismOperations(modules, document(), model);
      const instance = modules.http.createInstance(
        { mock: { dynamic: false }, checkSecurity: false, validateRequest: false, validateResponse: true, errors: false, isProxy: false, upstreamProxy: undefined },
        {
          logger: modules.core.createLogger('vlens-mock', { level: 'silent' }),
          route: (/** @type {{ resources: any[] }} */ { resources: [resource] }) => modules.either.right(resource),
        },
      );
      return { modules, resources, instance, dynamicResources: new Map() };
    })());

  /**
   * @param {OperationModel} operation
   * @param {{ code: number | undefined, dynamic: boolean, exampleKey?: string }} mock
   * @param {any} [resource]
   */
  async function ask(operation, mock, resource) {
    const { resources, instance } = await generator();
    const result = await instance.request(
      { method: operation.method.toLowerCase(), url: { path: operation.path, query: {} }, headers: {}, body: undefined },
      [resource ?? resources.get(operation.id)],
      { mock },
    )();
    if (result._tag === 'Left') throw Object.assign(new Error(`Prism could not answer: ${result.left.detail ?? result.left.message}`), { prism: result.left });
    const { output, validations } = result.right;
    return {
      status: /** @type {number} */ (output.statusCode),
      body: output.body,
      violations: validations.output.filter((/** @type {{ severity: number }} */ violation) => violation.severity === 0),
    };
  }

  /**
   * Prism's operation with the answer of `status` replaced by its generation schema (kept per status).
   * @param {OperationModel} operation
   * @param {number | undefined} status
   */
  async function dynamicResource(operation, status) {
    const { resources, dynamicResources } = await generator();
    const key = `${operation.id} ${status}`;
    if (!dynamicResources.has(key)) {
      const resource = resources.get(operation.id);
      const response = resource.responses.find((/** @type {{ code: string }} */ candidate) => Number(candidate.code) === status) ?? resource.responses[0];
      const contents = (response.contents ?? []).map((/** @type {Node} */ content) => ({
        ...content,
        examples: [],
        schema: content.schema && generationSchema(content.schema, Number(response.code)),
      }));
      dynamicResources.set(key, { ...resource, responses: [{ ...response, contents }] });
    }
    return dynamicResources.get(key);
  }

  /** @type {AnswerGenerator} */
  async function generate(operation, { status, dynamic }) {
    const name = dynamic ? 'dynamic' : 'generated';
    /** @type {import('../types.js').Violation[]} */
    let violations = [];
    for (let attempt = 0; attempt < (dynamic ? ATTEMPTS : 1); attempt++) {
      const resource = dynamic ? await dynamicResource(operation, status) : undefined;
      const answer = await ask(operation, { code: status, dynamic }, resource);
      const body = withEnvelopeRules(model, answer.status, answer.body);
      violations = responseValidator().violations(operation, answer.status, body);
      if (violations.length === 0) return { status: answer.status, body, payload: JSON.stringify(body), scenario: name };
    }
    return driftAnswer(model, operation, name, status, violations, `${name} ${status ?? 'default'} answer`);
  }
  return Object.assign(generate, { ask });
}

/**
 * Prism's own view of each operation (its `IHttpOperation`), by operation id.
 * @param {PrismModules} prism
 * @param {Node} document
 * @param {DescriptionModel} model
 */
export async function prismOperations(prism, document, model) {
  const resources = await prism.http.getHttpOperationsFromSpec(structuredClone(document));
  const byRoute = new Map(resources.map((/** @type {{ method: string, path: string }} */ resource) => [`${resource.method.toUpperCase()} ${resource.path}`, resource]));
  return new Map(model.operations.map((operation) => [operation.id, byRoute.get(`${operation.method} ${operation.path}`)]));
}

/**
 * The schema json-schema-faker is given for an answer of `status`: `schema` (Prism's dereferenced
 * copy) without prose, without invented members, and, when it is the vendor's envelope, with the
 * envelope's rules for a success or a failure written in.
 * @param {Node} schema
 * @param {number} status
 * @returns {Node}
 */
export function generationSchema(schema, status) {
  const clean = withoutProse(schema);
  const members = envelopeMembers(clean);
  if (!('error_code' in members) || !('data' in members)) return clean;
  /** @type {Node} */
  const properties = { ...members };
  if (status < 300) {
    properties.data = withoutNull(members.data);
    properties.error_code = { type: 'null' };
    properties.error_message = { type: 'null' };
    properties.error_descriptions = { type: 'null' };
  } else {
    properties.data = { type: 'null' };
    properties.error_message = { type: 'string', minLength: 1 };
    const list = (members.error_descriptions?.anyOf ?? members.error_descriptions?.oneOf ?? []).find((/** @type {Node} */ branch) => branch.type === 'array');
    if (list) properties.error_descriptions = { anyOf: [list, { type: 'null' }] };
  }
  return { type: 'object', properties, required: ENVELOPE, additionalProperties: false };
}

/**
 * A failure's `error_code` and `error_message` from the description's error catalogue.
 * @param {DescriptionModel} model
 * @param {number} status
 * @param {any} body
 */
function withEnvelopeRules(model, status, body) {
  if (status < 300 || body === null || typeof body !== 'object' || !('error_code' in body)) return body;
  const entries = status === 422 ? model.errorCodes.filter((entry) => entry.code >= 1000) : model.errorCodes.filter((entry) => entry.code === status);
  const entry = entries[Math.floor(Math.random() * entries.length)];
  return { ...body, error_code: entry?.code ?? status, error_message: entry?.userMessage ?? body.error_message };
}

/**
 * Top-level members of an object schema, through `allOf`: the later, typed declaration of a member wins.
 * @param {Node} schema
 */
function envelopeMembers(schema) {
  /** @type {Node} */
  const members = {};
  /** @param {Node} node */
  const visit = (node) => {
    for (const member of node.allOf ?? []) visit(member);
    for (const [name, subschema] of Object.entries(node.properties ?? {})) {
      if (!(name in members) || Object.keys(subschema).length > 0) members[name] = subschema;
    }
  };
  visit(schema);
  return members;
}

/**
 * The schema without its null: a success's `data` holds the result.
 * @param {Node} [schema]
 * @returns {Node}
 */
function withoutNull(schema = {}) {
  const copy = { ...schema };
  if (Array.isArray(copy.type)) {
    const types = copy.type.filter((/** @type {string} */ type) => type !== 'null');
    copy.type = types.length === 1 ? types[0] : types;
  }
  for (const keyword of ['anyOf', 'oneOf']) {
    if (copy[keyword]) copy[keyword] = copy[keyword].filter((/** @type {Node} */ branch) => branch.type !== 'null');
  }
  // Every member of an allOf must exclude null, or json-schema-faker may still pick it for one.
  if (copy.allOf) copy.allOf = copy.allOf.map(withoutNull);
  return copy;
}

/**
 * A copy of a schema without annotations (json-schema-faker copies them into the answer when a schema
 * has no type) and, where an object declares its members, without room for invented ones. Prism's
 * dereferenced schemas share nodes, so each node is copied once.
 * @param {any} schema
 * @param {{ plain: Map<Node, Node>, allOfMember: Map<Node, Node> }} [copies]
 * @param {boolean} [inAllOf]
 * @returns {any}
 */
function withoutProse(schema, copies = { plain: new Map(), allOfMember: new Map() }, inAllOf = false) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const seen = inAllOf ? copies.allOfMember : copies.plain;
  if (seen.has(schema)) return seen.get(schema);
  /** @type {Node} */
  const copy = {};
  seen.set(schema, copy);
  for (const [keyword, value] of Object.entries(schema)) {
    if (PROSE.has(keyword)) continue;
    if (SCHEMA_MAPS.has(keyword)) copy[keyword] = Object.fromEntries(Object.entries(value).map(([name, member]) => [name, withoutProse(member, copies)]));
    else if (SCHEMA_LISTS.has(keyword)) copy[keyword] = value.map((/** @type {Node} */ member) => withoutProse(member, copies, keyword === 'allOf'));
    else if (SCHEMAS.has(keyword)) copy[keyword] = Array.isArray(value) ? value.map((member) => withoutProse(member, copies)) : withoutProse(value, copies);
    else copy[keyword] = value;
  }
  // An allOf member must leave room for the members its siblings declare.
  if (copy.properties && copy.additionalProperties === undefined && !inAllOf) copy.additionalProperties = false;
  return copy;
}
