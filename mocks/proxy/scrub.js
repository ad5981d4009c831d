// Redaction for what the proxy writes (recordings) and shows (reports): unlike the journal's sketch
// (mocks/store/redact.js, which cuts bodies short), a recording keeps the whole exchange so that it
// can be served again, with every personal or secret value replaced by a stand-in of the same shape:
// - images and other base64 payloads (in any member): a small generated stand-in of the same format,
//   the original's size and SHA-256 noted;
// - national ID numbers: 14 digits with a valid layout (century digit, birth date, governorate code,
//   serial of the same gender, check digit); dates of birth: a date in the same format;
// - names and addresses (Arabic and English), phone numbers, emails: each letter another letter of
//   the same script and case, each digit another digit, the country code and mobile prefix kept;
// - tokens, keys, OTPs, passwords: the same length and character classes, a JWT still a JWT.
// A value is masked by what its member is called (redact.js's credential and personal names, and a
// few more a recording meets: imei, latitude, govern...) AND by what it looks like (redact.js's
// personalShapeOf: an ID number, a phone or an email under any name, Arabic text anywhere, a token).
// Stand-ins are keyed by a secret made for the process (HMAC-SHA-256, never written): the same value
// gets the same stand-in throughout a run, so a phone number sent to Login and to Register still
// matches, and nothing can be reversed from a file.
import { createHmac, randomBytes } from 'node:crypto';
import { isBase64 } from '../front/patterns.js';
import {
  GOVERNORATE_CODES,
  HARMLESS_LAST_WORDS as HARMLESS_LAST_WORDS_OF_REDACT,
  idNumberCheckDigit,
  isCredentialName,
  isPersonalName,
  looksLikeSecret,
  personalShapeOf,
  wordsOf,
} from '../store/redact.js';
import { standInFor } from './stand-in.js';

/** @typedef {'image' | 'binary' | 'idNumber' | 'email' | 'phone' | 'date' | 'secret' | 'credential' | 'personal' | 'arabic' | 'number' | 'embedded'} MaskKind */
/**
 * What was masked at one place: never the value, at most an image's size and SHA-256.
 * @typedef {{ pointer: string, kind: MaskKind, bytes?: number, sha256?: string, format?: string }} Masked
 */

