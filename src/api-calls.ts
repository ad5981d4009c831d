// The calls of `vlens.api`, loaded with openapi-fetch on the first one (so a bundle carries none of
// it up front). They behave as openapi-fetch documents: headers in every form `HeadersInit` takes
// (a record, a Headers object of any implementation, name-value pairs), the Response with its `url`,
// and the Error an `onError` middleware returns thrown as it is (the app chose it). Every other
// error a call throws is a VlensError without secrets: header values are checked before
// openapi-fetch builds its Request (whose Headers would throw with the value in the message), and
// anything else thrown (a body or query it cannot serialize, an error thrown in the caller's
// middleware) is wrapped, with a redacted copy as its cause.
import createClient, { type Client } from "openapi-fetch";
import { operationTable } from "../generated/operations.js";
import type { paths } from "../generated/schema.js";
import { VlensError, VlensInputError } from "./errors.js";
import { checkHeader, checkHeaderValue } from "./headers.js";
import { safeCause, scrub } from "./redaction.js";
import { bodySecrets, headerSecrets } from "./secrets.js";
import type { Route, Transport } from "./transport.js";
import type { OperationId } from "./types.js";

type HeaderValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

const isHeaders = (headers: unknown): headers is Headers => typeof Headers !== "undefined" && headers instanceof Headers;
/** Name-value pairs: a list of them, or a Headers object of another implementation (a polyfill, another frame). */
const isPairs = (headers: object): headers is Iterable<[string, string]> => Symbol.iterator in headers;

/**
 * Headers given to `vlens.api` checked, in a form openapi-fetch reads as `HeadersInit` means it:
 * it reads a record, or this runtime's Headers, and takes a list of pairs (or another
 * implementation's Headers) for a record (sending a header named `0`, or nothing).
 */
function headerOptions(headers: unknown, field: string): unknown {
  // This runtime's Headers was checked when it was built.
  if (headers == null || typeof headers !== "object" || isHeaders(headers)) return headers;
  const pairs = isPairs(headers);
  // A record as openapi-fetch reads it: several values of a name as an array.
  const entries: [string, HeaderValue][] = pairs ? [...headers] : Object.entries(headers as Record<string, HeaderValue>);
  for (const [name, value] of entries) {
    for (const item of Array.isArray(value) ? value : [value]) if (item != null) checkHeader(String(name), String(item), field);
  }
  return pairs ? new Headers(headers as HeadersInit) : headers;
}

export interface CallInit {
  body?: unknown;
  headers?: unknown;
  params?: { header?: unknown; [other: string]: unknown };
  [other: string]: unknown;
}

const routes = new Map<string, Route>(
  Object.entries(operationTable).map(([operation, { method, path, token }]) => [`${method} ${path}`, { operation: operation as OperationId, token }]),
);
const nullBodyStatus = new Set([101, 204, 205, 304]);

type RequestFetch = (request: Request, body?: unknown) => Promise<Response>;

/**
 * The fetch of openapi-fetch's client: takes its Request (and the call's body before it was
 * serialized, whose secrets its errors are redacted of), adds the headers and token of the
 * transport, and answers a Response whose body is already checked.
 */
function requestFetch(baseUrl: string, { options, addCommonHeaders, authorized, exchange }: Transport["parts"]): RequestFetch {
  const basePath = new URL(baseUrl, "http://localhost").pathname.replace(/\/+$/, "");
  return async (request, body) => {
    const path = new URL(request.url).pathname;
    const route = routes.get(`${request.method} ${path.startsWith(basePath) ? path.slice(basePath.length) : path}`);
    const headers = request.headers;
    const requestId = headers.get("X-Request-Id") || checkHeaderValue(options.newRequestId(), "requestId");
    headers.set("X-Request-Id", requestId);
    addCommonHeaders(
      (name) => headers.has(name),
      (name, value) => headers.set(name, value),
    );
    const callerAuthorizes = headers.has("authorization");
    // Only a request that may be sent twice needs a copy of its body.
    const spare = options.refreshAccessToken && route && route.token !== "none" && !callerAuthorizes ? request.clone() : undefined;
    const answer = await authorized(
      route,
      requestId,
      callerAuthorizes,
      (token, retry) => {
        const attempt = retry ? spare! : request;
        if (token) attempt.headers.set("Authorization", `Bearer ${token}`);
        return exchange(
          route?.operation,
          requestId,
          token,
          (signal) => options.fetch(attempt, { signal, redirect: "manual" }),
          attempt.signal,
          () => ({ headers: attempt.headers, body }),
        );
      },
      request.signal,
    );
    const { status, statusText } = answer;
    const response = new Response(nullBodyStatus.has(status) ? null : answer.text, { status, statusText, headers: answer.headers });
    // The URL that answered: the request's, since no redirect is followed (a Response built here has none of its own).
    return Object.defineProperty(response, "url", { value: request.url });
  };
}

