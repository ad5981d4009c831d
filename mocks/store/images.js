// The images the sandbox keeps, within one byte budget for every tenant together. Each image is kept
// as the bytes of the base64 text it was sent as (a Uint8Array: outside the JavaScript heap, freed
// soon after eviction, a quarter the size of the text as a string of two-byte characters would be on
// some engines, and spliced into GetStepImage's answer without copying). Copying is a tenth of the
// cost of decoding; the bytes are decoded only when someone asks for their SHA-256. Past the budget
// the oldest transactions' images are evicted, oldest first, and GetStepImage answers its documented
// error for them.
import { fromBase64, sha256Hex } from './random.js';

const encoder = new TextEncoder();
// Texts up to this long are copied character by character: cheaper than a call into the encoder, and
// the bytes of a typed array this small live on the JavaScript heap (no buffer of their own to free).
const SHORT_TEXT = 64;

/**
 * The bytes of an ASCII text (base64): the same bytes as TextEncoder's encode() gives, made cheaply
 * for a short one.
 * @param {string} text
 */
function asciiBytes(text) {
  const length = text.length;
  if (length > SHORT_TEXT) return encoder.encode(text);
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0x7f) return encoder.encode(text);
    bytes[index] = code;
  }
  return bytes;
}

/**
 * A kept image. `text`: the base64 as sent, as bytes, null once evicted; `bytes`: the image's size.
 * @typedef {{ field: string, text: Uint8Array | null, bytes: number, extension: 'png' | 'jpg', sha256: string | null, evicted: boolean, group: ImageGroup | null }} ImageRecord
 * @typedef {{ records: ImageRecord[] }} ImageGroup
 */

/**
 * Bytes of the image a base64 text encodes (it was checked against the description's pattern).
 * @param {number} length
 * @param {string} text
 */
export function decodedBytes(length, text) {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (length / 4) * 3 - padding;
}

// A PNG's signature starts iVBORw0KGgo in base64; anything else is taken for a JPEG.
/** @param {string} base64 @returns {'png' | 'jpg'} */
const extensionOf = (base64) => (base64.startsWith('iVBORw0KGgo') ? 'png' : 'jpg');

/** A transaction's image group: every record its steps ever kept, evicted and released together. */
/** @returns {ImageGroup} */
export const newImageGroup = () => ({ records: [] });

/**
 * `track(base64, field)` makes a record; `keep(group, records, replaced)` ties records to a transaction
 * so they are evicted together; `release(group)` drops a transaction's images (expired or reset);
 * `summary(record)` is what may be shown of it.
 * @param {number} budgetBytes
 */
export function createImageStore(budgetBytes) {
  // Records still holding their bytes, oldest first (a Map keeps insertion order).
  /** @type {Map<ImageRecord, true>} */
  const held = new Map();
  let used = 0;

  /** @param {ImageRecord} record @param {boolean} evicted */
  const drop = (record, evicted) => {
    if (record.text === null) return;
    used -= record.text.length;
    held.delete(record);
    record.text = null;
    record.evicted = evicted;
  };

  const evictOverBudget = () => {
    while (used > budgetBytes && held.size > 0) {
      const oldest = /** @type {ImageRecord} */ (held.keys().next().value);
      if (oldest.group) for (const record of oldest.group.records) drop(record, true);
      else drop(oldest, true);
    }
  };

  return {
    get usedBytes() {
      return used;
    },
    budgetBytes,
    /**
     * `base64` was checked against the description's pattern: standard alphabet, padded, ASCII.
     * @param {string} base64
     * @param {string} field
     * @returns {ImageRecord}
     */
    track(base64, field) {
      const text = asciiBytes(base64);
      /** @type {ImageRecord} */
      const record = { field, text, bytes: decodedBytes(text.length, base64), extension: extensionOf(base64), sha256: null, evicted: false, group: null };
      held.set(record, true);
      used += text.length;
      evictOverBudget();
      return record;
    },
    /**
     * The step images a transaction now holds (`records`) and those a retry replaced, which are left to the journal.
     * @param {ImageGroup} group
     * @param {ImageRecord[]} records
     * @param {ImageRecord[]} [replaced]
     */
    keep(group, records, replaced = []) {
      for (const record of replaced) record.group = null;
      // Filtered only when a record left the group (nearly always none has): a new array per step otherwise.
      if (group.records.some((record) => record.group !== group)) group.records = group.records.filter((record) => record.group === group);
      for (const record of records) {
        if (record.group === group) continue;
        record.group = group;
        group.records.push(record);
      }
    },
    /** @param {ImageGroup} group */
    release(group) {
      for (const record of group.records) drop(record, true);
    },
    /**
     * Drops the images the journal alone still refers to (its entry is gone).
     * @param {ImageRecord[]} records
     */
    forget(records) {
      for (const record of records) if (record.group === null) drop(record, true);
    },
    /** @param {ImageRecord} record */
    summary(record) {
      if (record.sha256 === null && record.text !== null) record.sha256 = sha256Hex(decode(record.text));
      return { field: record.field, bytes: record.bytes, sha256: record.sha256, evicted: record.evicted };
    },
  };
}

/** @typedef {ReturnType<typeof createImageStore>} ImageStore */

const decoder = new TextDecoder('latin1');

/**
 * The image bytes of a kept base64 text.
 * @param {Uint8Array} text
 */
export const decode = (text) => fromBase64(decoder.decode(text));

/**
 * Whether two kept images are the same bytes: the same text, or texts that differ only in the unused
 * bits of the last group.
 * @param {ImageRecord} first
 * @param {ImageRecord} second
 */
export function sameBytes(first, second) {
  const a = first.text;
  const b = second.text;
  if (a === null || b === null || a.length !== b.length) return false;
  const end = a.length - 4;
  for (let index = 0; index < Math.max(end, 0); index++) if (a[index] !== b[index]) return false;
  if (end < 0) return true;
  // The last group's first character is six bits of data in any padding: only the rest can differ unseen.
  if (a[end] !== b[end]) return false;
  const lastA = decode(a.subarray(end));
  const lastB = decode(b.subarray(end));
  return lastA.length === lastB.length && lastA.every((byte, index) => byte === lastB[index]);
}
