// The fetch function openapi-fetch calls for every request. It adds the headers every operation
// takes (ApiKey, TenancyName, Accept-Language, X-Request-Id) and the bearer token the operation's
// security asks for, enforces the timeout over the whole exchange, refreshes the token once on
// 401, and turns every way an exchange can break into a VlensTransportError.
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

export type FetchFunction = (input: Request, init?: RequestInit) => Promise<Response>;

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

const routes = new Map<string, Route>(
  Object.entries(operationTable).map(([operation, { method, path, token }]) => [`${method} ${path}`, { operation: operation as OperationId, token }]),
);

const timedOut = { reason: "timeout" };
const abortedByCaller = { reason: "aborted" };
const nullBodyStatus = new Set([101, 204, 205, 304]);
const looksCutOff = /end of (json|data)|unterminated|eof/i;

export function createTransport(options: TransportOptions): FetchFunction {
  const { apiKey, tenancyName, language, refreshAccessToken, timeoutMs, log } = options;
  let { accessToken } = options;
  const basePath = new URL(options.baseUrl, "http://localhost").pathname.replace(/\/+$/, "");
  const refreshing = new Map<TokenKind, Promise<string>>();
  options.remember(apiKey);

  function routeOf(request: Request): Route | undefined {
    const path = new URL(request.url).pathname;
    return routes.get(`${request.method} ${path.startsWith(basePath) ? path.slice(basePath.length) : path}`);
  }

  async function tokenFor(token: TokenKind, operation: OperationId | undefined): Promise<string | undefined> {
    const value = typeof accessToken === "function" ? await accessToken({ operation, token }) : accessToken;
    if (value) options.remember(value);
    return value || undefined;
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

  async function exchange(request: Request, operation: OperationId | undefined, requestId: string) {
    const started = Date.now();
    const controller = new AbortController();
    const { signal } = controller;
    const stop = () => controller.abort(abortedByCaller);
    // Rejects as soon as the timeout or the caller aborts, even if a custom fetch ignores the signal.
    const interrupted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    interrupted.catch(() => undefined);
    const fail = (error: unknown, otherwise: TransportFailure, status?: number) => {
      const kind = signal.reason === timedOut ? "timeout" : signal.reason === abortedByCaller ? "aborted" : otherwise;
      const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      const detail = kind === "timeout" ? `${timeoutMs} ms` : typeof cause === "string" ? cause : undefined;
      log?.(`${operation} failed: ${kind} [request ${requestId}]`);
      return new VlensTransportError(kind, { operation, requestId, status, detail }, error === undefined ? undefined : { cause: error });
    };

    if (request.signal.aborted) throw fail(undefined, "aborted");
    request.signal.addEventListener("abort", stop);
    const timer = setTimeout(() => controller.abort(timedOut), timeoutMs);
    try {
      let response: Response;
      try {
        response = await Promise.race([options.fetch(request, { signal }), interrupted]);
      } catch (error) {
        throw fail(error, "network");
      }
      const { status } = response;
      let text: string;
      try {
        text = await Promise.race([response.text(), interrupted]);
      } catch (error) {
        throw fail(error, "truncated", status);
      }
      let errorCode: number | null = null;
      if (response.ok && text) {
        try {
          errorCode = errorCodeOf((JSON.parse(text) as { error_code?: unknown } | null)?.error_code);
        } catch (error) {
          // The SyntaxError quotes the body: it is not kept as the cause.
          throw fail(undefined, looksCutOff.test(String((error as Error).message)) ? "truncated" : "non-json", status);
        }
      }
      log?.(`${operation} -> ${status} in ${Date.now() - started} ms [request ${requestId}]`);
      return {
        unauthorized: status === 401 || errorCode === 401,
        response: new Response(nullBodyStatus.has(status) ? null : text, { status, statusText: response.statusText, headers: response.headers }),
      };
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener("abort", stop);
    }
  }

  return async function send(request: Request): Promise<Response> {
    const route = routeOf(request);
    const operation = route?.operation;
    const headers = request.headers;
    const requestId = headers.get("X-Request-Id") || options.newRequestId();
    headers.set("X-Request-Id", requestId);
    headers.set("ApiKey", apiKey);
    if (tenancyName && !headers.has("TenancyName")) headers.set("TenancyName", tenancyName);
    if (language && !headers.has("Accept-Language")) headers.set("Accept-Language", language);
    if (!headers.has("Accept")) headers.set("Accept", "application/json");
    if (!route || route.token === "none") return (await exchange(request, operation, requestId)).response;

    const kind = route.token;
    let token = await tokenFor(kind, operation);
    const mayRefresh = Boolean(refreshAccessToken);
    if (!token && !mayRefresh) {
      throw new VlensInputError("missing-token", "accessToken", `${operation} needs a ${kind} bearer token: pass accessToken (or refreshAccessToken)`);
    }
    const refreshedFirst = !token;
    token ??= await refreshed(kind, operation);
    headers.set("Authorization", `Bearer ${token}`);
    const spare = mayRefresh && !refreshedFirst ? request.clone() : undefined;
    const first = await exchange(request, operation, requestId);
    if (!spare || !first.unauthorized) return first.response;

    log?.(`${operation}: 401, refreshing the ${kind} token once [request ${requestId}]`);
    spare.headers.set("Authorization", `Bearer ${await refreshed(kind, operation)}`);
    return (await exchange(spare, operation, requestId)).response;
  };
}
