// Every request goes through here: the client's own calls (`send`, a URL and a JSON text, one
// Request built by fetch itself) and the openapi-fetch client's (`fetch`, a Request). It adds the
// headers every operation takes (ApiKey, TenancyName, Accept-Language, X-Request-Id) and the bearer
// token the operation's security asks for, enforces the timeout over the whole exchange (answer
// body included), refreshes the token once on 401, and turns every way an exchange can break into
// a VlensTransportError.
import { operationTable } from "../generated/operations.js";
import { errorCodeOf } from "./envelope.js";
import { VlensInputError, VlensTransportError, type TransportFailure } from "./errors.js";
import type { OperationId } from "./types.js";

export type TokenKind = "user" | "admin";

export interface TokenContext {
  /** The operation about to be sent. */
  operation: OperationId | undefined;
  /** Which token its security asks for. */
  token: TokenKind;
}

/** A bearer token, or a function (sync or async) called for every request that needs one. */
export type AccessToken = string | ((context: TokenContext) => string | null | undefined | Promise<string | null | undefined>);

/** Called once when a request is refused with 401; returns the token to retry with. */
export type RefreshAccessToken = (context: TokenContext) => string | Promise<string>;

/** A fetch implementation, called like `globalThis.fetch`: with a URL and an init, or with a Request. */
export type FetchFunction = (input: string | Request, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  tenancyName: string | undefined;
  language: string | undefined;
  accessToken: AccessToken | undefined;
  refreshAccessToken: RefreshAccessToken | undefined;
  fetch: FetchFunction;
  timeoutMs: number;
  newRequestId: () => string;
  log: ((line: string) => void) | undefined;
  /** Records a secret the transport sent, so errors can scrub it. */
  remember: (secret: string) => void;
}

interface Route {
  operation: OperationId;
  token: TokenKind | "none";
}

const routeByOperation = new Map<OperationId, Route>(
  Object.entries(operationTable).map(([operation, { token }]) => [operation as OperationId, { operation: operation as OperationId, token }]),
);
const routes = new Map<string, Route>(
  Object.entries(operationTable).map(([operation, { method, path, token }]) => [`${method} ${path}`, { operation: operation as OperationId, token }]),
);

const timedOut = { reason: "timeout" };
const abortedByCaller = { reason: "aborted" };
const nullBodyStatus = new Set([101, 204, 205, 304]);
const looksCutOff = /end of (json|data)|unterminated|eof/i;

/** A complete answer: its body read to the end, and parsed when it is JSON. */
export interface Exchange {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is empty, or not JSON (only possible with an error status). */
  json: unknown;
}

