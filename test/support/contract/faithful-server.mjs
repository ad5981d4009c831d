// A faithful stand-in for a Vlens tenant, written from the public facts about the API
// (/work/shared/api/vlens-api-facts.md), not from this package's description: if the description
// and the facts drift apart, `contract:live` against this server says so.
//
// It keeps state like the real service: transactions (front and back in either order, liveness
// only after both, then linkable), captured with the user token or on the API key alone through the
// /v1 OCR API (no user until the link), the images of each step (for the admin retrieval), tokens per
// role (a user token on an admin operation is refused with 403). It checks requests in ASP.NET's
// order: route, size, ApiKey, bearer, content type, JSON, fields.
//
// `rewrite(body, { route, status })`, when given, changes every answer body before it is sent:
// the renamed-members stand-in (renamed-server.mjs) is this server with its answers renamed.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bearerOf, header, isJsonContentType, serve } from './http.mjs';

/** @import { IncomingMessage } from 'node:http' */
/** @import { Answer } from './http.mjs' */

/**
 * A request body as parsed: a JSON object whose members are unchecked until a handler checks them.
 * @typedef {Record<string, unknown>} Body
 */

/**
 * One transaction: the images of each step (base64), and how far it went.
 * @typedef {{ front: string | null, back: string | null, faces: string[] | null, complete: boolean, linked: boolean,
 *             keyOnly: boolean, passport: boolean }} Transaction
 */

/**
 * An operation of the stand-in. `auth`: the credential it takes besides `ApiKey` (`key`: none, `either`:
 * the user or the admin token); `tenancy`: the `TenancyName` header is required.
 * @typedef {{ auth: 'user' | 'admin' | 'key' | 'either', tenancy?: boolean,
 *             handle: (body: Body, query: URLSearchParams, request: IncomingMessage) => Answer | Promise<Answer> }} Route
 */

/**
 * @typedef {object} FaithfulOptions
 * @property {string} apiKey the tenant's key, sent as the `ApiKey` header
 * @property {string} userToken the bearer token of the one user
 * @property {string} adminToken the bearer token of the admin
 * @property {string} [tenancyName]
 * @property {{ phoneNumber: string, emailAddress: string, password?: string }} [user] the one user (default Mona Adel)
 * @property {{ userNameOrEmailAddress: string, password: string }} [admin] the admin's credentials
 * @property {(body: unknown, context: { route: string, status: number }) => unknown} [rewrite] changes every answer
 *   body before it is sent; `route` is `METHOD /path` with the path in lower case
 */

