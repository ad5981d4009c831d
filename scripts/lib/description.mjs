// Reads the bundled description and derives what other tools need from it: the scenario list
// per operation and the error-code table. Pure functions over the parsed document.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { resolveRef } from '../../mocks/model/describe.js';

/** @import { ErrorCodeEntry } from '../../mocks/types.js' */

/**
 * A node of the parsed description: YAML data whose shape `npm run lint` checks against OpenAPI 3.1,
 * not these types (the mock's model reads it the same way).
 * @typedef {Record<string, any>} DescriptionNode
 */

/**
 * An operation object of the description: the members every operation has (lint requires an
 * operationId and responses), and any other as YAML data.
 * @typedef {DescriptionNode & { operationId: string, responses: Record<string, DescriptionNode> }} OperationNode
 */

/**
 * One operation of the description, where it is declared.
 * @typedef {{ path: string, method: string, operation: OperationNode }} OperationEntry
 */

/**
 * A named response example of an operation. `shared`: the name of the shared response
 * (`#/components/responses/...`) it comes from, or null when the operation declares it.
 * @typedef {{ status: number, mediaType: string, name: string, summary: string, shared: string | null }} Scenario
 */

/** @typedef {{ operationId: string, method: string, path: string, scenarios: Scenario[] }} OperationScenarios */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SOURCE_PATH = `${ROOT}openapi/openapi.yaml`;
export const BUNDLE_PATH = `${ROOT}generated/openapi.yaml`;
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * @param {string} [path] a YAML description; default the bundle `npm run bundle` writes
 * @returns {DescriptionNode}
 */
export function loadBundle(path = BUNDLE_PATH) {
  return parse(readFileSync(path, 'utf8'));
}

// One implementation of $ref resolution, shared with the mock (which ships in the package).
export { resolveRef } from '../../mocks/model/describe.js';

/**
 * @param {DescriptionNode} doc
 * @returns {OperationEntry[]} in the order of `paths`, then of HTTP_METHODS
 */
export function listOperations(doc) {
  /** @type {OperationEntry[]} */
  const operations = [];
  for (const [path, item] of Object.entries(/** @type {Record<string, DescriptionNode>} */ (doc.paths ?? {}))) {
    for (const method of HTTP_METHODS) {
      if (item[method]) operations.push({ path, method, operation: item[method] });
    }
  }
  return operations;
}

/**
 * Every named response example, per operation and status, in description order. The first example
 * of the first 2xx response is what Prism answers when no scenario is asked for.
 * @param {DescriptionNode} doc
 * @returns {OperationScenarios[]}
 */
export function listScenarios(doc) {
  return listOperations(doc).map(({ path, method, operation }) => {
    /** @type {Scenario[]} */
    const scenarios = [];
    for (const [status, responseOrRef] of Object.entries(/** @type {Record<string, DescriptionNode>} */ (operation.responses ?? {}))) {
      const response = resolveRef(doc, responseOrRef);
      const shared = responseOrRef.$ref ? responseOrRef.$ref.split('/').pop() : null;
      for (const [mediaType, media] of Object.entries(/** @type {Record<string, DescriptionNode>} */ (response?.content ?? {}))) {
        for (const [name, exampleOrRef] of Object.entries(/** @type {Record<string, DescriptionNode>} */ (media.examples ?? {}))) {
          const example = resolveRef(doc, exampleOrRef);
          scenarios.push({ status: Number(status), mediaType, name, summary: example.summary ?? '', shared });
        }
      }
    }
    return { operationId: operation.operationId, method: method.toUpperCase(), path, scenarios };
  });
}

/** @param {unknown} text */
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The error-code catalogue (`x-vlens-error-codes`) as a Markdown table.
 * @param {ErrorCodeEntry[]} codes
 */
export function renderErrorCodeTable(codes) {
  const lines = ['| Code | Name | Meaning | Message for the user | Retry |', '|---|---|---|---|---|'];
  for (const entry of codes) {
    lines.push(`| ${entry.code} | ${cell(entry.name)} | ${cell(entry.meaning)} | ${cell(entry.userMessage)} | ${cell(entry.retry)} |`);
  }
  return lines.join('\n');
}

/**
 * The scenarios as two Markdown tables: each operation's own, then the shared error answers with the
 * operations that have them.
 * @param {OperationScenarios[]} operations
 */
export function renderScenarioTable(operations) {
  const lines = ['| Operation | Status | Scenario | What it answers |', '|---|---|---|---|'];
  /** @type {Map<string, Scenario & { operations: string[] }>} */
  const shared = new Map();
  for (const { operationId, method, path, scenarios } of operations) {
    scenarios
      .filter((scenario) => !scenario.shared)
      .forEach((scenario, index) => {
        const label = index === 0 ? `\`${operationId}\` (${method} \`${path}\`)` : '';
        const name = index === 0 ? `\`${scenario.name}\` (default)` : `\`${scenario.name}\``;
        lines.push(`| ${label} | ${scenario.status} | ${name} | ${cell(scenario.summary)} |`);
      });
    for (const scenario of scenarios.filter((candidate) => candidate.shared)) {
      const key = `${scenario.status} ${scenario.name}`;
      const entry = shared.get(key) ?? { ...scenario, operations: [] };
      shared.set(key, entry);
      entry.operations.push(operationId);
    }
  }
  lines.push('', '| Error status | Scenario | What it answers | Operations |', '|---|---|---|---|');
  const everyOperation = operations.length;
  for (const scenario of [...shared.values()].sort((a, b) => a.status - b.status)) {
    const where = scenario.operations.length === everyOperation ? 'all' : scenario.operations.map((id) => `\`${id}\``).join(', ');
    lines.push(`| ${scenario.status} | \`${scenario.name}\` | ${cell(scenario.summary)} | ${where} |`);
  }
  return lines.join('\n');
}
