// The Node adapter: an HTTP (or HTTPS) server over the sandbox engine. It reads a socket into what the
// engine reads (IncomingRequest, without building a web Request: the cost of one would be most of a
// small call's), writes the engine's answer, and does what only a real socket can: strike faults
// (reset a connection, leave it hanging, cut a body short), cut off clients that are too slow or send
// too much, keep room for new clients, and stop gracefully. Every answer it can give, even to a
// request Node cannot parse, is the vendor's envelope with CORS headers.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSandbox, toWire } from '../engine/sandbox.js';
import { wait } from '../engine/faults.js';
import { refusal } from '../answers/refusals.js';
import { loadDescription } from './description-file.js';
import { createPrismGenerator } from './generation.js';
import { PrismMissingError, loadPrism } from './prism.js';
import { readRecordings, withRecordings } from '../proxy/recordings.js';

/** @import { IncomingMessage, ServerResponse } from 'node:http' */
/** @import { Socket } from 'node:net' */
/** @import { BodyRead } from '../types.js' */
/** @import { IncomingRequest, Sandbox, Served } from '../types.js' */
/** @import { Answer, SandboxOptions } from '../types.js' */
/** @import { DescriptionChoice } from './description-file.js' */
/** @import { PrismModules } from './prism.js' */

// A refused oversized body is still read (and thrown away) so the client sees the 413 instead of a
// reset connection, but only up to this many times the ceiling; past it the connection is cut.
const DRAIN_LIMIT_FACTOR = 4;
// Kestrel's default, as the real (ASP.NET) service keeps idle connections. Node's 5 s let a client that
// reuses a connection after 4-5 s idle (fetch keeps them 4 s) meet it closing: "other side closed".
const KEEP_ALIVE_TIMEOUT_MS = 130_000;

/**
 * @typedef {object} ServerOptions
 * @property {number} [port] TCP port, 0 to 65535; 0 (the default) picks a free one
 * @property {string} [host] interface; default 127.0.0.1 (`0.0.0.0` or `::` for every interface)
 * @property {boolean | ((line: string) => void)} [log] access log, one line per request: method, path without the query, status, scenario, ms; never a key, a token or a body
 * @property {number} [headersTimeoutSeconds] seconds a client has to send a request's headers; then 408. Default 10
 * @property {number} [requestTimeoutSeconds] seconds a client has to send a whole request, body included; then 408. Default 120
 * @property {number} [maxConnections] connections held at once; past it the longest-idle one is closed to make room. Default 2048
 * @property {number} [shutdownGraceSeconds] seconds requests in flight may take to finish when the server stops. Default 5
 * @property {{ cert: string | Buffer, key: string | Buffer }} [tls] serve HTTPS with this certificate and key (PEM)
 * @property {() => PrismModules} [prism] Prism's modules, for a bundle that imports them itself (default: found next to this package)
 * @property {string} [recordings] folder of the proxy's recordings (`vlens-mock proxy --record`): each answer the description allows becomes a scenario of its operation, named after its file
 */

/**
 * What startMock and the CLI take: the sandbox's options (but `description`, which is a path here),
 * the description to serve, and the server's own.
 * @typedef {Omit<SandboxOptions, 'description'> & DescriptionChoice & ServerOptions} ListenOptions
 */

const DEFAULTS = { headersTimeoutSeconds: 10, requestTimeoutSeconds: 120, maxConnections: 2048, shutdownGraceSeconds: 5 };

/**
 * @param {ListenOptions} options
 */
