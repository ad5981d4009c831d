// The validating, redacting proxy: an app (the typed client, the vendor's mobile SDK) points its base
// URL here; every request goes to the upstream as it came and every answer comes back as it came.
// Headers keep their spelling, letter case and order (`Accept_Language` included), bodies their
// bytes; only the hop-by-hop headers a proxy must not forward are left out, and `Host` names the
// upstream. The one header added is `Via` (RFC 9110 7.6.3: a proxy must send it), naming this proxy
// by a pseudonym made for the run; a request that already went through this proxy gets 508 at once
// (a proxy whose upstream is itself would otherwise forward to itself without end). Nothing else is
// added unless asked: `violationsHeader` adds `X-Vlens-Proxy-Violations` to answers (and holds each
// answer until it is checked). The proxy answers only the Host names the sandbox's control API
// answers (mocks/engine/hosts.js, `allowHosts`): otherwise a DNS rebinding page could reach the
// upstream, a sandbox's control API included, through the proxy, which names the upstream as Host.
// Each exchange, once answered, is checked against the description (check.js), filed in the report
// (report.js) and, with `record`, written redacted (record.js). Credentials go to the upstream and
// nowhere else: the log shows method, path, status and verdict; the report and the recordings never
// hold a credential's value.
// Memory is bounded whatever either side does: at most `maxBodyBytes` of each body is kept (a
// compressed answer is unpacked no further), a larger exchange passes unchecked (a held answer goes
// out as it came), an answer reaches the app no faster than the app reads it (backpressure), and the
// app leaving aborts the upstream request.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline, Transform } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { hostAllowed, hostNameOf } from '../engine/hosts.js';
import { checkOptions } from '../engine/options.js';
import { loadDescription } from '../node/description-file.js';
import { createExchangeChecker } from './check.js';
import { createRecorder } from './record.js';
import { createReport, toMarkdown } from './report.js';
import { createScrubber } from './scrub.js';

/** @import { IncomingMessage, ServerResponse } from 'node:http' */
/** @import { Socket } from 'node:net' */
/** @import { DescriptionChoice } from '../node/description-file.js' */
/** @import { CheckedExchange, Exchange } from './check.js' */

export const PROXY_PREFIX = '/__vlens-proxy';
export const VIOLATIONS_HEADER = 'X-Vlens-Proxy-Violations';
// RFC 9110 7.6.1: connection-specific headers a proxy must not forward.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
// The largest body kept in memory to check and record; a larger one still passes, unchecked. Above
// the 30 MB the real (ASP.NET) service takes.
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_VIOLATIONS = 1000;

/**
 * @typedef {object} ProxyOptions
 * @property {string} upstream base URL of the service to forward to (http or https), e.g. https://api.vlenseg.com or a sandbox's URL
 * @property {number} [port] 0 (the default) picks a free port
 * @property {string} [host] default 127.0.0.1
 * @property {string | null} [record] folder to write one redacted recording per exchange to
 * @property {string | null} [report] file the report is kept in: `.json` or `.md`
 * @property {boolean} [violationsHeader] add X-Vlens-Proxy-Violations to answers (default false: the proxy adds nothing)
 * @property {{ cert: string | Buffer, key: string | Buffer }} [tls] serve HTTPS with this certificate and key (PEM)
 * @property {string | Buffer} [upstreamCa] certificates (PEM) to trust for an https upstream, besides the system's
 * @property {boolean | ((line: string) => void)} [log] one line per exchange: method, path without the query, status, operation, verdict, ms
 * @property {number} [maxBodyBytes] bytes of a body kept to check and record (default 64 MiB; a compressed answer counts unpacked); a larger exchange passes unchecked, filed in the report as not checked
 * @property {number} [upstreamTimeoutSeconds] seconds the upstream has to answer (default 120), then 504
 * @property {string[]} [allowHosts] Host names the proxy answers besides localhost, IP addresses, single-label and .local names, as the sandbox's: `qa.example.com`, `.example.com` for it and its subdomains, or `*`; others get 403 (DNS rebinding)
 */

/**
 * @typedef {object} RunningProxy
 * @property {string} url the proxy's base URL: point the app here
 * @property {number} port
 * @property {() => import('./report.js').ProxyReport} report the report as it is now
 * @property {() => { conforms: boolean, exchanges: number, withViolations: number, violations: number }} verdict
 * @property {() => Promise<void>} stop stops listening, lets exchanges in flight finish (5 s at most), writes the report complete; safe to call twice
 */

