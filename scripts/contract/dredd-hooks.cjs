// Dredd hooks that make Dredd check the contract for real (Dredd loads hook files with require(),
// hence CommonJS). Run by scripts/contract/run.mjs, which passes:
//   VLENS_CONTRACT_PLAN     path of the plan written by dredd-input.mjs (+ mode, images, ...)
//   VLENS_CONTRACT_RESULTS  where to write one record per transaction, for the report
//   VLENS_API_KEY, VLENS_USER_TOKEN, VLENS_ADMIN_TOKEN  credentials (environment only, never files)
//
// For every transaction the hooks
// - set `expected.bodySchema` to the draft 7 schema of that status (Dredd 14 would otherwise only
//   compare the shape of the example);
// - inject the credentials the operation's security asks for, and hide them again before Dredd's
//   reporter sees the request;
// - chain the flow with real values from the answers, never example constants: tokens from the
//   login, registration and refresh answers, the OTP request id into registration, the user's id and
//   phone from the login answers, the transaction id from the front scan into the back, the liveness,
//   the image download and GetTransactionById, the key-only captures' transaction id (the first
//   capture's answer) into the other two and into the link, the file name from the image list into
//   GetStepImage, one generated id for the passport scan and its chip check;
// - give each documented non-2xx status a request that really produces it, or skip it with the
//   reason recorded (mock: Prism's `Prefer: code=`; live: no ApiKey for 401, a malformed body for
//   400, a text/plain body for 415, a user token on an admin operation for 403).
const hooks = require('hooks');
const { randomUUID } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');

const config = JSON.parse(readFileSync(process.env.VLENS_CONTRACT_PLAN, 'utf8'));
const LIVE = config.mode === 'live';
const apiKey = process.env.VLENS_API_KEY || '';
const chain = {
  userToken: process.env.VLENS_USER_TOKEN || '',
  adminToken: process.env.VLENS_ADMIN_TOKEN || '',
  refreshToken: '',
  phoneNumberOtpRequestId: '',
  userId: null,
  userPhone: '',
  transactionId: '',
  ocrTransactionId: '',
  passportTransactionId: '',
  captured: new Set(),
  idFrontImage: '',
};
// The one-time password of the mock's sandbox (mocks/engine/sandbox.js: SANDBOX_OTP).
const SANDBOX_OTP = '123456';
const records = [];
const pending = new Map();

const IMAGE_FIELDS = ['image', 'face_1', 'face_2', 'face_3', 'dg1_base64', 'dg2_base64', 'sod_base64'];
// Calls that withdraw a user's verified identity: never sent to a live tenant in a way that could succeed.
const WITHDRAWS = new Set(['cancelVerifiedDigitalIdentity', 'cancelVerifiedDigitalIdentityForAdmin']);
const REDACTED = '<redacted>';

class Skip {
  constructor(reason) {
    this.reason = reason;
  }
}
class Broken {
  constructor(reason) {
    this.reason = reason;
  }
}
const skip = (reason) => {
  throw new Skip(reason);
};
const broken = (reason) => {
  throw new Broken(reason);
};

hooks.beforeEach((transaction) => {
  const operation = config.operations[`${transaction.request.method} ${pathOf(transaction.request.uri)}`];
  const status = String(transaction.expected.statusCode);
  const record = {
    name: transaction.name,
    operationId: operation ? operation.operationId : '(unknown)',
    method: transaction.request.method,
    path: pathOf(transaction.request.uri),
    status,
    outcome: 'pending',
    reason: '',
    request: '',
    problems: [],
  };
  pending.set(transaction.name, record);
  try {
    if (!operation) broken(`${transaction.request.method} ${record.path} is not in the plan derived from the description`);
    const response = operation.responses[status];
    if (!response) broken(`the description declares no JSON schema for ${status}`);
    transaction.expected.bodySchema = response.schema;
    const request = buildRequest(operation, status);
    record.request = request.summary;
    applyRequest(transaction, operation, request);
  } catch (outcome) {
    if (outcome instanceof Skip) {
      transaction.skip = true;
      record.reason = outcome.reason;
    } else if (outcome instanceof Broken) {
      transaction.fail = outcome.reason;
      record.reason = outcome.reason;
    } else {
      transaction.fail = `hook error: ${outcome.message}`;
      record.reason = transaction.fail;
    }
  }
});

