// Every operation's rule, declared once: what it does in the sandbox, the refusals it can make and
// when, its natural outcome where that is not the default scenario, and its effects on the state.
// decide() (rules/decide.js) applies the precedence; the catalog's prose (`GET /__vlens/scenarios`,
// the banner, the docs) is derived from these declarations (rules/catalog.js). An operation without a
// rule is replayed: its default scenario, or the one asked for.
//
// The sandbox never derives an outcome from pixels: it does no OCR and no liveness detection.
import { newImageGroup, sameBytes } from '../store/images.js';
import { unknownMagic } from './magic.js';
import { grantsToken, isCleanSuccess } from './scenarios.js';
import { issueTokens, tokenFill, validOtp } from './tokens.js';

/** @import { Identity, OperationRule, RuleContext } from './decide.js' */
/** @import { Draft } from './draft.js' */
/** @import { Scenario } from './scenarios.js' */
/** @import { Path } from '../answers/fill.js' */
/** @import { ImageRecord } from '../store/images.js' */
/** @import { StepRecord, Tenant, Transaction, User } from '../store/tenants.js' */

/** @param {unknown} id */
const lowercaseId = (id) => (typeof id === 'string' && id !== '' ? id.toLowerCase() : null);
/** @param {Transaction} transaction @param {Identity | null} identity */
const ownedBy = (transaction, identity) => transaction.userId === null || transaction.userId === (identity?.userId ?? null);

/** GetUserDigitalIdentityImages member -> [step, request field, file name part]. @type {Record<string, ['front' | 'back' | 'liveness', string, string]>} */
const IMAGE_SLOTS = {
  idFrontImage: ['front', 'image', 'id_front'],
  idBackImage: ['back', 'image', 'id_back'],
  livenessImage: ['liveness', 'image', 'liveness'],
  livenessFace01Image: ['liveness', 'face_1', 'face01'],
  livenessFace02Image: ['liveness', 'face_2', 'face02'],
  livenessFace03Image: ['liveness', 'face_3', 'face03'],
};

// ---------------------------------------------------------------------------------------------
// Shared pieces

/**
 * The transactionNotFound refusal of an operation that names a transaction in `field`.
 * @template {{ id: string | null, usable: boolean, foreign: boolean }} F
 * @param {string} field
 * @param {string} when
 * @returns {import('./decide.js').Refusal<F>}
 */
const transactionNotFound = (field, when) => ({
  scenario: [[200, 'transactionNotFound']],
  when,
  test: (_, facts) => !facts.usable,
  why: (_, facts) => `This tenant has no transaction ${facts.id} (or it expired, or belongs to another user).`,
  fields: () => [{ field, message: 'No transaction with this id exists for this user.' }],
  // Another user's transaction is never changed, whatever answer is forced.
  binding: (_, facts) => facts.foreign,
});

/**
 * @param {Transaction['id']} id
 * @param {number | null} userId
 * @param {RuleContext} context
 * @returns {Transaction}
 */