/**
 * Starts the proxy. Rejects with a TypeError for an upstream that is not an http(s) URL or is the
 * proxy's own host and port, a report that is neither .json nor .md, or allowHosts that are not host
 * names, and with Node's EADDRINUSE/EACCES errors.
 * @param {ProxyOptions & DescriptionChoice} options
 * @returns {Promise<RunningProxy>}
 */
export async function startProxy(options) {
  const upstream = parseUpstream(options.upstream);
  const host = options.host ?? '127.0.0.1';
  if (isSelf(upstream, host, options.port ?? 0)) {
    throw new TypeError(`the upstream ${upstream.host} is the proxy itself (listening on ${host}:${options.port}): it would forward every request to itself`);
  }
  // Checked as the sandbox checks its own (the same message for a bad name).
  checkOptions(options.allowHosts === undefined ? {} : { allowHosts: options.allowHosts });
  const allowHosts = options.allowHosts ?? [];
  // This proxy's name in Via: a pseudonym (RFC 9110 7.6.3), different for every proxy started, so a
  // request that comes back to the proxy that forwarded it is known, and a chain of proxies is not.
  const viaName = `vlens-mock-proxy-${randomBytes(6).toString('hex')}`;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeoutMs = (options.upstreamTimeoutSeconds ?? 120) * 1000;
  const logger = typeof options.log === 'function' ? options.log : options.log ? (/** @type {string} */ line) => process.stdout.write(`${line}\n`) : null;
  /** @type {DescriptionChoice} */
  const choice = {};
  if (options.description !== undefined) choice.description = options.description;
  if (options.descriptionText !== undefined) choice.descriptionText = options.descriptionText;
  const { source, document } = loadDescription({ ...choice, checkExamples: false });
  const scrubber = createScrubber();
  const checker = createExchangeChecker({ model: source.model, examples: source.examples, validators: source.validators, document: document(), scrubber });
  const credentialHeaders = new Set(source.model.credentialHeaders.map((name) => name.toLowerCase()));
  const shownUpstream = `${upstream.origin}${upstream.pathname === '/' ? '' : upstream.pathname}`;
  const report = createReport({
    model: source.model,
    upstream: shownUpstream,
    file: options.report ?? null,
    onWriteError: (error) => logger?.(`ERROR the report could not be written: ${/** @type {NodeJS.ErrnoException} */ (error).code ?? error}`),
  });
  const recorder = options.record ? createRecorder({ dir: options.record, scrubber, credentialHeaders }) : null;
  let counter = 1;
  const secure = upstream.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, ...(options.upstreamCa ? { ca: options.upstreamCa } : {}) }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  let inFlight = 0;
  /** @type {(() => void) | null} */
  let drained = null;
  /** @type {Set<Promise<unknown>>} */
  const pending = new Set();

  /**
   * @param {IncomingMessage} request
   * @param {ServerResponse} response
   */
  function onRequest(request, response) {
    const target = request.url ?? '/';
    const pathname = target.split('?')[0] ?? '';
    // Before anything is forwarded, served or filed: a public name could be a DNS rebinding page.
    const hostHeader = request.headers.host ?? '';
    if (!hostAllowed(hostHeader, allowHosts, [])) {
      const name = hostNameOf(hostHeader);
      const shown = name !== null && name.length <= 253 ? name : 'this name';
      logger?.(`${request.method} ${pathname.slice(0, 200)} 403 Host not allowed`);
      refuse(
        request,
        response,
        403,
        `Host not allowed: the proxy answers requests addressed to localhost, an IP address, a single-label or .local name${allowHosts.length > 0 ? `, or ${allowHosts.join(', ')}` : ''}; a public name could be a DNS rebinding page. Start the proxy with --allow-host ${shown} (allowHosts of startProxy) if you reach it by that name.`,
      );
      return;
    }
    if (pathname === PROXY_PREFIX || pathname.startsWith(`${PROXY_PREFIX}/`)) {
      void serveOwn(request, response, pathname);
      return;
    }
    if (cameThrough(request.rawHeaders, viaName)) {
      // Not forwarded (it would come back again), not filed in the report, not recorded.
      logger?.(`${request.method} ${pathname.slice(0, 200)} 508 loop: the request came back to this proxy`);
      refuse(
        request,
        response,
        508,
        `Loop Detected: the request came back to this proxy (its Via header names ${viaName}); the proxy's upstream leads back to the proxy itself. Point --upstream at the service.`,
      );
      return;
    }
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    const started = performance.now();
    const sequence = recorder ? recorder.take() : counter++;
    const exchangeId = String(sequence).padStart(6, '0');
    const shown = `${request.method} ${pathname.slice(0, 200)}`;
    const elapsed = () => `${(performance.now() - started).toFixed(1)}ms`;
    /** @type {Buffer[] | null} the request's body while within maxBodyBytes, to check; null past them */
    let requestChunks = [];
    let requestBytes = 0;
    request.on('data', (/** @type {Buffer} */ chunk) => {
      requestBytes += chunk.length;
      if (requestBytes > maxBodyBytes) requestChunks = null;
      else requestChunks?.push(chunk);
    });
    // Settled once the answer has come whole or the upstream failed: until then, the app leaving
    // ends the exchange and aborts the upstream request.
    let settled = false;
    /** @type {IncomingMessage | null} */
    let answer = null;
    const outgoing = send(new URL(`${upstream.pathname.replace(/\/$/, '')}${target.startsWith('/') ? target : `/${target}`}`, upstream), {
      method: request.method,
      headers: forwardedHeaders(request.rawHeaders, upstream.host, `${request.httpVersion} ${viaName}`),
      agent,
      setHost: false,
    });
    const onTimeout = () => {
      // An answer waiting for the app to take it (backpressure) is not the upstream being late: wait again.
      if (response.writableNeedDrain) outgoing.setTimeout(timeoutMs, onTimeout);
      else outgoing.destroy(Object.assign(new Error('the upstream did not answer in time'), { code: 'ETIMEDOUT' }));
    };
    outgoing.setTimeout(timeoutMs, onTimeout);
    outgoing.on('error', (error) => upstreamFailed(/** @type {NodeJS.ErrnoException} */ (error).code ?? 'error'));
    request.on('aborted', appLeft);
    response.once('close', () => {
      if (response.writableFinished) return;
      // The answer broke off upstream (and so the app's was cut), or the app left first.
      if (answer?.destroyed) upstreamFailed(/** @type {NodeJS.ErrnoException | null} */ (answer.errored)?.code ?? 'error');
      else appLeft();
    });
    request.pipe(outgoing);
    outgoing.on('response', (upstreamAnswer) => {
      if (settled) {
        upstreamAnswer.destroy();
        return;
      }
      answer = upstreamAnswer;
      const status = upstreamAnswer.statusCode ?? 502;
      const held = Boolean(options.violationsHeader);
      const answerHeaders = withoutHopByHop(upstreamAnswer.rawHeaders);
      if (!held) response.writeHead(status, upstreamAnswer.statusMessage, answerHeaders);
      /** @type {Buffer[] | null} the answer while within maxBodyBytes, to check (and, held, to send once checked); null past them */
      let kept = [];
      let answerBytes = 0;
      // Between the upstream and the app: keeps the answer to check, holds it when asked, and passes
      // the app's backpressure on to the upstream (pipeline), so a slow app slows the upstream down.
      const tap = new Transform({
        transform(/** @type {Buffer} */ chunk, _encoding, done) {
          answerBytes += chunk.length;
          if (kept && answerBytes > maxBodyBytes) {
            // Past the limit nothing more is kept: a held answer goes out now, unchecked, as it came.
            if (held) {
              response.writeHead(status, upstreamAnswer.statusMessage, answerHeaders);
              for (const part of kept) this.push(part);
            }
            kept = null;
          }
          if (kept) kept.push(chunk);
          done(null, held && kept ? undefined : chunk);
        },
        flush(done) {
          settled = true;
          let released = false;
          /** The app's answer ends: with these parts first (a held answer). */
          const release = (/** @type {Buffer[]} */ parts) => {
            if (released) return;
            released = true;
            if (!tap.destroyed) for (const part of parts) tap.push(part);
            done();
          };
          const work = conclude(upstreamAnswer, status, kept, answerHeaders, held, release)
            .catch((error) => logger?.(`ERROR the exchange could not be filed: ${error instanceof Error ? error.message : String(error)}`))
            .finally(() => release([]));
          pending.add(work);
          void work.finally(() => pending.delete(work));
        },
      });
      // An error ends the exchange: the close listener above says whose it was.
      pipeline(upstreamAnswer, tap, response, () => {});
    });

    /**
     * The upstream failed (refused, reset, timed out): counted, and told to the app, in the vendor's
     * envelope when no answer has begun.
     * @param {string} code
     */
    function upstreamFailed(code) {
      if (settled) return;
      settled = true;
      report.upstreamFailed();
      logger?.(`${shown} - upstream ${code} ${elapsed()}`);
      if (response.headersSent || answer) {
        response.destroy();
        return;
      }
      const status = code === 'ETIMEDOUT' ? 504 : 502;
      const payload = JSON.stringify({ data: null, error_code: status, error_message: `The proxy could not get an answer from the upstream (${code}).`, error_descriptions: null });
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(payload)) });
      response.end(payload);
    }

    /** The app closed its connection (or the proxy is stopping) before the answer ended: the upstream request is aborted. */
    function appLeft() {
      if (settled) return;
      settled = true;
      outgoing.destroy();
      answer?.destroy();
      skipped(answer?.statusCode ?? null, 'the app closed the connection before the answer ended');
    }

    /**
     * Files the exchange as not checked, and logs why (never a value).
     * @param {number | null} status
     * @param {string} reason
     */
    function skipped(status, reason) {
      report.notChecked(exchangeId, { operation: checker.operationOf(request.method ?? 'GET', target), status, reason });
      logger?.(`${shown} ${status ?? '-'} not checked: ${reason} ${elapsed()}`);
    }

    /**
     * The answer has come whole: checks the exchange, ends the app's answer (`release`; a held one
     * goes out then, with the violations header), then files the exchange and records it.
     * @param {IncomingMessage} upstreamAnswer
     * @param {number} status
     * @param {Buffer[] | null} kept
     * @param {string[]} answerHeaders
     * @param {boolean} held
     * @param {(parts: Buffer[]) => void} release
     */
    async function conclude(upstreamAnswer, status, kept, answerHeaders, held, release) {
      const judged = await judge(upstreamAnswer, status, kept);
      if (held && kept) {
        if ('checked' in judged && judged.checked.violations.length > 0) answerHeaders.push(VIOLATIONS_HEADER, violationsHeaderValue(judged.checked));
        if (!response.destroyed) response.writeHead(status, upstreamAnswer.statusMessage, answerHeaders);
        release(kept);
      } else release([]);
      if ('reason' in judged) {
        skipped(status, judged.reason);
        return;
      }
      const { exchange, checked } = judged;
      report.add(exchangeId, checked, { status });
      logger?.(
        `${shown} ${status} ${checked.operation?.id ?? '(no operation)'} ${checked.violations.length === 0 ? 'conforms' : `${checked.violations.length} violation${checked.violations.length === 1 ? '' : 's'}`} ${elapsed()}`,
      );
      if (recorder) {
        const written = await recorder.record(sequence, exchange, checked);
        report.recorded('file' in written);
        if ('refused' in written) logger?.(`RECORDING ${exchangeId} not written: ${written.refused}`);
      }
    }

    /**
     * The exchange checked, or why it was not: a body over maxBodyBytes (a compressed answer counts
     * unpacked), or a check that failed.
     * @param {IncomingMessage} upstreamAnswer
     * @param {number} status
     * @param {Buffer[] | null} kept
     * @returns {Promise<{ exchange: Exchange & { responseHeaders: [string, string][] }, checked: CheckedExchange } | { reason: string }>}
     */
    async function judge(upstreamAnswer, status, kept) {
      if (requestChunks === null) return { reason: `the request is larger than ${maxBodyBytes} bytes` };
      if (kept === null) return { reason: `the answer is larger than ${maxBodyBytes} bytes` };
      const responseBody = await decoded(Buffer.concat(kept), headerOf(upstreamAnswer.rawHeaders, 'content-encoding'), maxBodyBytes);
      if (responseBody === null) return { reason: `the answer is larger than ${maxBodyBytes} bytes unpacked` };
      const exchange = {
        method: request.method ?? 'GET',
        target,
        requestHeaders: headerReader(request.rawHeaders),
        requestBody: Buffer.concat(requestChunks),
        status,
        responseContentType: headerOf(upstreamAnswer.rawHeaders, 'content-type'),
        responseBody,
        responseHeaders: pairs(withoutHopByHop(upstreamAnswer.rawHeaders)),
      };
      try {
        return { exchange, checked: await checker.check(exchange) };
      } catch (error) {
        logger?.(`ERROR the exchange could not be checked: ${error instanceof Error ? error.message : String(error)}`);
        return { reason: 'the check failed' };
      }
    }
  }

  /**
   * The proxy's own endpoints: the report (JSON, or Markdown with .md) and the verdict CI gates on
   * (200 when every exchange conformed, 422 when one did not).
   * @param {IncomingMessage} request
   * @param {ServerResponse} response
   * @param {string} pathname
   */
  async function serveOwn(request, response, pathname) {
    request.resume();
    // Exchanges already answered are checked before the report or the verdict is read.
    await Promise.all(pending);
    const json = (/** @type {number} */ status, /** @type {unknown} */ body) => {
      const payload = JSON.stringify(body, null, 2);
      response
        .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(payload)), 'cache-control': 'no-store' })
        .end(payload);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { title: 'Only GET', status: 405 });
    if (pathname === `${PROXY_PREFIX}/report`) return json(200, report.snapshot());
    if (pathname === `${PROXY_PREFIX}/report.md`) {
      const text = toMarkdown(report.snapshot());
      return response.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' }).end(text);
    }
    if (pathname === `${PROXY_PREFIX}/verdict`) {
      const verdict = report.verdict();
      return json(verdict.conforms ? 200 : 422, verdict);
    }
    return json(404, { title: 'No such proxy endpoint', status: 404, detail: `${PROXY_PREFIX}/report, ${PROXY_PREFIX}/report.md and ${PROXY_PREFIX}/verdict are.` });
  }

  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  server.on('error', (error) => logger?.(`ERROR ${error.message}`));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shownHost = host.includes(':') ? (host === '::' ? '127.0.0.1' : `[${host}]`) : host === '0.0.0.0' ? '127.0.0.1' : host;
  await report.flush();
  /** @type {Promise<void> | undefined} */
  let stopping;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    port,
    report: () => report.snapshot(),
    verdict: () => report.verdict(),
    stop() {
      stopping ??= (async () => {
        const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
        server.closeIdleConnections();
        if (inFlight > 0) await Promise.race([new Promise((resolve) => (drained = () => resolve(undefined))), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        server.closeAllConnections();
        await closed;
        await Promise.all(pending);
        agent.destroy();
        await report.close();
      })();
      return stopping;
    },
  };
}

