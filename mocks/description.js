// Reads the bundled description once and derives everything the mock needs per operation: Prism's
// view of it (for negotiation and output validation), the request-body schema, the declared statuses
// and the named examples (the scenarios), and the refusal envelopes the description itself declares.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/**
 * `source`: a path to the description (default: the shipped one), or `{ text }`, its YAML or JSON text
 * (a bundle that embeds the description has no file to read).
 */
export async function loadDescription(prism, source) {
  const path = typeof source === 'object' && source !== null ? (source.path ?? '(text)') : (source ?? bundledDescriptionPath());
  const text = typeof source === 'object' && source !== null && typeof source.text === 'string' ? source.text : readFileSync(path, 'utf8');
  const document = prism.yaml.parse(text);
  const resources = await prism.http.getHttpOperationsFromSpec(structuredClone(document));
  const operations = resources.map((resource) => describeOperation(document, resource));
  return {
    path,
    document,
    operations,
    errorCodes: new Map((document['x-vlens-error-codes'] ?? []).map((entry) => [entry.code, entry])),
    refusalModels: collectRefusalModels(operations),
  };
}

function describeOperation(document, resource) {
  const operation = document.paths[resource.path][resource.method];
  const requestBody = resolveRef(document, operation.requestBody);
  const jsonBody = requestBody?.content?.['application/json'];
  const responses = resource.responses.map((response) => ({
    status: Number(response.code),
    examples: (response.contents ?? []).flatMap((content) =>
      (content.examples ?? []).map((example) => ({ name: example.key, summary: example.summary ?? '', value: example.value })),
    ),
  }));
  return {
    id: resource.iid ?? operation.operationId,
    method: resource.method.toUpperCase(),
    path: resource.path,
    resource,
    security: resource.security ?? [],
    hasBody: Boolean(jsonBody),
    bodyRequired: Boolean(requestBody?.required),
    bodyMediaTypes: Object.keys(requestBody?.content ?? {}),
    bodySchemaPointer: jsonBody
      ? `#/paths/${escapePointer(resource.path)}/${resource.method}/requestBody/content/application~1json/schema`
      : null,
    parameters: declaredParameters(document, resource),
    statuses: new Set(responses.map((response) => response.status)),
    responses,
    defaultScenario: responses.find((response) => response.status < 300)?.examples[0]?.name ?? null,
  };
}

/** Operation and path-level parameters, each with a JSON pointer to its schema in the document. */
function declaredParameters(document, resource) {
  const pathPointer = `#/paths/${escapePointer(resource.path)}`;
  const lists = [
    [`${pathPointer}/parameters`, document.paths[resource.path].parameters],
    [`${pathPointer}/${resource.method}/parameters`, document.paths[resource.path][resource.method].parameters],
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
