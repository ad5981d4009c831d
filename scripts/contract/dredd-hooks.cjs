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
// - chain the flow: tokens from the login answers, the transaction id from the front scan into the
//   back, liveness and link requests, the file name from the image list into GetStepImage;
// - give each documented non-2xx status a request that really produces it, or skip it with the
//   reason recorded (mock: Prism's `Prefer: code=`; live: no ApiKey for 401, a malformed body for
//   400, a text/plain body for 415, a user token on an admin operation for 403).
const hooks = require('hooks');
const { readFileSync, writeFileSync } = require('node:fs');

const config = JSON.parse(readFileSync(process.env.VLENS_CONTRACT_PLAN, 'utf8'));
const LIVE = config.mode === 'live';
const apiKey = process.env.VLENS_API_KEY || '';
const chain = {
  userToken: process.env.VLENS_USER_TOKEN || '',
  adminToken: process.env.VLENS_ADMIN_TOKEN || '',
  refreshToken: '',
  transactionId: '',
  captured: new Set(),
  idFrontImage: '',
  // Mock mode: the sandbox's OTP request for a phone number of its unassigned test range (+20 19...).
  newPhone: `+201900${String(Date.now() % 1e6).padStart(6, '0')}`,
  otpRequestId: '',
};
const SANDBOX_OTP = '123456';
const records = [];
const pending = new Map();

const IMAGE_FIELDS = ['image', 'face_1', 'face_2', 'face_3'];
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
  const actual = headerValue(transaction.real && transaction.real.headers, 'content-type');
  if (expectedKey && actual && mediaType(actual) === mediaType(expected[expectedKey])) expected[expectedKey] = actual;
});

hooks.afterEach((transaction) => {
  const record = pending.get(transaction.name);
  pending.delete(transaction.name);
  if (transaction.skip) {
    record.outcome = 'skip';
  } else {
    if (transaction.real) captureChain(transaction, record);
    for (const [field, result] of Object.entries((transaction.results && transaction.results.fields) || {})) {
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
    query: Object.fromEntries(
      operation.query.filter((parameter) => !LIVE || parameter.required).map((parameter) => [parameter.name, parameter.example]),
    ),
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
  registerStepVerifyPhone(request) {
    if (LIVE) skip('would send an SMS one-time password from the live tenant');
    // The mock is a sandbox: registration needs a phone number nobody registered and its own OTP request.
    request.body = { phoneNumber: chain.newPhone };
  },
  registerStepVerifyEmail() {
    if (LIVE) skip('would send an email one-time password from the live tenant');
  },
  register(request) {
    if (LIVE) skip('would create a user on the live tenant');
    if (!chain.otpRequestId) broken('no OTP request id: the registerStepVerifyPhone 200 answer carried no data.phoneNumberOtpRequestId');
    Object.assign(request.body, { phoneNumber: chain.newPhone, phoneNumberOtpRequestId: chain.otpRequestId, phoneNumberOtp: SANDBOX_OTP });
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
  linkUserWithExistingTransaction(request) {
    request.body.transactionId = transactionId('linkUserWithExistingTransaction');
    if (!chain.captured.has('verifyLiveness')) broken('the transaction is incomplete (verifyLiveness 200 did not pass), so there is nothing to link');
  },
  getUserDigitalIdentityImages(request) {
    if (LIVE && !config.userEmailOrPhone) skip('VLENS_USER_EMAIL_OR_PHONE is not set (the user whose VLENS_USER_TOKEN ran the verification)');
    if (config.userEmailOrPhone) request.query.emailOrPhoneNumber = config.userEmailOrPhone;
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
};

function prepareSuccess(operation, request) {
  const prepare = SUCCESS[operation.operationId];
  if (prepare) prepare(request);
}

function transactionId(forOperation) {
  if (!chain.transactionId) broken(`no transaction id for ${forOperation}: the verifyIdFront 200 answer carried none`);
  return chain.transactionId;
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
      if (operation.auth.bearer !== 'admin') {
        skip('no request is known to produce 403 on a user-token operation (the vendor does not say whether an admin token is refused there)');
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
  const data = (body && body.data) || {};
  switch (record.operationId) {
    case 'adminLogin':
      if (data.accessToken) chain.adminToken = data.accessToken;
      if (data.refreshToken) chain.refreshToken = data.refreshToken;
      break;
    case 'userLogin':
      if (data.accessToken) chain.userToken = data.accessToken;
      break;
    case 'verifyIdFront': {
      const id = (data.idFrontData && data.idFrontData.transaction_id) || body.TransactionId;
      if (id) chain.transactionId = id;
      else transaction.fail = 'the front scan answer carries no transaction id (data.idFrontData.transaction_id) for the next steps';
      break;
    }
    case 'getUserDigitalIdentityImages':
      if (data.idFrontImage) chain.idFrontImage = data.idFrontImage;
      break;
    case 'registerStepVerifyPhone':
      if (data.phoneNumberOtpRequestId) chain.otpRequestId = data.phoneNumberOtpRequestId;
      break;
    default:
      break;
  }
  if (!transaction.fail && isSuccessEnvelope(body)) chain.captured.add(record.operationId);
}

const isSuccessEnvelope = (body) => body && (body.error_code === null || body.error_code === undefined || Number(body.error_code) === 0);

function describeProblem(field, error) {
  const pointer = (error.location && error.location.pointer) || '';
  // Gavel prefixes messages with the location ("At '/a/b' ..." or "data/a/b ..."); it is shown apart.
  const message = String(error.message).replace(/^At '[^']*' /, '').replace(/^data(\/\S*)? /, '');
  return { field, pointer, message };
}

/** Dredd's reporter prints `transaction.test`: no credential and no image bytes may reach it. */
function sanitize(transaction) {
  const targets = [transaction.request, transaction.test && transaction.test.request];
  for (const request of targets) {
    if (!request) continue;
    for (const name of Object.keys(request.headers || {})) {
      if (/^(authorization|apikey)$/i.test(name)) request.headers[name] = REDACTED;
    }
    request.body = withoutImages(request.body);
  }
  for (const response of [transaction.real, transaction.test && transaction.test.actual]) {
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