// Names personal in a recording besides redact.js's: the tenancy, passport and case numbers, parts of an address.
const MORE_PERSONAL_WORDS = new Set([
  'tenancyname',
  'tenancy',
  'mrz',
  'passportno',
  'idkey',
  'govern',
  'governorate',
  'city',
  'district',
  'jobtitle',
  'caseno',
  'nationalidnumber',
  'idnumbers',
]);
// Words that make a name redact.js takes for personal a harmless one here: `FileName` names a file.
const NOT_PERSONAL_WORDS = new Set(['file', 'files', 'scenario', 'provider', 'doc', 'type', 'service', 'event', 'example', 'field', 'header', 'property', 'operation']);
// A last word that makes a name say something about a personal value, not hold one (redact.js's, and a
// few flags): `phoneNumberOtpRequestId` is a request's id, `isPhoneNumberConfirmed` a flag. Not `name`:
// in a recording `first_name` holds one.
const HARMLESS_LAST_WORDS = new Set([...HARMLESS_LAST_WORDS_OF_REDACT].filter((word) => word !== 'name' && word !== 'names').concat(['verified', 'exists', 'matched']));
const IMAGE_WORDS = new Set(['image', 'images', 'face', 'photo', 'picture', 'selfie', 'portrait', 'base64', 'dg1', 'dg2', 'sod']);
const BIRTH = /birth|dob/;
// Base64 this long is a payload, whatever its member is called.
const PAYLOAD_CHARACTERS = 64;
const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+);base64,/;
const LEAK_CHECK_MIN = 6;

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const ARABIC_INDIC = '٠١٢٣٤٥٦٧٨٩';
const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_LETTERS = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';
const SYMBOLS = '!#$%&*+-=?@^_~';
const ARABIC_SCRIPT = /\p{Script=Arabic}/u;
// Shapes looked for inside free text (an error message quoting a phone, an address line in a note).
const EMBEDDED =
  /[^\s@"'<>(),;:]{1,64}@[^\s@"'<>(),;:]+\.[A-Za-z]{2,}|\+\d[\d -]{8,16}\d|\b01[0-25]\d{8}\b|\b[23]\d{13}\b|[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|[\p{Script=Arabic}][\p{Script=Arabic}\p{M} ]*/gu;

/**
 * @param {string} name
 * @returns {boolean}
 */
function isPersonalHere(name) {
  const words = wordsOf(name);
  if (words.some((word) => NOT_PERSONAL_WORDS.has(word)) || HARMLESS_LAST_WORDS.has(words.at(-1) ?? '')) return false;
  // Any personal word, not only the last: `name_english`, `first_name_english`, `govern_english`.
  return isPersonalName(name) || MORE_PERSONAL_WORDS.has(words.join('')) || words.some((word) => MORE_PERSONAL_WORDS.has(word) || isPersonalName(word));
}

/** @param {string} name */
const isImageName = (name) => wordsOf(name).some((word) => IMAGE_WORDS.has(word));

/** @param {string} segment */
const escapeSegment = (segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A scrubber for one proxy run.
 * @param {{ secret?: Uint8Array }} [options] the HMAC key of the stand-ins (default: random, per run)
 */
export function createScrubber({ secret = randomBytes(32) } = {}) {
  /**
   * A stream of pseudo-random choices for one value: the same value, the same choices.
   * @param {string} kind
   * @param {string} value
   */
  function chooser(kind, value) {
    let block = Buffer.alloc(0);
    let offset = 0;
    let counter = 0;
    return {
      /** @param {number} n @returns {number} an integer from 0 to n - 1 */
      below(n) {
        if (offset + 2 > block.length) {
          block = createHmac('sha256', secret).update(`${kind}\u0000${counter++}\u0000${value}`).digest();
          offset = 0;
        }
        const pick = block.readUInt16BE(offset) % n;
        offset += 2;
        return pick;
      },
    };
  }

  /**
   * Another character of the same alphabet.
   * @param {string} alphabet
   * @param {string} character
   * @param {{ below(n: number): number }} choose
   */
  const other = (alphabet, character, choose) => {
    const at = alphabet.indexOf(character);
    const pick = choose.below(alphabet.length - 1);
    return /** @type {string} */ (alphabet[at === -1 || pick < at ? pick : pick + 1]);
  };

  /**
   * Every letter another letter of its script and case, every digit another digit of its kind;
   * spaces, marks and (unless `symbols`) punctuation kept.
   * @param {string} value
   * @param {string} kind
   * @param {{ symbols?: boolean }} [how]
   */
  function maskCharacters(value, kind, { symbols = false } = {}) {
    const choose = chooser(kind, value);
    let masked = '';
    for (const character of value) {
      if (DIGITS.includes(character)) masked += other(DIGITS, character, choose);
      else if (LOWER.includes(character)) masked += other(LOWER, character, choose);
      else if (UPPER.includes(character)) masked += other(UPPER, character, choose);
      else if (ARABIC_INDIC.includes(character)) masked += other(ARABIC_INDIC, character, choose);
      else if (PERSIAN_DIGITS.includes(character)) masked += other(PERSIAN_DIGITS, character, choose);
      else if (ARABIC_SCRIPT.test(character) && /\p{L}/u.test(character)) masked += other(ARABIC_LETTERS, character, choose);
      else if (/\p{L}/u.test(character)) masked += character === character.toUpperCase() ? other(UPPER, character, choose) : other(LOWER, character, choose);
      else if (/\p{N}/u.test(character)) masked += other(DIGITS, character, choose);
      else if (symbols && /[\p{P}\p{S}]/u.test(character)) masked += other(SYMBOLS, character, choose);
      else masked += character;
    }
    return masked;
  }

  /**
   * Another national ID number with the layout kept: the same century, a real birth date, a
   * governorate code, a serial whose last digit keeps the gender, the check digit recomputed.
   * @param {string} value
   */
  function maskIdNumber(value) {
    const choose = chooser('idNumber', value);
    for (;;) {
      const century = value[0] === '2' ? 1900 : 2000;
      const year = century === 1900 ? 40 + choose.below(60) : choose.below(10);
      const birth = new Date(Date.UTC(century + year, choose.below(12), 1 + choose.below(28)));
      const date = `${String(year).padStart(2, '0')}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
      const governorate = GOVERNORATE_CODES[choose.below(GOVERNORATE_CODES.length)];
      const serial = `${String(choose.below(1000)).padStart(3, '0')}${(Number(value[12]) % 2) + 2 * choose.below(5)}`;
      const first13 = `${value[0]}${date}${governorate}${serial}`;
      const masked = `${first13}${idNumberCheckDigit(first13)}`;
      if (masked !== value) return masked;
    }
  }

  /**
   * A phone number with its country code and mobile prefix kept (+20 10, 011...), the rest other
   * digits. The sandbox's magic numbers (+2019...) are kept: they name a scenario, no subscriber.
   * @param {string} value
   */
  function maskPhone(value) {
    if (/^\+2019\d{8}$/.test(value)) return value;
    const kept = value.startsWith('+20') ? 4 : value.startsWith('0') ? 3 : 2;
    let digits = 0;
    let cut = 0;
    while (cut < value.length && digits < kept) if (/\d/.test(/** @type {string} */ (value[cut++]))) digits += 1;
    return `${value.slice(0, cut)}${maskCharacters(value.slice(cut), 'phone')}`;
  }

  /**
   * The local part masked; the domain's labels too, but for its last one, and for the reserved test
   * domains (.test, .example, .invalid, example.com): the sandbox's magic emails name a scenario.
   * @param {string} value
   */
  function maskEmail(value) {
    const at = value.lastIndexOf('@');
    const domain = value.slice(at + 1);
    if (/\.test$/i.test(domain)) return value;
    const reserved = /(^|\.)(example\.(com|org|net)|[^.]+\.(example|invalid|localhost))$/i.test(domain);
    const labels = domain.split('.');
    const maskedDomain = reserved ? domain : [...labels.slice(0, -1).map((label) => maskCharacters(label, 'email-domain')), labels.at(-1)].join('.');
    return `${maskCharacters(value.slice(0, at), 'email')}@${maskedDomain}`;
  }

  /**
   * Another real date in the same format (yyyy-MM-dd..., dd/MM/yyyy...), the time part kept; text
   * that is no date has its characters masked.
   * @param {string} value
   */
  function maskDate(value) {
    const iso = /^(\d{4})-(\d{2})-(\d{2})(.*)$/s.exec(value);
    const local = /^(\d{2})\/(\d{2})\/(\d{4})(.*)$/s.exec(value);
    if (!iso && !local) return maskCharacters(value, 'date');
    const [year, month, day, rest] = iso
      ? [iso[1], iso[2], iso[3], iso[4]]
      : [
          /** @type {RegExpExecArray} */ (local)[3],
          /** @type {RegExpExecArray} */ (local)[2],
          /** @type {RegExpExecArray} */ (local)[1],
          /** @type {RegExpExecArray} */ (local)[4],
        ];
    const original = Date.UTC(Number(year), Number(month) - 1, Number(day));
    const choose = chooser('date', value);
    const shifted = new Date((Number.isNaN(original) ? Date.UTC(1990, 0, 1) : original) - (1 + choose.below(3650)) * 86_400_000);
    const [y, m, d] = [String(shifted.getUTCFullYear()).padStart(4, '0'), String(shifted.getUTCMonth() + 1).padStart(2, '0'), String(shifted.getUTCDate()).padStart(2, '0')];
    return iso ? `${y}-${m}-${d}${rest}` : `${d}/${m}/${y}${rest}`;
  }

  /**
   * A token, key, OTP or password: the same length and character classes; a JWT keeps its three
   * segments, an authorization value its scheme.
   * @param {string} value
   * @returns {string}
   */
  function maskSecret(value) {
    const scheme = /^([A-Za-z][\w-]*\s+)(\S.*)$/s.exec(value);
    if (scheme && /^(bearer|basic|digest|token|hmac|negotiate)\s/i.test(value)) return `${scheme[1]}${maskSecret(/** @type {string} */ (scheme[2]))}`;
    return maskCharacters(value, 'secret', { symbols: !/^[A-Za-z0-9_.~+/=-]+$/.test(value) });
  }

  /**
   * The digits of a number under a personal or credential name, its sign, point and length kept.
   * @param {number} value
   */
  function maskNumber(value) {
    if (!Number.isFinite(value)) return value;
    const text = String(value);
    if (/e/i.test(text)) return 0;
    const masked = maskCharacters(text, 'number').replace(/^(-?)0+(?=\d)/, (_, sign) => `${sign}${'1'}`);
    return Number(masked);
  }

  /**
   * Shapes inside free text replaced in place.
   * @param {string} value
   * @param {Masked[]} masked
   * @param {string} pointer
   * @param {string[]} originals
   */
  function scrubEmbedded(value, masked, pointer, originals) {
    let changed = false;
    const scrubbed = value.replace(EMBEDDED, (found) => {
      const shape = ARABIC_SCRIPT.test(found) ? 'arabic' : personalShapeOf(found.trim());
      if (shape === null) return found;
      changed = true;
      originals.push(found.trim());
      return maskShape(shape, found);
    });
    if (changed) masked.push({ pointer, kind: 'embedded' });
    return scrubbed;
  }

  /**
   * @param {string} shape
   * @param {string} value
   */
  function maskShape(shape, value) {
    if (shape === 'idNumber') return maskIdNumber(value);
    if (shape === 'email') return maskEmail(value);
    if (shape === 'phone') return maskPhone(value);
    if (shape === 'secret') return maskSecret(value);
    return maskCharacters(value, shape);
  }

  /**
   * A base64 payload (or a data: URL of one) replaced by its stand-in, or null when the text is no
   * base64 payload.
   * @param {string} value
   * @param {boolean} imageNamed the member's name says it holds an image or binary data
   * @returns {{ text: string, note: Omit<Masked, 'pointer'> } | null}
   */
  function payload(value, imageNamed) {
    const prefix = DATA_URL.exec(value)?.[0] ?? '';
    const text = value.slice(prefix.length);
    const named = imageNamed || prefix !== '';
    if (text.length < (named ? 4 : PAYLOAD_CHARACTERS) || !isBase64(text)) return null;
    // Hex (a digest) and plain words are base64's alphabet too: a payload mixes cases or has + or /.
    if (!named && !(/[A-Z]/.test(text) && /[a-z]/.test(text)) && !/[+/]/.test(text)) return null;
    const { standIn, kind, bytes, sha256 } = standInFor(Buffer.from(text, 'base64'));
    const isImage = kind !== 'bytes';
    return { text: `${prefix}${standIn.toString('base64')}`, note: { kind: isImage ? 'image' : 'binary', format: kind, bytes, sha256 } };
  }

  /**
   * One string value, given the name of its member (null for an array item or the body itself).
   * @param {string | null} name
   * @param {string} value
   * @param {Masked[]} masked
   * @param {string} pointer
   * @param {string[]} originals raw values masked, for the leak check
   * @param {number} depth
   * @returns {string}
   */
  function scrubString(name, value, masked, pointer, originals, depth) {
    if (name !== null && isCredentialName(name) && !isImageName(name)) {
      if (value === '') return value;
      originals.push(value);
      masked.push({ pointer, kind: 'secret' });
      return maskSecret(value);
    }
    const asPayload = payload(value, name !== null && isImageName(name));
    if (asPayload) {
      originals.push(value.slice(0, 256));
      masked.push({ pointer, ...asPayload.note });
      return asPayload.text;
    }
    // JSON inside a string (deviceInfo, geoLocation): scrubbed as JSON.
    if (depth < 8 && /^\s*[[{]/.test(value)) {
      try {
        const parsed = JSON.parse(value);
        if (parsed !== null && typeof parsed === 'object') return JSON.stringify(scrubValue(parsed, masked, pointer, originals, depth + 1));
      } catch {
        // Not JSON: free text.
      }
    }
    const shape = personalShapeOf(value);
    if (name !== null && isPersonalHere(name)) {
      if (value === '') return value;
      originals.push(value);
      if (shape === 'idNumber' || shape === 'email' || shape === 'phone') {
        masked.push({ pointer, kind: shape });
        return maskShape(shape, value);
      }
      if (BIRTH.test(wordsOf(name).join(''))) {
        masked.push({ pointer, kind: 'date' });
        return maskDate(value);
      }
      masked.push({ pointer, kind: 'personal' });
      return maskCharacters(value, 'personal');
    }
    if (shape !== null) {
      originals.push(value);
      masked.push({ pointer, kind: shape });
      return maskShape(shape, value);
    }
    return scrubEmbedded(value, masked, pointer, originals);
  }

  /**
   * A JSON value, every member scrubbed; `{ name|field, value }` pairs mask `value` as if it were
   * the member the pair names (`{ "name": "idNumber", "value": "2940..." }`).
   * @param {unknown} value
   * @param {Masked[]} masked
   * @param {string} pointer
   * @param {string[]} originals
   * @param {number} [depth]
   * @param {string | null} [name]
   * @returns {unknown}
   */
  function scrubValue(value, masked, pointer, originals, depth = 0, name = null) {
    if (typeof value === 'string') return scrubString(name, value, masked, pointer, originals, depth);
    if (typeof value === 'number') {
      if (name !== null && (isPersonalHere(name) || isCredentialName(name))) {
        originals.push(String(value));
        masked.push({ pointer, kind: 'number' });
        return maskNumber(value);
      }
      return value;
    }
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item, index) => scrubValue(item, masked, `${pointer}/${index}`, originals, depth + 1, name));
    const record = /** @type {Record<string, unknown>} */ (value);
    const label = typeof record.name === 'string' ? record.name : typeof record.field === 'string' ? record.field : null;
    /** @type {Record<string, unknown>} */
    const scrubbed = {};
    for (const [member, memberValue] of Object.entries(record)) {
      const at = `${pointer}/${escapeSegment(member)}`;
      if (label !== null && (member === 'name' || member === 'field') && memberValue === label && !personalShapeOf(label)) scrubbed[member] = memberValue;
      else if (label !== null && member === 'value')
        scrubbed[member] = scrubValue(memberValue, masked, at, originals, depth + 1, isPersonalHere(label) || isCredentialName(label) ? label : 'value');
      else scrubbed[member] = scrubValue(memberValue, masked, at, originals, depth + 1, member);
    }
    return scrubbed;
  }

  return {
    /**
     * A JSON value with every personal and secret value replaced by a stand-in.
     * @param {unknown} value
     * @param {string} pointer where it sits in the recording (`/request/body`)
     * @param {Masked[]} masked told what was masked where
     * @param {string[]} originals told the raw values masked (kept in memory for the leak check only)
     */
    json: (value, pointer, masked, originals) => scrubValue(value, masked, pointer, originals),

    /**
     * Headers as a recording keeps them, lower case: credential headers (the description's, any
     * credential-like name, cookies) as `<redacted>`, never even their shape; the others scrubbed
     * by name and shape.
     * @param {Iterable<[string, string]>} headers
     * @param {Set<string>} credentialHeaders lower case
     * @param {string} pointer
     * @param {Masked[]} masked
     * @param {string[]} originals
     */
    headers(headers, credentialHeaders, pointer, masked, originals) {
      /** @type {Record<string, string>} */
      const kept = {};
      for (const [rawName, value] of headers) {
        const name = rawName.toLowerCase();
        const at = `${pointer}/${escapeSegment(name)}`;
        if (credentialHeaders.has(name) || isCredentialName(name) || name === 'set-cookie' || name === 'proxy-authorization' || looksLikeSecret(value)) {
          if (value.replace(/^bearer\s*/i, '') !== '') originals.push(value.replace(/^bearer\s*/i, ''));
          kept[name] = '<redacted>';
          masked.push({ pointer: at, kind: 'credential' });
        } else kept[name] = scrubString(rawName, value, masked, at, originals, 0);
      }
      return kept;
    },

    /**
     * A query as a recording keeps it: each value scrubbed by its name and shape.
     * @param {URLSearchParams} searchParams
     * @param {string} pointer
     * @param {Masked[]} masked
     * @param {string[]} originals
     */
    query(searchParams, pointer, masked, originals) {
      /** @type {Record<string, string | string[]>} */
      const kept = {};
      for (const name of new Set(searchParams.keys())) {
        const values = searchParams
          .getAll(name)
          .map((value, index) => scrubString(name, value, masked, `${pointer}/${escapeSegment(name)}${searchParams.getAll(name).length > 1 ? `/${index}` : ''}`, originals, 0));
        kept[name] = values.length === 1 ? /** @type {string} */ (values[0]) : values;
      }
      return kept;
    },

    /**
     * A value as a report may show it: scrubbed like a recording, long text and payloads described,
     * objects and arrays summarised.
     * @param {string | null} name the member's name
     * @param {unknown} value
     * @returns {string}
     */
    seen(name, value) {
      if (value === undefined) return 'absent';
      if (value === null || typeof value === 'boolean') return String(value);
      if (typeof value === 'number') return name !== null && (isPersonalHere(name) || isCredentialName(name)) ? `number ${maskNumber(value)}` : `number ${value}`;
      if (typeof value === 'string') {
        /** @type {Masked[]} */
        const notes = [];
        const shown = scrubString(name, value, notes, '', [], 0);
        const note = notes[0];
        if (note && (note.kind === 'image' || note.kind === 'binary')) return `${note.kind} (${note.format}, ${note.bytes} bytes)`;
        if (note?.kind === 'secret') return `secret (${value.length} characters)`;
        return shown.length > 120 ? `text of ${value.length} characters` : JSON.stringify(shown);
      }
      if (Array.isArray(value)) return `array of ${value.length} item${value.length === 1 ? '' : 's'}`;
      const members = Object.keys(value).map((member) => (personalShapeOf(member) ? maskShape(/** @type {string} */ (personalShapeOf(member)), member) : member));
      return `object {${members.slice(0, 10).join(', ')}${members.length > 10 ? `, … ${members.length - 10} more` : ''}}`;
    },
  };
}

/**
 * Whether a written text still holds any of the raw values that were masked (the last line of
 * defence: a recording that fails it is not written). Values shorter than LEAK_CHECK_MIN characters
 * are not looked for: too many would occur by chance.
 * @param {string} text
 * @param {string[]} originals
 */
export function leaks(text, originals) {
  for (const original of originals) {
    if (original.length < LEAK_CHECK_MIN) continue;
    if (text.includes(original) || text.includes(JSON.stringify(original).slice(1, -1))) return true;
  }
  return false;
}

/** @typedef {ReturnType<typeof createScrubber>} Scrubber */
