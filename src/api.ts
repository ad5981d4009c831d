// The type of `vlens.api`: openapi-fetch's client, with method signatures that take the request
// options as a plain parameter instead of an inferred one. openapi-fetch infers its `init`
// argument and adds an index signature to it, so a misspelt body field compiles
// (openapi-ts/openapi-typescript#1769, #2329); typed this way, TypeScript's excess-property check
// catches it. openapi-fetch's client at runtime (with the calls' checks, in api-calls.ts, loaded
// with it); JSON answers only (no `parseAs`).
import type { Client, FetchOptions, FetchResponse, Middleware } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import type { CallInit } from "./api-calls.js";
import { VlensInputError, VlensTransportError } from "./errors.js";
import type { Transport } from "./transport.js";

type HttpMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/** The paths of the description that have an operation for `Method`. */
export type PathsWith<Method extends HttpMethod> = { [Path in keyof paths]: paths[Path] extends Record<Method, object> ? Path : never }[keyof paths];

/** What a call takes: params (query, headers), body, and fetch options such as `signal`. */
export type ApiInit<Operation> = Omit<FetchOptions<Operation>, "parseAs">;

type Args<Operation> = [RequiredKeys<ApiInit<Operation>>] extends [never] ? [init?: ApiInit<Operation>] : [init: ApiInit<Operation>];

type ApiMethod<Method extends HttpMethod> = <Path extends PathsWith<Method>>(
  url: Path,
  ...init: Args<paths[Path][Method]>
) => Promise<FetchResponse<NonNullable<paths[Path][Method]>, object, "application/json">>;

export type VlensApi = Omit<Client<paths, "application/json">, "request" | Uppercase<HttpMethod>> & {
  [Method in HttpMethod as Uppercase<Method>]: ApiMethod<Method>;
};

const methods = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"] as const;

/**
 * `vlens.api`, with openapi-fetch loaded on its first call: the client's own calls do not use it,
 * so a browser bundle fetches it only when the app uses `vlens.api`. Every method returns a
 * promise anyway; middleware registered before the load is applied when it happens.
 */
export function lazyApi(baseUrl: string, transport: Transport): VlensApi {
  const middleware: Middleware[] = [];
  let loaded: Client<paths, "application/json"> | undefined;
  let loading: Promise<{ client: Client<paths, "application/json">; calls: typeof import("./api-calls.js") }> | undefined;
  const load = () =>
    (loading ??= import("./api-calls.js").then(
      (calls) => {
        loaded = calls.createApiClient(baseUrl, transport);
        loaded.use(...middleware);
        return { client: loaded, calls };
      },
      (error: unknown) => {
        loading = undefined;
        throw new VlensTransportError("network", { operation: undefined, requestId: undefined, detail: "openapi-fetch could not be loaded" }, { cause: error });
      },
    ));
  const api: Record<string, unknown> = {
    use(...added: Middleware[]) {
      for (const item of added) {
        if (item && (typeof item !== "object" || !("onRequest" in item || "onResponse" in item || "onError" in item))) {
          throw new VlensInputError("invalid-option", "middleware", "expected an object with onRequest, onResponse or onError");
        }
      }
      middleware.push(...added.filter(Boolean));
      loaded?.use(...added);
    },
    eject(...removed: Middleware[]) {
      for (const item of removed) {
        const index = middleware.indexOf(item);
        if (index !== -1) middleware.splice(index, 1);
      }
      loaded?.eject(...removed);
    },
  };
  for (const method of methods) api[method] = (path: string, init?: CallInit) => load().then(({ client, calls }) => calls.callApi(client, method, path, init, transport.secrets));
  return api as VlensApi;
}
