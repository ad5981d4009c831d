#!/usr/bin/env node
// `npm run postman`: a Postman collection and environment made from generated/openapi.yaml, in
// dist/postman/. openapi-to-postmanv2 converts the description (folders by tag, request names and
// descriptions, URLs); the rest is done here, because the converter
// - keeps one saved response per status and drops the other named examples: here every named example
//   of every status is a saved response, whose original request carries the `Prefer` header that makes
//   the mock answer it;
// - keeps only the ApiKey half of the `ApiKey + Bearer` security requirements: here ApiKey is a header
//   of every request and the bearer token the request's auth ({{userToken}} or {{adminToken}});
// - fills bodies and parameters with placeholders (`<string>`): here they are the description's first
//   request example, with the values one step hands to the next replaced by variables that the
//   test scripts set from the answers (the transaction id, the tokens, the OTP request ids, a file
//   name), so the folders run top to bottom as one verification flow;
// - writes random ids: here they are derived from the content, so the same description always gives
//   the same files.
// The mock's sandbox keeps users and transactions per ApiKey. Each run uses a tenant of its own: the
// environment leaves `apiKey` empty, and the collection's pre-request script makes a key for the run
// (two runs at once, two CI jobs against one mock, do not meet). The collection starts with the control
// API's reset (from openapi/sandbox/openapi.yaml), which forgets the key's tenant, so a run with a
// fixed key repeats too, and ends with a folder that steers and reads the sandbox (a queued outcome,
// the journal, a transaction); against the real API, skip both sandbox folders and set apiKey.
//
// Capture before login runs first: its transaction (capturedTransactionId) is the one the user links
// after logging in, as an app does.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import converter from 'openapi-to-postmanv2';
import { parse } from 'yaml';
import { listOperations, loadBundle, resolveRef } from '../lib/description.mjs';

/** @import { DescriptionNode, OperationEntry } from '../lib/description.mjs' */

// The parts of Postman's collection format v2.1
// (https://schema.getpostman.com/json/collection/v2.1.0/collection.json) this script writes.
/**
 * A description as Postman keeps it: text, or text with its media type.
 * @typedef {string | { content: string, type?: string }} PostmanDescription
 */
/**
 * A header, or a query parameter (`value` percent-encoded there); `disabled` ones are not sent.
 * @typedef {{ key: string, value: string, description?: PostmanDescription, disabled?: boolean }} PostmanKeyValue
 */
/** @typedef {{ raw: string, host: string[], path: string[], query?: PostmanKeyValue[] }} PostmanUrl */
/** @typedef {{ type: 'bearer', bearer: { key: string, value: string, type: string }[] } | { type: 'noauth' }} PostmanAuth */
/** @typedef {{ mode: 'raw', raw: string, options: { raw: { language: string } } }} PostmanBody */
/**
 * @typedef {{ method: string, header: PostmanKeyValue[], url: PostmanUrl, auth: PostmanAuth, description: PostmanDescription, body?: PostmanBody }} PostmanRequest
 */
/** A script run before every request (`prerequest`) or after an answer (`test`), one line per entry. @typedef {{ listen: 'prerequest' | 'test', script: { type: string, exec: string[] } }} PostmanEvent */
/**
 * A saved response: an example of the description with the request that asks the mock for it.
 * `status` is the HTTP reason phrase, `code` the status code, `body` the JSON text.
 * @typedef {{ id: string, name: string, originalRequest: PostmanRequest, status: string, code: number, _postman_previewlanguage: string, header: PostmanKeyValue[], body: string }} PostmanResponse
 */
/** @typedef {{ id: string, name: string, request: PostmanRequest, response: PostmanResponse[], event: PostmanEvent[] }} PostmanRequestItem */
/** @typedef {{ id: string, name: string, item: PostmanRequestItem[] }} PostmanFolder */
/** @typedef {{ key: string, value: string, type: string, description?: string }} PostmanVariable */
/**
 * @typedef {{ info: { _postman_id: string, name: string, description: PostmanDescription, schema: string }, item: (PostmanFolder | PostmanRequestItem)[], event: PostmanEvent[], variable: PostmanVariable[] }} PostmanCollection
 */
