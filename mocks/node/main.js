// The body of `npm start` / `npx vlens-mock` (mocks/cli.js): serves the sandbox on
// http://127.0.0.1:4010 and prints one access-log line per request; `vlens-mock health` probes a
// running one. A function rather than top-level code, so that a CommonJS bundle (the single
// executable) can call it with Prism's modules and the description's text passed in.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExampleDriftError } from './drift.js';
import { prismVersion } from './prism.js';
import { readSeedFile, seedFileError } from './seed-file.js';
import { listen } from './server.js';
import { stopWithParent } from './parent.js';
import { TLS_FLAGS, tlsBanner, tlsFromFlags } from './tls.js';

/** @import { ListenOptions, RunningServer } from './server.js' */

// Long enough for a mock busy with a large image upload, short enough for a HEALTHCHECK's --timeout.
const HEALTH_TIMEOUT_MS = 3000;
// Where `--host ::` cannot listen: a kernel without IPv6 (EAFNOSUPPORT), or IPv6 disabled on every
// interface (EADDRNOTAVAIL).
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL']);

const USAGE = `Usage: vlens-mock [options]
       vlens-mock health [--url <url>]
       vlens-mock proxy --upstream <url> [options]   (vlens-mock proxy --help)
       vlens-mock coverage --api-key <key> [--url <url>] [--min <ratio>] [--only <ids>] [--format <form>]

Serves the Vlens Digital Identity API as a sandbox: it keeps users, tokens, transactions and images per
ApiKey and answers with the description's named examples (control API under /__vlens/).
  --port, -p          port to listen on (default: $PORT or 4010; 0 picks a free port)
  --host              interface to listen on (default: 127.0.0.1; :: for every interface, IPv6 and
                      IPv4, falling back to 0.0.0.0 where the host has no IPv6; 0.0.0.0 for IPv4 only)
  --quiet, -q         no access log
  --stateless         replay the examples, keep no state (the mock before the sandbox)
  --strict-tokens     refuse bearer tokens the sandbox did not issue (401)
  --image-budget-mb   megabytes of images kept, all tenants together (default 256)
  --transaction-ttl   seconds a transaction is kept (default 86400)
  --max-tenants       tenants (ApiKey values) kept; the one unused for longest goes first (default 1000)
  --seed-file         a JSON seed document: tenants to start with, a state under each ApiKey
                      (mocks/seeds/example.json; GET /__vlens/state exports one tenant's)
  --allow-origin      an origin whose pages may call the control API (repeatable; loopback
                      origins and the sandbox's own always may), e.g. https://qa.example.com
  --allow-host        a host name the control API answers besides localhost, IP addresses,
                      single-label and .local names (repeatable; .example.com for its
                      subdomains too), e.g. qa.example.com; refused names get 403 (DNS rebinding)
  --header-timeout    seconds a client has to send its headers (default 10), then 408
  --request-timeout   seconds a client has to send a whole request (default 120), then 408
  --max-connections   connections held at once (default 2048); past it the longest idle closes
  --shutdown-grace    seconds requests in flight get to finish on Ctrl+C or SIGTERM (default 5)
  --recordings        a folder of the proxy's recordings: each becomes a scenario of its operation
  --tls-cert, --tls-key  serve HTTPS with this certificate (PEM, chain allowed) and key
  --tls self-signed   serve HTTPS with a local CA's certificate for localhost, this machine's
                      addresses and --host; prints its fingerprint (phones: docs/mobile.md)
  --tls-dir           where --tls self-signed keeps its CA and certificate (default ~/.cache/vlens-mock/tls)
  --version, -v       the package's version
  --help, -h          this text

vlens-mock health probes a running mock (a container's HEALTHCHECK, a CI wait step): GET
<url>/__vlens/health, exit 0 when it answers 200 within ${HEALTH_TIMEOUT_MS / 1000} s, else exit 1 with the reason on stderr.
  --url               the mock's base URL (default: http://127.0.0.1:$PORT, or :4010)

vlens-mock coverage prints which scenarios and faults a tenant's requests have been through
(GET <url>/__vlens/coverage) and exits 1 when the share covered is below --min; vlens-mock coverage
--help says more.`;

