// What the journal (and anything else that shows a request) may show of it: secrets redacted by what
// they are called AND by what they look like, personal data masked, images reduced to their size,
// long texts to their length, huge bodies to a sketch. A short list of names is not enough: clients
// send `X-Authorization`, `pwd`, `credentials.pass`, `token2`, `?key=`; and a value that looks like a
// token or a base64 payload is hidden whatever its name (test/journal-redaction.test.ts holds a corpus).

export const REDACTED = '<redacted>';

// Names that say a value is a credential: whole words of a member or header name, in any case, joined
// by -, _ or . or in camelCase (passwordConfirmation, X-Auth-Token, client_secret, pin, code).
const CREDENTIAL_WORDS = new Set([
  'apikey',
  'key',
  'keys',
  'auth',
  'authorization',
  'authentication',
  'bearer',
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'pin',
  'otp',
  'otps',
  'session',
  'sessionid',
  'sid',
  'signature',
  'sig',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'code',
  'jwt',
  'cvv',
  'nonce',
  'bundlekey',
  'hmac',
  'refresh',
  'access',
  'private',
  'salt',
  'csrf',
  'xsrf',
]);
// Words that make a credential-looking name harmless: `phoneNumberOtpRequestId` names a request, not an OTP.
export const HARMLESS_LAST_WORDS = new Set([
  'id',
  'ids',
  'type',
  'types',
  'expires',
  'expiry',
  'length',
  'count',
  'name',
  'names',
  'required',
  'enabled',
  'confirmed',
  'sent',
  'in',
  'seconds',
  'at',
  'status',
  'provider',
  'method',
]);

// Words before a final `code` that say what kind of code it is, not a secret one: `error_code`,
// `statusCode`, `countryCode` (an OTP or an OAuth `code`, `otpCode`, `authCode` stay credentials).
const DESCRIPTIVE_CODE_WORDS = new Set([
  'error',
  'errors',
  'status',
  'response',
  'result',
  'reason',
  'http',
  'country',
  'currency',
  'language',
  'lang',
  'locale',
  'governorate',
  'postal',
  'zip',
  'area',
  'dial',
  'iso',
  'region',
  'state',
]);

// Personal data, by member name (the description's and common spellings): masked, keeping the shape.
const PERSONAL_WORDS = new Set([
  'name',
  'names',
  'firstname',
  'lastname',
  'surname',
  'fullname',
  'username',
  'idnumber',
  'nationalid',
  'nationalnumber',
  'address',
  'street',
  'birthdate',
  'dateofbirth',
  'dob',
  'birthday',
  'phone',
  'phonenumber',
  'mobile',
  'email',
  'emailaddress',
  'mothername',
  'fathername',
  'job',
  'profession',
  'religion',
  'maritalstatus',
  'husbandname',
  'documentnumber',
  'passportnumber',
  // Device and place identifiers (Login's `imei`, `geoLocation`), as the proxy's recordings mask them.
  'imei',
  'imsi',
  'deviceid',
  'ip',
  'ipaddress',
  'geolocation',
  'latitude',
  'longitude',
  'lat',
  'lng',
  'lon',
]);

const LONG_TEXT = 256;
// What one entry shows of a body: this many members of an object or items of an array, this deep, and
// about this many characters in all; the rest is counted, not shown.
const SHOWN_ENTRIES = 10;
const SHOWN_DEPTH = 5;
const SHOWN_CHARACTERS = 4096;
const LONG_NAME = 64;
// Headers and query members shown, and the characters of each value.
const SHOWN_HEADERS = 40;
const SHOWN_VALUE = 512;

/**
 * The words of a name: `X-Auth-Token` -> x, auth, token; `passwordConfirmation` -> password, confirmation.
 * @param {string} name
 */
export function wordsOf(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .map((word) => word.replace(/\d+$/, ''))
    .filter(Boolean);
}

/** @type {Map<string, boolean>} */
const credentialNames = new Map();

/**
 * Whether a member, query or header name says its value is a credential.
 * @param {string} name
 */
export function isCredentialName(name) {
  let verdict = credentialNames.get(name);
  if (verdict === undefined) {
    const words = wordsOf(name);
    const joined = words.join('');
    const last = words.at(-1) ?? '';
    const describedCode = last === 'code' && words.length > 1 && DESCRIPTIVE_CODE_WORDS.has(words.at(-2) ?? '');
    verdict =
      !describedCode &&
      (CREDENTIAL_WORDS.has(joined) ||
        /api[-_]?key|apikey|accesstoken|refreshtoken|idtoken|authtoken/.test(joined) ||
        (words.some((word) => CREDENTIAL_WORDS.has(word)) && !HARMLESS_LAST_WORDS.has(last)));
    if (credentialNames.size < 4096) credentialNames.set(name, verdict);
  }
  return verdict;
}

