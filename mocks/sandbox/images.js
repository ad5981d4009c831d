// The images the sandbox keeps, within one byte budget for every tenant together. Each image is kept
// as the base64 text the request carried (the string the JSON parser made: no copy, no decoding) until
// the budget is exceeded; then the oldest transactions' images are evicted, oldest first, and
// GetStepImage answers its documented error for them. The SHA-256 of an image is computed only when
// someone asks (the control API, the journal): hashing 2 MB costs several milliseconds, more than the
// rest of a liveness call.
import { createHash } from 'node:crypto';

/** Bytes of the image a base64 text encodes (it was checked against the description's pattern). */
export function decodedBytes(base64) {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

const extensionOf = (base64) => (base64.startsWith('iVBORw0KGgo') ? 'png' : 'jpg');

/**
 * `track(base64, field)` makes a record `{ field, base64, bytes, extension, sha256, evicted, group }`;
 * `keep(group, records, replaced)` ties records to a transaction so they are evicted together; `release(group)`
 * drops a transaction's images (expired or reset); `summary(record)` is what may be shown of it.
 */
export function createImageStore(budgetBytes) {
  // Records still holding their text, oldest first (a Map keeps insertion order).
  const held = new Map();
  let used = 0;

  const drop = (record, evicted) => {
    if (record.base64 === null) return;
    used -= record.base64.length;
    held.delete(record);
    record.base64 = null;
    record.evicted = evicted;
  };

  const evictOverBudget = () => {
    while (used > budgetBytes && held.size > 0) {
      const oldest = held.keys().next().value;
      if (oldest.group) for (const record of oldest.group.records) drop(record, true);
      else drop(oldest, true);
    }
  };

  return {
    get usedBytes() {
      return used;
    },
    budgetBytes,
    track(base64, field) {
      const record = { field, base64, bytes: decodedBytes(base64), extension: extensionOf(base64), sha256: null, evicted: false, group: null };
      held.set(record, true);
      used += base64.length;
      evictOverBudget();
      return record;
    },
    /** The step images a transaction now holds (`records`) and those a retry replaced, which are left to the journal. */
    keep(group, records, replaced = []) {
      for (const record of replaced) record.group = null;
      group.records = group.records.filter((record) => record.group === group);
      for (const record of records) {
        if (record.group === group) continue;
        record.group = group;
        group.records.push(record);
      }
    },
    release(group) {
      for (const record of group.records) drop(record, true);
    },
    summary(record) {
      if (record.sha256 === null && record.base64 !== null) {
        record.sha256 = createHash('sha256').update(Buffer.from(record.base64, 'base64')).digest('hex');
      }
      return { field: record.field, bytes: record.bytes, sha256: record.sha256, evicted: record.evicted };
    },
  };
}

/** A transaction's image group: every record its steps ever kept, evicted and released together. */
export const newImageGroup = () => ({ records: [] });
