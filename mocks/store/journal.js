// The journal of a tenant's requests, for a test to read back (`GET /__vlens/requests`): what was
// asked, what was answered and why, one entry per request (the serve event, mocks/engine/serve-event.js).
// Bounded three ways: entries per tenant (journalLimit), each entry's size (mocks/store/redact.js cuts
// headers, query and body to a sketch), and the bytes of every tenant's entries together
// (journalBudgetBytes: past it the oldest entries of all go first). Nothing secret goes in: the entry
// holds only redacted values, and images as references to the image store.

import { wait } from '../engine/faults.js';
import { redactBody } from './redact.js';

/** @import { ImageRecord, ImageStore } from './images.js' */
/** @import { Tenant } from './tenants.js' */

/**
 * One request as the journal keeps it; `at` is ms since the epoch (ISO text when read), `size` its
 * approximate bytes. The order of the members is the control API's JournalEntry's.
 * @typedef {object} JournalEntry
 * @property {number} seq
 * @property {number} at
 * @property {string} method
 * @property {string} path
 * @property {string | null} operationId
 * @property {number | null} status
 * @property {string | null} scenario
 * @property {'prefer' | 'queue' | 'transaction' | 'magic' | null} forcedBy
 * @property {string | null} refusal
 * @property {string | null} fault
 * @property {string | null} transactionId
 * @property {number} ms
 * @property {Record<string, string | string[]>} query
 * @property {Record<string, string>} headers
 * @property {unknown} body
 * @property {ImageRecord[]} images
 * @property {JournalAnswer | null} answer what was answered, kept for `GET /__vlens/requests/{seq}` and redacted when read
 * @property {number} size
 */

/**
 * The answer of a journaled request: its body as a value (a named example's is shared, never copied;
 * an image in it is already a placeholder: see mocks/answers/fill.js) or, for an answer that is no
 * JSON value, the length of its text.
 * @typedef {{ status: number, contentType: string | null, body: unknown, characters: number | null }} JournalAnswer
 */

/** @typedef {{ entries: (JournalEntry | undefined)[], start: number, seq: number, dropped: number }} JournalState */

// A full journal drops its oldest entry on every request. Moving the array down each time would cost
// a copy of `limit` entries per request; the dropped slots are cleared at once and the array is moved
// down once per this many of them.
const COMPACT_EVERY = 256;

/**
 * The entries a journal still holds, oldest first.
 * @param {JournalState} journal
 * @returns {JournalEntry[]}
 */
const liveEntries = (journal) => /** @type {JournalEntry[]} */ (journal.start ? journal.entries.slice(journal.start) : journal.entries);

/**
 * @param {{ limit: number, budgetBytes: number }} limits
 * @param {ImageStore} images told when an entry that alone kept an image goes
 */