/**
 * An environment: `secret` values are masked in Postman's interface.
 * @typedef {{ id: string, name: string, values: { key: string, value: string, type: 'default' | 'secret', enabled: boolean }[], _postman_variable_scope: 'environment' }} PostmanEnvironment
 */
/**
 * What openapi-to-postmanv2 makes, as far as it is read here: a folder per tag or a request.
 * @typedef {{ name: string, item?: ConvertedItem[], request: { method: string, url: { path: string[] }, description: PostmanDescription } }} ConvertedItem
 */
/** @typedef {{ info: { description: PostmanDescription }, item: ConvertedItem[] }} ConvertedCollection */
/** An operation of the description, with its operationId at hand. @typedef {OperationEntry & { operationId: string }} Operation */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const POSTMAN_DIR = join(ROOT, 'dist', 'postman');
export const COLLECTION_PATH = join(POSTMAN_DIR, 'vlens-digital-identity.postman_collection.json');
export const ENVIRONMENT_PATH = join(POSTMAN_DIR, 'vlens-mock.postman_environment.json');
const CONTROL_API_PATH = join(ROOT, 'openapi', 'sandbox', 'openapi.yaml');
/** The name of the collection's first folder, which holds the sandbox's reset. */
export const SANDBOX_FOLDER = 'Sandbox (the mock only)';
/** The name of its last folder: a queued outcome, the journal, a transaction, read through the control API. */
export const CONTROL_FOLDER = 'Sandbox: steering and state (the mock only)';
/** The scenario the last folder queues for the existence check: not what the sandbox would answer (the flow registered the number). */
export const QUEUED_SCENARIO = 'notRegistered';
const MOCK_URL = 'http://127.0.0.1:4010';
// The OTP the mock's sandbox accepts (any other gets the OTP error); the stateless mock accepts any.
const MOCK_OTP = '123456';

/** The order a user runs them in: register, log in, verify, then read the images as an admin. */
const FLOW = [
  'ocrIdFront',
  'ocrIdBack',
  'ocrLiveness',
  'checkExistenceOfEmailOrPhone',
  'registerStepVerifyPhone',
  'registerStepVerifyEmail',
  'register',
  'userLogin',
  'verifyIdFront',
  'verifyIdBack',
  'verifyLiveness',
  'linkUserWithExistingTransaction',
  'adminLogin',
  'refreshToken',
  'getUserDigitalIdentityImages',
  'getStepImage',
];

/**
 * Values an answer hands to later requests: variable <- path in the answer's JSON. A path ending in
 * `?` is kept when the answer has it and is not checked: the back scan may or may not repeat the
 * transaction id (the client follows it when it does).
 */
