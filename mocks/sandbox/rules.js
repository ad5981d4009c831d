// The sandbox's flow rules: pure functions of a tenant's state and one request that return which
// scenario answers (a named example of the description), the fields to fill into it, and the changes
// to the state (applied by store.commit). They read the state and never change it, so they can be
// tested without HTTP; randomness (ids, tokens) comes from `make`.
//
// Who picks the scenario, first match wins:
//   1. the `Prefer` header, then an outcome queued with the control API (explicit: they override even
//      the flow's own refusals);
//   2. the flow's refusals (unknown transaction, liveness before both ID sides, a wrong OTP, ...);
//   3. the outcomes set for the transaction with the control API, then the user's magic values;
//   4. the default (the first success example), or the one the state calls for (the link verdict).
// Whatever picked it, the state follows the scenario's example: a scenario that fails a step records
// a failed step, a scenario whose example completes the transaction completes it.
import { errorCodeOf } from './catalog.js';
import { magicOutcomes } from './magic.js';
import { emailKey, transactionOf } from './store.js';
import { newImageGroup, sameBytes } from './images.js';

const isSuccessStatus = (status) => status >= 200 && status < 300;
const lowercaseId = (id) => (typeof id === 'string' && id !== '' ? id.toLowerCase() : null);
const IMAGE_SLOTS = {
  // GetUserDigitalIdentityImages member -> [step, request field, file name part]
  idFrontImage: ['front', 'image', 'id_front'],
  idBackImage: ['back', 'image', 'id_back'],
  livenessImage: ['liveness', 'image', 'liveness'],
  livenessFace01Image: ['liveness', 'face_1', 'face01'],
  livenessFace02Image: ['liveness', 'face_2', 'face02'],
  livenessFace03Image: ['liveness', 'face_3', 'face03'],
};
const DEFAULT_TOKEN_SECONDS = 86_400;

// A change set over the tenant: rules read through it, so they see what they already decided. Most
// calls decide nothing, so its collections are made on the first change (`touch`), and its methods are
// shared (one draft per request, two on an authorized one).
const DRAFT = {
  touch() {
    const { changes } = this;
    if (!changes.dirty) {
      Object.assign(changes, { dirty: true, users: new Map(), implicitUsers: [], tokens: [], refreshTokens: [], dropRefreshTokens: [], otps: new Map(), transactions: new Map() });
    }
    return changes;
  },
  user(id) {
    if (id === null || id === undefined) return null;
    return (this.changes.dirty ? this.changes.users.get(id) : undefined) ?? this.tenant.users.get(id) ?? null;
  },
  userByPhone(phone) {
    if (this.changes.dirty) for (const user of this.changes.users.values()) if (user.phoneNumber === phone) return user;
    const id = this.tenant.userByPhone.get(phone);
    return id === undefined ? null : this.user(id);
  },
  userByEmail(email) {
    if (this.changes.dirty) for (const user of this.changes.users.values()) if (user.email && emailKey(user.email) === emailKey(email)) return user;
    const id = this.tenant.userByEmail.get(emailKey(email));
    return id === undefined ? null : this.user(id);
  },
  newUser(fields) {
    const changes = this.touch();
    const user = { id: changes.nextUserId++, phoneNumber: null, email: null, password: null, emailConfirmed: false, verified: false, ...fields };
    changes.users.set(user.id, user);
    return user;
  },
  putUser(user) {
    this.touch().users.set(user.id, user);
  },
  transaction(id, now) {
    return (this.changes.dirty ? this.changes.transactions.get(id) : undefined) ?? transactionOf(this.tenant, id, now);
  },
  putTransaction(transaction) {
    this.touch().transactions.set(transaction.id, transaction);
  },
  otp(id) {
    return (this.changes.dirty ? this.changes.otps.get(id) : undefined) ?? this.tenant.otps.get(id) ?? null;
  },
  putOtp(otp) {
    this.touch().otps.set(otp.id, otp);
  },
};

function draft(tenant) {
  const state = Object.create(DRAFT);
  state.tenant = tenant;
  state.changes = { dirty: false, consumeQueue: null, nextUserId: tenant.nextUserId };
  return state;
}

/** Scenario choice helpers over one operation's catalog entry. */
function chosen(scenario, by = null) {
  return scenario ? { scenario, by } : null;
}

/**
 * `Prefer` (already checked against the operation) or the head of the tenant's queue for it. A
 * `dynamic=true` answer is generated (answered `asAsked`), but the state and the filled ids follow the
 * status's named example that stands for it: the default one, else the first without an error code.
 * A status without a named example has nothing to follow: it fills nothing and changes nothing.
 */