export function createJournal({ limit, budgetBytes }, images) {
  // Who waits for a tenant's next entry (`GET /__vlens/requests?wait=`): looked up on every add, so a
  // WeakMap (a tenant no one waits for costs one lookup, and a forgotten tenant takes its waiters along).
  /** @type {WeakMap<Tenant, Set<() => void>>} */
  const waiters = new WeakMap();
  // Every tenant's entries, oldest first, for the budget over all of them.
  /** @type {{ tenant: Tenant, entry: JournalEntry }[]} */
  let order = [];
  let orderStart = 0;
  let usedBytes = 0;

  /** @param {Tenant} tenant */
  const dropOldest = (tenant) => {
    const journal = tenant.journal;
    const entry = journal.entries[journal.start];
    if (!entry) return;
    images.forget(entry.images);
    usedBytes -= entry.size;
    journal.entries[journal.start] = undefined;
    journal.start += 1;
    journal.dropped += 1;
    if (journal.start >= COMPACT_EVERY) {
      journal.entries.splice(0, journal.start);
      journal.start = 0;
    }
  };

  const overBudget = () => {
    while (usedBytes > budgetBytes && orderStart < order.length) {
      const oldest = /** @type {{ tenant: Tenant, entry: JournalEntry }} */ (order[orderStart]);
      order[orderStart] = /** @type {any} */ (undefined);
      orderStart += 1;
      // Still held by its tenant: it is that tenant's oldest (each journal is first in, first out).
      if (oldest.tenant.journal.entries[oldest.tenant.journal.start] === oldest.entry) dropOldest(oldest.tenant);
    }
    if (orderStart >= COMPACT_EVERY * 16) {
      order = order.slice(orderStart);
      orderStart = 0;
    }
  };

  return {
    limit,
    get usedBytes() {
      return usedBytes;
    },
    /**
     * Adds one entry to the tenant's journal, numbering it.
     * @param {Tenant} tenant
     * @param {JournalEntry} entry
     */
    add(tenant, entry) {
      const journal = tenant.journal;
      journal.seq += 1;
      entry.seq = journal.seq;
      journal.entries.push(entry);
      usedBytes += entry.size;
      order.push({ tenant, entry });
      while (journal.entries.length - journal.start > limit) dropOldest(tenant);
      overBudget();
      const waiting = waiters.get(tenant);
      if (waiting) {
        waiters.delete(tenant);
        for (const wake of waiting) wake();
      }
    },
    /**
     * Resolves when the tenant's next entry is added (true), or after `ms` or when a signal aborts (false).
     * @param {Tenant} tenant
     * @param {number} ms
     * @param {AbortSignal[]} signals
     * @returns {Promise<boolean>}
     */
    async next(tenant, ms, signals) {
      const woken = new AbortController();
      const wake = () => woken.abort();
      let waiting = waiters.get(tenant);
      if (!waiting) waiters.set(tenant, (waiting = new Set()));
      waiting.add(wake);
      try {
        await wait(ms, [...signals, woken.signal]);
        return woken.signal.aborted;
      } finally {
        waiting.delete(wake);
      }
    },
    /**
     * The tenant is forgotten: so are its entries and the images only its journal kept.
     * @param {Tenant} tenant
     */
    forget(tenant) {
      for (const entry of liveEntries(tenant.journal)) {
        images.forget(entry.images);
        usedBytes -= entry.size;
      }
      tenant.journal.entries = [];
      tenant.journal.start = 0;
    },
    /**
     * What `GET /__vlens/requests` shows, oldest first.
     * @param {Tenant | null} tenant
     * @param {JournalFilter} query
     * @param {(record: ImageRecord) => unknown} summary
     */
    read(tenant, { operationId, status, transactionId, after, limit: wanted } = {}, summary) {
      const journal = tenant?.journal ?? { entries: [], start: 0, dropped: 0, seq: 0 };
      let entries = liveEntries(journal);
      if (after !== undefined && after > 0) {
        // Entries are numbered without gaps: the first one after `after` is found by its number.
        const first = entries[0]?.seq ?? 0;
        entries = entries.slice(Math.max(0, Math.min(entries.length, after - first + 1)));
      }
      if (operationId !== undefined || status !== undefined || transactionId !== undefined) {
        entries = entries.filter(
          (entry) =>
            (operationId === undefined || entry.operationId === operationId) &&
            (status === undefined || entry.status === status) &&
            (transactionId === undefined || entry.transactionId === transactionId),
        );
      }
      if (wanted !== undefined) entries = entries.slice(-wanted);
      return {
        limit,
        dropped: journal.dropped,
        latest: journal.seq,
        requests: entries.map((entry) => shown(entry, summary)),
      };
    },
    /**
     * One entry and its answer, as `GET /__vlens/requests/{seq}` shows them; null when the journal no longer holds it.
     * @param {Tenant} tenant
     * @param {number} seq
     * @param {(record: ImageRecord) => unknown} summary
     */
    entry(tenant, seq, summary) {
      const entries = liveEntries(tenant.journal);
      const first = entries[0]?.seq ?? 0;
      const entry = entries[seq - first];
      if (!entry || entry.seq !== seq) return null;
      const { answer } = entry;
      /** @type {unknown} */
      let body = null;
      if (answer && answer.body !== undefined) body = shownAnswer(answer.body);
      else if (answer && answer.characters !== null) body = `<${answer.contentType ?? 'an answer'} of ${answer.characters} characters, not JSON>`;
      return { entry: shown(entry, summary), answer: answer ? { status: answer.status, contentType: answer.contentType, body } : null };
    },
  };
}

/**
 * @typedef {{ operationId?: string, status?: number, transactionId?: string, after?: number, limit?: number }} JournalFilter
 */

/**
 * An answer's body as it may be shown: redacted as a request's is, but with the envelope's error_code
 * as answered. Its name reads like a credential's (a "code"), and hiding it would hide the outcome; it
 * is the error-code catalogue's, never a secret.
 * @param {unknown} body
 */
function shownAnswer(body) {
  const shown = redactBody(body);
  if (body && typeof body === 'object' && shown && typeof shown === 'object' && 'error_code' in body && 'error_code' in shown) {
    const code = /** @type {{ error_code: unknown }} */ (body).error_code;
    if (code === null || typeof code === 'number' || (typeof code === 'string' && /^\w{1,16}$/.test(code))) /** @type {{ error_code: unknown }} */ (shown).error_code = code;
  }
  return shown;
}

/**
 * An entry as the control API shows it (the member order of its JournalEntry).
 * @param {JournalEntry} entry
 * @param {(record: ImageRecord) => unknown} summary
 */
function shown({ size, answer, ...entry }, summary) {
  return { ...entry, at: new Date(entry.at).toISOString(), images: entry.images.map(summary) };
}

/** @typedef {ReturnType<typeof createJournal>} Journal */
