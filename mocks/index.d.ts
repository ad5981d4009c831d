import type { components, operations } from './sandbox/control-api.js';

/** Options of {@link startMock}. */
export interface StartMockOptions {
  /** TCP port to listen on, 0 to 65535. 0 (the default) picks a free port; read the chosen one from {@link RunningMock.port}. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`; `0.0.0.0` (or `::`) for every interface. */
  host?: string;
  /**
   * Access log, one line per request: method, path without the query, status, scenario, milliseconds
   * (`POST /api/DigitalIdentity/verify/id/front 200 extracted 1.2ms`). Keys, tokens and bodies are never
   * in it. `true` writes to stdout, a function receives each line (no newline). Default: no log.
   */
  log?: boolean | ((line: string) => void);
  /**
   * Largest request body accepted, in bytes; a larger one gets 413 in the vendor's envelope (read and
   * dropped up to four times this much, then the connection is closed). Default 30,000,000 (Kestrel's
   * default MaxRequestBodySize: the real service is ASP.NET).
   */
  maxBodyBytes?: number;
  /**
   * Path of the OpenAPI 3.1 description (YAML or JSON) to serve. Default: the description shipped in
   * this package (`generated/openapi.yaml`). A read error (ENOENT...) rejects {@link startMock}.
   */
  description?: string;
  /** The description's YAML or JSON text, instead of a path (for a bundle that embeds it). Wins over `description`. */
  descriptionText?: string;
  /**
   * Prism's modules, for a bundle that imports them itself (a bundler cannot follow the lookup through
   * the consumer's node_modules): `{ version, http, core, either, yaml, Ajv2020, addFormats }`, where
   * `version` is Prism's version string, `http` and `core` are `@stoplight/prism-http` and
   * `@stoplight/prism-core`, `either` is `fp-ts/Either`, `yaml` is `@stoplight/yaml`, `Ajv2020` is
   * `ajv/dist/2020`'s default export and `addFormats` `ajv-formats`'. Each may be a plain value or a
   * getter, read the first time it is needed: `version` and the Ajv pair at start, `yaml` only for a
   * description without a record, `http`, `core` and `either` only for a generated answer
   * (`Prefer: dynamic=true`, a status without a named example). Default: Prism as installed next to
   * this package, loaded the same way (`mocks/prism.js`).
   */
  prism?: Record<string, unknown>;
  /**
   * Check every named example (response and request) against its schema at start, and reject
   * {@link startMock} with {@link ExampleDriftError}, listing each drift, when one does not match.
   * Only a description other than the shipped one is checked: the shipped one's examples were checked,
   * by the mock's check and by Prism's, when its record (`mocks/checked-description.js`) was written.
   * With `false`, asking for a drifted example answers 500 naming the example and its violations.
   * Default `true`.
   */
  checkExamples?: boolean;
  /**
   * Replay the description's examples and keep no state: the mock before the sandbox (CLI `--stateless`).
   * Default `false`: the mock is a sandbox that keeps users, tokens, transactions and images per `ApiKey`.
   */
  stateless?: boolean;
  /**
   * Refuse (401 `unauthorized`) bearer and refresh tokens the sandbox did not issue, instead of taking a
   * well-formed one for a fresh user (or admin, where the operation needs one) of the tenant. No effect
   * with `stateless`. Default `false` (CLI `--strict-tokens`).
   */
  strictTokens?: boolean;
  /**
   * Bytes of images kept (counted as the base64 text they were sent as), all tenants together; past it
   * the oldest transactions' images are evicted, and GetStepImage answers `fileNotFound` for them.
   * Default 268,435,456 (256 MB; CLI `--image-budget-mb`).
   */
  imageBudgetBytes?: number;
  /** Requests kept in each tenant's journal (`GET /__vlens/requests`), the oldest dropped first. Default 1000. */
  journalLimit?: number;
  /** Seconds a transaction is kept after it was created; then it is unknown (`transactionNotFound`). Default 86,400 (24 hours; CLI `--transaction-ttl`). */
  transactionTtlSeconds?: number;
  /** Tenants (ApiKey values) kept; the one unused for longest is forgotten first. Default 1000. */
  maxTenants?: number;
  /** Transactions kept per tenant, the oldest forgotten first. Default 10,000. */
  maxTransactionsPerTenant?: number;
  /** Users kept per tenant, the oldest forgotten first. Default 10,000. (Issued tokens and OTP requests: 20,000 per tenant, not an option.) */
  maxUsersPerTenant?: number;
}

/** A running mock. */
export interface RunningMock {
  /**
   * Base URL, for example `http://127.0.0.1:4010` (no trailing slash). A mock listening on `0.0.0.0`
   * shows `127.0.0.1`; an IPv6 host is bracketed (`http://[::1]:4010`).
   */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Closes the server and every open connection. Safe to call more than once. */
  stop(): Promise<void>;
  /** The control API of this mock's sandbox, for the tenant of `apiKey` (the ApiKey your app sends); as {@link createSandboxControl} with this mock's `url`. */
  sandbox(apiKey: string): SandboxControl;
}

type ControlSchemas = components['schemas'];

/**
 * The sandbox's control API (`/__vlens/`, described in `openapi/sandbox/openapi.yaml`) for one tenant:
 * every call sends the tenant's `ApiKey`. Every method rejects with {@link SandboxControlError} when the
 * mock answers a status that is not 2xx, and with fetch's own error (a `TypeError`) when it cannot be
 * reached. Under `stateless`, `transaction` and `setTransactionOutcomes` are refused (404): there is no
 * transaction; the other calls work.
 */
