// The proxy's report: per operation, the exchanges seen, those that conform, and each violation (the
// same place and rule seen again is counted, not repeated) with its JSON pointer, what the description
// says, what was seen (redacted) and a suggested change where one is clear. Kept current in a file
// while the proxy runs (JSON or Markdown, written whole to a temporary file then renamed: a reader
// never sees half of it) and complete when it stops. It holds no credential, no personal value and
// no image: only what check.js and scrub.js let through.
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** @import { CheckedExchange, ExchangeViolation } from './check.js' */

// Exchanges named per violation, and distinct values seen, at most.
const EXCHANGES_NAMED = 10;
const SEEN_KEPT = 5;
const WRITE_DELAY_MS = 200;

/**
 * @typedef {object} ViolationEntry
 * @property {'request' | 'response'} in
 * @property {number | null} status the answer's status (response violations)
 * @property {string} pointer
 * @property {string} rule
 * @property {string} expected
 * @property {string[]} seen distinct values seen (redacted), at most SEEN_KEPT
 * @property {string | null} suggestion
 * @property {number} count
 * @property {string[]} exchanges the first exchanges' ids
 */

/**
 * @typedef {object} OperationEntry
 * @property {string} operationId
 * @property {string} method
 * @property {string} path
 * @property {number} exchanges
 * @property {number} conforming
 * @property {Record<string, number>} statuses
 * @property {Record<string, number>} businessErrors error codes of answers that were business errors or refusals
 * @property {ViolationEntry[]} violations
 * @property {NotCheckedEntry[]} notChecked exchanges passed through unchecked, by reason
 */

/**
 * @typedef {object} NotCheckedEntry
 * @property {string} reason why (`the answer is larger than 67108864 bytes`): never a value
 * @property {number} count
 * @property {string[]} exchanges the first exchanges' ids
 */

/**
 * @typedef {object} ProxyReport
 * @property {string} generator
 * @property {{ title: string, version: string, sha256: string | null }} description
 * @property {string} upstream the upstream's origin and path, never credentials
 * @property {string} started
 * @property {string} updated
 * @property {boolean} complete true once the proxy has stopped
 * @property {{ exchanges: number, conforming: number, withViolations: number, notChecked: number, violations: number, unmatched: number, upstreamFailures: number, recorded: number, recordingsRefused: number }} totals
 * @property {OperationEntry[]} operations
 * @property {OperationEntry | null} unmatched exchanges no operation of the description matches
 */

/**
 * @param {{ model: import('../types.js').DescriptionModel, upstream: string, file?: string | null, now?: () => Date, onWriteError?: (error: unknown) => void }} options
 */
