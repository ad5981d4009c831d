// Every request goes through here: the client's own calls (`send`, a URL and a JSON text, one
// Request built by fetch itself) and, through `parts`, the openapi-fetch client's (a Request; its
// fetch is in api-calls.ts, loaded with openapi-fetch). It adds the headers every operation takes
// (ApiKey, TenancyName, Accept-Language, Accept, X-Request-Id) where the caller did not set them,
// and the bearer token the operation's security asks for unless the caller sent its own
// Authorization; it enforces the timeout and the size limit over the whole exchange (answer body
// included, counted as it arrives), never follows a redirect (the credentials and the body stay with
// the origin they were meant for), renews an expired token once for all the calls that hold it
// (refresh.ts, loaded on the first 401), and turns every way an exchange can break into a VlensError
// whose cause holds no secret (built with redaction.ts, loaded on the first failure).
import { operationTable } from "../generated/operations.js";
import { errorCodeOf } from "./envelope.js";
import { loadRedaction, VlensError, VlensInputError, VlensTransportError, type Redaction, type TransportFailure } from "./errors.js";
import { checkHeaderValue } from "./headers.js";
import type { Refresher } from "./refresh.js";
import type { Carried } from "./secrets.js";
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

/**
 * Called when a request is refused with 401 (HTTP, or `error_code` 401 in an HTTP 200 envelope);
 * returns the token to retry with. Called once per expired token: concurrent 401s wait for the same
 * call, and a 401 for a token it already replaced is retried with the new token without calling it.
 */
export type RefreshAccessToken = (context: TokenContext) => string | Promise<string>;

/** A fetch implementation, called like `globalThis.fetch`: with a URL and an init, or with a Request. */
export type FetchFunction = (input: string | Request, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  /** Checked already: a value an HTTP header can carry. */
  apiKey: string;
  /** Sent on the key-only captures; a secret like the API key. */
  bundleKey: string | undefined;
  tenancyName: string | undefined;
  language: string | undefined;
  /** Checked already when it is a string. */
  accessToken: AccessToken | undefined;
  refreshAccessToken: RefreshAccessToken | undefined;
  fetch: FetchFunction;
  timeoutMs: number;
  /** The most bytes of one answer's body, counted decoded (after Content-Encoding), as they arrive. */
  maxResponseBytes: number;
  newRequestId: () => string;
  log: ((line: string) => void) | undefined;
}

export interface Route {
  operation: OperationId;
  token: TokenKind | "none";
}

const routeByOperation = new Map<OperationId, Route>(
  Object.entries(operationTable).map(([operation, { token }]) => [operation as OperationId, { operation: operation as OperationId, token }]),
);

const looksCutOff = /end of (json|data)|unterminated|eof/i;
const ignore = () => undefined;
const isResponse = (value: unknown): value is Response => typeof (value as Response | null)?.status === "number" && typeof (value as Response).text === "function";

/** A complete answer: its body read to the end, and parsed when it is JSON. */
export interface Exchange {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is empty, or not JSON (only possible with an error status). */
  json: unknown;
  /** The bearer token the answered request carried, if the client added one. */
  token?: string | undefined;
}

export interface SendInit {
  method: string;
  /** The call's headers, X-Request-Id included; the client adds ApiKey, TenancyName, Accept-Language, Accept and Authorization. */
  headers: Record<string, string>;
  /** The names (lower case) the caller set in `headers`: the client adds none of its own of those names, and no token when Authorization is one. */
  given?: { has(name: string): boolean } | undefined;
  /** The X-Request-Id in `headers`. */
  requestId: string;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The body before it was serialized, read for secrets (passwords, OTPs, tokens) only when an error is built. */
  value?: unknown;
}

export interface Transport {
  /** For the client's calls: the operation, its URL and init. */
  send(operation: OperationId, url: string, init: SendInit): Promise<Exchange>;
  /** The API key and the latest tokens sent: every error text is redacted of them. */
  readonly secrets: ReadonlySet<string>;
  /** What vlens.api's fetch (api-calls.ts, loaded with openapi-fetch) is built from. */
  readonly parts: TransportParts;
}

