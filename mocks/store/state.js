// A tenant's state as one document (the control API's State schema): exported by `GET /__vlens/state`,
// loaded by `PUT /__vlens/state`, by a seed file (`vlens-mock --seed-file`) and by the engine's
// `initialState` option. An import is checked whole before anything is built (the schema, then what a
// schema cannot say: ids used twice, operations and scenarios that exist, the sandbox's limits), then
// built as a new tenant and swapped in by the store at once: a refused document leaves the tenant as it
// was, and no request ever sees a tenant half-imported. The secrets a document holds (passwords,
// tokens) are the sandbox's own test values.
import { ALL_ERRORS_NODE_LIMIT, countNodes, firstViolation } from '../front/schema.js';
import { isApiKey } from '../front/credentials.js';
import { cardIdNumber, STEP_OPERATIONS } from '../rules/operations.js';
import { newImageGroup } from './images.js';
import { emailKey, newTenant, recordsOf } from './tenants.js';

/** @import { ControlSchemas, DescriptionModel, FaultName, SandboxLimits } from '../types.js' */
/** @import { ScenarioSet } from '../rules/scenarios.js' */
/** @import { FlowStep } from '../rules/magic.js' */
/** @import { ImageRecord, ImageStore } from './images.js' */
/** @import { StepRecord, Tenant, Transaction } from './tenants.js' */
/** @typedef {ControlSchemas['State']} StateDocument */

export const STATE_FORMAT = 'vlens-sandbox-state';
export const SEED_FORMAT = 'vlens-sandbox-seed';
export const STATE_VERSION = 1;
/** Outcomes (or faults) that can wait for one operation (the control API's bound, which imports keep too). */
export const MAX_STEERING_ENTRIES = 1000;

const CAPTURE_STEPS = /** @type {const} */ (['front', 'back', 'liveness']);
/** The request fields whose images each capture step keeps. */
const STEP_IMAGE_FIELDS = { front: ['image'], back: ['image'], liveness: ['face_1', 'face_2', 'face_3', 'image'] };
const ANY_OPERATION = '*';

/**
 * What an import needs of the sandbox.
 * @typedef {object} ImportContext
 * @property {DescriptionModel} model
 * @property {SandboxLimits} limits
 * @property {ImageStore} images
 * @property {number} now ms since the epoch
 * @property {(operationId: string) => Promise<ScenarioSet>} scenarios the scenarios of an operation the model has
 * @property {(step: FlowStep) => string[]} stepScenarios
 */

/**
 * A problem with a document: the field at fault (a path such as `transactions[2].steps.back.scenario`),
 * a sentence, and the valid values where there is a closed list.
 * @typedef {{ field: string | null, message: string, allowed?: string[] }} StateProblem
 */

/** @param {string | null} field @param {string} message @param {string[]} [allowed] @returns {{ problem: StateProblem }} */
const refuse = (field, message, allowed) => ({ problem: { field, message, ...(allowed ? { allowed: allowed.slice(0, 100) } : {}) } });

/** @param {number} ms */
const iso = (ms) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// Export

// Stands for an image while the document is serialised; the image's base64 bytes are spliced in
// its place (as in mocks/answers/fill.js): a tenant's images can be hundreds of megabytes, which are
// neither decoded nor turned into strings on the way out.
const IMAGE_PLACEHOLDER = '\u0000vlens-state-image\u0000';
const encoder = new TextEncoder();

/**
 * The tenant as a State document: its text, as chunks of UTF-8 (the images' base64 bytes between them).
 * @param {Tenant} tenant
 * @param {number} now
 * @returns {Uint8Array[]}
 */