/**
 * Whether a member name says its value is personal data.
 * @param {string} name
 */
export function isPersonalName(name) {
  let verdict = personalNames.get(name);
  if (verdict === undefined) {
    const words = wordsOf(name);
    const last = words.at(-1) ?? '';
    verdict = PERSONAL_WORDS.has(words.join('')) || (PERSONAL_WORDS.has(last) && !HARMLESS_LAST_WORDS.has(last));
    if (personalNames.size < 4096) personalNames.set(name, verdict);
  }
  return verdict;
}

/** @type {Map<string, boolean>} */
const personalNames = new Map();

const JWT = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;
const TOKEN_CHARACTERS = /^[A-Za-z0-9+/=_\-.~]+$/;
const LONGEST_TESTED = 65_536;
const SCHEME = /^(bearer|basic|digest|token|hmac|aws4-hmac-sha256|negotiate)\s+\S/i;

/**
 * Whether a value looks like a token, a key or a base64 payload, whatever its name: a JWT, a value
 * after an authorization scheme, or a run of 20 or more token characters mixing upper case, lower
 * case and digits (a UUID, a date or a word is not one).
 * @param {string} value
 */
export function looksLikeSecret(value) {
  if (value.length < 16) return false;
  // Longer than any token, and long enough to overflow V8's backtracking stack in the tests below:
  // taken as a secret, so it is shown by its length only.
  if (value.length > LONGEST_TESTED) return true;
  if (SCHEME.test(value) || JWT.test(value)) return true;
  if (value.length < 20 || !TOKEN_CHARACTERS.test(value)) return false;
  return /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value);
}

/**
 * A personal value with its shape kept: digits become 0 (an ID number stays 14 digits), letters x,
 * an email keeps its domain's last label, and sandbox test values (+2019… phone numbers, addresses
 * under .test) are shown as they are, since they name the scenario.
 * @param {string} value
 */
export function maskPersonal(value) {
  if (/^\+2019\d{8}$/.test(value) || /@[^@]+\.test$/i.test(value)) return value;
  const at = value.indexOf('@');
  if (at > 0) return `${mask(value.slice(0, at))}@${mask(value.slice(at + 1, value.lastIndexOf('.')))}${value.slice(value.lastIndexOf('.'))}`;
  return mask(value);
}

/** @param {string} text */
const mask = (text) => text.replace(/\p{Nd}/gu, '0').replace(/\p{L}/gu, 'x');

/** @param {string} text */
const shortText = (text) => (text.length > LONG_TEXT ? `<text of ${text.length} characters>` : text);

/**
 * A string value as it may be shown, given its name.
 * @param {string | null} name
 * @param {string} value
 */
function shownString(name, value) {
  if (name !== null && isCredentialName(name)) return REDACTED;
  if (looksLikeSecret(value)) return value.length > LONG_TEXT ? `<text of ${value.length} characters>` : REDACTED;
  if (name !== null && isPersonalName(name)) return maskPersonal(shortText(value));
  if (value.length <= LONG_TEXT && isPersonalShape(value)) return maskPersonal(value);
  return shortText(value);
}

/**
 * Whether a value is personal by its shape alone (an ID number, an email, a phone, Arabic text),
 * whatever its name: `?nid=`, `X-Phone`.
 * @param {string} value
 */
const isPersonalShape = (value) => {
  const shape = personalShapeOf(value);
  return shape !== null && shape !== 'secret';
};

/**
 * The headers as they may be shown, lower case: credential headers (the description's security
 * schemes and credential parameters, `credentialHeaders`, lower case) and any credential-looking name
 * or value redacted, at most SHOWN_HEADERS of them, each cut to SHOWN_VALUE characters.
 * @param {Iterable<[string, string]>} headers
 * @param {Set<string>} credentialHeaders
 */
export function redactHeaders(headers, credentialHeaders) {
  /** @type {Record<string, string>} */
  const shown = {};
  let count = 0;
  let hidden = 0;
  for (const [rawName, value] of headers) {
    if (count >= SHOWN_HEADERS) {
      hidden += 1;
      continue;
    }
    count += 1;
    const { name, shownName, credential } = headerName(rawName);
    shown[shownName] = credential || credentialHeaders.has(name) ? REDACTED : shownHeaderValue(value);
  }
  if (hidden > 0) shown['…'] = `<${hidden} more headers>`;
  return shown;
}

