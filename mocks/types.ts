// The types the sandbox engine, its adapters, its scripts and its tests share. Declarations only: the
// code that uses them is JavaScript with JSDoc types, checked by `npm run typecheck` (tsc, strict).

// ---------------------------------------------------------------------------------------------
// The model of the description (mocks/model/): built once, at build time for the shipped description.

/** A security scheme of one alternative of an operation's security requirements. */
export interface SecuritySchemeModel {
  /** The scheme's name in components.securitySchemes (ApiKey, UserBearer, AdminBearer). */
  key: string;
  type: string;
  in?: string;
  name?: string;
  scheme?: string;
}

export interface ParameterModel {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  required: boolean;
}

/** A named example of a response: a scenario. Its value lives in the operation's examples file. */
export interface ExampleModel {
  name: string;
  summary: string;
}

export interface ResponseModel {
  status: number;
  mediaType: string | null;
  examples: ExampleModel[];
}

export type TokenKind = 'none' | 'user' | 'admin';
export type Role = 'user' | 'admin';

/** What the engine knows of one operation of the description. */
export interface OperationModel {
  /** The operationId. */
  id: string;
  method: string;
  path: string;
  /** Alternatives, each a list of schemes that must all pass; [] when the operation needs none. */
  security: SecuritySchemeModel[][];
  /** The bearer token kinds the operation accepts (UserBearer, AdminBearer). */
  roles: Role[];
  /** The token a client sends: 'admin' when only AdminBearer is accepted. */
  token: TokenKind;
  hasBody: boolean;
  bodyRequired: boolean;
  bodyMediaTypes: string[];
  parameters: ParameterModel[];
  statuses: number[];
  responses: ResponseModel[];
  /** What is answered when nothing asks for another scenario: the lowest 2xx and its first example. */
  defaultStatus: number | null;
  defaultScenario: string | null;
  /** Top-level body members that carry a base64 image (contentEncoding: base64). */
  imageFields: string[];
}

export interface ErrorCodeEntry {
  code: number;
  name: string;
  category: string;
  meaning: string;
  userMessage: string;
  retry: string;
  retryable: boolean;
  /** Where the code is documented or seen. */
  sources?: string;
}

/** The vendor's envelope: every answer of the API has these members. */
export interface Envelope {
  data: unknown;
  error_code: number | string | null;
  error_message: string | null;
  error_descriptions: FieldError[] | null | unknown;
  [member: string]: unknown;
}

export interface FieldError {
  field: string | null;
  message: string;
}

/** The examples the mock's own refusals are modelled on (their wording is the description's). */
export type RefusalModelName = 'invalidRequest' | 'invalidBase64' | 'malformedJson' | 'unauthorized' | 'payloadTooLarge' | 'unsupportedMediaType' | 'internalError';

export interface DescriptionModel {
  title: string;
  version: string;
  /** SHA-256 (hex) of the description's text, or null for a description given as a parsed document. */
  sha256: string | null;
  operations: OperationModel[];
  errorCodes: ErrorCodeEntry[];
  refusalModels: Record<RefusalModelName, Envelope>;
  /** Header names that carry credentials: every apiKey security scheme in a header, and credential-like header parameters. */
  credentialHeaders: string[];
}

/** An operation's examples: status -> scenario name -> the example's value. */
export type ExampleValues = Record<string, Record<string, unknown>>;

/** A violation of a request schema, as the validators report it (Ajv's error objects, bounded). */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  /** What the keyword reports (`missingProperty`, `limit`, `allowedValues`, ...): Ajv's own shape per keyword. */
  // biome-ignore lint/suspicious/noExplicitAny: Ajv's error params differ by keyword
  params: Record<string, any>;
  message?: string;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is any JSON object
  parentSchema?: Record<string, any>;
}

/** A validator compiled ahead of time (Ajv standalone code). */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** The request validators of one operation: the body with every error, the body to its first error, the parameters per location. */
export interface OperationValidators {
  body: CompiledValidator | null;
  bodyFirstError: CompiledValidator | null;
  query: CompiledValidator | null;
  header: CompiledValidator | null;
  path?: CompiledValidator | null;
}

