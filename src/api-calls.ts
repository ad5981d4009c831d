// The calls of `vlens.api`, loaded with openapi-fetch on the first one (so a bundle carries none of
// it up front). Every error a call throws is a VlensError without secrets: header values are
// checked before openapi-fetch builds its Request (whose Headers would throw with the value in the
// message), and anything else thrown (a body or query it cannot serialize, an error of the
// caller's middleware) is wrapped, with a redacted copy as its cause.
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { VlensError, VlensInputError } from "./errors.js";
import { checkHeaderOptions } from "./headers.js";
import { safeCause, scrub } from "./redaction.js";
import { bodySecrets, headerSecrets } from "./secrets.js";

export interface CallInit {
  body?: unknown;
  headers?: unknown;
  params?: { header?: unknown };
}

export const createApiClient = (options: ClientOptions) => createClient<paths, "application/json">(options);

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
  try {
    return await (client[method as "GET"] as unknown as (path: string, init?: CallInit) => Promise<unknown>)(path, init);
  } catch (error) {
    throw asVlensError(error, method, path, init, known);
  }
}
