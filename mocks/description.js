// Reads the description once and derives everything the mock needs per operation: the security
// alternatives, the request-body schema, the declared statuses, the named examples (the scenarios) with
// the schema each answer must match, and the refusal envelopes the description itself declares.
//
// The shipped description is read from its checked record (mocks/checked-description.js, written by
// scripts/mock-check.mjs) when its text is the one recorded: no YAML to parse, no examples to check.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHECKED_DESCRIPTION } from './checked-description.js';

/** Path of the description shipped in this package. A function, not a constant: a CommonJS bundle has no import.meta. */
export const bundledDescriptionPath = () => fileURLToPath(new URL('../generated/openapi.yaml', import.meta.url));

/** The examples the mock's own refusals are modelled on, by the status they answer with. */
export const REFUSAL_MODELS = {
  invalidRequest: 400,
  invalidBase64: 400,
  malformedJson: 400,
  unauthorized: 401,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  internalError: 500,
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** SHA-256 (hex) of a description's text: what the checked record is keyed by. */
export const descriptionHash = (text) => createHash('sha256').update(text).digest('hex');

/**
 * `source`: a path to the description (default: the shipped one), or `{ text }`, its YAML or JSON text
 * (a bundle that embeds the description has no file to read). `prism` gives the YAML parser, loaded
 * only for a text that is not the recorded one. `checked` tells whether the text is the recorded one,
 * whose examples were checked when the record was written.
 */
export function loadDescription(prism, source) {
  const path = typeof source === 'object' && source !== null ? (source.path ?? '(text)') : (source ?? bundledDescriptionPath());
  const text = typeof source === 'object' && source !== null && typeof source.text === 'string' ? source.text : readFileSync(path, 'utf8');
  const sha256 = descriptionHash(text);
  const checked = sha256 === CHECKED_DESCRIPTION.sha256;
  const document = checked ? JSON.parse(CHECKED_DESCRIPTION.json) : prism.yaml.parse(text);
  return describe(document, { path, sha256, checked });
}

/** The mock's view of a parsed description (pure: no Prism). */
export function describe(document, { path = '(document)', sha256 = null, checked = false } = {}) {
  const operations = [];
  for (const [pathName, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) if (item[method]) operations.push(describeOperation(document, pathName, method));
  }
  return {
    path,
    sha256,
    checked,
    document,
    operations,
    errorCodes: new Map((document['x-vlens-error-codes'] ?? []).map((entry) => [entry.code, entry])),
    refusalModels: collectRefusalModels(operations),
  };
}

function describeOperation(document, path, method) {
  const operation = document.paths[path][method];
  const operationPointer = `#/paths/${escapePointer(path)}/${method}`;
  const requestBody = resolveRef(document, operation.requestBody);
  const jsonBody = requestBody?.content?.['application/json'];
  const responses = describeResponses(document, operation, operationPointer);
  const successes = responses.filter((response) => response.status >= 200 && response.status < 300).sort((a, b) => a.status - b.status);
  return {
    id: operation.operationId ?? `${method.toUpperCase()} ${path}`,
    method: method.toUpperCase(),
    path,
    security: securityAlternatives(document, operation),
    hasBody: Boolean(jsonBody),
    bodyRequired: Boolean(requestBody?.required),
    bodyMediaTypes: Object.keys(requestBody?.content ?? {}),
    bodySchemaPointer: jsonBody ? `${operationPointer}/requestBody/content/application~1json/schema` : null,
    parameters: declaredParameters(document, path, method),
    statuses: new Set(responses.map((response) => response.status)),
    responses,
    // What Prism answers when no scenario is asked for: the lowest 2xx, its first example.
    defaultStatus: successes[0]?.status ?? null,
    defaultScenario: successes[0]?.examples[0]?.name ?? null,
  };
}

/**
 * Each declared status with its named examples (in description order) and a JSON pointer to the
 * schema its answers must match. `default` and ranges such as `4XX` name no status a request can ask
 * for, so they are not scenarios.
 */
function describeResponses(document, operation, operationPointer) {
  const responses = [];
  for (const [code, responseOrRef] of Object.entries(operation.responses ?? {})) {
    if (!/^[1-5]\d\d$/.test(code)) continue;
    const response = resolveRef(document, responseOrRef);
    const base = responseOrRef.$ref ?? `${operationPointer}/responses/${code}`;
    const [mediaType, media] = Object.entries(response?.content ?? {}).find(([type]) => /[/+]json\b/i.test(type)) ?? [];
    responses.push({
      status: Number(code),
      mediaType: mediaType ?? null,
      schemaPointer: media?.schema ? `${base}/content/${escapePointer(mediaType)}/schema` : null,
      examples: Object.entries(media?.examples ?? {})
        .map(([name, exampleOrRef]) => ({ name, example: resolveRef(document, exampleOrRef) }))
        .filter(({ example }) => example && 'value' in example)
        .map(({ name, example }) => ({ name, summary: example.summary ?? '', value: example.value })),
    });
  }
  return responses;
}

/**
 * The operation's security (or the document's) as a list of alternatives, each a list of schemes
 * `{ key, type, in, name, scheme }`; a request passes when one alternative passes. `[]`: none needed.
 */
function securityAlternatives(document, operation) {
  const requirements = operation.security ?? document.security ?? [];
  return requirements.map((requirement) =>
    Object.keys(requirement).map((key) => ({ key, ...resolveRef(document, document.components?.securitySchemes?.[key]) })),
  );
}

/** Operation and path-level parameters, each with a JSON pointer to its schema in the document. */
function declaredParameters(document, path, method) {
  const pathPointer = `#/paths/${escapePointer(path)}`;
  const lists = [
    [`${pathPointer}/parameters`, document.paths[path].parameters],
    [`${pathPointer}/${method}/parameters`, document.paths[path][method].parameters],
  ];
  const byKey = new Map();
  for (const [listPointer, list] of lists) {
    (list ?? []).forEach((entry, index) => {
      const pointer = entry.$ref ?? `${listPointer}/${index}`;
      const parameter = resolveRef(document, entry);
      // An operation-level parameter overrides a path-level one of the same name and location.
      byKey.set(`${parameter.in} ${parameter.name.toLowerCase()}`, {
        name: parameter.name,
        in: parameter.in,
        required: Boolean(parameter.required),
        schemaPointer: `${pointer}/schema`,
      });
    });
  }
  return [...byKey.values()];
}

function collectRefusalModels(operations) {
  const models = {};
  for (const [name, status] of Object.entries(REFUSAL_MODELS)) {
    const example = operations
      .flatMap((operation) => operation.responses)
      .filter((response) => response.status === status)
      .flatMap((response) => response.examples)
      .find((candidate) => candidate.name === name);
    if (!example) throw new Error(`The description has no ${status} example named "${name}", which the mock's refusals are modelled on`);
    models[name] = example.value;
  }
  return models;
}

/** Follows local `$ref`s (`#/...`) to the object they point at. */
export function resolveRef(document, node) {
  let current = node;
  while (current && typeof current.$ref === 'string') {
    if (!current.$ref.startsWith('#/')) throw new Error(`Only local $refs can be resolved, got ${current.$ref}`);
    current = current.$ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((target, key) => target?.[key], document);
  }
  return current;
}

const escapePointer = (segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Prism's own view of each operation (its `IHttpOperation`), by operation id: what Prism needs to
 * generate an answer. Loads Prism; only dynamic answers and statuses without an example need it.
 */
export async function prismOperations(prism, description) {
  const resources = await prism.http.getHttpOperationsFromSpec(structuredClone(description.document));
  const byRoute = new Map(resources.map((resource) => [`${resource.method.toUpperCase()} ${resource.path}`, resource]));
  return new Map(description.operations.map((operation) => [operation.id, byRoute.get(`${operation.method} ${operation.path}`)]));
}

/** Every scenario of every operation, for the CLI banner and the README. */
export function scenarioSummary(operations) {
  return operations.map((operation) => ({
    id: operation.id,
    method: operation.method,
    path: operation.path,
    scenarios: operation.responses.flatMap((response) =>
      response.examples.map((example) => ({ status: response.status, name: example.name, summary: example.summary })),
    ),
  }));
}
