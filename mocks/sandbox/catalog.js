// What the sandbox reads from the API description about each operation: the bearer token it needs,
// the flow step it answers for, and its scenarios (named examples) with what each one says about the
// outcome. Derived once from the loaded description; a new operation is served as plain replay.
import { resolveRef } from '../description.js';

/** The flow steps and the operations that answer for each (the key-only `/v1/ocr/*` captures included). */
export const STEP_OPERATIONS = {
  front: ['verifyIdFront', 'ocrIdFront'],
  back: ['verifyIdBack', 'ocrIdBack'],
  liveness: ['verifyLiveness', 'ocrLiveness'],
  link: ['linkUserWithExistingTransaction'],
  login: ['userLogin'],
};
const STEP_OF = new Map(Object.entries(STEP_OPERATIONS).flatMap(([step, ids]) => ids.map((id) => [id, step])));

/** What the sandbox decides for each operation, for the catalog (`GET /__vlens/scenarios`) and the README. */
export const RULES = {
  verifyIdFront: 'Starts a transaction with the id sent (any letter case) or a new one, or continues it; front and back in either order; a failed scan leaves the transaction incomplete.',
  verifyIdBack: 'Starts a transaction with the id sent (any letter case) or a new one, or continues it; front and back in either order; a failed scan leaves the transaction incomplete.',
  ocrIdFront: 'Like verifyIdFront, on the API key alone: the transaction has no user until it is linked.',
  ocrIdBack: 'Like verifyIdBack, on the API key alone: the transaction has no user until it is linked.',
  verifyLiveness: 'transactionNotFound for an unknown id, idStepsMissing unless both ID sides succeeded, facesIdentical when two faces are the same bytes; otherwise Validated and Verified, and the user is marked Verified.',
  ocrLiveness: 'Like verifyLiveness, on the API key alone.',
  linkUserWithExistingTransaction: "Attaches a completed transaction to the bearer's user, answering its verdict; transactionNotFound for an unknown id or another user's, transactionIncomplete before liveness completed it.",
  getUserDigitalIdentityImages: "The file names of the images of the user's latest transaction that has any; userNotFound for an unknown email or phone, noImages before any capture.",
  getStepImage: 'Exactly the base64 that was uploaded; fileNotFound for an unknown transaction or name, or an image evicted to stay within the image budget.',
  adminLogin: 'Any non-empty credentials: a JWT-shaped admin token whose exp matches expireInSeconds, and a refresh token.',
  refreshToken: 'Rotates an issued refresh token: a new access token and a new refresh token.',
  userLogin: 'The registered phone number and password: a user token bound to that user and isDigitalIdentityVerified; the OTP when one is sent.',
  checkExistenceOfEmailOrPhone: 'alreadyRegistered when a user of this tenant has that phone number or email.',
  registerStepVerifyPhone: 'Without an OTP: a new OTP request id. With the request id and the sandbox OTP: phoneConfirmed; any other OTP gets the OTP error.',
  registerStepVerifyEmail: 'Without an OTP: a new OTP request id. With the request id and the sandbox OTP: emailConfirmed; any other OTP gets the OTP error.',
  register: 'Creates the user once its phone number was verified (a confirmed OTP request, or the sandbox OTP with it); returns a user token.',
  getTransactionById: "The transaction as the sandbox keeps it (id, steps, verdict, user); an admin token sees any of the tenant's, a user token its own; transactionNotFound otherwise.",
  cancelVerifiedDigitalIdentity: "Withdraws the bearer's verified identity (their next Login reports it); notVerified when there is none.",
  cancelVerifiedDigitalIdentityForAdmin: 'Withdraws the verified identity of the user with that id; userNotFound for an unknown id.',
  registerStepVerifyOAuthToken: 'Asks no provider: answers its scenario, a verified one with a new oAuthTokenVerificationRequestId.',
  verifyOAuthToken: 'Asks no provider: answers its scenario, a verified one with a new oAuthTokenVerificationRequestId.',
};
const REPLAY_RULE = 'Replayed: the default scenario, or the one asked for.';

const isSuccessStatus = (status) => status >= 200 && status < 300;

/** `error_code` null, absent or 0 (a number or a numeric string) means success. */
export function errorCodeOf(value) {
  const code = value?.error_code;
  if (code === null || code === undefined || code === 0 || code === '0') return null;
  return Number(code);
}

