// Recordings: one JSON file per exchange, redacted in memory before anything touches the disk. The
// file is written under a temporary name in the same folder, then renamed: the temporary file holds
// the redacted text only, so a crash leaves at most a redacted half-file, never a raw one. Before
// writing, the text is searched for every raw value that was masked; a recording that still holds
// one is not written at all (the report counts it as refused).
import { mkdirSync, readdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORDING_FORMAT } from './recordings.js';
import { leaks } from './scrub.js';

/** @import { CheckedExchange, Exchange } from './check.js' */
/** @import { Masked, Scrubber } from './scrub.js' */

// `rec-000007-verifyIdFront-200.json`: the scenario a served recording answers is the file's name.
const RECORDING_NAME = /^rec-(\d+)-/;

/**
 * @typedef {object} Recording
 * @property {number} vlensRecording the format, RECORDING_FORMAT
 * @property {string} recordedAt
 * @property {string | null} operationId
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string | string[]>} query
 * @property {{ headers: Record<string, string>, body: unknown }} request
 * @property {{ status: number, headers: Record<string, string>, body: unknown }} response
 * @property {{ conforms: boolean, outcome: string, violations: { in: string, pointer: string, rule: string }[] }} verdict
 * @property {Masked[]} masked what was masked where (never the value)
 */

/**
 * @param {{ dir: string, scrubber: Scrubber, credentialHeaders: Set<string>, now?: () => Date }} options
 */
export function createRecorder({ dir, scrubber, credentialHeaders, now = () => new Date() }) {
  mkdirSync(dir, { recursive: true });
  const existing = readdirSync(dir)
    .map((name) => RECORDING_NAME.exec(name)?.[1])
    .filter((number) => number !== undefined)
    .map(Number);
  let next = existing.length > 0 ? Math.max(...existing) + 1 : 1;

  return {
    /** The number the next exchange gets (exchanges and recordings share it). */
    take() {
      return next++;
    },
    /**
     * Writes one exchange's recording.
     * @param {number} sequence from take()
     * @param {Exchange & { responseHeaders: Iterable<[string, string]> }} exchange
     * @param {CheckedExchange} checked
     * @returns {Promise<{ file: string } | { refused: string }>}
     */
    async record(sequence, exchange, checked) {
      /** @type {Masked[]} */
      const masked = [];
      /** @type {string[]} */
      const originals = [];
      let text;
      try {
        const target = new URL(exchange.target, 'http://proxy.invalid');
        const requestBody = checked.requestJson !== undefined ? checked.requestJson : describeBytes(exchange.requestBody);
        const responseBody = checked.responseJson !== undefined ? checked.responseJson : describeBytes(exchange.responseBody);
        /** @type {Recording} */
        const recording = {
          vlensRecording: RECORDING_FORMAT,
          recordedAt: now().toISOString(),
          operationId: checked.operation?.id ?? null,
          method: exchange.method.toUpperCase(),
          path: checked.operation ? target.pathname : scrubber.seen('path', target.pathname).replace(/^"|"$/g, ''),
          query: scrubber.query(target.searchParams, '/query', masked, originals),
          request: {
            headers: scrubber.headers(exchange.requestHeaders, credentialHeaders, '/request/headers', masked, originals),
            body: scrubber.json(requestBody, '/request/body', masked, originals),
          },
          response: {
            status: exchange.status,
            headers: scrubber.headers(exchange.responseHeaders, credentialHeaders, '/response/headers', masked, originals),
            body: scrubber.json(responseBody, '/response/body', masked, originals),
          },
          verdict: {
            conforms: checked.violations.length === 0,
            outcome: checked.outcome,
            violations: checked.violations.map((found) => ({ in: found.in, pointer: found.pointer, rule: found.rule })),
          },
          masked,
        };
        text = `${JSON.stringify(recording, null, 2)}\n`;
      } catch {
        // Nothing of the exchange is written when it could not be redacted.
        return { refused: 'the exchange could not be redacted' };
      }
      if (leaks(text, originals)) return { refused: 'a masked value was still in the redacted text' };
      const name = `rec-${String(sequence).padStart(6, '0')}-${checked.operation?.id ?? 'unmatched'}-${exchange.status}`;
      const file = join(dir, `${name}.json`);
      const temporary = join(dir, `.${name}.json.tmp`);
      try {
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, file);
      } catch (error) {
        return { refused: `it could not be written (${/** @type {NodeJS.ErrnoException} */ (error).code ?? 'error'})` };
      }
      return { file };
    },
  };
}

/**
 * A body that is not JSON, as a recording shows it: its size only.
 * @param {Uint8Array} bytes
 */
function describeBytes(bytes) {
  return bytes.length === 0 ? null : `<${bytes.length} bytes, not JSON>`;
}

/** @typedef {ReturnType<typeof createRecorder>} Recorder */