function explicitChoice(tenant, request, state) {
  const { entry, prefer } = request;
  if (prefer && (prefer.code !== undefined || prefer.exampleKey !== undefined || prefer.dynamic)) {
    const status = prefer.code ?? entry.defaultScenario?.status;
    const scenario = prefer.exampleKey
      ? entry.scenario(prefer.exampleKey, status)
      : prefer.dynamic
        ? generatedStandIn(entry, status)
        : entry.scenarios.find((candidate) => candidate.status === status);
    return scenario ? chosen(scenario, 'prefer') : { asAsked: true, by: 'prefer', scenario: null };
  }
  const queued = tenant.queue.get(entry.id)?.[0];
  if (queued) {
    state.touch().consumeQueue = entry.id;
    return chosen(entry.scenario(queued.scenario, queued.status), 'queue');
  }
  return null;
}

/** The named example a generated answer of `status` stands for: the default, else the first without an error code. */
function generatedStandIn(entry, status) {
  const candidates = entry.scenarios.filter((candidate) => candidate.status === status);
  if (candidates.includes(entry.defaultScenario)) return entry.defaultScenario;
  return candidates.find((candidate) => errorCodeOf(candidate.value) === null) ?? candidates[0] ?? null;
}

/** The transaction's planned outcome for the step, then the user's magic value. */
function plannedChoice(tenant, request, step, transactionId, user, stepScenarios) {
  const { entry } = request;
  const planned = transactionId ? tenant.planned.get(transactionId)?.[step] : undefined;
  if (planned) {
    const scenario = entry.scenario(planned);
    if (scenario) return chosen(scenario, 'transaction');
  }
  const magic = user ? magicOutcomes(user, stepScenarios)[step] : undefined;
  if (magic) {
    const scenario = entry.scenario(magic);
    if (scenario) return chosen(scenario, 'magic');
  }
  return null;
}

/** A refusal answered with a named example of the operation (its own field errors in place of the example's). */
function refusal(entry, candidates, why, errorDescriptions) {
  for (const [status, name] of candidates) {
    const scenario = entry.scenario(name, status);
    if (scenario) return { scenario, by: null, why, errorDescriptions };
  }
  // Every operation of the description declares the shared 400 invalidRequest example.
  return { scenario: entry.scenario('invalidRequest', 400), by: null, why, errorDescriptions: errorDescriptions ?? [{ field: null, message: why }] };
}

const transactionNotFound = (entry, field, id) =>
  refusal(entry, [[200, 'transactionNotFound']], `This tenant has no transaction ${id} (or it expired, or belongs to another user).`, [
    { field, message: 'No transaction with this id exists for this user.' },
  ]);

const otpError = (entry, field, why) => refusal(entry, [[400, 'invalidRequest']], why, [{ field, message: why }]);

function validOtp(state, request, { id, channel, target, otp }) {
  const record = id ? state.otp(id) : null;
  if (!record || record.channel !== channel || record.target !== target) return false;
  return record.confirmed || otp === request.settings.otp;
}

// ---------------------------------------------------------------------------------------------
// Tokens

/**
 * Who the bearer token is, for an operation that needs one. Issued tokens are looked up (expired:
 * 401 tokenExpired; a user token on an admin operation, or an admin token on a user one: 403); a
 * well-formed token the sandbox never issued is a fresh user of the tenant, or an admin where the
 * operation needs one, unless tokens are strict.
 */
function authorize(tenant, request, state) {
  const { entry, authorization, now, settings } = request;
  if (entry.roles.size === 0) return { identity: null };
  const token = authorization.replace(/^bearer +/i, '');
  const issued = tenant.tokens.get(token);
  if (issued) {
    if (issued.expired || issued.expiresAt <= now) {
      return { refused: refusal(entry, [[401, 'tokenExpired']], 'The access token has expired.', [{ field: 'Authorization', message: 'The access token has expired.' }]) };
    }
    if (!entry.roles.has(issued.role)) {
      const wanted = [...entry.roles].join(' or ');
      const why = `A ${issued.role} token may not call ${entry.id}, which needs a ${wanted} token.`;
      return { refused: refusal(entry, [[403, 'forbidden'], [401, 'unauthorized']], why, [{ field: 'Authorization', message: why }]) };
    }
    if (issued.role === 'user' && !state.user(issued.userId)) {
      const why = 'The user of this token no longer exists in the sandbox.';
      return { refused: refusal(entry, [[401, 'unauthorized']], why, [{ field: 'Authorization', message: why }]) };
    }
    return { identity: { role: issued.role, userId: issued.userId, issued: true } };
  }
  if (settings.strictTokens) {
    const why = 'This bearer token was not issued by the sandbox (it runs with --strict-tokens): log in first.';
    return { refused: refusal(entry, [[401, 'unauthorized']], why, [{ field: 'Authorization', message: why }]) };
  }
  if (!entry.roles.has('user')) return { identity: { role: 'admin', userId: null, issued: false } };
  const known = state.user(tenant.implicitUsers.get(token));
  if (known) return { identity: { role: 'user', userId: known.id, issued: false } };
  const user = state.newUser({ implicit: true });
  state.touch().implicitUsers.push([token, user.id]);
  return { identity: { role: 'user', userId: user.id, issued: false } };
}