/**
 * @param {string} message
 * @param {number} [code]
 * @returns {never}
 */
function fail(message, code = 1) {
  process.stderr.write(`vlens-mock: ${message}\n`);
  process.exit(code);
}

/** Numeric flags: [flag, option, multiplier]. */
const NUMBERS = /** @type {const} */ ([
  ['image-budget-mb', 'imageBudgetBytes', 1024 * 1024],
  ['transaction-ttl', 'transactionTtlSeconds', 1],
  ['max-tenants', 'maxTenants', 1],
  ['header-timeout', 'headersTimeoutSeconds', 1],
  ['request-timeout', 'requestTimeoutSeconds', 1],
  ['max-connections', 'maxConnections', 1],
  ['shutdown-grace', 'shutdownGraceSeconds', 1],
]);

/**
 * Parses `argv` (without the node and script paths), starts the mock and stops it on SIGINT/SIGTERM.
 * `overrides` are passed to listen(): `{ prism, descriptionText }` for a bundle, which also says
 * which Prism it carries (`prismVersion`) and which version of this package it is (`packageVersion`:
 * a bundle has no package.json beside it).
 * @param {string[]} [argv]
 * @param {Partial<ListenOptions> & { prismVersion?: string, packageVersion?: string }} [overrides]
 */
export async function main(argv = process.argv.slice(2), { prismVersion: bundledPrism, packageVersion, ...overrides } = {}) {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${packageVersion ?? ownVersion()}\n`);
    return;
  }
  if (argv[0] === 'health') return health(argv.slice(1));
  if (argv[0] === 'proxy') return (await import('../proxy/cli.js')).proxyMain(argv.slice(1));
  if (argv[0] === 'coverage') return (await import('./coverage-command.js')).coverageCommand(argv.slice(1));
  /** @type {Record<string, string | boolean | string[] | undefined>} */
  let args = {};
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        stateless: { type: 'boolean' },
        'strict-tokens': { type: 'boolean' },
        'image-budget-mb': { type: 'string' },
        'transaction-ttl': { type: 'string' },
        'max-tenants': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        'header-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
        'max-connections': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        recordings: { type: 'string' },
        ...TLS_FLAGS,
        'seed-file': { type: 'string' },
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

  const portText = /** @type {string} */ (args.port ?? process.env.PORT ?? '4010');
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`the port must be a number from 0 to 65535, got "${portText}"`, 2);
  const host = /** @type {string} */ (args.host ?? '127.0.0.1');
  /** @type {ListenOptions} */
  const options = { ...overrides, port: Number(portText), host, log: !args.quiet, stateless: Boolean(args.stateless), strictTokens: Boolean(args['strict-tokens']) };
  for (const [flag, option, unit] of NUMBERS) {
    const text = args[flag];
    if (text === undefined) continue;
    if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text)) fail(`--${flag} must be a number, got "${text}"`, 2);
    /** @type {Record<string, unknown>} */ (options)[option] = Number(text) * unit;
  }
  if (args['allow-origin']) options.allowOrigins = /** @type {string[]} */ (args['allow-origin']);
  if (args['allow-host']) options.allowHosts = /** @type {string[]} */ (args['allow-host']);
  if (typeof args.recordings === 'string') {
    if (!statSync(args.recordings, { throwIfNoEntry: false })?.isDirectory()) fail(`--recordings ${args.recordings}: no such folder (vlens-mock proxy --record writes one)`, 2);
    options.recordings = args.recordings;
  }
  /** @type {import('./tls.js').TlsFiles | null} */
  let tls = null;
  try {
    tls = await tlsFromFlags(/** @type {Record<string, string | undefined>} */ (args), host);
  } catch (error) {
    fail(/** @type {Error} */ (error).message, 2);
  }
  if (tls) options.tls = { cert: tls.cert, key: tls.key };
  const seedFile = /** @type {string | undefined} */ (args['seed-file']);
  if (seedFile !== undefined) {
    try {
      options.initialState = readSeedFile(seedFile);
    } catch (error) {
      fail(/** @type {Error} */ (error).message, 2);
    }
  }

  /** @type {RunningServer} */
  let mock;
  let listening = host;
  try {
    mock = await listen(options).catch((error) => {
      if (host !== '::' || !NO_IPV6.has(/** @type {{ code?: string }} */ (error).code ?? '')) throw error;
      // A container without IPv6: every IPv4 interface, and the banner says so.
      listening = '0.0.0.0';
      return listen({ ...options, host: listening });
    });
    // The seed's tenants are in place before the banner says the mock listens.
    await mock.sandbox.ready.catch(async (error) => {
      await mock.stop();
      throw seedFile === undefined ? error : seedFileError(error, seedFile);
    });
  } catch (error) {
    mock = startFailure(error, portText, listening);
  }

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    mock.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the banner: a supervisor that stops the mock as soon as it reads the URL gets a clean exit.
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(signal, stop);
  stopWithParent(stop);
  const seeded = seedFile === undefined ? undefined : `Seeded from ${seedFile}: ${Object.keys(options.initialState?.tenants ?? {}).length} tenant(s) loaded.`;
  process.stdout.write(banner(mock, listening, host, bundledPrism ?? prismVersion(), tls ? tlsBanner(tls) : [], seeded));
}

/**
 * @param {unknown} error
 * @param {string} portText
 * @param {string} host
 * @returns {never}
 */
function startFailure(error, portText, host) {
  if (error instanceof ExampleDriftError) fail(error.message);
  if (error instanceof RangeError || error instanceof TypeError) fail(error.message, 2);
  const code = /** @type {{ code?: string }} */ (error).code;
  if (code === 'EADDRINUSE') fail(`port ${portText} on ${host} is already in use; pick another with --port or PORT`);
  if (code === 'EACCES') fail(`not allowed to listen on port ${portText} on ${host}`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') fail(`--host ${host}: not an address of this machine, nor a name that resolves to one`, 2);
  if (code === 'EADDRNOTAVAIL') fail(`--host ${host}: not an address of this machine`, 2);
  throw error;
}

/**
 * `vlens-mock health [--url URL]`: GET <url>/__vlens/health; exits 0 on a 200 within
 * HEALTH_TIMEOUT_MS, 1 otherwise (the reason, one line, on stderr), 2 on a usage error. Loads no
 * Prism and starts no server: a container's HEALTHCHECK runs it every few seconds.
 * @param {string[]} argv
 */
async function health(argv) {
  /** @type {{ url?: string, help?: boolean }} */
  let args = {};
  try {
    args = parseArgs({ args: argv, options: { url: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    fail(`${/** @type {Error} */ (error).message}\n\n${USAGE}`, 2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  /** @type {URL} */
  let probe;
  try {
    const base = new URL(args.url ?? `http://127.0.0.1:${process.env.PORT || 4010}`);
    if (!['http:', 'https:'].includes(base.protocol)) throw new TypeError('not an http(s) URL');
    probe = new URL(`${base.pathname.replace(/\/$/, '')}/__vlens/health`, base);
  } catch (error) {
    fail(`health: --url must be the mock's http(s) base URL (${/** @type {Error} */ (error).message})`, 2);
  }
  try {
    const answer = await fetch(probe, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), redirect: 'manual' });
    await answer.body?.cancel();
    if (answer.status === 200) process.exit(0);
    fail(`health: ${probe.href} answered HTTP ${answer.status}`);
  } catch (error) {
    const caught = /** @type {Error & { cause?: { code?: string, message?: string } }} */ (error);
    const reason = caught.name === 'TimeoutError' ? `no answer within ${HEALTH_TIMEOUT_MS / 1000} s` : (caught.cause?.code ?? caught.cause?.message ?? caught.message);
    fail(`health: ${probe.href} is not reachable: ${reason}`);
  }
}

