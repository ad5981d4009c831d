// One record per request, like WireMock's serve event: what was asked (redacted as it is read) and
// what the pipeline concluded. The pipeline returns its Outcome; this turns the two into the journal
// entry, once, at the end.
import { redactBody, redactHeaders, redactQuery } from '../store/redact.js';

/** @import { Answer, OperationModel, StruckFault } from '../types.js' */
/** @import { ImageRecord } from '../store/images.js' */
/** @import { JournalEntry } from '../store/journal.js' */

const LONG_REFUSAL = 2000;
// About the members a body sketch shows at most (10 a level, a few levels deep).
const SHOWN_MEMBERS = 50;
// Characters of an answer's body counted towards the journal's budget, at most.
const ANSWER_COUNTED = 4096;

/**
 * What the pipeline concluded about one request: the answer, and the facts the journal shows.
 * @typedef {object} Outcome
 * @property {Answer} answer
 * @property {OperationModel | null} operation
 * @property {StruckFault | null} fault
 * @property {'prefer' | 'queue' | 'transaction' | 'magic' | null} by
 * @property {string | null} why why it was refused or failed
 * @property {string | null} transactionId
 * @property {unknown} body the parsed body (undefined: none; a string: what it was when not JSON)
 * @property {Record<string, ImageRecord>} images
 * @property {boolean} [answered] false when no answer was sent (a hang, a reset, a client that left)
 */

/**
 * The request as it arrived, the part of it that may be kept.
 * @typedef {{ method: string, pathname: string, searchParams: URLSearchParams, headers: Iterable<[string, string]>, started: number, at: number }} Arrival
 */

/**
 * @param {Arrival} arrival
 * @param {Outcome} outcome
 * @param {Set<string>} credentialHeaders lower case
 * @param {number} [elapsed] ms from the arrival to the answer (default: until now)
 * @returns {JournalEntry}
 */
export function serveEvent(arrival, outcome, credentialHeaders, elapsed = performance.now() - arrival.started) {
  const { answer, operation } = outcome;
  const why = outcome.why;
  const refusal = why !== null && why.length > LONG_REFUSAL ? `${why.slice(0, LONG_REFUSAL)}<${why.length - LONG_REFUSAL} more characters>` : why;
  const headers = redactHeaders(arrival.headers, credentialHeaders);
  const query = redactQuery(arrival.searchParams);
  /** @type {Record<string, { bytes: number }>} */
  const images = outcome.images;
  const meter = { characters: 0 };
  const body = outcome.body === undefined ? null : typeof outcome.body === 'string' ? outcome.body : redactBody(outcome.body, images, operation?.imageFields ?? [], meter);
  const entry = {
    seq: 0,
    at: arrival.at,
    method: arrival.method.slice(0, 32),
    path: arrival.pathname.length > 512 ? `${arrival.pathname.slice(0, 512)}…` : arrival.pathname,
    operationId: operation?.id ?? null,
    status: outcome.answered === false ? null : answer.status,
    scenario: answer.scenario ?? null,
    forcedBy: outcome.by,
    refusal,
    fault: outcome.fault?.fault ?? null,
    transactionId: outcome.transactionId,
    ms: Math.round(elapsed * 10) / 10,
    query,
    headers,
    body,
    images: Object.values(outcome.images),
    answer: answerOf(outcome),
    size: 0,
  };
  entry.size = approximateSize(entry, meter.characters);
  return entry;
}

/**
 * What the journal keeps of an answer: a reference to its body (nothing is copied or redacted on the
 * way out: that happens when someone reads the entry), or the length of a text that is no JSON value.
 * Never the payload: it may hold an image's bytes.
 * @param {Outcome} outcome
 * @returns {JournalEntry['answer']}
 */
function answerOf({ answer, answered }) {
  if (answered === false || answer.status === 0) return null;
  const contentType = answer.contentType ?? (answer.body === undefined ? null : 'application/json; charset=utf-8');
  return { status: answer.status, contentType, body: answer.body, characters: typeof answer.payload === 'string' ? answer.payload.length : null };
}

/**
 * About the bytes an entry holds, without serialising it: the journal's budget counts them.
 * @param {Omit<JournalEntry, 'size'> & { size: number }} entry
 * @param {number} bodyCharacters
 */
function approximateSize(entry, bodyCharacters) {
  let size = 400 + entry.path.length + (entry.refusal?.length ?? 0) + (entry.scenario?.length ?? 0);
  for (const name in entry.headers) size += name.length + /** @type {string} */ (entry.headers[name]).length + 8;
  for (const name in entry.query) size += name.length + String(entry.query[name]).length + 8;
  if (typeof entry.body === 'string') size += entry.body.length;
  else if (entry.body !== null) size += bodyCharacters + 32 * SHOWN_MEMBERS;
  // The answer's body: most are a named example that every answer of it shares, so at most
  // ANSWER_COUNTED of its characters are counted.
  if (entry.answer?.characters) size += Math.min(entry.answer.characters, ANSWER_COUNTED);
  // Two bytes a character, and the objects' own overhead.
  return size * 2;
}