/** @type {Record<string, Record<string, string>>} */
const CAPTURES = {
  registerStepVerifyPhone: { phoneNumberOtpRequestId: 'data.phoneNumberOtpRequestId' },
  registerStepVerifyEmail: { emailOtpRequestId: 'data.emailOtpRequestId' },
  register: { userToken: 'data.accessToken', userId: 'data.user.id#' },
  userLogin: { userToken: 'data.accessToken', userId: 'data.user.id#' },
  verifyIdFront: { transactionId: 'data.idFrontData.transaction_id' },
  // The key-only captures start a transaction of their own (the mock's sandbox keeps it apart from the user's).
  ocrIdFront: { capturedTransactionId: 'data.transaction_id' },
  verifyIdBack: { transactionId: 'data.idBackData.transaction_id?' },
  adminLogin: { adminToken: 'data.accessToken', refreshToken: 'data.refreshToken' },
  refreshToken: { adminToken: 'data.accessToken' },
  getUserDigitalIdentityImages: { fileName: 'data.idFrontImage' },
};
/** Variables that stand for a JSON number in a body (a capture path ending in `#` keeps a number). */
const NUMBERS = new Set(['userId']);
/** Where a token or id lives: tokens in the environment (with the key), the rest in the collection. */
const ENVIRONMENT_VARIABLES = new Set(['userToken', 'adminToken', 'refreshToken']);
/** Request fields (body members, query and header parameters) that take a value an earlier answer gave. */
/** @type {Record<string, string>} */
const CHAINED = {
  transaction_id: '{{transactionId}}',
  transactionId: '{{transactionId}}',
  TransactionId: '{{transactionId}}',
  // GetTransactionById's query parameter.
  id: '{{transactionId}}',
  userId: '{{userId}}',
  FileName: '{{fileName}}',
  refreshToken: '{{refreshToken}}',
  phoneNumberOtpRequestId: '{{phoneNumberOtpRequestId}}',
  emailOtpRequestId: '{{emailOtpRequestId}}',
  phoneNumberOtp: '{{otp}}',
  emailOtp: '{{otp}}',
};
/** Per operation, fields that take another variable than CHAINED gives: the captured transaction, which the user links. */
/** @type {Record<string, Record<string, string>>} */
const OPERATION_INPUTS = {
  ocrIdBack: { transaction_id: '{{capturedTransactionId}}' },
  ocrLiveness: { transaction_id: '{{capturedTransactionId}}' },
  linkUserWithExistingTransaction: { transactionId: '{{capturedTransactionId}}', transaction_id: '{{capturedTransactionId}}' },
  // The image list names the files of the user's identity, which the link made the captured transaction.
  getStepImage: { TransactionId: '{{capturedTransactionId}}' },
};
/**
 * Header parameters that take a variable in every request, saved responses' requests too.
 * @type {Record<string, string>}
 */
const ALWAYS = { TenancyName: '{{tenancyName}}', 'X-Request-Id': '{{$guid}}' };
/**
 * Security scheme -> the variable holding its token.
 * @type {Record<string, string>}
 */
const BEARER_TOKENS = { UserBearer: 'userToken', AdminBearer: 'adminToken' };

/**
 * A UUID (version 5 layout) derived from `parts`: the same parts, the same id.
 * @param {...string} parts
 */
const stableId = (...parts) => {
  const hex = createHash('sha1').update(parts.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.charAt(16), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/**
 * @param {string} text the bundled description (YAML)
 * @returns {Promise<ConvertedCollection>}
 */
function convert(text) {
  return new Promise((resolve, reject) => {
    converter.convert({ type: 'string', data: text }, { folderStrategy: 'Tags', parametersResolution: 'Example', requestNameSource: 'Fallback' }, (error, result) => {
      const output = result?.output?.[0];
      if (error) reject(error);
      else if (!result?.result || !output) reject(new Error(`openapi-to-postmanv2 could not convert the description: ${result?.reason}`));
      else resolve(/** @type {ConvertedCollection} */ (output.data));
    });
  });
}

/**
 * @param {(PostmanFolder | PostmanRequestItem)[]} items
 * @returns {PostmanRequestItem[]} the requests, folders' included, in order
 */
const requestItems = (items) => items.flatMap((item) => ('item' in item ? requestItems(item.item) : [item]));

/**
 * `value` with every member named in `inputs` that is not an object or array replaced by its input.
 * @param {unknown} value JSON
 * @param {Record<string, string>} inputs
 * @returns {unknown}
 */
function substitute(value, inputs) {
  if (Array.isArray(value)) return value.map((member) => substitute(member, inputs));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, key in inputs && typeof member !== 'object' ? inputs[key] : substitute(member, inputs)]));
}

/**
 * @param {DescriptionNode} operation
 * @returns {string | null} the variable holding the bearer token its security asks for; null for none
 */
function bearerOf(operation) {
  const requirement = operation.security?.[0] ?? {};
  const scheme = Object.keys(requirement).find((name) => name in BEARER_TOKENS);
  if (!scheme && Object.keys(requirement).some((name) => /bearer/i.test(name))) {
    throw new Error(`${operation.operationId}: no token variable for its security requirement ${JSON.stringify(requirement)}; add the scheme to BEARER_TOKENS`);
  }
  return scheme ? (BEARER_TOKENS[scheme] ?? null) : null;
}

