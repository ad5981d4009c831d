// Derives what Dredd needs from the bundled description, fresh on every run (never a hand copy):
//
// - an OpenAPI 3.0.3 document for Dredd 14's parser, which only half understands 3.1 (it warns
//   "Version '3.1.0' is not fully supported" and about every 3.1 keyword). The derived document
//   keeps what Dredd turns into transactions: paths, methods, parameters with their examples, the
//   first request example, and every response status with its media type and first example.
//   Schemas are left out: Dredd 14 does not validate against them anyway (it only compares the
//   shape of the example), so the hooks validate instead;
// - a plan for the hooks: per operation, its auth, query parameters, and the response schema for
//   every status as self-contained JSON Schema draft 7 (see json-schema.mjs).
//
// Operations come in flow order, which is the order Dredd runs them: tokens and registration first
// (so later requests carry the tokens and ids the answers gave), then the three capture steps of one
// transaction and the admin retrieval of what was captured, then capture before login (three
// key-only captures, then the link), passports, and last the calls that withdraw a verified identity.
import { listOperations, resolveRef } from '../lib/description.mjs';
import { toDraft7 } from './json-schema.mjs';

/** @import { SchemaObject } from 'ajv' */
/** @import { DescriptionNode, OperationEntry } from '../lib/description.mjs' */

/**
 * The credentials one security requirement asks for: the header carrying the API key, and which
 * bearer token (null: none).
 * @typedef {{ apiKeyHeader: string | null, bearer: 'user' | 'admin' | null }} Credentials
 */

/**
 * The first requirement's credentials, and the token of every alternative.
 * @typedef {Credentials & { bearers: ('user' | 'admin' | null)[] }} Auth
 */

/**
 * What the hooks need to send one operation and judge its answers.
 * @typedef {object} PlanEntry
 * @property {string} operationId
 * @property {string} method in upper case
 * @property {string} path
 * @property {Auth} auth
 * @property {string[]} requiredHeaders the names of the required header parameters
 * @property {{ name: string, required: boolean, example: unknown }[]} query
 * @property {unknown} requestExample the first JSON request example; undefined when there is none
 * @property {Record<string, { schema: SchemaObject }>} responses the draft 7 schema of each status's JSON answer
 */

/** @typedef {{ name: string, in: string, required: boolean, schema: { type: string }, example: unknown }} DreddParameter */
/** @typedef {Record<string, { example: unknown }>} DreddContent by media type */

/**
 * An operation of the OpenAPI 3.0.3 document Dredd reads.
 * @typedef {object} DreddOperation
 * @property {string} operationId
 * @property {string} summary
 * @property {DreddParameter[]} [parameters] path and query parameters; left out when there are none
 * @property {{ content: DreddContent }} [requestBody]
 * @property {Record<string, { description: string, content?: DreddContent }>} responses by status
 */

/**
 * @typedef {{ openapi: '3.0.3', info: { title: string, version: string },
 *             paths: Record<string, Record<string, DreddOperation>> }} DreddDocument
 */

/** @type {string[]} */
export const FLOW_ORDER = [
  'adminLogin',
  'refreshToken',
  'checkExistenceOfEmailOrPhone',
  'registerStepVerifyPhone',
  'registerStepVerifyEmail',
  'registerStepVerifyOAuthToken',
  'verifyOAuthToken',
  'register',
  'userLogin',
  'createAuthSession',
  'verifyIdFront',
  'verifyIdBack',
  'verifyLiveness',
  'getUserDigitalIdentityImages',
  'getStepImage',
  'getTransactionById',
  'ocrIdFront',
  'ocrIdBack',
  'ocrLiveness',
  'linkUserWithExistingTransaction',
  'verifyPassportScan',
  'verifyPassportNfc',
  'cancelVerifiedDigitalIdentity',
  'cancelVerifiedDigitalIdentityForAdmin',
];

const JSON_MEDIA_TYPE = 'application/json';

/**
 * @param {DescriptionNode} doc the parsed bundle
 * @returns {{ document: DreddDocument, plan: Record<string, PlanEntry> }} `plan` by `METHOD /path`
 */