export function exportState(tenant, now) {
  /** @type {Uint8Array[]} */
  const images = [];
  /** @param {ImageRecord} record */
  const image = (record) => {
    if (record.text === null) return null;
    images.push(record.text);
    return IMAGE_PLACEHOLDER;
  };
  const transactions = [...tenant.transactions.values()]
    .filter((transaction) => transaction.expiresAt > now)
    .map((transaction) => ({
      id: transaction.id,
      userId: transaction.userId,
      createdAt: iso(transaction.createdAt),
      updatedAt: iso(transaction.updatedAt),
      expiresAt: iso(transaction.expiresAt),
      linked: transaction.linked,
      validated: transaction.validated,
      verified: transaction.verified,
      steps: Object.fromEntries(
        CAPTURE_STEPS.filter((step) => transaction.steps[step]).map((step) => {
          const recorded = /** @type {StepRecord} */ (transaction.steps[step]);
          return [
            step,
            {
              operationId: recorded.operationId,
              scenario: recorded.scenario,
              succeeded: recorded.succeeded,
              at: iso(recorded.at),
              idNumber: recorded.idNumber,
              images: Object.fromEntries(Object.entries(recorded.images).map(([field, record]) => [field, image(record)])),
            },
          ];
        }),
      ),
    }));
  /** @type {StateDocument} */
  const document = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    exportedAt: iso(now),
    users: [...tenant.users.values()].map((user) => ({
      id: user.id,
      ...(user.note === undefined ? {} : { note: user.note }),
      phoneNumber: user.phoneNumber,
      email: user.email,
      password: user.password,
      emailConfirmed: user.emailConfirmed,
      verified: user.verified,
      implicit: Boolean(user.implicit),
    })),
    tokens: [...tenant.tokens.values()].map((token) => ({ token: token.token, role: token.role, userId: token.userId, expiresAt: iso(token.expiresAt), expired: token.expired })),
    refreshTokens: [...tenant.refreshTokens.values()].map(({ token, role, userId }) => ({ token, role, userId })),
    acceptedBearers: [...tenant.implicitUsers].map(([sha256, { userId, expired }]) => ({ sha256, userId, expired })),
    otpRequests: [...tenant.otps.values()].map(({ id, channel, target, confirmed }) => ({ id, channel, target, confirmed })),
    transactions: /** @type {StateDocument['transactions']} */ (transactions),
    plannedOutcomes: Object.fromEntries(tenant.planned),
    queuedOutcomes: [...tenant.queue].flatMap(([operationId, queue]) => queue.map(({ scenario, status, remaining }) => ({ operationId, scenario, status, times: remaining }))),
    faults: [...tenant.faults].flatMap(([operationId, armed]) =>
      armed.map(({ fault, delayMs, remaining }) => ({ operationId: operationId === ANY_OPERATION ? null : operationId, fault, delayMs, times: remaining })),
    ),
  };
  return spliced(JSON.stringify(document).split(JSON.stringify(IMAGE_PLACEHOLDER)), images);
}

/**
 * The document's text around its images, and the images' base64 bytes in their places.
 * @param {string[]} parts the text between the images (one more than the images)
 * @param {Uint8Array[]} images
 */