/**
 * The request of one operation: headers, query, auth and body from the description, not placeholders.
 * `chained`: the ids and OTP come from variables set by earlier requests (the runnable request);
 * otherwise they are the description's example values (the request of a saved response).
 * @param {DescriptionNode} doc
 * @param {Operation} op
 * @param {ConvertedItem} converted the converter's request for it
 * @param {{ chained: boolean }} options
 * @returns {PostmanRequest}
 */
function buildRequest(doc, op, converted, { chained }) {
  /** @type {Record<string, string>} */
  const inputs = chained ? { ...CHAINED, ...OPERATION_INPUTS[op.operationId], ...ALWAYS } : ALWAYS;
  /** @type {DescriptionNode[]} */
  const parameters = [...(doc.paths[op.path].parameters ?? []), ...(op.operation.parameters ?? [])].map((parameter) => resolveRef(doc, parameter));
  /** @param {DescriptionNode} parameter */
  const value = (parameter) => inputs[parameter.name] ?? String(parameter.example ?? '');
  /** @type {PostmanKeyValue[]} */
  const header = [
    { key: 'ApiKey', value: '{{apiKey}}', description: "The tenant's API key (security scheme ApiKey), from the environment." },
    ...parameters
      .filter((parameter) => parameter.in === 'header')
      .map((parameter) => ({
        key: parameter.name,
        value: value(parameter),
        description: parameter.description,
        ...(parameter.required || inputs[parameter.name] || parameter.example !== undefined ? {} : { disabled: true }),
      })),
  ];
  const body = resolveRef(doc, op.operation.requestBody)?.content?.['application/json'];
  if (body) header.push({ key: 'Content-Type', value: 'application/json' });
  header.push({ key: 'Accept', value: 'application/json' });
  // Examples are percent-encoded: a `+` in a phone number would otherwise reach the server as a space.
  const query = parameters
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) => ({
      key: parameter.name,
      value: inputs[parameter.name] ?? encodeURIComponent(value(parameter)),
      description: parameter.description,
      ...(parameter.required ? {} : { disabled: true }),
    }));
  const token = bearerOf(op.operation);
  /** @type {PostmanRequest} */
  const request = {
    method: op.method.toUpperCase(),
    header,
    url: {
      raw: `{{baseUrl}}${op.path}${
        query.filter((entry) => !entry.disabled).length
          ? `?${query
              .filter((entry) => !entry.disabled)
              .map((entry) => `${entry.key}=${entry.value}`)
              .join('&')}`
          : ''
      }`,
      host: ['{{baseUrl}}'],
      path: op.path.split('/').filter(Boolean),
      query,
    },
    auth: token ? { type: 'bearer', bearer: [{ key: 'token', value: `{{${token}}}`, type: 'string' }] } : { type: 'noauth' },
    description: converted.request.description,
  };
  if (body) {
    const [, example] = Object.entries(body.examples ?? {})[0] ?? [];
    const sample = example ? resolveRef(doc, example).value : body.example;
    let raw = JSON.stringify(substitute(sample ?? {}, inputs), null, 2);
    for (const variable of NUMBERS) raw = raw.replaceAll(`"{{${variable}}}"`, `{{${variable}}}`);
    request.body = { mode: 'raw', raw, options: { raw: { language: 'json' } } };
  }
  return request;
}

/**
 * One saved response per named example. Its original request (with the description's example values,
 * so it stands alone) carries the `Prefer` header that asks the mock for that example.
 * @param {DescriptionNode} doc
 * @param {Operation} op
 * @param {PostmanRequest} request the operation's request with the examples' values
 * @returns {PostmanResponse[]}
 */