export interface SendInit {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface Transport {
  /** For openapi-fetch: takes its Request, answers a Response whose body is already checked. */
  fetch(request: Request): Promise<Response>;
  /** For the client's calls: the operation, its URL and init (headers must hold X-Request-Id). */
  send(operation: OperationId, url: string, init: SendInit): Promise<Exchange>;
}

export function createTransport(options: TransportOptions): Transport {
  const { apiKey, tenancyName, language, refreshAccessToken, timeoutMs, log } = options;
  let { accessToken } = options;
  const basePath = new URL(options.baseUrl, "http://localhost").pathname.replace(/\/+$/, "");
  const refreshing = new Map<TokenKind, Promise<string>>();
  options.remember(apiKey);

  function routeOf(request: Request): Route | undefined {
    const path = new URL(request.url).pathname;
    return routes.get(`${request.method} ${path.startsWith(basePath) ? path.slice(basePath.length) : path}`);
  }

  /** Adds the headers every request carries, except those the caller already set (in any case). */
  function addCommonHeaders(has: (name: string) => boolean, set: (name: string, value: string) => void): void {
    set("ApiKey", apiKey);
    if (tenancyName && !has("tenancyname")) set("TenancyName", tenancyName);
    if (language && !has("accept-language")) set("Accept-Language", language);
    if (!has("accept")) set("Accept", "application/json");
  }

  function remembered(value: string | null | undefined): string | undefined {
    if (value) options.remember(value);
    return value || undefined;
  }

  /** The token for a request: a string as is (no extra tick), a function's answer awaited. */
  function tokenFor(token: TokenKind, operation: OperationId | undefined): string | undefined | Promise<string | undefined> {
    if (typeof accessToken !== "function") return remembered(accessToken);
    const value = accessToken({ operation, token });
    return typeof value === "string" || value == null ? remembered(value) : Promise.resolve(value).then(remembered);
  }

  function refreshed(token: TokenKind, operation: OperationId | undefined): Promise<string> {
    let pending = refreshing.get(token);
    if (!pending) {
      // One refresh at a time per kind of token: concurrent 401s wait for the same new token.
      pending = Promise.resolve()
        .then(() => refreshAccessToken!({ operation, token }))
        .then((value) => {
          if (!value) throw new VlensInputError("missing-token", "refreshAccessToken", "the refresh hook returned no token");
          options.remember(value);
          if (typeof accessToken !== "function") accessToken = value;
          return value;
        })
        .finally(() => refreshing.delete(token));
      refreshing.set(token, pending);
    }
    return pending;
  }

  type Attempt = (token: string | undefined, retry: boolean) => Promise<Exchange & { unauthorized: boolean }>;

  /**
   * Sends with the operation's token; on 401, refreshes once and sends again. Not an async
   * function: with a string token and no refresh hook the exchange's own promise is returned.
   */
  function authorized(route: Route | undefined, requestId: string, attempt: Attempt): Promise<Exchange & { unauthorized: boolean }> {
    if (!route || route.token === "none") return attempt(undefined, false);
    const { operation, token: kind } = route;
    const token = tokenFor(kind, operation);
    return typeof token === "object" ? token.then((value) => withToken(operation, kind, requestId, attempt, value)) : withToken(operation, kind, requestId, attempt, token);
  }

  function withToken(operation: OperationId, kind: TokenKind, requestId: string, attempt: Attempt, token: string | undefined) {
    if (!token) {
      if (!refreshAccessToken) {
        return Promise.reject(new VlensInputError("missing-token", "accessToken", `${operation} needs a ${kind} bearer token: pass accessToken (or refreshAccessToken)`));
      }
      // A token fetched just now is not refreshed again on 401.
      return refreshed(kind, operation).then((fresh) => attempt(fresh, false));
    }
    const first = attempt(token, false);
    if (!refreshAccessToken) return first;
    return first.then((answer) => {
      if (!answer.unauthorized) return answer;
      log?.(`${operation}: 401, refreshing the ${kind} token once [request ${requestId}]`);
      return refreshed(kind, operation).then((fresh) => attempt(fresh, true));
    });
  }

  /**
   * One exchange under the timeout. One promise settles it: the answer, or the first of timeout,
   * caller's abort, and failure; either interruption also aborts the request, and the promise
   * settles even when a custom fetch ignores the signal. No listener on our own signal and no
   * Promise.race: they showed up as allocation (and GC) per request in the benchmark.
   */
  function exchange(operation: OperationId | undefined, requestId: string, start: (signal: AbortSignal) => Promise<Response>, callerSignal: AbortSignal | null | undefined) {
    const started = log ? Date.now() : 0;
    const controller = new AbortController();
    const fail = (error: unknown, otherwise: TransportFailure, status?: number) => {
      const reason = controller.signal.reason;
      const kind = reason === timedOut ? "timeout" : reason === abortedByCaller ? "aborted" : otherwise;
      const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      const detail = kind === "timeout" ? `${timeoutMs} ms` : typeof cause === "string" ? cause : undefined;
      log?.(`${operation} failed: ${kind} [request ${requestId}]`);
      return new VlensTransportError(kind, { operation, requestId, status, detail }, error === undefined ? undefined : { cause: error });
    };
    if (callerSignal?.aborted) return Promise.reject(fail(undefined, "aborted"));

    return new Promise<Exchange & { unauthorized: boolean }>((resolve, reject) => {
      let settled = false;
      let status: number | undefined;
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        callerSignal?.removeEventListener("abort", stop);
      };
      const failed = (error: unknown, otherwise: TransportFailure) => {
        if (settled) return;
        settle();
        reject(fail(error, otherwise, status));
      };
      const interrupt = (reason: object) => {
        controller.abort(reason);
        failed(reason, "network");
      };
      const stop = () => interrupt(abortedByCaller);
      const timer = setTimeout(interrupt, timeoutMs, timedOut);
      callerSignal?.addEventListener("abort", stop);

      const finish = (response: Response, text: string) => {
        if (settled) return;
        const { ok } = response;
        let json: unknown;
        if (text) {
          try {
            json = JSON.parse(text);
          } catch (error) {
            // The SyntaxError quotes the body: it is not kept as the cause.
            if (ok) return failed(undefined, looksCutOff.test(String((error as Error).message)) ? "truncated" : "non-json");
          }
        }
        settle();
        log?.(`${operation} -> ${status} in ${Date.now() - started} ms [request ${requestId}]`);
        const errorCode = ok ? errorCodeOf((json as { error_code?: unknown } | null)?.error_code) : null;
        resolve({ status: status!, statusText: response.statusText, headers: response.headers, text, json, unauthorized: status === 401 || errorCode === 401 });
      };
      const read = (response: Response) => {
        if (settled) return;
        status = response.status;
        let body: Promise<string>;
        try {
          body = Promise.resolve(response.text());
        } catch (error) {
          return failed(error, "truncated");
        }
        return body.then((text) => finish(response, text), (error: unknown) => failed(error, "truncated"));
      };
      // Anything else that throws (a custom fetch answering something that is not a Response) is passed on as is.
      const unexpected = (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      };
      let answer: Promise<Response>;
      try {
        answer = Promise.resolve(start(controller.signal));
      } catch (error) {
        return failed(error, "network");
      }
      answer.then(read, (error: unknown) => failed(error, "network")).catch(unexpected);
    });
  }