// Header names repeat from request to request: each is lower-cased, cut and judged once.
/** @type {Map<string, { name: string, shownName: string, credential: boolean }>} */
const headerNames = new Map();

/** @param {string} rawName */
function headerName(rawName) {
  let read = headerNames.get(rawName);
  if (read === undefined) {
    const name = rawName.toLowerCase();
    read = { name, shownName: name.length > LONG_NAME ? `${name.slice(0, LONG_NAME)}…` : name, credential: isCredentialName(name) };
    if (rawName.length <= LONG_NAME && headerNames.size < 1024) headerNames.set(rawName, read);
  }
  return read;
}

// Most header values repeat from request to request (a content type, a user agent, a host): each is
// judged once. Only short values shown as they are are remembered (a secret is never kept, even here).
/** @type {Map<string, string>} */
const shownValues = new Map();

/** @param {string} value */
function shownHeaderValue(value) {
  let shown = shownValues.get(value);
  if (shown === undefined) {
    shown = looksLikeSecret(value)
      ? REDACTED
      : value.length > SHOWN_VALUE
        ? `${value.slice(0, SHOWN_VALUE)}<${value.length - SHOWN_VALUE} more characters>`
        : isPersonalShape(value)
          ? maskPersonal(value)
          : value;
    if (shown === value && value.length <= 256 && shownValues.size < 1024) shownValues.set(value, shown);
  }
  return shown;
}

/**
 * The query as it may be shown: credential-named or credential-looking members redacted, long
 * values replaced by their length, at most SHOWN_HEADERS members of SHOWN_ENTRIES values each.
 * @param {URLSearchParams} searchParams
 */
export function redactQuery(searchParams) {
  /** @type {Record<string, string | string[]>} */
  const shown = {};
  if (searchParams.size === 0) return shown;
  let count = 0;
  for (const name of new Set(searchParams.keys())) {
    if (count++ >= SHOWN_HEADERS) break;
    const values = searchParams
      .getAll(name)
      .slice(0, SHOWN_ENTRIES)
      .map((value) => shownString(name, value));
    const shownName = name.length > LONG_NAME ? `${name.slice(0, LONG_NAME)}…` : name;
    shown[shownName] = values.length === 1 ? /** @type {string} */ (values[0]) : values;
  }
  return shown;
}

/** @param {object} object */
function countMembers(object) {
  let count = 0;
  for (const _ in object) count += 1;
  return count;
}

/** @param {object} value */
const sizeOf = (value) => (Array.isArray(value) ? `array of ${value.length} items` : `object of ${countMembers(value)} members`);

/**
 * What an image member shows when it holds no kept image: its kind and size, never its content.
 * @param {unknown} value
 */
function describeImage(value) {
  if (typeof value === 'string') return `<image: text of ${value.length} characters, not kept>`;
  if (value === null) return null;
  if (typeof value === 'object') return `<image: ${sizeOf(value)}, not base64 text>`;
  return `<image: ${typeof value}, not base64 text>`;
}

/**
 * The body as it may be shown: secrets redacted, personal data masked, images (`images`: the kept
 * ones' sizes by member; `imageFields`: the operation's top-level image members) and long strings
 * replaced by a description, objects and arrays cut to their first members, a few levels deep, a few
 * thousand characters in all.
 * @param {unknown} body
 * @param {Record<string, { bytes: number }>} [images]
 * @param {string[]} [imageFields]
 * @param {{ characters: number }} [meter] told about how many characters the sketch holds
 */
export function redactBody(body, images = {}, imageFields = [], meter = { characters: 0 }) {
  let room = SHOWN_CHARACTERS;
  /** @type {(value: unknown, key: string | null, depth: number) => unknown} */
  const visit = (value, key, depth) => {
    if (depth === 1 && key !== null && images[key]) return `<image ${images[key].bytes} bytes>`;
    if (depth === 1 && key !== null && imageFields.includes(key)) return describeImage(value);
    if (key !== null && value !== null && typeof value !== 'object' && isCredentialName(key)) return REDACTED;
    if (typeof value === 'string') {
      const shown = shownString(key, value);
      room -= shown.length;
      return shown;
    }
    if (value === null || typeof value !== 'object') {
      room -= 8;
      if (key !== null && typeof value === 'number' && isPersonalName(key)) return 0;
      return value;
    }
    if (depth >= SHOWN_DEPTH || room <= 0) return `<${sizeOf(value)}>`;
    if (Array.isArray(value)) {
      const shown = [];
      for (const item of value) {
        if (shown.length === SHOWN_ENTRIES || room <= 0) break;
        shown.push(visit(item, key, depth + 1));
      }
      if (shown.length < value.length) shown.push(`<${value.length - shown.length} more items>`);
      return shown;
    }
    /** @type {Record<string, unknown>} */
    const shown = {};
    let count = 0;
    let hidden = 0;
    // `credentials: { user, pass }`: every plain member of a credential object is redacted.
    const secretObject = key !== null && isCredentialName(key);
    for (const member in value) {
      count += 1;
      if (count > SHOWN_ENTRIES || room <= 0) {
        hidden += 1;
        continue;
      }
      const name = member.length > LONG_NAME ? `${member.slice(0, LONG_NAME)}<name of ${member.length} characters>` : member;
      room -= name.length;
      const memberValue = /** @type {Record<string, unknown>} */ (value)[member];
      shown[name] = secretObject && (memberValue === null || typeof memberValue !== 'object') ? REDACTED : visit(memberValue, member, depth + 1);
    }
    if (hidden > 0) shown['…'] = `<${hidden} more members>`;
    return shown;
  };
  const shown = visit(body, null, 0);
  meter.characters = SHOWN_CHARACTERS - room;
  return shown;
}