export function deriveDreddInput(doc) {
  const operations = sortByFlow(listOperations(doc));
  /** @type {DreddDocument['paths']} */
  const paths = {};
  /** @type {Record<string, PlanEntry>} */
  const plan = {};
  for (const { path, method, operation } of operations) {
    /** @type {DescriptionNode[]} */
    const parameters = (operation.parameters ?? []).map((/** @type {DescriptionNode} */ parameter) => resolveRef(doc, parameter));
    const query = parameters
      .filter((parameter) => parameter.in === 'query')
      .map((parameter) => ({ name: parameter.name, required: parameter.required === true, example: parameterExample(doc, parameter) }));
    const requestMedia = resolveRef(doc, operation.requestBody)?.content?.[JSON_MEDIA_TYPE];
    const requestExample = requestMedia ? firstExample(doc, requestMedia) : undefined;

    /** @type {DreddOperation['responses']} */
    const responses = {};
    /** @type {PlanEntry['responses']} */
    const planResponses = {};
    for (const [status, responseOrRef] of Object.entries(/** @type {Record<string, DescriptionNode>} */ (operation.responses ?? {}))) {
      const response = resolveRef(doc, responseOrRef);
      /** @type {DreddContent} */
      const content = {};
      for (const [mediaType, media] of Object.entries(/** @type {Record<string, DescriptionNode>} */ (response.content ?? {}))) {
        content[mediaType] = { example: firstExample(doc, media) };
        if (mediaType === JSON_MEDIA_TYPE && media.schema) {
          planResponses[status] = { schema: toDraft7(doc, media.schema) };
        }
      }
      responses[status] = { description: response.description ?? status, ...(Object.keys(content).length ? { content } : {}) };
    }

    /** @type {DreddOperation} */
    const derived = {
      operationId: operation.operationId,
      summary: operation.operationId,
      parameters: [
        // Only path and query parameters: the hooks set every header themselves.
        ...parameters
          .filter((parameter) => parameter.in === 'path' || parameter.in === 'query')
          .map((parameter) => ({
            name: parameter.name,
            in: parameter.in,
            required: parameter.required === true,
            schema: { type: simpleType(resolveRef(doc, parameter.schema)) },
            example: parameterExample(doc, parameter),
          })),
      ],
      ...(requestExample === undefined ? {} : { requestBody: { content: { [JSON_MEDIA_TYPE]: { example: requestExample } } } }),
      responses,
    };
    if (derived.parameters?.length === 0) delete derived.parameters;
    paths[path] = { ...paths[path], [method]: derived };

    plan[`${method.toUpperCase()} ${path}`] = {
      operationId: operation.operationId,
      method: method.toUpperCase(),
      path,
      auth: describeAuth(doc, operation.security ?? doc.security ?? []),
      requiredHeaders: parameters.filter((parameter) => parameter.in === 'header' && parameter.required === true).map((parameter) => parameter.name),
      query,
      requestExample,
      responses: planResponses,
    };
  }
  return {
    document: {
      openapi: '3.0.3',
      info: { title: `${doc.info.title} (Dredd input derived from generated/openapi.yaml)`, version: doc.info.version },
      paths,
    },
    plan,
  };
}

/**
 * @param {OperationEntry[]} operations
 * @returns {OperationEntry[]}
 */
function sortByFlow(operations) {
  /** @param {OperationEntry} operation */
  const rank = (operation) => {
    const index = FLOW_ORDER.indexOf(operation.operation.operationId);
    return index === -1 ? FLOW_ORDER.length : index;
  };
  // Stable: operations missing from FLOW_ORDER keep description order, after the known ones.
  return [...operations].sort((a, b) => rank(a) - rank(b));
}

/**
 * @param {DescriptionNode} doc
 * @param {DescriptionNode} media a media type object
 * @returns {unknown} its `example`, else the value of its first named example
 */
function firstExample(doc, media) {
  if (media.example !== undefined) return media.example;
  const [first] = Object.values(media.examples ?? {});
  return first === undefined ? undefined : resolveRef(doc, first).value;
}

/**
 * @param {DescriptionNode} doc
 * @param {DescriptionNode} parameter
 * @returns {unknown} its example, else its schema's
 */
function parameterExample(doc, parameter) {
  if (parameter.example !== undefined) return parameter.example;
  const [first] = Object.values(parameter.examples ?? {});
  if (first !== undefined) return resolveRef(doc, first).value;
  const schema = resolveRef(doc, parameter.schema) ?? {};
  return schema.examples?.[0] ?? schema.example;
}

/**
 * @param {DescriptionNode | undefined} schema
 * @returns {string} the schema's type, the first but null when it lists several
 */
function simpleType(schema) {
  /** @type {string[]} */
  const types = [schema?.type ?? 'string'].flat().filter((type) => type !== 'null');
  return types[0] ?? 'string';
}

/**
 * What the hooks must send: the header carrying the API key and which bearer token, read from the
 * first security requirement. A bearer scheme whose name says Admin takes the admin token.
 * `bearers` lists the token of every alternative (GetTransactionById takes either).
 * @param {DescriptionNode} doc
 * @param {DescriptionNode[]} security the operation's security requirements
 * @returns {Auth}
 */
function describeAuth(doc, security) {
  /** @type {(requirement: DescriptionNode | undefined) => Credentials} */
  const bearerOf = (requirement) => {
    /** @type {Credentials} */
    const found = { apiKeyHeader: null, bearer: null };
    for (const schemeName of Object.keys(requirement ?? {})) {
      const scheme = resolveRef(doc, doc.components?.securitySchemes?.[schemeName]);
      if (scheme?.type === 'apiKey' && scheme.in === 'header') found.apiKeyHeader = scheme.name;
      else if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') found.bearer = /admin/i.test(schemeName) ? 'admin' : 'user';
      else throw new Error(`The contract hooks cannot send security scheme ${schemeName} (${scheme?.type})`);
    }
    return found;
  };
  const alternatives = security.map(bearerOf);
  return { ...(alternatives[0] ?? { apiKeyHeader: null, bearer: null }), bearers: [...new Set(alternatives.map((alternative) => alternative.bearer))] };
}
