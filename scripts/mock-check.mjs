#!/usr/bin/env node
// Checks every example of the shipped description (generated/openapi.yaml) against its schema, with
// the mock's own check and with Prism's response validation. `npm run generate` runs it before it
// writes the engine's model (scripts/generate-model.mjs): a description whose examples drift is never
// shipped, and the sandbox serves the shipped one without checking it at start. Run alone, it reports.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { compileAtRunTime } from '../mocks/model/compile.js';
import { describe } from '../mocks/model/describe.js';
import { ExampleDriftError, findDrifts } from '../mocks/node/drift.js';
import { createPrismGenerator } from '../mocks/node/generation.js';
import { loadPrism } from '../mocks/node/prism.js';
import { createResponseValidator } from '../mocks/node/response-validation.js';
import { BUNDLE_PATH } from './lib/description.mjs';

/** @import { AnswerGenerator, OperationModel } from '../mocks/types.js' */

/**
 * Prism's own answer to one request, unchecked by the mock: its status, and its validator's errors.
 * @typedef {(operation: OperationModel, mock: { code: number | undefined, dynamic: boolean, exampleKey?: string })
 *   => Promise<{ status: number, violations: { message: string }[] }>} AskPrism
 */

/**
 * Prism's opinion of every named example: the answer it gives and the violations its validator finds.
 * @param {Record<string, any>} document
 * @param {import('../mocks/types.js').DescriptionModel} model
 */
async function prismDrifts(document, model) {
  const responseValidator = createResponseValidator(document);
  // createPrismGenerator attaches `ask` to the generator it returns (Object.assign), but declares
  // only AnswerGenerator.
  const generator = /** @type {AnswerGenerator & { ask: AskPrism }} */ (
    createPrismGenerator({ prism: () => loadPrism(), document: () => document, model, responseValidator: () => responseValidator })
  );
  /** @type {string[]} */
  const drifts = [];
  for (const operation of model.operations) {
    for (const response of operation.responses) {
      for (const example of response.examples) {
        const where = `${operation.id} ${response.status} "${example.name}"`;
        const answer = await generator.ask(operation, { code: response.status, exampleKey: example.name, dynamic: false });
        if (answer.status !== response.status) drifts.push(`${where}: Prism answered ${answer.status}`);
        for (const violation of answer.violations) drifts.push(`${where}: Prism: ${violation.message}`);
      }
    }
  }
  return drifts;
}

/**
 * Every drift of a description's text, by the mock's check and by Prism's; throws ExampleDriftError
 * listing them all.
 * @param {string} text
 */
export async function checkDescription(text) {
  const document = parse(text);
  const { model, examples } = describe(document);
  const drifts = [...findDrifts(document, model, examples, createResponseValidator(document), compileAtRunTime(document, model)), ...(await prismDrifts(document, model))];
  if (drifts.length > 0) throw new ExampleDriftError(drifts);
  return `${model.operations.length} operations, every example checked`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await checkDescription(readFileSync(BUNDLE_PATH, 'utf8')));
}