const MESSAGES = {
  400: 'Bad Request - Input parameters are invalid.',
  401: 'Make sure you are using the correct credentials and try again.',
  403: 'Generate and include a valid access token and try again.',
  415: 'Please re-check your image format.',
  5002: 'Make sure each provided image does not exceed the 5MB limit.',
  5004: 'Check the Transaction ID/token sent in the request.',
  4209: 'Please recapture your face and ensure the capture is clear.',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_IMAGE_CHARS = 4_194_304;

/** @param {FaithfulOptions} options */
export async function startFaithfulServer(options) {
  const user = { id: 20731, phoneNumber: '+201112223334', emailAddress: 'mona.adel@example.org', password: 'Sandbox!2026', ...options.user };
  const admin = { userNameOrEmailAddress: 'admin@tenant.example', password: 'sandbox-admin', ...options.admin };
  const state = {
    /** @type {Map<string, Transaction>} */
    transactions: new Map(),
    /** @type {Set<string>} */
    refreshTokens: new Set(),
    /** @type {Set<string>} */
    otpRequests: new Set(),
    /**
     * sha256 of every image received, by step, so a test can tell which images were sent.
     * @type {{ idFront: string[], idBack: string[], faces: string[] }}
     */
    received: { idFront: [], idBack: [], faces: [] },
    requests: 0,
  };

  /** @type {Record<string, Route>} */
  const routes = {
    'POST /api/digitalidentity/verify/id/front': { auth: 'user', handle: (body) => scanSide('front', body) },
    'POST /api/digitalidentity/verify/id/back': { auth: 'user', handle: (body) => scanSide('back', body) },
    'POST /api/digitalidentity/verify/liveness/multi': { auth: 'user', handle: liveness },
    'POST /api/digitalidentity/linkuserwithexistingtransaction': { auth: 'user', handle: link },
    'POST /v1/ocr/id/front': { auth: 'key', handle: (body) => ocrSide('front', body) },
    'POST /v1/ocr/id/back': { auth: 'key', handle: (body) => ocrSide('back', body) },
    'POST /v1/ocr/liveness/multi': { auth: 'key', handle: ocrLiveness },
    'POST /api/digitalidentity/verify/passport/scan': { auth: 'user', handle: passportScan },
    'POST /api/digitalidentity/verify/passport/nfc': { auth: 'user', handle: passportNfc },
    'POST /api/digitalidentity/cancelverifieddigitalidentity': { auth: 'user', tenancy: true, handle: cancelOwn },
    'GET /api/transactions/gettransactionbyid': { auth: 'either', tenancy: true, handle: (_, query) => transactionById(query) },
    'POST /api/digitalidentity/cancelverifieddigitalidentityforadmin': { auth: 'admin', tenancy: true, handle: cancelForAdmin },
    'POST /api/identityusersession/createauthsession': { auth: 'key', handle: createAuthSession },
    'POST /api/digitalidentity/register/stepverifyoauthtoken': { auth: 'key', handle: verifyOAuth },
    'POST /api/digitalidentity/verifyoauthtoken': { auth: 'key', handle: verifyOAuth },
    'GET /api/digitalidentity/getuserdigitalidentityimages': { auth: 'admin', handle: (_, query) => listImages(query) },
    'GET /api/digitalidentity/getstepimage': { auth: 'admin', handle: (_, query) => stepImage(query) },
    'POST /api/credentials/login': { auth: 'key', handle: adminLogin },
    'POST /api/credentials/refreshtoken': { auth: 'key', handle: refreshToken },
    'POST /api/digitalidentity/login': { auth: 'key', handle: userLogin },
    'POST /api/digitalidentity/checkexistenceofemailorphone': { auth: 'key', handle: checkExistence },
    'POST /api/digitalidentity/register/stepverifyphone': { auth: 'key', handle: verifyPhone },
    'POST /api/digitalidentity/register/stepverifyemail': { auth: 'key', handle: verifyEmail },
    'POST /api/digitalidentity/register': { auth: 'key', handle: register },
  };

  const server = await serve(async (request, url, text, extra) => {
    const routeKey = `${request.method} ${url.pathname.toLowerCase()}`;
    const answer = await answerRequest(request, url, text, extra);
    return options.rewrite ? { ...answer, body: options.rewrite(answer.body, { route: routeKey, status: answer.status }) } : answer;
  });

  /**
   * @param {IncomingMessage} request
   * @param {URL} url
   * @param {string} text
   * @param {{ tooLarge: boolean }} extra
   * @returns {Promise<Answer>}
   */
  async function answerRequest(request, url, text, { tooLarge }) {
    state.requests += 1;
    const route = routes[`${request.method} ${url.pathname.toLowerCase()}`];
    if (!route) return refusal(404, `No route for ${request.method} ${url.pathname}`);
    if (tooLarge) return { status: 413, body: envelope(5002, MESSAGES[5002]) };
    if (header(request, 'apikey') !== options.apiKey) return refusal(401, MESSAGES[401]);
    if (route.auth === 'either') {
      // GetTransactionById: one older page sends the admin token, another the user token.
      const token = bearerOf(request);
      if (token !== options.userToken && token !== options.adminToken) return refusal(401, MESSAGES[401]);
    } else if (route.auth !== 'key') {
      const token = bearerOf(request);
      const wanted = route.auth === 'user' ? options.userToken : options.adminToken;
      const other = route.auth === 'user' ? options.adminToken : options.userToken;
      if (token === other) return refusal(403, MESSAGES[403]);
      if (token !== wanted) return refusal(401, MESSAGES[401]);
    }
    if (route.tenancy && !header(request, 'tenancyname')) return refusal(400, MESSAGES[400], [{ field: 'TenancyName', message: 'The TenancyName header is required.' }]);
    // A GET has no body: its handlers read the query.
    /** @type {Body} */
    let body = {};
    if (request.method === 'POST') {
      if (!isJsonContentType(header(request, 'content-type'))) return refusal(415, MESSAGES[415]);
      /** @type {unknown} */
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        return refusal(400, MESSAGES[400], [{ field: 'body', message: 'The request body is not valid JSON.' }]);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return refusal(400, MESSAGES[400], [{ field: 'body', message: 'A JSON object is expected.' }]);
      body = /** @type {Body} */ (parsed);
    }
    try {
      return await route.handle(body, url.searchParams, request);
    } catch (problem) {
      if (problem instanceof Refusal) return problem.answer;
      throw problem;
    }
  }

  // -- capture steps ----------------------------------------------------------------------------

  /**
   * @param {'front' | 'back'} side
   * @param {Body} body
   */
  function scanSide(side, body) {
    const image = requireImage(body, 'image');
    const id = optionalTransactionId(body.transaction_id, 'transaction_id') ?? randomUUID();
    const transaction = transactionFor(id);
    transaction[side] = image;
    state.received[side === 'front' ? 'idFront' : 'idBack'].push(sha256(image));
    /** @type {Record<string, unknown>} */
    const data = { isVerificationProcessCompleted: false, isDigitalIdentityVerified: false };
    if (transaction.front) data.idFrontData = { ...FRONT_FIELDS, transaction_id: id };
    if (transaction.back) data.idBackData = { ...BACK_FIELDS, transaction_id: id };
    // verify-id-back in the current reference: validations, spoofing and classification.
    return ok(data, { services: { validations: { validation_errors: [] }, spoofing: { fake: false }, classification: { doc_type: 'national_id' } } });
  }

  /** @param {Body} body */
  function liveness(body) {
    const faces = ['face_1', 'face_2', 'face_3'].map((field) => requireImage(body, field));
    const id = requireTransactionId(body.transaction_id, 'transaction_id');
    const transaction = state.transactions.get(id);
    if (!transaction) return business(5004, { services: null });
    if (!transaction.front || !transaction.back) {
      return business(5004, { services: null, error_descriptions: [{ field: 'transaction_id', message: 'Both sides of the ID must be verified before liveness.' }] });
    }
    if (new Set(faces).size < faces.length) return business(4209, { services: { liveness: false } });
    transaction.faces = faces;
    transaction.complete = true;
    state.received.faces.push(...faces.map(sha256));
    // The success answer of the vendor's Digital Identity page, word for word: no error_message.
    return { status: 200, body: documentedLivenessAnswer() };
  }

  /** @param {Body} body */
  function link(body) {
    const id = requireTransactionId(body.transactionId, 'transactionId');
    const transaction = state.transactions.get(id);
    if (!transaction?.complete) return business(5004, { services: null });
    transaction.linked = true;
    return ok(
      {
        isVerificationProcessCompleted: true,
        isDigitalIdentityVerified: true,
        user: { id: user.id, emailAddress: user.emailAddress, phoneNumber: user.phoneNumber },
        idFrontData: { ...FRONT_FIELDS, transaction_id: id },
        idBackData: { ...BACK_FIELDS, transaction_id: id },
      },
      { services: { validations: { validation_errors: [] }, spoofing: { fake: false }, liveness: true, SRC: { isValid: true, errorCode: 0 } } },
    );
  }

  // -- capture before login: the /v1 OCR API on the key alone ----------------------------------

  // The /v1 answers: the fields read from the card directly under data, with transaction_id inside
  // (older OCR reference); the check results as `Services` (older OCR reference) or `services`.
  /**
   * @param {'front' | 'back'} side
   * @param {Body} body
   */
  function ocrSide(side, body) {
    const image = requireImage(body, 'image');
    const id = optionalTransactionId(body.transaction_id, 'transaction_id') ?? randomUUID();
    const transaction = transactionFor(id);
    transaction[side] = image;
    transaction.keyOnly = true;
    state.received[side === 'front' ? 'idFront' : 'idBack'].push(sha256(image));
    const fields = side === 'front' ? FRONT_FIELDS : BACK_FIELDS;
    const checks = { validations: { validation_errors: [] }, spoofing: { fake: false }, classification: { doc_type: 'national_id' } };
    const data = { ...fields, transaction_id: id, client_transaction_id: body.client_transaction_id ?? null, request_id: body.request_id ?? null };
    return ok(data, side === 'front' ? { services: checks } : { Services: checks });
  }

  /** @param {Body} body */
  function ocrLiveness(body) {
    const faces = ['face_1', 'face_2', 'face_3'].map((field) => requireImage(body, field));
    if (new Set(faces).size < faces.length) return business(4209, { services: { liveness: false } });
    const id = optionalTransactionId(body.transaction_id, 'transaction_id');
    if (id === null) {
      // The OCR reference's sample: a liveness check on its own, against `image`.
      return ok(
        { isVerificationProcessCompleted: true, isDigitalIdentityVerified: false, isMatched: true, transaction_id: null },
        { services: { liveness: true, spoofing: { fake: false } } },
      );
    }
    const transaction = state.transactions.get(id);
    if (!transaction) return business(5004, { services: null });
    if (!transaction.front || !transaction.back) return business(5004, { services: null });
    transaction.faces = faces;
    transaction.complete = true;
    state.received.faces.push(...faces.map(sha256));
    return ok(
      { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, isMatched: true, transaction_id: id },
      { services: { liveness: true, spoofing: { fake: false } } },
    );
  }

  // -- passports (the iOS SDK's code only) -------------------------------------------------------

  /** @param {Body} body */
  function passportScan(body) {
    requireImage(body, 'image');
    const id = optionalTransactionId(body.transaction_id, 'transaction_id') ?? randomUUID();
    transactionFor(id).passport = true;
    return ok({
      passport_no: 'A23456781',
      name: 'MONA ADEL MAHMOUD',
      Date_of_Birth: '1994-03-07',
      Date_of_Expiry: '2031-02-01',
      nationality: 'EGY',
      country_code: 'EGY',
      gender: 'F',
      doc_Type: 'P',
      ePassport_supported: true,
    });
  }

  /** @param {Body} body */
  function passportNfc(body) {
    const id = requireTransactionId(body.transaction_id, 'transaction_id');
    for (const field of /** @type {const} */ (['dg1_base64', 'dg2_base64', 'sod_base64'])) {
      requireStrings(body, [field]);
      if (!BASE64.test(body[field])) throw new Refusal(refusal(400, MESSAGES[400], [{ field, message: `The ${field} field must be base64.` }]));
    }
    if (!state.transactions.get(id)?.passport) return business(5004, {});
    return ok({
      isValid: true,
      signatureValid: true,
      contentAuthenticityValid: true,
      dg1HashValid: true,
      dg2HashValid: true,
      faceMatchPassed: true,
      faceMatchScore: 0.91,
      failedStep: null,
      failureReason: null,
      countrySigner: { dscValid: true, cscaFoundInSod: true, cscaChainValid: true, cscaSignatureValid: true },
    });
  }

  /** @param {Body} body */
  function cancelOwn(body) {
    if (Object.keys(body).length > 0) throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'body', message: 'An empty object is expected.' }]));
    return ok(null);
  }

  /** @param {Body} body */
  function cancelForAdmin(body) {
    if (typeof body.userId !== 'number' || !Number.isInteger(body.userId) || body.userId < 1)
      throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'userId', message: 'The userId field is required.' }]));
    return ok(null);
  }

  /** @param {Body} body */
  function createAuthSession(body) {
    if (body.sessionPermissions !== undefined && (typeof body.sessionPermissions !== 'object' || body.sessionPermissions === null)) {
      throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'sessionPermissions', message: 'An object is expected.' }]));
    }
    return ok(Buffer.from(randomUUID()).toString('base64'));
  }

  /** @param {Body} body */
  function verifyOAuth(body) {
    requireStrings(body, ['provider', 'IdToken']);
    if (!['Google', 'Microsoft'].includes(body.provider)) throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'provider', message: 'Google or Microsoft.' }]));
    return ok({ oAuthTokenVerificationRequestId: randomUUID(), isVerified: true, validationResult: 'Valid', email: user.emailAddress });
  }

  // -- admin retrieval --------------------------------------------------------------------------

  /** @param {URLSearchParams} query */
  function transactionById(query) {
    const id = requireTransactionId(query.get('id'), 'id');
    const transaction = state.transactions.get(id);
    if (!transaction) return business(5004, {});
    return ok({
      transaction: {
        id,
        stepsCount: [transaction.front, transaction.back, transaction.faces].filter(Boolean).length,
        fullName: FRONT_FIELDS.name_english,
        isMatched: transaction.complete,
        idNumber: FRONT_FIELDS.idNumber,
        creationTime: '2026-11-02T09:14:03',
        clientTransactionId: null,
        isVerified: transaction.complete,
        creatorUserId: transaction.keyOnly && !transaction.linked ? null : user.id,
      },
      transactionItems: {
        lazyLoadImages: true,
        hasOtherSteps: false,
        phoneNumber: user.phoneNumber,
        digitalIdentityData: [{ name: 'idNumber', value: FRONT_FIELDS.idNumber }],
        // An object here (older reference), its geoLocation JSON text, its dates dd/MM/yyyy HH:mm:ss.
        deviceInfo: {
          deviceId: 1,
          imei: '356938035643809',
          imsi: null,
          geoLocation: '{"Latitude":30.0444,"Longitude":31.2357}',
          ipAddress: '196.218.10.21',
          timezone: 'Africa/Cairo',
          currentTimestamp: '02/11/2026 09:14:01',
          creationTime: '02/11/2026 09:14:03',
          isActive: true,
        },
        isDigitalIdentityVerified: transaction.complete,
        steps: [{ transactionId: id, clientTransactionId: null }],
      },
    });
  }

  /** @param {URLSearchParams} query */
  function listImages(query) {
    const who = query.get('emailOrPhoneNumber');
    if (!who) throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'emailOrPhoneNumber', message: 'The emailOrPhoneNumber field is required.' }]));
    if (who !== user.phoneNumber && who.toLowerCase() !== user.emailAddress.toLowerCase()) {
      return { status: 200, body: envelope(400, MESSAGES[400], [{ field: 'emailOrPhoneNumber', message: 'No such user.' }]) };
    }
    const latest = [...state.transactions.entries()].reverse().find(([, transaction]) => transaction.front || transaction.back);
    /** @type {(id: string, step: string, present: unknown) => string | null} */
    const name = (id, step, present) => (present ? `${id}_${step}.jpg` : null);
    const [id, transaction] = latest ?? ['', undefined];
    return ok({
      idFrontImage: name(id, 'id_front', transaction?.front),
      idBackImage: name(id, 'id_back', transaction?.back),
      livenessImage: name(id, 'liveness', transaction?.faces),
      livenessFace01Image: name(id, 'face01', transaction?.faces),
      livenessFace02Image: name(id, 'face02', transaction?.faces),
      livenessFace03Image: name(id, 'face03', transaction?.faces),
    });
  }

  /** @param {URLSearchParams} query */
  function stepImage(query) {
    const missing = ['TransactionId', 'FileName'].filter((name) => !query.get(name));
    if (missing.length > 0)
      throw new Refusal(
        refusal(
          400,
          MESSAGES[400],
          missing.map((field) => ({ field, message: `The ${field} field is required.` })),
        ),
      );
    const id = requireTransactionId(query.get('TransactionId'), 'TransactionId');
    const fileName = query.get('FileName') ?? '';
    const transaction = state.transactions.get(id);
    const step = /^[0-9a-f-]{36}_(id_front|id_back|liveness|face0[123])\.jpg$/.exec(fileName)?.[1];
    const faces = transaction?.faces ?? [];
    /** @type {Record<string, string | null | undefined>} */
    const images = { id_front: transaction?.front, id_back: transaction?.back, liveness: faces[0], face01: faces[0], face02: faces[1], face03: faces[2] };
    const image = step === undefined ? undefined : images[step];
    if (!image || !fileName.startsWith(id)) {
      return { status: 200, body: envelope(400, MESSAGES[400], [{ field: 'FileName', message: 'No such file in this transaction.' }]) };
    }
    // GetStepImage's documented success carries error_code 0.
    return { status: 200, body: { data: { image }, error_code: 0, error_message: null, error_descriptions: null } };
  }

  // -- tokens and registration ------------------------------------------------------------------

  /**
   * @param {Body} body
   * @param {URLSearchParams} _query
   * @param {IncomingMessage} request
   */
  function adminLogin(body, _query, request) {
    requireStrings(body, ['tenancyName', 'userNameOrEmailAddress', 'password']);
    if (!header(request, 'tenancyname')) throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'TenancyName', message: 'The TenancyName header is required.' }]));
    if (body.userNameOrEmailAddress !== admin.userNameOrEmailAddress || body.password !== admin.password) return refusal(401, MESSAGES[401]);
    const refresh = `rt_${randomUUID()}`;
    state.refreshTokens.add(refresh);
    // The documented login answer is `data` alone.
    return { status: 200, body: { data: { accessToken: options.adminToken, expireInSeconds: 86400, refreshToken: refresh, refreshTokenExpireInSeconds: 604800 } } };
  }

  /** @param {Body} body */
  function refreshToken(body) {
    requireStrings(body, ['refreshToken']);
    if (!state.refreshTokens.has(body.refreshToken)) return refusal(401, MESSAGES[401]);
    const next = `rt_${randomUUID()}`;
    state.refreshTokens.add(next);
    return ok({
      accessToken: options.adminToken,
      encryptedAccessToken: Buffer.from(options.adminToken).toString('base64'),
      expireInSeconds: 86400,
      refreshToken: next,
      newRefreshToken: next,
    });
  }

  /** @param {Body} body */
  function userLogin(body) {
    requireStrings(body, ['phoneNumber', 'imei']);
    if (body.phoneNumber !== user.phoneNumber || body.password !== user.password) return refusal(401, MESSAGES[401]);
    return ok({
      isPhoneNumberConfirmed: true,
      isEmailConfirmed: true,
      isDigitalIdentityVerified: false,
      accessToken: options.userToken,
      refreshToken: `rt_${randomUUID()}`,
      user: { id: user.id, phoneNumber: user.phoneNumber, emailAddress: user.emailAddress },
    });
  }

  /** @param {Body} body */
  function checkExistence(body) {
    if (!body.phoneNumber && !body.email) throw new Refusal(refusal(400, MESSAGES[400], [{ field: 'phoneNumber', message: 'A phone number or an email is required.' }]));
    return ok({ exists: body.phoneNumber === user.phoneNumber || String(body.email ?? '').toLowerCase() === user.emailAddress.toLowerCase() });
  }

  /** @param {Body} body */
  function verifyPhone(body) {
    requireStrings(body, ['phoneNumber']);
    if (body.phoneNumberOtp) {
      if (typeof body.phoneNumberOtpRequestId !== 'string' || !state.otpRequests.has(body.phoneNumberOtpRequestId))
        return business(400, {}, [{ field: 'phoneNumberOtpRequestId', message: 'Unknown OTP request.' }]);
      return ok({ isPhoneNumberConfirmationRequired: true, isPhoneNumberConfirmed: true, phoneNumberOtpRequestId: body.phoneNumberOtpRequestId, accessToken: null });
    }
    const id = randomUUID();
    state.otpRequests.add(id);
    return ok({ isPhoneNumberConfirmationRequired: true, isPhoneNumberConfirmed: false, phoneNumberOtpRequestId: id, phoneNumberOtp: null, accessToken: null });
  }

  /** @param {Body} body */
  function verifyEmail(body) {
    requireStrings(body, ['email']);
    const id = body.emailOtpRequestId ?? randomUUID();
    return ok({ isEmailConfirmationRequired: true, isEmailConfirmed: Boolean(body.emailOtp), emailOtpRequestId: id });
  }

  /** @param {Body} body */
  function register(body) {
    requireStrings(body, ['phoneNumber']);
    return ok({
      isDigitalIdentityVerified: false,
      accessToken: `user-${randomUUID()}`,
      expireInSeconds: 86400,
      user: { id: user.id + 1, emailAddress: body.email ?? null, phoneNumber: body.phoneNumber },
    });
  }

  // -- helpers ----------------------------------------------------------------------------------

  /**
   * @param {string} id
   * @returns {Transaction} the transaction of that id, started when new
   */
  function transactionFor(id) {
    const transaction = state.transactions.get(id) ?? { front: null, back: null, faces: null, complete: false, linked: false, keyOnly: false, passport: false };
    state.transactions.set(id, transaction);
    return transaction;
  }

  return { ...server, state, user };
}