function checkServerOptions(options) {
  /** @type {Record<string, [number, number]>} */
  const ranges = { headersTimeoutSeconds: [1, 3600], requestTimeoutSeconds: [1, 86_400], maxConnections: [16, 1_000_000], shutdownGraceSeconds: [0, 3600], port: [0, 65535] };
  const values = { ...DEFAULTS };
  for (const [name, [min, max]] of Object.entries(ranges)) {
    const value = /** @type {Record<string, unknown>} */ (options)[name];
    if (value === undefined) continue;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (name !== 'headersTimeoutSeconds' && name !== 'requestTimeoutSeconds' && name !== 'shutdownGraceSeconds' && !Number.isInteger(value))
    ) {
      throw new TypeError(`${name} must be a number from ${min} to ${max}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    }
    if (value < min || value > max) throw new RangeError(`${name} must be from ${min} to ${max}, got ${value}`);
    if (name in values) /** @type {Record<string, number>} */ (values)[name] = value;
  }
  if (options.headersTimeoutSeconds !== undefined && options.requestTimeoutSeconds === undefined)
    values.requestTimeoutSeconds = Math.max(values.requestTimeoutSeconds, values.headersTimeoutSeconds);
  if (values.requestTimeoutSeconds < values.headersTimeoutSeconds)
    throw new RangeError(`requestTimeoutSeconds (${values.requestTimeoutSeconds}) must be at least headersTimeoutSeconds (${values.headersTimeoutSeconds})`);
  return values;
}

/** @param {boolean | ((line: string) => void) | undefined} log @returns {((line: string) => void) | null} */
function toLogger(log) {
  if (typeof log === 'function') return log;
  if (log) return (line) => process.stdout.write(`${line}\n`);
  return null;
}

/**
 * The engine for these options: the description (shipped or given), and Prism as the generator of
 * the answers no named example gives.
 * @param {ListenOptions} options
 * @returns {Sandbox}
 */
export function createNodeSandbox(options) {
  /** @type {DescriptionChoice} */
  const choice = {};
  if (options.description !== undefined) choice.description = options.description;
  if (options.descriptionText !== undefined) choice.descriptionText = options.descriptionText;
  if (options.checkExamples !== undefined) choice.checkExamples = options.checkExamples;
  const { source: described, document, responseValidator } = loadDescription(choice);
  const source = options.recordings === undefined ? described : recordedSource(described, options.recordings, responseValidator);
  const prism = options.prism ?? (() => loadPrism());
  const generate = createPrismGenerator({ prism, document, model: source.model, responseValidator });
  const { description: _path, descriptionText: _text, checkExamples: _check, ...rest } = options;
  /** @type {SandboxOptions} */
  const engineOptions = {
    ...rest,
    description: source,
    warn:
      options.warn ??
      // A process warning (stderr, and process.on('warning') for a program): once, not also in the log.
      ((message) => process.emitWarning(message, { code: 'VLENS_MOCK_EXAMPLE_DRIFT' })),
    async generator(operation, request) {
      try {
        return await generate(operation, request);
      } catch (error) {
        if (!(error instanceof PrismMissingError)) throw error;
        return {
          status: 501,
          scenario: 'not-generated',
          body: { ...source.model.refusalModels.internalError, error_code: 501, error_message: error.message.replace(/\s+/g, ' ').trim(), error_descriptions: null },
        };
      }
    },
  };
  return createSandbox(engineOptions);
}

/**
 * The description with the recordings of `dir` as extra scenarios; each recording it cannot serve is
 * named in a warning.
 * @param {import('../types.js').DescriptionSource} source
 * @param {string} dir
 * @param {() => import('./response-validation.js').ResponseValidator} responseValidator
 */
function recordedSource(source, dir, responseValidator) {
  const { recordings, skipped } = readRecordings(dir, { model: source.model, check: (operation, status, body) => responseValidator().violations(operation, status, body) });
  for (const { file, reason } of skipped) {
    process.emitWarning(`recording ${file} is not served: ${reason}`, { code: 'VLENS_MOCK_RECORDING_SKIPPED' });
  }
  return withRecordings(source, recordings);
}

// The engine asks for a few header names, spelled as the description spells them: each is lower-cased once.
/** @type {Map<string, string>} */
const lowerCaseNames = new Map();

/**
 * Node's request headers as the engine reads them: `get` in any letter case, and the pairs. A class:
 * one object per request, its methods shared.
 */
class NodeHeaders {
  /** @param {IncomingMessage['headers']} headers */
  constructor(headers) {
    this.headers = headers;
  }

  /** @param {string} name */
  get(name) {
    let lower = lowerCaseNames.get(name);
    if (lower === undefined) {
      lower = name.toLowerCase();
      if (lowerCaseNames.size < 256 && name.length <= 64) lowerCaseNames.set(name, lower);
    }
    const value = this.headers[lower];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  *[Symbol.iterator]() {
    const { headers } = this;
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) yield/** @type {[string, string]} */ ([name, Array.isArray(value) ? value.join(', ') : value]);
    }
  }
}

/**
 * Reads a request's body, at most `limit` bytes; past it the rest is read and dropped (so the client
 * sees the 413) up to DRAIN_LIMIT_FACTOR times the limit, then the connection is cut.
 */
class NodeBody {
  /** @param {IncomingMessage} request */
  constructor(request) {
    this.request = request;
  }

  /** @param {number} limit @returns {Promise<BodyRead>} */
  read(limit) {
    const taken = this.take(limit);
    if (taken) return Promise.resolve(taken);
    // Read while the parser is still at the headers (a request's first await is its body): a body
    // that came with them is in the buffer once the parser has read past them, a microtask later.
    return Promise.resolve().then(() => this.take(limit) ?? this.listen(limit));
  }

  /**
   * The body when every byte its Content-Length declares waits in the stream's buffer (a small
   * request's body comes with its headers): the bytes 'data' would give, taken at once; the stream
   * then flows to its end as before. Null when they are not all there yet.
   * @param {number} limit
   * @returns {BodyRead | null}
   */
  take(limit) {
    const { request } = this;
    const declared = request.headers['content-length'];
    if (declared === undefined || request.destroyed || request.readableFlowing !== null || request.listenerCount('data') > 0) return null;
    const expected = Number(declared);
    if (!(expected <= limit) || request.readableLength !== expected) return null;
    const bytes = /** @type {Buffer | null} */ (request.read());
    request.resume();
    return { bytes: bytes ?? Buffer.alloc(0) };
  }

  /**
   * The body as it arrives. It is complete once every byte its Content-Length declares has arrived:
   * answered then, without waiting for 'end', which Node's parser gives a turn of the event loop later.
   * @param {number} limit
   * @returns {Promise<BodyRead>}
   */
  listen(limit) {
    const { request } = this;
    const declared = request.headers['content-length'];
    const expected = declared === undefined ? -1 : Number(declared);
    return new Promise((resolve) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let received = 0;
      let tooLarge = false;
      let whole = false;
      const bytes = () => ({ bytes: chunks.length === 1 ? /** @type {Buffer} */ (chunks[0]) : Buffer.concat(chunks, received) });
      request.on('data', (/** @type {Buffer} */ chunk) => {
        received += chunk.length;
        if (received > limit) tooLarge = true;
        if (!tooLarge) {
          chunks.push(chunk);
          if (received === expected) {
            whole = true;
            resolve(bytes());
          }
        } else if (received > limit * DRAIN_LIMIT_FACTOR) {
          request.removeAllListeners('data');
          request.pause();
          resolve({ tooLarge: true, received, cut: true });
        }
      });
      request.on('end', () => {
        if (!whole) resolve(tooLarge ? { tooLarge: true, received } : bytes());
      });
      request.on('close', () => {
        if (!request.complete) resolve({ aborted: true });
      });
      request.on('error', () => resolve({ aborted: true }));
    });
  }
}

/**
 * What the engine reads of a Node request. The sandbox's origin (a control API request compares a
 * page's origin with it) is made only when it is read.
 * @implements {IncomingRequest}
 */
class NodeIncoming {
  /**
   * @param {IncomingMessage} request
   * @param {string} scheme
   * @param {string | undefined} authority the authority of an absolute-form target, which stands for the Host header
   */
  constructor(request, scheme, authority) {
    /** @type {((served: Served) => void) | undefined} */
    this.answered = undefined;
    this.method = request.method ?? 'GET';
    this.url = request.url ?? '/';
    this.headers = new NodeHeaders(request.headers);
    this.body = new NodeBody(request);
    this.host = authority ?? request.headers.host ?? '';
    this.scheme = scheme;
  }

  get origin() {
    return `${this.scheme}://${this.host}`;
  }
}

/**
 * The authority of an absolute-form request-target (`http://name:port/path`), which a server reads in
 * place of the Host header (RFC 9112 §3.2.2), parsed as the router parses the target: '' when the
 * target is an absolute URL without one (`file:///x`); undefined for any other target (a path, `*`, or
 * one the router does not read, which reaches no route).
 * @param {string} target
 */
function absoluteAuthority(target) {
  if (target.charCodeAt(0) === 47 || target === '*') return undefined;
  try {
    return new URL(target).host;
  } catch {
    return undefined;
  }
}

/**
 * Why a request's addressing is refused before the engine reads it (RFC 9112 §3.2: one Host header,
 * and one at all in HTTP/1.1; an absolute target names a host), or null when it is not.
 * @param {IncomingMessage} request
 * @param {string | undefined} authority the absolute-form target's, if any
 */
function misaddressed(request, authority) {
  const raw = request.rawHeaders;
  let hosts = 0;
  for (let index = 0; index < raw.length; index += 2) {
    const name = /** @type {string} */ (raw[index]);
    if (name.length === 4 && name.toLowerCase() === 'host') hosts += 1;
  }
  if (hosts > 1) return 'The request has more than one Host header; HTTP allows one.';
  if (hosts === 0 && (request.httpVersionMajor > 1 || request.httpVersionMinor >= 1)) return 'The request has no Host header; HTTP/1.1 requires one.';
  if (authority === '') return 'The request-target is an absolute URL without a host.';
  return null;
}

/** The envelope's bytes and headers for a refusal the adapter writes itself, with CORS headers. @param {number} status @param {string} message */
function envelopeOf(status, message) {
  const payload = JSON.stringify({ data: null, error_code: status, error_message: message, error_descriptions: null });
  return {
    payload,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
      'content-length': String(Buffer.byteLength(payload)),
      connection: 'close',
    },
  };
}

