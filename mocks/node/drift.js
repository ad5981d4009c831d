// An example that no longer matches its schema must fail loudly, the way `prism mock --errors` turns a
// response violation into an error. Every named example of the shipped description is checked when
// `npm run generate` writes its model (scripts/mock-check.mjs); any other description is checked when
// the mock starts (the mock then refuses to start). A drifted answer met at run time (with the
// start-up check turned off) is a 500 naming the example and the violations.
import { resolveRef } from '../model/describe.js';
import { checkBody } from '../front/schema.js';

/** @import { DescriptionModel, ExampleValues, OperationValidators } from '../types.js' */
/** @import { ResponseValidator } from './response-validation.js' */

/** The description's examples do not match their schemas; `drifts` lists each. */
export class ExampleDriftError extends Error {
  /** @param {string[]} drifts */
  constructor(drifts) {
    super(`The description's examples do not match their schemas (${drifts.length}):\n${drifts.map((drift) => `  - ${drift}`).join('\n')}`);
    this.name = 'ExampleDriftError';
    this.drifts = drifts;
  }
}

/**
 * Every drift of a description: each named response example against its status's schema, each
 * request example against its body schema. `[]` when there is none; each entry names the operation,
 * the status and the example.
 * @param {Record<string, any>} document
 * @param {DescriptionModel} model
 * @param {Record<string, ExampleValues>} examples
 * @param {ResponseValidator} responseValidator
 * @param {(operationId: string) => OperationValidators} validators
 */
export function findDrifts(document, model, examples, responseValidator, validators) {
  const drifts = [];
  for (const operation of model.operations) {
    for (const response of operation.responses) {
      for (const example of response.examples) {
        const value = examples[operation.id]?.[String(response.status)]?.[example.name];
        for (const violation of responseValidator.violations(operation, response.status, value)) {
          drifts.push(`${operation.id} ${response.status} "${example.name}": ${violation.message}`);
        }
      }
    }
    const body = resolveRef(document, document.paths[operation.path][operation.method.toLowerCase()].requestBody);
    for (const [name, exampleOrRef] of Object.entries(body?.content?.['application/json']?.examples ?? {})) {
      const example = resolveRef(document, exampleOrRef);
      if (!example || !('value' in example)) continue;
      for (const violation of checkBody(validators(operation.id), operation, example.value)) {
        drifts.push(`${operation.id} request example "${name}": ${violation.field}: ${violation.message}`);
      }
    }
  }
  return drifts;
}