function validationErrors(value) {
  const services = value?.services;
  return [...(services?.Validations?.validation_errors ?? []), ...(services?.validations?.validation_errors ?? [])];
}

/** What an example says about the step it answers: a success, a failure, or a refusal that changes nothing. */
function classify(status, value, step) {
  if (!isSuccessStatus(status)) return { effect: 'none' };
  const code = errorCodeOf(value);
  // 5004 (TransactionInvalid) answers a request about a transaction the flow does not know or cannot use yet.
  if (code === 5004) return { effect: 'none' };
  const data = value?.data ?? null;
  const validated = data?.isVerificationProcessCompleted === true;
  const verified = validated && data?.isDigitalIdentityVerified === true;
  const succeeded = step === 'liveness' || step === 'link' ? validated && code === null : code === null && validationErrors(value).length === 0;
  return { effect: 'step', succeeded, validated, verified };
}

function rolesOf(operation) {
  const roles = new Set();
  for (const alternative of operation.security) {
    for (const scheme of alternative) {
      if (scheme.type !== 'http' || scheme.scheme?.toLowerCase() !== 'bearer') continue;
      roles.add(/admin/i.test(scheme.key ?? '') ? 'admin' : 'user');
    }
  }
  return roles;
}

function isImage(document, node, depth = 0) {
  const schema = resolveRef(document, node);
  if (!schema || typeof schema !== 'object' || depth > 8) return false;
  return schema.contentEncoding === 'base64' || (schema.allOf ?? []).some((part) => isImage(document, part, depth + 1));
}

/** The top-level body members that carry an image (a base64 `contentEncoding`, directly or through allOf). */
function imageFieldsOf(document, operation) {
  if (!operation.bodySchemaPointer) return [];
  const schema = resolveRef(document, { $ref: operation.bodySchemaPointer });
  return Object.entries(schema?.properties ?? {})
    .filter(([, property]) => isImage(document, property))
    .map(([name]) => name);
}

/**
 * One entry per operation: `{ id, method, path, operation, roles, token, step, magicStep, rules,
 * imageFields, scenarios, defaultScenario, scenario(name, status), successWhere(test) }`. Each scenario is
 * `{ status, name, summary, value, isDefault, effect, succeeded, validated, verified }`.
 */
export function createCatalog(description) {
  const entries = new Map();
  for (const operation of description.operations) {
    const step = STEP_OF.get(operation.id) ?? null;
    const scenarios = operation.responses.flatMap((response) =>
      response.examples.map((example) => ({
        status: response.status,
        name: example.name,
        summary: example.summary,
        value: example.value,
        isDefault: false,
        ...classify(response.status, example.value, step),
      })),
    );
    const defaultScenario = scenarios.find((scenario) => isSuccessStatus(scenario.status)) ?? scenarios[0] ?? null;
    if (defaultScenario) defaultScenario.isDefault = true;
    const roles = rolesOf(operation);
    entries.set(operation.id, {
      id: operation.id,
      method: operation.method,
      path: operation.path,
      operation,
      roles,
      token: roles.has('admin') && !roles.has('user') ? 'admin' : roles.size > 0 ? 'user' : 'none',
      step: step === 'login' ? null : step,
      magicStep: step,
      rules: RULES[operation.id] ?? REPLAY_RULE,
      imageFields: imageFieldsOf(description.document, operation),
      scenarios,
      defaultScenario,
      /** The scenario by name (and status, where two statuses share a name). */
      scenario(name, status) {
        return scenarios.find((scenario) => scenario.name === name && (status === undefined || scenario.status === status)) ?? null;
      },
      /** The first success scenario whose example satisfies `test`. */
      successWhere(test) {
        return scenarios.find((scenario) => isSuccessStatus(scenario.status) && test(scenario.value)) ?? null;
      },
    });
  }
  return {
    entries,
    get: (operationId) => entries.get(operationId),
    /** Scenario names a step accepts, over every operation of that step the description has. */
    stepScenarios(step) {
      const names = new Set();
      for (const id of STEP_OPERATIONS[step] ?? []) for (const scenario of entries.get(id)?.scenarios ?? []) names.add(scenario.name);
      return [...names];
    },
  };
}