export function createReport({ model, upstream, file = null, now = () => new Date(), onWriteError = () => {} }) {
  if (file && !/\.(json|md)$/i.test(file)) throw new TypeError(`the report must be a .json or a .md file, got ${basename(file)}`);
  const markdown = file ? /\.md$/i.test(file) : false;
  const started = now().toISOString();
  /** @type {Map<string, OperationEntry>} */
  const operations = new Map();
  /** @type {OperationEntry} */
  const unmatched = { operationId: '(no operation)', method: '*', path: '*', exchanges: 0, conforming: 0, statuses: {}, businessErrors: {}, violations: [], notChecked: [] };
  const totals = { exchanges: 0, conforming: 0, withViolations: 0, notChecked: 0, violations: 0, unmatched: 0, upstreamFailures: 0, recorded: 0, recordingsRefused: 0 };
  let complete = false;
  /** @type {NodeJS.Timeout | null} */
  let timer = null;
  /** @type {Promise<void>} */
  let writing = Promise.resolve();

  /** @param {OperationEntry} entry @param {ExchangeViolation} found @param {number} status @param {string} exchangeId */
  function addViolation(entry, found, status, exchangeId) {
    const at = found.in === 'response' ? status : null;
    let existing = entry.violations.find(
      (candidate) =>
        candidate.in === found.in && candidate.status === at && candidate.pointer === found.pointer && candidate.rule === found.rule && candidate.expected === found.expected,
    );
    if (!existing) {
      existing = { in: found.in, status: at, pointer: found.pointer, rule: found.rule, expected: found.expected, seen: [], suggestion: found.suggestion, count: 0, exchanges: [] };
      entry.violations.push(existing);
      totals.violations += 1;
    }
    existing.count += 1;
    if (existing.exchanges.length < EXCHANGES_NAMED) existing.exchanges.push(exchangeId);
    if (existing.seen.length < SEEN_KEPT && !existing.seen.includes(found.seen)) existing.seen.push(found.seen);
    existing.suggestion ??= found.suggestion;
  }

  function snapshot() {
    /** @type {ProxyReport} */
    const report = {
      generator: 'vlens-mock proxy',
      description: { title: model.title, version: model.version, sha256: model.sha256 },
      upstream,
      started,
      updated: now().toISOString(),
      complete,
      totals: { ...totals },
      operations: [...operations.values()].map((entry) => structuredClone(entry)),
      unmatched: unmatched.exchanges > 0 ? structuredClone(unmatched) : null,
    };
    return report;
  }

  function scheduleWrite() {
    if (!file || timer) return;
    timer = setTimeout(() => {
      timer = null;
      writing = writing.then(write);
    }, WRITE_DELAY_MS);
  }

  async function write() {
    if (!file) return;
    const report = snapshot();
    const text = markdown ? toMarkdown(report) : `${JSON.stringify(report, null, 2)}\n`;
    const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    try {
      await writeFile(temporary, text);
      await rename(temporary, file);
    } catch (error) {
      onWriteError(error);
    }
  }

  /**
   * The entry an exchange is filed under, counted as seen (and its status, when it had one).
   * @param {CheckedExchange['operation']} operation
   * @param {number | null} status
   */
  function entryOf(operation, status) {
    let entry = unmatched;
    if (operation) {
      entry = operations.get(operation.id) ?? {
        operationId: operation.id,
        method: operation.method,
        path: operation.path,
        exchanges: 0,
        conforming: 0,
        statuses: {},
        businessErrors: {},
        violations: [],
        notChecked: [],
      };
      operations.set(operation.id, entry);
    } else totals.unmatched += 1;
    entry.exchanges += 1;
    totals.exchanges += 1;
    if (status !== null) entry.statuses[String(status)] = (entry.statuses[String(status)] ?? 0) + 1;
    return entry;
  }

  return {
    /**
     * Files one exchange.
     * @param {string} exchangeId
     * @param {CheckedExchange} checked
     * @param {{ status: number }} seen
     */
    add(exchangeId, checked, { status }) {
      const entry = entryOf(checked.operation, status);
      if ((checked.outcome === 'businessError' || checked.outcome === 'refusal') && checked.errorCode !== null && checked.errorCode !== undefined) {
        const code = typeof checked.errorCode === 'number' ? String(checked.errorCode) : 'not a number';
        entry.businessErrors[code] = (entry.businessErrors[code] ?? 0) + 1;
      }
      if (checked.violations.length === 0) {
        entry.conforming += 1;
        totals.conforming += 1;
      } else totals.withViolations += 1;
      for (const found of checked.violations) addViolation(entry, found, status, exchangeId);
      scheduleWrite();
    },
    /**
     * Files an exchange that passed through unchecked: neither conforming nor breaking the description.
     * @param {string} exchangeId
     * @param {{ operation: CheckedExchange['operation'], status: number | null, reason: string }} seen the status, null when no answer came; the reason, never a value
     */
    notChecked(exchangeId, { operation, status, reason }) {
      const entry = entryOf(operation, status);
      totals.notChecked += 1;
      let existing = entry.notChecked.find((candidate) => candidate.reason === reason);
      if (!existing) {
        existing = { reason, count: 0, exchanges: [] };
        entry.notChecked.push(existing);
      }
      existing.count += 1;
      if (existing.exchanges.length < EXCHANGES_NAMED) existing.exchanges.push(exchangeId);
      scheduleWrite();
    },
    /** An exchange the upstream did not answer (refused connection, reset, timeout). */
    upstreamFailed() {
      totals.upstreamFailures += 1;
      scheduleWrite();
    },
    /** @param {boolean} written whether the recording was written (false: refused by the leak check or a write error) */
    recorded(written) {
      if (written) totals.recorded += 1;
      else totals.recordingsRefused += 1;
      scheduleWrite();
    },
    snapshot,
    /** Whether any exchange broke the description: what CI gates on. */
    verdict() {
      return { conforms: totals.withViolations === 0, exchanges: totals.exchanges, withViolations: totals.withViolations, violations: totals.violations };
    },
    /** Writes the report as it is now (and waits for writes already scheduled). */
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      writing = writing.then(write);
      await writing;
    },
    /** Marks the report complete and writes it a last time. */
    async close() {
      complete = true;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      writing = writing.then(write);
      await writing;
    },
  };
}