function issueTokens(state, request, { role, userId, example, make, refresh = true }) {
  const data = example?.data ?? {};
  const lifetimeSeconds = Number.isInteger(data.expireInSeconds) ? data.expireInSeconds : DEFAULT_TOKEN_SECONDS;
  const access = make.access({ role, subject: userId ?? 'admin', lifetimeSeconds, now: request.now });
  state.touch().tokens.push({ token: access.token, role, userId, expiresAt: access.expiresAt, expired: false });
  const tokens = { accessToken: access.token, expireInSeconds: lifetimeSeconds };
  if (refresh) {
    tokens.refreshToken = make.refresh();
    state.touch().refreshTokens.push({ token: tokens.refreshToken, role, userId });
  }
  tokens.encryptedAccessToken = make.encrypted();
  return tokens;
}

/** Fill for the token members the example has (`set` only writes members the example declares). */
function tokenFill(tokens, { newRefreshToken = false } = {}) {
  const set = [
    [['data', 'accessToken'], tokens.accessToken],
    [['data', 'encryptedAccessToken'], tokens.encryptedAccessToken],
    [['data', 'expireInSeconds'], tokens.expireInSeconds],
  ];
  if (tokens.refreshToken) set.push([['data', 'refreshToken'], tokens.refreshToken]);
  if (newRefreshToken && tokens.refreshToken) set.push([['data', 'newRefreshToken'], tokens.refreshToken]);
  return set;
}

/**
 * The `user` object of an answer, from what the sandbox knows of the user. `cardTransaction`: the
 * validated transaction this answer gives the user (a link), which the tenant does not hold yet.
 */
function userFill(tenant, user, now, cardTransaction = null) {
  const verifiedTransaction = cardTransaction ?? latestTransaction(tenant, user.id, now, (transaction) => transaction.validated);
  const fields = { id: user.id, userName: user.phoneNumber ?? user.email, emailAddress: user.email, phoneNumber: user.phoneNumber };
  // Names and the ID number come from a captured card; a user who never completed one has none.
  if (!verifiedTransaction) Object.assign(fields, { name: null, surname: null, fullName: null, idNumber: null, address: null });
  else {
    const idNumber = verifiedTransaction.steps.front?.idNumber ?? verifiedTransaction.steps.back?.idNumber;
    if (idNumber) fields.idNumber = idNumber;
  }
  return fields;
}

function latestTransaction(tenant, userId, now, test = () => true) {
  let latest = null;
  for (const transaction of tenant.transactions.values()) {
    if (transaction.userId !== userId || transaction.expiresAt <= now || !test(transaction)) continue;
    if (!latest || transaction.updatedAt >= latest.updatedAt) latest = transaction;
  }
  return latest;
}

// ---------------------------------------------------------------------------------------------
// Transactions

function newTransaction(id, userId, request) {
  return {
    id,
    userId,
    createdAt: request.now,
    updatedAt: request.now,
    expiresAt: request.now + request.settings.transactionTtlMs,
    steps: {},
    validated: false,
    verified: false,
    linked: false,
    imageGroup: newImageGroup(),
  };
}

/**
 * A transaction with some members changed. Built member by member: a spread copy whose members are
 * then redefined takes V8's slow path, and this runs on every capture step.
 */
function transactionWith(base, changes) {
  const next = {
    id: base.id,
    userId: base.userId,
    createdAt: base.createdAt,
    updatedAt: base.updatedAt,
    expiresAt: base.expiresAt,
    steps: base.steps,
    validated: base.validated,
    verified: base.verified,
    linked: base.linked,
    imageGroup: base.imageGroup,
  };
  return Object.assign(next, changes);
}

const ownedBy = (transaction, identity) => transaction.userId === null || transaction.userId === (identity?.userId ?? null);

function stepRecord(request, scenario, images) {
  return { operationId: request.entry.id, scenario: scenario.name, succeeded: scenario.succeeded, at: request.now, images, idNumber: cardIdNumber(scenario.value) };
}

/** The national ID number a scan's answer read off the card (the example's card: the sandbox does no OCR), or null. */
function cardIdNumber(value) {
  const data = value?.data;
  // The /v1 key-only scans put the card's fields directly under data.
  const idNumber = data?.idFrontData?.idNumber ?? data?.idBackData?.idNumber ?? data?.idNumber;
  return typeof idNumber === 'string' ? idNumber : null;
}

function pickImages(images, fields) {
  const picked = {};
  for (const field of fields) if (images[field]) picked[field] = images[field];
  return picked;
}

