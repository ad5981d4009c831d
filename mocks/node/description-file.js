// The description the Node mock serves: the shipped one (its model and validators were generated and
// checked at build time), or another one given as a path or as text, described and compiled here at
// start and checked for drift (an example that no longer matches its schema stops the mock, unless
// the check is turned off: then that example answers 500 naming it).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compileAtRunTime } from '../model/compile.js';
import { describe } from '../model/describe.js';
import { shippedDescription } from '../model/shipped.js';
import { ExampleDriftError, findDrifts } from './drift.js';
import { createResponseValidator } from './response-validation.js';

/** @import { DescriptionSource } from '../types.js' */
/** @import { ResponseValidator } from './response-validation.js' */

/** Path of the description shipped in this package. A function, not a constant: a CommonJS bundle has no import.meta. */
export const bundledDescriptionPath = () => fileURLToPath(new URL('../../generated/openapi.yaml', import.meta.url));

/**
 * @typedef {object} DescriptionChoice
 * @property {string} [description] path of an OpenAPI 3.1 description (YAML or JSON)
 * @property {string} [descriptionText] its text instead (wins over `description`)
 * @property {boolean} [checkExamples] check every named example at start (default true)
 */

/**
 * The description source to serve, and how to get the parsed document (for Prism's generator and
 * the response validator), loaded only when needed.
 * @param {DescriptionChoice} choice
 * @returns {{ source: DescriptionSource, document: () => Record<string, any>, responseValidator: () => ResponseValidator }}
 */
export function loadDescription({ description, descriptionText, checkExamples = true }) {
  const shipped = shippedDescription();
  const text = descriptionText ?? (description !== undefined ? readFileSync(description, 'utf8') : null);
  const sha256 = text === null ? shipped.model.sha256 : createHash('sha256').update(text).digest('hex');
  if (sha256 === shipped.model.sha256) {
    /** @type {Record<string, any> | undefined} */
    let document;
    /** @type {ResponseValidator | undefined} */
    let validator;
    const documentOf = () => (document ??= parse(text ?? readFileSync(bundledDescriptionPath(), 'utf8')));
    return { source: shipped, document: documentOf, responseValidator: () => (validator ??= createResponseValidator(documentOf())) };
  }
  const document = parse(/** @type {string} */ (text));
  const { model, examples } = describe(document, { sha256 });
  const validators = compileAtRunTime(document, model);
  const responseValidator = createResponseValidator(document);
  if (checkExamples) {
    const drifts = findDrifts(document, model, examples, responseValidator, validators);
    if (drifts.length > 0) throw new ExampleDriftError(drifts);
  }
  /** @type {DescriptionSource} */
  const source = {
    model,
    examples: async (operationId) => examples[operationId] ?? {},
    validators: async (operationId) => validators(operationId),
  };
  if (!checkExamples) source.checkAnswer = (operation, status, body) => responseValidator.violations(operation, status, body);
  return { source, document: () => document, responseValidator: () => responseValidator };
}
