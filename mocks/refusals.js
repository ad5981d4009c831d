// Refusals in the vendor's envelope. Each one starts from the example the description declares for
// that status (so the wording is the description's) and adds the field errors of this request.

const MAX_ECHO = 120;
const shorten = (text) => (text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text);
const publicErrors = (errors) => errors.map(({ field, message }) => ({ field, message }));

function fromModel(description, model, status, errorDescriptions, overrides = {}) {
  return {
    status,
    body: { ...description.refusalModels[model], error_descriptions: publicErrors(errorDescriptions), ...overrides },
    scenario: model,
  };
}

function plain(status, message, errorDescriptions = null, headers = undefined) {
  return { status, headers, body: { data: null, error_code: status, error_message: message, error_descriptions: errorDescriptions }, scenario: '-' };
}

export const refusal = {
  notFound: (description, pathname) =>
    plain(404, `No operation at ${shorten(pathname)}. The mock serves: ${description.operations.map((operation) => `${operation.method} ${operation.path}`).join(', ')}.`),

  methodNotAllowed: (description, method, allowed) =>
    plain(405, `${shorten(method)} is not allowed here; use ${allowed.join(' or ')}.`, null, { allow: allowed.join(', ') }),

  unauthorized: (description, problems) => fromModel(description, 'unauthorized', 401, problems),

  unsupportedMediaType: (description, operation, problems) => fromModel(description, 'unsupportedMediaType', 415, problems),

  invalid: (description, problems) => fromModel(description, 'invalidRequest', 400, problems),

  malformedJson(description, error) {
    // V8 quotes a slice of the input in some messages; only the position is kept (no image bytes echoed).
    const position = /position (\d+)/.exec(error.message)?.[1];
    const where = position === undefined ? (/end of JSON/.test(error.message) ? ' (it ends too early)' : '') : ` (at position ${position})`;
    return fromModel(description, 'malformedJson', 400, [{ field: 'body', message: `The request body is not valid JSON${where}.` }]);
  },

  bodyTooLarge(description, receivedBytes, limit) {
    const entry = description.errorCodes.get(413);
    return fromModel(description, 'payloadTooLarge', 413, [{ field: 'body', message: `The request body is ${receivedBytes} bytes; at most ${limit} are accepted.` }], {
      error_code: 413,
      error_message: entry?.userMessage ?? 'The request body is too large.',
    });
  },

  forViolations(description, operation, violations) {
    if (violations.every((violation) => violation.kind === 'imageTooLarge')) {
      return fromModel(description, 'payloadTooLarge', 413, violations);
    }
    if (violations.every((violation) => violation.kind === 'base64')) {
      return fromModel(description, 'invalidBase64', 400, violations);
    }
    return fromModel(description, 'invalidRequest', 400, violations);
  },

  crash: (description, message) => fromModel(description, 'internalError', 500, [{ field: null, message }]),
};