/** verifyIdFront, verifyIdBack and the key-only OCR scans: start or continue a transaction. */
const idScan = (step) => (tenant, request, state, identity) => {
  const { entry, body } = request;
  const sentId = lowercaseId(body?.transaction_id);
  const existing = sentId ? state.transaction(sentId, request.now) : null;
  const owner = identity?.userId ?? null;
  const user = state.user(existing?.userId ?? owner);
  const refused = existing && !ownedBy(existing, identity) ? transactionNotFound(entry, 'transaction_id', sentId) : null;
  const choice =
    explicitChoice(tenant, request, state) ??
    refused ??
    plannedChoice(tenant, request, step, sentId, user, request.stepScenarios) ??
    chosen(entry.defaultScenario);
  const result = { ...choice, transactionId: sentId };
  if (choice.asAsked || choice.scenario.effect !== 'step' || (existing && !ownedBy(existing, identity))) return result;

  const id = sentId ?? request.make.uuid();
  const base = existing ?? newTransaction(id, owner, request);
  const recorded = stepRecord(request, choice.scenario, pickImages(request.images, ['image']));
  // A new scan of a side puts the transaction back to incomplete until liveness runs again.
  state.putTransaction(transactionWith(base, { updatedAt: request.now, steps: { ...base.steps, [step]: recorded }, validated: false, verified: false }));
  return { ...result, transactionId: id, fill: { transactionId: id } };
};

/** verifyLiveness and the key-only OCR liveness: the last capture step. */
const liveness = (tenant, request, state, identity) => {
  const { entry, body, images } = request;
  const id = lowercaseId(body?.transaction_id);
  const existing = id ? state.transaction(id, request.now) : null;
  const usable = existing && ownedBy(existing, identity);
  let refused = null;
  if (!usable) refused = transactionNotFound(entry, 'transaction_id', id);
  else {
    const missing = existing.steps.front?.succeeded && existing.steps.back?.succeeded ? [] : ['front', 'back'].filter((side) => !existing.steps[side]?.succeeded);
    if (missing.length > 0) {
      const why = `The ID ${missing.join(' and ')} of transaction ${id} ${missing.length > 1 ? 'have' : 'has'} not succeeded.`;
      refused = refusal(entry, [[200, 'idStepsMissing'], [200, 'transactionNotFound']], why, [
        { field: 'transaction_id', message: 'The ID front and back of this transaction must be verified before liveness.' },
      ]);
    } else if (identicalFaces(images)) {
      refused = { ...chosen(entry.scenario('facesIdentical')), why: 'Two of the faces are the same bytes.' };
      if (!refused.scenario) refused = null;
    }
  }
  const user = state.user(existing?.userId ?? identity?.userId);
  const choice =
    explicitChoice(tenant, request, state) ?? refused ?? plannedChoice(tenant, request, 'liveness', id, user, request.stepScenarios) ?? chosen(entry.defaultScenario);
  const result = { ...choice, transactionId: id };
  if (choice.asAsked || choice.scenario.effect !== 'step' || (existing && !usable)) return result;

  const base = existing ?? newTransaction(id, identity?.userId ?? null, request);
  const { validated, verified } = choice.scenario;
  const recorded = stepRecord(request, choice.scenario, pickImages(images, ['face_1', 'face_2', 'face_3', 'image']));
  state.putTransaction(transactionWith(base, { updatedAt: request.now, steps: { ...base.steps, liveness: recorded }, validated, verified }));
  const owner = state.user(base.userId);
  if (owner && validated && owner.verified !== verified) state.putUser({ ...owner, verified });
  // The verdict names the card the transaction's scans read, whichever example answers it (the
  // vendor's documented one shows a card of its own).
  const idNumber = base.steps.front?.idNumber ?? base.steps.back?.idNumber;
  return { ...result, fill: { transactionId: id, set: idNumber ? [[['data', 'user', 'idNumber'], idNumber]] : [] } };
};

function identicalFaces(images) {
  const faces = ['face_1', 'face_2', 'face_3'].map((field) => images[field]).filter(Boolean);
  for (let first = 0; first < faces.length; first++) {
    for (let second = first + 1; second < faces.length; second++) if (sameBytes(faces[first], faces[second])) return true;
  }
  return false;
}