const FRONT_FIELDS = {
  name: 'منى عادل محمود',
  name_english: 'Mona Adel Mahmoud',
  first_name: 'منى',
  first_name_english: 'Mona',
  last_names: 'عادل محمود',
  last_names_english: 'Adel Mahmoud',
  address: 'شارع النصر، مدينة نصر، القاهرة',
  address_english: 'El Nasr Street, Nasr City, Cairo',
  dateOfBirth: '1994-03-07T00:00:00',
  idNumber: '29403070101234',
  gender: 'F',
};
const BACK_FIELDS = {
  maritalStatus: 'أعزب',
  job: 'طبيبة',
  jobTitle: 'طبيبة',
  religion: 'مسلمة',
  husbandName: null,
  releaseDate: '2022-01-10T00:00:00',
  idExpiry: '2029-01-09T00:00:00',
  idNumber: '29403070101234',
  gender: 'F',
};

/** A refusal thrown from deep in a handler; `answer` is what the stand-in sends. */
class Refusal {
  /** @param {Answer} answer */
  constructor(answer) {
    this.answer = answer;
  }
}

/**
 * @param {number} code
 * @param {string} message
 * @param {{ field: string, message: string }[] | null} [descriptions]
 */
function envelope(code, message, descriptions = null) {
  return { data: null, error_code: code, error_message: message, error_descriptions: descriptions };
}

