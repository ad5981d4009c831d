import type { components, operations } from './sandbox/control-api.js';

/** Options of {@link startMock}. */
export interface StartMockOptions {
  /** Port to listen on. 0 (the default) picks a free port; read the chosen one from the result. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /**
   * Access log, one line per request (`POST /api/DigitalIdentity/verify/id/front 200 extracted 1.2ms`).
   * `true` writes to stdout, a function receives each line. Default: no log.
   */
  log?: boolean | ((line: string) => void);
  /** Largest request body accepted, in bytes; larger bodies get 413. Default 30,000,000 (ASP.NET's default). */
  maxBodyBytes?: number;
  /**
   * Path of the OpenAPI description to serve. Default: the description shipped in this package
   * (`generated/openapi.yaml`).
   */
  description?: string;
  /** The description's YAML or JSON text, instead of a path (for a bundle that embeds it). */
  descriptionText?: string;
  /**
   * Prism's modules, for a bundle that imports them itself (a bundler cannot follow the lookup through
   * the consumer's node_modules): `{ version, http, core, either, yaml, parsePrefer, Ajv2020, addFormats }`
   * as `mocks/prism.js` loads them. Default: Prism as installed next to this package.
   */
  prism?: Record<string, unknown>;
  /**
   * Ask Prism for every scenario at start and refuse to start (with {@link ExampleDriftError}) when an
   * example does not match its schema. Default `true`.
   */
  checkExamples?: boolean;
  /**
   * Replay the description's examples and keep no state: the mock before the sandbox (CLI `--stateless`).
   * Default `false`: the mock is a sandbox that keeps users, tokens, transactions and images per `ApiKey`.
   */
  stateless?: boolean;
  /** Refuse (401) bearer and refresh tokens the sandbox did not issue, instead of taking them for a fresh user or admin. Default `false`. */
  strictTokens?: boolean;
  /** Bytes of images kept (as the base64 text they were sent as), all tenants together; the oldest transactions' images are evicted past it. Default 268,435,456 (256 MB). */
  imageBudgetBytes?: number;
  /** Requests kept in each tenant's journal (`GET /__vlens/requests`). Default 1000. */
  journalLimit?: number;
  /** Seconds a transaction is kept after it was created. Default 86,400 (24 hours). */
  transactionTtlSeconds?: number;
  /** Tenants (ApiKey values) kept; the one unused for longest is forgotten first. Default 1000. */
  maxTenants?: number;
  /** Transactions kept per tenant, oldest forgotten first. Default 10,000. */
  maxTransactionsPerTenant?: number;
  /** Users kept per tenant, oldest forgotten first. Default 10,000. */
  maxUsersPerTenant?: number;
}

/** A running mock. */
export interface RunningMock {
  /** Base URL, for example `http://127.0.0.1:4010` (no trailing slash). */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Closes the server and every open connection. Safe to call more than once. */
  stop(): Promise<void>;
  /** The control API of this mock's sandbox, for the tenant of `apiKey` (the ApiKey your app sends). */
  sandbox(apiKey: string): SandboxControl;
}

type ControlSchemas = components['schemas'];

/**
 * The sandbox's control API (`/__vlens/`, described in `openapi/sandbox/openapi.yaml`) for one tenant.
 * Every method rejects with {@link SandboxControlError} when the mock refuses the call.
 */
export interface SandboxControl {
  /** `GET /__vlens/health`: `{ status: "ok" }` once the mock listens. */
  health(): Promise<ControlSchemas['Health']>;
  /** `GET /__vlens/scenarios`: operations and their scenarios, magic values, faults, the OTP and the limits. */
  scenarios(): Promise<ControlSchemas['Catalog']>;
  /** `POST /__vlens/reset`: forgets the tenant's users, tokens, transactions, images, queued outcomes, faults and journal. */
  reset(): Promise<void>;
  /** `GET /__vlens/transactions/{id}`: steps, outcome, user, and each image's size and SHA-256. */
  transaction(transactionId: string): Promise<ControlSchemas['Transaction']>;
  /** `PUT /__vlens/transactions/{id}/outcomes`: the scenario each step of that transaction answers, e.g. `{ liveness: "spoofDetected" }`. */
  setTransactionOutcomes(transactionId: string, outcomes: ControlSchemas['StepOutcomes']): Promise<ControlSchemas['TransactionOutcomes']>;
  /** `POST /__vlens/outcomes`: the next `times` calls of the operation answer with the scenario. */
  queueOutcome(outcome: ControlSchemas['QueuedOutcome']): Promise<ControlSchemas['QueuedOutcomeResult']>;
  /** `POST /__vlens/faults`: the next calls of the operation (of every operation without `operationId`) meet the fault. */
  addFault(fault: ControlSchemas['Fault']): Promise<ControlSchemas['FaultResult']>;
  /** `POST /__vlens/tokens/expire`: the tenant's issued access tokens now get 401 tokenExpired; refresh tokens still work. */
  expireTokens(): Promise<ControlSchemas['ExpiredTokens']>;
  /** `GET /__vlens/requests`: the journal, oldest first, with secrets redacted and images as size and SHA-256. */
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

/** The control API of a mock running anywhere (another process, a container), for one tenant. */
export function createSandboxControl(options: SandboxControlOptions): SandboxControl;

/** A control call the mock refused (HTTP 4xx); `problem` is its RFC 9457 problem detail, `problem.allowed` the valid values where there is a closed list. */
export class SandboxControlError extends Error {
  readonly status: number;
  readonly problem: ControlSchemas['Problem'];
}

/** The one-time password the sandbox sends by SMS and email, and the only one it accepts: `"123456"`. */
export const SANDBOX_OTP: '123456';

/**
 * Starts the Vlens Digital Identity mock in this process: Stoplight Prism serving the bundled
 * description, behind a front that refuses bad requests the way the real service does.
 * Rejects with {@link PrismMissingError} when `@stoplight/prism-cli` is not installed.
 */
export function startMock(options?: StartMockOptions): Promise<RunningMock>;

/** `@stoplight/prism-cli`, an optional peer dependency, is not installed. The message says what to install. */
export class PrismMissingError extends Error {
  readonly code: 'PRISM_MISSING';
}

/** Some examples of the description do not match their schemas; `drifts` lists each one. */
export class ExampleDriftError extends Error {
  readonly drifts: string[];
}