/** Errors an app's `onError` middleware returned: thrown as they are, as openapi-fetch does. */
const chosenByApp = new WeakSet<object>();
/** The transport's fetch of each client, given every call's body by `callApi`. */
const fetchOf = new WeakMap<object, RequestFetch>();

/**
 * openapi-fetch's client over the Vlens transport. Its first middleware (so the last `onError`
 * called) marks an error other than the transport's own: one an app's `onError` returned.
 */
export function createApiClient(baseUrl: string, transport: Transport) {
  const fetch = requestFetch(baseUrl, transport.parts);
  const client = createClient<paths, "application/json">({ baseUrl, fetch });
  fetchOf.set(client, fetch);
  client.use({
    onError({ error }) {
      if (!(error instanceof VlensError) && typeof error === "object" && error !== null) chosenByApp.add(error);
    },
  });
  return client;
}

/** Header entries of any form openapi-fetch takes (several values of a name as several entries), for the secrets among them. */
function headerEntries(headers: unknown): [string, string][] {
  if (headers == null || typeof headers !== "object") return [];
  const entries: [string, unknown][] = isPairs(headers) ? [...(headers as Iterable<[string, unknown]>)] : Object.entries(headers);
  return entries.flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, String(item)]));
}

/** What a call throws: the client's own errors (their cause redacted of the call's secrets too), anything else wrapped. */
function asVlensError(error: unknown, method: string, path: string, init: CallInit | undefined, known: ReadonlySet<string>): VlensError {
  if (chosenByApp.has(error as object)) return error as VlensError;
  const carried = [...bodySecrets(init?.body), ...headerSecrets([...headerEntries(init?.headers), ...headerEntries(init?.params?.header)])];
  const secrets = [...known, ...carried];
  if (error instanceof VlensError) {
    // Its cause (a copy already) may still hold what only this call knew: the body's secrets.
    if (carried.length && error.cause !== undefined && !(error.cause instanceof VlensError)) {
      Object.defineProperty(error, "cause", { value: safeCause(error.cause, secrets), writable: true, configurable: true, enumerable: false });
    }
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new VlensInputError("invalid-request", `vlens.api.${method}`, `${path}: ${scrub(message, secrets) || "no message"}`, { cause: safeCause(error, secrets) });
}

/**
 * One call of `vlens.api`: its header options checked, then openapi-fetch's method; its errors as
 * VlensErrors, but the one an app's `onError` returned.
 */
export async function callApi(client: Client<paths, "application/json">, method: string, path: string, init: CallInit | undefined, known: ReadonlySet<string>) {
  try {
    const headers = headerOptions(init?.headers, "headers");
    const header = headerOptions(init?.params?.header, "params.header");
    // A fetch for this call, which knows its body (a fetch of the caller's own is used as openapi-fetch uses it).
    const fetch = fetchOf.get(client)!;
    const sent = { fetch: (request: Request) => fetch(request, init?.body), ...init, headers, ...(init?.params && { params: { ...init.params, header } }) };
    return await (client[method as "GET"] as unknown as (path: string, init?: CallInit) => Promise<unknown>)(path, sent);
  } catch (error) {
    throw asVlensError(error, method, path, init, known);
  }
}
