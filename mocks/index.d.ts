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
}

/** A running mock. */
export interface RunningMock {
  /** Base URL, for example `http://127.0.0.1:4010` (no trailing slash). */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Closes the server and every open connection. Safe to call more than once. */
  stop(): Promise<void>;
}

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
