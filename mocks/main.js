// The body of `npm start` / `npx vlens-mock` (mocks/cli.js): serves the bundled description on
// http://127.0.0.1:4010 and prints one access-log line per request. A function rather than top-level
// code, so that a CommonJS bundle (the single executable) can call it with Prism's modules and the
// description's text passed in.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PrismMissingError } from './prism.js';
import { ExampleDriftError } from './drift.js';
import { listen } from './server.js';

// Long enough for a mock busy with a large image upload, short enough for a HEALTHCHECK's --timeout.
const HEALTH_TIMEOUT_MS = 3000;
// Where `--host ::` cannot listen: a kernel without IPv6 (EAFNOSUPPORT), or IPv6 disabled on every
// interface (EADDRNOTAVAIL).
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL']);

const USAGE = `Usage: vlens-mock [--port <port>] [--host <host>] [--quiet] [--stateless] [--strict-tokens]
       vlens-mock health [--url <url>]

Serves the Vlens Digital Identity API description: its named examples as scenarios, and answers
Stoplight Prism generates from its schemas (Prefer: dynamic=true). A sandbox by default: it keeps
users, tokens, transactions and images per ApiKey (control API under /__vlens/).
  --port, -p         port to listen on (default: $PORT or 4010; 0 picks a free port)
  --host             interface to listen on (default: 127.0.0.1; :: for every interface, IPv6 and
                     IPv4, falling back to 0.0.0.0 where the host has no IPv6; 0.0.0.0 for IPv4 only)
  --quiet, -q        no access log
  --stateless        replay the examples, keep no state (the mock before the sandbox)
  --strict-tokens    refuse bearer tokens the sandbox did not issue (401)
  --image-budget-mb  megabytes of images kept, all tenants together (default 256)
  --transaction-ttl  seconds a transaction is kept (default 86400)
  --help, -h         this text

vlens-mock health probes a running mock (a container's HEALTHCHECK, a CI wait step): GET
<url>/__vlens/health, exit 0 when it answers 200 within ${HEALTH_TIMEOUT_MS / 1000} s, else exit 1 with the reason on stderr.
  --url              the mock's base URL (default: http://127.0.0.1:$PORT, or :4010)`;

function fail(message, code = 1) {
  process.stderr.write(`vlens-mock: ${message}\n`);
  process.exit(code);
}

/**
 * Parses `argv` (without the node and script paths), starts the mock and stops it on SIGINT/SIGTERM.
 * `overrides` are passed to listen(): `{ prism, descriptionText }` for a bundle.
 */
export async function main(argv = process.argv.slice(2), overrides = {}) {
  if (argv[0] === 'health') return health(argv.slice(1));
  let args;
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
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail(`${error.message}\n\n${USAGE}`, 2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }

  const portText = args.port ?? process.env.PORT ?? '4010';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`the port must be a number from 0 to 65535, got "${portText}"`, 2);
  const host = args.host ?? '127.0.0.1';
  const sandbox = { stateless: args.stateless, strictTokens: args['strict-tokens'] };
  for (const [flag, option, unit] of [['image-budget-mb', 'imageBudgetBytes', 1024 * 1024], ['transaction-ttl', 'transactionTtlSeconds', 1]]) {
    if (args[flag] === undefined) continue;
    if (!/^\d+$/.test(args[flag]) || Number(args[flag]) < 1) fail(`--${flag} must be a whole number from 1, got "${args[flag]}"`, 2);
    sandbox[option] = Number(args[flag]) * unit;
  }

  let mock;
  let listening = host;
  try {
    const start = (on) => listen({ ...overrides, ...sandbox, port: Number(portText), host: on, log: !args.quiet });
    mock = await start(host).catch((error) => {
      if (host !== '::' || !NO_IPV6.has(error.code)) throw error;
      listening = '0.0.0.0';
      return start(listening);
    });
  } catch (error) {
    if (error instanceof PrismMissingError) fail(error.message);
    if (error instanceof ExampleDriftError) fail(error.message);
    if (error.code === 'EADDRINUSE') fail(`port ${portText} on ${host} is already in use; pick another with --port or PORT`);
    if (error.code === 'EACCES') fail(`not allowed to listen on port ${portText} on ${host}`);
    throw error;
  }

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    mock.stop().then(() => process.exit(0), () => process.exit(1));
  };
  // Before the banner: a supervisor that stops the mock as soon as it reads the URL gets a clean exit.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
  stopWithParent(stop);
  process.stdout.write(banner(mock, listening, host));
}

/**
 * `vlens-mock health [--url URL]`: GET <url>/__vlens/health; exits 0 on a 200 within
 * HEALTH_TIMEOUT_MS, 1 otherwise (the reason, one line, on stderr), 2 on a usage error. Loads no
 * Prism and starts no server: a container's HEALTHCHECK runs it every few seconds.
 */