/** LinkUserWithExistingTransaction: a completed transaction is attached to the bearer's user. */
const link = (tenant, request, state, identity) => {
  const { entry, body } = request;
  const id = lowercaseId(body?.transactionId);
  const existing = id ? state.transaction(id, request.now) : null;
  const usable = existing && ownedBy(existing, identity);
  let refused = null;
  if (!usable) refused = transactionNotFound(entry, 'transactionId', id);
  else if (!existing.validated) {
    const why = `Transaction ${id} is incomplete: its liveness step has not succeeded.`;
    refused = refusal(entry, [[200, 'transactionIncomplete'], [200, 'transactionNotFound']], why, [{ field: 'transactionId', message: 'The transaction has no successful liveness step.' }]);
  }
  const user = state.user(identity?.userId);
  const verdict = usable ? entry.successWhere((value) => value?.data?.isDigitalIdentityVerified === existing.verified) : null;
  const choice =
    explicitChoice(tenant, request, state) ??
    refused ??
    plannedChoice(tenant, request, 'link', id, user, request.stepScenarios) ??
    chosen(verdict ?? entry.defaultScenario);
  const result = { ...choice, transactionId: id };
  if (choice.asAsked || choice.scenario.effect !== 'step' || (existing && !usable) || !user) return result;

  const { validated, verified } = choice.scenario;
  const base = existing ?? newTransaction(id, user.id, request);
  const linked = transactionWith(base, { userId: user.id, linked: true, updatedAt: request.now, validated, verified });
  state.putTransaction(linked);
  if (validated && user.verified !== verified) state.putUser({ ...user, verified });
  return { ...result, fill: { transactionId: id, merge: [[['data', 'user'], userFill(tenant, { ...user, verified }, request.now, validated ? linked : null)]] } };
};

// ---------------------------------------------------------------------------------------------
// Admin image retrieval

function findUser(state, key) {
  if (typeof key !== 'string' || key === '') return null;
  return state.userByPhone(key) ?? (key.includes('@') ? state.userByEmail(key) : null);
}

/** The file name GetUserDigitalIdentityImages gives each kept image of a transaction, by answer member. */
export function fileNames(transaction) {
  const owner = transaction.userId === null ? 'ocr' : `user${transaction.userId}`;
  const names = {};
  for (const [member, [step, field, part]] of Object.entries(IMAGE_SLOTS)) {
    const record = transaction.steps[step]?.images?.[field];
    names[member] = record ? { name: `${owner}_${part}_${transaction.id.slice(0, 8)}.${record.extension}`, record } : null;
  }
  return names;
}

const getUserDigitalIdentityImages = (tenant, request, state) => {
  const { entry, query } = request;
  const user = findUser(state, query.emailOrPhoneNumber);
  const transaction = user ? latestTransaction(tenant, user.id, request.now, (candidate) => fileNamesExist(candidate)) : null;
  let natural;
  if (!user) {
    natural = refusal(entry, [[200, 'userNotFound']], 'No user of this tenant has this email or phone number.', [
      { field: 'emailOrPhoneNumber', message: 'No user was found with this email or phone number.' },
    ]);
  } else if (!transaction) {
    natural = chosen(entry.successWhere((value) => value?.data && Object.values(value.data).every((member) => member === null)) ?? entry.defaultScenario);
  } else natural = chosen(entry.defaultScenario);
  const choice = explicitChoice(tenant, request, state) ?? natural;
  const result = { ...choice, transactionId: transaction?.id ?? null };
  if (choice.asAsked || !transaction || !isSuccessStatus(choice.scenario.status) || errorCodeOf(choice.scenario.value) !== null) return result;
  const names = fileNames(transaction);
  const set = Object.entries(names).map(([member, file]) => [['data', member], file?.name ?? null]);
  return { ...result, fill: { set } };
};

const fileNamesExist = (transaction) => Object.values(fileNames(transaction)).some(Boolean);

const getStepImage = (tenant, request, state) => {
  const { entry, query } = request;
  const id = lowercaseId(query.TransactionId);
  const transaction = id ? state.transaction(id, request.now) : null;
  const name = query.FileName;
  const files = transaction ? Object.values(fileNames(transaction)).filter(Boolean) : [];
  const file = files.find((candidate) => candidate.name === name);
  const notFound = (why, message) => refusal(entry, [[200, 'fileNotFound']], why, [{ field: 'FileName', message }]);
  let natural;
  if (!transaction) natural = notFound(`This tenant has no transaction ${id}.`, 'No image with this name exists in the transaction.');
  else if (!file) {
    const known = files.map((candidate) => candidate.name).join(', ') || 'none';
    natural = notFound(`Transaction ${id} has no image named ${String(name).slice(0, 120)}.`, `No image with this name exists in the transaction (it has: ${known}).`);
  } else if (file.record.text === null) {
    natural = notFound(`${name} was evicted to keep the sandbox within its image budget.`, 'This image was evicted to keep the sandbox within its image budget.');
  } else natural = chosen(entry.defaultScenario);
  const choice = explicitChoice(tenant, request, state) ?? natural;
  const result = { ...choice, transactionId: transaction?.id ?? id };
  if (choice.asAsked || !file || file.record.text === null || choice.scenario !== entry.defaultScenario) return result;
  return { ...result, fill: { image: [['data', 'image'], file.record.text] } };
};

// ---------------------------------------------------------------------------------------------
// Logins and tokens