/**
 * @param {number} status the HTTP status, also the envelope's code
 * @param {string} message
 * @param {{ field: string, message: string }[] | null} [descriptions]
 * @returns {Answer}
 */
function refusal(status, message, descriptions = null) {
  return { status, body: envelope(status, message, descriptions) };
}

/**
 * Business errors come with HTTP 200 and the code in the envelope (current docs).
 * @param {keyof typeof MESSAGES} code
 * @param {Record<string, unknown>} [extra] members beside the envelope's
 * @param {{ field: string, message: string }[] | null} [descriptions]
 * @returns {Answer}
 */
function business(code, extra = {}, descriptions = null) {
  return { status: 200, body: { ...envelope(code, MESSAGES[code] ?? MESSAGES[400], descriptions), ...extra } };
}

/**
 * @param {unknown} data
 * @param {Record<string, unknown>} [extra] members beside the envelope's (`services`, `Services`)
 * @returns {Answer}
 */
function ok(data, extra = {}) {
  return { status: 200, body: { data, ...extra, error_code: null, error_message: null, error_descriptions: null } };
}

/**
 * Refuses (400) a body without a non-empty string in each of `fields`.
 * @template {string} Field
 * @param {Body} body
 * @param {Field[]} fields
 * @returns {asserts body is Body & Record<Field, string>}
 */
