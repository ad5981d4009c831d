// The images the sandbox keeps, within one byte budget for every tenant together. Each image is kept
// as the base64 text it was sent as, copied into a Buffer: outside V8's heap, where the engine frees it
// soon after eviction (a growing amount of external memory makes V8 collect; old strings would wait for
// a full collection and let the process grow by hundreds of megabytes first). A copy costs a tenth of
// decoding; the bytes are decoded only when someone asks for their SHA-256. Past the budget the oldest
// transactions' images are evicted, oldest first, and GetStepImage answers its documented error for
// them. The SHA-256 of an image is computed only when someone asks (the control API, the journal):
// hashing 2 MB costs milliseconds, more than the rest of a liveness call.
import { createHash } from 'node:crypto';

/** Bytes of the image a base64 text encodes (it was checked against the description's pattern). */
export function decodedBytes(length, text) {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (length / 4) * 3 - padding;
}

// A PNG's signature starts iVBORw0KGgo in base64; anything else is taken for a JPEG.
const extensionOf = (base64) => (base64.startsWith('iVBORw0KGgo') ? 'png' : 'jpg');

/**
 * `track(base64, field)` makes a record `{ field, text, bytes, extension, sha256, evicted, group }`
 * (`text`: the base64 as a Buffer; `bytes`: the image's size); `keep(group, records, replaced)` ties
 * records to a transaction so they are evicted together; `release(group)` drops a transaction's images
 * (expired or reset); `summary(record)` is what may be shown of it.
 */
export function createImageStore(budgetBytes) {
  // Records still holding their bytes, oldest first (a Map keeps insertion order).
  const held = new Map();
  let used = 0;

  const drop = (record, evicted) => {
    if (record.text === null) return;
    used -= record.text.length;
    held.delete(record);
    record.text = null;
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
    /** `base64` was checked against the description's pattern: standard alphabet, padded. */
    track(base64, field) {
      const text = Buffer.from(base64, 'latin1');
      const record = { field, text, bytes: decodedBytes(text.length, base64), extension: extensionOf(base64), sha256: null, evicted: false, group: null };
      held.set(record, true);
      used += text.length;
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
    /** Drops the images the journal alone still refers to (its entry is gone). */
    forget(records) {
      for (const record of records) if (record.group === null) drop(record, true);
    },
    summary(record) {
      if (record.sha256 === null && record.text !== null) record.sha256 = createHash('sha256').update(Buffer.from(record.text.toString('latin1'), 'base64')).digest('hex');
      return { field: record.field, bytes: record.bytes, sha256: record.sha256, evicted: record.evicted };
    },
  };
}

/** Whether two kept images are the same bytes: the same text, or texts that differ only in the unused bits of the last group. */
export function sameBytes(first, second) {
  const [a, b] = [first.text, second.text];
  if (a === null || b === null || a.length !== b.length) return false;
  if (a.equals(b)) return true;
  const end = a.length - 4;
  return end >= 0 && a.subarray(0, end).equals(b.subarray(0, end)) && Buffer.from(a.toString('latin1', end), 'base64').equals(Buffer.from(b.toString('latin1', end), 'base64'));
}

/** A transaction's image group: every record its steps ever kept, evicted and released together. */
export const newImageGroup = () => ({ records: [] });