export interface TransportParts {
  options: TransportOptions;
  /** Adds the headers every request carries, except those the caller set (in any letter case). */
  addCommonHeaders(has: (name: string) => boolean, set: (name: string, value: string) => void): void;
  /** Sends with the operation's token; on 401, sends once more with a renewed one (a wait for it ends when `signal` aborts). */
  authorized(route: Route | undefined, requestId: string, callerAuthorizes: boolean, attempt: Attempt, signal?: AbortSignal | null): Promise<Answer>;
  /** One exchange under the timeout. */
  exchange(
    operation: OperationId | undefined,
    requestId: string,
    token: string | undefined,
    start: (signal: AbortSignal) => Promise<Response>,
    callerSignal: AbortSignal | null | undefined,
    carried: () => Carried,
  ): Promise<Answer>;
}

export type Answer = Exchange & { unauthorized: boolean };
export type Attempt = (token: string | undefined, retry: boolean) => Promise<Answer>;

export function createTransport(options: TransportOptions): Transport {
  const { apiKey, tenancyName, language, refreshAccessToken, timeoutMs, maxResponseBytes } = options;
  // A log callback that throws must not break (or hang) the call it reports on.
  const log =
    options.log &&
    ((line: string) => {
      try {
        options.log!(line);
      } catch {
        // ignored on purpose
      }
    });
  let { accessToken } = options;
  // The credentials the client holds, kept for good; the tokens after them, the latest only.
  const secrets = new Set<string>([apiKey, options.bundleKey ?? apiKey]);
  const held = secrets.size;
  // The refresh machinery (refresh.ts), loaded on the first 401 or missing token.
  let refresher: Refresher | undefined;
  let loadingRefresher: Promise<Refresher> | undefined;
  // Requests sent so far: orders a 401 against the refresh that failed while it was under way.
  let sentCount = 0;
  if (typeof accessToken === "string") secrets.add(accessToken);

  function remember(token: string): string {
    if (!secrets.has(token)) {
      secrets.add(token);
      if (secrets.size > 64) secrets.delete([...secrets][held]!);
    }
    return token;
  }

  /** Adds the headers every request carries, except those the caller set (in any letter case). */
  function addCommonHeaders(has: (name: string) => boolean, set: (name: string, value: string) => void): void {
    if (!has("apikey")) set("ApiKey", apiKey);
    if (tenancyName && !has("tenancyname")) set("TenancyName", tenancyName);
    if (language && !has("accept-language")) set("Accept-Language", language);
    if (!has("accept")) set("Accept", "application/json");
  }

  /** A token function's failure as the client's error (its own errors pass as they are). */
  function hookFailed(field: "accessToken" | "refreshAccessToken", error: unknown): Promise<never> {
    if (error instanceof VlensError) return Promise.reject(error);
    return loadRedaction().then(({ hookError }) => {
      throw hookError(field, error, secrets);
    });
  }

  /** The refresh machinery, loaded once (again after a failed load). */
  function refresh(): Promise<Refresher> {
    return (loadingRefresher ??= import("./refresh.js").then(
      ({ createRefresher }) =>
        (refresher = createRefresher({
          refreshAccessToken: refreshAccessToken!,
          remember,
          hookFailed,
          sentCount: () => sentCount,
          renewedTo(fresh) {
            if (typeof accessToken !== "function") accessToken = fresh;
          },
        })),
      () => {
        loadingRefresher = undefined;
        throw new VlensTransportError("network", { operation: undefined, requestId: undefined, detail: "the token refresh could not be loaded" });
      },
    ));
  }

  /**
   * A token from the accessToken function: checked, and sent as its replacement when a refresh
   * replaced it (the function's store is behind). No token at all is never replaced: the call refreshes.
   */
  function fromFunction(kind: TokenKind, value: unknown): string | undefined {
    if (value == null || value === "") return undefined;
    const token = remember(checkHeaderValue(value, "accessToken"));
    return refresher?.replacement(kind, token) ?? token;
  }

  /** The token for a request: a string as is (no extra tick), a function's answer checked (and awaited). */
  function tokenFor(kind: TokenKind, operation: OperationId): string | undefined | Promise<string | undefined> {
    if (typeof accessToken !== "function") return accessToken;
    let value: unknown;
    try {
      value = accessToken({ operation, token: kind });
    } catch (error) {
      return hookFailed("accessToken", error);
    }
    if (typeof value !== "object" || value === null) return fromFunction(kind, value);
    return Promise.resolve(value).then(
      (resolved) => fromFunction(kind, resolved),
      (error: unknown) => hookFailed("accessToken", error),
    );
  }

  /**
   * Sends with the operation's token; on 401, sends once more with a renewed one. Not an async
   * function: with a string token and no refresh function the exchange's own promise is returned.
   */
  function authorized(route: Route | undefined, requestId: string, callerAuthorizes: boolean, attempt: Attempt, signal?: AbortSignal | null): Promise<Answer> {
    if (!route || route.token === "none" || callerAuthorizes) return attempt(undefined, false);
    const { operation, token: kind } = route;
    const token = tokenFor(kind, operation);
    return typeof token === "object"
      ? token.then((value) => withToken(operation, kind, requestId, attempt, value, signal))
      : withToken(operation, kind, requestId, attempt, token, signal);
  }

  // A wait for a refresh ends when the caller's signal aborts: the attempt then fails as an aborted exchange, sending nothing.
  function withToken(operation: OperationId, kind: TokenKind, requestId: string, attempt: Attempt, token: string | undefined, signal?: AbortSignal | null): Promise<Answer> {
    if (!token) {
      if (!refreshAccessToken) {
        return Promise.reject(new VlensInputError("missing-token", "accessToken", `${operation} needs a ${kind} bearer token: pass accessToken (or refreshAccessToken)`));
      }
      // A token fetched just now is not refreshed again on 401.
      return refresh()
        .then((renewal) => renewal.renewed(kind, operation, "", Number.POSITIVE_INFINITY, signal))
        .then((fresh) => attempt(fresh, true));
    }
    const sequence = (sentCount += 1);
    const first = attempt(token, false);
    if (!refreshAccessToken) return first;
    return first.then((answer) => {
      if (!answer.unauthorized) return answer;
      return refresh()
        .then((renewal) => {
          log?.(`${operation}: 401 for the ${kind} token, ${renewal.how(kind, token)} [request ${requestId}]`);
          return renewal.renewed(kind, operation, token, sequence, signal);
        })
        .then((fresh) => attempt(fresh, true));
    });
  }

  /**
   * One exchange under the timeout and the size limit. One promise settles it: the answer, or the
   * first of timeout, caller's abort, and failure; either interruption also aborts the request and
   * cancels its body, and the promise settles even when a custom fetch ignores the signal. No
   * listener on our own signal and no Promise.race: they showed up as allocation (and GC) per
   * request in the benchmark. `carried` gives what the request carried (asked for only when it fails).
   */
  const exchange: TransportParts["exchange"] = (operation, requestId, token, start, callerSignal, carried) => {
    const started = log ? Date.now() : 0;
    const controller = new AbortController();
    // The error is built with the redaction code, loaded on the first failure. `redirect`: the
    // answer that redirected.
    const fail = (error: unknown, kind: TransportFailure, status?: number, redirect?: Response): Promise<never> => {
      // An abort of the caller's: AbortSignal.timeout(ms) aborts with a TimeoutError, the caller's own time limit.
      const cause = kind === "aborted" ? callerSignal?.reason : error;
      if (kind === "aborted" && (cause as { name?: unknown } | undefined)?.name === "TimeoutError") kind = "timeout";
      log?.(`${operation} failed: ${kind} [request ${requestId}]`);
      // The client's limit: its timeoutMs when its own timer ended the exchange (no cause), else its maxResponseBytes (told for an answer too large).
      const limit = kind === "timeout" ? (cause ? undefined : timeoutMs) : maxResponseBytes;
      return failWith(({ transportError }, known) => transportError(kind, { operation, requestId, status }, known, cause, limit, redirect));
    };
    const failWith = (build: (redaction: Redaction, known: string[]) => VlensError): Promise<never> =>
      loadRedaction().then((redaction) => {
        throw build(redaction, redaction.secretsIn({ ...carried(), known: secrets }));
      });
    if (callerSignal?.aborted) return fail(undefined, "aborted");

    return new Promise<Answer>((resolve) => {
      let settled = false;
      let status: number | undefined;
      let body: ReadableStreamDefaultReader<Uint8Array> | undefined;
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        callerSignal?.removeEventListener("abort", stop);
      };
      const failed = (error: unknown, kind: TransportFailure, redirect?: Response) => {
        if (settled) return;
        settle();
        // Stops the body at once, also when a custom fetch ignores the signal.
        body?.cancel().catch(ignore);
        resolve(fail(error, kind, status, redirect));
      };
      const interrupt = (kind: TransportFailure) => {
        controller.abort();
        failed(undefined, kind);
      };
      const stop = () => interrupt("aborted");
      const timer = setTimeout(interrupt, timeoutMs, "timeout");
      callerSignal?.addEventListener("abort", stop);

      const finish = (response: Response, text: string) => {
        if (settled) return;
        const { ok, statusText, headers } = response;
        let json: unknown;
        if (text) {
          try {
            json = JSON.parse(text);
          } catch (error) {
            // The SyntaxError quotes the body: it is not kept as the cause.
            if (ok) return failed(undefined, looksCutOff.test(String((error as Error).message)) ? "truncated" : "non-json");
          }
        }
        const errorCode = ok ? errorCodeOf((json as { error_code?: unknown } | null)?.error_code) : null;
        settle();
        log?.(`${operation} -> ${status} in ${Date.now() - started} ms [request ${requestId}]`);
        resolve({ status: status!, statusText, headers, text, json, token, unauthorized: status === 401 || errorCode === 401 });
      };
      // The body as it arrives, its decoded bytes counted: over the limit, reading stops at once.
      const readBody = async (response: Response) => {
        const decoder = new TextDecoder();
        let text = "";
        // A Response-like answer of a custom fetch may have no stream: its text is read as one.
        body = (response.body || new Response(await response.text()).body!).getReader();
        for (let size = 0, part: ReadableStreamReadResult<Uint8Array>; !(part = await body.read()).done; ) {
          if ((size += part.value.byteLength) > maxResponseBytes) return failed(undefined, "too-large");
          text += decoder.decode(part.value, { stream: true });
        }
        finish(response, text + decoder.decode());
      };
      const read = (response: Response) => {
        if (settled) return;
        if (!isResponse(response)) return unexpected(undefined);
        status = response.status;
        // fetch was asked not to follow (a browser answers an opaque redirect, its target hidden); one a custom fetch followed anyway is refused too.
        if ((status > 299 && status < 400 && response.headers.has("location")) || response.redirected || response.type === "opaqueredirect") {
          body = response.body?.getReader();
          return failed(undefined, "redirect", response);
        }
        return readBody(response).catch((error: unknown) => failed(error, "truncated"));
      };
      // Anything else that throws comes from a Response-like answer of a custom fetch that cannot be read.
      const unexpected = (error: unknown) => {
        if (settled) return;
        settle();
        resolve(failWith(({ fetchError }, known) => fetchError(error, known)));
      };
      let answer: Promise<Response>;
      try {
        answer = Promise.resolve(start(controller.signal));
      } catch (error) {
        return failed(error, "network");
      }
      answer.then(read, (error: unknown) => failed(error, "network")).catch(unexpected);
    });
  };

  return {
    secrets,
    parts: { options, addCommonHeaders, authorized, exchange },

    send(operation, url, init) {
      const { method, headers, body, given: names, requestId } = init;
      addCommonHeaders(names ? (name) => names.has(name) : () => false, (name, value) => (headers[name] = value));
      return authorized(
        routeByOperation.get(operation),
        requestId,
        names?.has("authorization") ?? false,
        (token) => {
          const sent = token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
          // The init is built here, one shape for every call (a spread of varying inits was slower).
          return exchange(
            operation,
            requestId,
            token,
            (signal) => options.fetch(url, { method, headers: sent, body, signal, redirect: "manual" }),
            init.signal,
            () => ({
              headers: Object.entries(sent),
              body: init.value,
            }),
          );
        },
        init.signal,
      );
    },
  };
}
