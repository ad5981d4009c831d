// What the request validators run for `pattern` and the OpenAPI formats, web-standard (no Buffer), so
// that the validators compiled ahead of time run in a browser as in Node.
//
// The description's base64 pattern, run by the regular-expression engine, costs 15-45 ms on a 2 MB
// image; here the same answer comes from copying the text's bytes (TextEncoder.encodeInto, a memory
// copy for ASCII) and a few arithmetic operations per four bytes, 1-2 ms. Every other pattern is a plain RegExp: the
// description keeps them linear (test/description-patterns.test.ts), and the validators check a
// string's length before its pattern (mocks/model/compile.js), so no input makes one slow.

export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
const LAST_GROUP = /^(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

const encoder = new TextEncoder();
// Grown to the longest text checked (at most the image ceiling, 4 MB of base64), read four bytes at a time.
let scratch = new Uint8Array(0);
let words = new Uint32Array(0);

/**
 * Of four ASCII bytes in one 32-bit word, the high bit of each byte that is from `low` to `high`:
 * adding 0x80 - low sets it from `low` up, adding 0x7f - high from past `high` up, and no byte
 * carries into the next (each sum stays under 0x100).
 * @param {number} word
 * @param {number} low
 * @param {number} high
 */
const inRange = (word, low, high) => (word + (0x80 - low) * 0x01010101) & ~(word + (0x7f - high) * 0x01010101) & 0x80808080;
const ALL_FOUR = 0x80808080 | 0;

/**
 * Same answer as the Base64Image pattern (test/mock-validation.test.ts checks them against each
 * other): whole groups of four characters of the standard alphabet, the last one possibly padded.
 * @param {string} text
 */
export function isBase64(text) {
  if (text.length % 4 !== 0) return false;
  if (text.length === 0) return true;
  if (!LAST_GROUP.test(text.slice(-4))) return false;
  const length = text.length - 4;
  if (scratch.length < length) {
    scratch = new Uint8Array(Math.max(length, scratch.length * 2));
    words = new Uint32Array(scratch.buffer);
  }
  const { read, written } = encoder.encodeInto(text.slice(0, length), scratch);
  // Any character beyond ASCII is written as two or more bytes: not base64.
  if (read !== length || written !== length) return false;
  // Every byte a digit, a letter, + or /: four at a time (length is a multiple of four).
  for (let index = 0, count = length >> 2; index < count; index++) {
    const word = /** @type {number} */ (words[index]);
    const valid = inRange(word, 0x30, 0x39) | inRange(word, 0x41, 0x5a) | inRange(word, 0x61, 0x7a) | inRange(word, 0x2b, 0x2b) | inRange(word, 0x2f, 0x2f);
    if (valid !== ALL_FOUR) return false;
  }
  return true;
}

const base64Matcher = { test: isBase64 };

/**
 * The regular-expression engine the validators are compiled with (Ajv's `code.regExp` option).
 * @param {string} pattern
 * @param {string} [flags]
 * @returns {{ test(text: string): boolean }}
 */
export function fastRegExp(pattern, flags) {
  return pattern === BASE64_PATTERN ? base64Matcher : new RegExp(pattern, flags);
}

/**
 * JSON Schema counts characters as code points; a UTF-16 length decides without counting in most cases.
 * @param {string} text
 */
export function codePointLength(text) {
  let surrogatePairs = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++;
        index++;
      }
    }
  }
  return text.length - surrogatePairs;
}

/**
 * The OpenAPI formats the description uses beyond JSON Schema's, as Ajv format definitions (the
 * compiled validators call `validate`): int32 bounds an integer, int64 is any integer here, password
 * only tells tools to hide the value.
 */
export const formats = {
  int32: { type: /** @type {const} */ ('number'), validate: (/** @type {number} */ value) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 },
  int64: { type: /** @type {const} */ ('number'), validate: (/** @type {number} */ value) => Number.isInteger(value) },
  password: { type: /** @type {const} */ ('string'), validate: () => true },
};
