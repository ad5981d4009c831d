// `vlens-mock coverage`: a CI gate on outcome coverage. Reads a running sandbox's report for one tenant
// (`GET /__vlens/coverage`), prints it (text, Markdown for a job summary, JUnit XML, or JSON) on stdout,
// and exits 1 when the share of scenarios and faults covered is below --min: "our app handled every
// documented failure" becomes a step that fails. The verdict goes to stderr, so stdout can be
// redirected into a report file. The ApiKey is never printed.
import { parseArgs } from 'node:util';
import { createSandboxControl, SandboxControlError } from '../control/client.js';
import { coverageJunit, coverageMarkdown, coverageText, percent } from '../control/coverage-formats.js';

const TIMEOUT_MS = 10_000;
const FORMATS = ['text', 'markdown', 'junit', 'json'];

export const COVERAGE_USAGE = `Usage: vlens-mock coverage --api-key <key> [options]

Prints which scenarios of each operation a tenant's requests were answered with, and which faults
struck them (GET <url>/__vlens/coverage), and exits 1 below --min.
  --api-key      the ApiKey of the tenant (the one your app under test sends); or $VLENS_API_KEY
  --url          the sandbox's base URL (default: http://127.0.0.1:$PORT, or :4010)
  --min          the least share covered, from 0 to 1 (0.8) or a percentage (80%); below it, exit 1
  --only         operation ids, separated by commas: the report covers these alone
  --no-faults    list the faults, but do not count them towards the share
  --format       text (default), markdown (a CI job summary), junit (JUnit XML) or json
  --unhit        in the JUnit report, a scenario never answered is a failure (default) or skip
  --help, -h     this text
Exit status: 0 covered enough (or no --min), 1 below --min or the sandbox could not answer, 2 a usage error.`;

/**
 * @param {string} message
 * @param {number} code
 * @returns {never}
 */
function fail(message, code) {
  process.stderr.write(`vlens-mock coverage: ${message}\n`);
  process.exit(code);
}

/**
 * The least share covered, from `0.8` or `80%`; null when the text is neither.
 * @param {string} text
 */
export function parseMinimum(text) {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]) / (match[2] ? 100 : 1);
  return value >= 0 && value <= 1 ? value : null;
}

/**
 * Runs the subcommand; exits the process with its status.
 * @param {string[]} argv the arguments after `coverage`
 */
export async function coverageCommand(argv) {
  /** @type {Record<string, string | boolean | undefined>} */
  let args = {};
  try {
    args = parseArgs({
      args: argv,
      options: {
        'api-key': { type: 'string' },
        url: { type: 'string' },
        min: { type: 'string' },
        only: { type: 'string' },
        'no-faults': { type: 'boolean' },
        format: { type: 'string' },
        unhit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail(`${/** @type {Error} */ (error).message}\n\n${COVERAGE_USAGE}`, 2);
  }
  if (args.help) {
    process.stdout.write(`${COVERAGE_USAGE}\n`);
    process.exit(0);
  }
  const apiKey = /** @type {string | undefined} */ (args['api-key']) ?? process.env.VLENS_API_KEY;
  if (!apiKey) fail(`--api-key (or $VLENS_API_KEY) names the tenant to report on\n\n${COVERAGE_USAGE}`, 2);
  const format = /** @type {string} */ (args.format ?? 'text');
  if (!FORMATS.includes(format)) fail(`--format must be one of ${FORMATS.join(', ')}, got "${format.slice(0, 40)}"`, 2);
  const unhit = /** @type {string} */ (args.unhit ?? 'failure');
  if (unhit !== 'failure' && unhit !== 'skip') fail(`--unhit must be failure or skip, got "${unhit.slice(0, 40)}"`, 2);
  const minimum = args.min === undefined ? null : parseMinimum(String(args.min));
  if (args.min !== undefined && minimum === null) fail(`--min must be a share from 0 to 1 (0.8) or a percentage (80%), got "${String(args.min).slice(0, 40)}"`, 2);
  const url = /** @type {string} */ (args.url ?? `http://127.0.0.1:${process.env.PORT || 4010}`);
  if (!/^https?:\/\/[^\s/]+/.test(url)) fail(`--url must be the sandbox's http(s) base URL, got "${url.slice(0, 80)}"`, 2);
  const only =
    args.only === undefined
      ? undefined
      : String(args.only)
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean);

  const sandbox = createSandboxControl({ baseUrl: url, apiKey, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }) });
  /** @type {Awaited<ReturnType<typeof sandbox.coverage>>} */
  let report;
  try {
    report = await sandbox.coverage({ ...(only ? { only } : {}), faults: !args['no-faults'] });
  } catch (error) {
    if (error instanceof SandboxControlError)
      fail(
        `the sandbox refused: ${error.problem.detail}${error.problem.allowed ? ` (allowed: ${error.problem.allowed.slice(0, 30).join(', ')})` : ''}`,
        error.status === 400 ? 2 : 1,
      );
    const caught = /** @type {Error & { cause?: { code?: string, message?: string } }} */ (error);
    fail(
      `${url} did not answer: ${caught.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (caught.cause?.code ?? caught.cause?.message ?? caught.message)}`,
      1,
    );
  }
  const rendered =
    format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === 'markdown'
        ? coverageMarkdown(report)
        : format === 'junit'
          ? coverageJunit(report, { unhit: /** @type {'failure' | 'skip'} */ (unhit) })
          : coverageText(report);
  process.stdout.write(rendered);
  if (minimum === null) process.exit(0);
  // The exact share: the report's ratio is rounded, and 0.79996 must not pass a minimum of 0.8.
  const share = report.total === 0 ? 1 : report.covered / report.total;
  if (share < minimum) fail(`${percent(report.ratio)} covered (${report.covered} of ${report.total}), below the minimum of ${percent(minimum)}`, 1);
  process.stderr.write(`vlens-mock coverage: ${percent(report.ratio)} covered (${report.covered} of ${report.total}), at or above the minimum of ${percent(minimum)}\n`);
  process.exit(0);
}