function requireStrings(body, fields) {
  const missing = fields.filter((field) => {
    const value = body[field];
    return typeof value !== 'string' || value.length === 0;
  });
  if (missing.length > 0)
    throw new Refusal(
      refusal(
        400,
        MESSAGES[400],
        missing.map((field) => ({ field, message: `The ${field} field is required.` })),
      ),
    );
}

/**
 * Refuses a member that is not a JPEG or a PNG in base64 (400, 413 past the size limit, 415).
 * @template {string} Field
 * @param {Body} body
 * @param {Field} field
 * @returns {string} the image, base64
 */
function requireImage(body, field) {
  requireStrings(body, [field]);
  const value = body[field];
  if (value.length > MAX_IMAGE_CHARS) throw new Refusal({ status: 413, body: envelope(5002, MESSAGES[5002]) });
  if (!BASE64.test(value)) throw new Refusal(refusal(400, 'Please provide a valid base64 encoded image.', [{ field, message: 'Please provide a valid base64 encoded image.' }]));
  const bytes = Buffer.from(value.slice(0, 16), 'base64');
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const png = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  if (!jpeg && !png) throw new Refusal(refusal(415, MESSAGES[415], [{ field, message: 'The image must be a JPEG or a PNG.' }]));
  return value;
}

/**
 * @param {unknown} value
 * @param {string} field
 * @returns {string | null} the id in lower case; null when absent
 */
function optionalTransactionId(value, field) {
  if (value === undefined || value === null) return null;
  return requireTransactionId(value, field);
}

/**
 * @param {unknown} value
 * @param {string} field
 * @returns {string} the id in lower case
 */
function requireTransactionId(value, field) {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new Refusal(refusal(400, MESSAGES[400], [{ field, message: `The ${field} field must be a transaction id (a UUID).` }]));
  }
  return value.toLowerCase();
}

/** @param {string} text */
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** The liveness success of the vendor's page, as transcribed verbatim in test/fixtures/facts. */
/** @returns {unknown} */
const documentedLivenessAnswer = () => JSON.parse(JSON.parse(readFileSync(new URL('../../fixtures/facts/docs-liveness-response.json', import.meta.url), 'utf8')).quote);
