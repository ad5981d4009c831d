// The outcome coverage report (`GET /__vlens/coverage`, mocks/store/coverage.js) in the forms a CI job
// reads: a Markdown job summary, a JUnit XML report (one test case per scenario and fault, which CI
// systems show as a test run), and plain text for a terminal (`vlens-mock coverage`). The sandbox and
// the CLI render with the same functions, so `?format=` and `--format` agree to the byte.

/** @import { ControlSchemas } from '../types.js' */
/** @typedef {ControlSchemas['Coverage']} Coverage */

/** @param {number} ratio */
export const percent = (ratio) => `${(ratio * 100).toFixed(1)}%`;

/** @param {Coverage['operations'][number]['scenarios'][number]} scenario */
const scenarioName = (scenario) => `${scenario.status} ${scenario.name}`;

/**
 * A Markdown summary, for `$GITHUB_STEP_SUMMARY` or a pull-request comment: the totals, then one row
 * per operation (and one for the faults) with what was never answered.
 * @param {Coverage} report
 */
export function coverageMarkdown(report) {
  /** @param {string} text */
  const cell = (text) => text.replace(/\|/g, '\\|');
  const lines = [
    `### Vlens sandbox outcome coverage: ${report.covered} of ${report.total} (${percent(report.ratio)})`,
    '',
    '| Operation | Covered | Never answered |',
    '|---|---|---|',
  ];
  for (const operation of report.operations) {
    const missed = operation.scenarios.filter((scenario) => scenario.count === 0).map((scenario) => `\`${cell(scenarioName(scenario))}\``);
    lines.push(`| \`${operation.operationId}\` | ${operation.covered} of ${operation.total} | ${missed.join(', ') || 'none'} |`);
  }
  const unstruck = report.faults.filter((fault) => fault.count === 0).map((fault) => `\`${fault.fault}\``);
  const struck = report.faults.length - unstruck.length;
  lines.push(`| faults${report.faultsCounted ? '' : ' (not counted)'} | ${struck} of ${report.faults.length} | ${unstruck.join(', ') || 'none'} |`);
  return `${lines.join('\n')}\n`;
}

/** @param {string} text */
const xml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/**
 * A JUnit XML report: a test suite per operation (and one for the faults), a test case per scenario
 * (and fault). One never answered is a failure, or skipped with `unhit: 'skip'`.
 * @param {Coverage} report
 * @param {{ unhit?: 'failure' | 'skip' }} [options]
 */
export function coverageJunit(report, { unhit = 'failure' } = {}) {
  /** @param {boolean} hit @param {string} what */
  const outcome = (hit, what) => {
    if (hit) return '';
    return unhit === 'skip'
      ? `<skipped message="${xml(`never ${what}`)}"/>`
      : `<failure type="uncovered" message="${xml(`never ${what}`)}">No request of this tenant was ${xml(what)}.</failure>`;
  };
  /** @param {string} name @param {{ name: string, hit: boolean, what: string, count: number }[]} cases */
  const suite = (name, cases) => {
    const missed = cases.filter((testCase) => !testCase.hit).length;
    const counts = unhit === 'skip' ? `failures="0" skipped="${missed}"` : `failures="${missed}" skipped="0"`;
    const body = cases.map(
      (testCase) =>
        `    <testcase classname="${xml(`vlens.${name}`)}" name="${xml(testCase.name)}" time="0">${outcome(testCase.hit, testCase.what)}<system-out>${testCase.count} time${testCase.count === 1 ? '' : 's'}</system-out></testcase>`,
    );
    return [`  <testsuite name="${xml(name)}" tests="${cases.length}" ${counts} errors="0" time="0">`, ...body, '  </testsuite>'];
  };
  const suites = report.operations.map((operation) =>
    suite(
      operation.operationId,
      operation.scenarios.map((scenario) => ({ name: scenarioName(scenario), hit: scenario.count > 0, what: `answered with ${scenarioName(scenario)}`, count: scenario.count })),
    ),
  );
  if (report.faultsCounted)
    suites.push(
      suite(
        'faults',
        report.faults.map((fault) => ({ name: fault.fault, hit: fault.count > 0, what: `struck by the fault ${fault.fault}`, count: fault.count })),
      ),
    );
  const missed = report.total - report.covered;
  const counts = unhit === 'skip' ? `failures="0" skipped="${missed}"` : `failures="${missed}" skipped="0"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="Vlens sandbox outcome coverage" tests="${report.total}" ${counts} errors="0" time="0">`,
    ...suites.flat(),
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * Plain text for a terminal: the totals, then one line per operation with what was never answered.
 * @param {Coverage} report
 */
export function coverageText(report) {
  const width = Math.max(6, ...report.operations.map((operation) => operation.operationId.length));
  const lines = [`Outcome coverage: ${report.covered} of ${report.total} (${percent(report.ratio)})`];
  for (const operation of report.operations) {
    const missed = operation.scenarios.filter((scenario) => scenario.count === 0).map(scenarioName);
    lines.push(
      `  ${operation.operationId.padEnd(width)}  ${`${operation.covered}/${operation.total}`.padStart(5)}  ${missed.length ? `never: ${missed.join(', ')}` : 'all answered'}`,
    );
  }
  const unstruck = report.faults.filter((fault) => fault.count === 0).map((fault) => fault.fault);
  const faultsLine = `${report.faults.length - unstruck.length}/${report.faults.length}`.padStart(5);
  lines.push(`  ${'faults'.padEnd(width)}  ${faultsLine}  ${unstruck.length ? `never: ${unstruck.join(', ')}` : 'all struck'}${report.faultsCounted ? '' : ' (not counted)'}`);
  return `${lines.join('\n')}\n`;
}