function savedResponses(doc, op, request) {
  /** @type {PostmanResponse[]} */
  const responses = [];
  for (const [status, declared] of Object.entries(op.operation.responses)) {
    const response = resolveRef(doc, declared);
    for (const [name, reference] of Object.entries(response.content?.['application/json']?.examples ?? {})) {
      const example = resolveRef(doc, reference);
      const prefer = Number(status) < 300 ? `example=${name}` : `code=${status}, example=${name}`;
      responses.push({
        id: stableId(op.operationId, status, name),
        name: `${status} ${name}${example.summary ? `: ${example.summary}` : ''}`,
        originalRequest: { ...request, header: [...request.header, { key: 'Prefer', value: prefer, description: 'Asks the mock for this scenario.' }] },
        status: httpReason(Number(status)),
        code: Number(status),
        _postman_previewlanguage: 'json',
        header: [{ key: 'Content-Type', value: 'application/json' }],
        body: JSON.stringify(example.value, null, 2),
      });
    }
  }
  return responses;
}

/** @type {Record<number, string>} */
const REASONS = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};
/** @param {number} status */
const httpReason = (status) => REASONS[status] ?? String(status);

/**
 * The test script of a request: a successful envelope, then what later requests need from it.
 * @param {Operation} op
 * @returns {string[]} its lines
 */
function testScript(op) {
  const lines = [
    `pm.test('HTTP 200', () => pm.response.to.have.status(200));`,
    `const answer = pm.response.json();`,
    `pm.test('no business error (error_code null, 0 or absent)', () => pm.expect([null, undefined, 0, '0']).to.include(answer.error_code));`,
  ];
  for (const [variable, spec] of Object.entries(CAPTURES[op.operationId] ?? {})) {
    const scope = ENVIRONMENT_VARIABLES.has(variable) ? 'environment' : 'collectionVariables';
    const path = spec.replace(/[?#]$/, '');
    const type = spec.endsWith('#') ? 'number' : 'string';
    const read = path.split('.').reduce((expression, key) => `${expression}?.${key}`, 'answer');
    if (spec.endsWith('?')) {
      lines.push(`{ const value = ${read}; if (typeof value === 'string' && value) pm.${scope}.set('${variable}', value); }`);
      continue;
    }
    lines.push(
      `pm.test('keeps ${path} as {{${variable}}}', () => {`,
      `  const value = ${read};`,
      type === 'number' ? `  pm.expect(value, '${path}').to.be.a('number');` : `  pm.expect(value, '${path}').to.be.a('string').and.not.empty;`,
      `  pm.${scope}.set('${variable}', ${type === 'number' ? 'String(value)' : 'value'});`,
      `});`,
    );
  }
  return lines;
}

/**
 * @param {DescriptionNode} controlApi the mock's control API description
 * @param {string} operationId
 * @returns {OperationEntry}
 * @throws {Error} when the control API has no such operation
 */
function controlOperation(controlApi, operationId) {
  const found = listOperations(controlApi).find(({ operation }) => operation.operationId === operationId);
  if (!found) throw new Error(`${CONTROL_API_PATH} has no operation ${operationId}`);
  return found;
}

/**
 * The control API's resetTenant as the collection's first request: each run starts from an empty tenant.
 * @param {DescriptionNode} controlApi
 * @returns {PostmanRequestItem}
 */
function resetItem(controlApi) {
  const { path, method, operation } = controlOperation(controlApi, 'resetTenant');
  return {
    id: stableId('control', operation.operationId),
    name: operation.summary,
    request: {
      method: method.toUpperCase(),
      header: [{ key: 'ApiKey', value: '{{apiKey}}', description: 'The tenant to forget: the one every later request names.' }],
      url: { raw: `{{baseUrl}}${path}`, host: ['{{baseUrl}}'], path: path.split('/').filter(Boolean) },
      auth: { type: 'noauth' },
      description: `${operation.description} The mock's control API (not the Vlens API): it lets the collection run again against the same mock, whose sandbox would otherwise find the example's phone number registered already. Skip this request against the real API.`,
    },
    response: [],
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: [`pm.test('the sandbox forgot this ApiKey (HTTP 204)', () => pm.response.to.have.status(204));`] } }],
  };
}

/**
 * A request to the mock's control API (not the Vlens API), with its test script.
 * @param {DescriptionNode} controlApi
 * @param {string} operationId
 * @param {{ name: string, query?: PostmanKeyValue[], body?: unknown, tests: string[] }} request
 *   `body`: sent as JSON; `tests`: the test script's lines
 * @returns {PostmanRequestItem}
 */