/** Where the engine gets the description from: the shipped one (generated files) or one described at run time. */
export interface DescriptionSource {
  model: DescriptionModel;
  /** Checks a named example before it is served, for a description not checked when it was loaded. */
  checkAnswer?(operation: OperationModel, status: number, body: unknown): Violation[];
  /** The examples of one operation (loaded on first use where it can be). */
  examples(operationId: string): Promise<ExampleValues>;
  /** The request validators of one operation (loaded on first use where it can be). */
  validators(operationId: string): Promise<OperationValidators>;
}

// ---------------------------------------------------------------------------------------------
// Requests and answers inside the engine.

/** A field error the front checks found, with the kind the refusal is chosen by. */
export interface Violation {
  field: string | null;
  message: string;
  kind?: string;
}

/**
 * An answer before it becomes a Response or is written to a socket. `payload` is the body as sent:
 * text, or byte chunks (an image is spliced in as bytes, never serialised again).
 */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** The body as a value (what the journal shows; never holds image bytes). */
  body?: unknown;
  payload?: string | Uint8Array[];
  contentType?: string;
  /** The scenario that answered, or what answered ('preflight', a refusal model, 'fault:…'). */
  scenario: string;
}

/** How an answer reaches the client when a fault was armed for the call. */
export type FaultName = 'delay' | 'hang' | 'reset' | 'html502' | 'truncated';

export interface StruckFault {
  fault: FaultName;
  delayMs: number;
}

// ---------------------------------------------------------------------------------------------
// The sandbox's options.

export interface SandboxLimits {
  /** Bytes of images kept, all tenants together (the base64 text as sent). Default 256 MiB. */
  imageBudgetBytes: number;
  /** Journal entries kept per tenant. Default 1,000. */
  journalLimit: number;
  /** Seconds a transaction is kept after it was created. Default 86,400 (24 h). */
  transactionTtlSeconds: number;
  /** Tenants (ApiKey values) kept; the one unused for longest is forgotten first. Default 1,000. */
  maxTenants: number;
  maxTransactionsPerTenant: number;
  maxUsersPerTenant: number;
  /** Issued tokens, refresh tokens, OTP requests and unknown bearers seen, per tenant. */
  maxCredentialsPerTenant: number;
  /**
   * Records (users, credentials, OTP requests, transactions, planned outcomes) of every tenant together;
   * past it the tenant unused for longest is forgotten. Default 200,000. With the image and journal
   * budgets it bounds the sandbox's memory (docs/sandbox.md, "Limits").
   */
  maxRecords: number;
  /** Bytes of a request body, at most (ASP.NET Core's default). Default 30,000,000. */
  maxBodyBytes: number;
  /**
   * Seconds a client has to send a whole request, then 408 in the envelope. Default 120. The Node
   * server counts from the first byte; `handle()` from the start of the body's read (an in-process
   * body stream that never ends).
   */
  requestTimeoutSeconds: number;
  /** Bytes of journal entries kept, all tenants together (the oldest go first). Default 64 MiB. */
  journalBudgetBytes: number;
}

export interface SandboxOptions extends Partial<SandboxLimits> {
  /** Replay the examples and keep no state. */
  stateless?: boolean;
  /** Refuse bearer tokens the sandbox did not issue (401). */
  strictTokens?: boolean;
  /** Origins allowed to call the control API from a browser page, besides the sandbox's own. */
  allowOrigins?: string[];
  /**
   * Host names the control API answers besides localhost, IP addresses, single-label names (`vlens`)
   * and `.local` names, when a network adapter passes the Host header: `qa.example.com`, or
   * `.example.com` for it and its subdomains, or `*` for any (behind a proxy that checks Host itself).
   * The hosts of `allowOrigins` are allowed too. Against DNS rebinding, as Vite's `server.allowedHosts`.
   */
  allowHosts?: string[];
  /** Makes ids and tokens deterministic: two sandboxes with the same seed issue the same ones. */
  seed?: string | number;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
  /** Answers no named example gives (`Prefer: dynamic=true`, a status without an example). */
  generator?: AnswerGenerator;
  /** Another description than the shipped one (Node: mocks/node/description-file.js). */
  description?: DescriptionSource;
  /** Warnings the engine has for its host (an example that drifted). */
  warn?: (message: string) => void;
  /**
   * Tenants to start with: a seed document, a State document (`GET /__vlens/state`) under each ApiKey.
   * Loaded before the first request is served (`Sandbox.ready`); a document that is not valid, or that
   * exceeds the limits, makes `ready` reject with a TypeError naming the tenant (by its place, never its
   * key) and the field. Not to be confused with `seed`, which seeds the random ids and tokens.
   */
  initialState?: SeedDocument;
}