export interface SandboxControl {
  /** `GET /__vlens/health`: `{ status: "ok" }` once the mock listens (the readiness probe; needs no key). */
  health(): Promise<ControlSchemas['Health']>;
  /** `GET /__vlens/scenarios`: operations and their scenarios, magic values, faults, the OTP and the limits. */
  scenarios(): Promise<ControlSchemas['Catalog']>;
  /** `POST /__vlens/reset`: forgets the tenant's users, tokens, transactions, images, queued outcomes, faults and journal. */
  reset(): Promise<void>;
  /**
   * `GET /__vlens/transactions/{id}` (the id in any letter case): steps with the scenario each
   * answered, outcome, user, and each image's size and SHA-256, never its bytes. 404 for an id the
   * tenant does not have (`problem.allowed`: its latest ids).
   */
  transaction(transactionId: string): Promise<ControlSchemas['Transaction']>;
  /**
   * `PUT /__vlens/transactions/{id}/outcomes`: the scenario each step (`front`, `back`, `liveness`,
   * `link`) of that transaction answers, e.g. `{ liveness: "spoofDetected" }`, set before or during the
   * flow; replaces what was set before. 400 for a scenario the step has not (`problem.allowed`).
   */
  setTransactionOutcomes(transactionId: string, outcomes: ControlSchemas['StepOutcomes']): Promise<ControlSchemas['TransactionOutcomes']>;
  /**
   * `POST /__vlens/outcomes`: the next `times` (1 to 10,000, default 1) calls of the operation answer
   * with the scenario, after any queued before it; `status` only where two statuses share the name.
   * 400 for an unknown operation or scenario (`problem.allowed`), or past 1,000 waiting outcomes for the operation.
   */
  queueOutcome(outcome: ControlSchemas['QueuedOutcome']): Promise<ControlSchemas['QueuedOutcomeResult']>;
  /**
   * `POST /__vlens/faults`: the next `times` (default 1) calls of the operation, of every operation
   * without `operationId`, meet the fault: `delay` (`delayMs` later, 0 to 600,000), `hang`, `reset`,
   * `html502`, `truncated`. 400 for an unknown operation or fault (`problem.allowed`).
   */
  addFault(fault: ControlSchemas['Fault']): Promise<ControlSchemas['FaultResult']>;
  /** `POST /__vlens/tokens/expire`: the tenant's issued access tokens now get 401 tokenExpired; refresh tokens still work. */
  expireTokens(): Promise<ControlSchemas['ExpiredTokens']>;
  /**
   * `GET /__vlens/requests`: the tenant's journal, oldest first (`query.operationId`, `query.limit`):
   * method, path, status, scenario, what forced it, why it was refused, milliseconds; keys, tokens,
   * passwords and OTPs redacted, images as size and SHA-256.
   */
  requests(query?: operations['listRequests']['parameters']['query']): Promise<ControlSchemas['Journal']>;
}

/** Options of {@link createSandboxControl}. */
export interface SandboxControlOptions {
  /** The mock's base URL, for example `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** The ApiKey of the tenant to steer: the one your app sends. */
  apiKey: string;
  /** A fetch to call with. Default `globalThis.fetch`. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

/**
 * The control API of a mock running anywhere (another process, a container), for one tenant. Throws a
 * `TypeError` when `baseUrl` is not an http(s) URL or `apiKey` is empty; makes no request itself.
 */
export function createSandboxControl(options: SandboxControlOptions): SandboxControl;

/**
 * A control call the mock answered with a status that is not 2xx; `problem` is its RFC 9457 problem
 * detail (`title`, `detail`, `field`), `problem.allowed` the valid values where there is a closed list.
 * The message quotes `problem.detail`.
 */
export class SandboxControlError extends Error {
  /** The HTTP status: 400 (invalid or unknown values), 401 (ApiKey missing or malformed), 404 (unknown transaction or path), 405, 413. */
  readonly status: number;
  readonly problem: ControlSchemas['Problem'];
}

/** The only one-time password the sandbox accepts, for every phone and email (it sends no SMS and no email): `"123456"`. */
export const SANDBOX_OTP: '123456';

/**
 * Starts the Vlens Digital Identity mock in this process and resolves once it listens. It refuses bad
 * requests the way the real service does (credentials, content type, size, JSON, schema: the vendor's
 * envelope), then answers with the description's named examples; Stoplight Prism, in the same process,
 * generates the answers no example gives (`Prefer: dynamic=true`). A sandbox by default (see
 * `stateless`). Rejects with {@link PrismMissingError} when `@stoplight/prism-cli` is not installed,
 * with {@link ExampleDriftError} when a description other than the shipped one has a drifted example,
 * and with Node's listen error (`code` `EADDRINUSE`, `EACCES`) when the port cannot be taken.
 */
export function startMock(options?: StartMockOptions): Promise<RunningMock>;

/** `@stoplight/prism-cli`, an optional peer dependency, is not installed. The message says what to install (`npm install --save-dev @stoplight/prism-cli@5.14.x`); `cause` is the resolution error. */
export class PrismMissingError extends Error {
  readonly code: 'PRISM_MISSING';
}

/** Some examples of the description do not match their schemas. */
export class ExampleDriftError extends Error {
  /** One line per drift: operationId, status (or "request example") and example name, then the violation. */
  readonly drifts: string[];
}
