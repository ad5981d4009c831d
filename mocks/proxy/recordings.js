// Recordings served by the sandbox: each recording's answer becomes one more named example (a
// scenario) of its operation, on its recorded status, named after the file (`rec-000007-verifyIdFront-200`,
// or whatever the file was renamed to). A layer over a DescriptionSource, so the engine is unchanged:
// the model gains the example names, `examples()` their values; the scenario is chosen like any other
// (Prefer, a queued outcome, a transaction's planned outcome) and the sandbox fills its own values in
// (the transaction id, tokens). The default scenario stays the description's.
//
// A recording whose answer the description does not allow (a status it does not declare, a schema
// violation) is not served: the sandbox answers only what the description says. The proxy's report
// says what to change; scripts/propose-example.mjs turns a recording into an example to review.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** @import { DescriptionModel, DescriptionSource, ExampleValues, OperationModel, Violation } from '../types.js' */

const MAX_NAME = 128;
/** The format of the recordings `vlens-mock proxy --record` writes (record.js), in their `vlensRecording` member. */
export const RECORDING_FORMAT = 1;

/**
 * @typedef {object} ServedRecording
 * @property {string} name the scenario's name: the file's, without .json
 * @property {string} operationId
 * @property {number} status
 * @property {unknown} body the recorded (redacted) answer
 * @property {string} summary
 */

/**
 * Reads the recordings of a folder (its `*.json` files), keeping those the description allows.
 * @param {string} dir
 * @param {{ model: DescriptionModel, check: (operation: OperationModel, status: number, body: unknown) => Violation[], existing?: (operationId: string) => Set<string> }} options
 * @returns {{ recordings: ServedRecording[], skipped: { file: string, reason: string }[] }}
 */
export function readRecordings(dir, { model, check }) {
  /** @type {ServedRecording[]} */
  const recordings = [];
  /** @type {{ file: string, reason: string }[]} */
  const skipped = [];
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.json') && !file.startsWith('.'))
    .sort();
  for (const file of files) {
    const name = basename(file, '.json');
    /** @param {string} reason */
    const skip = (reason) => skipped.push({ file, reason });
    /** @type {any} */
    let recording;
    try {
      recording = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      skip('not JSON');
      continue;
    }
    if (recording?.vlensRecording !== RECORDING_FORMAT) {
      skip(`not a recording of format ${RECORDING_FORMAT} (vlens-mock proxy --record writes them)`);
      continue;
    }
    const operation = model.operations.find((candidate) => candidate.id === recording.operationId);
    const status = recording.response?.status;
    const body = recording.response?.body;
    if (!operation) {
      skip(`no operation ${JSON.stringify(recording.operationId)} in the description`);
      continue;
    }
    if (name.length > MAX_NAME || name === '') {
      skip(`a scenario's name has at most ${MAX_NAME} characters: rename the file`);
      continue;
    }
    if (!operation.statuses.includes(status)) {
      skip(`${operation.id} declares no ${status} answer: propose it to the description first`);
      continue;
    }
    if (body === null || typeof body !== 'object') {
      skip('its answer is not a JSON object');
      continue;
    }
    const broken = (recording.verdict?.violations ?? []).filter((/** @type {{ in: string }} */ found) => found.in === 'response');
    if (broken.length > 0) {
      skip(
        `the proxy found its answer breaking the description (${broken
          .map((/** @type {{ rule: string, pointer: string }} */ found) => `${found.rule} at ${found.pointer || '/'}`)
          .slice(0, 3)
          .join(', ')}): propose the change with the proxy's report`,
      );
      continue;
    }
    if (operation.responses.some((response) => response.examples.some((example) => example.name === name))) {
      skip(`${operation.id} already has a scenario named ${name}: rename the file`);
      continue;
    }
    const violations = check(operation, status, body);
    if (violations.length > 0) {
      const first = /** @type {Violation} */ (violations[0]);
      skip(
        `its answer does not match the description's ${status} schema (${violations.length} problem${violations.length === 1 ? '' : 's'}, first: ${first.message}): propose the change with the proxy's report`,
      );
      continue;
    }
    const when = typeof recording.recordedAt === 'string' ? recording.recordedAt.slice(0, 10) : 'an unknown date';
    recordings.push({ name, operationId: operation.id, status, body, summary: `Recorded by the proxy on ${when} (${file}), redacted` });
  }
  return { recordings, skipped };
}

/**
 * The source with the recordings as extra named examples of their operations.
 * @param {DescriptionSource} source
 * @param {ServedRecording[]} recordings
 * @returns {DescriptionSource}
 */
export function withRecordings(source, recordings) {
  if (recordings.length === 0) return source;
  /** @type {Map<string, ServedRecording[]>} */
  const byOperation = new Map();
  for (const recording of recordings) byOperation.set(recording.operationId, [...(byOperation.get(recording.operationId) ?? []), recording]);
  /** @type {DescriptionModel} */
  const model = {
    ...source.model,
    operations: source.model.operations.map((operation) => {
      const added = byOperation.get(operation.id);
      if (!added) return operation;
      return {
        ...operation,
        responses: operation.responses.map((response) => {
          const here = added.filter((recording) => recording.status === response.status);
          return here.length === 0
            ? response
            : { ...response, examples: [...response.examples, ...here.map((recording) => ({ name: recording.name, summary: recording.summary }))] };
        }),
      };
    }),
  };
  /** @type {DescriptionSource} */
  const layered = {
    model,
    validators: (operationId) => source.validators(operationId),
    async examples(operationId) {
      const values = await source.examples(operationId);
      const added = byOperation.get(operationId);
      if (!added) return values;
      /** @type {ExampleValues} */
      const merged = { ...values };
      for (const recording of added) merged[String(recording.status)] = { ...merged[String(recording.status)], [recording.name]: recording.body };
      return merged;
    },
  };
  if (source.checkAnswer) layered.checkAnswer = source.checkAnswer.bind(source);
  return layered;
}
