// The images the sandbox keeps, within one byte budget for every tenant together. Each image is kept
// decoded, in a Buffer: outside V8's heap, where the engine frees it soon after eviction (a growing
// amount of external memory makes V8 collect; old strings would wait for a full collection and let the
// process grow by hundreds of megabytes first). Past the budget the oldest transactions' images are
// evicted, oldest first, and GetStepImage answers its documented error for them. The SHA-256 of an
// image is computed only when someone asks (the control API, the journal): hashing 2 MB costs
// milliseconds, more than the rest of a liveness call.
import { createHash } from 'node:crypto';

const extensionOf = (bytes) => (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 ? 'png' : 'jpg');

/**
 * `track(base64, field)` makes a record `{ field, bytes, extension, sha256, evicted, group }` holding
 * the decoded image; `keep(group, records, replaced)` ties records to a transaction so they are evicted
 * together; `release(group)` drops a transaction's images (expired or reset); `base64Of(record)` gives
 * back exactly the text that was sent; `summary(record)` is what may be shown of it.
 */
export function createImageStore(budgetBytes) {
  // Records still holding their bytes, oldest first (a Map keeps insertion order).
  const held = new Map();
  let used = 0;

  const drop = (record, evicted) => {
    if (record.buffer === null) return;
    used -= record.bytes;
    held.delete(record);
    record.buffer = null;
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
      const buffer = Buffer.from(base64, 'base64');
      // Every group but a padded last one decodes one way only; the last one's unused bits are kept as sent.
      const record = { field, buffer, tail: base64.slice(-4), bytes: buffer.length, extension: extensionOf(buffer), sha256: null, evicted: false, group: null };
      held.set(record, true);
      used += buffer.length;
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
      if (record.sha256 === null && record.buffer !== null) record.sha256 = createHash('sha256').update(record.buffer).digest('hex');
      return { field: record.field, bytes: record.bytes, sha256: record.sha256, evicted: record.evicted };
    },
  };
}

/** Exactly the base64 text the image was sent as, or null once evicted. */
export function base64Of(record) {
  if (record.buffer === null) return null;
  const text = record.buffer.toString('base64');
  return text.length >= 4 ? text.slice(0, -4) + record.tail : text;
}

/** Whether two kept images are the same bytes. */
export const sameBytes = (first, second) => first.buffer !== null && second.buffer !== null && first.buffer.equals(second.buffer);

/** A transaction's image group: every record its steps ever kept, evicted and released together. */
export const newImageGroup = () => ({ records: [] });