/** @param {string} text */
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/**
 * The report as Markdown: totals, then a section per operation with a table of its violations.
 * @param {ProxyReport} report
 */
export function toMarkdown(report) {
  const { totals } = report;
  const lines = [
    `# Traffic against the description: ${report.description.title} ${report.description.version}`,
    '',
    `Upstream ${report.upstream}, from ${report.started} to ${report.updated}${report.complete ? '' : ' (the proxy is still running: this report is not complete)'}.`,
    '',
    '| exchanges | conforming | with violations | not checked | distinct violations | no operation | upstream failures | recorded | recordings refused |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${totals.exchanges} | ${totals.conforming} | ${totals.withViolations} | ${totals.notChecked} | ${totals.violations} | ${totals.unmatched} | ${totals.upstreamFailures} | ${totals.recorded} | ${totals.recordingsRefused} |`,
    '',
    totals.withViolations > 0
      ? `${totals.withViolations} exchange${totals.withViolations === 1 ? '' : 's'} broke the description.`
      : totals.notChecked === 0
        ? 'Every exchange conforms to the description.'
        : 'Every exchange checked conforms to the description.',
  ];
  if (totals.notChecked > 0) lines.push(`${totals.notChecked} exchange${totals.notChecked === 1 ? ' was' : 's were'} not checked; each operation says why.`);
  for (const entry of [...report.operations, ...(report.unmatched ? [report.unmatched] : [])]) {
    lines.push('', `## ${entry.operationId} (${entry.method} ${entry.path})`, '');
    const statuses = Object.entries(entry.statuses)
      .map(([status, count]) => `${status} × ${count}`)
      .join(', ');
    const codes = Object.entries(entry.businessErrors)
      .map(([code, count]) => `${code} × ${count}`)
      .join(', ');
    lines.push(
      `${entry.exchanges} exchange${entry.exchanges === 1 ? '' : 's'}, ${entry.conforming} conforming. Statuses: ${statuses || 'none'}.${codes ? ` Error codes: ${codes}.` : ''}`,
    );
    for (const skipped of entry.notChecked) lines.push('', `Not checked: ${cell(skipped.reason)} × ${skipped.count} (exchanges ${skipped.exchanges.join(', ')}).`);
    if (entry.violations.length === 0) continue;
    lines.push('', '| where | pointer | rule | the description says | seen | times | exchanges | suggested change |', '|---|---|---|---|---|---:|---|---|');
    for (const found of entry.violations) {
      const where = found.in === 'response' ? `answer ${found.status}` : 'request';
      lines.push(
        `| ${where} | \`${cell(found.pointer || '(body)')}\` | ${found.rule} | ${cell(found.expected)} | ${cell(found.seen.join('; '))} | ${found.count} | ${found.exchanges.join(', ')} | ${cell(found.suggestion ?? '')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** @typedef {ReturnType<typeof createReport>} Report */
