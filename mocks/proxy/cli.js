// `vlens-mock proxy`: the validating, redacting proxy from the command line. It runs until Ctrl+C or
// SIGTERM, then writes the report complete and exits 0, or 3 with --fail-on-violation when an
// exchange broke the description (1: it could not start or stop; 2: a usage error).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stopWithParent } from '../node/parent.js';
import { TLS_FLAGS, tlsBanner, tlsFromFlags } from '../node/tls.js';
import { PROXY_PREFIX, VIOLATIONS_HEADER, startProxy } from './server.js';

/** @import { ProxyOptions } from './server.js' */

export const EXIT_VIOLATIONS = 3;

const USAGE = `Usage: vlens-mock proxy --upstream <url> [options]

Forwards every request to the upstream unchanged (but for a Via header naming the proxy) and every
answer back unchanged, and checks each exchange against the description (request, answer, envelope,
transaction id echo).
  --upstream          the service to forward to: https://api.vlenseg.com, a tenant's URL, a sandbox
  --port, -p          port to listen on (default 4011; 0 picks a free port)
  --host              interface to listen on (default 127.0.0.1; 0.0.0.0 for a phone on the LAN)
  --allow-host        a host name the proxy answers besides localhost, IP addresses, single-label
                      and .local names (repeatable; .example.com for its subdomains too), e.g.
                      qa.example.com; refused names get 403 (DNS rebinding), as the sandbox's
  --report            keep a report in this file while running (.json or .md); complete on exit
  --record            write one redacted recording per exchange into this folder (images replaced by
                      stand-ins, personal data and secrets masked keeping their shape)
  --violations-header add ${VIOLATIONS_HEADER} to answers that broke the description (off: the
                      proxy adds nothing an app can see)
  --fail-on-violation exit ${EXIT_VIOLATIONS} on stop when any exchange broke the description (for CI)
  --upstream-ca       a PEM file of certificates to trust for an https upstream, besides the system's
  --tls-cert, --tls-key, --tls self-signed, --tls-dir   serve HTTPS, as the mock does
  --quiet, -q         no line per exchange
  --help, -h          this text

While it runs: GET ${PROXY_PREFIX}/report (JSON), ${PROXY_PREFIX}/report.md, and ${PROXY_PREFIX}/verdict
(200 when every exchange conformed, 422 when one did not). Credentials go to the upstream only: never
to the log, the report or a recording.`;

/**
 * @param {string} message
 * @param {number} [code]
 * @returns {never}
 */
function fail(message, code = 1) {
  process.stderr.write(`vlens-mock proxy: ${message}\n`);
  process.exit(code);
}

/**
 * Parses `argv` (after `proxy`), starts the proxy and stops it on SIGINT/SIGTERM/SIGHUP.
 * @param {string[]} argv
 */
export async function proxyMain(argv) {
  /** @type {Record<string, string | boolean | string[] | undefined>} */
  let args = {};
  try {
    args = parseArgs({
      args: argv,
      options: {
        upstream: { type: 'string' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        report: { type: 'string' },
        record: { type: 'string' },
        'violations-header': { type: 'boolean' },
        'fail-on-violation': { type: 'boolean' },
        'upstream-ca': { type: 'string' },
        ...TLS_FLAGS,
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail(`${/** @type {Error} */ (error).message}\n\n${USAGE}`, 2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (typeof args.upstream !== 'string') fail(`--upstream is required\n\n${USAGE}`, 2);
  const portText = typeof args.port === 'string' ? args.port : '4011';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`the port must be a number from 0 to 65535, got "${portText}"`, 2);
  const host = typeof args.host === 'string' ? args.host : '127.0.0.1';
  /** @type {ProxyOptions} */
  const options = { upstream: args.upstream, port: Number(portText), host, log: !args.quiet, violationsHeader: Boolean(args['violations-header']) };
  if (typeof args.report === 'string') options.report = args.report;
  if (typeof args.record === 'string') options.record = args.record;
  if (Array.isArray(args['allow-host'])) options.allowHosts = args['allow-host'];
  try {
    if (typeof args['upstream-ca'] === 'string') options.upstreamCa = readFileSync(args['upstream-ca']);
  } catch (error) {
    fail(`--upstream-ca: ${/** @type {Error} */ (error).message}`, 2);
  }
  /** @type {import('../node/tls.js').TlsFiles | null} */
  let tls = null;
  try {
    tls = await tlsFromFlags(/** @type {Record<string, string | undefined>} */ (args), host);
  } catch (error) {
    fail(/** @type {Error} */ (error).message, 2);
  }
  if (tls) options.tls = { cert: tls.cert, key: tls.key };

  /** @type {import('./server.js').RunningProxy} */
  let proxy;
  try {
    proxy = await startProxy(options);
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    if (error instanceof TypeError) fail(error.message, 2);
    if (code === 'EADDRINUSE') fail(`port ${portText} on ${host} is already in use; pick another with --port`);
    if (code === 'EACCES') fail(`not allowed to listen on port ${portText} on ${host}`);
    throw error;
  }

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    proxy.stop().then(
      () => {
        const verdict = proxy.verdict();
        process.stdout.write(
          `${verdict.exchanges} exchange${verdict.exchanges === 1 ? '' : 's'}, ${verdict.withViolations} with violations (${verdict.violations} distinct)${options.report ? `; report: ${options.report}` : ''}\n`,
        );
        process.exit(args['fail-on-violation'] && !verdict.conforms ? EXIT_VIOLATIONS : 0);
      },
      () => process.exit(1),
    );
  };
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(signal, stop);
  stopWithParent(stop);
  const upstream = new URL(args.upstream);
  const lines = [
    `Vlens Digital Identity proxy listening on ${proxy.url}, forwarding to ${upstream.origin}${upstream.pathname === '/' ? '' : upstream.pathname}`,
    ...(tls ? tlsBanner(tls) : []),
    `Checking every exchange against the description; verdict: ${proxy.url}${PROXY_PREFIX}/verdict, report: ${proxy.url}${PROXY_PREFIX}/report`,
    options.report ? `Report kept in ${options.report}` : 'No report file (--report FILE.json or FILE.md to keep one).',
    options.record ? `Recording every exchange, redacted, into ${options.record}` : 'Not recording (--record DIR to keep redacted recordings).',
    'Ctrl+C stops.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
