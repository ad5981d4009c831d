// The one model of the description: every operation with its security, parameters, statuses and
// named examples (the scenarios), the error-code catalogue and the refusal envelopes the description
// itself declares. Pure: a parsed OpenAPI document in, plain data out. `npm run generate` writes it for
// the shipped description (mocks/model/generated/); the Node mock builds it at start for another one.

/** @import { DescriptionModel, ErrorCodeEntry, Envelope, ExampleValues, OperationModel, ParameterModel, RefusalModelName, ResponseModel, Role, SecuritySchemeModel } from '../types.js' */

/** @typedef {Record<string, any>} Node */

/** The examples the mock's own refusals are modelled on, by the status they answer with. */
/** @type {Record<RefusalModelName, number>} */
export const REFUSAL_MODELS = {
  invalidRequest: 400,
  invalidBase64: 400,
  malformedJson: 400,
  unauthorized: 401,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  internalError: 500,
};

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Header parameters whose value is a credential, besides the security schemes (the /v1 BundleKey).
const CREDENTIAL_NAME = /key|token|secret|password|signature|auth|session/i;

/**
 * The model and every example value of a parsed description. `sha256`: of the description's text, when
 * there is one. Throws when the description lacks an example a refusal is modelled on.
 * @param {Node} document
 * @param {{ sha256?: string | null, refusals?: boolean }} [options] `refusals: false` for a description
 *   whose answers are not the vendor's envelope (the sandbox's control API)
 * @returns {{ model: DescriptionModel, examples: Record<string, ExampleValues> }}
 */
export function describe(document, { sha256 = null, refusals = true } = {}) {
  /** @type {OperationModel[]} */
  const operations = [];
  /** @type {Record<string, ExampleValues>} */
  const examples = {};
  for (const [pathName, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue;
      const { operation, values } = describeOperation(document, pathName, method);
      operations.push(operation);
      examples[operation.id] = values;
    }
  }
  /** @type {ErrorCodeEntry[]} */
  const errorCodes = document['x-vlens-error-codes'] ?? [];
  return {
    model: {
      title: document.info?.title ?? '',
      version: document.info?.version ?? '',
      sha256,
      operations,
      errorCodes,
      refusalModels: refusals ? collectRefusalModels(operations, examples) : /** @type {Record<RefusalModelName, Envelope>} */ ({}),
      credentialHeaders: credentialHeaders(document),
    },
    examples,
  };
}

/**
 * @param {Node} document
 * @param {string} path
 * @param {string} method
 * @returns {{ operation: OperationModel, values: ExampleValues }}
 */
function describeOperation(document, path, method) {
  const operation = document.paths[path][method];
  const requestBody = resolveRef(document, operation.requestBody);
  const jsonBody = requestBody?.content?.['application/json'];
  /** @type {ExampleValues} */
  const values = {};
  const responses = describeResponses(document, operation, values);
  const successes = responses.filter((response) => response.status >= 200 && response.status < 300).sort((a, b) => a.status - b.status);
  const security = securityAlternatives(document, operation);
  const roles = rolesOf(security);
  const id = operation.operationId ?? `${method.toUpperCase()} ${path}`;
  return {
    operation: {
      id,
      method: method.toUpperCase(),
      path,
      security,
      roles,
      token: roles.includes('admin') && !roles.includes('user') ? 'admin' : roles.length > 0 ? 'user' : 'none',
      hasBody: Boolean(jsonBody),
      bodyRequired: Boolean(requestBody?.required),
      bodyMediaTypes: Object.keys(requestBody?.content ?? {}),
      parameters: declaredParameters(document, path, method),
      statuses: responses.map((response) => response.status),
      responses,
      defaultStatus: successes[0]?.status ?? null,
      defaultScenario: successes[0]?.examples[0]?.name ?? null,
      imageFields: jsonBody ? imageFieldsOf(document, jsonBody.schema) : [],
    },
    values,
  };
}

/**
 * Each declared status with its named examples, in description order. `default` and ranges such as
 * `4XX` name no status a request can ask for, so they are not scenarios.
 * @param {Node} document
 * @param {Node} operation
 * @param {ExampleValues} values written: status -> name -> value
 * @returns {ResponseModel[]}
 */
function describeResponses(document, operation, values) {
  /** @type {ResponseModel[]} */
  const responses = [];
  for (const [code, responseOrRef] of Object.entries(operation.responses ?? {})) {
    if (!/^[1-5]\d\d$/.test(code)) continue;
    const response = resolveRef(document, responseOrRef);
    const [mediaType, media] = Object.entries(response?.content ?? {}).find(([type]) => /[/+]json\b/i.test(type)) ?? [];
    /** @type {Record<string, unknown>} */
    const byName = {};
    const named = [];
    for (const [name, exampleOrRef] of Object.entries(media?.examples ?? {})) {
      const example = resolveRef(document, exampleOrRef);
      if (!example || !('value' in example)) continue;
      named.push({ name, summary: example.summary ?? '' });
      byName[name] = example.value;
    }
    values[code] = byName;
    responses.push({ status: Number(code), mediaType: mediaType ?? null, examples: named });
  }
  return responses;
}

