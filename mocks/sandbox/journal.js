// The journal of a tenant's requests, for a test to read back (`GET /__vlens/requests`): what was
// asked, what was answered and why. Bounded per tenant, and each entry bounded too: a refused body can
// be megabytes (an image sent as a serialised Uint8Array, a huge array), and the journal keeps only a
// sketch of it. Nothing secret goes in: the ApiKey, Authorization, API-key headers and cookies are
// redacted, and so are passwords, one-time passwords, tokens and API keys in bodies and query strings;
// images are kept as references to the image store (their size and SHA-256 are shown, never their
// bytes), an image field that is not base64 text as its kind and size, other long strings as their length.

export const REDACTED = '<redacted>';
const SECRET_HEADER = /^(apikey|authorization|cookie|proxy-authorization)$|token|secret|password|api[-_]?key|(access|auth|client|private|subscription)[-_]key/i;
// Body and query members whose value is a secret: passwords, OTPs, tokens (RFC 6750's `access_token`
// query form included), API keys (`phoneNumberOtpRequestId` is not one).
const SECRET_MEMBER = /(password|otp|token|secret|api[-_]?key)$/i;
const LONG_TEXT = 256;
// What one entry shows of a body: this many members of an object or items of an array, this deep, and
// about this many characters in all; the rest is counted, not shown.
const SHOWN_ENTRIES = 10;
const SHOWN_DEPTH = 5;
const SHOWN_CHARACTERS = 4096;
const LONG_NAME = 64;
const LONG_REFUSAL = 2000;

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

const shortText = (text) => (text.length > LONG_TEXT ? `<text of ${text.length} characters>` : text);

/** The query as it may be shown: members named like a secret redacted, long values replaced by their length. */
export function redactQuery(query) {
  const shown = {};
  for (const name in query) {
    const value = query[name];
    if (SECRET_MEMBER.test(name)) shown[name] = REDACTED;
    else shown[name] = Array.isArray(value) ? value.slice(0, SHOWN_ENTRIES).map(shortText) : shortText(value);
  }
  return shown;
}

function countMembers(object) {
  let count = 0;
  for (const member in object) count += 1;
  return count;
}

const sizeOf = (value) => (Array.isArray(value) ? `array of ${value.length} items` : `object of ${countMembers(value)} members`);

/** What an image member shows when it holds no kept image: its kind and size, never its content. */
function describeImage(value) {
  if (typeof value === 'string') return `<image: text of ${value.length} characters, not kept>`;
  if (value === null) return null;
  if (typeof value === 'object') return `<image: ${sizeOf(value)}, not base64 text>`;
  return `<image: ${typeof value}, not base64 text>`;
}

/**
 * The body as it may be shown: secrets redacted, images (`images`: the kept ones by member; `imageFields`:
 * the operation's top-level image members) and long strings replaced by a description, objects and
 * arrays cut to their first members, a few levels deep, a few thousand characters in all.
 */
export function redactBody(body, images = {}, imageFields = []) {
  let room = SHOWN_CHARACTERS;
  const visit = (value, key, depth) => {
    if (key !== null && SECRET_MEMBER.test(key) && value !== null) return REDACTED;
    if (depth === 1 && images[key]) return `<image ${images[key].bytes} bytes>`;
    if (depth === 1 && imageFields.includes(key)) return describeImage(value);
    if (typeof value === 'string') {
      const shown = shortText(value);
      room -= shown.length;
      return shown;
    }
    if (value === null || typeof value !== 'object') {
      room -= 8;
      return value;
    }
    if (depth >= SHOWN_DEPTH || room <= 0) return `<${sizeOf(value)}>`;
    if (Array.isArray(value)) {
      const shown = [];
      for (const item of value) {
        if (shown.length === SHOWN_ENTRIES || room <= 0) break;
        shown.push(visit(item, null, depth + 1));
      }
      if (shown.length < value.length) shown.push(`<${value.length - shown.length} more items>`);
      return shown;
    }
    const shown = {};
    let count = 0;
    let hidden = 0;
    for (const member in value) {
      count += 1;
      if (count > SHOWN_ENTRIES || room <= 0) {
        hidden += 1;
        continue;
      }
      const name = member.length > LONG_NAME ? `${member.slice(0, LONG_NAME)}<name of ${member.length} characters>` : member;
      room -= name.length;
      shown[name] = visit(value[member], member, depth + 1);
    }
    if (hidden > 0) shown['…'] = `<${hidden} more members>`;
    return shown;
  };
  return visit(body, null, 0);
}

// An entry's body waits here, unredacted, from journalEntry until add() knows the operation's image
// members; nothing that serialises the entry can see it.
const unshownBodies = new WeakMap();

// A full journal drops its oldest entry on every request. Moving the array down each time would cost
// a copy of `limit` entries per request; the dropped slots are cleared at once and the array is moved
// down once per this many of them.
const COMPACT_EVERY = 256;

/** The entries a journal still holds, oldest first (`start` counts the dropped slots not yet compacted away). */
const liveEntries = (journal) => (journal.start ? journal.entries.slice(journal.start) : journal.entries);

/**
 * `images`: the image store, told when an entry that alone kept an image goes; `imageFieldsOf(operationId)`:
 * the top-level body members of an operation that carry an image (the catalog's imageFields).
 */
export function createJournal(limit, images, imageFieldsOf = () => []) {
  return {
    limit,
    /** Adds one entry (made by journalEntry) to the tenant's journal, numbering it. */
    add(tenant, entry) {
      const unshown = unshownBodies.get(entry);
      if (unshown) {
        unshownBodies.delete(entry);
        entry.body = redactBody(unshown.body, unshown.images, entry.operationId ? imageFieldsOf(entry.operationId) : []);
      }
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
 * Its body is shown once add() files it.
 */
export function journalEntry(request, { pathname, query, started, status, scenario, trace, why = null, fault = null }) {
  const body = trace.body !== undefined ? null : trace.bodyBytes ? `<not JSON, ${trace.bodyBytes} bytes>` : null;
  const entry = {
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
    refusal: why !== null && why.length > LONG_REFUSAL ? `${why.slice(0, LONG_REFUSAL)}<${why.length - LONG_REFUSAL} more characters>` : why,
    fault,
    transactionId: trace.transactionId ?? null,
    ms: Math.round((performance.now() - started) * 10) / 10,
    query: redactQuery(query),
    headers: redactHeaders(request.headers),
    body,
    images: Object.values(trace.images ?? {}),
  };
  if (trace.body !== undefined) unshownBodies.set(entry, { body: trace.body, images: trace.images ?? {} });
  return entry;
}