/**
 * A seed: several tenants' states (the control API's State schema), each under the ApiKey that names
 * the tenant. What `vlens-mock --seed-file` and `startMock({ seedFile })` read, and `initialState` takes.
 */
export interface SeedDocument {
  format: 'vlens-sandbox-seed';
  version: 1;
  /** What the seed holds, for its reader; ignored. */
  description?: string;
  tenants: Record<string, ControlSchemas['State']>;
}

/** Generates an answer from the schema (Stoplight Prism on Node). */
export type AnswerGenerator = (operation: OperationModel, request: { status: number | undefined; dynamic: boolean }) => Promise<Answer>;

/** The model of the sandbox's own control API (its answers are problem details, not the envelope). */
export type ControlApiModel = Omit<DescriptionModel, 'refusalModels'>;

// ---------------------------------------------------------------------------------------------
// The engine's public surface (mocks/engine/sandbox.js implements it; `vlens-digital-identity/sandbox`).

import type { components } from './control/api-types.js';

/** The control API's schemas (openapi/sandbox/openapi.yaml). */
export type ControlSchemas = components['schemas'];

/** What reading a request's body gave: its bytes, or that it was too large or never arrived whole. */
export type BodyRead = { bytes: Uint8Array } | { tooLarge: true; received: number; cut?: boolean } | { aborted: true } | { timedOut: true };

/** Reads a request's body, at most `limit` bytes. */
export interface BodyReader {
  read(limit: number): Promise<BodyRead>;
}

/** Request headers: `get` in any letter case, and the pairs (lower-case names). A web `Headers` is one. */
export interface HeaderReader extends Iterable<[string, string]> {
  get(name: string): string | null;
}

/**
 * A request as the engine reads it. A web Request has all of this but `body` (see `streamReader` in
 * mocks/front/body.js); an adapter can give it without building a Request (the Node server reads its
 * socket itself).
 */
export interface IncomingRequest {
  method: string;
  /** The request-target as sent (a path and query) or an absolute URL. */
  url: string;
  headers: HeaderReader;
  body: BodyReader;
  /** The sandbox's own origin as the client reached it (for same-origin control calls). */
  origin?: string;
  /**
   * The Host header as a network client sent it ('' when none), set by network adapters only: the
   * control API then refuses names a public page could rebind to the sandbox (see `allowHosts`).
   */
  host?: string;
  /**
   * Called, when given, with what `serve()` will resolve to as soon as the answer is decided, before
   * the request is filed in the journal: a network adapter writes the answer then, so the client does
   * not wait for the bookkeeping. `serve()` still resolves to the same object afterwards.
   */
  answered?(served: Served): void;
}

/**
 * What `serve()` gives an adapter: the answer to send (CORS headers included), the fault to strike
 * instead or on top, the signals that end a delayed or hung answer (the tenant's reset; a hang ends
 * with the sandbox's `closed` too), and whether what is left of the request body must be drained with a cap.
 */
export interface Served {
  answer: Answer;
  fault: StruckFault | null;
  signals: AbortSignal[];
  close: boolean;
}

