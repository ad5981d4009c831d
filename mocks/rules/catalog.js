// The catalog (`GET /__vlens/scenarios`, the banner, the docs): every operation's scenarios and what
// the sandbox does with it, in prose derived from the rules' declarations (rules/operations.js), never
// written a second time.
import { FAULTS } from '../engine/faults.js';
import { magicCatalog } from './magic.js';
import { REPLAY, RULES, STEP_OPERATIONS } from './operations.js';

/** @import { OperationRule } from './decide.js' */
/** @import { FlowStep } from './magic.js' */
/** @import { DescriptionModel, OperationModel, SandboxLimits } from '../types.js' */

/** @type {Map<string, FlowStep>} */
const STEP_OF = new Map(Object.entries(STEP_OPERATIONS).flatMap(([step, ids]) => ids.map((id) => [id, /** @type {FlowStep} */ (step)])));

/**
 * The flow step an operation answers for, if any.
 * @param {string} operationId
 */
export const stepOf = (operationId) => STEP_OF.get(operationId) ?? null;

/**
 * The rule of an operation in the mode the sandbox runs in.
 * @param {string} operationId
 * @param {boolean} stateless
 * @returns {OperationRule<any>}
 */
export const ruleOf = (operationId, stateless) => (stateless ? REPLAY : (RULES[operationId] ?? REPLAY));

/**
 * What the sandbox does with an operation, in sentences: its summary, its refusals and when, its
 * natural outcome, its effects, and whose outcomes apply.
 * @param {OperationRule<any>} rule
 * @param {OperationModel} operation
 */
export function describeRule(rule, operation) {
  const sentences = [rule.summary];
  if (rule.refusals?.length) {
    sentences.push(`Refuses with ${rule.refusals.map((refusal) => `${refusalName(refusal.scenario, operation)} when ${refusal.when}`).join('; ')}.`);
  }
  const fallback = operation.defaultScenario ? `${operation.defaultScenario}` : 'a generated answer';
  sentences.push(rule.natural ? `Otherwise: ${rule.natural.summary}; else ${fallback}.` : `Otherwise: ${fallback}.`);
  if (rule.effects) sentences.push(`State: ${rule.effects.summary}.`);
  const step = stepOf(operation.id);
  if (rule.outcomes && step) sentences.push(`Outcomes planned for the transaction and magic values of the ${step} step apply.`);
  return sentences.join(' ');
}

/**
 * @param {string | [number, string][]} scenario
 * @param {OperationModel} operation
 */
function refusalName(scenario, operation) {
  const candidates = typeof scenario === 'string' ? [scenario] : scenario.map(([, name]) => name);
  const has = (/** @type {string} */ name) => operation.responses.some((response) => response.examples.some((example) => example.name === name));
  return candidates.find(has) ?? 'invalidRequest';
}

/**
 * The scenario names a flow step accepts, over every operation of that step the description has.
 * @param {DescriptionModel} model
 * @param {FlowStep} step
 */
export function stepScenarios(model, step) {
  const names = new Set();
  for (const id of STEP_OPERATIONS[step] ?? []) {
    const operation = model.operations.find((candidate) => candidate.id === id);
    for (const response of operation?.responses ?? []) for (const example of response.examples) names.add(example.name);
  }
  return /** @type {string[]} */ ([...names]);
}

/**
 * The catalog as `GET /__vlens/scenarios` answers it.
 * @param {DescriptionModel} model
 * @param {{ stateless: boolean, strictTokens: boolean, otp: string, limits: SandboxLimits }} settings
 */
export function catalogView(model, { stateless, strictTokens, otp, limits }) {
  return {
    mode: stateless ? 'stateless' : 'sandbox',
    strictTokens,
    otp,
    operations: model.operations.map((operation) => {
      const step = stepOf(operation.id);
      return {
        operationId: operation.id,
        method: operation.method,
        path: operation.path,
        token: operation.token,
        step: step === 'login' ? null : step,
        rules: describeRule(ruleOf(operation.id, stateless), operation),
        scenarios: operation.responses.flatMap((response) =>
          response.examples.map((example) => ({
            status: response.status,
            name: example.name,
            summary: example.summary,
            default: response.status === operation.defaultStatus && example.name === operation.defaultScenario,
          })),
        ),
      };
    }),
    magicValues: magicCatalog(),
    faults: Object.entries(FAULTS).map(([fault, text]) => ({ fault, description: text })),
    limits: {
      imageBudgetBytes: limits.imageBudgetBytes,
      journalLimit: limits.journalLimit,
      transactionTtlSeconds: limits.transactionTtlSeconds,
      maxTenants: limits.maxTenants,
      maxTransactionsPerTenant: limits.maxTransactionsPerTenant,
      maxUsersPerTenant: limits.maxUsersPerTenant,
    },
  };
}
