// The type of `vlens.api`: openapi-fetch's client, with method signatures that take the request
// options as a plain parameter instead of an inferred one. openapi-fetch infers its `init`
// argument and adds an index signature to it, so a misspelt body field compiles
// (openapi-ts/openapi-typescript#1769, #2329); typed this way, TypeScript's excess-property check
// catches it. Same object at runtime; JSON answers only (no `parseAs`).
import type { Client, FetchOptions, FetchResponse } from "openapi-fetch";
import type { paths } from "../generated/schema.js";

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