/**
 * The operation's security (or the document's) as a list of alternatives, each a list of schemes; a
 * request passes when one alternative passes. `[]`: none needed.
 * @param {Node} document
 * @param {Node} operation
 * @returns {SecuritySchemeModel[][]}
 */
function securityAlternatives(document, operation) {
  /** @type {Record<string, string[]>[]} */
  const requirements = operation.security ?? document.security ?? [];
  return requirements.map((requirement) =>
    Object.keys(requirement).map((key) => {
      const scheme = resolveRef(document, document.components?.securitySchemes?.[key]) ?? {};
      /** @type {SecuritySchemeModel} */
      const model = { key, type: scheme.type };
      if (scheme.in !== undefined) model.in = scheme.in;
      if (scheme.name !== undefined) model.name = scheme.name;
      if (scheme.scheme !== undefined) model.scheme = scheme.scheme;
      return model;
    }),
  );
}

/**
 * The bearer token kinds an operation accepts: a bearer scheme whose name says Admin is an admin token.
 * @param {SecuritySchemeModel[][]} security
 * @returns {Role[]}
 */
function rolesOf(security) {
  /** @type {Set<Role>} */
  const roles = new Set();
  for (const alternative of security) {
    for (const scheme of alternative) {
      if (scheme.type !== 'http' || scheme.scheme?.toLowerCase() !== 'bearer') continue;
      roles.add(/admin/i.test(scheme.key) ? 'admin' : 'user');
    }
  }
  return [...roles].sort();
}

/**
 * Operation and path-level parameters; an operation-level one overrides a path-level one of the same
 * name and location.
 * @param {Node} document
 * @param {string} path
 * @param {string} method
 * @returns {ParameterModel[]}
 */
function declaredParameters(document, path, method) {
  /** @type {Map<string, ParameterModel>} */
  const byKey = new Map();
  for (const list of [document.paths[path].parameters, document.paths[path][method].parameters]) {
    for (const entry of list ?? []) {
      const parameter = resolveRef(document, entry);
      byKey.set(`${parameter.in} ${parameter.name.toLowerCase()}`, { name: parameter.name, in: parameter.in, required: Boolean(parameter.required) });
    }
  }
  return [...byKey.values()];
}

/**
 * @param {Node} document
 * @param {Node | undefined} node
 * @param {number} [depth]
 * @returns {boolean}
 */
function isImage(document, node, depth = 0) {
  const schema = resolveRef(document, node);
  if (!schema || typeof schema !== 'object' || depth > 8) return false;
  return schema.contentEncoding === 'base64' || (schema.allOf ?? []).some((/** @type {Node} */ part) => isImage(document, part, depth + 1));
}

/**
 * The top-level body members that carry an image (a base64 `contentEncoding`, directly or through allOf).
 * @param {Node} document
 * @param {Node} bodySchema
 * @returns {string[]}
 */
function imageFieldsOf(document, bodySchema) {
  const schema = resolveRef(document, bodySchema);
  return Object.entries(schema?.properties ?? {})
    .filter(([, property]) => isImage(document, property))
    .map(([name]) => name);
}

/**
 * Header names that carry a credential: apiKey schemes in a header, Authorization for bearer schemes,
 * and declared header parameters named like a credential.
 * @param {Node} document
 * @returns {string[]}
 */
function credentialHeaders(document) {
  const names = new Set();
  for (const scheme of Object.values(document.components?.securitySchemes ?? {})) {
    const resolved = resolveRef(document, scheme);
    if (resolved?.type === 'apiKey' && resolved.in === 'header') names.add(resolved.name);
    if (resolved?.type === 'http') names.add('Authorization');
  }
  for (const parameter of Object.values(document.components?.parameters ?? {})) {
    const resolved = resolveRef(document, parameter);
    if (resolved?.in === 'header' && CREDENTIAL_NAME.test(resolved.name)) names.add(resolved.name);
  }
  return [...names].sort();
}

/**
 * @param {OperationModel[]} operations
 * @param {Record<string, ExampleValues>} examples
 * @returns {Record<RefusalModelName, Envelope>}
 */
function collectRefusalModels(operations, examples) {
  /** @type {Partial<Record<RefusalModelName, Envelope>>} */
  const models = {};
  for (const [name, status] of /** @type {[RefusalModelName, number][]} */ (Object.entries(REFUSAL_MODELS))) {
    const holder = operations.find((operation) => examples[operation.id]?.[status]?.[name] !== undefined);
    if (!holder) throw new Error(`The description has no ${status} example named "${name}", which the mock's refusals are modelled on`);
    models[name] = /** @type {Envelope} */ (examples[holder.id]?.[status]?.[name]);
  }
  return /** @type {Record<RefusalModelName, Envelope>} */ (models);
}

/**
 * Follows local `$ref`s (`#/...`) to the object they point at.
 * @param {Node} document
 * @param {any} node
 * @returns {any}
 */
export function resolveRef(document, node) {
  let current = node;
  while (current && typeof current.$ref === 'string') {
    if (!current.$ref.startsWith('#/')) throw new Error(`Only local $refs can be resolved, got ${current.$ref}`);
    current = current.$ref
      .slice(2)
      .split('/')
      .map((/** @type {string} */ part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((/** @type {any} */ target, /** @type {string} */ key) => target?.[key], document);
  }
  return current;
}

/** @param {string} segment */
export const escapePointer = (segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