// ---------------------------------------------------------------------------------------------
// Personal data by the shape of its value, whatever its name (the proxy's recordings and reports:
// a renamed member, `emailOrPhoneNumber`, a name/value pair, an error message quoting a phone).

/**
 * Governorate codes of the Egyptian national ID (digits 8-9): the 27 governorates and 88, born abroad.
 * Source: the layout community validators publish; the Civil Status Organization documents none.
 */
export const GOVERNORATE_CODES = [
  '01',
  '02',
  '03',
  '04',
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '21',
  '22',
  '23',
  '24',
  '25',
  '26',
  '27',
  '28',
  '29',
  '31',
  '32',
  '33',
  '34',
  '35',
  '88',
];
const ID_NUMBER = /^[23]\d{13}$/;
const ID_WEIGHTS = [2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/**
 * The check digit of the first 13 digits of an Egyptian national ID: the weighted modulo-11 scheme
 * community validators use (weights 2,7,6,5,4,3,2,7,6,5,4,3,2; 11 - sum mod 11, then mod 10). Not
 * published by the issuer: real numbers are not refused for it anywhere here.
 * @param {string} first13
 */
export function idNumberCheckDigit(first13) {
  let sum = 0;
  for (let index = 0; index < 13; index++) sum += Number(first13[index]) * /** @type {number} */ (ID_WEIGHTS[index]);
  return String((11 - (sum % 11)) % 10);
}

/**
 * Whether 14 digits have the layout of an Egyptian national ID: century digit (2 = 1900s, 3 = 2000s),
 * a real birth date YYMMDD, a governorate code, a 4-digit serial (its last digit odd for a man) and a
 * check digit (not looked at: see idNumberCheckDigit).
 * @param {string} value
 */
export function hasIdNumberLayout(value) {
  if (!ID_NUMBER.test(value)) return false;
  const year = (value[0] === '2' ? 1900 : 2000) + Number(value.slice(1, 3));
  const month = Number(value.slice(3, 5));
  const day = Number(value.slice(5, 7));
  const date = new Date(Date.UTC(year, month - 1, day));
  return month >= 1 && month <= 12 && date.getUTCDate() === day && GOVERNORATE_CODES.includes(value.slice(7, 9));
}

const EMAIL_SHAPE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@.]{2,}$/;
// E.164 (+20...) or an Egyptian mobile number written locally (01x xxxx xxxx), spaces and dashes allowed.
const PHONE_SHAPE = /^(?:\+\d[\d\s-]{7,17}\d|01[0-25][\d\s-]{7,10}\d)$/;
const ARABIC_LETTER = /\p{Script=Arabic}/u;

/**
 * What a value is by its shape alone: `idNumber` (14 digits with the national ID's layout), `email`,
 * `phone`, `secret` (a token, a key, a JWT: looksLikeSecret), `arabic` (text with Arabic letters: in
 * this API, a name, an address or another field read from a card), or null.
 * @param {string} value
 * @returns {'idNumber' | 'email' | 'phone' | 'secret' | 'arabic' | null}
 */
export function personalShapeOf(value) {
  if (value.length < 6) return ARABIC_LETTER.test(value) ? 'arabic' : null;
  if (hasIdNumberLayout(value)) return 'idNumber';
  if (EMAIL_SHAPE.test(value)) return 'email';
  if (PHONE_SHAPE.test(value)) return 'phone';
  if (looksLikeSecret(value)) return 'secret';
  if (ARABIC_LETTER.test(value)) return 'arabic';
  return null;
}
