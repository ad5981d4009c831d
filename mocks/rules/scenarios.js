// An operation's scenarios as the rules see them: each named example with what it says about the
// outcome (a step that succeeded or failed, a verdict, a refusal that changes nothing), derived from the
// example's own value, so a new example of the description takes part in the flow without code.
import { errorCodeOf } from '../answers/refusals.js';

/** @import { ExampleValues, OperationModel } from '../types.js' */

/**
 * @typedef {object} Scenario
 * @property {number} status
 * @property {string} name
 * @property {string} summary
 * @property {any} value the example's value
 * @property {boolean} isDefault
 * @property {'step' | 'none'} effect whether answering it records a step of the flow
 * @property {boolean} succeeded
 * @property {boolean} validated
 * @property {boolean} verified
 */

/**
 * @typedef {object} ScenarioSet
 * @property {Scenario[]} all
 * @property {Scenario | null} default what answers when nothing asks for another
 * @property {(name: string, status?: number) => Scenario | null} get by name (and status, where two statuses share a name)
 * @property {(test: (value: any) => boolean) => Scenario | null} successWhere the first success whose example satisfies `test`
 */

/** @param {number} status */
export const isSuccessStatus = (status) => status >= 200 && status < 300;

/** @param {any} value */
function validationErrors(value) {
  const services = value?.services;
  return [...(services?.Validations?.validation_errors ?? []), ...(services?.validations?.validation_errors ?? [])];
}

/**
 * What an example says about the step it answers.
 * @param {number} status
 * @param {any} value
 * @param {string | null} step
 * @returns {Pick<Scenario, 'effect' | 'succeeded' | 'validated' | 'verified'>}
 */
function classify(status, value, step) {
  const none = { effect: /** @type {const} */ ('none'), succeeded: false, validated: false, verified: false };
  if (!isSuccessStatus(status)) return none;
  const code = errorCodeOf(value);
  // 5004 (TransactionInvalid) answers a request about a transaction the flow does not know or cannot use yet.
  if (code === 5004) return none;
  const data = value?.data ?? null;
  const validated = data?.isVerificationProcessCompleted === true;
  const verified = validated && data?.isDigitalIdentityVerified === true;
  const succeeded = step === 'liveness' || step === 'link' ? validated && code === null : code === null && validationErrors(value).length === 0;
  return { effect: 'step', succeeded, validated, verified };
}

/**
 * @param {OperationModel} operation
 * @param {ExampleValues} values
 * @param {string | null} step the flow step the operation answers for
 * @returns {ScenarioSet}
 */
export function scenarioSet(operation, values, step) {
  /** @type {Scenario[]} */
  const all = operation.responses.flatMap((response) =>
    response.examples.map((example) => {
      const value = values[String(response.status)]?.[example.name];
      return { status: response.status, name: example.name, summary: example.summary, value, isDefault: false, ...classify(response.status, value, step) };
    }),
  );
  const defaultScenario = all.find((scenario) => isSuccessStatus(scenario.status)) ?? all[0] ?? null;
  if (defaultScenario) defaultScenario.isDefault = true;
  // The rules look scenarios up by name on every request: each name's scenarios, in the order of `all`.
  /** @type {Map<string, Scenario[]>} */
  const byName = new Map();
  for (const scenario of all) {
    const named = byName.get(scenario.name);
    if (named) named.push(scenario);
    else byName.set(scenario.name, [scenario]);
  }
  return {
    all,
    default: defaultScenario,
    get(name, status) {
      const named = byName.get(name);
      if (!named) return null;
      if (status === undefined) return /** @type {Scenario} */ (named[0]);
      for (const scenario of named) if (scenario.status === status) return scenario;
      return null;
    },
    successWhere: (test) => all.find((scenario) => isSuccessStatus(scenario.status) && test(scenario.value)) ?? null,
  };
}

/**
 * A success with no error code: its example's effects (tokens, users, OTP requests) happen.
 * @param {Scenario} scenario
 */
export const isCleanSuccess = (scenario) => isSuccessStatus(scenario.status) && errorCodeOf(scenario.value) === null;

/**
 * A success that hands out an access token.
 * @param {Scenario} scenario
 */
export const grantsToken = (scenario) => isCleanSuccess(scenario) && typeof scenario.value?.data?.accessToken === 'string';