// Servers add parameters to the media type (`application/json; charset=utf-8`); Gavel compares the
// whole header value, so accept the actual value when its media type is the expected one.
hooks.beforeEachValidation((transaction) => {
  const expected = transaction.expected.headers || {};
  const expectedKey = Object.keys(expected).find((name) => name.toLowerCase() === 'content-type');
  const actual = headerValue(transaction.real?.headers, 'content-type');
  if (expectedKey && actual && mediaType(actual) === mediaType(expected[expectedKey])) expected[expectedKey] = actual;
});

hooks.afterEach((transaction) => {
  const record = pending.get(transaction.name);
  pending.delete(transaction.name);
  if (transaction.skip) {
    record.outcome = 'skip';
  } else {
    if (transaction.real) captureChain(transaction, record);
    for (const [field, result] of Object.entries(transaction.results?.fields || {})) {
      for (const error of result.errors || []) record.problems.push(describeProblem(field, error));
    }
    if (transaction.fail && !record.reason) record.reason = String(transaction.fail);
    for (const error of transaction.errors || []) {
      // Dredd repeats a hook's failure reason as "Failed in before hook: <reason>".
      if (error.severity === 'error' && !(record.reason && error.message.includes(record.reason))) {
        record.problems.push({ field: 'hooks', pointer: '', message: error.message });
      }
    }
    if (!transaction.real && !transaction.fail) record.reason = 'no answer: the request failed (is the server up?)';
    const failed = !transaction.real || transaction.fail || (transaction.test && transaction.test.status === 'fail') || record.problems.length > 0;
    record.outcome = failed ? 'fail' : 'pass';
  }
  if (transaction.real) record.actualStatus = transaction.real.statusCode;
  sanitize(transaction);
  records.push(record);
});

// Dredd calls a hook only if it takes one argument (sync) or two (async): a `() => {}` hook never
// runs, and Dredd then stops without a word.
hooks.afterAll((transactions) => {
  if (transactions.length !== records.length) records.push({ outcome: 'error', reason: `Dredd ran ${transactions.length} transactions, the hooks saw ${records.length}` });
  writeFileSync(process.env.VLENS_CONTRACT_RESULTS, JSON.stringify({ mode: config.mode, records }, null, 2));
});

/** The request for one transaction: headers, query and body, per mode and status. */
function buildRequest(operation, status) {
  const request = {
    credentials: { apiKey: true, bearer: operation.auth.bearer },
    query: Object.fromEntries(operation.query.filter((parameter) => !LIVE || parameter.required).map((parameter) => [parameter.name, parameter.example])),
    body: operation.requestExample === undefined ? undefined : JSON.parse(JSON.stringify(operation.requestExample)),
    rawBody: undefined,
    contentType: undefined,
    prefer: undefined,
    summary: '',
  };
  if (status.startsWith('2')) {
    requireCredentials(operation);
    prepareSuccess(operation, request);
    request.summary = '';
  } else {
    provoke(operation, status, request);
  }
  return request;
}

function requireCredentials(operation) {
  if (!LIVE) return;
  if (operation.auth.apiKeyHeader && !apiKey) skip('VLENS_API_KEY is not set');
  if (operation.auth.bearer === 'user' && !chain.userToken) skip('VLENS_USER_TOKEN is not set');
  if (operation.auth.bearer === 'admin' && !chain.adminToken) skip('VLENS_ADMIN_TOKEN is not set');
  if (operation.requiredHeaders.includes('TenancyName') && !config.tenancyName) skip('VLENS_TENANCY_NAME is not set (the operation requires the TenancyName header)');
}

