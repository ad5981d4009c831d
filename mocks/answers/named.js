// The answers of scenarios: a named example of the description, served as it stands (its serialised
// form is kept and shared between requests), or, where no example gives the answer (`Prefer:
// dynamic=true`, a status without an example), one the generator makes from the schema (Stoplight
// Prism on Node). Without a generator, such a request gets a 501 that names what to install.

/** @import { Answer, AnswerGenerator, DescriptionModel, DescriptionSource, OperationModel, Violation } from '../types.js' */
/** @typedef {{ code?: number, exampleKey?: string, dynamic?: boolean }} Scenario */

export const GENERATOR_PACKAGE = '@stoplight/prism-cli';

/**
 * @param {DescriptionSource} source
 * @param {{ generator?: AnswerGenerator, warn?: (message: string) => void }} options
 */
export function createAnswers(source, { generator, warn }) {
  // By operation id, then status (or ''), then example name (or ''): no key is built per request.
  /** @type {Map<string, Map<number | '', Map<string, Answer>>>} */
  const kept = new Map();

  /**
   * @param {OperationModel} operation
   * @param {Scenario} scenario
   */
  function keptFor(operation, scenario) {
    let byStatus = kept.get(operation.id);
    if (!byStatus) kept.set(operation.id, (byStatus = new Map()));
    const code = scenario.code ?? '';
    let byName = byStatus.get(code);
    if (!byName) byStatus.set(code, (byName = new Map()));
    return byName;
  }

  /**
   * @param {OperationModel} operation
   * @param {Scenario} scenario
   * @returns {Promise<Answer>}
   */
  async function generated(operation, scenario) {
    const status = scenario.code ?? operation.defaultStatus ?? undefined;
    if (!generator) return notGenerated(source.model, operation, status, Boolean(scenario.dynamic));
    return reported(await generator(operation, { status, dynamic: Boolean(scenario.dynamic) }));
  }

  /** @param {Answer} answer */
  function reported(answer) {
    if (answer.scenario.startsWith('drift:')) warn?.(String(/** @type {{ error_message?: unknown }} */ (answer.body)?.error_message));
    return answer;
  }

  /**
   * The kept answer of a scenario's named example, once answerFor has loaded it; undefined before, and
   * for an answer that is generated or drifted.
   * @param {OperationModel} operation
   * @param {Scenario} scenario
   * @returns {Answer | undefined}
   */
  function keptAnswer(operation, scenario) {
    if (scenario.dynamic) return undefined;
    return kept
      .get(operation.id)
      ?.get(scenario.code ?? '')
      ?.get(scenario.exampleKey ?? '');
  }

  return {
    kept: keptAnswer,
    /**
     * The answer of a scenario (`{ code, exampleKey, dynamic }`): `{ status, body, payload, scenario }`.
     * Answers of named examples are shared between requests: copy `body` before changing it.
     * @param {OperationModel} operation
     * @param {Scenario} scenario
     * @returns {Promise<Answer>}
     */
    async answerFor(operation, scenario) {
      if (scenario.dynamic) return generated(operation, scenario);
      const cached = keptAnswer(operation, scenario);
      if (cached) return cached;
      const status = scenario.code ?? operation.defaultStatus;
      const names = operation.responses.find((response) => response.status === status)?.examples ?? [];
      const name = scenario.exampleKey ?? names[0]?.name;
      if (status === null || name === undefined) return generated(operation, scenario);
      const values = await source.examples(operation.id);
      const body = values[String(status)]?.[name];
      const violations = source.checkAnswer?.(operation, status, body) ?? [];
      if (violations.length > 0) return reported(driftAnswer(source.model, operation, name, status, violations));
      const answer = { status, body, payload: JSON.stringify(body), scenario: name };
      keptFor(operation, scenario).set(scenario.exampleKey ?? '', answer);
      return answer;
    },
  };
}

/**
 * The 500 a drifted answer becomes: a named example (or a generated answer) that does not match the
 * schema of its status. `subject` says what drifted when it is not a named example.
 * @param {DescriptionModel} model
 * @param {OperationModel} operation
 * @param {string} name
 * @param {number | undefined} status
 * @param {Violation[]} violations
 * @param {string} [subject]
 * @returns {Answer}
 */
export function driftAnswer(model, operation, name, status, violations, subject = `${status} example "${name}"`) {
  return {
    status: 500,
    scenario: `drift:${name}`,
    body: {
      ...model.refusalModels.internalError,
      error_message: `Mock description error: the ${subject} of ${operation.id} does not match its schema.`,
      error_descriptions: violations.slice(0, 20).map(({ field, message }) => ({ field, message })),
    },
  };
}

/**
 * What a request gets for an answer only a generator can give, when there is none.
 * @param {DescriptionModel} model
 * @param {OperationModel} operation
 * @param {number | undefined} status
 * @param {boolean} dynamic
 * @returns {Answer}
 */
function notGenerated(model, operation, status, dynamic) {
  const what = dynamic
    ? 'Prefer: dynamic=true asks for an answer generated from the schema'
    : `${operation.id} has no named example for status ${status}, so its answer is generated from the schema`;
  return {
    status: 501,
    scenario: 'not-generated',
    body: {
      ...model.refusalModels.internalError,
      error_code: 501,
      error_message: `${what}, which needs Stoplight Prism (${GENERATOR_PACKAGE}) on a Node mock: install it with npm install --save-dev ${GENERATOR_PACKAGE}@5.14.x. Named examples need nothing more.`,
      error_descriptions: null,
    },
  };
}