/**
 * An envelope written straight to a socket: for what Node refuses before there is a request object
 * (headers too large, broken HTTP, a timeout) and for CONNECT, then the connection closes.
 * @param {Socket} socket
 * @param {number} status
 * @param {string} reason
 * @param {string} message
 * @param {Record<string, string>} [extra] more headers
 */
function writeRawEnvelope(socket, status, reason, message, extra = {}) {
  const { payload, headers } = envelopeOf(status, message);
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [name, value] of Object.entries({ ...headers, ...extra })) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${payload}`);
}

/**
 * An envelope written through Node's response, then the connection closes; the request's body is read
 * and dropped.
 * @param {IncomingMessage} request
 * @param {ServerResponse} response
 * @param {number} status
 * @param {string} message
 */
function writeEnvelope(request, response, status, message) {
  const { payload, headers } = envelopeOf(status, message);
  response.writeHead(status, headers);
  response.end(payload);
  request.resume();
}

/** Node's parser errors, by code: the status and sentence each gets. @type {Record<string, [number, string, string]>} */
const CLIENT_ERRORS = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive in time.'],
  HPE_HEADERS_TIMEOUT: [408, 'Request Timeout', 'The request headers did not arrive in time.'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'Request Timeout', 'The request headers did not arrive in time.'],
};

/**
 * Creates the server over a sandbox and listens; port 0 (the default) picks a free port.
 * @param {ListenOptions} [options]
 */
export async function listen(options = {}) {
  const server = checkServerOptions(options);
  const logger = toLogger(options.log);
  const sandbox = createNodeSandbox(options);
  const scheme = options.tls ? 'https' : 'http';

  /** @type {Map<Socket, { since: number, busy: number }>} */
  const sockets = new Map();
  let inFlight = 0;
  /** @type {(() => void) | null} */
  let drained = null;

  /**
   * @param {IncomingMessage} request
   * @param {ServerResponse} response
   */
  async function onRequest(request, response) {
    const started = performance.now();
    const state = sockets.get(request.socket);
    if (state) state.busy += 1;
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (state) {
        state.busy -= 1;
        state.since = performance.now();
      }
      if (inFlight === 0) drained?.();
    });
    let pathname = '';
    let sent = false;
    try {
      const target = request.url ?? '/';
      const query = target.indexOf('?');
      pathname = query === -1 ? target : target.slice(0, query);
      const authority = absoluteAuthority(target);
      const refused = misaddressed(request, authority);
      if (refused !== null) {
        writeEnvelope(request, response, 400, refused);
        logger?.(`${String(request.method).slice(0, 16)} ${pathname.slice(0, 200)} 400 - ${(performance.now() - started).toFixed(1)}ms`);
        return;
      }
      /** @type {IncomingRequest} */
      const incoming = new NodeIncoming(request, scheme, authority);
      // An answer without a fault is written as soon as the engine has decided it (the write is
      // synchronous); the engine files the request in its journal after that.
      incoming.answered = (served) => {
        if (served.fault !== null || served.answer.status === 0) return;
        sent = true;
        send(request, response, served, started, pathname).catch((error) => answerCrash(request, response, error, pathname));
      };
      const served = await sandbox.serve(incoming);
      if (!sent) await send(request, response, served, started, pathname);
    } catch (error) {
      answerCrash(request, response, error, pathname);
    }
  }

  /**
   * Writes the engine's answer, through a fault when one struck.
   * @param {IncomingMessage} request
   * @param {ServerResponse} response
   * @param {Served} served
   * @param {number} started
   * @param {string} pathname
   */
  async function send(request, response, served, started, pathname) {
    const { answer, fault, signals } = served;
    const log = () =>
      logger?.(
        `${request.method} ${pathname.slice(0, 200)} ${answer.status || '-'} ${answer.scenario ?? '-'}${fault ? ` fault:${fault.fault}` : ''} ${(performance.now() - started).toFixed(1)}ms`,
      );
    if (answer.scenario === 'aborted') return;
    if (fault?.fault === 'reset') {
      log();
      request.socket.destroy();
      return;
    }
    if (fault?.fault === 'hang') {
      log();
      request.resume();
      await wait(Number.POSITIVE_INFINITY, [...signals, sandbox.closed]);
      request.socket.destroy();
      return;
    }
    if (!request.complete) drain(request, served.close);
    const { headers, payload } = toWire(answer);
    let bytes = 0;
    for (const part of payload) bytes += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
    if (payload.length > 0 || answer.status >= 200) headers['content-length'] = String(bytes);
    if (fault?.fault === 'delay' && !(await wait(fault.delayMs, signals))) {
      log();
      request.socket.destroy();
      return;
    }
    if (response.destroyed) return;
    response.writeHead(answer.status, headers);
    if (fault?.fault === 'truncated') {
      const whole = Buffer.concat(payload.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
      response.write(whole.subarray(0, Math.floor(whole.length / 2)), () => response.socket?.destroy());
      log();
      return;
    }
    // One write for headers and body where it can be: separate writes cost a writev and, on a small
    // answer, a second packet.
    if (payload.length <= 1) response.end(payload[0]);
    else {
      response.cork();
      for (const part of payload) response.write(part);
      response.end();
    }
    log();
  }

  /**
   * Reads and drops what is left of a request's body, so that a client still sending sees the answer
   * instead of a reset; a body refused as too large is dropped up to DRAIN_LIMIT_FACTOR times the
   * ceiling, then the connection is cut.
   * @param {IncomingMessage} request
   * @param {boolean} capped
   */
  function drain(request, capped) {
    if (capped) {
      let dropped = 0;
      request.on('data', (/** @type {Buffer} */ chunk) => {
        dropped += chunk.length;
        if (dropped > sandbox.limits.maxBodyBytes * DRAIN_LIMIT_FACTOR) request.socket.destroy();
      });
    }
    request.resume();
  }

  /**
   * @param {IncomingMessage} request
   * @param {ServerResponse} response
   * @param {unknown} error
   * @param {string} pathname
   */
  function answerCrash(request, response, error, pathname) {
    try {
      const message = `The mock failed on ${String(request.method).slice(0, 16)} ${pathname.slice(0, 200)}: ${error instanceof Error ? error.message : String(error)}`;
      logger?.(`ERROR ${message}`);
      if (!logger) process.emitWarning(message, { code: 'VLENS_MOCK_ERROR' });
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      const { headers, payload } = toWire({ ...refusal.crash(sandbox.model, message), headers: { 'access-control-allow-origin': '*' } });
      response.writeHead(500, { ...headers, 'content-length': String(Buffer.byteLength(/** @type {string} */ (payload[0]))) });
      response.end(payload[0]);
    } catch {
      // Nothing else can be done for this request; the mock goes on.
      response.destroy();
    }
  }

  /** @type {import('node:http').ServerOptions} */
  const httpOptions = {
    headersTimeout: server.headersTimeoutSeconds * 1000,
    requestTimeout: server.requestTimeoutSeconds * 1000,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Timeouts are looked at this often (Node's default, 30 s, would let them run late by as much).
    connectionsCheckingInterval: Math.min(1000, server.headersTimeoutSeconds * 500),
    // A request without Host is refused in the envelope (misaddressed), not with Node's bare 400.
    requireHostHeader: false,
  };
  const http = options.tls ? createHttpsServer({ ...httpOptions, cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(httpOptions, onRequest);

  http.on('connection', (/** @type {Socket} */ socket) => {
    // Past the cap, the connection idle (or stuck in its headers) for longest makes room: a crowd of
    // slow clients cannot lock new ones out.
    if (sockets.size >= server.maxConnections) {
      let oldest = null;
      let oldestSince = Number.POSITIVE_INFINITY;
      for (const [candidate, state] of sockets) {
        if (state.busy === 0 && state.since < oldestSince) [oldest, oldestSince] = [candidate, state.since];
      }
      oldest?.destroy();
    }
    sockets.set(socket, { since: performance.now(), busy: 0 });
    socket.once('close', () => sockets.delete(socket));
  });
  http.on('clientError', (/** @type {Error & { code?: string }} */ error, /** @type {Socket} */ socket) => {
    try {
      // A client that hung up mid-request (EOF inside the body, reset) is not refused: there is no one to answer.
      if (!socket.writable || error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE') return socket.destroy();
      const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'The request is not valid HTTP.'];
      writeRawEnvelope(socket, status, reason, message);
      logger?.(`- - ${status} - ${message}`);
    } catch {
      socket.destroy();
    }
  });
  // Expect: 100-continue is answered by Node; any other expectation gets the envelope, not Node's bare 417.
  http.on('checkExpectation', (/** @type {IncomingMessage} */ request, /** @type {ServerResponse} */ response) => {
    writeEnvelope(request, response, 417, 'The Expect header asks for something the server does not do; only 100-continue is understood.');
  });
  // CONNECT asks a proxy for a tunnel; Node hands over the socket (without a listener it is dropped, no
  // answer). 405, not 400: the request is well formed, its method is one no resource here takes.
  http.on('connect', (/** @type {IncomingMessage} */ request, /** @type {Socket} */ socket) => {
    // Node no longer watches this socket: an error on it must not end the process, a client that
    // keeps it open must not hold it for ever, and what it goes on sending is dropped.
    socket.on('error', () => socket.destroy());
    socket.setTimeout(server.headersTimeoutSeconds * 1000, () => socket.destroy());
    try {
      writeRawEnvelope(socket, 405, 'Method Not Allowed', 'CONNECT is not supported: the sandbox is not a proxy; send requests to it directly.', {
        allow: 'GET, POST, PUT, OPTIONS',
      });
      socket.resume();
      logger?.(`CONNECT ${String(request.url).slice(0, 200)} 405 -`);
    } catch {
      socket.destroy();
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve(undefined);
    });
  });
  // An error of the listening socket after start (EMFILE...) must not end the process.
  http.on('error', (error) => logger?.(`ERROR ${error.message}`));
  const { port } = /** @type {import('node:net').AddressInfo} */ (http.address());
  const shownHost = host.includes(':') ? (host === '::' ? '127.0.0.1' : `[${host}]`) : host === '0.0.0.0' ? '127.0.0.1' : host;
  /** @type {Promise<void> | undefined} */
  let stopping;
  return {
    url: `${scheme}://${shownHost}:${port}`,
    port,
    host,
    sandbox,
    server: http,
    /**
     * Stops: no new connection is accepted, idle ones close, hung answers end at once, requests in
     * flight (delayed answers among them) get `graceSeconds` (default shutdownGraceSeconds) to finish,
     * then every connection closes. Safe to call more than once.
     * @param {{ graceSeconds?: number }} [how]
     */
    stop({ graceSeconds = server.shutdownGraceSeconds } = {}) {
      stopping ??= new Promise((resolve, reject) => {
        http.close((error) => (error ? reject(error) : resolve()));
        http.closeIdleConnections();
        sandbox.close();
        const finished = inFlight === 0 ? Promise.resolve() : new Promise((done) => (drained = () => done(undefined)));
        const timer = setTimeout(() => drained?.(), graceSeconds * 1000);
        void finished.then(() => {
          clearTimeout(timer);
          http.closeAllConnections();
        });
      });
      return stopping;
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof listen>>} RunningServer */