/**
 * @param {string} text
 * @returns {URL}
 */
function parseUpstream(text) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`the upstream must be an http(s) URL, got ${JSON.stringify(String(text).slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`the upstream must be an http(s) URL, got ${url.protocol}`);
  if (url.username || url.password) throw new TypeError('the upstream URL must not carry credentials: the app sends them, the proxy forwards them');
  url.search = '';
  url.hash = '';
  return url;
}

/**
 * The proxy's own refusal (a Host it does not answer, a loop), in the vendor's envelope; the request's
 * body is read and dropped, nothing is forwarded.
 * @param {IncomingMessage} request
 * @param {ServerResponse} response
 * @param {number} status
 * @param {string} message
 */
function refuse(request, response, status, message) {
  request.resume();
  const payload = JSON.stringify({ data: null, error_code: status, error_message: message, error_descriptions: null });
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(payload)), 'cache-control': 'no-store' });
  response.end(payload);
}

/**
 * Whether the upstream is, literally, the address the proxy listens on: the same port, and the same
 * host name (localhost and 127.0.0.1 counted as one; any loopback name when the proxy listens on
 * every interface). Port 0 (a free port, not known yet) is never the upstream's.
 * @param {URL} upstream
 * @param {string} host the interface the proxy listens on
 * @param {number} port
 */
function isSelf(upstream, host, port) {
  const upstreamPort = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
  if (port === 0 || upstreamPort !== port) return false;
  const loopback = (/** @type {string} */ name) => name === 'localhost' || name === '127.0.0.1' || name === '[::1]' || name === '::1';
  const name = upstream.hostname.toLowerCase();
  const own = host.toLowerCase();
  if (own === '0.0.0.0' || own === '::' || own === '[::]') return loopback(name) || name === own || `[${own}]` === name;
  if (name === own || `[${own}]` === name) return true;
  return (name === 'localhost' && own === '127.0.0.1') || (name === '127.0.0.1' && own === 'localhost');
}

/**
 * Whether the request's Via header (every one of them, each a comma-separated list) names `name` as
 * the receiver of a hop: the request was forwarded by this proxy before.
 * @param {string[]} raw
 * @param {string} name
 */
function cameThrough(raw, name) {
  for (let index = 0; index < raw.length; index += 2) {
    if (raw[index]?.toLowerCase() !== 'via') continue;
    for (const hop of String(raw[index + 1]).split(',')) if (hop.trim().split(/\s+/)[1] === name) return true;
  }
  return false;
}

/**
 * The request's headers as sent (raw pairs: spelling and order kept), without the hop-by-hop ones,
 * Host (where the client put it) naming the upstream, and this proxy's hop added to Via (RFC 9110
 * 7.6.3): to the last Via the request had, or as a Via of its own at the end.
 * @param {string[]} raw
 * @param {string} host
 * @param {string} via this hop: `1.1 vlens-mock-proxy-...`
 */
function forwardedHeaders(raw, host, via) {
  const forwarded = withoutHopByHop(raw);
  let named = false;
  let lastVia = -1;
  for (let index = 0; index < forwarded.length; index += 2) {
    const name = forwarded[index]?.toLowerCase();
    if (name === 'via') lastVia = index;
    if (name !== 'host') continue;
    if (named) forwarded.splice(index, 2), (index -= 2);
    else forwarded[index + 1] = host;
    named = true;
  }
  if (!named) forwarded.push('Host', host);
  if (lastVia === -1) forwarded.push('Via', via);
  else forwarded[lastVia + 1] = String(forwarded[lastVia + 1]).trim() === '' ? via : `${forwarded[lastVia + 1]}, ${via}`;
  return forwarded;
}

/**
 * @param {string[]} raw name, value, name, value...
 * @returns {string[]}
 */
function withoutHopByHop(raw) {
  const named = new Set(HOP_BY_HOP);
  for (let index = 0; index < raw.length; index += 2) {
    if (raw[index]?.toLowerCase() === 'connection') for (const token of String(raw[index + 1]).split(',')) named.add(token.trim().toLowerCase());
  }
  /** @type {string[]} */
  const kept = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = /** @type {string} */ (raw[index]);
    if (!named.has(name.toLowerCase())) kept.push(name, /** @type {string} */ (raw[index + 1]));
  }
  return kept;
}

/** @param {string[]} raw */
function pairs(raw) {
  /** @type {[string, string][]} */
  const list = [];
  for (let index = 0; index < raw.length; index += 2) list.push([/** @type {string} */ (raw[index]), /** @type {string} */ (raw[index + 1])]);
  return list;
}

/**
 * @param {string[]} raw
 * @param {string} name lower case
 */
function headerOf(raw, name) {
  for (let index = 0; index < raw.length; index += 2) if (raw[index]?.toLowerCase() === name) return /** @type {string} */ (raw[index + 1]);
  return null;
}

/**
 * Raw headers as the engine's checks read them: `get` in any letter case (values of a repeated
 * header joined), and the pairs as sent.
 * @param {string[]} raw
 */
function headerReader(raw) {
  const list = pairs(raw);
  return {
    /** @param {string} name */
    get(name) {
      const values = list.filter(([candidate]) => candidate.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
      return values.length === 0 ? null : values.join(', ');
    },
    [Symbol.iterator]: () => list[Symbol.iterator](),
  };
}

const unpackers = { gzip: promisify(gunzip), deflate: promisify(inflate), br: promisify(brotliDecompress) };

/**
 * The answer's body as the app's client reads it: gzip, deflate and br undone (the bytes forwarded
 * stay as they came), unpacked to `limit` bytes at most: null past them (the answer is not checked,
 * and a few kilobytes that unpack to gigabytes cost the proxy no more than `limit`). Bytes that do
 * not unpack give an empty body.
 * @param {Buffer} raw
 * @param {string | null} encoding
 * @param {number} limit
 * @returns {Promise<Buffer | null>}
 */
async function decoded(raw, encoding, limit) {
  const name = encoding?.trim().toLowerCase();
  const unpack = name === 'gzip' || name === 'x-gzip' ? unpackers.gzip : name === 'deflate' ? unpackers.deflate : name === 'br' ? unpackers.br : null;
  if (!unpack) return raw;
  try {
    return await unpack(raw, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'ERR_BUFFER_TOO_LARGE' ? null : Buffer.alloc(0);
  }
}

/**
 * `3; response /data/idFrontData/IdNumber renamed-member, ...`: the count, then where and which rule
 * (never a value), cut to MAX_HEADER_VIOLATIONS characters.
 * @param {CheckedExchange} checked
 */
function violationsHeaderValue(checked) {
  const text = `${checked.violations.length}; ${checked.violations.map((found) => `${found.in} ${found.pointer || '/'} ${found.rule}`).join(', ')}`;
  return (text.length > MAX_HEADER_VIOLATIONS ? `${text.slice(0, MAX_HEADER_VIOLATIONS - 1)}…` : text).replace(/[^\x20-\x7e]/g, '?');
}