async function health(argv) {
  let args;
  try {
    args = parseArgs({ args: argv, options: { url: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    fail(`${error.message}\n\n${USAGE}`, 2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let probe;
  try {
    const base = new URL(args.url ?? `http://127.0.0.1:${process.env.PORT || 4010}`);
    if (!['http:', 'https:'].includes(base.protocol)) throw new TypeError(`not an http(s) URL`);
    probe = new URL(`${base.pathname.replace(/\/$/, '')}/__vlens/health`, base);
  } catch (error) {
    fail(`health: --url must be the mock's http(s) base URL (${error.message})`, 2);
  }
  try {
    const answer = await fetch(probe, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), redirect: 'manual' });
    await answer.body?.cancel();
    if (answer.status === 200) process.exit(0);
    fail(`health: ${probe.href} answered HTTP ${answer.status}`);
  } catch (error) {
    const reason = error.name === 'TimeoutError' ? `no answer within ${HEALTH_TIMEOUT_MS / 1000} s` : (error.cause?.code ?? error.cause?.message ?? error.message);
    fail(`health: ${probe.href} is not reachable: ${reason}`);
  }
}

// How often the mock looks whether the processes that started it are still there.
const PARENT_POLL_MS = 100;

/**
 * `npm start` and `npx vlens-mock` run the mock through `sh -c`, which does not pass signals on: killing
 * npm's PID stops npm and its shell and leaves the mock holding the port. Started by npm (which sets
 * npm_lifecycle_event for its scripts and for npx), the mock therefore stops when its parent (the
 * shell) goes away, or its grandparent (npm: `kill -9` leaves the shell behind), where the system
 * tells (/proc). Started any other way (a shell, a service manager, a container) it lives until it
 * is stopped. `npm start` keeps no `exec` in front of node: Windows runs npm scripts with cmd.exe.
 */
function stopWithParent(stop) {
  if (process.env.npm_lifecycle_event === undefined) return;
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const watch = setInterval(() => {
    // A /proc read that fails (null) is no evidence: only a parent PID that changed is.
    const grandparentNow = grandparent === null ? null : parentOf(parent);
    if (process.ppid === parent && (grandparentNow === null || grandparentNow === grandparent)) return;
    clearInterval(watch);
    stop();
  }, PARENT_POLL_MS);
  watch.unref();
}

/** The parent PID of a process, from Linux's /proc; null where there is no /proc or no such process. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid ...": the command may itself contain ") ".
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function banner({ url, port, context }, host, asked) {
  const { operations } = context.description;
  const { stateless, strictTokens } = context.sandbox.settings;
  const width = Math.max(...operations.map((operation) => `${operation.method} ${operation.path}`.length));
  const mode = stateless ? 'stateless replay' : 'sandbox';
  // In a container the mock listens on every interface; the URL shown is the one to reach it from
  // inside (127.0.0.1 answers on both wildcards: `::` takes IPv4 too).
  const wildcard = host === '0.0.0.0' || host === '::';
  const shown = wildcard ? `http://127.0.0.1:${port}` : url;
  const everywhere = host === '::'
    ? ` (on every interface, IPv6 and IPv4, ::, port ${port})`
    : host === '0.0.0.0'
      ? ` (on every interface, 0.0.0.0, port ${port}${asked === '::' ? '; IPv4 only: IPv6 is not available here, so :: fell back to 0.0.0.0' : ''})`
      : '';
  const lines = [`Vlens Digital Identity mock, ${mode} (Prism ${context.prism.version}) listening on ${shown}${everywhere}`, ''];
  for (const operation of operations) {
    const success = operation.responses.filter((response) => response.status < 300).flatMap((response) => response.examples.map((example) => example.name));
    const errors = operation.responses.filter((response) => response.status >= 300).map((response) => response.status);
    lines.push(`  ${`${operation.method} ${operation.path}`.padEnd(width)}  ${success.join(', ')}  | ${errors.join(' ')}`);
  }
  const errorScenarios = new Map();
  for (const response of operations.flatMap((operation) => operation.responses).filter((response) => response.status >= 300)) {
    errorScenarios.set(response.status, new Set([...(errorScenarios.get(response.status) ?? []), ...response.examples.map((example) => example.name)]));
  }
  lines.push(
    '',
    stateless
      ? 'The first scenario of each operation is its answer. Pick another with the Prefer header:'
      : 'The flow decides each answer\'s scenario (a success, or the refusal the real service gives). Force one with the Prefer header:',
    '  Prefer: example=livenessFailed',
    '  Prefer: code=401, example=tokenExpired',
    `Error scenarios: ${[...errorScenarios].map(([status, names]) => `${status} ${[...names].join(' ')}`).join(' · ')}`,
    '',
    ...modeLines(stateless, strictTokens, shown),
    'Ctrl+C stops.',
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** What the mode keeps and which credentials it takes: the two things a newcomer's first calls depend on. */
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
    'Sandbox: users, tokens, transactions and images are kept per ApiKey, and the flow\'s rules apply',
    '(liveness needs both sides of the card on its transaction_id; the OTP is 123456). --stateless replays the examples alone.',
    strictTokens
      ? 'Bearer tokens: only those this sandbox issued (Login, RefreshToken); any other gets 401 (--strict-tokens).'
      : 'Bearer tokens: those this sandbox issued (Login, RefreshToken), and any other well-formed one as a fresh user (or admin) of the ApiKey; --strict-tokens refuses those.',
    control,
  ];
}
