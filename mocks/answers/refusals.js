// Refusals in the vendor's envelope. Each one starts from the example the description declares for
// that status (so the wording is the description's) and adds the field errors of this request.

/** @import { Answer, DescriptionModel, Envelope, FieldError, RefusalModelName, Violation } from '../types.js' */

const MAX_ECHO = 120;
/** @param {string} text */
export const shorten = (text) => (text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text);
/** @param {Violation[]} errors @returns {FieldError[]} */
const publicErrors = (errors) => errors.map(({ field, message }) => ({ field, message }));

/**
 * @param {DescriptionModel} model
 * @param {RefusalModelName} name
 * @param {number} status
 * @param {Violation[]} errorDescriptions
 * @param {Partial<Envelope>} [overrides]
 * @returns {Answer}
 */
function fromModel(model, name, status, errorDescriptions, overrides = {}) {
  return { status, body: { ...model.refusalModels[name], error_descriptions: publicErrors(errorDescriptions), ...overrides }, scenario: name };
}

/**
 * An envelope of the engine's own, for what no operation describes (an unknown path, a method).
 * @param {number} status
 * @param {string} message
 * @param {FieldError[] | null} [errorDescriptions]
 * @param {Record<string, string>} [headers]
 * @returns {Answer}
 */
export function plainRefusal(status, message, errorDescriptions = null, headers = undefined) {
  /** @type {Answer} */
  const answer = { status, body: { data: null, error_code: status, error_message: message, error_descriptions: errorDescriptions }, scenario: '-' };
  if (headers) answer.headers = headers;
  return answer;
}

export const refusal = {
  /** @param {DescriptionModel} model @param {string} pathname */
  notFound: (model, pathname) =>
    plainRefusal(404, `No operation at ${shorten(pathname)}. The mock serves: ${model.operations.map((operation) => `${operation.method} ${operation.path}`).join(', ')}.`),

  /** @param {number} seconds */
  requestTimeout: (seconds) => plainRefusal(408, `The request body did not arrive within ${seconds} seconds.`),

  /** @param {string} target */
  badTarget: (target) => plainRefusal(400, `The request-target ${JSON.stringify(shorten(target))} is not a path the mock can read.`),

  /** @param {string} method @param {string[]} allowed */
  methodNotAllowed: (method, allowed) => plainRefusal(405, `${shorten(method)} is not allowed here; use ${allowed.join(' or ')}.`, null, { allow: allowed.join(', ') }),

  /** @param {DescriptionModel} model @param {Violation[]} problems */
  unauthorized: (model, problems) => fromModel(model, 'unauthorized', 401, problems),

  /** @param {DescriptionModel} model @param {Violation[]} problems */
  unsupportedMediaType: (model, problems) => fromModel(model, 'unsupportedMediaType', 415, problems),

  /** @param {DescriptionModel} model @param {Violation[]} problems */
  invalid: (model, problems) => fromModel(model, 'invalidRequest', 400, problems),

  /** @param {DescriptionModel} model @param {Violation} problem */
  malformedJson: (model, problem) => fromModel(model, 'malformedJson', 400, [problem]),

  /**
   * @param {DescriptionModel} model
   * @param {number} receivedBytes what was received or declared
   * @param {number} limit
   */
  bodyTooLarge(model, receivedBytes, limit) {
    const entry = model.errorCodes.find((candidate) => candidate.code === 413);
    return fromModel(model, 'payloadTooLarge', 413, [{ field: 'body', message: `The request body is ${receivedBytes} bytes; at most ${limit} are accepted.` }], {
      error_code: 413,
      error_message: entry?.userMessage ?? 'The request body is too large.',
    });
  },

  /**
   * @param {DescriptionModel} model
   * @param {Violation[]} violations
   */
  forViolations(model, violations) {
    const counted = violations.filter((violation) => violation.kind !== 'truncated');
    if (counted.length > 0 && counted.every((violation) => violation.kind === 'imageTooLarge')) return fromModel(model, 'payloadTooLarge', 413, violations);
    if (counted.length > 0 && counted.every((violation) => violation.kind === 'base64')) return fromModel(model, 'invalidBase64', 400, violations);
    return fromModel(model, 'invalidRequest', 400, violations);
  },

  /** @param {DescriptionModel} model @param {string} message */
  crash: (model, message) => fromModel(model, 'internalError', 500, [{ field: null, message }]),
};

/**
 * A failure an answer reports in its envelope, as the journal says why a request failed; null for a success.
 * @param {unknown} body
 */
export function errorOf(body) {
  if (body === null || typeof body !== 'object') return null;
  const envelope = /** @type {Partial<Envelope>} */ (body);
  const code = envelope.error_code;
  if (code === null || code === undefined || code === 0 || code === '0') return null;
  const fields = Array.isArray(envelope.error_descriptions) ? envelope.error_descriptions.map((entry) => entry?.message).filter(Boolean) : [];
  return [`${code}: ${envelope.error_message ?? ''}`.trim(), ...fields].join(' ');
}

/**
 * `error_code` null, absent or 0 (a number or a numeric string) means success.
 * @param {unknown} value
 * @returns {number | null}
 */
export function errorCodeOf(value) {
  const code = /** @type {{ error_code?: unknown } | null} */ (value)?.error_code;
  if (code === null || code === undefined || code === 0 || code === '0') return null;
  return Number(code);
}