function controlItem(controlApi, operationId, { name, query = [], body, tests }) {
  const { path, method, operation } = controlOperation(controlApi, operationId);
  const route = path.replace('{id}', '{{transactionId}}');
  /** @type {PostmanKeyValue[]} */
  const header = [{ key: 'ApiKey', value: '{{apiKey}}', description: 'The tenant: the one every request of the run names.' }];
  if (body) header.push({ key: 'Content-Type', value: 'application/json' });
  const search = query.map(({ key, value }) => `${key}=${value}`).join('&');
  return {
    id: stableId('control', operationId, name),
    name,
    request: {
      method: method.toUpperCase(),
      header,
      url: { raw: `{{baseUrl}}${route}${search ? `?${search}` : ''}`, host: ['{{baseUrl}}'], path: route.split('/').filter(Boolean), ...(query.length ? { query } : {}) },
      auth: { type: 'noauth' },
      description: `${operation.summary}: the mock's control API (${method.toUpperCase()} ${path}), not the Vlens API. Skip it against the real API.`,
      ...(body ? { body: { mode: 'raw', raw: JSON.stringify(body, null, 2), options: { raw: { language: 'json' } } } } : {}),
    },
    response: [],
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: tests } }],
  };
}

/**
 * The last folder: steer the sandbox and read its state, as a test suite of a user would.
 * @param {DescriptionNode} controlApi
 * @param {PostmanRequestItem} existenceCheck the collection's checkExistenceOfEmailOrPhone request
 * @returns {PostmanFolder}
 */
function controlFolder(controlApi, existenceCheck) {
  return {
    id: stableId('folder', CONTROL_FOLDER),
    name: CONTROL_FOLDER,
    item: [
      controlItem(controlApi, 'queueOutcome', {
        name: `Queue an outcome: the next existence check answers ${QUEUED_SCENARIO}`,
        body: { operationId: 'checkExistenceOfEmailOrPhone', scenario: QUEUED_SCENARIO, times: 1 },
        tests: [
          `pm.test('queued (HTTP 201, 1 pending)', () => {`,
          `  pm.response.to.have.status(201);`,
          `  pm.expect(pm.response.json()).to.include({ operationId: 'checkExistenceOfEmailOrPhone', scenario: '${QUEUED_SCENARIO}', pending: 1 });`,
          `});`,
        ],
      }),
      {
        ...existenceCheck,
        id: stableId('control', 'queued existence check'),
        name: 'See the queued outcome: the registered phone number comes back as not registered',
        response: [],
        event: [
          {
            listen: 'test',
            script: {
              type: 'text/javascript',
              exec: [
                `pm.test('HTTP 200', () => pm.response.to.have.status(200));`,
                `pm.test('the queued scenario answered (exists: false, though the run registered the number)', () => pm.expect(pm.response.json().data.exists).to.equal(false));`,
              ],
            },
          },
        ],
      },
      controlItem(controlApi, 'listRequests', {
        name: 'Read the journal: the existence check the queue forced',
        query: [
          { key: 'operationId', value: 'checkExistenceOfEmailOrPhone' },
          { key: 'limit', value: '1' },
        ],
        tests: [
          `pm.test('HTTP 200', () => pm.response.to.have.status(200));`,
          `pm.test('the last existence check answered ${QUEUED_SCENARIO}, forced by the queue', () => {`,
          `  const [last] = pm.response.json().requests;`,
          `  pm.expect(last).to.include({ operationId: 'checkExistenceOfEmailOrPhone', scenario: '${QUEUED_SCENARIO}', forcedBy: 'queue', status: 200 });`,
          `});`,
        ],
      }),
      controlItem(controlApi, 'getTransaction', {
        name: 'Read the verified transaction: its steps and outcome',
        tests: [
          `// The stateless mock keeps no transaction: there it answers 404 (the catalog said which mode runs).`,
          `if (pm.collectionVariables.get('mockMode') === 'stateless') {`,
          `  pm.test('the stateless mock keeps no transaction (HTTP 404)', () => pm.response.to.have.status(404));`,
          `} else {`,
          `  pm.test('HTTP 200', () => pm.response.to.have.status(200));`,
          `  pm.test('front, back and liveness succeeded, and the transaction is verified', () => {`,
          `    const transaction = pm.response.json();`,
          `    pm.expect(transaction.id.toLowerCase()).to.equal(pm.collectionVariables.get('transactionId').toLowerCase());`,
          `    pm.expect(transaction.steps.filter((step) => step.succeeded).map((step) => step.step)).to.include.members(['front', 'back', 'liveness']);`,
          `    pm.expect(transaction.outcome.state).to.equal('verified');`,
          `  });`,
          `}`,
        ],
      }),
    ],
  };
}

