// The journal of a tenant's requests, for a test to read back (`GET /__vlens/requests`): what was
// asked, what was answered and why. Bounded per tenant. Nothing secret goes in: the ApiKey,
// Authorization and cookies are redacted, and so are passwords, one-time passwords and tokens in
// bodies; images are kept as references to the image store (their size and SHA-256 are shown, never
// their bytes) and other long strings as their length.

export const REDACTED = '<redacted>';
const SECRET_HEADER = /^(apikey|authorization|cookie|proxy-authorization)$|token|secret|password/i;
// Body members whose value is a secret: passwords, OTPs, tokens (`phoneNumberOtpRequestId` is not one).
const SECRET_MEMBER = /(password|otp|token|secret)$/i;
const LONG_TEXT = 256;

// Header names repeat from request to request: each is judged once.
const secretHeaders = new Map();
const isSecretHeader = (name) => {
  let secret = secretHeaders.get(name);
  if (secret === undefined) {
    secret = SECRET_HEADER.test(name);
    if (secretHeaders.size < 1000) secretHeaders.set(name, secret);
  }
  return secret;
};

function redactHeaders(headers) {
  const shown = {};
  for (const name in headers) shown[name] = isSecretHeader(name) ? REDACTED : String(headers[name]);
  return shown;
}

/** The body as it may be shown: secrets redacted, images and long strings replaced by a description. */
export function redactBody(body, images = {}) {
  const visit = (value, key) => {
    if (typeof value === 'string') {
      if (key !== null && SECRET_MEMBER.test(key)) return REDACTED;
      if (key !== null && images[key]) return `<image ${images[key].bytes} bytes>`;
      return value.length > LONG_TEXT ? `<text of ${value.length} characters>` : value;
    }
    if (Array.isArray(value)) return value.map((item) => visit(item, null));
    if (value && typeof value === 'object') {
      const shown = {};
      for (const member in value) shown[member] = visit(value[member], member);
      return shown;
    }
    if (key !== null && SECRET_MEMBER.test(key) && value !== null) return REDACTED;
    return value;
  };
  return visit(body, null);
}

// A full journal drops its oldest entry on every request. Moving the array down each time would cost
// a copy of `limit` entries per request; the dropped slots are cleared at once and the array is moved
// down once per this many of them.
const COMPACT_EVERY = 256;

/** The entries a journal still holds, oldest first (`start` counts the dropped slots not yet compacted away). */
const liveEntries = (journal) => (journal.start ? journal.entries.slice(journal.start) : journal.entries);

/** `images`: the image store, told when an entry that alone kept an image goes. */
export function createJournal(limit, images) {
  return {
    limit,
    /** Adds one entry (made by journalEntry) to the tenant's journal, numbering it. */
    add(tenant, entry) {
      const journal = tenant.journal;
      journal.seq += 1;
      entry.seq = journal.seq;
      journal.entries.push(entry);
      let start = journal.start ?? 0;
      while (journal.entries.length - start > limit) {
        images.forget(journal.entries[start].images);
        journal.entries[start] = undefined;
        start += 1;
        journal.dropped = journal.seq - limit;
      }
      if (start >= COMPACT_EVERY) {
        journal.entries.splice(0, start);
        start = 0;
      }
      journal.start = start;
    },
    /** The tenant is forgotten: so are the images only its journal kept. */
    forget(tenant) {
      for (const entry of liveEntries(tenant.journal)) images.forget(entry.images);
    },
    /** What `GET /__vlens/requests` shows, oldest first. */
    read(tenant, { operationId, limit: wanted } = {}, summary) {
      const journal = tenant?.journal ?? { entries: [], dropped: 0 };
      const held = liveEntries(journal);
      let entries = operationId ? held.filter((entry) => entry.operationId === operationId) : held;
      if (wanted !== undefined) entries = entries.slice(-wanted);
      return { limit, dropped: journal.dropped, requests: entries.map((entry) => ({ ...entry, at: new Date(entry.at).toISOString(), images: entry.images.map(summary) })) };
    },
  };
}

/**
 * One journal entry, from what handle() learnt about a request. `trace`: `{ operationId, body, images,
 * by, transactionId, bodyBytes }`; `why`: why it was refused or failed; `fault`: the fault's name.
 */
export function journalEntry(request, { pathname, query, started, status, scenario, trace, why = null, fault = null }) {
  const body = trace.body !== undefined ? redactBody(trace.body, trace.images ?? {}) : trace.bodyBytes ? `<not JSON, ${trace.bodyBytes} bytes>` : null;
  return {
    // Given by add(): the entries keep the order of the members of the description's JournalEntry.
    seq: 0,
    // A number here, ISO text when read: formatting a date costs more than the rest of an entry.
    at: Date.now(),
    method: request.method,
    path: pathname,
    operationId: trace.operationId ?? null,
    status,
    scenario: scenario ?? null,
    forcedBy: trace.by ?? null,
    refusal: why,
    fault,
    transactionId: trace.transactionId ?? null,
    ms: Math.round((performance.now() - started) * 10) / 10,
    query,
    headers: redactHeaders(request.headers),
    body,
    images: Object.values(trace.images ?? {}),
  };
}