const adminLogin = (tenant, request, state) => {
  const choice = explicitChoice(tenant, request, state) ?? chosen(request.entry.defaultScenario);
  if (choice.asAsked || !grantsToken(choice.scenario)) return choice;
  const tokens = issueTokens(state, request, { role: 'admin', userId: null, example: choice.scenario.value, make: request.make });
  return { ...choice, fill: { set: tokenFill(tokens) } };
};

const grantsToken = (scenario) => isSuccessStatus(scenario.status) && errorCodeOf(scenario.value) === null && typeof scenario.value?.data?.accessToken === 'string';

const refreshToken = (tenant, request, state) => {
  const { entry, body, settings } = request;
  const known = tenant.refreshTokens.get(body?.refreshToken);
  let refused = null;
  if (tenant.usedRefreshTokens.has(body?.refreshToken)) {
    const why = 'This refresh token was already used: each refresh answers with a new one (newRefreshToken).';
    refused = refusal(entry, [[401, 'unauthorized']], why, [{ field: 'refreshToken', message: why }]);
  } else if (!known && settings.strictTokens) {
    const why = 'This refresh token was not issued by the sandbox (it runs with --strict-tokens).';
    refused = refusal(entry, [[401, 'unauthorized']], why, [{ field: 'refreshToken', message: why }]);
  }
  const choice = explicitChoice(tenant, request, state) ?? refused ?? chosen(entry.defaultScenario);
  if (choice.asAsked || !grantsToken(choice.scenario)) return choice;
  // A refresh token the sandbox never issued stands for a fresh admin session, like an unknown bearer token.
  const owner = known ?? { role: 'admin', userId: null };
  if (known) state.touch().dropRefreshTokens.push(body.refreshToken);
  const tokens = issueTokens(state, request, { role: owner.role, userId: owner.userId, example: choice.scenario.value, make: request.make });
  return { ...choice, fill: { set: tokenFill(tokens, { newRefreshToken: true }) } };
};

const userLogin = (tenant, request, state) => {
  const { entry, body } = request;
  const phone = body?.phoneNumber;
  const user = state.userByPhone(phone);
  const otpSent = body?.phoneNumberOtpRequestId != null || body?.phoneNumberOtp != null;
  let refused = null;
  if (!user || (user.password !== null && body?.password !== user.password)) {
    refused = refusal(entry, [[401, 'unauthorized']], 'The phone number or password is wrong.', [{ field: 'password', message: 'The phone number or password is wrong.' }]);
  } else if (otpSent && !validOtp(state, request, { id: body.phoneNumberOtpRequestId, channel: 'phone', target: phone, otp: body.phoneNumberOtp })) {
    refused = otpError(entry, 'phoneNumberOtp', 'The one-time password is wrong, or does not belong to this OTP request.');
  }
  const planned = otpSent ? null : plannedChoice(tenant, request, 'login', null, user, request.stepScenarios);
  const choice = explicitChoice(tenant, request, state) ?? refused ?? planned ?? chosen(entry.defaultScenario);
  if (choice.asAsked || !isSuccessStatus(choice.scenario.status) || errorCodeOf(choice.scenario.value) !== null) return choice;

  const data = choice.scenario.value?.data ?? {};
  const set = [];
  if (typeof data.phoneNumberOtpRequestId === 'string' && !grantsToken(choice.scenario)) {
    const otp = { id: request.make.uuid(), channel: 'phone', target: phone, confirmed: false };
    state.putOtp(otp);
    set.push([['data', 'phoneNumberOtpRequestId'], otp.id]);
    return { ...choice, fill: { set } };
  }
  if (!grantsToken(choice.scenario)) return choice;
  // The state follows a forced login of an unknown phone number: that user now exists.
  const subject = user ?? state.newUser({ phoneNumber: phone, password: body?.password ?? null });
  const tokens = issueTokens(state, request, { role: 'user', userId: subject.id, example: choice.scenario.value, make: request.make });
  const latest = latestTransaction(tenant, subject.id, request.now);
  set.push(
    ...tokenFill(tokens),
    [['data', 'isDigitalIdentityVerified'], subject.verified],
    [['data', 'isEmailConfirmed'], subject.emailConfirmed],
    [['data', 'transactionId'], latest?.id ?? null],
  );
  return { ...choice, fill: { set, merge: [[['data', 'user'], userFill(tenant, subject, request.now)]] } };
};

// ---------------------------------------------------------------------------------------------
// Registration

const checkExistence = (tenant, request, state) => {
  const { entry, body } = request;
  const exists = Boolean((body?.phoneNumber && state.userByPhone(body.phoneNumber)) || (body?.email && state.userByEmail(body.email)));
  const natural = entry.successWhere((value) => value?.data?.exists === exists) ?? entry.defaultScenario;
  return explicitChoice(tenant, request, state) ?? chosen(natural);
};