function newTransaction(id, userId, context) {
  return {
    id,
    userId,
    createdAt: context.now,
    updatedAt: context.now,
    expiresAt: context.now + context.settings.transactionTtlMs,
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
 * @param {Transaction} base
 * @param {Partial<Transaction>} changes
 * @returns {Transaction}
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

/**
 * The national ID number a scan's answer read off the card (the example's card: the sandbox does no OCR), or null.
 * @param {any} value
 */
export function cardIdNumber(value) {
  const data = value?.data;
  // The /v1 key-only scans put the card's fields directly under data.
  const idNumber = data?.idFrontData?.idNumber ?? data?.idBackData?.idNumber ?? data?.idNumber;
  return typeof idNumber === 'string' ? idNumber : null;
}

/**
 * @param {RuleContext} context
 * @param {Scenario} scenario
 * @param {string[]} fields the request's image members kept with the step
 * @returns {StepRecord}
 */
function stepRecord(context, scenario, fields) {
  /** @type {Record<string, ImageRecord>} */
  const images = {};
  for (const field of fields) if (context.images[field]) images[field] = /** @type {ImageRecord} */ (context.images[field]);
  return { operationId: context.operation.id, scenario: scenario.name, succeeded: scenario.succeeded, at: context.now, images, idNumber: cardIdNumber(scenario.value) };
}

/**
 * @param {Tenant} tenant
 * @param {Draft} state
 * @param {number} userId
 * @param {number} now
 * @param {(transaction: Transaction) => boolean} [test]
 */
function latestTransaction(tenant, state, userId, now, test = () => true) {
  /** @type {Transaction | null} */
  let latest = null;
  const candidates = new Map(tenant.transactions);
  for (const [id, transaction] of state.changes.transactions) candidates.set(id, transaction);
  for (const transaction of candidates.values()) {
    if (transaction.userId !== userId || transaction.expiresAt <= now || !test(transaction)) continue;
    if (!latest || transaction.updatedAt >= latest.updatedAt) latest = transaction;
  }
  return latest;
}

/**
 * The `user` object of an answer, from what the sandbox knows of the user. `cardTransaction`: the
 * validated transaction this answer gives the user (a link), which the tenant does not hold yet.
 * @param {RuleContext} context
 * @param {User} user
 * @param {Transaction | null} [cardTransaction]
 */
function userFill(context, user, cardTransaction = null) {
  const verifiedTransaction = cardTransaction ?? latestTransaction(context.state.tenant, context.state, user.id, context.now, (transaction) => transaction.validated);
  /** @type {Record<string, unknown>} */
  const fields = { id: user.id, userName: user.phoneNumber ?? user.email, emailAddress: user.email, phoneNumber: user.phoneNumber };
  // Names and the ID number come from a captured card; a user who never completed one has none.
  if (!verifiedTransaction) Object.assign(fields, { name: null, surname: null, fullName: null, idNumber: null, address: null });
  else {
    const idNumber = verifiedTransaction.steps.front?.idNumber ?? verifiedTransaction.steps.back?.idNumber;
    if (idNumber) fields.idNumber = idNumber;
  }
  return fields;
}

/**
 * The file name GetUserDigitalIdentityImages gives each kept image of a transaction, by answer member.
 * @param {Transaction} transaction
 * @returns {Record<string, { name: string, record: ImageRecord } | null>}
 */
export function fileNames(transaction) {
  const owner = transaction.userId === null ? 'ocr' : `user${transaction.userId}`;
  /** @type {Record<string, { name: string, record: ImageRecord } | null>} */
  const names = {};
  for (const [member, [step, field, part]] of Object.entries(IMAGE_SLOTS)) {
    const record = transaction.steps[step]?.images?.[field];
    names[member] = record ? { name: `${owner}_${part}_${transaction.id.slice(0, 8)}.${record.extension}`, record } : null;
  }
  return names;
}

/** @param {Transaction} transaction */
const hasImages = (transaction) => Object.values(fileNames(transaction)).some(Boolean);

const FACE_FIELDS = ['face_1', 'face_2', 'face_3'];

/** @param {Record<string, ImageRecord>} images */
function identicalFaces(images) {
  /** @type {ImageRecord[]} */
  const faces = [];
  for (const field of FACE_FIELDS) {
    const record = images[field];
    if (record !== undefined) faces.push(record);
  }
  for (let first = 0; first < faces.length; first++) {
    for (let second = first + 1; second < faces.length; second++) if (sameBytes(/** @type {ImageRecord} */ (faces[first]), /** @type {ImageRecord} */ (faces[second]))) return true;
  }
  return false;
}

/**
 * @param {string} field
 * @param {string} why
 * @returns {import('./decide.js').Refusal<any>['fields']}
 */
const on = (field, why) => () => [{ field, message: why }];

// ---------------------------------------------------------------------------------------------
// Capture

/**
 * verifyIdFront, verifyIdBack and the key-only OCR scans: start or continue a transaction.
 * @param {'front' | 'back'} step
 * @param {string} summary
 * @returns {OperationRule<{ id: string | null, existing: Transaction | null, usable: boolean, foreign: boolean }>}
 */
const idScan = (step, summary) => ({
  summary,
  outcomes: step,
  read(context) {
    const id = lowercaseId(context.body?.transaction_id);
    const existing = context.state.transaction(id, context.now);
    const foreign = Boolean(existing && !ownedBy(existing, context.identity));
    return { id, existing, foreign, usable: !foreign };
  },
  transactionId: (facts) => facts.id,
  refusals: [transactionNotFound('transaction_id', "the transaction_id sent is another user's")],
  effects: {
    summary: `records the ${step} step on the transaction sent (a new one with that id when the tenant has none) or on a new one; front and back in either order; a failed scan leaves the transaction incomplete, and a new scan of a side makes it incomplete until liveness runs again`,
    apply(context, { id: sentId, existing }, scenario) {
      if (scenario.effect !== 'step') return;
      const id = sentId ?? context.make.uuid();
      const base = existing ?? newTransaction(id, context.identity?.userId ?? null, context);
      const recorded = stepRecord(context, scenario, ['image']);
      context.state.putTransaction(transactionWith(base, { updatedAt: context.now, steps: { ...base.steps, [step]: recorded }, validated: false, verified: false }));
      return { fill: { transactionId: id }, transactionId: id };
    },
  },
});

/** @typedef {{ id: string | null, existing: Transaction | null, usable: boolean, foreign: boolean }} TransactionFacts */

/**
 * @param {RuleContext} context
 * @param {string} member the body member naming the transaction
 * @returns {TransactionFacts}
 */
function transactionFacts(context, member) {
  const id = lowercaseId(context.body?.[member]);
  const existing = context.state.transaction(id, context.now);
  const foreign = Boolean(existing && !ownedBy(existing, context.identity));
  return { id, existing, foreign, usable: Boolean(existing) && !foreign };
}

/** @param {Transaction | null} transaction */
const missingSides = (transaction) => /** @type {const} */ (['front', 'back']).filter((side) => !transaction?.steps[side]?.succeeded);

/**
 * verifyLiveness and the key-only OCR liveness: the last capture step.
 * @param {string} summary
 * @returns {OperationRule<TransactionFacts>}
 */
const liveness = (summary) => ({
  summary,
  outcomes: 'liveness',
  read: (context) => transactionFacts(context, 'transaction_id'),
  transactionId: (facts) => facts.id,
  refusals: [
    transactionNotFound('transaction_id', "the transaction id is unknown, expired or another user's"),
    {
      scenario: [
        [200, 'idStepsMissing'],
        [200, 'transactionNotFound'],
      ],
      when: 'the ID front and back of the transaction have not both succeeded',
      test: (_, facts) => !facts.existing?.steps.front?.succeeded || !facts.existing.steps.back?.succeeded,
      why: (_, facts) => {
        const missing = missingSides(facts.existing);
        return `The ID ${missing.join(' and ')} of transaction ${facts.id} ${missing.length > 1 ? 'have' : 'has'} not succeeded.`;
      },
      fields: on('transaction_id', 'The ID front and back of this transaction must be verified before liveness.'),
    },
    {
      scenario: 'facesIdentical',
      when: 'two of the faces are the same bytes',
      test: (context) => context.scenarios.get('facesIdentical') !== null && identicalFaces(context.images),
      why: () => 'Two of the faces are the same bytes.',
    },
  ],
  effects: {
    summary:
      "records the liveness step and the verdict on the transaction (Validated, Verified); the transaction's user is marked Verified as the verdict says; the answer names the card the transaction's scans read",
    apply(context, { id, existing }, scenario) {
      if (scenario.effect !== 'step' || id === null) return;
      const base = existing ?? newTransaction(id, context.identity?.userId ?? null, context);
      const { validated, verified } = scenario;
      const recorded = stepRecord(context, scenario, ['face_1', 'face_2', 'face_3', 'image']);
      context.state.putTransaction(transactionWith(base, { updatedAt: context.now, steps: { ...base.steps, liveness: recorded }, validated, verified }));
      const owner = context.state.user(base.userId);
      if (owner && validated && owner.verified !== verified) context.state.putUser({ ...owner, verified });
      // The verdict names the card the transaction's scans read, whichever example answers it (the
      // vendor's documented one shows a card of its own).
      const idNumber = base.steps.front?.idNumber ?? base.steps.back?.idNumber;
      return { fill: { transactionId: id, set: idNumber ? [[['data', 'user', 'idNumber'], idNumber]] : [] } };
    },
  },
});

/** @type {OperationRule<TransactionFacts & { user: User | null }>} */
const link = {
  summary: "Attaches a completed transaction to the bearer's user, answering its verdict.",
  outcomes: 'link',
  read: (context) => ({ ...transactionFacts(context, 'transactionId'), user: context.state.user(context.identity?.userId) }),
  transactionId: (facts) => facts.id,
  refusals: [
    transactionNotFound('transactionId', "the transaction id is unknown, expired or another user's"),
    {
      scenario: [
        [200, 'transactionIncomplete'],
        [200, 'transactionNotFound'],
      ],
      when: 'its liveness step has not succeeded',
      test: (_, facts) => !facts.existing?.validated,
      why: (_, facts) => `Transaction ${facts.id} is incomplete: its liveness step has not succeeded.`,
      fields: on('transactionId', 'The transaction has no successful liveness step.'),
    },
  ],
  natural: {
    summary: "the answer whose verdict is the transaction's (verified, or validated but not verified)",
    pick: (context, facts) => (facts.usable ? context.scenarios.successWhere((value) => value?.data?.isDigitalIdentityVerified === facts.existing?.verified) : null),
  },
  effects: {
    summary: "the transaction becomes the user's (linked), and the user is marked Verified as its verdict says; the answer gives the user the card the transaction read",
    apply(context, facts, scenario) {
      const { id, existing, user } = facts;
      if (scenario.effect !== 'step' || !user || id === null) return;
      const { validated, verified } = scenario;
      const base = existing ?? newTransaction(id, user.id, context);
      const linked = transactionWith(base, { userId: user.id, linked: true, updatedAt: context.now, validated, verified });
      context.state.putTransaction(linked);
      if (validated && user.verified !== verified) context.state.putUser({ ...user, verified });
      return { fill: { transactionId: id, merge: [[['data', 'user'], userFill(context, { ...user, verified }, validated ? linked : null)]] } };
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Admin reads

/**
 * @param {Draft} state
 * @param {unknown} key an email or a phone number
 */
function findUser(state, key) {
  if (typeof key !== 'string' || key === '') return null;
  return state.userByPhone(key) ?? (key.includes('@') ? state.userByEmail(key) : null);
}

/** @param {Record<string, string | string[]>} query @param {string} name */
const single = (query, name) => {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
};

/** @type {OperationRule<{ user: User | null, transaction: Transaction | null }>} */
const getUserDigitalIdentityImages = {
  summary: "The file names of the images of the user's latest transaction that has any.",
  read(context) {
    const user = findUser(context.state, single(context.query, 'emailOrPhoneNumber'));
    return { user, transaction: user ? latestTransaction(context.state.tenant, context.state, user.id, context.now, hasImages) : null };
  },
  transactionId: (facts) => facts.transaction?.id ?? null,
  refusals: [
    {
      scenario: [[200, 'userNotFound']],
      when: 'no user of the tenant has that email or phone number',
      test: (_, facts) => !facts.user,
      why: () => 'No user of this tenant has this email or phone number.',
      fields: on('emailOrPhoneNumber', 'No user was found with this email or phone number.'),
    },
  ],
  natural: {
    summary: 'noImages (every name null) before any capture',
    pick: (context, facts) => (facts.transaction ? null : context.scenarios.successWhere((value) => value?.data && Object.values(value.data).every((member) => member === null))),
  },
  effects: {
    summary: 'none; the answer names the kept images',
    apply(_, facts, scenario) {
      if (!facts.transaction || !isCleanSuccess(scenario)) return;
      return { fill: { set: Object.entries(fileNames(facts.transaction)).map(([member, file]) => /** @type {[Path, unknown]} */ ([['data', member], file?.name ?? null])) } };
    },
  },
};

/** @type {OperationRule<{ id: string | null, transaction: Transaction | null, name: string | undefined, files: { name: string, record: ImageRecord }[], file: { name: string, record: ImageRecord } | undefined }>} */
const getStepImage = {
  summary: 'Exactly the base64 that was uploaded.',
  read(context) {
    const id = lowercaseId(single(context.query, 'TransactionId'));
    const transaction = context.state.transaction(id, context.now);
    const name = single(context.query, 'FileName');
    const files = transaction ? /** @type {{ name: string, record: ImageRecord }[]} */ (Object.values(fileNames(transaction)).filter(Boolean)) : [];
    return { id, transaction, name, files, file: files.find((candidate) => candidate.name === name) };
  },
  transactionId: (facts) => facts.transaction?.id ?? facts.id,
  refusals: [
    {
      scenario: [[200, 'fileNotFound']],
      when: 'the transaction is unknown',
      test: (_, facts) => !facts.transaction,
      why: (_, facts) => `This tenant has no transaction ${facts.id}.`,
      fields: on('FileName', 'No image with this name exists in the transaction.'),
    },
    {
      scenario: [[200, 'fileNotFound']],
      when: 'the transaction has no image of that name',
      test: (_, facts) => !facts.file,
      why: (_, facts) => `Transaction ${facts.id} has no image named ${String(facts.name).slice(0, 120)}.`,
      fields: (_, facts) => [
        { field: 'FileName', message: `No image with this name exists in the transaction (it has: ${facts.files.map((file) => file.name).join(', ') || 'none'}).` },
      ],
    },
    {
      scenario: [[200, 'fileNotFound']],
      when: 'the image was evicted to keep the sandbox within its image budget',
      test: (_, facts) => facts.file?.record.text === null,
      why: (_, facts) => `${facts.name} was evicted to keep the sandbox within its image budget.`,
      fields: on('FileName', 'This image was evicted to keep the sandbox within its image budget.'),
    },
  ],
  effects: {
    summary: 'none; the default answer carries the image as it was sent',
    apply(context, facts, scenario) {
      const text = facts.file?.record.text;
      if (!text || scenario !== context.scenarios.default) return;
      return { fill: { image: [['data', 'image'], text] } };
    },
  },
};

/** @type {OperationRule<{ id: string | null, transaction: Transaction | null, visible: boolean }>} */
const getTransactionById = {
  summary: "The transaction as the sandbox keeps it (id, steps, verdict, user); an admin token sees any of the tenant's, a user token its own.",
  read(context) {
    const id = lowercaseId(single(context.query, 'id'));
    const transaction = context.state.transaction(id, context.now);
    return { id, transaction, visible: Boolean(transaction && (context.identity?.role === 'admin' || ownedBy(transaction, context.identity))) };
  },
  transactionId: (facts) => facts.id,
  refusals: [
    {
      scenario: [[200, 'transactionNotFound']],
      when: "the id is unknown, expired or (for a user token) another user's",
      test: (_, facts) => !facts.visible,
      why: (_, facts) => `This tenant has no transaction ${facts.id} (or it expired, or belongs to another user).`,
      fields: on('id', 'No transaction with this id exists for this user.'),
    },
  ],
  effects: {
    summary: 'none; the default answer describes the transaction',
    apply(context, { transaction, visible }, scenario) {
      if (!transaction || !visible || scenario !== context.scenarios.default) return;
      const owner = context.state.user(transaction.userId);
      /** @type {Path} */
      const at = ['data', 'transaction'];
      /** @type {Path} */
      const items = ['data', 'transactionItems'];
      /** @type {[Path, unknown][]} */
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
      return { fill: { transactionId: transaction.id, set } };
    },
  },
};

/**
 * CancelVerifiedDigitalIdentity (the bearer's own) and CancelVerifiedDigitalIdentityForAdmin (a user by id).
 * @param {boolean} byAdmin
 * @param {string} summary
 * @returns {OperationRule<{ user: User | null }>}
 */
const cancelVerified = (byAdmin, summary) => ({
  summary,
  read: (context) => ({ user: context.state.user(byAdmin ? context.body?.userId : context.identity?.userId) }),
  refusals: [
    {
      scenario: [[200, 'userNotFound']],
      when: byAdmin ? 'no user has that id' : 'the user no longer exists',
      test: (_, facts) => !facts.user,
      why: (context) => `This tenant has no user ${byAdmin ? context.body?.userId : context.identity?.userId}.`,
      fields: on('userId', 'No user was found with this id.'),
    },
    ...(byAdmin
      ? []
      : [
          {
            scenario: /** @type {[number, string][]} */ ([[200, 'notVerified']]),
            when: 'the user has no verified identity',
            test: (/** @type {RuleContext} */ _, /** @type {{ user: User | null }} */ facts) => !facts.user?.verified,
            why: () => 'The user has no verified digital identity to cancel.',
            fields: () => [{ field: null, message: 'The user has no verified digital identity.' }],
          },
        ]),
  ],
  effects: {
    summary: 'the user is no longer Verified (their next Login reports it)',
    apply(context, { user }, scenario) {
      if (user && scenario === context.scenarios.default && user.verified) context.state.putUser({ ...user, verified: false });
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Logins and tokens

/** @type {OperationRule} */
const adminLogin = {
  summary: 'Any non-empty credentials log in.',
  effects: {
    summary: 'a JWT-shaped admin token whose exp matches expireInSeconds, and a refresh token',
    apply(context, _, scenario) {
      if (!grantsToken(scenario)) return;
      return { fill: { set: tokenFill(issueTokens(context, { role: 'admin', userId: null, example: scenario.value })) } };
    },
  },
};

/** @type {OperationRule<{ token: unknown, known: import('../store/tenants.js').RefreshToken | null, used: boolean }>} */
const refreshToken = {
  summary: 'Rotates a refresh token the sandbox issued: a new access token of the kind it was issued for, and a new refresh token.',
  read(context) {
    const token = context.body?.refreshToken;
    const tenant = context.state.tenant;
    return { token, known: typeof token === 'string' ? (tenant.refreshTokens.get(token) ?? null) : null, used: typeof token === 'string' && tenant.usedRefreshTokens.has(token) };
  },
  refusals: [
    {
      scenario: [[401, 'unauthorized']],
      when: 'the refresh token was already used',
      test: (_, facts) => facts.used,
      why: () => 'This refresh token was already used: each refresh answers with a new one (newRefreshToken).',
      fields: on('refreshToken', 'This refresh token was already used: each refresh answers with a new one (newRefreshToken).'),
    },
    {
      scenario: [[401, 'unauthorized']],
      when: 'the sandbox did not issue it (or forgot it: a reset, a restart)',
      test: (_, facts) => !facts.known,
      why: () => 'This refresh token was not issued by this sandbox (or the tenant was reset, or the sandbox restarted): log in again.',
      fields: on('refreshToken', 'This refresh token was not issued by this sandbox: log in again.'),
    },
  ],
  effects: {
    summary: 'the refresh token is spent; a forced success with a token the sandbox does not know gives an admin session',
    apply(context, facts, scenario) {
      if (!grantsToken(scenario)) return;
      const owner = facts.known ?? { role: /** @type {const} */ ('admin'), userId: null };
      if (facts.known) context.state.touch().dropRefreshTokens.push(facts.known.token);
      const tokens = issueTokens(context, { role: owner.role, userId: owner.userId, example: scenario.value });
      return { fill: { set: tokenFill(tokens, { newRefreshToken: true }) } };
    },
  },
};

/** @type {OperationRule<{ phone: unknown, user: User | null, otpSent: boolean }>} */
const userLogin = {
  summary: 'The registered phone number and password log the user in; the OTP too, when one is sent.',
  read(context) {
    const phone = context.body?.phoneNumber;
    return {
      phone,
      user: context.state.userByPhone(typeof phone === 'string' ? phone : null),
      otpSent: context.body?.phoneNumberOtpRequestId != null || context.body?.phoneNumberOtp != null,
    };
  },
  outcomes: (_, facts) => (facts.otpSent ? null : 'login'),
  refusals: [
    {
      scenario: [[401, 'unauthorized']],
      when: 'the phone number is unknown or the password wrong',
      test: (context, facts) => !facts.user || (facts.user.password !== null && context.body?.password !== facts.user.password),
      why: () => 'The phone number or password is wrong.',
      fields: on('password', 'The phone number or password is wrong.'),
    },
    {
      scenario: [[400, 'invalidRequest']],
      when: 'an OTP is sent that is wrong or belongs to another OTP request',
      test: (context, facts) =>
        facts.otpSent &&
        !validOtp(context.state, context.settings, { id: context.body?.phoneNumberOtpRequestId, channel: 'phone', target: facts.phone, otp: context.body?.phoneNumberOtp }),
      why: () => 'The one-time password is wrong, or does not belong to this OTP request.',
      fields: on('phoneNumberOtp', 'The one-time password is wrong, or does not belong to this OTP request.'),
    },
  ],
  effects: {
    summary:
      'a user token bound to that user, with isDigitalIdentityVerified and the latest transaction id; an OTP request id where the answer asks for an OTP; a forced login of an unknown phone number makes that user',
    apply(context, facts, scenario) {
      if (!isCleanSuccess(scenario)) return;
      const data = scenario.value?.data ?? {};
      if (typeof data.phoneNumberOtpRequestId === 'string' && !grantsToken(scenario)) {
        const otp = { id: context.make.uuid(), channel: /** @type {const} */ ('phone'), target: String(facts.phone), confirmed: false };
        context.state.putOtp(otp);
        return { fill: { set: [[['data', 'phoneNumberOtpRequestId'], otp.id]] } };
      }
      if (!grantsToken(scenario)) return;
      const subject = facts.user ?? context.state.newUser({ phoneNumber: typeof facts.phone === 'string' ? facts.phone : null, password: context.body?.password ?? null });
      const tokens = issueTokens(context, { role: 'user', userId: subject.id, example: scenario.value });
      const latest = latestTransaction(context.state.tenant, context.state, subject.id, context.now);
      /** @type {[Path, unknown][]} */
      const set = [
        ...tokenFill(tokens),
        [['data', 'isDigitalIdentityVerified'], subject.verified],
        [['data', 'isEmailConfirmed'], subject.emailConfirmed],
        [['data', 'transactionId'], latest?.id ?? null],
      ];
      return { fill: { set, merge: [[['data', 'user'], userFill(context, subject)]] } };
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Registration

/** @type {OperationRule<{ exists: boolean }>} */
const checkExistenceOfEmailOrPhone = {
  summary: 'Whether a user of the tenant has that phone number or email.',
  read: (context) => ({
    exists: Boolean((context.body?.phoneNumber && context.state.userByPhone(context.body.phoneNumber)) || (context.body?.email && context.state.userByEmail(context.body.email))),
  }),
  natural: {
    summary: 'alreadyRegistered when a user has that phone number or email',
    pick: (context, facts) => context.scenarios.successWhere((value) => value?.data?.exists === facts.exists),
  },
};

/**
 * Register/StepVerifyPhone and Register/StepVerifyEmail: send an OTP, then confirm it.
 * @param {'phone' | 'email'} channel
 * @returns {OperationRule<{ target: unknown, confirming: boolean }>}
 */
const otpStep = (channel) => {
  const fields =
    channel === 'phone'
      ? { target: 'phoneNumber', id: 'phoneNumberOtpRequestId', otp: 'phoneNumberOtp', confirmed: 'isPhoneNumberConfirmed' }
      : { target: 'email', id: 'emailOtpRequestId', otp: 'emailOtp', confirmed: 'isEmailConfirmed' };
  return {
    summary: `Without an OTP: a new OTP request id. With the request id and the sandbox OTP: ${channel === 'phone' ? 'phoneConfirmed' : 'emailConfirmed'}.`,
    read: (context) => ({ target: context.body?.[fields.target], confirming: context.body?.[fields.otp] != null }),
    refusals: [
      {
        scenario: [[400, 'invalidRequest']],
        when: 'the OTP sent is not the sandbox OTP, or belongs to another OTP request',
        test: (context, facts) =>
          facts.confirming && !validOtp(context.state, context.settings, { id: context.body?.[fields.id], channel, target: facts.target, otp: context.body?.[fields.otp] }),
        why: (context) => `The one-time password is wrong, or does not belong to this OTP request (the sandbox sends ${context.settings.otp}).`,
        fields: (context) => [
          { field: fields.otp, message: `The one-time password is wrong, or does not belong to this OTP request (the sandbox sends ${context.settings.otp}).` },
        ],
      },
    ],
    natural: {
      summary: 'the confirmed answer when an OTP is sent, the OTP request otherwise',
      pick: (context, facts) => context.scenarios.successWhere((value) => (value?.data?.[fields.confirmed] === true) === facts.confirming),
    },
    effects: {
      summary: 'an OTP request is made, or confirmed',
      apply(context, facts, scenario) {
        if (!isCleanSuccess(scenario)) return;
        const target = String(facts.target);
        if (scenario.value?.data?.[fields.confirmed] === true) {
          const id = context.body?.[fields.id] ?? context.make.uuid();
          context.state.putOtp({ ...(context.state.otp(id) ?? { id, channel, target }), confirmed: true });
          /** @type {[Path, unknown][]} */
          const set = [[['data', fields.id], id]];
          if (channel === 'phone') set.push([['data', 'userName'], target]);
          return { fill: { set } };
        }
        const otp = { id: context.make.uuid(), channel, target, confirmed: false };
        context.state.putOtp(otp);
        return { fill: { set: [[['data', fields.id], otp.id]] } };
      },
    },
  };
};

/** @type {OperationRule<{ phone: unknown, email: string | null, already: User | null }>} */
const register = {
  summary: 'Creates the user once its phone number was verified (a confirmed OTP request, or the sandbox OTP with it), and returns a user token.',
  read: (context) => {
    const phone = context.body?.phoneNumber;
    return { phone, email: context.body?.email ?? null, already: context.state.userByPhone(typeof phone === 'string' ? phone : null) };
  },
  refusals: [
    {
      scenario: [[400, 'invalidRequest']],
      when: 'a sandbox test phone number or address names no outcome (the answer lists the valid ones)',
      test: (context, facts) => unknownMagic({ phoneNumber: String(facts.phone ?? ''), email: facts.email }, context.stepScenarios).length > 0,
      why: (context, facts) => unknownMagic({ phoneNumber: String(facts.phone ?? ''), email: facts.email }, context.stepScenarios)[0]?.message ?? '',
      fields: (context, facts) => unknownMagic({ phoneNumber: String(facts.phone ?? ''), email: facts.email }, context.stepScenarios),
    },
    {
      scenario: [[400, 'invalidRequest']],
      when: 'a user with the phone number is already registered',
      test: (_, facts) => Boolean(facts.already),
      why: () => 'A user with this phone number is already registered: log in instead.',
      fields: on('phoneNumber', 'A user with this phone number is already registered: log in instead.'),
    },
    {
      scenario: [[400, 'invalidRequest']],
      when: 'a user with the email is already registered',
      test: (context, facts) => Boolean(facts.email && context.state.userByEmail(facts.email)),
      why: () => 'A user with this email is already registered.',
      fields: on('email', 'A user with this email is already registered.'),
    },
    {
      scenario: [[400, 'invalidRequest']],
      when: 'no phoneNumberOtpRequestId is sent',
      test: (context) => !context.body?.phoneNumberOtpRequestId,
      why: () => 'Verify the phone number first: call Register/StepVerifyPhone, then send its phoneNumberOtpRequestId here.',
      fields: on('phoneNumberOtpRequestId', 'Verify the phone number first: call Register/StepVerifyPhone, then send its phoneNumberOtpRequestId here.'),
    },
    {
      scenario: [[400, 'invalidRequest']],
      when: 'the phone number was not confirmed with that OTP request',
      test: (context, facts) =>
        !validOtp(context.state, context.settings, { id: context.body?.phoneNumberOtpRequestId, channel: 'phone', target: facts.phone, otp: context.body?.phoneNumberOtp }),
      why: () => 'The phone number was not confirmed with this OTP request, and the one-time password is wrong.',
      fields: on('phoneNumberOtp', 'The phone number was not confirmed with this OTP request, and the one-time password is wrong.'),
    },
    {
      scenario: [[400, 'invalidRequest']],
      when: 'an email OTP request is sent whose OTP is wrong',
      test: (context, facts) =>
        Boolean(facts.email && context.body?.emailOtpRequestId) &&
        !validOtp(context.state, context.settings, { id: context.body?.emailOtpRequestId, channel: 'email', target: facts.email, otp: context.body?.emailOtp }),
      why: () => 'The email was not confirmed with this OTP request, and the one-time password is wrong.',
      fields: on('emailOtp', 'The email was not confirmed with this OTP request, and the one-time password is wrong.'),
    },
  ],
  effects: {
    summary: 'the user is created (with its email confirmed when its OTP request was), with a user token',
    apply(context, facts, scenario) {
      if (!grantsToken(scenario)) return;
      const { body } = context;
      const emailConfirmed = Boolean(
        facts.email &&
          body?.emailOtpRequestId &&
          validOtp(context.state, context.settings, { id: body.emailOtpRequestId, channel: 'email', target: facts.email, otp: body.emailOtp }),
      );
      const user =
        facts.already ??
        context.state.newUser({ phoneNumber: typeof facts.phone === 'string' ? facts.phone : null, email: facts.email, password: body?.password ?? null, emailConfirmed });
      const tokens = issueTokens(context, { role: 'user', userId: user.id, example: scenario.value, refresh: false });
      return { fill: { set: [...tokenFill(tokens), [['data', 'isDigitalIdentityVerified'], user.verified]], merge: [[['data', 'user'], userFill(context, user)]] } };
    },
  },
};

/**
 * Register/StepVerifyOAuthToken and VerifyOAuthToken.
 * @type {OperationRule}
 */
const oAuthToken = {
  summary: 'Asks no provider: answers its scenario.',
  effects: {
    summary: 'none; a verified answer gets an oAuthTokenVerificationRequestId of its own',
    apply(context, _, scenario) {
      if (typeof scenario.value?.data?.oAuthTokenVerificationRequestId !== 'string') return;
      return { fill: { set: [[['data', 'oAuthTokenVerificationRequestId'], `oauth-${context.make.uuid()}`]] } };
    },
  },
};

/** @type {Record<string, OperationRule<any>>} */
export const RULES = {
  verifyIdFront: idScan('front', 'Scans the ID front: starts a transaction with the id sent (any letter case) or a new one, or continues it.'),
  verifyIdBack: idScan('back', 'Scans the ID back: starts a transaction with the id sent (any letter case) or a new one, or continues it.'),
  ocrIdFront: idScan('front', 'Like verifyIdFront, on the API key alone: the transaction has no user until it is linked.'),
  ocrIdBack: idScan('back', 'Like verifyIdBack, on the API key alone: the transaction has no user until it is linked.'),
  verifyLiveness: liveness('The last capture step: three faces on a transaction whose ID front and back succeeded; otherwise Validated and Verified.'),
  ocrLiveness: liveness('Like verifyLiveness, on the API key alone.'),
  linkUserWithExistingTransaction: link,
  getUserDigitalIdentityImages,
  getStepImage,
  adminLogin,
  refreshToken,
  userLogin,
  checkExistenceOfEmailOrPhone,
  registerStepVerifyPhone: otpStep('phone'),
  registerStepVerifyEmail: otpStep('email'),
  register,
  getTransactionById,
  cancelVerifiedDigitalIdentity: cancelVerified(false, "Withdraws the bearer's verified identity."),
  cancelVerifiedDigitalIdentityForAdmin: cancelVerified(true, 'Withdraws the verified identity of the user with that id.'),
  registerStepVerifyOAuthToken: oAuthToken,
  verifyOAuthToken: oAuthToken,
};

/** The rule of an operation the sandbox has no rule for: its default scenario, or the one asked for. */
/** @type {OperationRule} */
export const REPLAY = { summary: 'Replayed: the default scenario, or the one asked for.' };

/** The flow step each operation answers for (its planned and magic outcomes). */
export const STEP_OPERATIONS = {
  front: ['verifyIdFront', 'ocrIdFront'],
  back: ['verifyIdBack', 'ocrIdBack'],
  liveness: ['verifyLiveness', 'ocrLiveness'],
  link: ['linkUserWithExistingTransaction'],
  login: ['userLogin'],
};