function spliced(parts, images) {
  /** @type {Uint8Array[]} */
  const chunks = [];
  parts.forEach((part, index) => {
    const image = images[index];
    // Each placeholder was a JSON string: its quotes go back around the image.
    chunks.push(encoder.encode(`${index === 0 ? '' : '"'}${part}${image ? '"' : ''}`));
    if (image) chunks.push(image);
  });
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// Import

/** @type {Promise<Record<string, any>> | undefined} */
let validators;
// The control API's validators, loaded on first use (a page that never imports a state never loads them).
const loadValidators = () => (validators ??= import('../model/generated/control/validators.js').then((module) => /** @type {any} */ (module)));

/**
 * The first problem of a document against the State schema, or null. A document of many members is
 * checked to its first problem only (as request bodies are).
 * @param {unknown} document
 * @returns {Promise<StateProblem | null>}
 */
export async function schemaProblem(document) {
  const loaded = await loadValidators();
  const validate = countNodes(document, ALL_ERRORS_NODE_LIMIT) <= ALL_ERRORS_NODE_LIMIT ? loaded.putStateBody : loaded.putStateBodyFirstError;
  const found = firstViolation(validate, /** @type {Record<string, unknown>} */ (document), (field) => (field === 'body' ? 'The document' : `The ${field} field`));
  if (!found) return null;
  const closed = found.errors.find((error) => error.keyword === 'enum' || error.keyword === 'additionalProperties');
  const allowed = closed ? (closed.keyword === 'enum' ? closed.params.allowedValues.map(String) : Object.keys(closed.parentSchema?.properties ?? {})) : undefined;
  const field = bracketField(found.violation.field, document);
  const message = field === found.violation.field ? found.violation.message : found.violation.message.replace(`The ${found.violation.field} `, `The ${field} `);
  return { field, message, ...(allowed ? { allowed } : {}) };
}

/**
 * A field path as the schema check spells it (`transactions.0.steps.front.images.image`), in the one
 * style every problem of a document uses: array items in brackets, members after dots
 * (`transactions[0].steps.front.images.image`). Which segments are items is read from the document.
 * @template {string | null} F
 * @param {F} field
 * @param {unknown} document
 * @returns {F}
 */
export function bracketField(field, document) {
  if (field === null || !field.includes('.')) return field;
  /** @type {unknown} */
  let value = document;
  let path = '';
  for (const part of field.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(part)) {
      path += `[${part}]`;
      value = value[Number(part)];
      continue;
    }
    path += path === '' ? part : `.${part}`;
    value = value !== null && typeof value === 'object' && Object.hasOwn(value, part) ? /** @type {Record<string, unknown>} */ (value)[part] : undefined;
  }
  return /** @type {F} */ (path);
}

/** How far a moment of a document may be ahead of the sandbox's clock (another machine's clock may run fast). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * A moment that has passed (a transaction's creation, a step's answer, the export) is refused when it
 * lies ahead: a transaction created in 9999 would never expire.
 * @param {string} field
 * @param {string | undefined} text
 * @param {number} now
 */
function futureProblem(field, text, now) {
  if (text === undefined || !(Date.parse(text) > now + CLOCK_SKEW_MS)) return null;
  const member = field.slice(field.lastIndexOf('.') + 1);
  return refuse(
    field,
    `The ${member} field is later than now (${iso(now)}): it is a moment that has passed, at most ${CLOCK_SKEW_MS / 60_000} minutes ahead of the sandbox's clock.`,
  );
}

/**
 * @param {string | undefined} text
 * @param {number} fallback
 */
const timeOf = (text, fallback) => (text === undefined ? fallback : Date.parse(text));

/**
 * Builds the tenant a document describes (already valid against the State schema: see schemaProblem),
 * or names the first problem. Builds nothing before the whole document was checked; the caller puts
 * the tenant in place (store.replace).
 * @param {string} key the tenant's ApiKey
 * @param {StateDocument} document
 * @param {ImportContext} context
 * @returns {Promise<{ tenant: Tenant, summary: ControlSchemas['StateSummary'] } | { problem: StateProblem }>}
 */