/** Register/StepVerifyPhone and Register/StepVerifyEmail: send an OTP, then confirm it. */
const otpStep = (channel) => (tenant, request, state) => {
  const { entry, body } = request;
  const fields =
    channel === 'phone'
      ? { target: body?.phoneNumber, id: 'phoneNumberOtpRequestId', otp: 'phoneNumberOtp', confirmed: 'isPhoneNumberConfirmed' }
      : { target: body?.email, id: 'emailOtpRequestId', otp: 'emailOtp', confirmed: 'isEmailConfirmed' };
  const confirming = body?.[fields.otp] != null;
  let natural;
  if (confirming) {
    const valid = validOtp(state, request, { id: body[fields.id], channel, target: fields.target, otp: body[fields.otp] });
    natural = valid
      ? chosen(entry.successWhere((value) => value?.data?.[fields.confirmed] === true) ?? entry.defaultScenario)
      : otpError(entry, fields.otp, `The one-time password is wrong, or does not belong to this OTP request (the sandbox sends ${request.settings.otp}).`);
  } else natural = chosen(entry.successWhere((value) => value?.data?.[fields.confirmed] !== true) ?? entry.defaultScenario);
  const choice = explicitChoice(tenant, request, state) ?? natural;
  if (choice.asAsked || !isSuccessStatus(choice.scenario.status) || errorCodeOf(choice.scenario.value) !== null) return choice;

  const data = choice.scenario.value?.data ?? {};
  const set = [];
  if (data[fields.confirmed] === true) {
    const id = body?.[fields.id] ?? request.make.uuid();
    state.putOtp({ ...(state.otp(id) ?? { id, channel, target: fields.target }), confirmed: true });
    set.push([['data', fields.id], id]);
    if (channel === 'phone') set.push([['data', 'userName'], fields.target]);
  } else {
    const otp = { id: request.make.uuid(), channel, target: fields.target, confirmed: false };
    state.putOtp(otp);
    set.push([['data', fields.id], otp.id]);
  }
  return { ...choice, fill: { set } };
};

const register = (tenant, request, state) => {
  const { entry, body } = request;
  const phone = body?.phoneNumber;
  const email = body?.email ?? null;
  const already = state.userByPhone(phone);
  let refused = null;
  const invalid = (field, why) => refusal(entry, [[400, 'invalidRequest']], why, [{ field, message: why }]);
  if (already) refused = invalid('phoneNumber', 'A user with this phone number is already registered: log in instead.');
  else if (email && state.userByEmail(email)) refused = invalid('email', 'A user with this email is already registered.');
  else if (!body?.phoneNumberOtpRequestId) {
    refused = otpError(entry, 'phoneNumberOtpRequestId', 'Verify the phone number first: call Register/StepVerifyPhone, then send its phoneNumberOtpRequestId here.');
  } else if (!validOtp(state, request, { id: body.phoneNumberOtpRequestId, channel: 'phone', target: phone, otp: body.phoneNumberOtp })) {
    refused = otpError(entry, 'phoneNumberOtp', 'The phone number was not confirmed with this OTP request, and the one-time password is wrong.');
  } else if (email && body.emailOtpRequestId && !validOtp(state, request, { id: body.emailOtpRequestId, channel: 'email', target: email, otp: body.emailOtp })) {
    refused = otpError(entry, 'emailOtp', 'The email was not confirmed with this OTP request, and the one-time password is wrong.');
  }
  const choice = explicitChoice(tenant, request, state) ?? refused ?? chosen(entry.defaultScenario);
  if (choice.asAsked || !grantsToken(choice.scenario)) return choice;

  const emailConfirmed = Boolean(email && body.emailOtpRequestId && validOtp(state, request, { id: body.emailOtpRequestId, channel: 'email', target: email, otp: body.emailOtp }));
  const user = already ?? state.newUser({ phoneNumber: phone, email, password: body?.password ?? null, emailConfirmed });
  const tokens = issueTokens(state, request, { role: 'user', userId: user.id, example: choice.scenario.value, make: request.make, refresh: false });
  const set = [...tokenFill(tokens), [['data', 'isDigitalIdentityVerified'], user.verified]];
  return { ...choice, fill: { set, merge: [[['data', 'user'], userFill(tenant, user, request.now)]] } };
};

// ---------------------------------------------------------------------------------------------
// Transactions, identities and sign-ups the coverage issue added