  return {
    async fetch(request) {
      const route = routeOf(request);
      const headers = request.headers;
      const requestId = headers.get("X-Request-Id") || options.newRequestId();
      headers.set("X-Request-Id", requestId);
      addCommonHeaders(
        (name) => headers.has(name),
        (name, value) => headers.set(name, value),
      );
      // Only a request that may be sent twice needs a copy of its body.
      const spare = refreshAccessToken && route && route.token !== "none" ? request.clone() : undefined;
      const answer = await authorized(route, requestId, (token, retry) => {
        const attempt = retry ? spare! : request;
        if (token) attempt.headers.set("Authorization", `Bearer ${token}`);
        return exchange(route?.operation, requestId, (signal) => options.fetch(attempt, { signal }), attempt.signal);
      });
      const { status, statusText } = answer;
      return new Response(nullBodyStatus.has(status) ? null : answer.text, { status, statusText, headers: answer.headers });
    },

    send(operation, url, init) {
      const { method, headers, body } = init;
      let names: string[] | undefined;
      addCommonHeaders(
        (wanted) => (names ??= Object.keys(headers).map((name) => name.toLowerCase())).includes(wanted),
        (name, value) => (headers[name] = value),
      );
      const requestId = headers["X-Request-Id"]!;
      return authorized(routeByOperation.get(operation), requestId, (token) => {
        const sent = token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
        // The init is built here, one shape for every call (a spread of varying inits was slower).
        return exchange(operation, requestId, (signal) => options.fetch(url, { method, headers: sent, body, signal }), init.signal);
      });
    },
  };
}