export async function importState(key, document, context) {
  const { model, limits, now } = context;
  const users = document.users ?? [];
  const transactions = (document.transactions ?? []).map((transaction) => ({ ...transaction, id: transaction.id.toLowerCase() }));
  const tokens = document.tokens ?? [];
  const refreshTokens = document.refreshTokens ?? [];
  const bearers = document.acceptedBearers ?? [];
  const otps = document.otpRequests ?? [];
  const planned = Object.entries(document.plannedOutcomes ?? {}).map(([id, outcomes]) => /** @type {[string, Record<string, string>]} */ ([id.toLowerCase(), { ...outcomes }]));
  const queued = document.queuedOutcomes ?? [];
  const faults = document.faults ?? [];

  // The limits first: a document too large for this sandbox is refused before anything else is read.
  /** @type {[string, number, number, string][]} */
  const counts = [
    ['users', users.length, limits.maxUsersPerTenant, 'maxUsersPerTenant'],
    ['transactions', transactions.length, limits.maxTransactionsPerTenant, 'maxTransactionsPerTenant'],
    ['plannedOutcomes', planned.length, limits.maxTransactionsPerTenant, 'maxTransactionsPerTenant'],
    ['tokens', tokens.length, limits.maxCredentialsPerTenant, 'maxCredentialsPerTenant'],
    ['refreshTokens', refreshTokens.length, limits.maxCredentialsPerTenant, 'maxCredentialsPerTenant'],
    ['acceptedBearers', bearers.length, limits.maxCredentialsPerTenant, 'maxCredentialsPerTenant'],
    ['otpRequests', otps.length, limits.maxCredentialsPerTenant, 'maxCredentialsPerTenant'],
  ];
  for (const [field, count, max, limit] of counts) {
    if (count > max) return refuse(field, `The document has ${count} ${field}; this sandbox keeps at most ${max} per tenant (${limit}).`);
  }
  const records = users.length + transactions.length + planned.length + tokens.length + refreshTokens.length + bearers.length + otps.length;
  if (records > limits.maxRecords)
    return refuse(
      null,
      `The document holds ${records} records (users, credentials, transactions, planned outcomes); this sandbox keeps at most ${limits.maxRecords} of every tenant together (maxRecords).`,
    );
  const imageBytes = imageBytesOf(document);
  if (imageBytes > limits.imageBudgetBytes) {
    return refuse(
      'transactions',
      `The document's images take ${imageBytes} bytes of base64; this sandbox keeps at most ${limits.imageBudgetBytes} of every tenant together (imageBudgetBytes).`,
    );
  }

  const exported = futureProblem('exportedAt', document.exportedAt, now);
  if (exported) return exported;

  // Users: ids, phone numbers and emails each name one user.
  /** @type {Map<number, number>} */
  const userIndex = new Map();
  /** @type {Map<string, number>} */
  const phones = new Map();
  /** @type {Map<string, number>} */
  const emails = new Map();
  for (const [index, user] of users.entries()) {
    const at = `users[${index}]`;
    if (userIndex.has(user.id)) return refuse(`${at}.id`, `User id ${user.id} is used twice (users[${userIndex.get(user.id)}] has it too).`);
    userIndex.set(user.id, index);
    if (user.phoneNumber) {
      if (phones.has(user.phoneNumber)) return refuse(`${at}.phoneNumber`, `The phone number of users[${index}] is that of users[${phones.get(user.phoneNumber)}] too.`);
      phones.set(user.phoneNumber, index);
    }
    if (user.email) {
      if (emails.has(emailKey(user.email))) return refuse(`${at}.email`, `The email of users[${index}] is that of users[${emails.get(emailKey(user.email))}] too.`);
      emails.set(emailKey(user.email), index);
    }
  }
  const userIds = [...userIndex.keys()].map(String);
  /** @param {string} at @param {number | null} userId @param {'user' | 'admin'} [role] */
  const userProblem = (at, userId, role = 'user') => {
    if (role === 'admin') return userId === null ? null : refuse(`${at}.userId`, 'An admin token stands for no user: its userId must be null.');
    if (userId === null) return role === 'user' ? refuse(`${at}.userId`, 'A user token must name its user.', userIds) : null;
    return userIndex.has(userId) ? null : refuse(`${at}.userId`, `No user of the document has id ${userId}.`, userIds);
  };
  for (const [list, name] of /** @type {const} */ ([
    [tokens, 'tokens'],
    [refreshTokens, 'refreshTokens'],
  ])) {
    const seen = new Set();
    for (const [index, token] of list.entries()) {
      const problem = userProblem(`${name}[${index}]`, token.userId, token.role);
      if (problem) return problem;
      if (seen.has(token.token)) return refuse(`${name}[${index}].token`, 'This token is listed twice.');
      seen.add(token.token);
    }
  }
  for (const [index, bearer] of bearers.entries()) {
    if (bearer.userId !== null && !userIndex.has(bearer.userId)) return refuse(`acceptedBearers[${index}].userId`, `No user of the document has id ${bearer.userId}.`, userIds);
  }

  // Transactions: ids used once, users that exist, times that are past (expiresAt within the TTL), steps answered by an operation of that step with one
  // of its scenarios that records a step.
  const operationIds = model.operations.map((operation) => operation.id);
  const ttlMs = limits.transactionTtlSeconds * 1000;
  /** @type {Map<string, ScenarioSet>} */
  const sets = new Map();
  for (const id of new Set([
    ...transactions.flatMap((transaction) => Object.values(transaction.steps).map((step) => step?.operationId ?? '')),
    ...queued.map((entry) => entry.operationId),
  ])) {
    if (operationIds.includes(id)) sets.set(id, await context.scenarios(id));
  }
  /** @type {Set<string>} */
  const transactionIds = new Set();
  /** @type {{ stepScenario: import('../rules/scenarios.js').Scenario | null, steps: [typeof CAPTURE_STEPS[number], import('../rules/scenarios.js').Scenario][] }[]} */
  const resolved = [];
  for (const [index, transaction] of transactions.entries()) {
    const at = `transactions[${index}]`;
    if (transactionIds.has(transaction.id)) return refuse(`${at}.id`, `Transaction ${transaction.id} is listed twice.`);
    transactionIds.add(transaction.id);
    if (transaction.userId !== null && !userIndex.has(transaction.userId)) return refuse(`${at}.userId`, `No user of the document has id ${transaction.userId}.`, userIds);
    for (const member of /** @type {const} */ (['createdAt', 'updatedAt', 'expiresAt'])) {
      const text = transaction[member];
      if (text !== undefined && !Number.isFinite(Date.parse(text))) return refuse(`${at}.${member}`, `The ${member} field is not a date the sandbox can read.`);
    }
    for (const member of /** @type {const} */ (['createdAt', 'updatedAt'])) {
      const future = futureProblem(`${at}.${member}`, transaction[member], now);
      if (future) return future;
    }
    // A transaction lives transactionTtlSeconds: an expiresAt further off would keep it for ever.
    if (transaction.expiresAt !== undefined && Date.parse(transaction.expiresAt) > now + ttlMs + CLOCK_SKEW_MS) {
      return refuse(
        `${at}.expiresAt`,
        `The expiresAt field is more than transactionTtlSeconds (${limits.transactionTtlSeconds}) from now (${iso(now)}): this sandbox keeps a transaction at most that long.`,
      );
    }
    /** @type {[typeof CAPTURE_STEPS[number], import('../rules/scenarios.js').Scenario][]} */
    const steps = [];
    for (const step of CAPTURE_STEPS) {
      const recorded = transaction.steps[step];
      if (!recorded) continue;
      const stepAt = `${at}.steps.${step}`;
      const ofStep = STEP_OPERATIONS[step].filter((id) => operationIds.includes(id));
      if (!ofStep.includes(recorded.operationId))
        return refuse(`${stepAt}.operationId`, `The ${step} step is answered by ${ofStep.join(' or ')}, not "${recorded.operationId.slice(0, 128)}".`, ofStep);
      const set = /** @type {ScenarioSet} */ (sets.get(recorded.operationId));
      const recording = set.all.filter((scenario) => scenario.effect === 'step');
      const scenario = recording.find((candidate) => candidate.name === recorded.scenario);
      if (!scenario) {
        return refuse(
          `${stepAt}.scenario`,
          `${recorded.operationId} has no scenario "${recorded.scenario.slice(0, 128)}" that records a step.`,
          recording.map((candidate) => candidate.name),
        );
      }
      const fields = /** @type {readonly string[]} */ (STEP_IMAGE_FIELDS[step]);
      for (const field of Object.keys(recorded.images ?? {})) {
        if (!fields.includes(field)) return refuse(`${stepAt}.images.${field}`, `The ${step} step keeps no image in ${field}.`, [...fields]);
      }
      if (recorded.at !== undefined && !Number.isFinite(Date.parse(recorded.at))) return refuse(`${stepAt}.at`, 'The at field is not a date the sandbox can read.');
      const future = futureProblem(`${stepAt}.at`, recorded.at, now);
      if (future) return future;
      steps.push([step, scenario]);
    }
    resolved.push({ stepScenario: steps.find(([step]) => step === 'liveness')?.[1] ?? null, steps });
  }

  // Steering: planned outcomes name scenarios of their step, queued ones of their operation.
  for (const [id, outcomes] of planned) {
    for (const [step, scenario] of Object.entries(outcomes)) {
      const names = context.stepScenarios(/** @type {FlowStep} */ (step));
      const known = names.find((name) => name.toLowerCase() === scenario.toLowerCase());
      if (!known) return refuse(`plannedOutcomes.${id}.${step}`, `No operation of the ${step} step has a scenario named "${scenario.slice(0, 128)}".`, names);
      outcomes[step] = known;
    }
  }
  /** @type {Map<string, number>} */
  const perOperation = new Map();
  for (const [index, entry] of queued.entries()) {
    const at = `queuedOutcomes[${index}]`;
    const set = sets.get(entry.operationId);
    if (!set) return refuse(`${at}.operationId`, `The API has no operation "${entry.operationId.slice(0, 128)}".`, operationIds);
    if (!set.get(entry.scenario, entry.status)) {
      return refuse(
        `${at}.scenario`,
        `${entry.operationId} has no scenario "${entry.scenario.slice(0, 128)}" with status ${entry.status}.`,
        set.all.filter((scenario) => scenario.status === entry.status).map((scenario) => scenario.name),
      );
    }
    perOperation.set(entry.operationId, (perOperation.get(entry.operationId) ?? 0) + 1);
    if (/** @type {number} */ (perOperation.get(entry.operationId)) > MAX_STEERING_ENTRIES)
      return refuse(at, `At most ${MAX_STEERING_ENTRIES} outcomes can wait for one operation.`);
  }
  perOperation.clear();
  for (const [index, fault] of faults.entries()) {
    if (fault.operationId !== null && !operationIds.includes(fault.operationId))
      return refuse(`faults[${index}].operationId`, `The API has no operation "${fault.operationId.slice(0, 128)}".`, operationIds);
    const target = fault.operationId ?? ANY_OPERATION;
    perOperation.set(target, (perOperation.get(target) ?? 0) + 1);
    if (/** @type {number} */ (perOperation.get(target)) > MAX_STEERING_ENTRIES)
      return refuse(`faults[${index}]`, `At most ${MAX_STEERING_ENTRIES} faults can wait for one operation.`);
  }

  // Every check passed: build. Nothing below can fail.
  const tenant = newTenant(key);
  /** @type {Map<number, boolean>} */
  const verifiedUsers = new Map();
  let imageCount = 0;
  let decodedBytes = 0;
  transactions.forEach((transaction, index) => {
    const { steps } = /** @type {(typeof resolved)[number]} */ (resolved[index]);
    const createdAt = timeOf(transaction.createdAt, now);
    const expiresAt = timeOf(transaction.expiresAt, createdAt + ttlMs);
    // A transaction already expired would never be seen: it is not loaded.
    if (expiresAt <= now) return;
    const group = newImageGroup();
    /** @type {ImageRecord[]} */
    const kept = [];
    /** @type {Transaction['steps']} */
    const built = {};
    for (const [step, scenario] of steps) {
      const recorded = /** @type {ControlSchemas['StateStep']} */ (transaction.steps[step]);
      /** @type {Record<string, ImageRecord>} */
      const images = {};
      for (const [field, text] of Object.entries(recorded.images ?? {})) {
        const record = text === null ? evicted(field) : context.images.track(text, field);
        images[field] = record;
        kept.push(record);
        imageCount += 1;
        decodedBytes += record.bytes;
      }
      built[step] = {
        operationId: recorded.operationId,
        scenario: recorded.scenario,
        succeeded: recorded.succeeded ?? scenario.succeeded,
        at: timeOf(recorded.at, createdAt),
        images,
        idNumber: recorded.idNumber === undefined ? cardIdNumber(scenario.value) : recorded.idNumber,
      };
    }
    const liveness = steps.find(([step]) => step === 'liveness')?.[1];
    const sidesPassed = Boolean(built.front?.succeeded && built.back?.succeeded);
    const validated = transaction.validated ?? Boolean(liveness && sidesPassed && liveness.validated);
    const verified = transaction.verified ?? Boolean(validated && liveness?.verified);
    const stepTimes = Object.values(built).map((step) => step.at);
    /** @type {Transaction} */
    const made = {
      id: transaction.id,
      userId: transaction.userId,
      createdAt,
      updatedAt: timeOf(transaction.updatedAt, Math.max(createdAt, ...stepTimes)),
      expiresAt,
      steps: built,
      validated,
      verified,
      linked: transaction.linked ?? false,
      imageGroup: group,
    };
    context.images.keep(group, kept);
    tenant.transactions.set(made.id, made);
    if (made.userId !== null && validated && verified) verifiedUsers.set(made.userId, true);
  });
  for (const user of users) {
    tenant.users.set(user.id, {
      id: user.id,
      phoneNumber: user.phoneNumber ?? null,
      email: user.email ?? null,
      password: user.password ?? null,
      emailConfirmed: user.emailConfirmed ?? false,
      verified: user.verified ?? verifiedUsers.has(user.id),
      ...(user.implicit ? { implicit: true } : {}),
      ...(user.note === undefined ? {} : { note: user.note }),
    });
    if (user.phoneNumber) tenant.userByPhone.set(user.phoneNumber, user.id);
    if (user.email) tenant.userByEmail.set(emailKey(user.email), user.id);
  }
  tenant.nextUserId = Math.max(0, ...users.map((user) => user.id)) + 1;
  for (const token of tokens)
    tenant.tokens.set(token.token, { token: token.token, role: token.role, userId: token.userId, expiresAt: Date.parse(token.expiresAt), expired: token.expired ?? false });
  for (const { token, role, userId } of refreshTokens) tenant.refreshTokens.set(token, { token, role, userId });
  for (const bearer of bearers) tenant.implicitUsers.set(bearer.sha256, { userId: bearer.userId, expired: bearer.expired ?? false });
  for (const otp of otps) tenant.otps.set(otp.id, { id: otp.id, channel: otp.channel, target: otp.target, confirmed: otp.confirmed ?? false });
  for (const [id, outcomes] of planned) tenant.planned.set(id, outcomes);
  for (const entry of queued) {
    const queue = tenant.queue.get(entry.operationId) ?? [];
    queue.push({ scenario: entry.scenario, status: entry.status, remaining: entry.times });
    tenant.queue.set(entry.operationId, queue);
  }
  for (const fault of faults) {
    const target = fault.operationId ?? ANY_OPERATION;
    const armed = tenant.faults.get(target) ?? [];
    armed.push({ fault: /** @type {FaultName} */ (fault.fault), delayMs: fault.delayMs, remaining: fault.times });
    tenant.faults.set(target, armed);
  }
  tenant.records = recordsOf(tenant);
  return {
    tenant,
    summary: {
      users: tenant.users.size,
      transactions: tenant.transactions.size,
      images: imageCount,
      imageBytes: decodedBytes,
      tokens: tenant.tokens.size + tenant.refreshTokens.size,
      plannedOutcomes: tenant.planned.size,
      queuedOutcomes: queued.length,
      faults: faults.length,
    },
  };
}