/** GetTransactionById: the transaction as the sandbox keeps it; an admin sees any, a user their own. */
const getTransactionById = (tenant, request, state, identity) => {
  const { entry, query } = request;
  const id = lowercaseId(query.id);
  const transaction = id ? state.transaction(id, request.now) : null;
  const visible = transaction && (identity?.role === 'admin' || ownedBy(transaction, identity));
  const natural = visible ? chosen(entry.defaultScenario) : transactionNotFound(entry, 'id', id);
  const choice = explicitChoice(tenant, request, state) ?? natural;
  const result = { ...choice, transactionId: id };
  if (choice.asAsked || !visible || choice.scenario !== entry.defaultScenario) return result;
  const owner = state.user(transaction.userId);
  const at = ['data', 'transaction'];
  const items = ['data', 'transactionItems'];
  const set = [
    [[...at, 'id'], transaction.id],
    [[...at, 'stepsCount'], Object.keys(transaction.steps).length],
    [[...at, 'isVerified'], transaction.verified],
    [[...at, 'isMatched'], transaction.validated],
    [[...at, 'creationTime'], new Date(transaction.createdAt).toISOString().slice(0, 19)],
    [[...at, 'creatorUserId'], transaction.userId],
    [[...items, 'isDigitalIdentityVerified'], transaction.verified],
    [[...items, 'phoneNumber'], owner?.phoneNumber ?? null],
  ];
  return { ...result, fill: { transactionId: transaction.id, set } };
};

/** CancelVerifiedDigitalIdentity (the bearer's own) and CancelVerifiedDigitalIdentityForAdmin (a user by id). */
const cancelVerified = (byAdmin) => (tenant, request, state, identity) => {
  const { entry, body } = request;
  const user = state.user(byAdmin ? body?.userId : identity?.userId);
  let natural;
  if (!user) natural = refusal(entry, [[200, 'userNotFound']], `This tenant has no user ${body?.userId}.`, [{ field: 'userId', message: 'No user was found with this id.' }]);
  else if (!byAdmin && !user.verified) {
    natural = refusal(entry, [[200, 'notVerified']], 'The user has no verified digital identity to cancel.', [{ field: null, message: 'The user has no verified digital identity.' }]);
  } else natural = chosen(entry.defaultScenario);
  const choice = explicitChoice(tenant, request, state) ?? natural;
  if (!choice.asAsked && user && choice.scenario === entry.defaultScenario && user.verified) state.putUser({ ...user, verified: false });
  return choice;
};

/** Register/StepVerifyOAuthToken and VerifyOAuthToken: no provider is asked; a verified answer gets a request id of its own. */
const oAuthToken = (tenant, request, state) => {
  const choice = explicitChoice(tenant, request, state) ?? chosen(request.entry.defaultScenario);
  if (choice.asAsked || typeof choice.scenario.value?.data?.oAuthTokenVerificationRequestId !== 'string') return choice;
  return { ...choice, fill: { set: [[['data', 'oAuthTokenVerificationRequestId'], `oauth-${request.make.uuid()}`]] } };
};

// ---------------------------------------------------------------------------------------------

const RULES = {
  verifyIdFront: idScan('front'),
  ocrIdFront: idScan('front'),
  verifyIdBack: idScan('back'),
  ocrIdBack: idScan('back'),
  verifyLiveness: liveness,
  ocrLiveness: liveness,
  linkUserWithExistingTransaction: link,
  getUserDigitalIdentityImages,
  getStepImage,
  adminLogin,
  refreshToken,
  userLogin,
  checkExistenceOfEmailOrPhone: checkExistence,
  registerStepVerifyPhone: otpStep('phone'),
  registerStepVerifyEmail: otpStep('email'),
  register,
  getTransactionById,
  cancelVerifiedDigitalIdentity: cancelVerified(false),
  cancelVerifiedDigitalIdentityForAdmin: cancelVerified(true),
  registerStepVerifyOAuthToken: oAuthToken,
  verifyOAuthToken: oAuthToken,
};

const replay = (tenant, request, state) => explicitChoice(tenant, request, state) ?? chosen(request.entry.defaultScenario);

/**
 * Who calls, for an operation that needs a bearer token: `{ identity, changes }` (identity null when the
 * operation needs no token), or `{ refused, changes }` with the 401 or 403 to answer.
 * `request`: `{ entry, authorization, now, settings }`.
 */
export function authorizeRequest(tenant, request) {
  const state = draft(tenant);
  // The rules' answers are fresh objects of many shapes: a member added in place, rather than a spread
  // copy (V8's slow path for so many shapes), on every request.
  const access = authorize(tenant, request, state);
  access.changes = state.changes;
  return access;
}

/**
 * The sandbox's decision for one authorized request that passed the request checks:
 * `{ scenario, asAsked, by, why, errorDescriptions, fill, transactionId, changes }`.
 * `request`: `{ entry, identity, body, query, prefer, images, now, make, settings, stepScenarios }`;
 * `settings`: `{ strictTokens, otp, transactionTtlMs, stateless }`.
 */
export function decide(tenant, request) {
  const state = draft(tenant);
  const rule = request.settings.stateless ? replay : (RULES[request.entry.id] ?? replay);
  const decision = rule(tenant, request, state, request.identity);
  // A generated answer is answered as asked, with the fill and the state of the example standing for it.
  if (request.prefer?.dynamic) decision.asAsked = true;
  decision.changes = state.changes;
  return decision;
}
