// The calls of `vlens.api`, loaded with openapi-fetch on the first one (so a bundle carries none of
// it up front). Every error a call throws is a VlensError without secrets: header values are
// checked before openapi-fetch builds its Request (whose Headers would throw with the value in the
// message), and anything else thrown (a body or query it cannot serialize, an error of the
// caller's middleware) is wrapped, with a redacted copy as its cause.
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

/** Checks headers given to `vlens.api` in any form openapi-fetch takes (a Headers object was checked when it was built). */
function checkHeaderOptions(headers: unknown, field: string): void {
  if (headers == null || typeof headers !== "object" || (typeof Headers !== "undefined" && headers instanceof Headers)) return;
  // As openapi-fetch reads them: the members of an object, several values of a name as an array.
  for (const [name, value] of Object.entries(headers as Record<string, HeaderValue>)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item != null) checkHeader(String(name), String(item), field);
  }
}

export interface CallInit {
  body?: unknown;
  headers?: unknown;
  params?: { header?: unknown };
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
    const answer = await authorized(route, requestId, callerAuthorizes, (token, retry) => {
      const attempt = retry ? spare! : request;
      if (token) attempt.headers.set("Authorization", `Bearer ${token}`);
      return exchange(route?.operation, requestId, token, (signal) => options.fetch(attempt, { signal, redirect: "manual" }), attempt.signal, () => ({ headers: attempt.headers, body }));
    }, request.signal);
    const { status, statusText } = answer;
    return new Response(nullBodyStatus.has(status) ? null : answer.text, { status, statusText, headers: answer.headers });
  };
}

/** The transport's fetch of each client, given every call's body by `callApi`. */
const fetchOf = new WeakMap<object, RequestFetch>();

/** openapi-fetch's client over the Vlens transport. */
export function createApiClient(baseUrl: string, transport: Transport) {
  const fetch = requestFetch(baseUrl, transport.parts);
  const client = createClient<paths, "application/json">({ baseUrl, fetch });
  fetchOf.set(client, fetch);
  return client;
}

/** Header entries of any form openapi-fetch takes (several values of a name as several entries), for the secrets among them. */
function headerEntries(headers: unknown): [string, string][] {
  if (headers == null || typeof headers !== "object") return [];
  const entries: [string, unknown][] = typeof Headers !== "undefined" && headers instanceof Headers ? [...headers] : Object.entries(headers);
  return entries.flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, String(item)]));
}

/** What a call throws: the client's own errors (their cause redacted of the call's secrets too), anything else wrapped. */
function asVlensError(error: unknown, method: string, path: string, init: CallInit | undefined, known: ReadonlySet<string>): VlensError {
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

/** One call of `vlens.api`: its header options checked, then openapi-fetch's method, its errors as VlensErrors. */
export async function callApi(client: Client<paths, "application/json">, method: string, path: string, init: CallInit | undefined, known: ReadonlySet<string>) {
  checkHeaderOptions(init?.headers, "headers");
  checkHeaderOptions(init?.params?.header, "params.header");
  // A fetch for this call, which knows its body (a fetch of the caller's own is used as openapi-fetch uses it).
  const fetch = fetchOf.get(client)!;
  try {
    return await (client[method as "GET"] as unknown as (path: string, init?: CallInit) => Promise<unknown>)(path, { fetch: (request: Request) => fetch(request, init?.body), ...init });
  } catch (error) {
    throw asVlensError(error, method, path, init, known);
  }
}
