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
  params: Record<string, any>;
  message?: string;
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
  /** Bytes of a request body, at most (ASP.NET Core's default). Default 30,000,000. */
  maxBodyBytes: number;
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
}

/** Generates an answer from the schema (Stoplight Prism on Node). */
export type AnswerGenerator = (operation: OperationModel, request: { status: number | undefined; dynamic: boolean }) => Promise<Answer>;

/** The model of the sandbox's own control API (its answers are problem details, not the envelope). */
export type ControlApiModel = Omit<DescriptionModel, 'refusalModels'>;