const SUCCESS = {
  adminLogin() {
    if (LIVE) skip('needs an admin user name and password; contract:live takes VLENS_ADMIN_TOKEN instead of logging in');
  },
  refreshToken(request) {
    if (LIVE) skip('needs a refresh token from an admin login, which contract:live does not perform');
    if (!chain.refreshToken) broken('no refresh token to send: the adminLogin 200 answer carried no data.refreshToken');
    request.body.refreshToken = chain.refreshToken;
  },
  userLogin() {
    if (LIVE) skip("needs a user's phone number, password and device; contract:live takes VLENS_USER_TOKEN instead of logging in");
  },
  registerStepVerifyPhone() {
    if (LIVE) skip('would send an SMS one-time password from the live tenant');
  },
  registerStepVerifyEmail() {
    if (LIVE) skip('would send an email one-time password from the live tenant');
  },
  registerStepVerifyOAuthToken() {
    if (LIVE) skip('needs an id token from a real Google or Microsoft sign-in');
  },
  verifyOAuthToken() {
    if (LIVE) skip('needs an id token from a real Google or Microsoft sign-in');
  },
  register(request) {
    if (LIVE) skip('would create a user on the live tenant');
    if (chain.phoneNumberOtpRequestId) request.body.phoneNumberOtpRequestId = chain.phoneNumberOtpRequestId;
    // The mock is a sandbox: it accepts its own one-time password only, not the example's.
    request.body.phoneNumberOtp = SANDBOX_OTP;
  },
  createAuthSession() {
    if (LIVE) skip("needs a real user's phone or email and the integrating app's RSA public key");
  },
  verifyIdFront(request) {
    if (config.images) request.body.image = config.images.idFront;
  },
  verifyIdBack(request) {
    request.body.transaction_id = transactionId('verifyIdBack');
    if (config.images) request.body.image = config.images.idBack;
  },
  verifyLiveness(request) {
    request.body.transaction_id = transactionId('verifyLiveness');
    if (!chain.captured.has('verifyIdBack')) broken('the back of the ID was not captured (verifyIdBack 200 did not pass), so liveness would be refused');
    if (config.images) Object.assign(request.body, { face_1: config.images.face1, face_2: config.images.face2, face_3: config.images.face3 });
  },
  getUserDigitalIdentityImages(request) {
    if (LIVE && !config.userEmailOrPhone) skip('VLENS_USER_EMAIL_OR_PHONE is not set (the user whose VLENS_USER_TOKEN ran the verification)');
    // Live: the user behind VLENS_USER_TOKEN; mock: the user the login answer named.
    const who = LIVE ? config.userEmailOrPhone : chain.userPhone || config.userEmailOrPhone;
    if (who) request.query.emailOrPhoneNumber = who;
  },
  getStepImage(request) {
    if (!chain.idFrontImage) {
      const why = 'no file name to fetch: getUserDigitalIdentityImages 200 listed no data.idFrontImage';
      if (LIVE && !config.userEmailOrPhone) skip(`${why} (it was skipped)`);
      broken(why);
    }
    request.query.TransactionId = transactionId('getStepImage');
    request.query.FileName = chain.idFrontImage;
  },
  getTransactionById(request) {
    request.query.id = transactionId('getTransactionById');
  },
  ocrIdFront(request) {
    // No transaction_id: the answer returns the transaction the next key-only steps continue.
    delete request.body.transaction_id;
    if (config.images) request.body.image = config.images.idFront;
  },
  ocrIdBack(request) {
    request.body.transaction_id = ocrTransactionId('ocrIdBack');
    if (config.images) request.body.image = config.images.idBack;
  },
  ocrLiveness(request) {
    request.body.transaction_id = ocrTransactionId('ocrLiveness');
    if (!chain.captured.has('ocrIdBack')) broken('the back of the ID was not captured on the key alone (ocrIdBack 200 did not pass), so liveness would be refused');
    if (config.images) Object.assign(request.body, { face_1: config.images.face1, face_2: config.images.face2, face_3: config.images.face3 });
  },
  linkUserWithExistingTransaction(request) {
    // The transaction captured before login, on the API key alone.
    request.body.transactionId = ocrTransactionId('linkUserWithExistingTransaction');
    if (!chain.captured.has('ocrLiveness')) broken('the key-only transaction is incomplete (ocrLiveness 200 did not pass), so there is nothing to link');
  },
  verifyPassportScan(request) {
    if (LIVE) skip('needs a photo of a passport data page; VLENS_FIXTURES_DIR holds national-ID images only');
    chain.passportTransactionId = randomUUID();
    request.body.transaction_id = chain.passportTransactionId;
  },
  verifyPassportNfc(request) {
    if (LIVE) skip("needs the data groups read from a passport's chip");
    if (!chain.passportTransactionId) broken('no passport transaction: verifyPassportScan 200 did not run');
    request.body.transaction_id = chain.passportTransactionId;
  },
  cancelVerifiedDigitalIdentity() {
    if (LIVE) skip('would withdraw the verified identity of the user behind VLENS_USER_TOKEN');
  },
  cancelVerifiedDigitalIdentityForAdmin(request) {
    if (LIVE) skip("would withdraw a user's verified identity on the live tenant");
    if (chain.userId === null) broken('no user id to send: neither the register nor the userLogin 200 answer carried data.user.id');
    request.body.userId = chain.userId;
  },
};

