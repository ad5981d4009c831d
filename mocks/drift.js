// An example that no longer matches its schema must fail loudly, the way `prism mock --errors` turns a
// response violation into an error. Every named example of a description is checked once: when the
// shipped description's record is written (scripts/mock-check.mjs), and at start for any other
// description (the mock then refuses to start). A drifted answer met at run time (with the start-up
// check turned off) is a 500 naming the example and the violations.
import { resolveRef } from './description.js';

export class ExampleDriftError extends Error {
  constructor(drifts) {
    super(
      `The description's examples do not match their schemas (${drifts.length}):\n` +
        drifts.map((drift) => `  - ${drift}`).join('\n'),
    );
    this.name = 'ExampleDriftError';
    this.drifts = drifts;
  }
}

/**
 * The 500 a drifted answer becomes; `violations` as the response validator gives them (`{ field, message }`).
 * `subject` says what drifted when it is not a named example (`"generated 200 answer"`).
 */
export function describeDrift(description, operation, name, status, violations, subject = `${status} example "${name}"`) {
  const model = description.refusalModels.internalError;
  return {
    status: 500,
    scenario: `drift:${name}`,
    drift: true,
    body: {
      ...model,
      error_message: `Mock description error: the ${subject} of ${operation.id} does not match its schema.`,
      error_descriptions: violations.slice(0, 20).map(({ field, message }) => ({ field, message })),
    },
  };
}

/**
 * Every drift of the description: each named response example against its status's schema, each
 * request example against its body schema. `[]` when there is none; each entry names the operation,
 * the status and the example.
 */
export function findDrifts(description, responseValidator, validators) {
  const drifts = [];
  for (const operation of description.operations) {
    for (const response of operation.responses) {
      for (const example of response.examples) {
        for (const violation of responseValidator.violations(operation, response.status, example.value)) {
          drifts.push(`${operation.id} ${response.status} "${example.name}": ${violation.message}`);
        }
      }
    }
    for (const [name, example] of requestExamples(description.document, operation)) {
      for (const violation of validators.body(operation, example)) {
        drifts.push(`${operation.id} request example "${name}": ${violation.field}: ${violation.message}`);
      }
    }
  }
  return drifts;
}

/** Throws ExampleDriftError listing every drift of the description. */
export function checkExamples(description, responseValidator, validators) {
  const drifts = findDrifts(description, responseValidator, validators);
  if (drifts.length > 0) throw new ExampleDriftError(drifts);
}

function requestExamples(document, operation) {
  const body = resolveRef(document, document.paths[operation.path][operation.method.toLowerCase()].requestBody);
  return Object.entries(body?.content?.['application/json']?.examples ?? {})
    .map(([name, example]) => [name, resolveRef(document, example)])
    .filter(([, example]) => example && 'value' in example)
    .map(([name, example]) => [name, example.value]);
}