/** Before every request: a tenant of the run's own when the environment leaves apiKey empty. */
const RUN_KEY_SCRIPT = [
  `// Each run its own sandbox tenant: a key made for the run when apiKey is empty (the mock's`,
  `// environment); a key set in the environment (the real API's) is kept.`,
  `if (!pm.variables.get('apiKey')) {`,
  `  const key = 'postman-run-' + pm.variables.replaceIn('{{$guid}}');`,
  `  pm.environment.set('apiKey', key);`,
  `  pm.collectionVariables.set('apiKey', key);`,
  `}`,
];

/**
 * Builds the collection and the environment from the bundled description; resolves to both objects
 * (nothing written). `baseUrl` is the environment's, the mock's by default.
 * @param {{ text?: string, baseUrl?: string }} [options] `text`: the bundled description (YAML)
 * @returns {Promise<{ collection: PostmanCollection, environment: PostmanEnvironment }>}
 * @throws {Error} when the converter fails or makes other requests than the description's operations
 */
export async function buildPostman({ text = readFileSync(join(ROOT, 'generated', 'openapi.yaml'), 'utf8'), baseUrl = MOCK_URL } = {}) {
  const doc = loadBundle();
  const converted = await convert(text);
  /** @type {Operation[]} */
  const operations = listOperations(doc).map(({ path, method, operation }) => ({ path, method, operation, operationId: operation.operationId }));
  const byRoute = new Map(operations.map((op) => [`${op.method.toUpperCase()} /${op.path.split('/').filter(Boolean).join('/')}`, op]));
  /** @param {Operation} op */
  const rank = (op) => (FLOW.includes(op.operationId) ? FLOW.indexOf(op.operationId) : FLOW.length);

  /** @typedef {{ op: Operation, entry: PostmanRequestItem }} FolderEntry */
  // Per tag (null: the requests of no tag), never empty.
  /** @type {Map<string | null, [FolderEntry, ...FolderEntry[]]>} */
  const folders = new Map();
  /**
   * @param {ConvertedItem[]} items
   * @param {string | null} folder
   */
  const walk = (items, folder) => {
    for (const item of items) {
      if (item.item) {
        walk(item.item, item.name);
        continue;
      }
      const op = byRoute.get(`${item.request.method} /${item.request.url.path.join('/')}`);
      if (!op) throw new Error(`openapi-to-postmanv2 made a request the description does not have: ${item.request.method} ${item.request.url.path.join('/')}`);
      /** @type {PostmanRequestItem} */
      const entry = {
        id: stableId(op.operationId),
        name: item.name,
        request: buildRequest(doc, op, item, { chained: true }),
        response: savedResponses(doc, op, buildRequest(doc, op, item, { chained: false })),
        event: [{ listen: 'test', script: { type: 'text/javascript', exec: testScript(op) } }],
      };
      const entries = folders.get(folder);
      if (entries) entries.push({ op, entry });
      else folders.set(folder, [{ op, entry }]);
    }
  };
  walk(converted.item, null);
  const converted_operations = [...folders.values()].flat().length;
  if (converted_operations !== operations.length) throw new Error(`openapi-to-postmanv2 converted ${converted_operations} of the description's ${operations.length} operations`);

  const ordered = [...folders.entries()]
    .map(([name, entries]) => ({ name, entries: entries.sort((a, b) => rank(a.op) - rank(b.op)) }))
    .sort((a, b) => rank(a.entries[0].op) - rank(b.entries[0].op));
  const chained = [...new Set([...Object.values(CAPTURES).flatMap((captures) => Object.keys(captures)), 'mockMode'])].filter((variable) => !ENVIRONMENT_VARIABLES.has(variable));
  /** @type {DescriptionNode} */
  const controlApi = parse(readFileSync(CONTROL_API_PATH, 'utf8'));
  const catalog = controlItem(controlApi, 'getCatalog', {
    name: 'Read the catalog: which mode the mock runs in',
    tests: [
      `pm.test('HTTP 200', () => pm.response.to.have.status(200));`,
      `pm.test('keeps mode as {{mockMode}}', () => {`,
      `  const { mode } = pm.response.json();`,
      `  pm.expect(mode).to.be.oneOf(['sandbox', 'stateless']);`,
      `  pm.collectionVariables.set('mockMode', mode);`,
      `});`,
    ],
  });
  const existenceCheck = [...folders.values()].flat().find(({ op }) => op.operationId === 'checkExistenceOfEmailOrPhone')?.entry;
  if (!existenceCheck) throw new Error('the description has no checkExistenceOfEmailOrPhone, which the control folder steers');
  /** @type {PostmanCollection} */
  const collection = {
    info: {
      _postman_id: stableId('collection', doc.info.title, doc.info.version),
      name: `${doc.info.title} ${doc.info.version}`,
      description: converted.info.description,
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    item: [
      { id: stableId('folder', SANDBOX_FOLDER), name: SANDBOX_FOLDER, item: [resetItem(controlApi), catalog] },
      // The requests of no tag at the top level, each tag's in a folder of its own.
      ...ordered.flatMap(
        /** @returns {(PostmanFolder | PostmanRequestItem)[]} */
        ({ name, entries }) => (name === null ? entries.map(({ entry }) => entry) : [{ id: stableId('folder', name), name, item: entries.map(({ entry }) => entry) }]),
      ),
      controlFolder(controlApi, existenceCheck),
    ],
    event: [{ listen: 'prerequest', script: { type: 'text/javascript', exec: RUN_KEY_SCRIPT } }],
    variable: [
      { key: 'baseUrl', value: baseUrl, type: 'string' },
      ...chained.map((key) => ({ key, value: '', type: 'string', description: 'Set by a test script from an earlier answer.' })),
    ],
  };
  /** @type {PostmanEnvironment} */
  const environment = {
    id: stableId('environment', baseUrl),
    name: 'Vlens mock (local)',
    values: [
      { key: 'baseUrl', value: baseUrl, type: 'default', enabled: true },
      // Empty: the collection makes a key (a tenant of the mock's sandbox) for each run. Set it for the real API.
      { key: 'apiKey', value: '', type: 'secret', enabled: true },
      { key: 'tenancyName', value: 'acme', type: 'default', enabled: true },
      { key: 'otp', value: MOCK_OTP, type: 'default', enabled: true },
      // Set by the login requests; the mock accepts any well-formed bearer token until then.
      { key: 'userToken', value: 'mock.user.token', type: 'secret', enabled: true },
      { key: 'adminToken', value: 'mock.admin.token', type: 'secret', enabled: true },
      { key: 'refreshToken', value: '', type: 'secret', enabled: true },
    ],
    _postman_variable_scope: 'environment',
  };
  return { collection, environment };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { collection, environment } = await buildPostman();
    mkdirSync(POSTMAN_DIR, { recursive: true });
    writeFileSync(COLLECTION_PATH, `${JSON.stringify(collection, null, 2)}\n`);
    writeFileSync(ENVIRONMENT_PATH, `${JSON.stringify(environment, null, 2)}\n`);
    const requests = requestItems(collection.item);
    const saved = requests.reduce((sum, item) => sum + item.response.length, 0);
    console.log(`${COLLECTION_PATH} (${requests.length} requests, ${saved} saved responses)\n${ENVIRONMENT_PATH}`);
  } catch (error) {
    console.error(`postman: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