function prepareSuccess(operation, request) {
  const prepare = SUCCESS[operation.operationId];
  if (prepare) prepare(request);
}

function transactionId(forOperation) {
  if (!chain.transactionId) broken(`no transaction id for ${forOperation}: the verifyIdFront 200 answer carried none`);
  return chain.transactionId;
}

function ocrTransactionId(forOperation) {
  if (!chain.ocrTransactionId) broken(`no transaction id for ${forOperation}: the ocrIdFront 200 answer carried no data.transaction_id`);
  return chain.ocrTransactionId;
}

/** A request that really produces `status`, or a skip with the reason. */
function provoke(operation, status, request) {
  if (!LIVE) {
    request.prefer = `code=${status}`;
    request.summary = `Prefer: code=${status}`;
    return;
  }
  const hasBody = request.body !== undefined;
  const requiredQuery = operation.query.filter((parameter) => parameter.required).map((parameter) => parameter.name);
  switch (status) {
    case '401':
      if (!operation.auth.apiKeyHeader) skip('the operation takes no ApiKey, so no missing key can produce 401');
      request.credentials.apiKey = false;
      request.summary = `no ${operation.auth.apiKeyHeader} header`;
      return;
    case '400':
      requireCredentials(operation);
      if (hasBody) {
        request.rawBody = '{"image": ';
        request.summary = 'a malformed JSON body';
      } else if (requiredQuery.length > 0) {
        for (const name of requiredQuery) delete request.query[name];
        request.summary = `no ${requiredQuery.join(' and no ')} query parameter`;
      } else {
        skip('the operation has neither a body nor a required parameter to get wrong');
      }
      return;
    case '415':
      requireCredentials(operation);
      if (!hasBody) skip('the operation takes no body, so no content type can be wrong');
      request.contentType = 'text/plain';
      request.summary = 'the JSON body sent as text/plain';
      return;
    case '403':
      if (WITHDRAWS.has(operation.operationId)) skip("would withdraw a user's verified identity if the live tenant accepted the token");
      if (operation.auth.bearers.includes('user') && operation.auth.bearers.includes('admin')) {
        skip('the operation is documented with either a user or an admin token, so no token is known to produce 403');
      }
      if (operation.auth.bearer !== 'admin') {
        skip('no request is known to produce 403 on this operation (the vendor does not say what it refuses with 403)');
      }
      if (!apiKey) skip('VLENS_API_KEY is not set');
      if (!chain.userToken) skip('VLENS_USER_TOKEN is not set (a user token on an admin operation produces 403)');
      request.credentials.bearer = 'user';
      request.summary = 'a user token on an admin operation';
      return;
    case '413':
      skip('would send the live tenant a body over its size limit (an image over the 3 MB ceiling)');
      return;
    case '422':
      skip('the live API answers 422 only for business errors that no fixed request is known to produce');
      return;
    case '500':
      skip('no request should produce a server error');
      return;
    default:
      skip(`no request is known to produce ${status}`);
  }
}

function applyRequest(transaction, operation, request) {
  const headers = transaction.request.headers;
  for (const name of Object.keys(headers)) {
    if (/^(authorization|apikey|tenancyname|prefer|content-length)$/i.test(name)) delete headers[name];
  }
  if (operation.auth.apiKeyHeader && request.credentials.apiKey) headers[operation.auth.apiKeyHeader] = apiKey;
  const token = request.credentials.bearer === 'admin' ? chain.adminToken : request.credentials.bearer === 'user' ? chain.userToken : '';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (config.tenancyName) headers.TenancyName = config.tenancyName;
  if (request.prefer) headers.Prefer = request.prefer;
  if (request.contentType) headers['Content-Type'] = request.contentType;
  if (request.rawBody !== undefined) transaction.request.body = request.rawBody;
  else if (request.body !== undefined) transaction.request.body = JSON.stringify(request.body);

  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query)) {
    if (value !== undefined && value !== null) query.append(name, String(value));
  }
  const search = query.toString();
  const fullPath = `${pathOf(transaction.fullPath)}${search ? `?${search}` : ''}`;
  const prefix = transaction.fullPath.slice(0, transaction.fullPath.length - transaction.request.uri.length);
  transaction.request.uri = fullPath.slice(prefix.length);
  transaction.fullPath = fullPath;
}