/** The control API of one tenant (createSandboxControl, or `sandbox.control(apiKey)` in process). */
export interface SandboxControl {
  /** `GET /__vlens/health`: `{ status: "ok" }` (needs no key). */
  health(): Promise<ControlSchemas['Health']>;
  /** `GET /__vlens/scenarios`: operations and their scenarios and rules, magic values, faults, the OTP, the limits. */
  scenarios(): Promise<ControlSchemas['Catalog']>;
  /** `POST /__vlens/reset`: forgets the tenant; its delayed and hung answers end. */
  reset(): Promise<void>;
  /** `GET /__vlens/transactions/{id}` (any letter case): steps, outcome, user, images' sizes and SHA-256. */
  transaction(transactionId: string): Promise<ControlSchemas['Transaction']>;
  /** `PUT /__vlens/transactions/{id}/outcomes`: the scenario each step of that transaction answers. */
  setTransactionOutcomes(transactionId: string, outcomes: ControlSchemas['StepOutcomes']): Promise<ControlSchemas['TransactionOutcomes']>;
  /** `POST /__vlens/outcomes`: the next `times` calls of an operation answer a scenario. */
  queueOutcome(outcome: ControlSchemas['QueuedOutcome']): Promise<ControlSchemas['QueuedOutcomeResult']>;
  /** `POST /__vlens/faults`: the next calls of an operation (or of any) meet a fault. */
  addFault(fault: ControlSchemas['Fault']): Promise<ControlSchemas['FaultResult']>;
  /** `POST /__vlens/tokens/expire`: every token the tenant issued or accepted expires. */
  expireTokens(): Promise<ControlSchemas['ExpiredTokens']>;
  /**
   * `GET /__vlens/requests`: the journal, oldest first. With `after` (a `latest` read before) and `wait`
   * (seconds), it answers as soon as a newer request is journaled (long polling).
   */
  requests(query?: JournalQuery): Promise<ControlSchemas['Journal']>;
  /** `GET /__vlens/requests/{seq}`: one journaled request and what was answered, redacted. */
  request(seq: number): Promise<ControlSchemas['JournalEntryDetail']>;
  /** `GET /__vlens/transactions`: the tenant's transactions, the one changed last first. */
  transactions(query?: { limit?: number }): Promise<ControlSchemas['TransactionList']>;
  /** `GET /__vlens/transactions/{id}/steps/{step}/images/{field}`: an uploaded image, decoded, with its content type. */
  transactionImage(
    transactionId: string,
    step: 'front' | 'back' | 'liveness',
    field: 'image' | 'face_1' | 'face_2' | 'face_3',
  ): Promise<{ contentType: string; bytes: Uint8Array }>;
  /** `GET /__vlens/coverage`: which scenarios and faults the tenant's requests have been through. */
  coverage(query?: CoverageQuery): Promise<ControlSchemas['Coverage']>;
  /** `GET /__vlens/coverage?format=markdown|junit`: the same report as a CI job summary or a JUnit report. */
  coverageReport(format: 'markdown' | 'junit', query?: CoverageQuery & { unhit?: 'failure' | 'skip' }): Promise<string>;
  /** `GET /__vlens/state`: the tenant as one document (its secrets are the sandbox's test values). */
  state(): Promise<ControlSchemas['State']>;
  /** `PUT /__vlens/state`: replaces the tenant with a document; refused whole (400) when any of it is wrong. */
  replaceState(state: ControlSchemas['State']): Promise<ControlSchemas['StateSummary']>;
}

/** Which journal entries `requests()` reads. */
export interface JournalQuery {
  operationId?: string;
  status?: number;
  transactionId?: string;
  /** Only entries numbered after this `seq`. */
  after?: number;
  /** Seconds to wait for one (0 to 60). */
  wait?: number;
  limit?: number;
}

/** What a coverage report covers. */
export interface CoverageQuery {
  /** These operations alone. */
  only?: string[];
  /** Whether faults count towards the totals (default true). */
  faults?: boolean;
}

/** A sandbox (createSandbox). */
export interface Sandbox {
  /** The model of the description it serves. */
  readonly model: DescriptionModel;
  readonly settings: { stateless: boolean; strictTokens: boolean; otp: string; transactionTtlMs: number };
  readonly limits: SandboxLimits;
  /** Answers a web Request (the API and the control API under /__vlens/), faults struck the web way. */
  handle(request: Request): Promise<Response>;
  /** Serves a request for an adapter, which strikes the fault itself. */
  serve(request: IncomingRequest): Promise<Served>;
  /** The catalog `GET /__vlens/scenarios` answers. */
  catalog(): ControlSchemas['Catalog'];
  /** The control API of a tenant, in process. */
  control(apiKey: string): SandboxControl;
  /** Resolves once `initialState` is loaded (at once without one); rejects with the reason it was refused. Requests wait for it. */
  readonly ready: Promise<void>;
  /** Ends every hung answer: the sandbox is stopping (delayed answers are requests in flight, and finish). */
  close(): void;
  /** Aborted once close() was called. */
  readonly closed: AbortSignal;
}