/**
 * @param {RunningServer} mock
 * @param {string} host the interface it listens on
 * @param {string} asked the interface asked for (`::` may have fallen back to 0.0.0.0)
 * @param {string | null} version Prism's, when it is there
 * @param {string[]} [tlsLines] what the certificate is, for HTTPS
 * @param {string} [seeded] what the seed file loaded
 */
function banner(mock, host, asked, version, tlsLines = [], seeded = undefined) {
  const { operations } = mock.sandbox.model;
  const { stateless, strictTokens } = mock.sandbox.settings;
  const width = Math.max(...operations.map((operation) => `${operation.method} ${operation.path}`.length));
  const mode = stateless ? 'stateless replay' : 'sandbox';
  const prism = version ? `Prism ${version}` : 'Prism not installed: answers generated from the schema are 501';
  // In a container the mock listens on every interface; the URL shown is the one to reach it from
  // inside (127.0.0.1 answers on both wildcards: `::` takes IPv4 too).
  const { port } = mock;
  const everywhere =
    host === '::'
      ? ` (on every interface, IPv6 and IPv4, ::, port ${port})`
      : host === '0.0.0.0'
        ? ` (on every interface, 0.0.0.0, port ${port}${asked === '::' ? '; IPv4 only: IPv6 is not available here, so :: fell back to 0.0.0.0' : ''})`
        : '';
  const lines = [`Vlens Digital Identity mock, ${mode} (${prism}) listening on ${mock.url}${everywhere}`, ...tlsLines, ''];
  for (const operation of operations) {
    const success = operation.responses.filter((response) => response.status < 300).flatMap((response) => response.examples.map((example) => example.name));
    const errors = operation.responses.filter((response) => response.status >= 300).map((response) => response.status);
    lines.push(`  ${`${operation.method} ${operation.path}`.padEnd(width)}  ${success.join(', ')}  | ${errors.join(' ')}`);
  }
  /** @type {Map<number, Set<string>>} */
  const errorScenarios = new Map();
  for (const response of operations.flatMap((operation) => operation.responses).filter((candidate) => candidate.status >= 300)) {
    errorScenarios.set(response.status, new Set([...(errorScenarios.get(response.status) ?? []), ...response.examples.map((example) => example.name)]));
  }
  lines.push(
    '',
    stateless
      ? 'The first scenario of each operation is its answer. Pick another with the Prefer header:'
      : "The flow decides each answer's scenario (a success, or the refusal the real service gives). Force one with the Prefer header:",
    '  Prefer: example=livenessFailed',
    '  Prefer: code=401, example=tokenExpired',
    `Error scenarios: ${[...errorScenarios].map(([status, names]) => `${status} ${[...names].join(' ')}`).join(' · ')}`,
    '',
    ...modeLines(stateless, strictTokens, mock.url),
    `Dashboard: ${mock.url}/__vlens/ui (enter the ApiKey your app sends: its transactions, images, journal, catalog and coverage, live).`,
    ...(seeded === undefined ? [] : [seeded]),
    'Ctrl+C stops.',
    '',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * What the mode keeps and which credentials it takes: the two things a newcomer's first calls depend on.
 * @param {boolean} stateless
 * @param {boolean} strictTokens
 * @param {string} url
 */
function modeLines(stateless, strictTokens, url) {
  const control = `Control API: ${url}/__vlens/scenarios (the catalog), ${url}/__vlens/health (readiness).`;
  if (stateless) {
    return [
      'Stateless replay (--stateless): every answer is a named example as written; no user, token, transaction or image is kept.',
      `Any ApiKey header and any well-formed "Authorization: Bearer <token>" are accepted${strictTokens ? ' (--strict-tokens applies to the sandbox only)' : ''}.`,
      control,
    ];
  }
  return [
    "Sandbox: users, tokens, transactions and images are kept per ApiKey, and the flow's rules apply",
    '(liveness needs both sides of the card on its transaction_id; the OTP is 123456). --stateless replays the examples alone.',
    strictTokens
      ? 'Bearer tokens: only those this sandbox issued (Login, RefreshToken); any other gets 401 (--strict-tokens).'
      : 'Bearer tokens: those this sandbox issued (Login, RefreshToken), and any other well-formed one as a fresh user (or admin) of the ApiKey; --strict-tokens refuses those.',
    control,
  ];
}

/** This package's version, from the package.json two folders up (where npm installs it). */
function ownVersion() {
  return /** @type {{ version: string }} */ (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))).version;
}