/**
 * The record of an image the document says was evicted (null): the step had it, its bytes are gone.
 * @param {string} field
 * @returns {ImageRecord}
 */
const evicted = (field) => ({ field, text: null, bytes: 0, extension: 'jpg', sha256: null, evicted: true, group: null });

/**
 * Loads a seed document (the engine's `initialState`, a seed file): several tenants, each a State
 * document under its ApiKey. Checked whole, every tenant, before any is put in place; a problem is a
 * TypeError naming the tenant by its place in the document (never by its key) and the field.
 * @param {unknown} seed
 * @param {ImportContext & { replace(tenant: Tenant): void }} context
 */
export async function loadSeed(seed, context) {
  /** @param {string} message @returns {never} */
  const fail = (message) => {
    throw new TypeError(`initialState: ${message}`);
  };
  if (seed === null || typeof seed !== 'object' || Array.isArray(seed))
    fail('must be a seed document: { "format": "vlens-sandbox-seed", "version": 1, "tenants": { "<ApiKey>": <state> } }');
  const { format, version, tenants, ...rest } = /** @type {Record<string, unknown>} */ (seed);
  if (format !== SEED_FORMAT) fail(`format must be "${SEED_FORMAT}", got ${JSON.stringify(format)?.slice(0, 60)}`);
  if (version !== STATE_VERSION) fail(`version must be ${STATE_VERSION}, got ${JSON.stringify(version)?.slice(0, 60)} (a document of another version of the format)`);
  const extra = Object.keys(rest).filter((member) => member !== '$schema' && member !== 'description');
  if (extra.length > 0) fail(`has no member "${extra[0]?.slice(0, 60)}" (it takes format, version, tenants and description)`);
  if (tenants === null || typeof tenants !== 'object' || Array.isArray(tenants)) fail('tenants must be an object: a state document under each ApiKey');
  const entries = Object.entries(/** @type {Record<string, unknown>} */ (tenants));
  if (entries.length > context.limits.maxTenants) fail(`has ${entries.length} tenants; this sandbox keeps at most ${context.limits.maxTenants} (maxTenants)`);
  let imageBytes = 0;
  for (const [index, [key, document]] of entries.entries()) {
    const which = `tenants[#${index + 1}]`;
    if (!isApiKey(key)) fail(`the key of ${which} is no ApiKey (visible characters only)`);
    const schema = await schemaProblem(document);
    if (schema) fail(`${which}: ${schema.field ?? 'the document'}: ${schema.message}`);
    imageBytes += imageBytesOf(/** @type {StateDocument} */ (document));
  }
  if (imageBytes > context.limits.imageBudgetBytes)
    fail(`the tenants' images take ${imageBytes} bytes of base64 together; this sandbox keeps at most ${context.limits.imageBudgetBytes} (imageBudgetBytes)`);
  /** @type {Tenant[]} */
  const built = [];
  for (const [index, [key, document]] of entries.entries()) {
    const imported = await importState(key, /** @type {StateDocument} */ (document), context);
    if ('problem' in imported) {
      // The tenants built so far are never put in place: their images go now, not at the next eviction.
      for (const tenant of built) for (const transaction of tenant.transactions.values()) context.images.release(transaction.imageGroup);
      const { field, message, allowed } = imported.problem;
      fail(`tenants[#${index + 1}]: ${field ?? 'the document'}: ${message}${allowed ? ` (allowed: ${allowed.slice(0, 20).join(', ')})` : ''}`);
    }
    built.push(imported.tenant);
  }
  // The seed's tenants are pinned (never forgotten to make room): together they must fit maxRecords.
  const records = built.reduce((sum, tenant) => sum + tenant.records, 0);
  if (records > context.limits.maxRecords) {
    for (const tenant of built) for (const transaction of tenant.transactions.values()) context.images.release(transaction.imageGroup);
    fail(`the tenants hold ${records} records together (users, credentials, transactions, planned outcomes); this sandbox keeps at most ${context.limits.maxRecords} (maxRecords)`);
  }
  for (const tenant of built) context.replace(tenant);
}

/**
 * Bytes of base64 text a document's images take (what the image budget counts).
 * @param {StateDocument} document
 */
function imageBytesOf(document) {
  let bytes = 0;
  for (const transaction of document.transactions ?? []) {
    for (const step of Object.values(transaction.steps)) for (const text of Object.values(step?.images ?? {})) bytes += text?.length ?? 0;
  }
  return bytes;
}