/** Keeps what later transactions need from a passing success answer. */
function captureChain(transaction, record) {
  const status = String(transaction.real.statusCode);
  if (!status.startsWith('2') || status !== record.status) return;
  let body;
  try {
    body = JSON.parse(transaction.real.body);
  } catch {
    return;
  }
  const data = body?.data || {};
  const user = data?.user || {};
  switch (record.operationId) {
    case 'adminLogin':
    case 'refreshToken':
      // A refresh may rotate the tokens: the old ones may stop working.
      if (data.accessToken) chain.adminToken = data.accessToken;
      if (data.refreshToken) chain.refreshToken = data.refreshToken;
      break;
    case 'registerStepVerifyPhone':
      if (data.phoneNumberOtpRequestId) chain.phoneNumberOtpRequestId = data.phoneNumberOtpRequestId;
      break;
    case 'register':
    case 'userLogin':
      if (data.accessToken) chain.userToken = data.accessToken;
      if (user.id !== undefined && user.id !== null) chain.userId = user.id;
      if (user.phoneNumber) chain.userPhone = user.phoneNumber;
      break;
    case 'verifyIdFront': {
      const id = data.idFrontData?.transaction_id || body.TransactionId;
      if (id) chain.transactionId = id;
      else transaction.fail = 'the front scan answer carries no transaction id (data.idFrontData.transaction_id) for the next steps';
      break;
    }
    case 'ocrIdFront':
      if (data.transaction_id) chain.ocrTransactionId = data.transaction_id;
      else transaction.fail = 'the key-only front scan answer carries no transaction id (data.transaction_id) for the next steps';
      break;
    case 'getUserDigitalIdentityImages':
      if (data.idFrontImage) chain.idFrontImage = data.idFrontImage;
      break;
    default:
      break;
  }
  if (!transaction.fail && isSuccessEnvelope(body)) chain.captured.add(record.operationId);
}

// Success as the description defines it: error_code null or 0, and error_message null or empty.
const isSuccessEnvelope = (body) =>
  Boolean(body) &&
  (body.error_code === null || body.error_code === undefined || Number(body.error_code) === 0) &&
  (body.error_message === null || body.error_message === undefined || body.error_message === '');

function describeProblem(field, error) {
  const pointer = error.location?.pointer || '';
  // Gavel prefixes messages with the location ("At '/a/b' ..." or "data/a/b ..."); it is shown apart.
  const message = String(error.message)
    .replace(/^At '[^']*' /, '')
    .replace(/^data(\/\S*)? /, '');
  return { field, pointer, message };
}

/** Dredd's reporter prints `transaction.test`: no credential and no image bytes may reach it. */
function sanitize(transaction) {
  const targets = [transaction.request, transaction.test?.request];
  for (const request of targets) {
    if (!request) continue;
    for (const name of Object.keys(request.headers || {})) {
      if (/^(authorization|apikey)$/i.test(name)) request.headers[name] = REDACTED;
    }
    request.body = withoutImages(request.body);
  }
  for (const response of [transaction.real, transaction.test?.actual]) {
    if (response) response.body = withoutImages(response.body);
  }
}

function withoutImages(body) {
  if (typeof body !== 'string' || body.length < 200) return body;
  try {
    const parsed = JSON.parse(body);
    let changed = false;
    const visit = (node) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (IMAGE_FIELDS.includes(key) && typeof value === 'string' && value.length > 64) {
          node[key] = `<base64 image, ${value.length} characters>`;
          changed = true;
        } else visit(value);
      }
    };
    visit(parsed);
    return changed ? JSON.stringify(parsed) : body;
  } catch {
    return body;
  }
}

function pathOf(fullPath) {
  return fullPath.split('?')[0];
}

function headerValue(headers, wanted) {
  const name = Object.keys(headers || {}).find((candidate) => candidate.toLowerCase() === wanted);
  return name ? String(headers[name]) : '';
}

function mediaType(value) {
  return String(value).split(';')[0].trim().toLowerCase();
}
